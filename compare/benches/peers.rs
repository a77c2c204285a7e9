//! DropArena against every peer on every workload of the suite, in one run:
//!
//! ```text
//! cargo bench -p drop_arena-compare --bench peers                # everything, about 5 minutes
//! cargo bench -p drop_arena-compare --bench peers -- 'hot path'  # one workload
//! ```
//!
//! Each workload is a criterion group with one benchmark per peer. Before a
//! group runs, every peer runs the workload once and must return the same
//! checksum. At the end a table gives each peer's median time per value and
//! its ratio to DropArena's (from criterion's `estimates.json` files).

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::{BenchmarkGroup, Criterion, Throughput, measurement::WallTime};

use drop_arena_compare::{
    Job, JobVisitor, Peer, PeerVisitor, Tally, agree, for_each_job, for_each_peer,
};

/// Depth of the binary trees: 16 is about 15 million nodes a run.
const TREE_DEPTH: u32 = 16;

fn main() {
    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
        .configure_from_args();
    let mut suite = Suite {
        criterion: &mut criterion,
        rows: Vec::new(),
    };
    for_each_job(&mut suite, TREE_DEPTH);
    let rows = suite.rows;
    criterion.final_summary();
    print!("{}", ratio_table(&rows));
}

/// Registers a criterion group per job and remembers what ran, for the table.
struct Suite<'c> {
    criterion: &'c mut Criterion,
    rows: Vec<(String, Tally)>,
}

impl JobVisitor for Suite<'_> {
    fn visit(&mut self, job: &impl Job) {
        let label = job.label();
        let tally = agree(job);
        let mut group = self.criterion.benchmark_group(&label);
        group.throughput(Throughput::Elements(tally.values));
        for_each_peer(&mut Register {
            group: &mut group,
            job,
        });
        group.finish();
        self.rows.push((label, tally));
    }
}

/// Adds one benchmark per peer to a group.
struct Register<'g, 'c, 'j, J> {
    group: &'g mut BenchmarkGroup<'c, WallTime>,
    job: &'j J,
}

impl<J: Job> PeerVisitor for Register<'_, '_, '_, J> {
    fn visit<P: Peer>(&mut self) {
        let job = self.job;
        self.group
            .bench_function(P::NAME, |b| b.iter(|| black_box(job.run_on::<P>())));
    }
}

/// The peers' names, in table order.
fn peer_names() -> Vec<&'static str> {
    struct Names(Vec<&'static str>);
    impl PeerVisitor for Names {
        fn visit<P: Peer>(&mut self) {
            self.0.push(P::NAME);
        }
    }
    let mut names = Names(Vec::new());
    for_each_peer(&mut names);
    names.0
}

/// One row per job: DropArena's median ns per value, then each peer's time
/// as a multiple of DropArena's (above 1: DropArena is faster).
fn ratio_table(rows: &[(String, Tally)]) -> String {
    let names = peer_names();
    let mut out =
        String::from("\nmedian ns per value, and each peer's time / DropArena's\n\n| workload |");
    for name in &names {
        write!(out, " {name} |").unwrap();
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(names.len()));
    for (label, tally) in rows {
        let times: Vec<Option<f64>> = names.iter().map(|name| median_ns(label, name)).collect();
        if times.iter().all(Option::is_none) {
            continue; // filtered out on the command line
        }
        write!(out, "\n| {label} |").unwrap();
        let ours = times[0];
        for (i, time) in times.iter().enumerate() {
            match (time, ours) {
                (Some(t), _) if i == 0 => {
                    write!(out, " {:.2} ns |", t / tally.values as f64).unwrap()
                }
                (Some(t), Some(o)) => write!(out, " {:.2}x |", t / o).unwrap(),
                _ => out.push_str(" – |"),
            }
        }
    }
    out.push('\n');
    out
}

/// Criterion's median time per iteration of one benchmark, from its report
/// (where criterion puts it: `$CRITERION_HOME`, or `criterion/` in the
/// target directory, which is the workspace's, not this package's).
fn median_ns(group: &str, function: &str) -> Option<f64> {
    let safe = |s: &str| s.replace(['?', '"', '/', '\\', '*', '<', '>', ':', '|', '^'], "_");
    let home = std::env::var_os("CRITERION_HOME")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR").map(|dir| PathBuf::from(dir).join("criterion"))
        })
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/criterion"))
        });
    let path = home
        .join(safe(group))
        .join(safe(function))
        .join("new/estimates.json");
    let json = std::fs::read_to_string(path).ok()?;
    let median = &json[json.find("\"median\"")?..];
    let value = &median[median.find("\"point_estimate\":")? + "\"point_estimate\":".len()..];
    let end = value.find([',', '}'])?;
    value[..end].trim().parse().ok()
}
