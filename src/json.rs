//! Strict JSON for what clients send: REST bodies and WebSocket text frames.
//!
//! serde_json on its own keeps the last of two equal keys, so `{"phone":"A","phone":"B"}`
//! registers B while a proxy, a log or the client's own check may have looked at A: what
//! was meant and what was stored differ without a word. Here a key repeated in any object,
//! at any depth, is refused, naming the key. A shape error names the field it is about
//! (`starts_at: ...`) and never a Rust type name (`expected struct CreateEventRequest`
//! tells a client nothing and tells an attacker what the server is written in).
//!
//! Two kinds of failure, so that callers keep API.md's "syntax first, shape second":
//! [`JsonError::Syntax`] (not JSON: 400, `invalid_json`) and [`JsonError::Shape`] (JSON of
//! the wrong shape: 422, `invalid_message`).

use std::fmt;

use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Why client JSON was refused; the sentence is meant for a person.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// Not JSON at all: malformed, truncated, trailing bytes, nested too deep.
    #[error("{0}")]
    Syntax(String),
    /// JSON, but not of the shape asked for: a repeated key, not an object, a field
    /// missing, unknown or of the wrong type.
    #[error("{0}")]
    Shape(String),
}

/// Parses JSON, refusing a key repeated in any object. The value is what serde_json would
/// have built. Syntax is judged first: a truncated body is a syntax error even when the
/// part that arrived already repeats a key.
pub fn parse_value(bytes: &[u8]) -> Result<Value, JsonError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let repeated = std::cell::RefCell::new(None);
    let value = Strict {
        path: &Path::Root,
        repeated: &repeated,
    }
    .deserialize(&mut de)
    .and_then(|v| de.end().map(|()| v))
    .map_err(|e| JsonError::Syntax(e.to_string()))?;
    match repeated.into_inner() {
        Some(sentence) => Err(JsonError::Shape(sentence)),
        None => Ok(value),
    }
}

/// Parses a JSON object into `T`: [`parse_value`], then a refusal of anything that is not
/// an object (`what` names it in the sentence: "the request body", "the frame"), then
/// [`from_value`].
pub fn parse_object<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, JsonError> {
    let value = parse_value(bytes)?;
    if !value.is_object() {
        return Err(not_an_object(what, &value));
    }
    from_value(value)
}

/// The sentence for JSON that is not an object where one was expected.
pub fn not_an_object(what: &str, value: &Value) -> JsonError {
    JsonError::Shape(format!(
        "{what} must be a JSON object ({{\"field\": value, ...}}), not {}",
        kind(value)
    ))
}

/// Converts a parsed value into `T`; a failure names the field it is about.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, JsonError> {
    deserialize_named(value).map_err(|e| JsonError::Shape(e.to_string()))
}

/// A shape error from [`deserialize_named`]: the field (when known) and the sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Where the error is (`starts_at`, `words[2].start`); `None` for the whole input.
    pub field: Option<String>,
    /// What was wrong, with Rust type names taken out.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Deserializes `T` from any serde deserializer (a JSON value, a query string), keeping
/// track of the field being read so that the error can name it.
pub fn deserialize_named<'de, D, T>(de: D) -> Result<T, FieldError>
where
    D: Deserializer<'de>,
    D::Error: fmt::Display,
    T: serde::Deserialize<'de>,
{
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = field_of(e.path());
        FieldError {
            field,
            message: scrub_type_names(&strip_position(&e.inner().to_string())),
        }
    })
}

/// `a.b[2].c`, or `None` for the root. A part serde could not follow (inside an
/// internally tagged enum) ends the path where it was last known.
fn field_of(path: &serde_path_to_error::Path) -> Option<String> {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Unknown => break,
        }
    }
    (!out.is_empty()).then_some(out)
}

/// serde_json ends its messages with " at line 1 column 42", noise for a person. Only
/// that ending is cut: a client's own text quoted earlier in the message stays whole.
pub fn strip_position(msg: &str) -> String {
    if let Some(i) = msg.rfind(" at line ") {
        let tail = &msg[i + " at line ".len()..];
        let is_position = tail.split_once(" column ").is_some_and(|(line, col)| {
            [line, col]
                .iter()
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        });
        if is_position {
            return msg[..i].to_string();
        }
    }
    msg.to_string()
}

