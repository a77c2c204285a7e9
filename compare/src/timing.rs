//! How `compare` times: each runner's best of [`ROUNDS`] rounds, the
//! runners taking turns in a rotating order, so that noise from other
//! processes hits everyone alike.

use std::time::{Duration, Instant};

use crate::Tally;

/// Rounds per job; each runner's best round counts.
pub const ROUNDS: usize = 7;

/// A round repeats the job at least this long, to time it reliably.
const MIN_ROUND: Duration = Duration::from_millis(4);

/// Runs a job once on one peer or variant.
pub type Runner<'j> = Box<dyn Fn() -> Tally + 'j>;

/// Each runner's best time per value for one job, in the runners' order.
pub struct JobResult {
    /// The job, as the table calls it.
    pub label: String,
    /// Each runner's name and its best time per value, in nanoseconds.
    pub ns_per_value: Vec<(&'static str, f64)>,
}

impl JobResult {
    /// The runner's time / the first runner's.
    pub fn ratio(&self, name: &str) -> f64 {
        let ns = |name: &str| {
            self.ns_per_value
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap()
                .1
        };
        ns(name) / self.ns_per_value[0].1
    }
}

/// Times `runners` on the job called `label`, each of whose runs must
/// return `expected`; times are per value of `expected`.
pub fn interleaved(
    label: String,
    runners: &[(&'static str, Runner)],
    expected: Tally,
) -> JobResult {
    let mut best = vec![f64::INFINITY; runners.len()];
    for round in 0..ROUNDS {
        for turn in 0..runners.len() {
            let i = (round + turn) % runners.len();
            best[i] = best[i].min(time_per_run(&runners[i].1, expected));
        }
    }
    JobResult {
        label,
        ns_per_value: runners
            .iter()
            .zip(&best)
            .map(|((name, _), secs)| (*name, secs * 1e9 / expected.values as f64))
            .collect(),
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
