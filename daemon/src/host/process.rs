//! The daemon process's own resource use, read from Linux's `/proc` for `/metrics`'
//! standard `process_*` families (`metrics::render_process`). On other systems nothing
//! is read and the families are simply absent.

/// Clock ticks per second of `/proc/<pid>/stat`'s CPU times: Linux reports them in
/// `USER_HZ`, fixed at 100 by its user-space ABI on every architecture we build for (it is
/// not the kernel's configurable `HZ`). Asking `sysconf(_SC_CLK_TCK)` would need `unsafe`.
const USER_HZ: f64 = 100.0;

/// What `/proc/self` says about this process.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage {
    /// User plus system CPU time, seconds.
    pub cpu_seconds: f64,
    /// Resident set size, bytes.
    pub resident_bytes: u64,
    /// Virtual memory size, bytes.
    pub virtual_bytes: u64,
    /// Open file descriptors (sockets included).
    pub open_fds: Option<u64>,
}

/// This process's usage now; `None` off Linux or when `/proc` cannot be read.
pub fn usage() -> Option<Usage> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let mut usage = parse(&stat, &status)?;
    usage.open_fds = std::fs::read_dir("/proc/self/fd")
        .ok()
        .map(|d| d.count() as u64);
    Some(usage)
}

/// Reads CPU times and virtual size from `/proc/self/stat` and the resident size from
/// `/proc/self/status` (in kB there, so no page size is assumed).
fn parse(stat: &str, status: &str) -> Option<Usage> {
    // The command name (field 2) is in parentheses and may hold spaces or ')': the
    // fields we need are counted from the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name: field 3 (state) is index 0, so field n is index n - 3.
    let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
    let (utime, stime, vsize) = (field(14)?, field(15)?, field(23)?);
    let rss_kb = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse::<u64>()
        .ok()?;
    Some(Usage {
        cpu_seconds: (utime + stime) as f64 / USER_HZ,
        resident_bytes: rss_kb * 1024,
        virtual_bytes: vsize,
        open_fds: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_stat_with_an_awkward_command_name() {
        // A real line's shape; the name holds a space and a ')'.
        let stat = "4242 (cp ld) x) S 1 4242 4242 0 -1 4194560 2000 0 0 0 250 75 0 0 20 0 9 0 \
                    123456 987654321 3000 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0";
        let status = "Name:\tcpld\nVmPeak:\t  999 kB\nVmRSS:\t   12000 kB\nThreads:\t9\n";
        let u = parse(stat, status).unwrap();
        assert_eq!(u.cpu_seconds, 3.25);
        assert_eq!(u.virtual_bytes, 987_654_321);
        assert_eq!(u.resident_bytes, 12_000 * 1024);
        assert!(parse("garbage", status).is_none());
        assert!(parse(stat, "Name:\tcpld\n").is_none());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reads_this_process() {
        let u = usage().unwrap();
        assert!(u.resident_bytes > 0 && u.virtual_bytes >= u.resident_bytes);
        assert!(u.open_fds.unwrap() >= 3);
    }
}
