//! Cursor paging of lists (issue 18): reading the `cursor` a client sent back, cutting a
//! page out of what the store answered, and telling the client where the next page starts.
//!
//! Every paged list asks its store for one item more than the page holds: when that item
//! comes back there is a next page, whose cursor is the position of the page's last item
//! (its timestamp and id, the list's sort key); otherwise this page is the last and no
//! cursor is given, so a client never asks for an empty page to learn that.

use citypulse::api::{user_list, UserListQuery, NEXT_CURSOR_HEADER};
use citypulse::cursor::Cursor;
use citypulse::time::Timestamp;
use warp::http::HeaderValue;
use warp::reply::Response;
use warp::Reply;

use super::error::ApiError;
use super::input;
use crate::store::Before;

/// Where the page after `raw` starts; 422 naming `cursor` for one this server never gave.
pub fn start(raw: Option<&str>) -> Result<Option<Before>, ApiError> {
    raw.map(|r| {
        Cursor::decode(r)
            .map(Before::from)
            .map_err(ApiError::Validation)
    })
    .transpose()
}

/// What to ask the store for to fill a page of `limit`: one more, to know whether another
/// page follows.
pub fn fetch(limit: u32) -> u32 {
    limit.saturating_add(1)
}

/// The page of `limit` out of what [`fetch`] got, and the next page's cursor (None on the
/// last page); `key` is an item's position (its sort timestamp and id).
pub fn cut<T, Id: std::fmt::Display>(
    mut items: Vec<T>,
    limit: u32,
    key: impl Fn(&T) -> (Timestamp, &Id),
) -> (Vec<T>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if items.len() <= limit {
        return (items, None);
    }
    items.truncate(limit);
    let next = items.last().map(|last| {
        let (at, id) = key(last);
        Cursor::after(at, id).encode()
    });
    (items, next)
}

/// A JSON array answer, with its next page's cursor in [`NEXT_CURSOR_HEADER`] when there
/// is one: the lists that answered arrays before they were paged keep their body.
pub fn array<T: serde::Serialize>(items: &[T], next: Option<String>) -> Response {
    let mut answer = warp::reply::json(&items).into_response();
    if let Some(value) = next.and_then(|n| HeaderValue::from_str(&n).ok()) {
        answer.headers_mut().insert(NEXT_CURSOR_HEADER, value);
    }
    answer
}

/// The page size and start of a plain `limit`/`cursor` query (the user list, inventories,
/// participants): `limit` 1 to 1000, default 1000, what those lists answered in one go
/// before they were paged, so a client that does not page sees the same answer.
pub fn list_page(query: &str) -> Result<(u32, Option<Before>), ApiError> {
    let q: UserListQuery = input::parse_query(query)?;
    let limit = q.limit.unwrap_or(user_list::MAX_LIMIT);
    citypulse::validate::in_range("limit", limit as i64, 1, user_list::MAX_LIMIT as i64)?;
    Ok((limit, start(q.cursor.as_deref())?))
}
