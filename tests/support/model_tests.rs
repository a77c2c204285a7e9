//! Drives the shared model (`model.rs` beside this file) from the crate's
//! unit tests: proptest feeds it random bytes, and fixed runs prove that the
//! rare paths are taken. `src/lib.rs` includes both files by path.

use std::boxed::Box;
use std::vec::Vec;

use crate::model::{New, OnDrop, Op, Stats, run, run_ops};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{FileFailurePersistence, TestRunner};

/// Every rare path [`Stats`] counts.
const RARE_PATHS: [&str; 13] = [
    "reentrant ops",
    "nested arenas",
    "constructor panics",
    "destructor panics",
    "temporaries",
    "leaves given back",
    "short reserves",
    "predicted addresses",
    "swaps",
    "leaks",
    "zst arenas",
    "failed constructions",
    "raw round trips",
];

fn not_taken(stats: &[Stats]) -> Vec<&'static str> {
    let taken = |path| stats.iter().any(|s| s.get(path).is_some_and(|&n| n > 0));
    RARE_PATHS
        .into_iter()
        .filter(|&path| !taken(path))
        .collect()
}

fn inputs() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..2048)
}

proptest! {
    // PROPTEST_CASES sets the number of cases (256 by default). A failing
    // input is saved beside this file, in `model_tests.proptest-regressions`.
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    })]
    #[test]
    fn arenas_match_the_model(data in inputs()) {
        run(&data);
    }
}

/// The generator and the decoding reach every rare path: one that
/// stopped making panics, say, fails here.
#[test]
fn random_inputs_take_every_rare_path() {
    let mut runner = TestRunner::deterministic();
    let stats: Vec<Stats> = (0..16)
        .map(|_| run(&inputs().new_tree(&mut runner).unwrap().current()))
        .collect();
    assert_eq!(not_taken(&stats), [""; 0]);
}

#[test]
fn edge_inputs() {
    for data in [&[][..], &[0; 64], &[0xFF; 64], &[0x80; 300]] {
        run(data);
    }
}

/// Every rare path in one run, whatever the generator does.
#[test]
fn a_fixed_sequence_takes_every_rare_path() {
    let plain = |value| New {
        value,
        ..New::default()
    };
    let churn = |panic| OnDrop {
        temporaries: 3,
        reserve: 63,
        panic,
    };
    let leafy = |value, on_drop| New {
        value,
        with_leaf: true,
        on_drop,
    };
    let ops = [
        Op::Alloc(leafy(1, churn(false))),
        Op::Alloc(leafy(2, churn(true))),
        Op::AllocWith {
            new: plain(3),
            during: 2,
            panic: false,
        },
        // In 3's constructor: drop value 2, which gives its leaf back,
        // churns and panics; 4 then takes 2's slot.
        Op::DropBox(1),
        Op::Alloc(plain(4)),
        Op::Nested(3), // the next three ops, in an arena of their own
        Op::Alloc(leafy(5, churn(false))),
        Op::Alloc(plain(6)),
        Op::BoxToInner(0),
        Op::AllocWith {
            new: plain(7),
            during: 0,
            panic: true,
        },
        Op::Reserve(500),
        Op::Swap(0, 1),
        Op::FreeWithoutDropping(0),
        Op::Drop(0),
        Op::Alloc(leafy(8, churn(true))),
        Op::Alloc(leafy(9, churn(false))),
        Op::IntoInner(0),
        Op::Leak(0),
        Op::Replace(0, plain(10)),
        Op::TryAllocWith {
            new: plain(11),
            during: 1,
            outcome: 1,
        },
        // In 11's failing constructor: 12 takes the slot 11 never got.
        Op::Alloc(plain(12)),
        Op::TryAllocWith {
            new: plain(13),
            during: 0,
            outcome: 0,
        },
        Op::IntoRaw(0),
        Op::Alloc(plain(14)),
        Op::FromRaw(0),
        Op::IntoRaw(1), // left raw: `finish` takes it back
        Op::Zsts {
            count: 9,
            given_back: 5,
        },
    ];
    assert_eq!(not_taken(&[run_ops(&ops)]), [""; 0]);
}
