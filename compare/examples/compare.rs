//! DropArena against its peers, side by side, in a few seconds:
//!
//! ```text
//! cargo run --release -p drop_arena-compare --example compare
//! ```
//!
//! For each workload of the suite (see `compare/src/`) every peer runs the
//! same code and must return the same checksum: the harness-driven workloads
//! through the same `Pool` interface, the plain loops written directly on
//! each peer's own API, as its users would. Times are the best of several
//! rounds, with the peers taking turns in a rotating order, so that noise
//! from other processes hits everyone alike. A ratio is the peer's time
//! divided by DropArena's: above 1.00x, DropArena is faster.
//!
//! Then a counting global allocator measures how much memory each peer holds
//! in steady churn: the arenas that cannot reclaim grow with the number of
//! operations, the ones that can stay at the size of the live set. Last, a
//! one-line verdict against the best other peer on each workload.
//!
//! Flags:
//!
//! - `--svg PATH` also draws the ratios as an SVG bar chart at `PATH` (the
//!   README's is `docs/comparison.svg`).
//! - `--check-goals` also checks the ratios against the goals of the
//!   performance issue; with `--strict` too, a missed goal makes the exit
//!   status 1 (off by default: on a shared machine, noise alone can miss one).
//! - `--threads N` runs the threads section's N producers -> N consumers
//!   table with N producer and N consumer threads (default 1), each
//!   producer making the same number of values.
//! - `once JOB PEER` runs the first workload whose name starts with `JOB`
//!   once on the peer named `PEER`, for a profiler.
//!
//! `cargo bench -p drop_arena-compare --bench peers` measures the same
//! workloads with criterion.

use std::alloc::{GlobalAlloc, Layout, System};
use std::any::TypeId;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use drop_arena_compare::peers::{FreeList, MimallocBox, Ours};
use drop_arena_compare::workloads::{RandomAddDrop, Triple};
use drop_arena_compare::{
    Job, JobVisitor, Peer, PeerVisitor, Pool, Tally, Workload, agree, for_each_job, for_each_peer,
};
use drop_arena_compare::{chart, drop_arena_version};

/// Rounds per workload; each peer's best round counts.
const ROUNDS: usize = 7;
/// A round repeats the workload at least this long, to time it reliably.
const MIN_ROUND: Duration = Duration::from_millis(4);
/// The binary trees' depth (the criterion bench uses 16).
const TREE_DEPTH: u32 = 14;

const USAGE: &str = "\
usage: compare [--svg PATH] [--check-goals [--strict]] [--threads N]
       compare once JOB PEER

  --svg PATH      also write the ratios as an SVG bar chart to PATH
  --check-goals   also check the ratios against the performance issue's goals
  --strict        with --check-goals: exit with status 1 if a goal is missed
  --threads N     N producers and N consumers in the threads section's
                  N producers -> N consumers table (default 1)
  once JOB PEER   run the first workload whose name starts with JOB once on PEER";

/// What the command line asked for.
struct Options {
    svg: Option<PathBuf>,
    check_goals: bool,
    strict: bool,
    threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            svg: None,
            check_goals: false,
            strict: false,
            threads: 1,
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [once, job, peer] = &args[..]
        && once == "once"
    {
        run_once(job, peer);
        return ExitCode::SUCCESS;
    }
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--svg" => match args.next() {
                Some(path) => options.svg = Some(path.into()),
                None => return usage("--svg needs a path"),
            },
            "--check-goals" => options.check_goals = true,
            "--threads" => match args.next().map(|n| n.parse::<usize>()) {
                Some(Ok(n)) if n > 0 => options.threads = n,
                _ => return usage("--threads needs a number of threads, at least 1"),
            },
            "--strict" => options.strict = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => return usage(&format!("unknown argument {other:?}")),
        }
    }
    if options.strict && !options.check_goals {
        return usage("--strict only makes sense with --check-goals");
    }

    let started = Instant::now();
    println!(
        "drop_arena {}: DropArena against its peers",
        drop_arena_version()
    );
    println!("ns per value allocated and reclaimed; best of {ROUNDS} interleaved rounds;");
    println!("ratio = peer's time / DropArena's (above 1.00x: DropArena is faster);");
    println!(
        "the verdict at the end leaves out the unchecked free list, a lower bound, not a crate\n"
    );

    let mut speed = Speed::default();
    for_each_job(&mut speed, TREE_DEPTH);
    let structures = structures();
    let threads = threads(options.threads);
    memory();
    let mut status = ExitCode::SUCCESS;
    if options.check_goals {
        let all: Vec<&JobResult> = speed.results.iter().chain(&structures).collect();
        let missed = goals(&all, &threads);
        if missed > 0 && options.strict {
            status = ExitCode::FAILURE;
        }
    }
    if let Some(path) = &options.svg {
        if let Err(error) = write_chart(path, &speed.results) {
            eprintln!("compare: cannot write {}: {error}", path.display());
            return ExitCode::FAILURE;
        }
        println!("\nchart written to {}", path.display());
    }
    println!("\n{}", verdict(&speed.results));
    println!("took {:.1} s", started.elapsed().as_secs_f64());
    status
}

