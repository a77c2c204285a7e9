//! Random operation sequences against the shared model in
//! `tests/support/model.rs`, which `cargo test --lib` also runs (driven by
//! proptest there). The model installs its own panic hook for the panics it
//! raises on purpose; any other panic reaches libFuzzer's and aborts.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/support/model.rs"]
mod model;

fuzz_target!(|data: &[u8]| {
    model::run(data);
});
