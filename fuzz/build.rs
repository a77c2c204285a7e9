//! Sets `fuzz_asan` when the target is built with AddressSanitizer (the
//! cargo-fuzz default), so the harness can check the crate's poisoning too.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(fuzz_asan)");
    println!("cargo::rerun-if-changed=build.rs");
    let sanitizers = std::env::var("CARGO_CFG_SANITIZE").unwrap_or_default();
    if sanitizers.split(',').any(|s| s == "address") {
        println!("cargo::rustc-cfg=fuzz_asan");
    }
}
