//! The REST route table: which path and method reach which handler, behind which
//! filters (authentication, rate limit, body parsing).

use std::convert::Infallible;
use std::net::IpAddr;
use std::time::Duration;

use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::Filter;

use super::error::ApiError;
use super::{auth, client, collectibles, events, input, ops, signin, users};
use crate::domain::state::{AppState, State};
use crate::ratelimit::RateLimiter;

fn with_state(state: State) -> impl Filter<Extract = (State,), Error = Infallible> + Clone {
    warp::any().map(move || state.clone())
}

/// Per-client limit on REST writes (registration, event creation, claims, ...): 429 with
/// `Retry-After` past `CPL_RATE_LIMIT` per second. The client is the peer, or whom a
/// trusted proxy names ([`client::address`]).
fn rate_limited(state: State) -> impl Filter<Extract = (), Error = warp::Rejection> + Clone {
    limited(state, |s| &s.rest_limit, ApiError::too_many_requests)
}

/// Per-client limit on profile lookups by id (`CPL_LOOKUPS_PER_MINUTE`): ids are not a
/// list to walk; the admin listing is the one way to enumerate users.
fn lookup_limited(state: State) -> impl Filter<Extract = (), Error = warp::Rejection> + Clone {
    let per_minute = state.config.lookups_per_minute;
    limited(
        state,
        |s| &s.lookup_limit,
        move |retry_after| {
            ApiError::RateLimited {
            retry_after,
            what: format!(
                "too many profile lookups from this client (more than {per_minute} a minute; CPL_LOOKUPS_PER_MINUTE)"
            ),
        }
        },
    )
}

/// Takes from the client's allowance in the limiter `pick` chooses; `refuse` is the 429.
fn limited(
    state: State,
    pick: fn(&AppState) -> &RateLimiter,
    refuse: impl Fn(Duration) -> ApiError + Clone + Send + Sync + 'static,
) -> impl Filter<Extract = (), Error = warp::Rejection> + Clone {
    client::address(state.clone())
        .and_then(move |client: Option<IpAddr>| {
            let state = state.clone();
            let refuse = refuse.clone();
            async move {
                pick(&state).check(client).map_err(|retry_after| {
                    state
                        .metrics
                        .rate_limited
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    warp::Rejection::from(refuse(retry_after))
                })
            }
        })
        .untuple_one()
}

/// `/api/users/me` and `/api/users/register` are routes of their own: when one is refused
/// (401 for `me`, 405 for `GET register`), the refusal must not be replaced by
/// `/api/users/{id}`'s "not an id" (422); a not-found rejection ranks last.
async fn not_me(id: String) -> Result<String, warp::Rejection> {
    if id == "me" || id == "register" {
        Err(warp::reject::not_found())
    } else {
        Ok(id)
    }
}

fn finish(r: Result<Response, ApiError>) -> Response {
    r.unwrap_or_else(ApiError::into_response)
}

/// Every REST route.
pub fn routes(state: State) -> BoxedFilter<(Response,)> {
    table(state).0
}

/// One operation the route table serves: its method (upper-case) and OpenAPI path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Served {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path template, `{name}` for a path parameter.
    pub path: String,
}

/// The route table's rows as it builds them. A row is made from a handler's
/// `#[utoipa::path]` item (`__path_<handler>`): the path and the method it matches are
/// the documented ones, so no route is served without a documented path, and the rows
/// are recorded so that a test can hold them to the document's operations.
struct Table {
    served: Vec<Served>,
    /// Rows whose template does not fit the filter asked for (a row of [`Table::at`]
    /// with a `{name}`, of [`Table::at_id`] without exactly one).
    misfits: Vec<String>,
}

impl Table {
    /// Operation `P`'s path, which has no parameter, and its method.
    fn at<P: utoipa::Path>(&mut self) -> BoxedFilter<()> {
        let Some(literals) = self.record::<P>(0) else {
            return refuse_all().untuple_one().boxed();
        };
        literals
            .into_iter()
            .flatten()
            .fold(warp::any().boxed(), |path, l| {
                path.and(warp::path(l)).boxed()
            })
            .and(warp::path::end())
            .and(method_of::<P>())
            .boxed()
    }

    /// Operation `P`'s path, with its one `{name}` segment extracted, and its method.
    fn at_id<P: utoipa::Path>(&mut self) -> BoxedFilter<(String,)> {
        let Some([before, after]) = self.record::<P>(1).and_then(|l| <[_; 2]>::try_from(l).ok())
        else {
            return refuse_all().map(|()| String::new()).boxed();
        };
        literals(before)
            .and(warp::path::param::<String>())
            .and(literals(after))
            .and(warp::path::end())
            .and(method_of::<P>())
            .boxed()
    }

