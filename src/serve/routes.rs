//! The HTTP API.
//!
//! | route            | what                                                            |
//! |------------------|-----------------------------------------------------------------|
//! | `GET /events`    | subscribe: `?topic=` (repeatable, `*` = all), Last-Event-ID or `?lastEventId=` resumes, `?token=` |
//! | `POST /events`   | publish: raw body (`?topic= &event= &id= &retry=`) or JSON object / array |
//! | `GET /stats`     | counters as JSON                                                |
//! | `GET /health`    | `{"status":"ok"}`                                               |
//! | `GET /`          | the viewer page                                                 |
//! | `OPTIONS *`      | CORS preflight                                                  |
//!
//! Errors are JSON, `{"error": "…"}`, with a 4xx status: 400 bad input, 401 token, 403 a Host
//! or an Origin refused (guard.rs), 404 path, 405 method, 408 body too slow, 413 body or event
//! too large; 503 when the stream limit is reached, or the memory for bodies is taken. What
//! clients send is decoded and checked in decode.rs; reading a body is body.rs's.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::http::request;
use hyper::service::Service;
use hyper::{Method, Request, Response, StatusCode, Version};
use serde_json::{Value, json};
use tokio::sync::Notify;

use super::App;
use super::body;
use super::decode::{Query, events_from_json, is_json, topics, validate};
use super::guard::{self, Refusal};
use super::hub::{Publish, Refused};
use super::log::clipped;
use super::stream::EventStream;

/// A response body: a whole one, or an event stream.
pub type ServeBody = Either<Full<Bytes>, EventStream>;

/// The viewer page, embedded in the binary.
const VIEWER: &str = include_str!("viewer.html");

/// The service for one connection from `peer`. `kill` drops the connection (a slow subscriber).
pub fn service(
    app: Arc<App>,
    peer: SocketAddr,
    kill: Arc<Notify>,
) -> impl Service<
    Request<Incoming>,
    Response = Response<ServeBody>,
    Error = Infallible,
    Future = impl Future<Output = Result<Response<ServeBody>, Infallible>> + Send,
> + Clone {
    hyper::service::service_fn(move |req| {
        let app = app.clone();
        let kill = kill.clone();
        async move { Ok(handle(app, peer, kill, req).await) }
    })
}

async fn handle(
    app: Arc<App>,
    peer: SocketAddr,
    kill: Arc<Notify>,
    req: Request<Incoming>,
) -> Response<ServeBody> {
    let origin = req.headers().get(header::ORIGIN).cloned();
    let method = req.method().clone();
    let config = &app.config;
    let authority = guard::check_host(&config.hosts, req.version(), req.uri(), req.headers());
    let mut response = match (req.uri().path(), &method, authority) {
        (.., Err(refusal)) => refused(refusal),
        (_, &Method::OPTIONS, _) => preflight(&app, req.headers()),
        ("/events", &Method::GET, _) => {
            let (parts, _body) = req.into_parts();
            subscribe(&app, peer, kill, &parts).await
        }
        ("/events", &Method::POST, Ok(authority)) => {
            match guard::check_publish(&config.cors_origins, req.headers(), authority.as_deref()) {
                Ok(()) => publish(&app, peer, req).await,
                Err(refusal) => refused(refusal),
            }
        }
        ("/stats", &Method::GET, _) => stats(&app),
        ("/health", &Method::GET, _) => json_response(StatusCode::OK, &json!({"status": "ok"})),
        ("/", &Method::GET, _) => {
            let mut r = full(StatusCode::OK, VIEWER);
            set(&mut r, header::CONTENT_TYPE, "text/html; charset=utf-8");
            set(&mut r, header::CACHE_CONTROL, "no-cache");
            r
        }
        ("/events", ..) => not_allowed("GET, POST, OPTIONS"),
        ("/stats" | "/health" | "/", ..) => not_allowed("GET, OPTIONS"),
        (path, ..) => error(
            StatusCode::NOT_FOUND,
            &format!(
                "no route for {path}; try GET /events, POST /events, GET /stats, GET /health or GET /"
            ),
        ),
    };
    cors(&app, origin.as_ref(), response.headers_mut());
    response
}

