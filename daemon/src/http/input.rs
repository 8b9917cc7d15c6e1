//! Reading what a client sent: JSON bodies (64 KiB at most), query strings and path ids,
//! each failure a sentence with the API.md status (400 malformed, 413 too large, 422 invalid).
//! Strict where serde's defaults are lenient: a repeated JSON key or query parameter, a
//! JSON array for an object, a malformed or non-UTF-8 percent escape are refused.

use bytes::{Buf, Bytes, BytesMut};
use citypulse::json::{self, JsonError};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use warp::Filter;

use super::error::{too_large, ApiError};
use super::serve::BodyDeadline;

/// The raw body, refused with 413 past 64 KiB whether or not a Content-Length was sent,
/// and with 408 when it has not arrived whole by the request's [`BodyDeadline`]
/// (`CPL_BODY_TIMEOUT` after its headers; the connection is then closed).
pub fn body_bytes() -> impl Filter<Extract = (Bytes,), Error = warp::Rejection> + Clone {
    warp::header::optional::<u64>("content-length")
        .and(warp::ext::optional::<BodyDeadline>())
        .and(warp::body::stream())
        .and_then(
            |len: Option<u64>, deadline: Option<BodyDeadline>, stream| async move {
                let Some(BodyDeadline(deadline)) = deadline else {
                    // No connection (warp::test): nothing to wait for.
                    return collect_body(len, stream).await;
                };
                match tokio::time::timeout_at(deadline, collect_body(len, stream)).await {
                    Ok(body) => body,
                    Err(_) => Err(warp::Rejection::from(ApiError::RequestTimeout(
                        "the request body did not arrive in time; send the whole body right after the headers".into(),
                    ))),
                }
            },
        )
}

async fn collect_body<S, B>(len: Option<u64>, stream: S) -> Result<Bytes, warp::Rejection>
where
    S: futures_util::Stream<Item = Result<B, warp::Error>> + Send,
    B: Buf,
{
    if len.is_some_and(|l| l > citypulse::MAX_BODY_BYTES) {
        return Err(warp::Rejection::from(
            ApiError::PayloadTooLarge(too_large()),
        ));
    }
    let mut stream = Box::pin(stream);
    let mut buf = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let mut chunk =
            chunk.map_err(|e| warp::Rejection::from(ApiError::BadRequest(unreadable_body(&e))))?;
        if buf.len() + chunk.remaining() > citypulse::MAX_BODY_BYTES as usize {
            return Err(warp::Rejection::from(
                ApiError::PayloadTooLarge(too_large()),
            ));
        }
        while chunk.has_remaining() {
            let part = chunk.chunk();
            let n = part.len();
            buf.extend_from_slice(part);
            chunk.advance(n);
        }
    }
    Ok(buf.freeze())
}

/// Why a body could not be read, for a person: hyper's own words ("error reading a body
/// from connection") say nothing a client can act on. The cause is the I/O error under it.
fn unreadable_body(e: &warp::Error) -> String {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(c) = cause {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::UnexpectedEof => {
                    "the request body ended before its announced length (Content-Length, or chunked encoding without its final zero-size chunk); send the whole body".into()
                }
                std::io::ErrorKind::InvalidData | std::io::ErrorKind::InvalidInput => {
                    "the request body's chunked encoding is malformed; send each chunk as its size in hexadecimal, CRLF, the data, CRLF, and end with a zero-size chunk (RFC 9112 section 7.1), or send a Content-Length instead".into()
                }
                _ => break,
            };
        }
        cause = c.source();
    }
    "the request body could not be read; send it again, whole, with a correct Content-Length".into()
}

/// A JSON body of type `T`: 400 when it is not JSON, 422 when it is JSON of the wrong shape.
pub fn json_body<T: DeserializeOwned + Send>(
) -> impl Filter<Extract = (T,), Error = warp::Rejection> + Clone {
    body_bytes().and_then(|bytes: Bytes| async move {
        parse_json::<T>(&bytes).map_err(warp::Rejection::from)
    })
}

/// An optional JSON body: empty means `T::default()`.
pub fn optional_json_body<T: DeserializeOwned + Default + Send>(
) -> impl Filter<Extract = (T,), Error = warp::Rejection> + Clone {
    body_bytes().and_then(|bytes: Bytes| async move {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(T::default());
        }
        parse_json::<T>(&bytes).map_err(warp::Rejection::from)
    })
}

/// Parses a JSON object, telling syntax (400) from shape (422) errors: [`citypulse::json`]
/// refuses a key repeated anywhere and anything but an object, and its sentences name the
/// field and no Rust type.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest(
            "the request body is empty; send a JSON object (see /docs)".into(),
        ));
    }
    // Syntax first, shape second: a truncated body is a 400 even when the part that did
    // arrive already breaks a validation rule.
    json::parse_object(bytes, "the request body").map_err(|e| match e {
        JsonError::Syntax(e) => {
            ApiError::BadRequest(format!("the request body is not valid JSON: {e}"))
        }
        JsonError::Shape(e) => ApiError::Validation(e),
    })
}

/// The query string (empty when there is none).
pub fn raw_query() -> impl Filter<Extract = (String,), Error = std::convert::Infallible> + Clone {
    warp::query::raw().or(warp::any().map(String::new)).unify()
}