    /// Operation `P`'s path, with its two `{name}` segments extracted in order, and its
    /// method.
    fn at_two_ids<P: utoipa::Path>(&mut self) -> BoxedFilter<(String, String)> {
        let Some([before, between, after]) =
            self.record::<P>(2).and_then(|l| <[_; 3]>::try_from(l).ok())
        else {
            return refuse_all()
                .map(|()| (String::new(), String::new()))
                .untuple_one()
                .boxed();
        };
        literals(before)
            .and(warp::path::param::<String>())
            .and(literals(between))
            .and(warp::path::param::<String>())
            .and(literals(after))
            .and(warp::path::end())
            .and(method_of::<P>())
            .boxed()
    }

    /// Records `P` and splits its path at its parameters: the literal segments before the
    /// first, between, and after the last. `None` (a misfit, served nowhere) when it does
    /// not have `params` parameters or does not document exactly one method.
    fn record<P: utoipa::Path>(&mut self, params: usize) -> Option<Vec<Vec<String>>> {
        let template = P::path();
        let mut literals = vec![Vec::new()];
        for segment in template.split('/').filter(|s| !s.is_empty()) {
            if segment.starts_with('{') && segment.ends_with('}') {
                literals.push(Vec::new());
            } else if let Some(last) = literals.last_mut() {
                last.push(segment.to_string());
            }
        }
        let methods = P::methods();
        for m in &methods {
            self.served.push(Served {
                method: method_name(m).to_string(),
                path: template.clone(),
            });
        }
        if literals.len() != params + 1 || methods.len() != 1 {
            self.misfits.push(template);
            return None;
        }
        Some(literals)
    }
}

/// A filter matching these literal path segments in order.
fn literals(segments: Vec<String>) -> BoxedFilter<()> {
    segments.into_iter().fold(warp::any().boxed(), |path, l| {
        path.and(warp::path(l)).boxed()
    })
}

fn method_name(m: &utoipa::openapi::HttpMethod) -> &'static str {
    use utoipa::openapi::HttpMethod;
    match m {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
        HttpMethod::Put => "PUT",
        HttpMethod::Delete => "DELETE",
        HttpMethod::Options => "OPTIONS",
        HttpMethod::Head => "HEAD",
        HttpMethod::Patch => "PATCH",
        HttpMethod::Trace => "TRACE",
    }
}

/// The method filter of operation `P` (its first method; a row documents one). A `GET`
/// row takes `HEAD` too (RFC 9110 section 9.3.2): the same answer, whose body hyper leaves
/// out.
fn method_of<P: utoipa::Path>() -> BoxedFilter<()> {
    use utoipa::openapi::HttpMethod;
    match P::methods().first() {
        Some(HttpMethod::Get) => warp::get().or(warp::head()).unify().boxed(),
        Some(HttpMethod::Post) => warp::post().boxed(),
        Some(HttpMethod::Put) => warp::put().boxed(),
        Some(HttpMethod::Delete) => warp::delete().boxed(),
        Some(HttpMethod::Patch) => warp::patch().boxed(),
        Some(HttpMethod::Head) => warp::head().boxed(),
        Some(HttpMethod::Options) => warp::options().boxed(),
        _ => refuse_all().untuple_one().boxed(),
    }
}

/// Refuses every request with a not-found: what a row that does not fit its template
/// serves (the route-table test names it).
fn refuse_all() -> impl Filter<Extract = ((),), Error = warp::Rejection> + Clone {
    warp::any().and_then(|| async { Err::<(), _>(warp::reject::not_found()) })
}