/// What serde's derived code says it expected, by kind of Rust item, and how to say it to
/// a client. Longest first, so "struct variant" is not read as "struct".
const RUST_ITEMS: [(&str, &str); 12] = [
    ("internally tagged enum ", "a JSON object with a \"type\""),
    ("adjacently tagged enum ", "a JSON object with a \"type\""),
    ("untagged enum ", "one of the documented shapes"),
    ("struct variant ", "a JSON object"),
    ("tuple variant ", "an array"),
    ("newtype variant ", "a value"),
    ("unit variant ", "a string"),
    ("tuple struct ", "an array"),
    ("newtype struct ", "a value"),
    ("unit struct ", "null"),
    ("struct ", "a JSON object"),
    ("enum ", "one of the documented values"),
];

/// serde's words for JSON things, and for Rust's number types, as a JSON client says them.
const PLAIN_WORDS: [(&str, &str); 16] = [
    ("invalid type: map,", "invalid type: object,"),
    ("invalid type: sequence,", "invalid type: array,"),
    ("invalid value: map,", "invalid value: object,"),
    // What serde_json says for a unit-only enum given something else than a string.
    ("expected string or map", "expected a string"),
    ("expected map with a single key", "expected a string"),
    ("expected u8", "expected a whole number, 0 or more"),
    ("expected u16", "expected a whole number, 0 or more"),
    ("expected u32", "expected a whole number, 0 or more"),
    ("expected u64", "expected a whole number, 0 or more"),
    ("expected usize", "expected a whole number, 0 or more"),
    ("expected i8", "expected a whole number"),
    ("expected i16", "expected a whole number"),
    ("expected i32", "expected a whole number"),
    ("expected i64", "expected a whole number"),
    ("expected f32", "expected a number"),
    ("expected f64", "expected a number"),
];

/// Replaces "struct CreateEventRequest", "u32" and the like in a serde message with what
/// the client has to send, in JSON's words.
pub fn scrub_type_names(msg: &str) -> String {
    let mut out = scrub_items(msg);
    for (rust, plain) in PLAIN_WORDS {
        let mut from = 0;
        while let Some(i) = out[from..].find(rust).map(|i| i + from) {
            let end = i + rust.len();
            // Whole words only: "expected u8" is not the start of "expected u8s".
            if out[end..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
                from = end;
                continue;
            }
            out.replace_range(i..end, plain);
            from = i + plain.len();
        }
    }
    out
}

