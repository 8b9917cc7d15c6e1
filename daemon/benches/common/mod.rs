//! What the benchmarks share: the sizes asked for, a user to own events, and seeding a
//! store with events.

use citypulse::ids::UserId;
use citypulse::time;
use citypulse_daemon::seed;
use citypulse_daemon::store::sqlite::SqliteStore;
use citypulse_daemon::store::{NewUser, Store};

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

/// The sizes in the environment variable `var` (comma-separated), or `default`.
pub fn sizes(var: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(var)
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| default.to_vec())
}

/// A new user to own the seeded events.
pub async fn creator(store: &dyn Store) -> UserId {
    let id = UserId::generate();
    store
        .create_user(NewUser {
            id: id.clone(),
            phone: format!("+5730{:08}", rand_digits()),
            name: "Bench".into(),
            token_hash: format!("{:064x}", rand_digits()),
            created_at: time::now(),
        })
        .await
        .expect("user");
    id
}

/// Digits that differ from run to run (a phone number, a database's name).
pub fn rand_digits() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64 % 100_000_000)
        .unwrap_or(7)
}