/// The route tree and the rows it serves.
fn table(state: State) -> (BoxedFilter<(Response,)>, Table) {
    let mut t = Table {
        served: Vec::new(),
        misfits: Vec::new(),
    };
    let s = || with_state(state.clone());
    let user = || auth::user(state.clone());
    let caller = || auth::optional_caller(state.clone());
    let limit = || rate_limited(state.clone());
    let lookups = || lookup_limited(state.clone());
    let q = input::raw_query;

    let users = t
        .at::<users::__path_register>()
        .and(limit())
        .and(s())
        .and(input::json_body())
        .then(users::register)
        .map(finish)
        .or(t
            .at::<users::__path_me>()
            .and(user())
            .then(users::me)
            .map(finish))
        .unify()
        .or(t
            .at::<users::__path_list>()
            .and(auth::admin(state.clone()))
            .and(s())
            .and(q())
            .then(|(), st, qs| users::list(st, qs))
            .map(finish))
        .unify()
        .or(t
            .at_id::<users::__path_get>()
            .and_then(not_me)
            .and(lookups())
            .and(caller())
            .then({
                let st = state.clone();
                move |id, c| users::get(st.clone(), id, c)
            })
            .map(finish))
        .unify()
        .or(t
            .at_id::<users::__path_collectibles>()
            .and(lookups())
            .and(q())
            .then({
                let st = state.clone();
                move |id, qs| users::collectibles(st.clone(), id, qs)
            })
            .map(finish))
        .unify()
        .or(t
            .at_id::<users::__path_reset_token>()
            .and(limit())
            .and(caller())
            .then({
                let st = state.clone();
                move |id, c| users::reset_token(st.clone(), id, c)
            })
            .map(finish))
        .unify()
        .or(t
            .at_id::<users::__path_erase>()
            .and_then(not_me)
            .and(limit())
            .and(q())
            .and(caller())
            .then({
                let st = state.clone();
                move |id, qs, c| users::erase(st.clone(), id, qs, c)
            })
            .map(finish))
        .unify()
        .boxed();

    let events = t
        .at::<events::__path_create>()
        .and(limit())
        .and(s())
        .and(user())
        .and(q())
        .and(input::json_body())
        .then(events::create)
        .map(finish)
        .or(t
            .at::<events::__path_list>()
            .and(s())
            .and(caller())
            .and(q())
            .then(events::list)
            .map(finish))
        .unify()
        .or(t
            .at::<events::__path_nearby>()
            .and(s())
            .and(q())
            .then(events::nearby)
            .map(finish))
        .unify()
        .or(t
            .at_id::<events::__path_get>()
            .then({
                let st = state.clone();
                move |id| events::get(st.clone(), id)
            })
            .map(finish))
        .unify()
        .or(t
            .at_id::<events::__path_join>()
            .and(user())
            .and(q())
            .then({
                let st = state.clone();
                move |id, u, qs| events::join(st.clone(), id, u, qs)
            })
            .map(finish))
        .unify()
        .or(t
            .at_id::<events::__path_leave>()
            .and(user())
            .and(q())
            .then({
                let st = state.clone();
                move |id, u, qs| events::leave(st.clone(), id, u, qs)
            })
            .map(finish))
        .unify()
        .or(t
            .at_id::<events::__path_end>()
            .and(auth::caller(state.clone()))
            .and(q())
            .then({
                let st = state.clone();
                move |id, c, qs| events::end(st.clone(), id, c, qs)
            })
            .map(finish))
        .unify()
        .or(t
            .at_id::<events::__path_participants>()
            .and(q())
            .then({
                let st = state.clone();
                move |id, qs| events::participants(st.clone(), id, qs)
            })
            .map(finish))
        .unify()
        .or(t
            .at_id::<events::__path_messages>()
            .and(q())
            .then({
                let st = state.clone();
                move |id, qs| events::messages(st.clone(), id, qs)
            })
            .map(finish))
        .unify()
        .or(t
            .at_two_ids::<events::__path_delete_message>()
            .and(auth::caller(state.clone()))
            .then({
                let st = state.clone();
                move |id, message, c| events::delete_message(st.clone(), id, message, c)
            })
            .map(finish))
        .unify()
        .or(t
            .at_id::<events::__path_transcriptions>()
            .and(q())
            .then({
                let st = state.clone();
                move |id, qs| events::transcriptions(st.clone(), id, qs)
            })
            .map(finish))
        .unify()
        .or(t
            .at_id::<events::__path_drop_collectible>()
            .and(auth::admin(state.clone()))
            .and(input::optional_json_body())
            .then({
                let st = state.clone();
                move |id, (), body| events::drop_collectible(st.clone(), id, body)
            })
            .map(finish))
        .unify()
        .boxed();

    let collectibles = t
        .at::<collectibles::__path_claim>()
        .and(limit())
        .and(s())
        .and(user())
        .and(q())
        .then(collectibles::claim)
        .map(finish)
        .or(t
            .at_id::<collectibles::__path_active>()
            .then({
                let st = state.clone();
                move |id| collectibles::active(st.clone(), id)
            })
            .map(finish))
        .unify()
        .boxed();

    let ops = t
        .at::<ops::__path_health>()
        .and(s())
        .then(ops::health)
        .or(t.at::<ops::__path_health_live>().then(ops::health_live))
        .unify()
        .or(t
            .at::<ops::__path_health_ready>()
            .and(s())
            .then(ops::health_ready))
        .unify()
        .or(t
            .at::<ops::__path_metrics>()
            .and(auth::metrics_reader(state.clone()))
            .and(s())
            .then(ops::metrics))
        .unify()
        .or(t.at::<ops::__path_openapi_json>().then(ops::openapi_json))
        .unify()
        .or(t.at::<ops::__path_asyncapi_json>().then(ops::asyncapi_json))
        .unify()
        .or(t
            .at::<ops::__path_docs>()
            .and(warp::path::full())
            .then(ops::docs))
        .unify()
        .or(t.at_id::<ops::__path_docs_file>().then(ops::docs_file))
        .unify()
        .or(t
            .at::<ops::__path_redoc>()
            .and(warp::path::full())
            .then(ops::redoc))
        .unify()
        .boxed();

    let signin = t
        .at::<signin::__path_code>()
        .and(limit())
        .and(s())
        .and(client::address(state.clone()))
        .and(input::json_body())
        .then(signin::code)
        .map(finish)
        .or(t
            .at::<signin::__path_verify>()
            .and(limit())
            .and(s())
            .and(warp::header::optional::<String>("user-agent"))
            .and(input::json_body())
            .then(signin::verify)
            .map(finish))
        .unify()
        .or(t
            .at::<signin::__path_logout>()
            .and(s())
            .and(auth::user_session(state.clone()))
            .then(signin::logout)
            .map(finish))
        .unify()
        .or(t
            .at::<signin::__path_sessions>()
            .and(s())
            .and(auth::user_session(state.clone()))
            .then(signin::sessions)
            .map(finish))
        .unify()
        .or(t
            .at_id::<signin::__path_revoke_session>()
            .and(auth::user_session(state.clone()))
            .then({
                let st = state.clone();
                move |id, us| signin::revoke_session(st.clone(), id, us)
            })
            .map(finish))
        .unify()
        .boxed();

    let all = signin
        .or(users)
        .unify()
        .or(events)
        .unify()
        .or(collectibles)
        .unify()
        .or(ops)
        .unify()
        .boxed();
    (all, t)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeSet;

    use super::*;
    use crate::domain::state::AppState;
    use crate::http::{error, openapi};

    /// The one route table: every served route is a documented operation and every
    /// documented operation is served, and a request for each documented operation at its
    /// documented path reaches its route (not the "no such route" 404, not a 405).
    #[tokio::test]
    async fn served_routes_are_exactly_the_documented_operations() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::for_test(dir.path());
        let (filter, t) = table(state);
        assert!(
            t.misfits.is_empty(),
            "rows that do not fit: {:?}",
            t.misfits
        );

        let served: BTreeSet<Served> = t.served.iter().cloned().collect();
        assert_eq!(served.len(), t.served.len(), "a route is served twice");
        let documented: BTreeSet<Served> = openapi::operations()
            .into_iter()
            .map(|(method, path)| Served {
                method: method.to_ascii_uppercase(),
                path,
            })
            .collect();
        let undocumented: Vec<_> = served.difference(&documented).collect();
        let unserved: Vec<_> = documented.difference(&served).collect();
        assert!(
            undocumented.is_empty() && unserved.is_empty(),
            "served but not in the OpenAPI document: {undocumented:?}; \
             documented but not served: {unserved:?}"
        );

        let app = filter.recover(error::recover).unify();
        for op in &documented {
            let path: String = op
                .path
                .split('/')
                .map(|s| {
                    if s.starts_with('{') {
                        "6745a1b2c3d4e5f601234567"
                    } else {
                        s
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            let resp = warp::test::request()
                .method(&op.method)
                .path(&path)
                .reply(&app)
                .await;
            let body = String::from_utf8_lossy(resp.body());
            assert_ne!(resp.status(), 405, "{op:?}: {body}");
            assert!(
                !(resp.status() == 404 && body.contains("no such route")),
                "{op:?} is documented but no route serves {path}"
            );
            // HEAD wherever GET: the same status and headers (hyper leaves the body out).
            if op.method == "GET" {
                let head = warp::test::request()
                    .method("HEAD")
                    .path(&path)
                    .reply(&app)
                    .await;
                assert_eq!(head.status(), resp.status(), "HEAD {path}");
                assert_eq!(
                    head.headers().get("content-type"),
                    resp.headers().get("content-type"),
                    "HEAD {path}"
                );
            }
        }
    }
}
