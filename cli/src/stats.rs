//! Latency percentiles for `race` and `simulate`.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Latency percentiles in milliseconds (nearest-rank).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    /// How many samples.
    pub samples: usize,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Slowest.
    pub max: f64,
}

impl Latency {
    /// Percentiles of `samples`; `None` when there are none.
    pub fn of(samples: &[Duration]) -> Option<Latency> {
        if samples.is_empty() {
            return None;
        }
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        ms.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            let idx = ((p / 100.0) * ms.len() as f64).ceil() as usize;
            round3(ms[idx.clamp(1, ms.len()) - 1])
        };
        Some(Latency {
            samples: ms.len(),
            p50: rank(50.0),
            p95: rank(95.0),
            p99: rank(99.0),
            max: round3(ms[ms.len() - 1]),
        })
    }

    /// `(name, value)` rows for summaries.
    pub fn fields(l: &Option<Latency>) -> Vec<(&'static str, String)> {
        match l {
            None => vec![("latency", "- (no answers)".into())],
            Some(l) => vec![
                ("latency p50", format!("{:.1} ms", l.p50)),
                ("latency p95", format!("{:.1} ms", l.p95)),
                ("latency p99", format!("{:.1} ms", l.p99)),
                ("latency max", format!("{:.1} ms", l.max)),
            ],
        }
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank() {
        let s: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let l = Latency::of(&s).unwrap();
        assert_eq!((l.p50, l.p95, l.p99, l.max), (50.0, 95.0, 99.0, 100.0));
        let one = Latency::of(&[Duration::from_millis(7)]).unwrap();
        assert_eq!((one.p50, one.max), (7.0, 7.0));
        assert!(Latency::of(&[]).is_none());
    }
}
