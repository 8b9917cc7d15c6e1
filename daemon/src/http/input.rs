//! Reading what a client sent: JSON bodies (64 KiB at most), query strings and path ids,
//! each failure a sentence with the API.md status (400 malformed, 413 too large, 422 invalid).

use bytes::{Buf, Bytes, BytesMut};
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

/// Parses JSON, telling syntax (400) from shape (422) errors.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest(
            "the request body is empty; send a JSON object (see /docs)".into(),
        ));
    }
    // Syntax first, shape second: a truncated body is a 400 even when the part that did
    // arrive already breaks a validation rule.
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::BadRequest(format!("the request body is not valid JSON: {e}")))?;
    serde_json::from_value(value).map_err(|e| ApiError::Validation(strip_position(&e.to_string())))
}

/// serde_json ends data errors with " at line 1 column 42", noise for a person.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// The query string (empty when there is none).
pub fn raw_query() -> impl Filter<Extract = (String,), Error = std::convert::Infallible> + Clone {
    warp::query::raw().or(warp::any().map(String::new)).unify()
}

/// Parses a query string into `T`; 422 naming the parameter on failure.
pub fn parse_query<T: DeserializeOwned>(raw: &str) -> Result<T, ApiError> {
    serde_urlencoded::from_str(raw).map_err(|e| {
        let msg = e.to_string();
        let msg = msg
            .strip_prefix("missing field ")
            .map(|f| format!("missing query parameter {}", f.replace('`', "")))
            .unwrap_or(msg);
        ApiError::Validation(format!("invalid query string: {msg}"))
    })
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
        assert!(parse_query::<Q>("lng=abc").is_err());
        assert_eq!(parse_query::<Q>("lng=1.5").unwrap().lng, 1.5);
    }
}
