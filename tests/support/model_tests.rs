//! Drives the shared model (`model.rs` beside this file) from the crate's
//! unit tests: proptest feeds it random bytes, and fixed runs prove that the
//! rare paths are taken. `src/lib.rs` includes both files by path.

use std::boxed::Box;
use std::vec;
use std::vec::Vec;

use crate::model::{Mode, New, OnDrop, Op, Stats, run, run_ops};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{FileFailurePersistence, TestRunner};

/// Every rare path [`Stats`] counts, in both modes.
const RARE_PATHS: [&str; 14] = [
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
    "batches",
];

/// The rare paths of the `SyncDropArena` mode alone.
const SYNC_PATHS: [&str; 5] = [
    "handles dropped",
    "reclaimed through another handle",
    "magazines passed to the depot",
    "magazines taken from the depot",
    "predicted addresses of handles",
];

/// The rare paths of `mode` that none of `stats` took.
fn not_taken(mode: Mode, stats: &[Stats]) -> Vec<&'static str> {
    let taken = |path| stats.iter().any(|s| s.get(path).is_some_and(|&n| n > 0));
    let sync = match mode {
        Mode::DropArena => &[][..],
        Mode::SyncDropArena => &SYNC_PATHS[..],
    };
    RARE_PATHS
        .iter()
        .chain(sync)
        .copied()
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

/// The generator and the decoding reach every rare path of both modes:
/// one that stopped making panics, say, fails here.
#[test]
fn random_inputs_take_every_rare_path() {
    let mut runner = TestRunner::deterministic();
    let (mut plain, mut sync) = (Vec::new(), Vec::new());
    for _ in 0..16 {
        let data = inputs().new_tree(&mut runner).unwrap().current();
        // The mode bit, as `run` reads it.
        match data.first().map(|byte| byte & 1) {
            Some(1) => sync.push(run(&data)),
            _ => plain.push(run(&data)),
        }
    }
    assert_eq!(not_taken(Mode::DropArena, &plain), [""; 0]);
    assert_eq!(not_taken(Mode::SyncDropArena, &sync), [""; 0]);
}

#[test]
fn edge_inputs() {
    for data in [&[][..], &[0; 64], &[0xFF; 64], &[0x80; 300]] {
        run(data);
    }
}

/// Ops that take every rare path of either mode in one run, whatever the
/// generator does.
fn every_rare_path() -> Vec<Op> {
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
    vec![
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
        // A second handle makes 200 values and the first takes them back,
        // so its free list passes two magazines to the depot; dropped, it
        // gives the rest. The second handle's next batch outruns its fresh
        // run and takes a magazine.
        Op::NewHandle,
        Op::AllocBatch(136),
        Op::UseHandle(0),
        Op::DropBatch(136),
        Op::DropHandle(0),
        Op::AllocBatch(0),
        // 15 takes the slot the handle took back last.
        Op::DropBox(0),
        Op::Alloc(plain(15)),
        Op::Zsts {
            count: 9,
            given_back: 5,
        },
    ]
}

#[test]
fn a_fixed_sequence_takes_every_rare_path() {
    let stats = run_ops(Mode::DropArena, &every_rare_path());
    assert_eq!(not_taken(Mode::DropArena, &[stats]), [""; 0]);
}

#[test]
fn a_fixed_sequence_takes_every_rare_path_of_a_sync_arena() {
    let stats = run_ops(Mode::SyncDropArena, &every_rare_path());
    assert_eq!(not_taken(Mode::SyncDropArena, &[stats]), [""; 0]);
}

/// A slot taken for a constructor is in use (and, under ASan, addressable)
/// while the constructor runs, whether the model knows its address (the
/// slot the handle took back last) or not (a magazine's, after the handle
/// that took the slots back dropped). Found by the fuzz target under ASan.
#[test]
fn a_slot_is_in_use_while_its_constructor_runs() {
    let alloc_with = Op::AllocWith {
        new: New::default(),
        during: 0,
        panic: false,
    };
    let ops = [Op::Reserve(446), alloc_with, Op::DropHandle(0), alloc_with];
    run_ops(Mode::SyncDropArena, &ops);
}
