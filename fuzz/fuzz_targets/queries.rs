//! The query-string parsers, as the daemon runs them: `api::input::parse_query` (422 on
//! failure) into `NearbyQuery`, `PageQuery` and the original backend's `?creator_id=` /
//! `?user_id=`, then the handlers' range checks. Nothing may panic, and a failure is
//! always a 422.

#![no_main]

use citypulse::api::{nearby, page, NearbyQuery, PageQuery};
use citypulse::geo::Coordinates;
use citypulse::validate;
use citypulse_daemon::http::error::ApiError;
use citypulse_daemon::http::events::ActingAs;
use citypulse_daemon::http::input::parse_query;
use libfuzzer_sys::fuzz_target;

fn refused(e: &ApiError) {
    assert!(matches!(e, ApiError::Validation(_)), "{e:?}");
}

fn nearby_query(raw: &str) {
    match parse_query::<NearbyQuery>(raw) {
        Ok(q) => {
            if let Ok(c) = Coordinates::new(q.lng, q.lat) {
                assert!(c.lng().is_finite() && c.lat().is_finite());
            }
            let max = q.max_distance.unwrap_or(nearby::DEFAULT_MAX_DISTANCE);
            let ok = max.is_finite() && (1.0..=nearby::MAX_DISTANCE).contains(&max);
            if ok {
                if let Ok(c) = Coordinates::new(q.lng, q.lat) {
                    let (a, b, x, y) = c.bounding_box(max);
                    assert!(a <= x && b <= y);
                }
            }
            let limit = q.limit.unwrap_or(nearby::DEFAULT_LIMIT);
            let _ = validate::in_range("limit", limit as i64, 1, nearby::MAX_LIMIT as i64);
            let _ = q.category.as_deref().map(validate::category);
        }
        Err(e) => refused(&e),
    }
}

fn page_query(raw: &str) {
    match parse_query::<PageQuery>(raw) {
        Ok(q) => {
            let limit = q.limit.unwrap_or(page::DEFAULT_LIMIT);
            let _ = validate::in_range("limit", limit as i64, 1, page::MAX_LIMIT as i64);
            let _ = q.q.as_deref().map(|s| validate::text("q", s, 1, 200));
        }
        Err(e) => refused(&e),
    }
}

fn acting_as(raw: &str) {
    if let Err(e) = parse_query::<ActingAs>(raw) {
        refused(&e);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    // warp hands handlers the raw query as a str; the bytes of a URL are ASCII, but a
    // client can send anything, so the lossy form covers both.
    let raw = String::from_utf8_lossy(rest);
    match which % 3 {
        0 => nearby_query(&raw),
        1 => page_query(&raw),
        _ => acting_as(&raw),
    }
});