/// `GET /events` read by the HTTP/1.1 fast path (serve/h1.rs), which has no hyper request:
/// the same answer as through hyper, CORS headers included.
pub async fn subscribe_request(
    app: &Arc<App>,
    peer: SocketAddr,
    kill: Arc<Notify>,
    req: &request::Parts,
) -> Response<ServeBody> {
    let hosts = &app.config.hosts;
    let mut response = match guard::check_host(hosts, req.version, &req.uri, &req.headers) {
        Ok(_) => subscribe(app, peer, kill, req).await,
        Err(refusal) => refused(refusal),
    };
    cors(app, req.headers.get(header::ORIGIN), response.headers_mut());
    response
}

async fn subscribe(
    app: &Arc<App>,
    peer: SocketAddr,
    kill: Arc<Notify>,
    req: &request::Parts,
) -> Response<ServeBody> {
    let query = match Query::parse(req.uri.query()) {
        Ok(q) => q,
        Err(msg) => return error(StatusCode::BAD_REQUEST, &msg),
    };
    if let Some(token) = &app.config.subscribe_token {
        let given = bearer(&req.headers)
            .map(str::to_owned)
            .or_else(|| query.first("token"));
        if !given.is_some_and(|g| same(&g, token)) {
            return unauthorized(
                "subscribing needs the subscribe token (Authorization: Bearer, or ?token=)",
            );
        }
    }
    let topics = match topics(query) {
        Ok(t) => t,
        Err(msg) => return error(StatusCode::BAD_REQUEST, &msg),
    };
    let last_event_id = req
        .headers
        .get("last-event-id")
        .map(|v| header_text(v.as_bytes()))
        .or_else(|| query.first("lastEventId"))
        .filter(|id| !id.is_empty());

    // Held until the stream ends, on every path: a client that hangs up during --latency
    // drops this handler mid-sleep, and the slot must come back then too.
    let slot = StreamSlot::take(app);
    if app
        .config
        .max_streams
        .is_some_and(|max| slot.before as usize >= max)
    {
        app.log.fault(
            &peer.to_string(),
            "refused: --max-connections reached (503)",
        );
        let mut r = error(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many event streams open (--max-connections)",
        );
        set(&mut r, header::RETRY_AFTER, "1");
        return r;
    }
    let faults = &app.config.faults;
    if let Some((rate, status)) = faults.fail {
        if app.random() < rate {
            app.stats.faults.fetch_add(1, Ordering::Relaxed);
            app.log.fault(
                &peer.to_string(),
                &format!("--fail-rate: answered {status}"),
            );
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            return error(status, "injected failure (--fail-rate)");
        }
    }
    if let Some(delay) = faults.latency {
        app.stats.faults.fetch_add(1, Ordering::Relaxed);
        app.log.fault(
            &peer.to_string(),
            &format!(
                "--latency: waiting {}",
                crate::units::format_duration(delay)
            ),
        );
        tokio::time::sleep(delay).await;
    }
    let (sub, replay) = match app.hub.subscribe(topics, last_event_id.as_deref(), kill) {
        Ok(pair) => pair,
        Err(msg) => return error(StatusCode::SERVICE_UNAVAILABLE, msg),
    };
    app.stats.streams_total.fetch_add(1, Ordering::Relaxed);
    let eol = app.config.hub.line_ending;
    let mut prelude = format!(":ssecat serve: subscribed to {}{eol}", sub.topics);
    if let Some(note) = &replay.note {
        prelude.push_str(&format!(":{note}{eol}"));
        let id = last_event_id.as_deref().unwrap_or_default();
        app.log.warn_throttled(&app.throttles.unknown_id, || {
            format!(
                "{peer} last-event-id {} is not in the history; replayed all {} retained events on its topics",
                clipped(id),
                replay.events
            )
        });
    }
    if let Some(ms) = app.config.retry {
        prelude.push_str(&format!("retry: {ms}{eol}"));
    }
    prelude.push_str(eol);
    let peer = peer.to_string();
    app.log
        .connect(&peer, &sub.topics, last_event_id.as_deref(), replay.events);
    let body = EventStream::new(app.clone(), slot, sub, peer, Bytes::from(prelude));
    let mut r = Response::new(Either::Right(body));
    set(
        &mut r,
        header::CONTENT_TYPE,
        "text/event-stream; charset=utf-8",
    );
    set(&mut r, header::CACHE_CONTROL, "no-cache, no-store");
    set(&mut r, "x-accel-buffering", "no");
    match req.version {
        Version::HTTP_11 => set(&mut r, header::CONNECTION, "keep-alive"),
        // A stream without a length ends when the connection does: not kept alive, whatever
        // an HTTP/1.0 client's `Connection: keep-alive` asked (hyper would echo it).
        Version::HTTP_10 | Version::HTTP_09 => set(&mut r, header::CONNECTION, "close"),
        _ => {}
    }
    r
}

