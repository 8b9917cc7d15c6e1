//! What the benchmarks share: the event sizes asked for and seeding a store with them.

use citypulse::ids::UserId;
use citypulse_daemon::seed;
use citypulse_daemon::store::sqlite::SqliteStore;

/// `n` active events spread uniformly over greater Bogotá, imported in batches.
pub fn import_events(store: &SqliteStore, n: usize, creator: &UserId) {
    let mut all = seed::bogota_events(n, creator, n as u64);
    loop {
        let batch: Vec<_> = all.by_ref().take(50_000).collect();
        if batch.is_empty() {
            break;
        }
        store.import_events(batch).expect("import");
    }
}

/// The sizes in `CPL_BENCH_SIZES` (comma-separated), or `default`.
pub fn sizes(default: &[usize]) -> Vec<usize> {
    std::env::var("CPL_BENCH_SIZES")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
}
