//! The sections of the report, each measured and printed in turn: every
//! job on every peer ([`peers`]), the data structures of `examples/`
//! ([`structures`]), `SyncDropArena` under threads ([`threads`]), and heap
//! use in steady churn ([`memory`]).
//!
//! Each section is `#[inline]`, as are [`report::run`](crate::report::run)
//! and [`report::once`](crate::report::once), so that the workloads they
//! instantiate are compiled in the `compare` program, not in this library.
//! There the program's allocator ([`counting`](crate::counting)) inlines
//! into the workloads' loops; compiled here, every allocation would call
//! it, and the peers that allocate through it (`Box` on the system
//! allocator) would be timed with an extra call each way.

use std::any::TypeId;
use std::time::Instant;

use crate::counting::{CountingSystem, LiveCounter};
use crate::peers::MimallocBox;
use crate::timing::{JobResult, Runner, interleaved};
use crate::workloads::{RandomAddDrop, Triple};
use crate::{
    Job, JobVisitor, Peer, PeerVisitor, Tally, Workload, agree, for_each_job, for_each_peer,
};

/// The binary trees' depth (the criterion bench uses 16).
pub const TREE_DEPTH: u32 = 14;

/// Times every job of the suite on every peer, DropArena first, and prints
/// a table per job.
#[inline]
pub fn peers() -> Vec<JobResult> {
    let mut speed = Speed::default();
    for_each_job(&mut speed, TREE_DEPTH);
    speed.results
}

/// Times each job it visits on every peer.
#[derive(Default)]
struct Speed {
    results: Vec<JobResult>,
}

impl JobVisitor for Speed {
    fn visit(&mut self, job: &impl Job) {
        let tally = agree(job);
        let mut runners = Runners {
            job,
            list: Vec::new(),
        };
        for_each_peer(&mut runners);
        let result = interleaved(job.label(), &runners.list, tally);
        let note = format!("{} values a run, checksums agree", tally.values);
        print_table(&result, &note, 22, 2);
        self.results.push(result);
    }
}

/// One closure per peer that runs the job once.
struct Runners<'j, J> {
    job: &'j J,
    list: Vec<(&'static str, Runner<'j>)>,
}

impl<J: Job> PeerVisitor for Runners<'_, J> {
    fn visit<P: Peer>(&mut self) {
        let job = self.job;
        self.list
            .push((P::NAME, Box::new(move || job.run_on::<P>())));
    }
}

