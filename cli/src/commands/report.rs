//! `cpl report FILE.json`: renders a saved scenario run again, as the HTML page and/or the
//! PNG of its main chart, without a daemon: to re-render after a change of cpl, or to turn
//! a run's JSON from CI into something to look at.

use std::path::{Path, PathBuf};

use crate::error::usage;
use crate::report::model::RunReport;

/// Arguments of `cpl report`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Examples:\n  \
cpl report run.json                       writes run.html next to it\n  \
cpl report run.json --html /tmp/run.html --png chart.png")]
pub struct Args {
    /// The run's JSON, as the scenario run saved it
    #[arg(value_name = "FILE.json")]
    pub file: PathBuf,
    /// Write the HTML page here [default: FILE with .html, when --png is not given either]
    #[arg(long, value_name = "OUT.html")]
    pub html: Option<PathBuf>,
    /// Write the PNG of the main chart (1200x600: throughput and p99 latency) here
    #[arg(long, value_name = "OUT.png")]
    pub png: Option<PathBuf>,
}

/// Reads the run and writes what was asked.
pub fn run(args: &Args, quiet: bool) -> anyhow::Result<()> {
    let report = read(&args.file)?;
    let html = match (&args.html, &args.png) {
        (None, None) => Some(args.file.with_extension("html")),
        (html, _) => html.clone(),
    };
    crate::report::write(&report, html.as_deref(), args.png.as_deref(), None)?;
    if !quiet {
        for path in html.iter().chain(&args.png) {
            crate::context::eprintln_safe(&format!("Wrote {}", path.display()));
        }
    }
    Ok(())
}

/// The run in `path`; a file that is missing or not a run is a usage error saying which.
fn read(path: &Path) -> anyhow::Result<RunReport> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| usage(format!("cannot read the run {}: {e}", path.display())))?;
    let report: RunReport = serde_json::from_str(&text).map_err(|e| {
        usage(format!(
            "{} is not a scenario run's JSON: {e}; give the file a `cpl simulate --scenario` \
             run saved",
            path.display()
        ))
    })?;
    if report.bucket_s <= 0.0 {
        return Err(usage(format!(
            "{} is not a usable run: bucket_s is {}, and a bucket must last more than 0 seconds",
            path.display(),
            report.bucket_s
        )));
    }
    Ok(report)
}
