//! What `compare` prints: the whole report ([`run`]), or one job's tally on
//! one peer ([`once`]).

use std::process::ExitCode;
use std::time::Instant;

use crate::cli::Options;
use crate::counting::CountingSystem;
use crate::peers::{FreeList, Ours};
use crate::sections::{self, TREE_DEPTH};
use crate::timing::{JobResult, ROUNDS};
use crate::{
    Job, JobVisitor, Peer, PeerVisitor, chart, drop_arena_version, for_each_job, for_each_peer,
    goals,
};

/// The whole report: every section, then the goals and the chart if
/// `options` ask for them, then the verdict; `allocator`, the global
/// allocator, measures the memory table. The exit status is a failure if
/// the chart cannot be written, or with `--strict` if a goal is missed.
// `#[inline]`: see the `sections` module.
#[inline]
pub fn run(options: &Options, allocator: &CountingSystem) -> ExitCode {
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

    let peers = sections::peers();
    let structures = sections::structures();
    let threads = sections::threads(options.threads);
    sections::memory(allocator);
    let mut status = ExitCode::SUCCESS;
    if options.check_goals {
        let all: Vec<&JobResult> = peers.iter().chain(&structures).collect();
        let missed = goals::check(&all, &threads);
        if missed > 0 && options.strict {
            status = ExitCode::FAILURE;
        }
    }
    if let Some(path) = &options.svg {
        if let Err(error) = chart::write(path, &peers) {
            eprintln!("compare: cannot write {}: {error}", path.display());
            return ExitCode::FAILURE;
        }
        println!("\nchart written to {}", path.display());
    }
    println!("\n{}", verdict(&peers));
    println!("took {:.1} s", started.elapsed().as_secs_f64());
    status
}

/// `compare once JOB PEER`: runs the first job whose name starts with `job`
/// once, on the peer named `peer`, for a profiler (`valgrind
/// --tool=callgrind` counts the instructions; the difference between two
/// peers is exact).
// `#[inline]`: see the `sections` module.
#[inline]
pub fn once(job: &str, peer: &str) {
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

/// One line for users: on how many workloads DropArena is the fastest (or
/// close), and how it fares against the best other peer on each.
fn verdict(results: &[JobResult]) -> String {
    let best: Vec<(&str, &str, f64)> = results
        .iter()
        .map(|r| {
            let (peer, ratio) = best_other(r);
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

/// The fastest peer a user could pick instead of DropArena (every peer but
/// DropArena and the unchecked free list, which is a lower bound written
/// for this comparison, not a crate), with its ratio.
fn best_other(result: &JobResult) -> (&'static str, f64) {
    result
        .ns_per_value
        .iter()
        .filter(|(name, _)| *name != Ours::NAME && *name != FreeList::NAME)
        .map(|(name, _)| (*name, result.ratio(name)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .expect("peers besides DropArena")
}
