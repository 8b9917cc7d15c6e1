//! `cpl`: the CityPulse Live command line for admins, testers and scripted load and race
//! simulations.
//!
//! `main` parses the command line (clap exits with 2 on a usage error), runs the command on
//! a tokio runtime and turns the outcome into an exit code in one place ([`error::exit_code`]):
//! 0 success, 1 the daemon said no, 2 usage error, 3 the daemon cannot be reached. Errors are
//! one line on stderr, `cpl: <sentence>`; a closed stdout (`cpl ... | head`) is a success.

#![forbid(unsafe_code)]

mod cli;
mod commands;
mod config;
mod context;
mod crowd;
mod docs;
mod error;
mod output;
mod paging;
mod progress;
mod report;
mod runs;
mod scenario;
mod stats;
mod transcribe;
mod util;
mod views;
mod walk;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Built with the workspace, rustls has two crypto providers (reqwest's aws-lc-rs, the
    // daemon's MongoDB driver's ring) and cannot pick one itself: a wss:// connect through
    // tungstenite would panic. ring is the one cpl always used.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(
                std::io::stderr(),
                "cpl: cannot start the async runtime: {e}"
            );
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(commands::run(cli));
    // Do not wait for tasks still blocked on stdin (interactive chat) or sockets.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            let code = error::exit_code(&err);
            if code != 0 {
                let _ = writeln!(std::io::stderr(), "cpl: {}", error::sentence(&err));
            }
            ExitCode::from(code)
        }
    }
}