/// Prints `problem` and the usage; the exit status for a bad command line.
fn usage(problem: &str) -> ExitCode {
    eprintln!("compare: {problem}\n{USAGE}");
    ExitCode::from(2)
}

/// `compare once JOB PEER`: runs the first job whose name starts with `JOB`
/// once, on the peer named `PEER`, for a profiler (`valgrind --tool=callgrind`
/// counts the instructions; the difference between two peers is exact).
fn run_once(job: &str, peer: &str) {
    struct Once<'a>(&'a str, &'a str, bool);
    impl JobVisitor for Once<'_> {
        fn visit(&mut self, job: &impl Job) {
            if self.2 || !job.label().starts_with(self.0) {
                return;
            }
            self.2 = true;
            struct Run<'a, 'j, J>(&'a str, &'j J);
            impl<J: Job> PeerVisitor for Run<'_, '_, J> {
                fn visit<P: Peer>(&mut self) {
                    if P::NAME == self.0 {
                        println!(
                            "{} on {}: {:?}",
                            self.1.label(),
                            P::NAME,
                            self.1.run_on::<P>()
                        );
                    }
                }
            }
            for_each_peer(&mut Run(self.1, job));
        }
    }
    for_each_job(&mut Once(job, peer, false), TREE_DEPTH);
}

/// Each peer's best time per value for one job, in `for_each_peer` order.
struct JobResult {
    label: String,
    ns_per_value: Vec<(&'static str, f64)>,
}

impl JobResult {
    /// The peer's time / DropArena's.
    fn ratio(&self, peer: &str) -> f64 {
        let ns = |name: &str| {
            self.ns_per_value
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap()
                .1
        };
        ns(peer) / self.ns_per_value[0].1
    }

    /// The fastest peer a user could pick instead of DropArena (every peer
    /// but DropArena and the unchecked free list, which is a lower bound
    /// written for this comparison, not a crate), with its ratio.
    fn best_other(&self) -> (&'static str, f64) {
        self.ns_per_value
            .iter()
            .filter(|(name, _)| *name != Ours::NAME && *name != FreeList::NAME)
            .map(|(name, _)| (*name, self.ratio(name)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .expect("peers besides DropArena")
    }
}

/// One line for users: on how many workloads DropArena is the fastest (or
/// close), and how it fares against the best other peer on each.
fn verdict(results: &[JobResult]) -> String {
    let best: Vec<(&str, &str, f64)> = results
        .iter()
        .map(|r| {
            let (peer, ratio) = r.best_other();
            (r.label.as_str(), peer, ratio)
        })
        .collect();
    let fastest = best.iter().filter(|b| b.2 >= 1.0).count();
    let close = best.iter().filter(|b| (0.95..1.0).contains(&b.2)).count();
    let by_ratio = |a: &&(&str, &str, f64), b: &&(&str, &str, f64)| a.2.total_cmp(&b.2);
    let low = best.iter().min_by(by_ratio).expect("workloads");
    let high = best.iter().max_by(by_ratio).expect("workloads");
    let short = |label: &str| label.split(':').next().unwrap_or(label).to_string();
    format!(
        "verdict: DropArena is the fastest on {fastest} of {} workloads and within 5% of the \
         fastest on {close} more; the best other peer's time / DropArena's ranges from {:.2}x \
         ({}: {}) to {:.2}x ({}: {})",
        best.len(),
        low.2,
        short(low.0),
        low.1,
        high.2,
        short(high.0),
        high.1
    )
}

/// Draws every ratio as an SVG bar chart at `path`.
fn write_chart(path: &std::path::Path, results: &[JobResult]) -> std::io::Result<()> {
    let rows: Vec<chart::Row> = results
        .iter()
        .map(|r| chart::Row {
            workload: r.label.clone(),
            ratios: r.ns_per_value[1..]
                .iter()
                .map(|(name, _)| (*name, r.ratio(name)))
                .collect(),
        })
        .collect();
    let title = format!(
        "drop_arena {}: each peer's time per value / DropArena's",
        drop_arena_version()
    );
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, chart::svg(&title, &rows))
}

/// Times every job on every peer and prints a table per job.
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
        let mut best = vec![f64::INFINITY; runners.list.len()];
        for round in 0..ROUNDS {
            for turn in 0..runners.list.len() {
                let i = (round + turn) % runners.list.len();
                best[i] = best[i].min(time_per_run(&runners.list[i].1, tally));
            }
        }
        let result = JobResult {
            label: job.label(),
            ns_per_value: runners
                .list
                .iter()
                .zip(&best)
                .map(|((name, _), secs)| (*name, secs * 1e9 / tally.values as f64))
                .collect(),
        };
        println!(
            "{} ({} values a run, checksums agree)",
            result.label, tally.values
        );
        for (name, ns) in &result.ns_per_value {
            let ratio = result.ratio(name);
            println!("  {name:<22} {ns:>8.2} ns {ratio:>7.2}x  {}", bar(ratio));
        }
        println!();
        self.results.push(result);
    }
}

