//! The goals of the performance issue and of issue 11 (`SyncDropArena`),
//! checked against what the report measured: `compare --check-goals`.

use crate::Peer;
use crate::peers::{Bumpalo, FreeList, MimallocBox, Ours03, SystemBox};
use crate::sections::Threads;
use crate::threads::{ChurnVariant, HandoffVariant, OneThreadVariant, Variant};
use crate::timing::JobResult;

const V03: &str = Ours03::NAME;
const LIST: &str = FreeList::NAME;
const SYSTEM: &str = SystemBox::NAME;
const MIMALLOC: &str = MimallocBox::NAME;

/// The performance issue's goals, in its order: (goal, the start of the
/// workload's label, the peer, the least ratio of the peer's time to
/// DropArena's that meets the goal).
#[rustfmt::skip] // a table: one goal a line
const PEER_GOALS: [(&str, &str, &str, f64); 19] = [
    ("random add/drop: no slower than 0.3", "random", V03, 1.0),
    ("binary trees: no slower than 0.3", "binary trees", V03, 1.0),
    ("growth: no slower than 0.3", "growth", V03, 1.0),
    ("4 KiB value: no slower than 0.3", "4 KiB", V03, 1.0),
    ("bulk (harness): >= 0.95x of 0.3", "bulk", V03, 0.95),
    ("plain bulk: >= 0.95x of 0.3", "plain bulk", V03, 0.95),
    ("hot path (harness): >= 0.85x of 0.3", "hot path", V03, 0.85),
    ("plain pairs: >= 0.85x of 0.3", "plain pairs", V03, 0.85),
    ("random add/drop: within 10% of the free list", "random", LIST, 1.0 / 1.1),
    ("binary trees: within 10% of the free list", "binary trees", LIST, 1.0 / 1.1),
    ("growth: within 10% of the free list", "growth", LIST, 1.0 / 1.1),
    ("throwaway trees: no slower than bumpalo", "throwaway", Bumpalo::NAME, 1.0),
    ("zero-sized: at most twice Box<()>", "zero-sized", MIMALLOC, 0.5),
    ("hot path: >= 2x Box on mimalloc", "hot path", MIMALLOC, 2.0),
    ("hot path: >= 3x Box on glibc", "hot path", SYSTEM, 3.0),
    ("binary trees: >= 2x Box on mimalloc", "binary trees", MIMALLOC, 2.0),
    ("binary trees: >= 3x Box on glibc", "binary trees", SYSTEM, 3.0),
    ("ordered map: >= 1.3x Box on glibc", "ordered map", SYSTEM, 1.3),
    ("ordered map: no slower than 0.3", "ordered map", V03, 1.0),
];

/// "A small multiple of the peak live set", for the bounded-memory goal.
const BOUNDED_MULTIPLE: usize = 4;

/// Prints every goal, met or missed, against `results` (the peers' and the
/// data structures' tables) and `threads`; returns how many were missed.
pub fn check(results: &[&JobResult], threads: &Threads) -> usize {
    let checks = PEER_GOALS
        .iter()
        .map(|&(goal, workload, peer, required)| {
            let ratio = find(results.iter().copied(), workload).ratio(peer);
            (goal.to_string(), ratio, required)
        })
        .chain(threads_goals(threads));
    println!("\ngoals (peer's time / DropArena's, against what is required)");
    let (mut missed, mut count) = (0, 0);
    for (goal, ratio, required) in checks {
        count += 1;
        let verdict = if ratio >= required {
            "met"
        } else {
            missed += 1;
            "MISSED"
        };
        println!("  {verdict:<6} {goal:<52} {ratio:>6.3}x (needs >= {required:.3}x)");
    }
    println!("  {missed} of {count} missed");
    missed
}

/// The first result whose label starts with `prefix`.
fn find<'r>(results: impl IntoIterator<Item = &'r JobResult>, prefix: &str) -> &'r JobResult {
    results
        .into_iter()
        .find(|r| r.label.starts_with(prefix))
        .unwrap_or_else(|| panic!("no table for {prefix:?}"))
}

/// The goals of issue 11 as (goal, measured, required), met when the
/// measured value is at least the required one.
fn threads_goals(threads: &Threads) -> Vec<(String, f64, f64)> {
    let ratio = |prefix: &str, variant: &str| find(&threads.results, prefix).ratio(variant);
    // DropArena's time / the variant's: above 1.00x, the variant is faster.
    let vs_single = |prefix: &str, variant: OneThreadVariant| {
        ratio(prefix, OneThreadVariant::DropArena.name()) / ratio(prefix, variant.name())
    };
    let mut goals = Vec::new();
    for (prefix, what) in [
        ("threads 1: random", "random"),
        ("threads 1: pairs", "pairs"),
    ] {
        goals.push((
            format!("1 thread {what}: handle >= 0.91x DropArena"),
            vs_single(prefix, OneThreadVariant::Handle),
            1.0 / 1.1,
        ));
        goals.push((
            format!("1 thread {what}: std path >= 0.67x DropArena"),
            vs_single(prefix, OneThreadVariant::StdPath),
            1.0 / 1.5,
        ));
    }
    // Two threads on a DropArena each share nothing: what two threads gain
    // at all on this machine, printed beside the goal.
    let churn = |variant: ChurnVariant| ratio("threads 2", variant.name());
    let ceiling = churn(ChurnVariant::SeparateOneThread) / churn(ChurnVariant::SeparateTwoThreads);
    goals.push((
        format!("2 threads churning: >= 1.7x (sharing nothing: {ceiling:.2}x)"),
        churn(ChurnVariant::SharedOneThread),
        1.7,
    ));
    let handoff = |variant: HandoffVariant| ratio("threads 3", variant.name());
    goals.push((
        "producer -> consumer: >= 3x Mutex<DropArena>".to_string(),
        handoff(HandoffVariant::LockedDropArena),
        3.0,
    ));
    goals.push((
        "producer -> consumer: faster than Box on mimalloc".to_string(),
        handoff(HandoffVariant::MimallocBox),
        1.0,
    ));
    for (label, peak, capacity) in &threads.memory {
        goals.push((
            format!("{label}: capacity <= {BOUNDED_MULTIPLE}x peak live"),
            (BOUNDED_MULTIPLE * *peak) as f64 / *capacity as f64,
            1.0,
        ));
    }
    goals
}
