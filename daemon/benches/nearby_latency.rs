//! Near-me's latency *distribution* inside the daemon: criterion (benches/store.rs) gives a
//! mean, while the target of issue 20 is a p99 (≤ 20 µs over 1M events). Each query is
//! timed on its own, from a point drawn over greater Bogotá, and the percentiles of all of
//! them are printed.
//!
//! Seeded events are measured twice: with the index as a million inserts left it, and
//! after opening the database again, as a restarted daemon finds it (bulk-loaded).
//! Two forms are measured on the embedded store, 20 nearest within 5 km:
//! - `write_events_near`: the answer written as JSON straight from the index, the form
//!   `GET /api/events/nearby` and the `nearby_events` frames send;
//! - `events_near`: the owned `NearbyEvent`s (what MongoDB's path and the tests use).
//!
//! Run: `cargo bench -p citypulse-daemon --bench nearby_latency`
//! - `CPL_BENCH_SIZES` (default `1000000`): events seeded for each run (1M: about a minute);
//! - `CPL_BENCH_DB=path`: measure an existing database instead (a copy is opened, as
//!   opening applies migrations), e.g. one made by `cpld seed --events 1000000`;
//! - `CPL_BENCH_QUERIES` (default 200000): timed queries per form, after 20,000 untimed;
//! - `CPL_BENCH_FORMS=write` (or `owned`): one form only (for a profiler).

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use citypulse_daemon::seed::Scatter;
use citypulse_daemon::store::sqlite::SqliteStore;
use citypulse_daemon::store::Store;
use futures_util::FutureExt;

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not supported here.
    let queries = env_number("CPL_BENCH_QUERIES", 200_000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    if let Ok(source) = std::env::var("CPL_BENCH_DB") {
        let copy = dir.path().join("copy.db");
        std::fs::copy(&source, &copy).expect("CPL_BENCH_DB names a readable database file");
        let started = Instant::now();
        let store = SqliteStore::open(&copy).expect("the copy opens");
        println!(
            "{source}: opened in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        measure(&store, queries);
        return;
    }
    for n in common::sizes("CPL_BENCH_SIZES", &[1_000_000]) {
        let path = dir.path().join(format!("bench-{n}.db"));
        let started = Instant::now();
        let store = seeded(&path, n);
        println!(
            "{n} active events: seeded in {:.1} s; the index as the inserts built it:",
            started.elapsed().as_secs_f64()
        );
        measure(&store, queries);
        // As a daemon finds it after a restart: the index bulk-loaded from the table.
        drop(store);
        let store = SqliteStore::open(&path).expect("the database opens again");
        println!("{n} active events, opened again (the index bulk-loaded):");
        measure(&store, queries);
    }
}

fn measure(store: &SqliteStore, queries: usize) {
    let forms = std::env::var("CPL_BENCH_FORMS").unwrap_or_else(|_| "write,owned".into());
    if forms.contains("write") {
        measure_written(store, queries);
    }
    if forms.contains("owned") {
        measure_owned(store, queries);
    }
}

fn measure_written(store: &SqliteStore, queries: usize) {
    let mut buf = Vec::with_capacity(16 * 1024);
    let written = time_each(queries, |center| {
        buf.clear();
        store
            .write_events_near(center, 5000.0, 20, None, &mut buf)
            .now_or_never()
            .expect("the embedded store answers without waiting")
            .expect("near-me");
        buf.len()
    });
    report("write_events_near (JSON from the index)", &written);
}

fn measure_owned(store: &SqliteStore, queries: usize) {
    let owned = time_each(queries, |center| {
        store
            .events_near(center, 5000.0, 20, None)
            .now_or_never()
            .expect("the embedded store answers without waiting")
            .expect("near-me")
            .len()
    });
    report("events_near (owned events)", &owned);
}

/// Times `queries` calls of `query`, each at its own point, after 20,000 untimed ones
/// (warming caches and the allocator); returns the sorted durations.
fn time_each(
    queries: usize,
    mut query: impl FnMut(citypulse::geo::Coordinates) -> usize,
) -> Vec<Duration> {
    let mut points = Scatter::new(99);
    let mut sink = 0usize;
    for _ in 0..20_000 {
        sink = sink.wrapping_add(query(points.point()));
    }
    let mut took = Vec::with_capacity(queries);
    for _ in 0..queries {
        let center = points.point();
        let start = Instant::now();
        sink = sink.wrapping_add(query(center));
        took.push(start.elapsed());
    }
    // Keeps the answers observable, so no call can be optimised away.
    assert!(sink > 0, "every query found nothing: is the store empty?");
    took.sort_unstable();
    took
}

fn report(what: &str, sorted: &[Duration]) {
    let at = |q: f64| {
        let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted[i].as_secs_f64() * 1e6
    };
    let mean = sorted.iter().map(Duration::as_secs_f64).sum::<f64>() / sorted.len() as f64;
    println!(
        "  {what}: {} queries; mean {:.1} µs, p50 {:.1}, p90 {:.1}, p99 {:.1}, p99.9 {:.1}, max {:.1} µs",
        sorted.len(),
        mean * 1e6,
        at(0.50),
        at(0.90),
        at(0.99),
        at(0.999),
        at(1.0),
    );
}

fn seeded(path: &Path, n: usize) -> SqliteStore {
    let store = SqliteStore::open(path).expect("open");
    // Writes go through the store's writer thread, so this one waits on a runtime.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let who = runtime.block_on(common::creator(&store));
    common::import_events(&store, n, &who);
    store
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
