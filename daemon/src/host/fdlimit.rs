//! The open-file limit: every connection is a file descriptor, and the soft limit a shell
//! or service manager hands a process is often 1024, which a few hundred WebSockets and
//! their upstream sockets exhaust ("too many open files", and new connections fail).
//! At start `cpld` raises its soft limit to the hard limit (what an unprivileged process
//! may do) and warns, with the numbers and how to raise it, when even that is below what
//! its settings need.

/// File descriptors `cpld` asks for whatever its settings: a few thousand sockets.
pub const FLOOR: u64 = 4096;

/// Descriptors kept aside for everything that is not a client socket: the listener, the
/// database files or MongoDB's connection pool, Daily.co calls, the log.
pub const RESERVE: u64 = 256;

/// What the settings need: one address may hold `max_connections_per_address` sockets,
/// and each may be a transcription stream with a second socket to Deepgram; plus the
/// [`RESERVE`]; never under the [`FLOOR`].
pub fn needed(max_connections_per_address: usize) -> u64 {
    let per_address = u64::try_from(max_connections_per_address).unwrap_or(u64::MAX);
    per_address
        .saturating_mul(2)
        .saturating_add(RESERVE)
        .max(FLOOR)
}

/// A limit as the kernel reports it; `None` is unlimited.
pub type Limit = Option<u64>;

/// A limit as written in a log line: the number, or `unlimited`.
pub fn shown(limit: Limit) -> String {
    limit.map_or_else(|| "unlimited".to_string(), |n| n.to_string())
}

/// The soft limit to ask for, or None when there is nothing to raise: the hard limit,
/// unless that is unlimited, when [`UNLIMITED_TARGET`] (Linux refuses an unlimited
/// open-file limit; `fs.nr_open` defaults to 1048576).
pub fn target(soft: Limit, hard: Limit) -> Option<u64> {
    let want = hard.unwrap_or(UNLIMITED_TARGET);
    match soft {
        None => None,
        Some(s) if s >= want => None,
        Some(_) => Some(want),
    }
}

/// What an unlimited hard limit is raised to.
pub const UNLIMITED_TARGET: u64 = 1 << 20;

/// The warning for an effective soft limit below what is `needed`, or None.
pub fn warning(
    effective: Limit,
    hard: Limit,
    max_connections_per_address: usize,
) -> Option<String> {
    let need = needed(max_connections_per_address);
    let have = effective?;
    if have >= need {
        return None;
    }
    let hard = shown(hard);
    Some(format!(
        "the open-file limit is {have} (hard limit {hard}), below the {need} cpld needs \
         (at least {FLOOR}; 2 x CPL_MAX_CONNECTIONS_PER_ADDRESS={max_connections_per_address} \
         + {RESERVE}); past it new connections fail with 'too many open files'. Raise it: \
         'ulimit -n 65536' in the shell that starts cpld (as root, or after raising the hard \
         limit in /etc/security/limits.conf), LimitNOFILE=65536 in its systemd unit, or \
         --ulimit nofile=65536 for docker run"
    ))
}

/// What [`raise`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The soft limit before.
    pub before: Limit,
    /// The soft limit now.
    pub now: Limit,
    /// The hard limit.
    pub hard: Limit,
    /// Why raising failed, when it did.
    pub failed: Option<String>,
}

/// Raises this process's soft open-file limit to its hard limit.
#[cfg(unix)]
pub fn raise() -> Outcome {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let Rlimit { current, maximum } = getrlimit(Resource::Nofile);
    let mut out = Outcome {
        before: current,
        now: current,
        hard: maximum,
        failed: None,
    };
    if let Some(want) = target(current, maximum) {
        let new = Rlimit {
            current: Some(want),
            maximum,
        };
        match setrlimit(Resource::Nofile, new) {
            Ok(()) => out.now = Some(want),
            Err(e) => out.failed = Some(e.to_string()),
        }
    }
    out
}

/// Off Unix there is no such limit to raise.
#[cfg(not(unix))]
pub fn raise() -> Outcome {
    Outcome {
        before: None,
        now: None,
        hard: None,
        failed: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_soft_limit_goes_up_to_the_hard_one_and_never_down() {
        assert_eq!(target(Some(1024), Some(524_288)), Some(524_288));
        assert_eq!(target(Some(1024), None), Some(UNLIMITED_TARGET));
        assert_eq!(target(Some(65_536), Some(65_536)), None);
        assert_eq!(target(None, None), None);
        assert_eq!(target(Some(2 << 20), None), None);
    }

    #[test]
    fn the_need_is_a_floor_or_twice_the_per_address_cap_with_a_reserve() {
        assert_eq!(needed(256), 4096);
        assert_eq!(needed(1920), 4096);
        assert_eq!(needed(10_000), 20_256);
        assert_eq!(needed(usize::MAX), u64::MAX);
    }

    #[test]
    fn a_limit_below_the_need_warns_with_the_numbers_and_the_remedies() {
        assert_eq!(warning(Some(4096), Some(4096), 256), None);
        assert_eq!(warning(None, None, 256), None);
        assert_eq!(warning(Some(1 << 20), None, 100_000), None);
        let w = warning(Some(1024), Some(1024), 256).unwrap();
        for part in [
            "is 1024 (hard limit 1024)",
            "the 4096 cpld needs",
            "CPL_MAX_CONNECTIONS_PER_ADDRESS=256",
            "ulimit -n",
            "LimitNOFILE=",
        ] {
            assert!(w.contains(part), "{part:?} missing from: {w}");
        }
        let w = warning(Some(8192), Some(8192), 5000).unwrap();
        assert!(
            w.contains("is 8192") && w.contains("the 10256 cpld needs"),
            "{w}"
        );
    }
}
