//! The REST body parsers, exactly as the daemon runs them: `api::input::parse_json` (400
//! for what is not JSON, 422 for JSON of the wrong shape) into `RegisterRequest`,
//! `CreateEventRequest` and `DropRequest`, then the handlers' validation of each field.
//! Nothing may panic, and nothing but 400 and 422 may come out.

#![no_main]

use citypulse::api::{CreateEventRequest, DropRequest, RegisterRequest};
use citypulse::validate;
use citypulse_daemon::http::error::ApiError;
use citypulse_daemon::http::input::parse_json;
use libfuzzer_sys::fuzz_target;

fn refused_as_input(e: &ApiError) {
    assert!(
        matches!(e, ApiError::BadRequest(_) | ApiError::Validation(_)),
        "{e:?}"
    );
    assert!(!e.detail().is_empty());
}

fn register(body: &[u8]) {
    match parse_json::<RegisterRequest>(body) {
        Ok(req) => {
            if let Ok(p) = validate::phone(&req.phone) {
                assert_eq!(validate::phone(&p).as_ref(), Ok(&p));
            }
            let _ = validate::user_name(&req.name);
        }
        Err(e) => refused_as_input(&e),
    }
}

fn create_event(body: &[u8]) {
    match parse_json::<CreateEventRequest>(body) {
        Ok(req) => {
            let _ = validate::title(&req.title);
            let _ = req.description.as_deref().map(validate::description);
            let _ = validate::category(&req.category);
            let _ = req.address.as_deref().map(validate::address);
            // The body parser already refused coordinates out of range.
            let (lng, lat) = (req.coordinates.lng(), req.coordinates.lat());
            assert!(lng.is_finite() && (-180.0..=180.0).contains(&lng));
            assert!(lat.is_finite() && (-90.0..=90.0).contains(&lat));
        }
        Err(e) => refused_as_input(&e),
    }
}

fn drop_request(body: &[u8]) {
    match parse_json::<DropRequest>(body) {
        Ok(req) => {
            let _ = req.name.as_deref().map(validate::collectible_name);
            let _ = req
                .points
                .map(|p| validate::in_range("points", p as i64, 1, 10_000));
            let _ = req.expires_in.map(|s| {
                validate::in_range("expires_in", s.min(i64::MAX as u64) as i64, 1, 86_400)
            });
        }
        Err(e) => refused_as_input(&e),
    }
}

fuzz_target!(|data: &[u8]| {
    // The first byte picks the body type, so one corpus grows inputs for all three.
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    match which % 3 {
        0 => register(body),
        1 => create_event(body),
        _ => drop_request(body),
    }
});