/// The data structures of `examples/` on every way of owning their nodes
/// (see `compare/src/structures.rs`), timed like the workloads. Not in the
/// verdict or the chart, whose rows all have the same peers.
#[inline]
pub fn structures() -> Vec<JobResult> {
    use crate::structures::{
        EXPR_DEPTH, EXPR_TREES, MAP_KEYS, MAP_OPS, OWNERS, ordered_map, simplifier,
    };
    type Run = fn(&str) -> Option<u64>;
    let jobs: [(String, u64, Run); 2] = [
        (
            format!(
                "ordered map: {}k mixed ops on {}k keys",
                MAP_OPS / 1000,
                MAP_KEYS / 1000
            ),
            MAP_OPS as u64,
            |owner| Some(ordered_map(owner)),
        ),
        (
            format!("expression simplifier: {EXPR_TREES} trees of depth {EXPR_DEPTH}"),
            EXPR_TREES as u64,
            simplifier,
        ),
    ];
    println!("data structures from examples/, the same code on each owner of its nodes");
    let mut results = Vec::new();
    for (label, units, run) in jobs {
        let owners: Vec<&'static str> = OWNERS.into_iter().filter(|o| run(o).is_some()).collect();
        let expected = Tally {
            checksum: run(owners[0]).expect("DropArena runs every structure"),
            values: units,
        };
        let runners: Vec<(&'static str, Runner)> = owners
            .into_iter()
            .map(|owner| {
                let once = move || Tally {
                    checksum: run(owner).expect("listed owner"),
                    values: units,
                };
                (owner, Box::new(once) as Runner)
            })
            .collect();
        let result = interleaved(label, &runners, expected);
        print_table(&result, "ns per op or tree, checksums agree", 22, 1);
        results.push(result);
    }
    results
}

/// What the `threads` section measured: its timed tables, and per
/// bounded-memory run (label, peak live values, capacity in values).
pub struct Threads {
    /// One table per timed job.
    pub results: Vec<JobResult>,
    /// One row per bounded-memory run.
    pub memory: Vec<(&'static str, usize, usize)>,
}

/// `SyncDropArena` under threads (see `compare/src/threads.rs`), timed like
/// the workloads, with checksums that must agree; ratios are against the
/// first variant, the `SyncDropArena` handle. The N producers -> N
/// consumers table runs `producers` of each. Then the bounded-memory runs.
/// Not in the verdict or the chart.
#[inline]
pub fn threads(producers: usize) -> Threads {
    use crate::threads::{
        BATCH, CHANNEL_BOUND, Variant, XMALLOC_BATCH, Xmalloc, bounded, churn, expected, handoff,
        pairs, random_add_drop,
    };
    const PAIRS: u64 = 200_000;
    const HANDOFF_VALUES: u64 = 200_000;
    // Per producer, so that each thread's share, and the time a run spends
    // on work rather than on starting threads, stays the same as N grows.
    const XMALLOC_VALUES: u64 = 200_000;
    // All-to-all blocks on a channel once per batch on each side, so it is
    // slower; 4M keeps it under a second.
    const BOUNDED_VALUES: [u64; 2] = [10_000_000, 4_000_000];
    let started = Instant::now();
    let churn_work = RandomAddDrop {
        steps: 200_000,
        ..RandomAddDrop::ORIGINAL
    };
    println!(
        "threads: SyncDropArena on {} cores; ratio = variant's time / the first row's",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!("(above 1.00x, the first row is faster)\n");
    // Every variant of `V`, each run by `run`.
    fn variants<'a, V: Variant>(
        run: impl Fn(V) -> Tally + Copy + 'a,
    ) -> Vec<(&'static str, Runner<'a>)> {
        V::ALL
            .iter()
            .map(|&v| (v.name(), Box::new(move || run(v)) as Runner<'a>))
            .collect()
    }
    let xmalloc = &Xmalloc::new(producers, XMALLOC_VALUES * producers as u64);
    let jobs: [(String, Vec<(&'static str, Runner)>); 5] = [
        (
            "threads 1: random add/drop on one thread".to_string(),
            variants(|v| random_add_drop(v, &RandomAddDrop::ORIGINAL)),
        ),
        (
            format!(
                "threads 1: pairs, alloc + into_inner, {}k on one thread",
                PAIRS / 1000
            ),
            variants(|v| pairs(v, PAIRS)),
        ),
        (
            format!(
                "threads 2: random add/drop ({}k steps) twice, per value, total",
                churn_work.steps / 1000
            ),
            variants(|v| churn(v, &churn_work)),
        ),
        (
            format!(
                "threads 3: producer -> consumer, {}k values in Vecs of {BATCH} over \
                 sync_channel({CHANNEL_BOUND})",
                HANDOFF_VALUES / 1000
            ),
            variants(|v| handoff(v, HANDOFF_VALUES)),
        ),
        (
            format!(
                "threads 4: N producers -> N consumers, N = {producers}, {}k values per producer in \
                 Vecs of {XMALLOC_BATCH}, round robin over sync_channel({CHANNEL_BOUND})s",
                XMALLOC_VALUES / 1000
            ),
            variants(|v| xmalloc.run(v)),
        ),
    ];
    let mut results = Vec::new();
    for (label, runners) in jobs {
        let expected = runners[0].1();
        for (name, run) in &runners[1..] {
            assert_eq!(
                run(),
                expected,
                "{label}: {name} and {} disagree",
                runners[0].0
            );
        }
        let result = interleaved(label, &runners, expected);
        let note = format!("{} values a run, checksums agree", expected.values);
        print_table(&result, &note, 24, 2);
        results.push(result);
    }

    println!(
        "threads 5: bounded memory, {}M and {}M values through one SyncDropArena (handles)",
        BOUNDED_VALUES[0] / 1_000_000,
        BOUNDED_VALUES[1] / 1_000_000
    );
    println!(
        "  {:<24} {:>10} {:>10} {:>12} {:>9} {:>8}",
        "", "peak live", "capacity", "bytes", "cap/peak", "time"
    );
    let mut memory = Vec::new();
    let modes = [
        ("producer -> consumer", false, BOUNDED_VALUES[0]),
        ("all-to-all, 2 threads", true, BOUNDED_VALUES[1]),
    ];
    for (label, exchange, values) in modes {
        let b = bounded(values, exchange);
        assert_eq!(b.tally, expected(values));
        println!(
            "  {label:<24} {:>10} {:>10} {:>12} {:>8.2}x {:>6.0} ms",
            b.peak_live,
            b.capacity,
            b.allocated_bytes,
            b.capacity as f64 / b.peak_live as f64,
            b.elapsed.as_secs_f64() * 1e3
        );
        memory.push((label, b.peak_live, b.capacity));
    }
    println!("  (peak live: values allocated and not yet reclaimed, counted per batch of {BATCH})");
    println!(
        "threads section took {:.1} s\n",
        started.elapsed().as_secs_f64()
    );
    Threads { results, memory }
}

/// Peak heap use in steady churn: the original random add/drop workload at
/// one length and at ten times that length, with the same live set, as
/// `allocator` counts it: the global allocator.
#[inline]
pub fn memory(allocator: &CountingSystem) {
    let short = RandomAddDrop {
        steps: 30_000,
        ..RandomAddDrop::ORIGINAL
    };
    let long = RandomAddDrop {
        steps: 300_000,
        ..short
    };
    let kib_live = |w: &RandomAddDrop| {
        let mut live = LiveCounter::default();
        w.run(&mut live);
        format!("{} KiB", live.peak * size_of::<Triple>() / 1024)
    };
    println!("\nmemory: steady churn of [usize; 3], live set between 1000 and 5000 values");
    println!("peak bytes requested from the global allocator during a run, including");
    println!("the workload's own 40 KiB vector of handles; mimalloc's heap is not counted\n");
    println!("  {:<22} {:>14} {:>14}", "", "30k steps", "300k steps");
    println!(
        "  {:<22} {:>14} {:>14}",
        "(peak of live values)",
        kib_live(&short),
        kib_live(&long)
    );
    struct Row<'w>(&'w CountingSystem, &'w RandomAddDrop, &'w RandomAddDrop);
    impl PeerVisitor for Row<'_> {
        fn visit<P: Peer>(&mut self) {
            let kib = |w: &RandomAddDrop| format!("{} KiB", self.0.peak_bytes(|| P::run(w)) / 1024);
            let note = if TypeId::of::<P>() == TypeId::of::<MimallocBox>() {
                "  (only the handles: the values are on mimalloc's heap)"
            } else if P::RECLAIMS {
                ""
            } else {
                "  (cannot reclaim)"
            };
            println!(
                "  {:<22} {:>14} {:>14}{note}",
                P::NAME,
                kib(self.1),
                kib(self.2)
            );
        }
    }
    for_each_peer(&mut Row(allocator, &short, &long));
}

/// Prints `result` under its label and `note`: a row per runner, its name
/// `name_width` wide, its time with `decimals` decimals, its ratio and a bar.
fn print_table(result: &JobResult, note: &str, name_width: usize, decimals: usize) {
    println!("{} ({note})", result.label);
    for (name, ns) in &result.ns_per_value {
        let ratio = result.ratio(name);
        println!(
            "  {name:<name_width$} {ns:>8.decimals$} ns {ratio:>7.2}x  {}",
            bar(ratio)
        );
    }
    println!();
}

/// A bar as long as the ratio, capped, so the table reads at a glance.
fn bar(ratio: f64) -> String {
    let len = (ratio * 4.0).round().clamp(1.0, 40.0) as usize;
    let mut bar = "#".repeat(len);
    if ratio * 4.0 > 40.0 {
        bar.push('>');
    }
    bar
}