/// Replaces what serde's derived code names by kind of Rust item.
fn scrub_items(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    'scan: while !rest.is_empty() {
        for (item, plain) in RUST_ITEMS {
            // Only where serde names an item: after "expected " or "variant of ".
            if let Some(after) = rest.strip_prefix(item) {
                let ident_len = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                    .unwrap_or(after.len());
                let ident = &after[..ident_len];
                if ident.starts_with(|c: char| c.is_ascii_uppercase())
                    && (out.ends_with("expected ") || out.ends_with("variant of "))
                {
                    out.push_str(plain);
                    rest = &after[ident_len..];
                    continue 'scan;
                }
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

/// "an array", "a string", ... for a sentence.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Where a value sits in the document, for the duplicate-key sentence; built on the stack
/// as the parser descends, turned into text only when a key repeats.
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => Ok(()),
            Path::Key(Path::Root, key) => f.write_str(key),
            Path::Key(parent, key) => write!(f, "{parent}.{key}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// Builds a [`Value`] like serde_json's own, noting the first key an object repeats (the
/// parse goes on, so that a syntax error later in the input still wins).
struct Strict<'a> {
    path: &'a Path<'a>,
    repeated: &'a std::cell::RefCell<Option<String>>,
}

impl<'a> Strict<'a> {
    fn at(&self, path: &'a Path<'a>) -> Strict<'a> {
        Strict {
            path,
            repeated: self.repeated,
        }
    }
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        de.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        loop {
            let path = Path::Index(self.path, items.len());
            match seq.next_element_seed(self.at(&path))? {
                Some(item) => items.push(item),
                None => break,
            }
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = Path::Key(self.path, &key);
            let value = map.next_value_seed(self.at(&path))?;
            if object.contains_key(&key) {
                let mut first = self.repeated.borrow_mut();
                if first.is_none() {
                    let shown = key.chars().take(40).collect::<String>();
                    *first = Some(match self.path {
                        Path::Root => format!("key {shown:?} appears twice; send each key once"),
                        parent => {
                            format!("key {shown:?} appears twice in {parent}; send each key once")
                        }
                    });
                }
            }
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        n: u32,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        inner: Option<Inner>,
        list: Option<Vec<Inner>>,
    }

    fn shape(r: Result<impl fmt::Debug, JsonError>) -> String {
        match r {
            Err(JsonError::Shape(m)) => m,
            other => panic!("expected a shape error, got {other:?}"),
        }
    }

    #[test]
    fn values_are_what_serde_json_builds() {
        for text in [
            r#"{"a":[1,-2,3.5,1e300,"x",null,true,{"b":{}}],"c":18446744073709551615}"#,
            "[]",
            "\"é\\u00e9\"",
            "0",
        ] {
            let ours = parse_value(text.as_bytes()).unwrap();
            let theirs: Value = serde_json::from_str(text).unwrap();
            assert_eq!(ours, theirs, "{text}");
        }
    }

    #[test]
    fn repeated_keys_are_refused_at_any_depth_naming_the_key() {
        let m = shape(parse_value(br#"{"phone":"A","phone":"B"}"#));
        assert!(m.contains("\"phone\" appears twice"), "{m}");
        assert!(!m.contains("line"), "{m}");
        let m = shape(parse_value(br#"{"a":[{"x":1},{"y":1,"y":2}]}"#));
        assert!(m.contains("\"y\" appears twice in a[1]"), "{m}");
        // Equal keys in different objects are fine.
        assert!(parse_value(br#"{"a":{"x":1},"b":{"x":1}}"#).is_ok());
    }

    #[test]
    fn syntax_errors_stay_syntax_errors() {
        for bad in [&b"{"[..], b"{\"a\":1,\"a\"", b"[1,]", b"{} x", b"nul"] {
            assert!(
                matches!(parse_value(bad), Err(JsonError::Syntax(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(matches!(
            parse_value(deep.as_bytes()),
            Err(JsonError::Syntax(_))
        ));
    }

    #[test]
    fn non_objects_are_refused_without_type_names() {
        for (text, kind) in [
            ("[]", "an array"),
            ("[{\"name\":\"x\"}]", "an array"),
            ("\"x\"", "a string"),
            ("null", "null"),
            ("7", "a number"),
        ] {
            let m = shape(parse_object::<Outer>(text.as_bytes(), "the request body"));
            assert!(
                m.starts_with("the request body must be a JSON object"),
                "{m}"
            );
            assert!(m.ends_with(kind), "{m}");
            assert!(!m.contains("Outer"), "{m}");
        }
    }

    #[test]
    fn shape_errors_name_the_field_and_no_type() {
        let m = shape(parse_object::<Outer>(
            br#"{"name":"x","inner":[]}"#,
            "the body",
        ));
        assert!(m.starts_with("inner: "), "{m}");
        assert!(m.contains("a JSON object"), "{m}");
        assert!(!m.contains("Inner"), "{m}");
        let m = shape(parse_object::<Outer>(
            br#"{"name":"x","list":[{"n":1},{"n":"2"}]}"#,
            "the body",
        ));
        assert!(m.starts_with("list[1].n: "), "{m}");
        let m = shape(parse_object::<Outer>(br#"{"inner":null}"#, "the body"));
        assert_eq!(m, "missing field `name`");
        let m = shape(parse_object::<Outer>(
            br#"{"name":"x","nme":1}"#,
            "the body",
        ));
        assert!(
            m.starts_with("nme: unknown field") || m.starts_with("unknown field"),
            "{m}"
        );
    }

    /// A word that looks like a Rust type name: CamelCase, or one of the std/chrono names.
    fn rust_type_in(msg: &str) -> Option<&str> {
        msg.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .find(|w| {
                let upper = w.chars().filter(char::is_ascii_uppercase).count();
                let lower = w.chars().any(|c| c.is_ascii_lowercase());
                (upper >= 2 && lower)
                    || [
                        "String",
                        "Option",
                        "Vec",
                        "Utc",
                        "Rarity",
                        "Coordinates",
                        "Value",
                        "u8",
                        "u16",
                        "u32",
                        "u64",
                        "usize",
                        "i32",
                        "i64",
                        "f64",
                        "map",
                        "sequence",
                    ]
                    .contains(w)
            })
    }

    #[test]
    fn no_request_type_name_reaches_a_client() {
        use crate::api::{CreateEventRequest, DropRequest, RegisterRequest};
        use crate::ws::ClientMessage;
        let wrong = [
            json!([]),
            json!({}),
            json!(5),
            json!(-1),
            json!(1.5),
            json!("x"),
            json!(true),
            json!(null),
            json!([1, 2, 3]),
            json!({"a": 1}),
        ];
        let valid = [
            json!({"phone": "+573001234567", "name": "Ana"}),
            json!({"title": "t", "category": "c", "coordinates": [1, 2], "description": "d",
                   "address": "a", "starts_at": "2026-11-25T14:03:00Z", "ends_at": "2026-11-25T15:03:00Z"}),
            json!({"name": "n", "rarity": "rare", "points": 5, "expires_in": 30}),
            json!({"type": "chat_message", "event_id": "6745a1b2c3d4e5f601234567", "message": "m"}),
            json!({"type": "location_update", "coordinates": [1, 2]}),
            json!({"type": "claim_collectible", "collectible_id": "6745a1b2c3d4e5f601234567"}),
        ];
        let mut checked = 0;
        for (i, base) in valid.iter().enumerate() {
            let fields: Vec<String> = base.as_object().unwrap().keys().cloned().collect();
            let mut bodies: Vec<Value> = wrong.to_vec();
            for field in &fields {
                for w in &wrong {
                    let mut b = base.clone();
                    b[field.as_str()] = w.clone();
                    bodies.push(b);
                }
                let mut b = base.clone();
                b.as_object_mut().unwrap().remove(field);
                bodies.push(b);
            }
            for body in bodies {
                let text = body.to_string();
                let err = match i {
                    0 => parse_object::<RegisterRequest>(text.as_bytes(), "the body").err(),
                    1 => parse_object::<CreateEventRequest>(text.as_bytes(), "the body").err(),
                    2 => parse_object::<DropRequest>(text.as_bytes(), "the body").err(),
                    _ => ClientMessage::decode(&text)
                        .err()
                        .map(|e| JsonError::Shape(e.message)),
                };
                if let Some(JsonError::Shape(m) | JsonError::Syntax(m)) = err {
                    checked += 1;
                    assert!(rust_type_in(&m).is_none(), "{text}: {m}");
                }
            }
        }
        assert!(checked > 200, "{checked}");
    }

    #[test]
    fn type_names_are_scrubbed_only_where_serde_names_them() {
        assert_eq!(
            scrub_type_names("invalid type: sequence, expected struct CreateEventRequest"),
            "invalid type: array, expected a JSON object"
        );
        assert_eq!(
            scrub_type_names("invalid type: map, expected internally tagged enum ClientMessage"),
            "invalid type: object, expected a JSON object with a \"type\""
        );
        assert_eq!(
            scrub_type_names("data did not match any variant of untagged enum Id"),
            "data did not match any variant of one of the documented shapes"
        );
        // A client's own words are left alone.
        assert_eq!(
            scrub_type_names("unknown variant `struct Foo`, expected one of `a`"),
            "unknown variant `struct Foo`, expected one of `a`"
        );
        assert_eq!(
            scrub_type_names("invalid type: sequence, expected u32"),
            "invalid type: array, expected a whole number, 0 or more"
        );
        assert_eq!(
            scrub_type_names("invalid value: integer `-1`, expected u64"),
            "invalid value: integer `-1`, expected a whole number, 0 or more"
        );
        assert_eq!(scrub_type_names("expected u8s"), "expected u8s");
        let v = json!({"x": 1});
        assert_eq!(kind(&v), "an object");
    }
}
