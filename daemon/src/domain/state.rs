//! What every handler shares: the store, the configuration, the hub and the metrics.

use std::sync::Arc;

use crate::config::Config;
use crate::metrics::Metrics;
use crate::ratelimit::{FailureLimiter, RateLimiter};
use crate::realtime::hub::Hub;
use crate::store::Store;

/// Shared daemon state.
pub struct AppState {
    /// The one way to data.
    pub store: Arc<dyn Store>,
    /// Resolved configuration.
    pub config: Config,
    /// Open WebSockets.
    pub hub: Arc<Hub>,
    /// `/metrics` counters.
    pub metrics: Arc<Metrics>,
    /// Per-address limit on REST writes.
    pub rest_limit: RateLimiter,
    /// Per-address budget of failed authentications.
    pub auth_failures: FailureLimiter,
    /// Per-address limit on profile lookups by id.
    pub lookup_limit: RateLimiter,
    /// Per-user limit on chat messages, shared by all of the user's sockets.
    pub chat_limit: RateLimiter<citypulse::UserId>,
    /// The Daily.co client; None when no `DAILY_API_KEY` is set (video off).
    pub daily: Option<crate::clients::daily::Daily>,
    /// The Twilio Verify client; None when sign-in by SMS is not configured.
    pub verify: Option<crate::clients::twilio::Verify>,
    /// Sign-in codes per phone (`CPL_SMS_CODES_PER_PHONE` an hour).
    pub sms_per_phone: RateLimiter<String>,
    /// Sign-in codes per client address (`CPL_SMS_CODES_PER_ADDRESS` an hour).
    pub sms_per_address: RateLimiter,
    /// This daemon's random id, new at every start: it names the leases this daemon holds
    /// in a database that several daemons share (connections, the drop round).
    pub instance_id: String,
    /// Orders this daemon's connection-lease writes ([`crate::domain::presence`]).
    pub lease_gate: crate::domain::presence::LeaseGate,
    /// One user's room joins, one at a time ([`crate::domain::rooms::join`]).
    pub join_turns: crate::domain::rooms::JoinTurns,
    /// Set once at SIGTERM/SIGINT, before anything else stops: `/health/ready` then
    /// answers 503 so a load balancer sends new clients elsewhere.
    pub draining: std::sync::atomic::AtomicBool,
}

/// A handle handlers clone.
pub type State = Arc<AppState>;

impl AppState {
    /// Builds the state around a store.
    pub fn new(store: Arc<dyn Store>, config: Config) -> State {
        let metrics = Arc::new(Metrics::default());
        let instance_id = format!("{:016x}", rand::random::<u64>());
        tracing::debug!("this daemon's instance id (it names its leases) is {instance_id}");
        Arc::new(AppState {
            hub: Arc::new(Hub::new(
                crate::realtime::hub::QueueLimits {
                    frames: config.ws_queue,
                    bytes: config.ws_queue_bytes,
                    user_bytes: config.ws_user_queue_bytes,
                },
                config.max_connections_per_user,
                metrics.clone(),
            )),
            rest_limit: RateLimiter::new(config.rate_limit),
            auth_failures: FailureLimiter::per_minute(config.auth_failures_per_minute),
            lookup_limit: RateLimiter::per_minute(config.lookups_per_minute),
            chat_limit: RateLimiter::new(config.rate_limit),
            daily: crate::clients::daily::Daily::from_config(&config.daily),
            verify: crate::clients::twilio::Verify::from_config(&config.twilio),
            sms_per_phone: RateLimiter::per_hour(config.sms_codes_per_phone),
            sms_per_address: RateLimiter::per_hour(config.sms_codes_per_address),
            store,
            config,
            metrics,
            instance_id,
            lease_gate: crate::domain::presence::LeaseGate::default(),
            join_turns: crate::domain::rooms::JoinTurns::default(),
            draining: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Marks the daemon as stopping: not ready for new clients any more.
    pub fn begin_drain(&self) {
        self.draining
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether a stop has begun.
    pub fn is_draining(&self) -> bool {
        self.draining.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// A unit test's daemon state: the test defaults on a new SQLite file in `dir`.
    #[cfg(test)]
    #[allow(clippy::unwrap_used)]
    pub fn for_test(dir: &std::path::Path) -> State {
        let db = dir.join("citypulse.db");
        let config = Config::for_test(&[("CPL_DB", db.to_str().unwrap())]).unwrap();
        let store = crate::store::sqlite::SqliteStore::open(&db).unwrap();
        AppState::new(Arc::new(store), config)
    }
}