/// One open event stream, counted in `streams.now` from creation to drop.
pub struct StreamSlot {
    app: Arc<App>,
    /// Streams open before this one.
    before: u64,
}

impl StreamSlot {
    fn take(app: &Arc<App>) -> StreamSlot {
        let before = app.stats.streams_now.fetch_add(1, Ordering::Relaxed);
        StreamSlot {
            app: app.clone(),
            before,
        }
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.app.stats.streams_now.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A header value as text: UTF-8 as the standard says, else Latin-1 (what a Node `fetch` sends
/// for a non-ASCII Last-Event-ID), so the ID still matches the one the client was sent.
fn header_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

async fn publish(app: &Arc<App>, peer: SocketAddr, req: Request<Incoming>) -> Response<ServeBody> {
    let started = tokio::time::Instant::now();
    if let Some(token) = &app.config.token {
        if !bearer(req.headers()).is_some_and(|g| same(g, token)) {
            return unauthorized("publishing needs the token (Authorization: Bearer TOKEN)");
        }
    }
    // The query's fields, read before the body (which consumes the request).
    let defaults = match Query::parse(req.uri().query()).and_then(Publish::from_query) {
        Ok(p) => p,
        Err(msg) => return error(StatusCode::BAD_REQUEST, &msg),
    };
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_json);
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let mut body = match body::read_publish(app, req.into_body(), declared, is_json, started).await
    {
        Ok(body) => body,
        Err(refusal) => return refused_body(refusal),
    };
    let events = if is_json {
        serde_json::from_slice::<&serde_json::value::RawValue>(&body.bytes)
            .map_err(|e| format!("the body is not valid JSON: {e}"))
            .and_then(|json| events_from_json(json, &defaults))
    } else {
        match String::from_utf8(body.bytes.to_vec()) {
            Ok(data) => Ok(vec![Publish { data, ..defaults }]),
            Err(_) => Err("the body is not UTF-8 text".to_owned()),
        }
    };
    let events = match events.and_then(validate) {
        Ok(events) => events,
        Err(msg) => return error(StatusCode::BAD_REQUEST, &msg),
    };
    let count = events.len();
    // The raw bytes are not needed any more; the decoded events keep the budget until out.
    body.bytes = Bytes::new();
    match app.hub.publish(events).await {
        Ok(p) => {
            app.log
                .publish(&format!("{peer} POST"), count, &p.id, p.delivered);
            json_response(
                StatusCode::OK,
                &json!({"id": p.id, "delivered": p.delivered}),
            )
        }
        Err(refused @ Refused::TooLarge { .. }) => {
            error(StatusCode::PAYLOAD_TOO_LARGE, &refused.to_string())
        }
        Err(refused) => error(StatusCode::SERVICE_UNAVAILABLE, &refused.to_string()),
    }
}

/// The answer to a body that could not be read or decoded: its connection is closed, as the
/// rest of the body may still be coming.
fn refused_body(refusal: body::Refusal) -> Response<ServeBody> {
    let mut r = error(refusal.status, &refusal.message);
    if refusal.retry_after {
        set(&mut r, header::RETRY_AFTER, "1");
    }
    set(&mut r, header::CONNECTION, "close");
    r
}

fn stats(app: &App) -> Response<ServeBody> {
    let (subscribers, per_topic) = app.hub.subscribers();
    let s = &app.stats;
    let c = &app.hub.counters;
    let get = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
    let topics: serde_json::Map<String, Value> =
        per_topic.into_iter().map(|(t, n)| (t, json!(n))).collect();
    json_response(
        StatusCode::OK,
        &json!({
            "uptime_secs": app.started.elapsed().as_secs_f64(),
            "connections": {"now": get(&s.connections_now), "total": get(&s.connections_total)},
            "streams": {"now": get(&s.streams_now), "total": get(&s.streams_total)},
            "subscribers": subscribers,
            "subscribers_per_topic": topics,
            "events_published": get(&c.events_published),
            "events_in_history": app.hub.history_len(),
            "event_memory_bytes": app.hub.event_memory(),
            "bytes_sent": get(&s.bytes_sent),
            "replays": get(&c.replays),
            "events_replayed": get(&c.events_replayed),
            "slow_disconnects": get(&c.slow_disconnects),
            "faults_injected": get(&s.faults),
            "event_types": app.hub.event_types(),
        }),
    )
}

/// `OPTIONS`: a CORS preflight. Refused for an origin `--cors-origin` does not list, and for a
/// publish from any origin it does not list (guard.rs).
fn preflight(app: &App, headers: &HeaderMap) -> Response<ServeBody> {
    let origins = &app.config.cors_origins;
    if !guard::any_origin(origins)
        && guard::listed_origin(origins, headers.get(header::ORIGIN)).is_none()
    {
        return error(StatusCode::FORBIDDEN, "origin not allowed (--cors-origin)");
    }
    if guard::refuses_preflight(origins, headers) {
        return error(
            StatusCode::FORBIDDEN,
            "publishing from another origin needs --cors-origin naming it",
        );
    }
    let mut r = full(StatusCode::NO_CONTENT, "");
    set(
        &mut r,
        header::ACCESS_CONTROL_ALLOW_METHODS,
        "GET, POST, OPTIONS",
    );
    set(
        &mut r,
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        "Last-Event-ID, Content-Type, Authorization, Cache-Control, Accept",
    );
    set(&mut r, header::ACCESS_CONTROL_MAX_AGE, "86400");
    r
}

fn cors(app: &App, origin: Option<&HeaderValue>, headers: &mut HeaderMap) {
    let origins = &app.config.cors_origins;
    if guard::any_origin(origins) {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        );
    } else {
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
        if let Some(o) = guard::listed_origin(origins, origin) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, o.clone());
        }
    }
}

