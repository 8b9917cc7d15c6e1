//! The REST route table: which path and method reach which handler, behind which
//! filters (authentication, rate limit, body parsing).

use std::convert::Infallible;
use std::net::SocketAddr;

use warp::filters::BoxedFilter;
use warp::reply::Response;
use warp::Filter;

use super::error::ApiError;
use super::{auth, collectibles, events, input, ops, users};
use crate::domain::state::State;

fn with_state(state: State) -> impl Filter<Extract = (State,), Error = Infallible> + Clone {
    warp::any().map(move || state.clone())
}

/// Per-client limit on REST writes (registration, event creation, claims, ...): 429 with
/// `Retry-After` past `CPL_RATE_LIMIT` per second. The client is the peer, or whom a
/// trusted proxy names ([`crate::config::client_addr`]).
fn rate_limited(state: State) -> impl Filter<Extract = (), Error = warp::Rejection> + Clone {
    warp::addr::remote()
        .and(warp::header::headers_cloned())
        .and_then(
            move |addr: Option<SocketAddr>, headers: warp::http::HeaderMap| {
                let state = state.clone();
                async move {
                    let forwarded = headers
                        .get_all("x-forwarded-for")
                        .iter()
                        // Not text: no address, which ends the walk there.
                        .map(|v| v.to_str().unwrap_or("?"));
                    let client = state
                        .config
                        .trusted_proxies
                        .client(addr.map(|a| a.ip()), forwarded);
                    state.rest_limit.check(client).map_err(|retry_after| {
                        state
                            .metrics
                            .rate_limited
                            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        warp::Rejection::from(ApiError::RateLimited { retry_after })
                    })
                }
            },
        )
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
    use warp::{get, path, post};
    let s = || with_state(state.clone());
    let user = || auth::user(state.clone());
    let caller = || auth::optional_caller(state.clone());
    let limit = || rate_limited(state.clone());
    let q = input::raw_query;

    let users = path!("api" / "users" / "register")
        .and(post())
        .and(limit())
        .and(s())
        .and(input::json_body())
        .then(users::register)
        .map(finish)
        .or(path!("api" / "users" / "me")
            .and(get())
            .and(user())
            .then(users::me)
            .map(finish))
        .unify()
        .or(path!("api" / "users")
            .and(get())
            .and(auth::admin(state.clone()))
            .and(s())
            .then(|(), st| users::list(st))
            .map(finish))
        .unify()
        .or(path!("api" / "users" / String)
            .and(get())
            .and_then(not_me)
            .and(caller())
            .then({
                let st = state.clone();
                move |id, c| users::get(st.clone(), id, c)
            })
            .map(finish))
        .unify()
        .or(path!("api" / "users" / String / "collectibles")
            .and(get())
            .then({
                let st = state.clone();
                move |id| users::collectibles(st.clone(), id)
            })
            .map(finish))
        .unify()
        .or(path!("api" / "users" / String / "token")
            .and(post())
            .and(limit())
            .and(caller())
            .then({
                let st = state.clone();
                move |id, c| users::reset_token(st.clone(), id, c)
            })
            .map(finish))
        .unify()
        .boxed();

    let events = path!("api" / "events")
        .and(post())
        .and(limit())
        .and(s())
        .and(user())
        .and(q())
        .and(input::json_body())
        .then(events::create)
        .map(finish)
        .or(path!("api" / "events" / "nearby")
            .and(get())
            .and(s())
            .and(q())
            .then(events::nearby)
            .map(finish))
        .unify()
        .or(path!("api" / "events" / String)
            .and(get())
            .then({
                let st = state.clone();
                move |id| events::get(st.clone(), id)
            })
            .map(finish))
        .unify()
        .or(path!("api" / "events" / String / "join")
            .and(post())
            .and(user())
            .and(q())
            .then({
                let st = state.clone();
                move |id, u, qs| events::join(st.clone(), id, u, qs)
            })
            .map(finish))
        .unify()
        .or(path!("api" / "events" / String / "leave")
            .and(post())
            .and(user())
            .and(q())
            .then({
                let st = state.clone();
                move |id, u, qs| events::leave(st.clone(), id, u, qs)
            })
            .map(finish))
        .unify()
        .or(path!("api" / "events" / String / "end")
            .and(post())
            .and(user())
            .and(q())
            .then({
                let st = state.clone();
                move |id, u, qs| events::end(st.clone(), id, u, qs)
            })
            .map(finish))
        .unify()
        .or(path!("api" / "events" / String / "participants")
            .and(get())
            .then({
                let st = state.clone();
                move |id| events::participants(st.clone(), id)
            })
            .map(finish))
        .unify()
        .or(path!("api" / "events" / String / "messages")
            .and(get())
            .and(q())
            .then({
                let st = state.clone();
                move |id, qs| events::messages(st.clone(), id, qs)
            })
            .map(finish))
        .unify()
        .or(path!("api" / "events" / String / "transcriptions")
            .and(get())
            .and(q())
            .then({
                let st = state.clone();
                move |id, qs| events::transcriptions(st.clone(), id, qs)
            })
            .map(finish))
        .unify()
        .or(path!("api" / "events" / String / "collectibles")
            .and(post())
            .and(auth::admin(state.clone()))
            .and(input::optional_json_body())
            .then({
                let st = state.clone();
                move |id, (), body| events::drop_collectible(st.clone(), id, body)
            })
            .map(finish))
        .unify()
        .boxed();

    let collectibles = path!("api" / "collectibles" / "claim")
        .and(post())
        .and(limit())
        .and(s())
        .and(user())
        .and(q())
        .then(collectibles::claim)
        .map(finish)
        .or(path!("api" / "collectibles" / "active" / String)
            .and(get())
            .then({
                let st = state.clone();
                move |id| collectibles::active(st.clone(), id)
            })
            .map(finish))
        .unify()
        .boxed();

    let ops = path!("health")
        .and(get())
        .and(s())
        .then(ops::health)
        .or(path!("metrics").and(get()).and(s()).then(ops::metrics))
        .unify()
        .or(path!("openapi.json").and(get()).then(ops::openapi_json))
        .unify()
        .or(path!("docs").and(get()).then(ops::docs))
        .unify()
        .boxed();

    users
        .or(events)
        .unify()
        .or(collectibles)
        .unify()
        .or(ops)
        .unify()
        .boxed()
}
