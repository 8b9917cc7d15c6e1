//! A synthetic run for the renderers' tests: every operation of [`OPERATIONS`] with a
//! point per bucket, client and daemon samples, and a failure with markup in it.

use super::model::*;
use crate::stats::Latency;

/// A run of `buckets` one-second buckets.
pub fn run(buckets: usize) -> RunReport {
    let t = |b: usize| (b + 1) as f64;
    let operations = OPERATIONS
        .iter()
        .enumerate()
        .map(|(i, name)| OperationSeries {
            name: name.to_string(),
            count: 10 * buckets as u64,
            errors: 0,
            latency_ms: Some(Latency {
                samples: 10 * buckets,
                p50: 1.0,
                p95: 2.0,
                p99: 3.0,
                max: 4.0,
            }),
            points: (0..buckets)
                .map(|b| OperationPoint {
                    t: t(b),
                    count: (10 + b + i) as u64,
                    errors: u64::from(b % 7 == 0),
                    p50_ms: Some(1.0 + i as f64),
                    p95_ms: Some(2.0 + i as f64),
                    p99_ms: Some(3.0 + (b % 5) as f64),
                })
                .collect(),
        })
        .collect();
    RunReport {
        scenario: "city-day".into(),
        seed: 7,
        started_at: "2026-12-04T21:00:00Z".into(),
        daemon_url: "http://127.0.0.1:8000".into(),
        duration_s: buckets as f64,
        day_hours_per_s: 0.4,
        bucket_s: 1.0,
        bounds: Bounds {
            users: 200,
            events: 20,
            duration_s: buckets as f64,
            max_rate_per_s: 400.0,
            source_addresses: vec!["127.0.0.2".into()],
        },
        operations,
        client: (0..buckets)
            .map(|b| ClientPoint {
                t: t(b),
                connections: 100 + b as u64,
                online_users: 90 + b as u64,
                cpu_cores: Some(0.25),
            })
            .collect(),
        daemon: (0..buckets)
            .map(|b| DaemonPoint {
                t: t(b),
                rss_bytes: Some(40_000_000 + 10_000 * b as u64),
                cpu_cores: Some(0.5),
                ws_connections: Some(100 + b as i64),
            })
            .collect(),
        totals: Totals {
            chat_sent: 5,
            chat_delivered: 50,
            daemon_counted: Some(DaemonCounts {
                chat_messages: 5,
                chat_deliveries: 50,
                ..DaemonCounts::default()
            }),
            ..Totals::default()
        },
        failures: vec![Failure {
            operation: "join".into(),
            message: "<b>refused</b> & \"closed\"".into(),
            count: 2,
        }],
    }
}