/// Parses a query string into `T`; 422 naming the parameter on failure. The string must be
/// well formed first ([`check_query`]): serde_urlencoded alone would read `%FF` as U+FFFD
/// and `%ZZ` as itself, and keep one of two equal parameters, answering for a question
/// the client did not ask.
pub fn parse_query<T: DeserializeOwned>(raw: &str) -> Result<T, ApiError> {
    check_query(raw)?;
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(raw.as_bytes()));
    json::deserialize_named(de).map_err(|e| {
        let msg = if let Some(name) = e.message.strip_prefix("missing field ") {
            format!("missing query parameter {}", name.replace('`', ""))
        } else if let Some(rest) = e.message.strip_prefix("unknown field ") {
            format!("unknown query parameter {}", rest.replace('`', ""))
        } else if let Some(field) = &e.field {
            format!("query parameter {field}: {}", e.message)
        } else {
            format!("invalid query string: {}", e.message)
        };
        ApiError::Validation(msg)
    })
}

/// API.md "Query strings": `name=value` pairs joined by `&`, each name and value
/// percent-encoded UTF-8 (`+` is a space), each name at most once. 422 with a sentence for
/// a `%` not followed by two hexadecimal digits, for bytes that are not UTF-8 once
/// decoded, and for a repeated parameter.
pub fn check_query(raw: &str) -> Result<(), ApiError> {
    let mut seen = std::collections::HashSet::new();
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode_component(name).map_err(|why| {
            ApiError::Validation(format!(
                "invalid query string: the parameter name {:?} {why}",
                name.chars().take(40).collect::<String>()
            ))
        })?;
        let shown = name.chars().take(40).collect::<String>();
        decode_component(value).map_err(|why| {
            ApiError::Validation(format!("query parameter {shown}: the value {why}"))
        })?;
        if !seen.insert(name) {
            return Err(ApiError::Validation(format!(
                "query parameter {shown} is given more than once; send it once"
            )));
        }
    }
    Ok(())
}

/// Decodes one percent-encoded name or value, strictly.
fn decode_component(raw: &str) -> Result<String, &'static str> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or("has a '%' not followed by two hexadecimal digits; write a literal % as %25")?;
                out.push(hex);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out)
        .map_err(|_| "is not UTF-8 once percent-decoded (such as %FF); percent-encode the UTF-8 bytes of the text")
}

/// Parses a path id of kind `T` (422 when malformed; the handler answers 404 when unknown).
pub fn id<T: std::str::FromStr<Err = citypulse::ids::InvalidId>>(raw: &str) -> Result<T, ApiError> {
    raw.parse::<T>().map_err(ApiError::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Q {
        lng: f64,
    }

    #[test]
    fn json_errors_are_classified() {
        assert!(matches!(
            parse_json::<Q>(b"{"),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(parse_json::<Q>(b""), Err(ApiError::BadRequest(_))));
        match parse_json::<Q>(b"{\"lng\":\"x\"}") {
            Err(ApiError::Validation(m)) => assert!(!m.contains("line 1"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn query_errors_name_the_parameter() {
        match parse_query::<Q>("") {
            Err(ApiError::Validation(m)) => {
                assert!(m.contains("missing query parameter lng"), "{m}")
            }
            other => panic!("{other:?}"),
        }
        match parse_query::<Q>("lng=abc") {
            Err(ApiError::Validation(m)) => assert!(m.starts_with("query parameter lng: "), "{m}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(parse_query::<Q>("lng=1.5").unwrap().lng, 1.5);
        assert_eq!(parse_query::<Q>("lng=1.5&other=x").unwrap().lng, 1.5);
    }

    fn refused(raw: &str) -> String {
        match check_query(raw) {
            Err(ApiError::Validation(m)) => m,
            other => panic!("{raw}: {other:?}"),
        }
    }

    #[test]
    fn malformed_query_strings_are_refused_with_a_sentence() {
        for ok in [
            "",
            "a=1",
            "a=1&b=",
            "a",
            "a=%C3%A9+x&b=%2B",
            "&&a=1&",
            "q=50%25",
        ] {
            assert!(check_query(ok).is_ok(), "{ok}");
        }
        let m = refused("category=%FF");
        assert!(
            m.starts_with("query parameter category: ") && m.contains("UTF-8"),
            "{m}"
        );
        let m = refused("category=%C3");
        assert!(m.contains("UTF-8"), "{m}");
        for bad in ["q=50%", "q=%Z1", "q=%1", "q=%+1", "q=%-1"] {
            assert!(refused(bad).contains("%25"), "{bad}");
        }
        let m = refused("%FF=1");
        assert!(m.contains("parameter name"), "{m}");
        let m = refused("limit=1&limit=2");
        assert!(m.contains("limit is given more than once"), "{m}");
        // Equal once decoded is the same parameter.
        assert!(refused("limit=1&l%69mit=2").contains("more than once"));
        // parse_query checks first.
        assert!(matches!(
            parse_query::<Q>("lng=1&lng=2"),
            Err(ApiError::Validation(_))
        ));
    }

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Strict {
        token: Option<String>,
    }

    #[test]
    fn unknown_parameters_are_named_where_refused() {
        match parse_query::<Strict>("token=a&user_id=zz") {
            Err(ApiError::Validation(m)) => {
                assert!(m.starts_with("unknown query parameter user_id"), "{m}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bodies_are_strict_json_objects() {
        match parse_json::<Q>(b"{\"lng\":1,\"lng\":2}") {
            Err(ApiError::Validation(m)) => assert!(m.contains("\"lng\" appears twice"), "{m}"),
            other => panic!("{other:?}"),
        }
        match parse_json::<Q>(b"[]") {
            Err(ApiError::Validation(m)) => {
                assert!(
                    m.starts_with("the request body must be a JSON object"),
                    "{m}"
                );
                assert!(!m.contains('Q'), "{m}");
            }
            other => panic!("{other:?}"),
        }
        // Truncated: syntax first.
        assert!(matches!(
            parse_json::<Q>(b"{\"lng\":1,\"lng\""),
            Err(ApiError::BadRequest(_))
        ));
    }
}
