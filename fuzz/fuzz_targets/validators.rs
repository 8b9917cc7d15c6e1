//! The validators every handler runs: phone numbers (E.164 out, idempotent), the text
//! rules of API.md, ids (exactly 24 hex digits) and coordinates (exactly the finite
//! in-range pairs), each on arbitrary input.

#![no_main]

use citypulse::geo::Coordinates;
use citypulse::ids::{EventId, UserId};
use citypulse::validate;
use libfuzzer_sys::fuzz_target;

fn e164(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|d| {
        (8..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    })
}

fn no_control(s: &str) -> bool {
    !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
}

fuzz_target!(|data: &[u8]| {
    // Coordinates from the first 16 bytes, as two f64s (every bit pattern: NaN, inf, ...).
    if data.len() >= 16 {
        let lng = f64::from_le_bytes(data[0..8].try_into().expect("8 bytes"));
        let lat = f64::from_le_bytes(data[8..16].try_into().expect("8 bytes"));
        let valid = lng.is_finite()
            && lat.is_finite()
            && (-180.0..=180.0).contains(&lng)
            && (-90.0..=90.0).contains(&lat);
        assert_eq!(Coordinates::new(lng, lat).is_ok(), valid, "[{lng}, {lat}]");
        if let Ok(c) = Coordinates::new(lng, lat) {
            let d = c.distance_m(&c);
            assert_eq!(d, 0.0);
        }
    }

    let text = String::from_utf8_lossy(data);
    if let Ok(p) = validate::phone(&text) {
        assert!(e164(&p), "{text:?} -> {p:?}");
        assert_eq!(validate::phone(&p).as_ref(), Ok(&p));
    }
    let rules: [(fn(&str) -> Result<String, validate::ValidationError>, usize); 6] = [
        (validate::user_name, 80),
        (validate::title, 120),
        (validate::description, 2000),
        (validate::address, 300),
        (validate::chat_message, 500),
        (validate::collectible_name, 80),
    ];
    for (check, max) in rules {
        if let Ok(v) = check(&text) {
            assert!(v.chars().count() <= max, "{v:?}");
            assert!(no_control(&v), "{v:?}");
            assert_eq!(v.trim(), v);
        }
    }
    if let Ok(c) = validate::category(&text) {
        assert!(no_control(&c), "{c:?}");
    }
    let hex = text.len() == 24 && text.bytes().all(|b| b.is_ascii_hexdigit());
    assert_eq!(UserId::parse(&text).is_ok(), hex);
    assert_eq!(EventId::parse(&text).is_ok(), hex);
});
