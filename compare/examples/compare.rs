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
//!
//! This file installs the counting allocator and reads the command line;
//! the program itself is in the library's `cli`, `report`, `sections`,
//! `timing`, `goals`, `counting` and `chart` modules.

use std::process::ExitCode;

use drop_arena_compare::cli::{self, Command};
use drop_arena_compare::counting::CountingSystem;
use drop_arena_compare::report;

/// Counts bytes for the memory table (see `compare/src/counting.rs`); only
/// this program installs it, so the bench keeps the system allocator as is.
#[global_allocator]
static GLOBAL: CountingSystem = CountingSystem::new();

fn main() -> ExitCode {
    match cli::parse(std::env::args().skip(1)) {
        Ok(Command::Report(options)) => report::run(&options, &GLOBAL),
        Ok(Command::Once { job, peer }) => {
            report::once(&job, &peer);
            ExitCode::SUCCESS
        }
        Ok(Command::Help) => {
            println!("{}", cli::USAGE);
            ExitCode::SUCCESS
        }
        Err(problem) => {
            eprintln!("compare: {problem}\n{}", cli::USAGE);
            ExitCode::from(2)
        }
    }
}
