//! The compile-fail catalogue: every misuse in `ui-tests/fail/` must be
//! rejected by the compiler with exactly the error recorded beside it, and
//! every idiom in `ui-tests/pass/` must keep compiling and running.
//!
//! The expected errors are tied to the pinned toolchain (`rust-toolchain.toml`);
//! `ui-tests/README.md` explains how to add a case and refresh the snapshots.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui-tests/fail/*.rs");
    t.pass("ui-tests/pass/*.rs");
}
