//! Servers against `ssecat listen`. See main.rs.
//!
//! - here: silent or half-sent response heads (`--connect-timeout` covers the head), reconnect
//!   storms (`retry: 0`, `Retry-After: 0` or in the past), huge delays (`--max-delay` caps them)
//! - redirects.rs: Referer and credentials after a redirect, redirect loops, empty `Location`
//! - bodies.rs: huge heads, lying encodings and chunk sizes, resets, huge IDs, hostile flags
//! - peer.rs: the raw TCP peer those tests use

mod bodies;
mod peer;
mod redirects;

use std::time::Duration;

use crate::common::*;
use peer::Peer;

/// How long the storm tests watch a server; the counts they assert are for this window.
const WINDOW: Duration = Duration::from_millis(2500);

/// The most requests a client backing off from 100 ms (doubling) can make in [`WINDOW`]: 0,
/// then 100, 100-200, 200-400, 400-800, 800-1600 ms apart is 6; 12 leaves room for slack.
const BACKED_OFF: usize = 12;

// ---------------------------------------------------------------------------------------------
// Item 1: --connect-timeout covers TCP, TLS and the response head
// ---------------------------------------------------------------------------------------------

/// Runs listen against `peer` with a 500 ms --connect-timeout: it must give up within 5 s, with
/// exit 1 and one line naming the timeout.
#[track_caller]
fn times_out_on_the_first_attempt(peer: &Peer) {
    let out = ssecat(["listen", &peer.url(), "--connect-timeout", "500ms"]).run_within(ms(5000));
    out.code(1);
    let lines: Vec<_> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line\n{}", out.dump());
    assert!(
        lines[0].contains("--connect-timeout") && lines[0].contains("500ms"),
        "names the timeout\n{}",
        out.dump()
    );
}

#[test]
fn a_server_that_accepts_and_never_answers_times_out_the_first_attempt() {
    let peer = Peer::start(|mut c| c.hold(WAIT));
    times_out_on_the_first_attempt(&peer);
}

#[test]
fn half_a_response_head_times_out_the_first_attempt() {
    let peer = Peer::start(|mut c| {
        c.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n");
        c.hold(WAIT);
    });
    times_out_on_the_first_attempt(&peer);
}

#[test]
fn a_head_dripped_a_byte_at_a_time_times_out_the_first_attempt() {
    // Slowloris, the server's way: each byte resets no timer, the whole head must come in time.
    let head = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: x\n\n";
    let peer = Peer::start(move |mut c| c.drip(head, ms(100)));
    times_out_on_the_first_attempt(&peer);
}