/// One closure per peer that runs the job once.
struct Runners<'j, J> {
    job: &'j J,
    list: Vec<(&'static str, Runner<'j>)>,
}

/// Runs a job once on one peer.
type Runner<'j> = Box<dyn Fn() -> Tally + 'j>;

impl<J: Job> PeerVisitor for Runners<'_, J> {
    fn visit<P: Peer>(&mut self) {
        let job = self.job;
        self.list
            .push((P::NAME, Box::new(move || job.run_on::<P>())));
    }
}

/// Seconds per run: runs repeatedly for at least `MIN_ROUND`.
fn time_per_run(run: &dyn Fn() -> Tally, expected: Tally) -> f64 {
    let start = Instant::now();
    let mut runs = 0u32;
    loop {
        assert_eq!(std::hint::black_box(run()), expected);
        runs += 1;
        if start.elapsed() >= MIN_ROUND {
            return start.elapsed().as_secs_f64() / f64::from(runs);
        }
    }
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

/// The goals of the performance issue, checked against the ratios above;
/// returns how many were missed.
fn goals(results: &[&JobResult], threads: &Threads) -> usize {
    let find = |prefix: &str| {
        results
            .iter()
            .find(|r| r.label.starts_with(prefix))
            .unwrap()
    };
    let ratio = |prefix: &str, peer: &str| find(prefix).ratio(peer);
    let (v03, list) = ("drop_arena 0.3", "free list (unchecked)");
    let (system, mimalloc) = ("Box (system)", "Box (mimalloc)");
    // (description, measured ratio, required ratio), in the issue's order.
    let checks = [
        (
            "random add/drop: no slower than 0.3",
            ratio("random", v03),
            1.0,
        ),
        (
            "binary trees: no slower than 0.3",
            ratio("binary trees", v03),
            1.0,
        ),
        ("growth: no slower than 0.3", ratio("growth", v03), 1.0),
        ("4 KiB value: no slower than 0.3", ratio("4 KiB", v03), 1.0),
        ("bulk (harness): >= 0.95x of 0.3", ratio("bulk", v03), 0.95),
        (
            "plain bulk: >= 0.95x of 0.3",
            ratio("plain bulk", v03),
            0.95,
        ),
        (
            "hot path (harness): >= 0.85x of 0.3",
            ratio("hot path", v03),
            0.85,
        ),
        (
            "plain pairs: >= 0.85x of 0.3",
            ratio("plain pairs", v03),
            0.85,
        ),
        (
            "random add/drop: within 10% of the free list",
            ratio("random", list),
            1.0 / 1.1,
        ),
        (
            "binary trees: within 10% of the free list",
            ratio("binary trees", list),
            1.0 / 1.1,
        ),
        (
            "growth: within 10% of the free list",
            ratio("growth", list),
            1.0 / 1.1,
        ),
        (
            "throwaway trees: no slower than bumpalo",
            ratio("throwaway", "bumpalo"),
            1.0,
        ),
        (
            "zero-sized: at most twice Box<()>",
            ratio("zero-sized", mimalloc),
            0.5,
        ),
        (
            "hot path: >= 2x Box on mimalloc",
            ratio("hot path", mimalloc),
            2.0,
        ),
        (
            "hot path: >= 3x Box on glibc",
            ratio("hot path", system),
            3.0,
        ),
        (
            "binary trees: >= 2x Box on mimalloc",
            ratio("binary trees", mimalloc),
            2.0,
        ),
        (
            "binary trees: >= 3x Box on glibc",
            ratio("binary trees", system),
            3.0,
        ),
        (
            "ordered map: >= 1.3x Box on glibc",
            ratio("ordered map", system),
            1.3,
        ),
        (
            "ordered map: no slower than 0.3",
            ratio("ordered map", v03),
            1.0,
        ),
    ];
    let checks = checks
        .into_iter()
        .map(|(goal, ratio, required)| (goal.to_string(), ratio, required))
        .chain(threads.goals());
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

/// The data structures of `examples/` on every way of owning their nodes
/// (see `compare/src/structures.rs`), timed like the workloads: best of
/// `ROUNDS`, owners taking turns. Not in the verdict or the chart, whose
/// rows all have the same peers.
fn structures() -> Vec<JobResult> {
    use drop_arena_compare::structures::{
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
        let mut best = vec![f64::INFINITY; owners.len()];
        for round in 0..ROUNDS {
            for turn in 0..owners.len() {
                let i = (round + turn) % owners.len();
                let owner = owners[i];
                let once = || Tally {
                    checksum: run(owner).expect("listed owner"),
                    values: units,
                };
                best[i] = best[i].min(time_per_run(&once, expected));
            }
        }
        let result = JobResult {
            label,
            ns_per_value: owners
                .iter()
                .zip(&best)
                .map(|(name, secs)| (*name, secs * 1e9 / units as f64))
                .collect(),
        };
        println!("{} (ns per op or tree, checksums agree)", result.label);
        for (name, ns) in &result.ns_per_value {
            let ratio = result.ratio(name);
            println!("  {name:<22} {ns:>8.1} ns {ratio:>7.2}x  {}", bar(ratio));
        }
        println!();
        results.push(result);
    }
    results
}

/// What the `threads` section measured: its timed tables, and per
/// bounded-memory run (label, peak live values, capacity in values).
struct Threads {
    results: Vec<JobResult>,
    memory: Vec<(&'static str, usize, usize)>,
}

impl Threads {
    /// The goals of issue 11 as (goal, measured, required), met when the
    /// measured value is at least the required one.
    fn goals(&self) -> Vec<(String, f64, f64)> {
        use drop_arena_compare::threads::{
            ChurnVariant, HandoffVariant, OneThreadVariant, Variant,
        };
        let find = |prefix: &str| {
            self.results
                .iter()
                .find(|r| r.label.starts_with(prefix))
                .unwrap()
        };
        // DropArena's time / the variant's: above 1.00x, the variant is faster.
        let vs_single = |prefix: &str, variant: OneThreadVariant| {
            let r = find(prefix);
            r.ratio(OneThreadVariant::DropArena.name()) / r.ratio(variant.name())
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
        // Two threads on a DropArena each share nothing: what two threads
        // gain at all on this machine, printed beside the goal.
        let churn = |variant: ChurnVariant| find("threads 2").ratio(variant.name());
        let ceiling =
            churn(ChurnVariant::SeparateOneThread) / churn(ChurnVariant::SeparateTwoThreads);
        goals.push((
            format!("2 threads churning: >= 1.7x (sharing nothing: {ceiling:.2}x)"),
            churn(ChurnVariant::SharedOneThread),
            1.7,
        ));
        let handoff = |variant: HandoffVariant| find("threads 3").ratio(variant.name());
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
        for (label, peak, capacity) in &self.memory {
            goals.push((
                format!("{label}: capacity <= {BOUNDED_MULTIPLE}x peak live"),
                (BOUNDED_MULTIPLE * *peak) as f64 / *capacity as f64,
                1.0,
            ));
        }
        goals
    }
}

/// "A small multiple of the peak live set", for the bounded-memory goal.
const BOUNDED_MULTIPLE: usize = 4;

/// `SyncDropArena` under threads (see `compare/src/threads.rs`), timed like
/// the workloads: best of `ROUNDS`, variants taking turns, checksums that
/// must agree; ratios are against the first variant, the `SyncDropArena`
/// handle. The N producers -> N consumers table runs `producers` of each.
/// Then the bounded-memory runs. Not in the verdict or the chart.
fn threads(producers: usize) -> Threads {
    use drop_arena_compare::threads::{
        BATCH, CHANNEL_BOUND, Variant, XMALLOC_BATCH, Xmalloc, bounded, churn, handoff, pairs,
        random_add_drop,
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
        let mut best = vec![f64::INFINITY; runners.len()];
        for round in 0..ROUNDS {
            for turn in 0..runners.len() {
                let i = (round + turn) % runners.len();
                best[i] = best[i].min(time_per_run(&runners[i].1, expected));
            }
        }
        let result = JobResult {
            label,
            ns_per_value: runners
                .iter()
                .zip(&best)
                .map(|((name, _), secs)| (*name, secs * 1e9 / expected.values as f64))
                .collect(),
        };
        println!(
            "{} ({} values a run, checksums agree)",
            result.label, expected.values
        );
        for (name, ns) in &result.ns_per_value {
            let ratio = result.ratio(name);
            println!("  {name:<24} {ns:>8.2} ns {ratio:>7.2}x  {}", bar(ratio));
        }
        println!();
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
        assert_eq!(b.tally, drop_arena_compare::threads::expected(values));
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
/// one length and at ten times that length, with the same live set.
fn memory() {
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
    struct Row<'w>(&'w RandomAddDrop, &'w RandomAddDrop);
    impl PeerVisitor for Row<'_> {
        fn visit<P: Peer>(&mut self) {
            let kib = |w: &RandomAddDrop| format!("{} KiB", peak_bytes(|| P::run(w)) / 1024);
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
                kib(self.0),
                kib(self.1)
            );
        }
    }
    for_each_peer(&mut Row(&short, &long));
}

/// A pool that allocates nothing and counts how many values are live, to
/// know the live set's peak.
#[derive(Default)]
struct LiveCounter {
    live: usize,
    peak: usize,
}

impl<T> Pool<T> for LiveCounter {
    type Handle = T;

    fn alloc(&mut self, value: T) -> T {
        self.live += 1;
        self.peak = self.peak.max(self.live);
        value
    }

    fn get<'a>(&'a self, handle: &'a T) -> &'a T {
        handle
    }

    fn take(&mut self, handle: T) -> T {
        self.live -= 1;
        handle
    }
}

/// The global allocator: the system's, counting bytes while `COUNTING` is
/// on. Off, it costs one relaxed load per call.
#[global_allocator]
static GLOBAL: CountingSystem = CountingSystem;

static COUNTING: AtomicBool = AtomicBool::new(false);
static IN_USE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

/// The peak of heap bytes in use while `f` runs, above what was in use
/// before.
fn peak_bytes(f: impl FnOnce() -> Tally) -> usize {
    IN_USE.store(0, Relaxed);
    PEAK.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
    std::hint::black_box(f());
    COUNTING.store(false, Relaxed);
    PEAK.load(Relaxed) as usize
}

struct CountingSystem;

impl CountingSystem {
    #[inline]
    fn count(delta: isize) {
        if COUNTING.load(Relaxed) {
            let now = IN_USE.fetch_add(delta, Relaxed) + delta;
            PEAK.fetch_max(now, Relaxed);
        }
    }
}

// SAFETY: every call goes to `System` unchanged; only counters are updated.
unsafe impl GlobalAlloc for CountingSystem {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        Self::count(layout.size() as isize);
        // SAFETY: the caller's promises, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        Self::count(layout.size() as isize);
        // SAFETY: the caller's promises, passed on.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        Self::count(-(layout.size() as isize));
        // SAFETY: the caller's promises, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        Self::count(new_size as isize - layout.size() as isize);
        // SAFETY: the caller's promises, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
