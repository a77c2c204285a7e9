//! The behaviour tests, one binary with a module per concern (as bumpalo's
//! `tests/all`): `cargo test` links one binary for them all, not one per
//! file, and `cargo test --test all panics` runs one concern.
//!
//! Four files stay binaries of their own, each saying why in its first line:
//! `tests/ui.rs`, `panic_hook.rs`, `zst_no_heap.rs` and `tsan.rs`.

#[path = "../common/mod.rs"]
mod common;

mod asan;
mod deprecated;
mod layout;
mod memory;
mod operations;
mod panics;
mod raw_pointers;
mod reentrancy;
mod structures;
mod sync;
mod threads;
mod try_alloc_with;
