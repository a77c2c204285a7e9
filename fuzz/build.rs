//! Sets `drop_arena_asan` when the target is built with AddressSanitizer (the
//! cargo-fuzz default), as the crate's own build script does for its targets,
//! so the shared model (`tests/support/model.rs`) checks the crate's
//! poisoning too. `fuzzing` is set by cargo-fuzz.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(drop_arena_asan, fuzzing)");
    println!("cargo::rerun-if-changed=build.rs");
    let sanitizers = std::env::var("CARGO_CFG_SANITIZE").unwrap_or_default();
    if sanitizers.split(',').any(|s| s == "address") {
        println!("cargo::rustc-cfg=drop_arena_asan");
    }
}
