//! Turns on the AddressSanitizer hooks (`src/sanitizer.rs`) when the crate is
//! compiled with `-Zsanitizer=address`, so users get them without a feature
//! (the crate docs' "Debugging with AddressSanitizer" explains the mode).
//!
//! Cargo hands a build script the target's `cfg(sanitize = "...")` values in
//! `CARGO_CFG_SANITIZE` (comma-separated), computed with the target's own
//! rustflags, so this works with `--target` (where `RUSTFLAGS` do not reach
//! the build script itself). An exact match matters: `hwaddress` and
//! `kernel-address` have no `__asan_*` functions to link against.
//! The cfg applies to every target of this package (lib, tests, examples).

fn main() {
    println!(
        "cargo::rustc-check-cfg=cfg(drop_arena_asan, drop_arena_planted_race, fuzzing, loom, shuttle)"
    );
    println!("cargo::rerun-if-changed=build.rs");
    let sanitizers = std::env::var("CARGO_CFG_SANITIZE").unwrap_or_default();
    if sanitizers
        .split(',')
        .any(|sanitizer| sanitizer == "address")
    {
        println!("cargo::rustc-cfg=drop_arena_asan");
    }
}