/// The token from `Authorization: Bearer …`.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Compares tokens in time independent of where they differ.
fn same(given: &str, expected: &str) -> bool {
    let (a, b) = (given.as_bytes(), expected.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn full(status: StatusCode, body: impl Into<Bytes>) -> Response<ServeBody> {
    let mut r = Response::new(Either::Left(Full::new(body.into())));
    *r.status_mut() = status;
    r
}

fn set(r: &mut Response<ServeBody>, name: impl header::IntoHeaderName, value: &'static str) {
    r.headers_mut()
        .insert(name, HeaderValue::from_static(value));
}

fn json_response(status: StatusCode, value: &Value) -> Response<ServeBody> {
    let mut r = full(status, format!("{value}\n"));
    set(&mut r, header::CONTENT_TYPE, "application/json");
    r
}

fn error(status: StatusCode, message: &str) -> Response<ServeBody> {
    json_response(status, &json!({"error": message}))
}

fn refused((status, message): Refusal) -> Response<ServeBody> {
    error(status, &message)
}

/// A refusal written before any route runs (a request head over the limit): a JSON error, and
/// `Connection: close`.
pub fn refuse_connection(status: StatusCode, message: &str) -> Response<ServeBody> {
    let mut r = error(status, message);
    set(&mut r, header::CONNECTION, "close");
    r
}

fn unauthorized(message: &str) -> Response<ServeBody> {
    let mut r = error(StatusCode::UNAUTHORIZED, message);
    set(&mut r, header::WWW_AUTHENTICATE, "Bearer");
    r
}

fn not_allowed(allow: &'static str) -> Response<ServeBody> {
    let mut r = error(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("method not allowed here; use {allow}"),
    );
    set(&mut r, header::ALLOW, allow);
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_text_is_utf8_or_else_latin1() {
        assert_eq!(header_text("é1".as_bytes()), "é1");
        assert_eq!(header_text(&[0xE9, b'1']), "é1");
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(same("abc", "abc"));
        assert!(!same("abd", "abc"));
        assert!(!same("ab", "abc"));
    }
}
