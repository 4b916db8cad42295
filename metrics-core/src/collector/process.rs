//! The standard `process_*` metrics, read from `/proc` at scrape time.

use crate::collector::{Collection, Collector};

/// Exports the standard process metrics: `process_cpu_seconds_total`,
/// `process_resident_memory_bytes`, `process_virtual_memory_bytes`, `process_open_fds`,
/// `process_max_fds`, `process_start_time_seconds`, `process_threads`.
///
/// Read from `/proc/self` on Linux at each scrape; elsewhere it exports nothing.
///
/// ```
/// use metrics_core::{Format, ProcessCollector, Registry};
/// let registry = Registry::new();
/// registry.register_collector(ProcessCollector::new());
/// let mut body = Vec::new();
/// registry.encode(Format::Text, &mut body);
/// # #[cfg(target_os = "linux")]
/// assert!(String::from_utf8(body)?.contains("# TYPE process_cpu_seconds_total counter"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ProcessCollector {
    _private: (),
}

impl ProcessCollector {
    /// The collector for the current process.
    pub fn new() -> ProcessCollector {
        ProcessCollector::default()
    }
}

impl Collector for ProcessCollector {
    fn collect(&self, out: &mut Collection<'_>) {
        #[cfg(target_os = "linux")]
        linux::collect(out);
        #[cfg(not(target_os = "linux"))]
        let _ = out;
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use super::Collection;
    use std::fs;

    /// Clock ticks per second in `/proc/*/stat`: USER_HZ, fixed at 100 by the kernel ABI.
    const USER_HZ: f64 = 100.0;

    pub(super) fn collect(out: &mut Collection<'_>) {
        if let Some(stat) = fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| parse_stat(&s))
        {
            out.counter(
                "process_cpu_seconds_total",
                "Total user and system CPU time spent in seconds.",
                (stat.utime + stat.stime) as f64 / USER_HZ,
            );
            out.gauge(
                "process_virtual_memory_bytes",
                "Virtual memory size in bytes.",
                stat.vsize as f64,
            );
            out.gauge(
                "process_threads",
                "Number of OS threads in the process.",
                stat.threads as f64,
            );
            let boot = fs::read_to_string("/proc/stat")
                .ok()
                .and_then(|s| parse_boot_time(&s));
            if let Some(boot) = boot {
                out.gauge(
                    "process_start_time_seconds",
                    "Start time of the process since unix epoch in seconds.",
                    boot as f64 + stat.starttime as f64 / USER_HZ,
                );
            }
        }
        if let Some(rss) = fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| parse_rss(&s))
        {
            out.gauge(
                "process_resident_memory_bytes",
                "Resident memory size in bytes.",
                rss as f64,
            );
        }
        if let Ok(fds) = fs::read_dir("/proc/self/fd") {
            out.gauge(
                "process_open_fds",
                "Number of open file descriptors.",
                fds.count() as f64,
            );
        }
        if let Ok(limits) = fs::read_to_string("/proc/self/limits") {
            if let Some(max) = parse_limit(&limits, "Max open files") {
                out.gauge(
                    "process_max_fds",
                    "Maximum number of open file descriptors.",
                    max,
                );
            }
            if let Some(max) = parse_limit(&limits, "Max address space") {
                out.gauge(
                    "process_virtual_memory_max_bytes",
                    "Maximum amount of virtual memory available in bytes.",
                    max,
                );
            }
        }
        // The process's network namespace: in a container, the pod's interfaces.
        if let Some((received, sent)) = fs::read_to_string("/proc/self/net/dev")
            .ok()
            .and_then(|s| parse_net_dev(&s))
        {
            out.counter(
                "process_network_receive_bytes_total",
                "Number of bytes received by the process over the network.",
                received as f64,
            );
            out.counter(
                "process_network_transmit_bytes_total",
                "Number of bytes sent by the process over the network.",
                sent as f64,
            );
        }
    }

    #[derive(Debug, PartialEq)]
    pub(super) struct Stat {
        pub(super) utime: u64,
        pub(super) stime: u64,
        pub(super) threads: u64,
        pub(super) starttime: u64,
        pub(super) vsize: u64,
    }

    /// Fields of `/proc/self/stat`, counted after the command name (which may hold spaces
    /// and parentheses, hence the last `)`).
    pub(super) fn parse_stat(stat: &str) -> Option<Stat> {
        let rest = &stat[stat.rfind(')')? + 1..];
        let fields: Vec<&str> = rest.split_ascii_whitespace().collect();
        // `fields[0]` is field 3 of proc(5), the state.
        let field = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
        Some(Stat {
            utime: field(14)?,
            stime: field(15)?,
            threads: field(20)?,
            starttime: field(22)?,
            vsize: field(23)?,
        })
    }

    pub(super) fn parse_boot_time(stat: &str) -> Option<u64> {
        stat.lines()
            .find_map(|l| l.strip_prefix("btime ")?.trim().parse().ok())
    }

    pub(super) fn parse_rss(status: &str) -> Option<u64> {
        let kib = status.lines().find_map(|l| l.strip_prefix("VmRSS:"))?;
        Some(
            kib.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()?
                * 1024,
        )
    }

    /// The soft limit of `/proc/self/limits` row `name` (`+Inf` when unlimited).
    pub(super) fn parse_limit(limits: &str, name: &str) -> Option<f64> {
        let line = limits.lines().find(|l| l.starts_with(name))?;
        let soft = line[name.len()..].split_ascii_whitespace().next()?;
        match soft {
            "unlimited" => Some(f64::INFINITY),
            n => n.parse().ok(),
        }
    }

    /// Bytes received and sent over every interface of `/proc/self/net/dev` (the loopback
    /// too, as client_golang counts it).
    pub(super) fn parse_net_dev(dev: &str) -> Option<(u64, u64)> {
        let mut total = None;
        for line in dev.lines().skip(2) {
            let (_, counters) = line.split_once(':')?;
            let fields: Vec<&str> = counters.split_ascii_whitespace().collect();
            let received: u64 = fields.first()?.parse().ok()?;
            let sent: u64 = fields.get(8)?.parse().ok()?;
            let (r, s) = total.unwrap_or((0u64, 0u64));
            total = Some((r.saturating_add(received), s.saturating_add(sent)));
        }
        total
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn parses_proc_files() {
            let stat = "4242 (my (odd) cmd) S 1 4242 4242 0 -1 4194560 1500 0 0 0 \
                        250 50 0 0 20 0 7 0 123456 987654321 2048 18446744073709551615";
            assert_eq!(
                parse_stat(stat),
                Some(Stat {
                    utime: 250,
                    stime: 50,
                    threads: 7,
                    starttime: 123456,
                    vsize: 987654321
                })
            );
            assert_eq!(parse_stat("garbage"), None);
            assert_eq!(
                parse_boot_time("cpu 1 2\nbtime 1700000000\n"),
                Some(1700000000)
            );
            assert_eq!(
                parse_rss("Name:\tx\nVmRSS:\t   1234 kB\n"),
                Some(1234 * 1024)
            );
            let limits = "Limit                     Soft Limit           Hard Limit           Units\n\
                          Max open files            1024                 524288               files\n\
                          Max address space         unlimited            unlimited            bytes\n";
            assert_eq!(parse_limit(limits, "Max open files"), Some(1024.0));
            assert_eq!(
                parse_limit(limits, "Max address space"),
                Some(f64::INFINITY)
            );
            assert_eq!(parse_limit(limits, "Max locked memory"), None);
            let dev = "Inter-|   Receive                                                |  Transmit\n \
                       face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n    \
                       lo:    1000      10    0    0    0     0          0         0     1000      10    0    0    0     0       0          0\n  \
                       eth0: 2500 20 0 0 0 0 0 0 700 7 0 0 0 0 0 0\n";
            assert_eq!(parse_net_dev(dev), Some((3500, 1700)));
            assert_eq!(parse_net_dev("header\nheader\n"), None);
            assert_eq!(parse_net_dev("h\nh\n  eth0: x y\n"), None);
        }

        #[test]
        fn reads_this_process() {
            let stat = parse_stat(&fs::read_to_string("/proc/self/stat").unwrap()).unwrap();
            assert!(stat.threads >= 1);
            assert!(stat.vsize > 0);
            let rss = parse_rss(&fs::read_to_string("/proc/self/status").unwrap()).unwrap();
            assert!(rss > 0);
            assert!(parse_net_dev(&fs::read_to_string("/proc/self/net/dev").unwrap()).is_some());
        }
    }
}
