//! Exit codes and the one-line error sentence, decided in one place.
//!
//! Commands return `anyhow::Error`s with context; the kind of failure is found by walking
//! the cause chain for the typed errors below and the contract client's [`ClientError`].

use std::io;

use citypulse::client::WsError;
use citypulse::ClientError;

/// Exit code: the daemon (or the outcome of a run) said no.
pub const REFUSED: u8 = 1;
/// Exit code: the command line or local setup is wrong (clap uses 2 as well).
pub const USAGE: u8 = 2;
/// Exit code: no daemon answered at the URL.
pub const UNREACHABLE: u8 = 3;

/// Failures decided by `cpl` itself rather than reported by the daemon.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The command cannot run as given (missing token, bad value); exit 2.
    #[error("{0}")]
    Usage(String),
    /// The daemon refused, or a run's outcome is a failure (a race without exactly one
    /// winner, a simulation with errors); exit 1.
    #[error("{0}")]
    Refused(String),
}

/// A usage error (exit 2).
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    CliError::Usage(msg.into()).into()
}

/// A refusal (exit 1).
pub fn refused(msg: impl Into<String>) -> anyhow::Error {
    CliError::Refused(msg.into()).into()
}

/// The exit code for `err`: 0 for a broken pipe (the reader went away, as with `| head`).
pub fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<ClientError>() {
            return match e {
                ClientError::Unreachable { .. } => UNREACHABLE,
                ClientError::BadUrl(_) => USAGE,
                ClientError::Api { .. } | ClientError::Protocol(_) => REFUSED,
            };
        }
        if let Some(e) = cause.downcast_ref::<CliError>() {
            return match e {
                CliError::Usage(_) => USAGE,
                CliError::Refused(_) => REFUSED,
            };
        }
        if let Some(e) = cause.downcast_ref::<io::Error>() {
            if e.kind() == io::ErrorKind::BrokenPipe {
                return 0;
            }
        }
        if cause.downcast_ref::<WsError>().is_some() {
            return REFUSED;
        }
    }
    REFUSED
}

/// The error as one line: context and causes joined with `: `.
pub fn sentence(err: &anyhow::Error) -> String {
    format!("{err:#}").replace('\n', " ")
}
