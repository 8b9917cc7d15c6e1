//! Benchmarks of the hot paths inside the daemon (BENCHMARKS.md has the figures):
//! - near-me: the 20 nearest active events within 5 km over 10k, 100k and 1M events
//!   spread over greater Bogotá (cost should follow the answer, not the city);
//! - claims against distinct collectibles on the embedded store;
//! - encoding of the frames sent most (nearby answers, chat).
//!
//! Run: `cargo bench -p citypulse-daemon --bench store` (add `-- nearby` for one group).
//! The 1M case needs ~1 minute to seed; `CPL_BENCH_SIZES=10000,100000` limits it.
//!
//! The same near-me and claim benchmarks on MongoDB when `CPL_BENCH_MONGODB_URL` names a
//! server (a throw-away database is made there and dropped after), at the sizes of
//! `CPL_BENCH_MONGODB_SIZES` (default 10000,100000).

mod common;

use std::sync::Arc;

use citypulse::geo::Coordinates;
use citypulse::ids::{CollectibleId, EventId, MessageId, UserId};
use citypulse::model::{ChatMessage, Collectible, Rarity};
use citypulse::time;
use citypulse::ws::ServerMessage;
use citypulse_daemon::realtime::hub::Hub;
use citypulse_daemon::seed::{self, Scatter};
use citypulse_daemon::store::mongo::MongoStore;
use citypulse_daemon::store::sqlite::SqliteStore;
use citypulse_daemon::store::{ClaimOutcome, Store};
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A store with `n` active events spread uniformly over greater Bogotá.
fn seeded(rt: &tokio::runtime::Runtime, n: usize) -> (tempfile::TempDir, Arc<SqliteStore>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("bench.db")).expect("open");
    let who = rt.block_on(common::creator(&store));
    common::import_events(&store, n, &who);
    (dir, Arc::new(store))
}

fn nearby(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("nearby_20_within_5km");
    group.sample_size(200);
    for n in common::sizes("CPL_BENCH_SIZES", &[10_000, 100_000, 1_000_000]) {
        let (_dir, store) = seeded(&rt, n);
        let mut rng = Scatter::new(99);
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.to_async(&rt).iter(|| {
                let center = rng.point();
                let store = store.clone();
                async move {
                    let found = store
                        .events_near(center, 5000.0, 20, None)
                        .await
                        .expect("nearby");
                    assert!(found.len() <= 20);
                    found
                }
            })
        });
    }
    group.finish();
}

fn claims(c: &mut Criterion) {
    let rt = runtime();
    let (_dir, store) = seeded(&rt, 10);
    let event = rt
        .block_on(store.events_near(Scatter::new(10).point(), 50_000.0, 1, None))
        .expect("an event")
        .remove(0)
        .event
        .id;
    let user = rt.block_on(common::creator(store.as_ref()));
    rt.block_on(store.join_event(&event, &user, time::now()))
        .expect("join");
    let mut group = c.benchmark_group("claim_distinct_collectibles");
    group.throughput(Throughput::Elements(1));
    let store: Arc<dyn Store> = store;
    // One claim after another: the latency of one claim, its own commit each time.
    group.bench_function("sqlite_sequential", |b| {
        b.iter_custom(|iters| timed_claims(&rt, &store, &event, &user, iters, 1))
    });
    // 64 claims in flight at once (a drop burst, many players): the writer commits them
    // in groups, so throughput is what this measures.
    group.bench_function("sqlite_64_in_flight", |b| {
        b.iter_custom(|iters| timed_claims(&rt, &store, &event, &user, iters, 64))
    });
    group.finish();
}

