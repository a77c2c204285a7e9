// Not in tests/all: trybuild's build of ui-tests/ would slow the tests running beside it.

//! The compile-fail catalogue: every misuse in `ui-tests/fail/` must be
//! rejected by the compiler with exactly the error recorded beside it, and
//! every idiom in `ui-tests/pass/` must keep compiling and running.
//!
//! The expected errors are tied to the pinned toolchain (`rust-toolchain.toml`);
//! `ui-tests/README.md` explains how to add a case and refresh the snapshots.

use std::collections::BTreeSet;
use std::fs;

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui-tests/fail/*.rs");
    t.pass("ui-tests/pass/*.rs");
}

/// `ui-tests/README.md` has exactly one table row per case, so the catalogue
/// a reader browses is the one the compiler checks.
#[test]
fn the_readme_lists_every_case_once() {
    let mut cases = BTreeSet::new();
    for dir in ["ui-tests/fail", "ui-tests/pass"] {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "rs") {
                let name = path.file_stem().unwrap().to_str().unwrap().to_owned();
                assert!(
                    cases.insert(name),
                    "{} is in both directories",
                    path.display()
                );
            }
        }
    }
    let readme = fs::read_to_string("ui-tests/README.md").unwrap();
    let mut rows = Vec::new();
    for line in readme.lines() {
        // A row names its case first: "| `case_name` | ...".
        if let Some(name) = line
            .strip_prefix("| `")
            .and_then(|rest| rest.split_once("` |"))
            .map(|(name, _)| name)
        {
            rows.push(name.to_owned());
        }
    }
    let listed: BTreeSet<_> = rows.iter().cloned().collect();
    assert_eq!(rows.len(), listed.len(), "a case has two rows");
    let missing: Vec<_> = cases.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&cases).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "cases without a row: {missing:?}; rows without a case: {stale:?}"
    );
}
