//! Property tests (proptest) of everything in the contract crate that judges client input:
//! coordinates and distance ([`crate::geo`]), the validators ([`crate::validate`]), the
//! WebSocket frame decoder ([`crate::ws::ClientMessage::decode`]) and id parsing
//! ([`crate::ids`]). Issue 9, "Hostile input": each property says what must hold for every
//! input, not just the examples the unit tests pick. The fuzz targets in `fuzz/` drive the
//! same functions with coverage-guided bytes.

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use crate::geo::{Coordinates, GeoPoint, EARTH_RADIUS_M};
use crate::ids::{CollectibleId, EventId, UserId};
use crate::validate;
use crate::ws::{error_code, ClientMessage, CLIENT_TYPES};

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 1024,
        ..ProptestConfig::default()
    }
}

// ---- strategies ----

/// Any f64, weighted towards the borders of the coordinate ranges and the special values.
fn degrees() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        -200.0..200.0f64,
        -90.0..90.0f64,
        prop::sample::select(vec![
            -180.0,
            180.0,
            -90.0,
            90.0,
            0.0,
            -0.0,
            180.000_000_000_001,
            -90.000_000_000_001,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
            f64::MIN_POSITIVE,
        ]),
    ]
}

fn valid_coordinates() -> impl Strategy<Value = Coordinates> {
    let lng = prop_oneof![
        -180.0..=180.0f64,
        prop::sample::select(vec![-180.0, 180.0, 0.0])
    ];
    let lat = prop_oneof![
        -90.0..=90.0f64,
        prop::sample::select(vec![-90.0, 90.0, 0.0])
    ];
    (lng, lat).prop_map(|(lng, lat)| Coordinates::new(lng, lat).unwrap())
}

/// Strings made of what people type into a phone field, and of anything at all.
fn phone_input() -> impl Strategy<Value = String> {
    prop_oneof![
        "[+0-9 ().\\-\u{a0}\t]{0,24}",
        "(\\+|00)[0-9]{0,17}",
        "[+0-9\u{660}-\u{669}\u{ff10}-\u{ff19}a-z ]{0,20}",
        any::<String>(),
    ]
}

/// Text with the characters validators care about: control characters, Unicode white
/// space, multi-byte letters, case-changing letters.
fn text_input() -> impl Strategy<Value = String> {
    let tricky = prop::sample::select(vec![
        'a',
        'Z',
        ' ',
        '\t',
        '\n',
        '\r',
        '\u{0}',
        '\u{7}',
        '\u{1b}',
        '\u{7f}',
        '\u{85}',
        '\u{9f}',
        '\u{a0}',
        '\u{2028}',
        '\u{3000}',
        '\u{feff}',
        'é',
        'ß',
        'İ',
        '🎉',
        '\u{202e}',
        '\u{200b}',
        '\u{200d}',
        '\u{2066}',
        '\u{2069}',
        '\u{200f}',
        '\u{3164}',
        '\u{e0041}',
    ]);
    prop_oneof![
        any::<String>(),
        prop::collection::vec(tricky, 0..30).prop_map(|v| v.into_iter().collect()),
        // Around every length limit of API.md (40, 80, 120, 300, 500, 2000).
        (
            prop::sample::select(vec![
                39usize, 40, 41, 79, 80, 81, 119, 120, 121, 299, 300, 301, 499, 500, 501, 1999,
                2000, 2001
            ]),
            prop::sample::select(vec!["x", "é", "🎉", " "]),
            "[ \t\n]{0,3}"
        )
            .prop_map(|(n, c, pad)| format!("{pad}{}{pad}", c.repeat(n))),
    ]
}

/// Arbitrary JSON values, nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[0-9a-fA-F]{22,26}".prop_map(Value::String),
        prop::sample::select(CLIENT_TYPES.to_vec()).prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,16}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Objects shaped like client frames: a known (or nearly known) `type` and the field names
