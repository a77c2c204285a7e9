//! The `compare` command line: what a run asks for.

use std::path::PathBuf;

/// What `--help` prints, and a bad command line after its problem.
pub const USAGE: &str = "\
usage: compare [--svg PATH] [--check-goals [--strict]] [--threads N]
       compare once JOB PEER

  --svg PATH      also write the ratios as an SVG bar chart to PATH
  --check-goals   also check the ratios against the performance issue's goals
  --strict        with --check-goals: exit with status 1 if a goal is missed
  --threads N     N producers and N consumers in the threads section's
                  N producers -> N consumers table (default 1)
  once JOB PEER   run the first workload whose name starts with JOB once on PEER";

/// What the command line asked for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    /// The whole report, with these options.
    Report(Options),
    /// `once JOB PEER`: the first job whose name starts with `job`, once,
    /// on the peer named `peer`.
    Once {
        /// The start of the job's name.
        job: String,
        /// The peer's name, whole.
        peer: String,
    },
    /// `-h` or `--help`.
    Help,
}

/// The options of the whole report.
#[derive(Debug, PartialEq, Eq)]
pub struct Options {
    /// `--svg PATH`: where to draw the chart, if anywhere.
    pub svg: Option<PathBuf>,
    /// `--check-goals`: check the ratios against the goals.
    pub check_goals: bool,
    /// `--strict`: a missed goal makes the exit status 1.
    pub strict: bool,
    /// `--threads N`: producers and consumers in the N -> N table.
    pub threads: usize,
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

/// Reads the arguments after the program's name; `Err` says what is wrong
/// with them.
pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let args: Vec<String> = args.into_iter().collect();
    if let [once, job, peer] = &args[..]
        && once == "once"
    {
        return Ok(Command::Once {
            job: job.clone(),
            peer: peer.clone(),
        });
    }
    let mut options = Options::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--svg" => match args.next() {
                Some(path) => options.svg = Some(path.into()),
                None => return Err("--svg needs a path".to_string()),
            },
            "--check-goals" => options.check_goals = true,
            "--threads" => match args.next().map(|n| n.parse::<usize>()) {
                Some(Ok(n)) if n > 0 => options.threads = n,
                _ => return Err("--threads needs a number of threads, at least 1".to_string()),
            },
            "--strict" => options.strict = true,
            "-h" | "--help" => return Ok(Command::Help),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if options.strict && !options.check_goals {
        return Err("--strict only makes sense with --check-goals".to_string());
    }
    Ok(Command::Report(options))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(line: &str) -> Result<Command, String> {
        parse(line.split_whitespace().map(String::from))
    }

    #[test]
    fn every_option_is_read() {
        assert_eq!(
            parse_str("--svg a.svg --check-goals --strict --threads 3"),
            Ok(Command::Report(Options {
                svg: Some("a.svg".into()),
                check_goals: true,
                strict: true,
                threads: 3,
            }))
        );
        assert_eq!(parse_str(""), Ok(Command::Report(Options::default())));
    }

    #[test]
    fn once_takes_exactly_a_job_and_a_peer() {
        assert_eq!(
            parse_str("once plain DropArena"),
            Ok(Command::Once {
                job: "plain".to_string(),
                peer: "DropArena".to_string(),
            })
        );
        assert!(parse_str("once plain").is_err());
    }

    #[test]
    fn a_bad_command_line_is_refused() {
        for line in ["--strict", "--threads 0", "--threads x", "--svg", "--what"] {
            assert!(parse_str(line).is_err(), "{line}");
        }
    }
}
