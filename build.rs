//! Turns on the AddressSanitizer hooks (`src/sanitizer.rs`) when the crate is
//! compiled with `-Zsanitizer=address`, so users get them without a feature.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(drop_arena_asan)");
    let flags = std::env::var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    let mut flags = flags.split('\x1f');
    let asan = flags.any(|flag| flag.contains("sanitizer=") && flag.contains("address"));
    if asan {
        println!("cargo::rustc-cfg=drop_arena_asan");
    }
}