/// frames use, with values that are sometimes right and mostly not.
fn frame_like() -> impl Strategy<Value = Value> {
    let ty = prop_oneof![
        prop::sample::select(CLIENT_TYPES.to_vec()).prop_map(|s| Value::String(s.to_string())),
        json_value(),
    ];
    let field = prop::sample::select(vec![
        "event_id",
        "collectible_id",
        "coordinates",
        "message",
        "extra",
    ]);
    let value = prop_oneof![
        json_value(),
        "[0-9a-fA-F]{24}".prop_map(Value::String),
        (degrees(), degrees()).prop_map(|(a, b)| json!([a, b])),
        (-180.0..=180.0f64, -90.0..=90.0f64).prop_map(|(a, b)| json!([a, b])),
    ];
    (ty, prop::collection::vec((field, value), 0..4)).prop_map(|(ty, fields)| {
        let mut m = Map::new();
        m.insert("type".into(), ty);
        for (k, v) in fields {
            m.insert(k.to_string(), v);
        }
        Value::Object(m)
    })
}

// ---- helpers ----

/// The point `distance_m` from `from` along `bearing_rad` (the direct geodesic problem on
/// the sphere), longitude normalised to [-180, 180].
fn destination(from: &Coordinates, bearing_rad: f64, distance_m: f64) -> (f64, f64) {
    let d = distance_m / EARTH_RADIUS_M;
    let (phi1, lambda1) = (from.lat().to_radians(), from.lng().to_radians());
    let phi2 = (phi1.sin() * d.cos() + phi1.cos() * d.sin() * bearing_rad.cos())
        .clamp(-1.0, 1.0)
        .asin();
    let lambda2 = lambda1
        + (bearing_rad.sin() * d.sin() * phi1.cos()).atan2(d.cos() - phi1.sin() * phi2.sin());
    let mut lng = lambda2.to_degrees();
    while lng > 180.0 {
        lng -= 360.0;
    }
    while lng < -180.0 {
        lng += 360.0;
    }
    (lng, phi2.to_degrees().clamp(-90.0, 90.0))
}

/// The same position, bit for bit: the workspace turns on serde_json's `float_roundtrip`
/// feature, so a position read back from JSON is exactly the one written (without it,
/// serde_json's fast float parser may land one unit in the last place away).
fn same_position(a: &Coordinates, b: &Coordinates) -> bool {
    a.lng().to_bits() == b.lng().to_bits() && a.lat().to_bits() == b.lat().to_bits()
}

/// Equal messages, positions compared bit for bit ([`same_position`]).
fn same_message(a: &ClientMessage, b: &ClientMessage) -> bool {
    match (a, b) {
        (
            ClientMessage::LocationUpdate { coordinates: x },
            ClientMessage::LocationUpdate { coordinates: y },
        ) => same_position(x, y),
        _ => a == b,
    }
}

