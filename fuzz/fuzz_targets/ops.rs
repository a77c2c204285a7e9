//! Random operation sequences against the shared model in
//! `tests/support/model.rs`, which `cargo test --lib` also runs (driven by
//! proptest there). The low bit of the first byte picks the arena: a
//! `DropArena`, or a `SyncDropArena` through several `LocalHandle`s.
//! The model installs its own panic hook for the panics it raises on
//! purpose; any other panic reaches libFuzzer's and aborts.
#![no_main]

use libfuzzer_sys::fuzz_target;

// By path, as the crate's unit tests include it: why, at the end of
// src/lib.rs.
#[path = "../../tests/support/model.rs"]
mod model;

fuzz_target!(|data: &[u8]| {
    model::run(data);
});