#[test]
fn a_silent_server_on_a_reconnect_is_retried_with_backoff() {
    // The first connection delivers an event; every later one is accepted and never answered.
    let peer = Peer::start(|mut c| {
        if c.index == 0 {
            c.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: 10\r\n\r\ndata: a\n\n\n");
        } else {
            c.hold(WAIT);
        }
    });
    let mut run = ssecat([
        "listen",
        &peer.url(),
        "--connect-timeout",
        "300ms",
        "--retry-delay",
        "0",
        "--max-delay",
        "400ms",
    ])
    .spawn();
    run.wait_stderr("no response", ms(5000));
    std::thread::sleep(ms(2000));
    let accepted = peer.accepted();
    let stderr = run.stderr_so_far();
    assert!(
        (4..=20).contains(&accepted),
        "kept reconnecting, with backoff: {accepted} connections\n{stderr}"
    );
    assert!(
        stderr.contains("reconnecting in") && stderr.contains("--connect-timeout"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// Item 2: no reconnect storm, whatever delay the server asks for
// ---------------------------------------------------------------------------------------------

/// Runs listen against `srv` for [`WINDOW`] (default flags) and returns how many requests the
/// server got, and stderr.
fn requests_in_window(srv: &ScriptServer) -> (usize, String) {
    let run = ssecat(["listen", &srv.url(), "--format", "data"]).spawn();
    std::thread::sleep(WINDOW);
    let count = srv.request_count();
    (count, run.stderr_so_far())
}

#[track_caller]
fn assert_backed_off(srv: &ScriptServer, what: &str) {
    let (count, stderr) = requests_in_window(srv);
    assert!(
        (3..=BACKED_OFF).contains(&count),
        "{what}: {count} requests in {WINDOW:?} (at most {BACKED_OFF} with backoff)\n{stderr}"
    );
}

#[test]
fn retry_after_0_on_every_503_backs_off() {
    let srv = ScriptServer::start(|_, _| Script::status(503).header("retry-after", "0"));
    assert_backed_off(&srv, "503 + Retry-After: 0");
}

#[test]
fn a_retry_after_date_in_the_past_backs_off() {
    let srv = ScriptServer::start(|_, _| {
        Script::status(503).header("retry-after", "Thu, 01 Jan 1970 00:00:00 GMT")
    });
    assert_backed_off(&srv, "503 + Retry-After in 1970");
}

#[test]
fn retry_0_on_streams_that_end_without_an_event_backs_off() {
    let srv = ScriptServer::start(|_, _| Script::sse().send("retry: 0\n\n").close());
    assert_backed_off(&srv, "200 + retry: 0 + close, no event");
}

#[test]
fn a_200_then_a_reset_every_time_backs_off() {
    let peer = Peer::start(|mut c| {
        c.send(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nretry: 0\n");
        c.reset();
    });
    let run = ssecat(["listen", &peer.url()]).spawn();
    std::thread::sleep(WINDOW);
    let count = peer.accepted();
    let stderr = run.stderr_so_far();
    assert!(
        (3..=BACKED_OFF).contains(&count),
        "{count} connections in {WINDOW:?}\n{stderr}"
    );
}

#[test]
fn retry_0_with_one_event_per_connection_is_paced() {
    // Each connection delivers an event, so each reconnect is a first failure and may honour
    // `retry: 0`; but connections still start at least 100 ms apart: at most 10 a second.
    let srv = ScriptServer::start(|_, _| Script::sse().send("retry: 0\ndata: x\n\n").close());
    let (count, stderr) = requests_in_window(&srv);
    assert!(
        (5..=40).contains(&count),
        "{count} requests in {WINDOW:?} (at most 10 a second, with slack)\n{}",
        &stderr[..stderr.len().min(2000)]
    );
}

#[test]
fn max_delay_0_and_retry_delay_0_still_pace_failures() {
    // The flags cannot remove the floor either: failures in a row wait at least 100 ms.
    let srv = ScriptServer::start(|_, _| Script::status(503));
    let run = ssecat([
        "listen",
        &srv.url(),
        "--retry-delay",
        "0",
        "--max-delay",
        "0",
    ])
    .spawn();
    std::thread::sleep(WINDOW);
    let count = srv.request_count();
    let stderr = run.stderr_so_far();
    assert!(
        (5..=30).contains(&count),
        "{count} requests in {WINDOW:?} (about 10 a second)\n{}",
        &stderr[..stderr.len().min(2000)]
    );
}

// ---------------------------------------------------------------------------------------------
// Item 3: --max-delay caps every wait, the server's too
// ---------------------------------------------------------------------------------------------

#[test]
fn a_huge_retry_field_is_capped_by_max_delay() {
    let srv = ScriptServer::start(|n, _| match n {
        0 => Script::sse()
            .send("retry: 999999999999999999999999999999\ndata: a\n\n")
            .close(),
        1 => Script::sse().send("data: b\n\n").close(),
        _ => Script::status(204),
    });
    let out = ssecat([
        "listen",
        &srv.url(),
        "--format",
        "data",
        "--max-delay",
        "300ms",
    ])
    .run_within(ms(5000));
    out.code(0);
    assert_eq!(out.out(), "a\nb\n");
    assert!(
        out.stderr.contains("reconnecting in 300ms"),
        "{}",
        out.dump()
    );
}

#[test]
fn huge_retry_after_values_are_capped_by_max_delay() {
    let srv = ScriptServer::start(|n, _| match n {
        0 => Script::status(503).header("retry-after", "99999999999"),
        1 => Script::status(429).header("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT"),
        2 => Script::sse().send("data: a\n\n").close(),
        _ => Script::status(204),
    });
    let out = ssecat([
        "listen",
        &srv.url(),
        "--format",
        "data",
        "--max-delay",
        "300ms",
    ])
    .run_within(ms(5000));
    out.code(0);
    assert_eq!(out.out(), "a\n");
    assert_eq!(srv.request_count(), 4, "{}", out.dump());
}

#[test]
fn absurd_retry_after_values_fall_back_to_the_retry_delay() {
    // Not a number of seconds nor a date: ignored, as curl does; --retry-delay applies.
    let srv = ScriptServer::start(|n, _| match n {
        0 => Script::status(503).header("retry-after", "-1"),
        1 => Script::status(503).header("retry-after", "1e30"),
        2 => Script::status(503).header("retry-after", "99999999999999999999999"),
        3 => Script::sse().send("data: a\n\n").close(),
        _ => Script::status(204),
    });
    let out = ssecat([
        "listen",
        &srv.url(),
        "--format",
        "data",
        "--retry-delay",
        "50ms",
        "--max-delay",
        "300ms",
    ])
    .run_within(ms(5000));
    out.code(0);
    assert_eq!(out.out(), "a\n");
}