fn is_e164(s: &str) -> bool {
    let Some(digits) = s.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

fn has_forbidden_control(s: &str) -> bool {
    s.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
}

/// API.md: the embeddings, overrides and isolates of UAX #9, written out here on their own.
fn has_bidi_control(s: &str) -> bool {
    s.chars()
        .any(|c| ('\u{202a}'..='\u{202e}').contains(&c) || ('\u{2066}'..='\u{2069}').contains(&c))
}

/// Non-empty text with nothing that shows.
fn only_invisible(s: &str) -> bool {
    !s.is_empty() && s.chars().all(validate::is_invisible)
}

type TextValidator = fn(&str) -> Result<String, validate::ValidationError>;

/// Every text validator with its API.md bounds.
const TEXT_RULES: [(&str, TextValidator, usize, usize); 7] = [
    ("user_name", validate::user_name, 1, 80),
    ("title", validate::title, 1, 120),
    ("description", validate::description, 0, 2000),
    ("category", validate::category, 1, 40),
    ("address", validate::address, 0, 300),
    ("chat_message", validate::chat_message, 1, 500),
    ("collectible_name", validate::collectible_name, 1, 80),
];

// ---- coordinates and distance ----

proptest! {
    #![proptest_config(config())]

    /// API.md: longitude in [-180, 180], latitude in [-90, 90], finite; nothing else.
    #[test]
    fn coordinates_accept_exactly_finite_in_range_pairs(lng in degrees(), lat in degrees()) {
        let valid = lng.is_finite() && lat.is_finite()
            && (-180.0..=180.0).contains(&lng) && (-90.0..=90.0).contains(&lat);
        match Coordinates::new(lng, lat) {
            Ok(c) => {
                prop_assert!(valid, "accepted [{lng}, {lat}]");
                prop_assert_eq!((c.lng(), c.lat()), (lng, lat));
            }
            Err(e) => {
                prop_assert!(!valid, "refused [{lng}, {lat}]: {e}");
                // The sentence names the order (the common bug is a swapped pair).
                prop_assert!(e.to_string().contains("[longitude, latitude]"), "{}", e);
            }
        }
    }

    /// The wire form `[lng, lat]` is judged exactly like `Coordinates::new`.
    #[test]
    fn json_pairs_are_judged_like_new(lng in degrees(), lat in degrees()) {
        prop_assume!(lng.is_finite() && lat.is_finite());
        let parsed: Result<Coordinates, _> = serde_json::from_value(json!([lng, lat]));
        prop_assert_eq!(parsed.is_ok(), Coordinates::new(lng, lat).is_ok());
    }

    /// Valid coordinates survive JSON, alone and as a GeoJSON point, bit for bit.
    #[test]
    fn valid_coordinates_round_trip_through_json(c in valid_coordinates()) {
        let text = serde_json::to_string(&c).unwrap();
        let back: Coordinates = serde_json::from_str(&text).unwrap();
        prop_assert!(same_position(&back, &c), "{:?} came back as {:?}", c, back);
        // Written again, it reads back as itself: the drift does not accumulate.
        let again: Coordinates = serde_json::from_str(&serde_json::to_string(&back).unwrap()).unwrap();
        prop_assert!(same_position(&again, &c), "{:?} drifted to {:?}", c, again);
        let point = GeoPoint::from(c);
        let back: GeoPoint = serde_json::from_str(&serde_json::to_string(&point).unwrap()).unwrap();
        prop_assert!(same_position(&back.coordinates, &c));
    }

    #[test]
    fn distance_is_a_metric_bounded_by_half_the_circumference(
        a in valid_coordinates(),
        b in valid_coordinates(),
        c in valid_coordinates(),
    ) {
        let (ab, ba) = (a.distance_m(&b), b.distance_m(&a));
        prop_assert!(ab.is_finite() && ab >= 0.0, "{ab}");
        prop_assert!((ab - ba).abs() <= 1e-6, "not symmetric: {ab} vs {ba}");
        prop_assert_eq!(a.distance_m(&a), 0.0);
        prop_assert!(ab <= std::f64::consts::PI * EARTH_RADIUS_M + 1e-6, "{ab}");
        let (ac, bc) = (a.distance_m(&c), b.distance_m(&c));
        // Haversine loses a few millimetres near antipodes; a metre is far below any radius.
        prop_assert!(ac <= ab + bc + 1.0, "triangle: {ac} > {ab} + {bc}");
    }

    /// The index pre-filter never drops a point that the exact distance would keep.
    #[test]
    fn bounding_box_holds_every_point_within_the_radius(
        center in valid_coordinates(),
        radius in prop_oneof![1.0..=50_000.0f64, Just(50_000.0), Just(1.0)],
        bearing in 0.0..std::f64::consts::TAU,
        fraction in 0.0..=1.0f64,
    ) {
        let (min_lng, min_lat, max_lng, max_lat) = center.bounding_box(radius);
        prop_assert!(min_lng <= max_lng && min_lat <= max_lat);
        prop_assert!((-180.0..=180.0).contains(&min_lng) && (-180.0..=180.0).contains(&max_lng));
        prop_assert!((-90.0..=90.0).contains(&min_lat) && (-90.0..=90.0).contains(&max_lat));
        let (lng, lat) = destination(&center, bearing, radius * fraction);
        let p = Coordinates::new(lng, lat).unwrap();
        // Only points the search would keep count.
        prop_assume!(center.distance_m(&p) <= radius);
        prop_assert!(
            (min_lng..=max_lng).contains(&lng) && (min_lat..=max_lat).contains(&lat),
            "[{lng}, {lat}] at {} m of [{}, {}] is outside {:?}",
            center.distance_m(&p), center.lng(), center.lat(), (min_lng, min_lat, max_lng, max_lat)
        );
    }
}

// ---- validators ----

proptest! {
    #![proptest_config(config())]

    /// Whatever is accepted is stored as E.164, and normalising again changes nothing.
    #[test]
    fn phones_normalise_to_e164_idempotently(raw in phone_input()) {
        if let Ok(p) = validate::phone(&raw) {
            prop_assert!(is_e164(&p), "{raw:?} became {p:?}");
            prop_assert_eq!(validate::phone(&p), Ok(p.clone()));
            // The digits are the input's digits, in order: nothing invented, nothing lost
            // but a leading `00` international prefix.
            let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
            let digits = if raw.trim_start_matches([' ', '-', '(', ')', '.', '\u{a0}', '\t']).starts_with('+') {
                digits
            } else {
                digits.trim_start_matches("00").to_string()
            };
            prop_assert_eq!(&p[1..], digits.as_str());
        }
    }

    /// A refused phone always gets a sentence with an example of the right form.
    #[test]
    fn refused_phones_show_the_right_form(raw in phone_input()) {
        if let Err(e) = validate::phone(&raw) {
            prop_assert!(e.0.contains("+573001234567"), "{}", e.0);
        }
    }

    /// No validator lets through text that is too long, too short, untrimmed, holds a
    /// control character other than tab and newline or a bidirectional control, or shows
    /// nothing at all; and each accepts whatever obeys them.
    #[test]
    fn text_validators_enforce_length_and_characters(raw in text_input()) {
        for (name, check, min, max) in TEXT_RULES {
            let trimmed = raw.trim();
            let n = trimmed.chars().count();
            let should_pass = (min..=max).contains(&n)
                && !has_forbidden_control(trimmed)
                && !has_bidi_control(trimmed)
                && !only_invisible(trimmed);
            match check(&raw) {
                Ok(v) => {
                    prop_assert!(should_pass, "{name} accepted {raw:?}");
                    prop_assert!(!has_forbidden_control(&v), "{name}: {v:?}");
                    prop_assert!(!has_bidi_control(&v) && !only_invisible(&v), "{name}: {v:?}");
                    prop_assert_eq!(v.trim(), v.as_str(), "{} kept white space", name);
                    if name == "category" {
                        prop_assert_eq!(v.clone(), trimmed.to_lowercase());
                    } else {
                        prop_assert_eq!(v.as_str(), trimmed);
                        prop_assert!((min..=max).contains(&v.chars().count()), "{name}: {v:?}");
                    }
                }
                Err(e) => {
                    prop_assert!(!should_pass, "{name} refused {raw:?}: {e}");
                    prop_assert!(!e.0.is_empty());
                }
            }
        }
    }

    #[test]
    fn in_range_accepts_exactly_the_range(v in any::<i64>(), a in any::<i64>(), b in any::<i64>()) {
        let (min, max) = (a.min(b), a.max(b));
        prop_assert_eq!(validate::in_range("x", v, min, max).is_ok(), (min..=max).contains(&v));
    }
}

// ---- WebSocket frames ----

proptest! {
    #![proptest_config(config())]

    /// Any text at all gets an answer, never a panic; non-JSON is `invalid_json`.
    #[test]
    fn decode_never_panics_on_text(text in any::<String>()) {
        match ClientMessage::decode(&text) {
            Ok(msg) => {
                let back = ClientMessage::decode(&serde_json::to_string(&msg).unwrap()).unwrap();
                prop_assert!(same_message(&back, &msg), "{:?} came back as {:?}", msg, back);
            }
            Err(e) => {
                prop_assert!(!e.message.is_empty());
                if serde_json::from_str::<Value>(&text).is_err() {
                    prop_assert_eq!(e.code, error_code::INVALID_JSON);
                }
            }
        }
    }

    /// Any JSON value: classified as API.md says, and a decoded frame re-encodes to a frame
    /// that decodes to the same message.
    #[test]
    fn decode_classifies_json_and_round_trips(v in prop_oneof![json_value(), frame_like()]) {
        let text = v.to_string();
        let ty = v.as_object().and_then(|o| o.get("type")).and_then(Value::as_str);
        match ClientMessage::decode(&text) {
            Ok(msg) => {
                prop_assert!(ty.is_some_and(|t| CLIENT_TYPES.contains(&t)));
                let again = serde_json::to_string(&msg).unwrap();
                let back = ClientMessage::decode(&again).unwrap();
                prop_assert!(same_message(&back, &msg), "{:?} came back as {:?}", msg, back);
            }
            Err(e) => {
                let expected = if !v.is_object() {
                    error_code::INVALID_JSON
                } else if !ty.is_some_and(|t| CLIENT_TYPES.contains(&t)) {
                    error_code::UNKNOWN_TYPE
                } else {
                    error_code::INVALID_MESSAGE
                };
                prop_assert_eq!(e.code, expected, "{}: {}", text, e.message);
                // The sentence quotes at most 40 characters of an unknown type.
                prop_assert!(e.message.len() < 2000 + text.len(), "{}", e.message.len());
            }
        }
    }

    /// Every message a client can build survives encoding and decoding.
    #[test]
    fn every_client_message_round_trips(
        c in valid_coordinates(),
        id in "[0-9a-f]{24}",
        message in any::<String>(),
        which in 0usize..6,
    ) {
        let msg = match which {
            0 => ClientMessage::LocationUpdate { coordinates: c },
            1 => ClientMessage::JoinEvent { event_id: EventId::parse(&id).unwrap() },
            2 => ClientMessage::LeaveEvent { event_id: EventId::parse(&id).unwrap() },
            3 => ClientMessage::ChatMessage { event_id: EventId::parse(&id).unwrap(), message },
            4 => ClientMessage::ClaimCollectible { collectible_id: CollectibleId::parse(&id).unwrap() },
            _ => ClientMessage::Ping,
        };
        let text = serde_json::to_string(&msg).unwrap();
        let back = ClientMessage::decode(&text).unwrap();
        prop_assert!(same_message(&back, &msg), "{:?} came back as {:?}", msg, back);
    }
}

// ---- ids ----

proptest! {
    #![proptest_config(config())]

    /// API.md: ids are 24 hexadecimal digits; upper case is accepted and answered lower-case.
    #[test]
    fn ids_accept_exactly_24_hex_digits(
        s in prop_oneof![any::<String>(), "[0-9a-fA-F]{22,26}", "[0-9a-gA-G]{24}", "[0-9a-f\u{660}-\u{669}]{24}"],
    ) {
        let valid = s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit());
        match UserId::parse(&s) {
            Ok(id) => {
                prop_assert!(valid, "accepted {s:?}");
                prop_assert_eq!(id.as_str(), s.to_ascii_lowercase());
                prop_assert_eq!(UserId::parse(&id.to_string()), Ok(id.clone()));
                let back: UserId = serde_json::from_value(json!(s)).unwrap();
                prop_assert_eq!(back, id);
            }
            Err(e) => {
                prop_assert!(!valid, "refused {s:?}");
                prop_assert!(e.value.chars().count() <= 40);
                prop_assert!(serde_json::from_value::<EventId>(json!(s)).is_err());
            }
        }
        prop_assert_eq!(EventId::parse(&s).is_ok(), valid);
        prop_assert_eq!(CollectibleId::parse(&s).is_ok(), valid);
    }
}