/// Drops `iters` collectibles into `event` (untimed), then times `user` claiming each once
/// with `in_flight` claims at a time; every claim must win.
fn timed_claims(
    rt: &tokio::runtime::Runtime,
    store: &Arc<dyn Store>,
    event: &EventId,
    user: &UserId,
    iters: u64,
    in_flight: usize,
) -> std::time::Duration {
    let ids: Vec<CollectibleId> = (0..iters)
        .map(|_| {
            let now = time::now();
            let col = Collectible {
                id: CollectibleId::generate(),
                event_id: event.clone(),
                name: "Tinto".into(),
                rarity: Rarity::Common,
                points: 10,
                dropped_at: now,
                expires_at: now + chrono::Duration::minutes(5),
                claimed_by: None,
                claimed_at: None,
                is_active: true,
            };
            rt.block_on(store.drop_collectible(&col)).expect("drop");
            col.id
        })
        .collect();
    let ids = Arc::new(ids);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = std::time::Instant::now();
    rt.block_on(async {
        let mut claimers = tokio::task::JoinSet::new();
        for _ in 0..in_flight {
            let (store, user, ids, next) = (store.clone(), user.clone(), ids.clone(), next.clone());
            claimers.spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(id) = ids.get(i) else { return };
                    let won = store
                        .claim_collectible(id, &user, time::now())
                        .await
                        .expect("claim");
                    assert!(matches!(won, ClaimOutcome::Won(_)));
                }
            });
        }
        while claimers.join_next().await.is_some() {}
    });
    started.elapsed()
}

fn encoding(c: &mut Criterion) {
    let rt = runtime();
    let (_dir, store) = seeded(&rt, 10_000);
    let events = rt
        .block_on(store.events_near(Coordinates::new(-74.07, 4.65).expect("c"), 5000.0, 20, None))
        .expect("nearby");
    let nearby = ServerMessage::NearbyEvents {
        events,
        timestamp: time::now(),
    };
    let chat = ServerMessage::ChatMessage(ChatMessage {
        id: MessageId::generate(),
        event_id: EventId::generate(),
        user_id: UserId::generate(),
        name: "Juan Pérez".into(),
        message: "¡Hola a todos desde la Plaza de Bolívar!".into(),
        timestamp: time::now(),
    });
    let mut group = c.benchmark_group("encode_frame");
    group.bench_function("nearby_events_20", |b| b.iter(|| Hub::encode(&nearby)));
    group.bench_function("chat_message", |b| b.iter(|| Hub::encode(&chat)));
    group.finish();
}

criterion_group!(benches, nearby, claims, encoding, mongodb);
criterion_main!(benches);

/// The near-me and claim benchmarks on MongoDB (see the module documentation).
fn mongodb(c: &mut Criterion) {
    let Ok(url) = std::env::var("CPL_BENCH_MONGODB_URL") else {
        return;
    };
    let rt = runtime();
    let name = format!("citypulse_bench_{}", common::rand_digits());
    let store = Arc::new(
        rt.block_on(MongoStore::connect(&url, &name))
            .expect("connect to CPL_BENCH_MONGODB_URL"),
    );
    let who = rt.block_on(common::creator(store.as_ref()));
    let sizes = common::sizes("CPL_BENCH_MONGODB_SIZES", &[10_000, 100_000]);
    let mut group = c.benchmark_group("mongodb_nearby_20_within_5km");
    group.sample_size(50);
    let mut have = 0;
    for n in sizes {
        // Grow the one database to n events (the scatter's seed differs per batch).
        while have < n {
            let batch: Vec<_> =
                seed::bogota_events((n - have).min(10_000), &who, have as u64).collect();
            have += rt.block_on(store.import_events(batch)).expect("import");
        }
        let mut rng = Scatter::new(99);
        group.throughput(Throughput::Elements(1));
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.to_async(&rt).iter(|| {
                let center = rng.point();
                let store = store.clone();
                async move {
                    store
                        .events_near(center, 5000.0, 20, None)
                        .await
                        .expect("nearby")
                }
            })
        });
    }
    group.finish();
    let event = rt
        .block_on(store.events_near(Scatter::new(10).point(), 50_000.0, 1, None))
        .expect("an event")
        .remove(0)
        .event
        .id;
    let user = rt.block_on(common::creator(store.as_ref()));
    rt.block_on(store.join_event(&event, &user, time::now()))
        .expect("join");
    let dyn_store: Arc<dyn Store> = store.clone();
    let mut group = c.benchmark_group("mongodb_claim_distinct_collectibles");
    group.sample_size(20);
    group.throughput(Throughput::Elements(1));
    for in_flight in [1usize, 64] {
        group.bench_function(BenchmarkId::new("in_flight", in_flight), |b| {
            b.iter_custom(|iters| timed_claims(&rt, &dyn_store, &event, &user, iters, in_flight))
        });
    }
    group.finish();
    let _ = rt.block_on(async { store.database().drop().await });
}
