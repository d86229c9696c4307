//! `ssecat listen` end to end: the built binary against an in-process scripted server
//! (tests/common). Each test checks what the user sees (stdout, stderr, exit code) and what the
//! server saw (requests, headers, bodies, timing measured on the server side).
//!
//! Timing: lower bounds prove behaviour and are exact; upper bounds are generous, so a loaded
//! machine does not make a test flaky.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{Outcome, Request, Script, ScriptServer, WAIT, command, ms, refused_url, ssecat};
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// `ssecat listen URL`; add flags with `.args` (tests that reconnect pass a short
/// `--retry-delay`).
fn listen(srv: &ScriptServer) -> common::Ssecat {
    ssecat(["listen", &srv.url()])
}

fn schema() -> &'static jsonschema::Validator {
    static SCHEMA: OnceLock<jsonschema::Validator> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/event.schema.json");
        let text = std::fs::read_to_string(path).expect("read schemas/event.schema.json");
        let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
        jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
    })
}

/// Stdout as NDJSON: every line parsed and validated against schemas/event.schema.json.
#[track_caller]
fn json_lines(out: &Outcome) -> Vec<Value> {
    out.lines()
        .iter()
        .map(|line| {
            let value: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}\n{}", out.dump()));
            if let Err(e) = schema().validate(&value) {
                panic!("{line} does not match the schema: {e}\n{}", out.dump());
            }
            value
        })
        .collect()
}

/// (event, data, id) of each JSON event line.
#[track_caller]
fn events(out: &Outcome) -> Vec<(String, String, String)> {
    json_lines(out)
        .iter()
        .filter(|v| v.get("event").is_some())
        .map(|v| {
            (
                v["event"].as_str().unwrap().to_owned(),
                v["data"].as_str().unwrap().to_owned(),
                v["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn ev(event: &str, data: &str, id: &str) -> (String, String, String) {
    (event.to_owned(), data.to_owned(), id.to_owned())
}

/// Every lifecycle line on stderr starts with `ssecat: `.
#[track_caller]
fn assert_stderr_is_lifecycle(out: &Outcome) {
    for line in out.stderr.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            line.starts_with("ssecat: "),
            "stderr line without the `ssecat: ` prefix: {line:?}\n{}",
            out.dump()
        );
    }
}

/// The gap between the end of request `a`'s response and the arrival of request `b`.
#[track_caller]
fn gap(requests: &[Request], a: usize, b: usize) -> Duration {
    let end = requests[a]
        .response_end
        .unwrap_or_else(|| panic!("response {a} has not ended: {requests:#?}"));
    requests[b].arrived.saturating_duration_since(end)
}

/// Parses a `[+S.SSSs] ` prefix: the seconds, and the rest of the line.
#[track_caller]
fn timestamp(line: &str) -> (f64, &str) {
    let rest = line
        .strip_prefix("[+")
        .unwrap_or_else(|| panic!("no [+S.SSSs] prefix: {line:?}"));
    let (secs, rest) = rest
        .split_once("s] ")
        .unwrap_or_else(|| panic!("no `s] ` after the seconds: {line:?}"));
    let (whole, frac) = secs
        .split_once('.')
        .unwrap_or_else(|| panic!("no decimals: {line:?}"));
    assert!(
        !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()),
        "{line:?}"
    );
    assert!(
        frac.len() == 3 && frac.bytes().all(|b| b.is_ascii_digit()),
        "not 3 decimals: {line:?}"
    );
    (secs.parse().unwrap(), rest)
}

// ---------------------------------------------------------------------------------------------
// The harness itself
// ---------------------------------------------------------------------------------------------

/// Sends a raw HTTP/1.1 GET and returns the socket.
fn raw_get(srv: &ScriptServer) -> TcpStream {
    let mut stream = TcpStream::connect(srv.addr()).unwrap();
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream
        .write_all(
            b"GET /events?x=1 HTTP/1.1\r\nHost: test\r\nX-Probe: yes\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
    stream
}

fn read_until(stream: &mut TcpStream, buf: &mut Vec<u8>, needle: &[u8]) {
    let mut chunk = [0u8; 4096];
    while !buf.windows(needle.len()).any(|w| w == needle) {
        let n = stream
            .read(&mut chunk)
            .expect("read from the scripted server");
        assert!(
            n > 0,
            "EOF before {needle:?}: {:?}",
            String::from_utf8_lossy(buf)
        );
        buf.extend_from_slice(&chunk[..n]);
    }
}

#[test]
fn harness_sends_each_frame_as_its_own_write_and_records_the_request() {
    let srv = ScriptServer::start(|_, _| {
        Script::sse()
            .send("data: a\r")
            .sleep(ms(150))
            .send("\ndata: b\n\n")
            .close()
    });
    let started = Instant::now();
    let mut stream = raw_get(&srv);
    let mut buf = Vec::new();
    read_until(&mut stream, &mut buf, b"data: a\r");
    let first = started.elapsed();
    assert!(
        !buf.windows(7).any(|w| w == b"data: b"),
        "the second frame came with the first"
    );
    stream.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(
        text.contains("content-type: text/event-stream\r\n"),
        "{text}"
    );
    assert!(text.contains("\r\n\ndata: b\n\n\r\n"), "{text}");
    assert!(text.ends_with("\r\n0\r\n\r\n"), "no clean end: {text}");
    assert!(
        started.elapsed() >= first + ms(100),
        "the sleep was skipped"
    );

    let requests = srv.wait_until("the response to end", WAIT, |r| {
        r.len() == 1 && r[0].response_end.is_some()
    });
    let r = &requests[0];
    assert_eq!((r.index, r.conn), (0, 0));
    assert_eq!(r.method, "GET");
    assert_eq!(r.uri, "/events?x=1");
    assert_eq!(r.version, "HTTP/1.1");
    assert_eq!(r.header("X-PROBE"), Some("yes"));
    assert!(r.body.is_empty());
    assert!(r.response_end.unwrap() >= r.arrived + ms(150));
}

#[test]
fn harness_aborts_and_hangs_on_request() {
    let srv = ScriptServer::start(|n, req| match (n, req.index) {
        (0, 0) => Script::sse().send("data: a\n\n").abort(),
        (1, 1) => Script::sse().send("data: h\n\n").hang(),
        _ => Script::status(500),
    });
    // Abort: the connection closes without the terminating chunk.
    let mut stream = raw_get(&srv);
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    assert!(text.contains("data: a\n\n"), "{text}");
    assert!(
        !text.ends_with("0\r\n\r\n"),
        "an aborted body ended cleanly: {text}"
    );

    // Hang: the body stays open, then the server's drop closes it.
    let mut stream = raw_get(&srv);
    let mut buf = Vec::new();
    read_until(&mut stream, &mut buf, b"data: h\n\n");
    stream.set_read_timeout(Some(ms(300))).unwrap();
    let mut chunk = [0u8; 64];
    let err = stream
        .read(&mut chunk)
        .expect_err("a hanging body sends nothing more");
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{err}"
    );
    assert_eq!(srv.request_count(), 2);
    let dropped = Instant::now();
    drop(srv);
    assert!(dropped.elapsed() < Duration::from_secs(3), "the drop hung");
    stream.set_read_timeout(Some(WAIT)).unwrap();
    let n = stream.read(&mut chunk).unwrap_or(0);
    assert_eq!(n, 0, "the connection outlived the server");
}

#[test]
fn harness_kills_a_process_that_outlives_its_timeout() {
    let started = Instant::now();
    let result = std::panic::catch_unwind(|| command("sleep").args(["30"]).run_within(ms(300)));
    assert!(result.is_err(), "the timeout did not fail the run");
    assert!(started.elapsed() < Duration::from_secs(5));
    let out = command("sh")
        .args(["-c", "cat; echo err >&2; exit 3"])
        .stdin("in")
        .run();
    out.code(3);
    assert_eq!(out.out(), "in");
    assert_eq!(out.stderr, "err\n");
}

// ---------------------------------------------------------------------------------------------
// Connecting: status codes and content types
// ---------------------------------------------------------------------------------------------

#[test]
fn events_are_printed_and_no_reconnect_exits_0_when_the_stream_ends() {
    for content_type in [
        "text/event-stream",
        "text/event-stream; charset=utf-8",
        // MIME types compare case-insensitively; parameters are ignored.
        "Text/Event-Stream;charset=UTF-8",
    ] {
        let srv = ScriptServer::start(move |_, _| {
            Script::status(200)
                .header("content-type", content_type)
                .send("data: a\n\n")
                .sleep(ms(30))
                .send("event: t\nid: 1\ndata: b\n\n")
                .close()
        });
        let out = listen(&srv).args(["--json", "--no-reconnect"]).run();
        out.code(0);
        assert_eq!(
            events(&out),
            [ev("message", "a", ""), ev("t", "b", "1")],
            "{content_type}"
        );
        assert_eq!(srv.request_count(), 1);
        assert_stderr_is_lifecycle(&out);
    }
}

#[test]
fn status_204_stops_without_reconnecting() {
    let srv = ScriptServer::start(|_, _| Script::status(204));
    let out = listen(&srv).args(["--retry-delay", "50ms"]).run();
    out.code(0);
    assert_eq!(out.out(), "");
    std::thread::sleep(ms(200));
    assert_eq!(srv.request_count(), 1);
}

#[test]
fn a_non_sse_content_type_fails_unless_any_content_type() {
    let srv = ScriptServer::start(|_, _| {
        Script::status(200)
            .header("content-type", "text/html")
            .send("data: a\n\n")
            .close()
    });
    let out = listen(&srv).run();
    out.code(1);
    assert!(out.stderr.contains("text/html"), "{}", out.dump());
    assert_eq!(out.out(), "");
    assert_eq!(srv.request_count(), 1);

    let out = listen(&srv)
        .args(["--any-content-type", "--no-reconnect", "--format", "data"])
        .run();
    out.code(0);
    assert_eq!(out.out(), "a\n");
}

#[test]
fn a_missing_or_lookalike_content_type_fails() {
    for content_type in [None, Some("text/event-streaming"), Some("application/json")] {
        let srv = ScriptServer::start(move |_, _| {
            let script = Script::status(200);
            match content_type {
                Some(ct) => script.header("content-type", ct),
                None => script,
            }
            .send("data: a\n\n")
            .close()
        });
        let out = listen(&srv).run();
        out.code(1);
        assert_eq!(out.out(), "", "{content_type:?}");
        assert_eq!(srv.request_count(), 1);
    }
}

#[test]
fn client_errors_fail_at_once_naming_the_status_and_the_body() {
    for status in [404u16, 401] {
        let srv = ScriptServer::start(move |_, _| {
            Script::status(status)
                .header("content-type", "text/plain")
                .send("no such stream here\nsecond line\n")
                .close()
        });
        let out = listen(&srv).run();
        out.code(1);
        assert!(out.elapsed < Duration::from_secs(3), "{:?}", out.elapsed);
        assert!(out.stderr.contains(&status.to_string()), "{}", out.dump());
        assert!(out.stderr.contains("no such stream here"), "{}", out.dump());
        assert_eq!(out.out(), "");
        std::thread::sleep(ms(150));
        assert_eq!(srv.request_count(), 1, "{status} was retried");

        // -q keeps errors.
        let out = listen(&srv).args(["-q"]).run();
        out.code(1);
        assert!(out.stderr.contains(&status.to_string()), "{}", out.dump());
    }
}

#[test]
fn a_long_error_body_is_cut_to_its_start() {
    let srv = ScriptServer::start(|_, _| {
        Script::status(403)
            .header("content-type", "text/plain")
            .send("access denied: token expired ")
            .send_repeat(vec![b'z'; 64 * 1024], 16)
            .close()
    });
    let out = listen(&srv).run();
    out.code(1);
    assert!(out.stderr.contains("403"), "{}", out.dump());
    assert!(
        out.stderr.contains("access denied: token expired"),
        "{}",
        out.dump()
    );
    assert!(
        out.stderr.len() < 64 * 1024,
        "a 1 MiB error body was printed whole: {} bytes on stderr",
        out.stderr.len()
    );
}

#[test]
fn server_errors_are_retried_until_the_stream_comes() {
    let srv = ScriptServer::start(|n, _| match n {
        0 => Script::status(500).send("boom").close(),
        1 => Script::status(503).close(),
        2 => Script::status(429).close(),
        _ => Script::sse().send("data: ok\n\n").hang(),
    });
    let out = listen(&srv)
        .args(["--retry-delay", "50ms", "--max-delay", "300ms", "-n", "1"])
        .args(["--format", "data"])
        .run();
    out.code(0);
    assert_eq!(out.out(), "ok\n");
    assert_eq!(srv.request_count(), 4);
    assert!(out.stderr.contains("reconnecting in"), "{}", out.dump());
    assert_stderr_is_lifecycle(&out);
}

#[test]
fn retry_after_on_429_and_503_sets_the_next_delay() {
    let srv = ScriptServer::start(|n, _| match n {
        0 => Script::status(429).header("retry-after", "1").close(),
        1 => Script::status(503).header("retry-after", "1").close(),
        _ => Script::sse().send("data: ok\n\n").hang(),
    });
    let out = listen(&srv)
        .args(["--retry-delay", "50ms", "-n", "1", "--format", "data"])
        .run();
    out.code(0);
    assert_eq!(out.out(), "ok\n");
    let requests = srv.requests();
    assert_eq!(requests.len(), 3);
    for (a, b) in [(0, 1), (1, 2)] {
        let gap = gap(&requests, a, b);
        assert!(
            gap >= ms(1000) && gap < ms(5000),
            "Retry-After: 1 was not honoured: request {b} came {gap:?} after response {a}"
        );
    }
}

#[test]
fn backoff_is_capped_by_max_delay() {
    let srv = ScriptServer::start(|_, _| Script::status(503).close());
    let out = listen(&srv)
        .args([
            "--retry-delay",
            "100ms",
            "--max-delay",
            "200ms",
            "--max-retries",
            "5",
        ])
        .run();
    out.code(1);
    let r = srv.requests();
    assert_eq!(r.len(), 6, "{}", out.dump());
    let gaps: Vec<Duration> = (1..r.len()).map(|i| gap(&r, i - 1, i)).collect();
    eprintln!("gaps: {gaps:?}");
    // Uncapped doubling from 100 ms would wait 1.6 s before the last attempt.
    assert!(
        gaps.iter().all(|g| *g < ms(700)),
        "--max-delay 200ms not honoured: {gaps:?}"
    );
}

#[test]
fn max_retries_counts_only_reconnects_in_a_row_without_an_event() {
    // The first request, then reconnects numbered by how many in a row brought no event.
    let srv = ScriptServer::start(|n, _| match n {
        0 => Script::status(503).close(),               // first request
        1 => Script::status(503).close(),               // 1
        2 => Script::sse().send("data: a\n\n").close(), // 2, an event: the count restarts
        3 => Script::status(503).close(),               // 1
        4 => Script::sse().send("data: b\n\n").close(), // 2, an event: the count restarts
        5 | 6 => Script::status(503).close(),           // 1, 2: then give up
        _ => Script::sse().send("data: too far\n\n").close(),
    });
    let out = listen(&srv)
        .args([
            "--max-retries",
            "2",
            "--retry-delay",
            "50ms",
            "--max-delay",
            "100ms",
        ])
        .args(["--format", "data"])
        .run();
    out.code(1);
    assert_eq!(out.out(), "a\nb\n");
    assert_eq!(srv.request_count(), 7, "{}", out.dump());
}

#[test]
fn a_server_restart_is_survived() {
    let first = ScriptServer::start(|_, _| Script::sse().send("id: 1\ndata: a\n\n").hang());
    let port = first.addr().port();
    let mut run = listen(&first)
        .args(["--retry-delay", "50ms", "--max-delay", "100ms", "-n", "2"])
        .args(["--format", "data"])
        .spawn();
    run.wait_stdout("a\n", WAIT);
    drop(first);
    // Connections are refused for a while: not the first attempt, so ssecat keeps trying.
    std::thread::sleep(ms(300));
    let second =
        ScriptServer::start_on(port, |_, _| Script::sse().send("id: 2\ndata: b\n\n").hang());
    let out = run.finish(WAIT);
    out.code(0);
    assert_eq!(out.out(), "a\nb\n");
    assert_eq!(second.request_count(), 1);
    assert_eq!(second.requests()[0].header("last-event-id"), Some("1"));
}

#[test]
fn redirects_are_followed() {
    let srv = ScriptServer::start(|_, req| match req.uri.as_str() {
        "/events" => Script::status(307).header("location", "/moved").close(),
        _ => Script::sse().send("data: here\n\n").close(),
    });
    let out = listen(&srv)
        .args(["--no-reconnect", "--format", "data"])
        .run();
    out.code(0);
    assert_eq!(out.out(), "here\n");
    let r = srv.requests();
    assert_eq!(r.len(), 2);
    assert_eq!(r[1].uri, "/moved");
    assert_eq!(r[1].header("accept"), Some("text/event-stream"));
}

#[test]
fn a_refused_first_connection_is_a_one_line_error() {
    let url = refused_url();
    let out = ssecat(["listen", &url, "--retry-delay", "50ms"]).run();
    out.code(1);
    assert!(out.elapsed < Duration::from_secs(5), "{:?}", out.elapsed);
    assert_eq!(out.out(), "");
    let errors: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.to_lowercase().contains("error"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", out.dump());
    assert!(!out.stderr.contains("reconnecting in"), "{}", out.dump());

    let out = ssecat(["listen", &url, "-q"]).run();
    out.code(1);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.dump());
    assert!(out.stderr.starts_with("ssecat: "), "{}", out.dump());
}

// ---------------------------------------------------------------------------------------------
// The request
// ---------------------------------------------------------------------------------------------

#[test]
fn the_request_has_the_sse_headers_and_the_added_ones() {
    let srv = ScriptServer::start(|_, _| Script::sse().send("data: x\n\n").close());
    let url = format!("{}?topic=a&n=1", srv.url());
    ssecat([
        "listen",
        &url,
        "--no-reconnect",
        "-H",
        "X-One: 1",
        "-H",
        "X-Two:  two words",
    ])
    .run()
    .code(0);
    let r = &srv.requests()[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.uri, "/events?topic=a&n=1");
    assert_eq!(r.header("accept"), Some("text/event-stream"));
    assert_eq!(r.header("cache-control"), Some("no-cache"));
    assert_eq!(r.header("x-one"), Some("1"));
    assert_eq!(r.header("x-two"), Some("two words"));
    assert_eq!(r.header("last-event-id"), None);
    assert_eq!(r.header("authorization"), None);
    assert!(r.body.is_empty());
}

#[test]
fn method_and_body_flags() {
    let srv = ScriptServer::start(|_, _| Script::sse().send("data: x\n\n").close());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("body.txt");
    std::fs::write(&file, "from a file\nline 2\n").unwrap();
    let at_file = format!("@{}", file.display());
    let runs: [(&[&str], Option<&str>); 6] = [
        (&["-d", "hello"], None),
        (&["-X", "PUT", "-d", "hello"], None),
        (&["-X", "DELETE"], None),
        (&["-d", &at_file], None),
        (&["-d", "@-"], Some("from stdin\n")),
        (&["--json-body", r#"{"a":1}"#], None),
    ];
    for (args, stdin) in runs {
        let mut cmd = listen(&srv).args(["--no-reconnect"]).args(args);
        if let Some(stdin) = stdin {
            cmd = cmd.stdin(stdin);
        }
        cmd.run().code(0);
    }
    let r = srv.requests();
    assert_eq!(r.len(), 6);
    let seen: Vec<(&str, &[u8])> = r.iter().map(|r| (r.method.as_str(), &r.body[..])).collect();
    assert_eq!(
        seen,
        [
            ("POST", &b"hello"[..]),
            ("PUT", b"hello"),
            ("DELETE", b""),
            ("POST", b"from a file\nline 2\n"),
            ("POST", b"from stdin\n"),
            ("POST", br#"{"a":1}"#),
        ]
    );
    assert_eq!(r[5].header("content-type"), Some("application/json"));
    for r in &r {
        assert_eq!(r.header("accept"), Some("text/event-stream"));
    }
}

#[test]
fn basic_and_bearer_auth() {
    let srv = ScriptServer::start(|_, _| Script::sse().send("data: x\n\n").close());
    listen(&srv)
        .args(["--no-reconnect", "-u", "user:pa:ss"])
        .run()
        .code(0);
    listen(&srv)
        .args(["--no-reconnect", "--bearer", "tok-1"])
        .run()
        .code(0);
    listen(&srv)
        .args(["--no-reconnect"])
        .env("SSECAT_BEARER", "tok-env")
        .run()
        .code(0);
    let auth: Vec<Option<String>> = srv
        .requests()
        .iter()
        .map(|r| r.header("authorization").map(str::to_owned))
        .collect();
    // base64("user:pa:ss")
    assert_eq!(
        auth,
        [
            Some("Basic dXNlcjpwYTpzcw==".to_owned()),
            Some("Bearer tok-1".to_owned()),
            Some("Bearer tok-env".to_owned()),
        ]
    );
}

#[test]
fn the_body_is_resent_identically_on_reconnect() {
    let srv = ScriptServer::start(|n, _| match n {
        0 => Script::sse().send("data: a\n\n").close(),
        1 => Script::sse().send("data: b\n\n").abort(),
        _ => Script::status(204),
    });
    let out = listen(&srv)
        .args(["--retry-delay", "50ms", "--format", "data"])
        .args(["--json-body", r#"{"prompt":"hi","stream":true}"#])
        .run();
    out.code(0);
    assert_eq!(out.out(), "a\nb\n");
    let r = srv.requests();
    assert_eq!(r.len(), 3);
    for r in &r {
        assert_eq!(r.method, "POST");
        assert_eq!(r.body, br#"{"prompt":"hi","stream":true}"#);
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.header("accept"), Some("text/event-stream"));
    }
}

// ---------------------------------------------------------------------------------------------
// Reconnecting: delays and Last-Event-ID
// ---------------------------------------------------------------------------------------------

#[test]
fn the_servers_retry_field_sets_the_reconnect_delay() {
    // No --retry-delay: the default (3 s) would break the upper bound.
    let srv = ScriptServer::start(|n, _| match n {
        0 => Script::sse().send("retry: 300\ndata: a\n\n").close(),
        1 => Script::sse().send("data: b\n\n").close(),
        _ => Script::status(204),
    });
    let out = ssecat(["listen", &srv.url(), "--format", "data"]).run();
    out.code(0);
    assert_eq!(out.out(), "a\nb\n");
    let r = srv.requests();
    assert_eq!(r.len(), 3);
    for (a, b) in [(0, 1), (1, 2)] {
        let gap = gap(&r, a, b);
        assert!(
            gap >= ms(300) && gap < ms(1500),
            "retry: 300 not honoured: request {b} came {gap:?} after response {a} ended"
        );
    }
}

#[test]
fn the_retry_delay_flag_is_the_delay_without_a_retry_field() {
    let srv = ScriptServer::start(|n, _| match n {
        0 => Script::sse().send("data: a\n\n").close(),
        _ => Script::status(204),
    });
    let out = ssecat(["listen", &srv.url(), "--retry-delay", "200ms"]).run();
    out.code(0);
    let r = srv.requests();
    assert_eq!(r.len(), 2);
    let gap = gap(&r, 0, 1);
    assert!(
        gap >= ms(200) && gap < ms(1500),
        "--retry-delay 200ms: the reconnect came {gap:?} after the stream ended"
    );
}

/// A server keeping events 1..=6 and replaying after the Last-Event-ID it is sent.
fn replaying_server() -> ScriptServer {
    ScriptServer::start(|n, req| {
        let from: u32 = req
            .header("last-event-id")
            .and_then(|id| id.parse().ok())
            .unwrap_or(0);
        let mut script = Script::sse();
        let upto = match n {
            0 => 3,
            1 => 5,
            _ => 6,
        };
        for id in from + 1..=upto {
            script = script
                .send(format!("id: {id}\ndata: e{id}\n\n"))
                .sleep(ms(10));
        }
        match n {
            0 => script.abort(),
            1 => script.close(),
            _ => script.hang(),
        }
    })
}

#[test]
fn last_event_id_resumes_the_stream_without_gap_or_duplicate() {
    let srv = replaying_server();
    let out = listen(&srv)
        .args(["--retry-delay", "50ms", "--json", "-n", "6"])
        .run();
    out.code(0);
    let expected: Vec<_> = (1..=6)
        .map(|i| ev("message", &format!("e{i}"), &i.to_string()))
        .collect();
    assert_eq!(events(&out), expected, "{}", out.dump());
    let sent: Vec<Option<String>> = srv
        .requests()
        .iter()
        .map(|r| r.header("last-event-id").map(str::to_owned))
        .collect();
    assert_eq!(sent, [None, Some("3".to_owned()), Some("5".to_owned())]);
    assert!(out.stderr.contains("Last-Event-ID"), "{}", out.dump());
    assert!(out.stderr.contains("reconnecting in"), "{}", out.dump());
}

#[test]
fn last_event_id_flag_is_sent_on_the_first_request() {
    let srv = ScriptServer::start(|_, _| Script::sse().send("data: x\n\n").close());
    let out = listen(&srv)
        .args(["--no-reconnect", "--json", "--last-event-id", "42"])
        .run();
    out.code(0);
    assert_eq!(srv.requests()[0].header("last-event-id"), Some("42"));
    assert_eq!(events(&out), [ev("message", "x", "42")]);
}

#[test]
fn an_empty_id_field_resets_the_last_event_id() {
    let srv = ScriptServer::start(|n, _| match n {
        0 => Script::sse()
            .send("id: 5\ndata: a\n\nid:\ndata: b\n\n")
            .close(),
        _ => Script::status(204),
    });
    let out = listen(&srv).args(["--json", "--retry-delay", "50ms"]).run();
    out.code(0);
    assert_eq!(
        events(&out),
        [ev("message", "a", "5"), ev("message", "b", "")]
    );
    let r = srv.requests();
    assert_eq!(r.len(), 2);
    assert_eq!(r[1].header("last-event-id"), None, "{:?}", r[1].headers);
}

#[test]
fn idle_timeout_drops_a_silent_stream() {
    let srv = ScriptServer::start(|n, _| match n {
        0 => Script::sse().send("data: a\n\n").hang(),
        _ => Script::sse().send("data: b\n\n").hang(),
    });
    let out = listen(&srv)
        .args(["--idle-timeout", "300ms", "--retry-delay", "50ms"])
        .args(["-n", "2", "--format", "data"])
        .run();
    out.code(0);
    assert_eq!(out.out(), "a\nb\n");
    let r = srv.requests();
    assert_eq!(r.len(), 2);
    let gap = r[1].arrived - r[0].arrived;
    assert!(
        gap >= ms(300) && gap < ms(3000),
        "--idle-timeout 300ms: re-requested after {gap:?}"
    );
}

#[test]
fn comments_keep_an_idle_stream_alive() {
    let srv = ScriptServer::start(|n, _| match n {
        0 => {
            let mut script = Script::sse().send("data: a\n\n");
            for _ in 0..8 {
                script = script.sleep(ms(100)).send(": ping\n");
            }
            script.send("data: b\n\n").hang()
        }
        _ => Script::sse().send("data: reconnected\n\n").hang(),
    });
    let out = listen(&srv)
        .args(["--idle-timeout", "300ms", "-n", "2", "--format", "data"])
        .run();
    out.code(0);
    assert_eq!(out.out(), "a\nb\n");
    assert_eq!(srv.request_count(), 1);
}

// ---------------------------------------------------------------------------------------------
// Parsing on the wire
// ---------------------------------------------------------------------------------------------

#[test]
fn crlf_split_across_writes_and_lone_cr() {
    let srv = ScriptServer::start(|_, _| {
        Script::sse()
            .send("data: a\r")
            .sleep(ms(40))
            .send("\ndata: b\r\n\r")
            .sleep(ms(40))
            .send("\ndata: c\rdata: d\r\r")
            .sleep(ms(40))
            .send("data: e\r")
            .sleep(ms(40))
            .send("\r\n")
            .close()
    });
    let out = listen(&srv).args(["--json", "--no-reconnect"]).run();
    out.code(0);
    assert_eq!(
        events(&out),
        [
            ev("message", "a\nb", ""),
            ev("message", "c\nd", ""),
            ev("message", "e", "")
        ]
    );
}

#[test]
fn an_unfinished_block_is_discarded_when_the_connection_drops() {
    // The block after id 1 never reaches its blank line: no event, and its id is not committed.
    let srv = ScriptServer::start(|n, _| match n {
        0 => Script::sse()
            .send("id: 1\ndata: a\n\nevent: x\nid: 9\ndata: partial\ndata: par")
            .abort(),
        1 => Script::sse().send("tial\n\ndata: b\n\n").close(),
        _ => Script::status(204),
    });
    let out = listen(&srv).args(["--json", "--retry-delay", "50ms"]).run();
    out.code(0);
    // "tial" alone on a line is a field named `tial`, ignored.
    assert_eq!(
        events(&out),
        [ev("message", "a", "1"), ev("message", "b", "1")]
    );
    let r = srv.requests();
    assert_eq!(r.len(), 3);
    assert_eq!(r[1].header("last-event-id"), Some("1"));
}

#[test]
fn a_bom_is_dropped_at_the_start_of_each_response() {
    let srv = ScriptServer::start(|n, _| match n {
        0 => Script::sse().send("\u{FEFF}data: a\n\n").close(),
        1 => Script::sse()
            .send("\u{FEFF}data: b\n\n\u{FEFF}data: c\n\n")
            .close(),
        _ => Script::status(204),
    });
    let out = listen(&srv)
        .args(["--format", "data", "--retry-delay", "50ms"])
        .run();
    out.code(0);
    // A BOM later in a stream is an ordinary character: `\u{FEFF}data` is an unknown field.
    assert_eq!(out.out(), "a\nb\n");
}

#[test]
fn invalid_utf8_becomes_the_replacement_character() {
    let srv = ScriptServer::start(|_, _| Script::sse().send(&b"data: a\xffb\xc3\n\n"[..]).close());
    let out = listen(&srv).args(["--json", "--no-reconnect"]).run();
    out.code(0);
    assert_eq!(events(&out), [ev("message", "a\u{FFFD}b\u{FFFD}", "")]);
}

#[test]
fn a_huge_line_is_dropped_with_a_warning_and_listening_goes_on() {
    const MIB: usize = 1024 * 1024;
    let srv = ScriptServer::start(|_, _| {
        Script::sse()
            .send("data: before\n\ndata: ")
            .send_repeat(vec![b'x'; MIB], 50)
            .send("\n\ndata: after\n\n")
            .hang()
    });
    let mut run = listen(&srv)
        .args(["--max-event-size", "1MiB", "--format", "data"])
        .spawn();
    run.wait_stdout("after\n", Duration::from_secs(30));
    let peak = run.peak_rss();
    run.wait_stderr("1 MiB", WAIT);
    run.interrupt();
    let out = run.finish(WAIT);
    out.code(0);
    assert_eq!(out.out(), "before\nafter\n");
    assert_stderr_is_lifecycle(&out);
    let peak = peak.expect("VmHWM from /proc/PID/status");
    eprintln!("peak RSS {} KiB", peak / 1024);
    assert!(
        peak < 100 * MIB as u64,
        "peak memory {} MiB for a 50 MiB line with --max-event-size 1MiB",
        peak / MIB as u64
    );
    assert_eq!(srv.request_count(), 1);
}

// ---------------------------------------------------------------------------------------------
// When to stop
// ---------------------------------------------------------------------------------------------

#[test]
fn count_stops_after_n_events_even_within_one_frame() {
    let srv = ScriptServer::start(|_, _| {
        Script::sse()
            .send("data: 1\n\ndata: 2\n\ndata: 3\n\n")
            .hang()
    });
    let out = listen(&srv).args(["-n", "2", "--format", "data"]).run();
    out.code(0);
    assert_eq!(out.out(), "1\n2\n");
}

#[test]
fn until_event_stops_after_that_type() {
    let srv = ScriptServer::start(|_, _| {
        Script::sse()
            .send("data: a\n\nevent: done\ndata: bye\n\ndata: after\n\n")
            .hang()
    });
    let out = listen(&srv)
        .args(["--until-event", "done", "--format", "data"])
        .run();
    out.code(0);
    assert_eq!(out.out(), "a\nbye\n");
}

#[test]
fn duration_stops_a_hanging_stream() {
    let srv = ScriptServer::start(|_, _| Script::sse().send("data: a\n\n").hang());
    let out = listen(&srv)
        .args(["--duration", "500ms", "--format", "data"])
        .run();
    out.code(0);
    assert_eq!(out.out(), "a\n");
    assert!(
        out.elapsed >= ms(500) && out.elapsed < Duration::from_secs(5),
        "--duration 500ms exited after {:?}",
        out.elapsed
    );
}

#[test]
fn duration_stops_a_reconnect_wait() {
    let srv = ScriptServer::start(|_, _| Script::status(503).close());
    let out = listen(&srv)
        .args(["--duration", "500ms", "--retry-delay", "5s"])
        .run();
    out.code(0);
    assert!(
        out.elapsed >= ms(500) && out.elapsed < Duration::from_secs(3),
        "--duration 500ms exited after {:?}",
        out.elapsed
    );
    assert_eq!(srv.request_count(), 1);
}

#[test]
fn max_retries_gives_up_after_that_many_reconnects() {
    let srv = ScriptServer::start(|_, _| Script::status(503).close());
    let out = listen(&srv)
        .args([
            "--max-retries",
            "2",
            "--retry-delay",
            "50ms",
            "--max-delay",
            "200ms",
        ])
        .run();
    out.code(1);
    std::thread::sleep(ms(200));
    assert_eq!(srv.request_count(), 3, "{}", out.dump());
}

#[test]
fn sigint_exits_0_with_the_events_printed() {
    // Each event is on stdout (flushed) while the stream is still open, in every format.
    let srv = ScriptServer::start(|_, _| Script::sse().send("data: first\n\n").hang());
    for (format, expected) in [
        ("data", "first\n"),
        (
            "json",
            "{\"event\":\"message\",\"data\":\"first\",\"id\":\"\"}\n",
        ),
        ("pretty", "message\nfirst\n\n"),
        ("raw", "data: first\n\n"),
    ] {
        let mut run = listen(&srv).args(["--format", format]).spawn();
        run.wait_stdout(expected, WAIT);
        run.interrupt();
        let out = run.finish(WAIT);
        out.code(0);
        assert_eq!(out.out(), expected, "--format {format}");
    }
}

#[test]
fn sigint_while_waiting_to_reconnect_exits_0() {
    let srv = ScriptServer::start(|_, _| Script::status(503).close());
    let mut run = listen(&srv).args(["--retry-delay", "5s"]).spawn();
    run.wait_stderr("reconnecting in", WAIT);
    let interrupted = Instant::now();
    run.interrupt();
    let out = run.finish(WAIT);
    out.code(0);
    assert!(
        interrupted.elapsed() < Duration::from_secs(3),
        "SIGINT took {:?} to stop the reconnect wait",
        interrupted.elapsed()
    );
    assert_eq!(srv.request_count(), 1);
}

// ---------------------------------------------------------------------------------------------
// Output formats
// ---------------------------------------------------------------------------------------------

const MIXED: &str = ": ping\nevent: update\nid: 7\nretry: 300\ndata: one\ndata: two\n\ndata: x\n\n";

#[test]
fn pretty_output_is_exact_and_uncoloured_into_a_pipe() {
    let srv = ScriptServer::start(|_, _| Script::sse().send(MIXED).close());
    let out = listen(&srv).args(["--no-reconnect"]).run();
    out.code(0);
    assert_eq!(
        out.out(),
        "update id=7 retry=300ms\none\ntwo\n\nmessage id=7\nx\n\n"
    );
    let out = listen(&srv).args(["--no-reconnect", "--comments"]).run();
    out.code(0);
    assert_eq!(
        out.out(),
        ": ping\nupdate id=7 retry=300ms\none\ntwo\n\nmessage id=7\nx\n\n"
    );
}

#[test]
fn colour_follows_color_and_no_color() {
    let srv = ScriptServer::start(|_, _| Script::sse().send(MIXED).close());
    let out = listen(&srv)
        .args(["--no-reconnect", "--color", "always"])
        .run();
    out.code(0);
    assert!(out.out().contains("\u{1b}["), "{}", out.dump());
    assert!(out.out().contains("one\ntwo\n"), "{}", out.dump());
    for (args, no_color) in [
        (&["--color", "auto"][..], Some("1")),
        (&["--color", "never"][..], None),
    ] {
        let mut cmd = listen(&srv).args(["--no-reconnect"]).args(args);
        if let Some(v) = no_color {
            cmd = cmd.env("NO_COLOR", v);
        }
        let out = cmd.run();
        out.code(0);
        assert!(!out.out().contains('\u{1b}'), "{args:?}: {}", out.dump());
    }
}

#[test]
fn json_output_is_exact_ndjson_matching_the_schema() {
    let srv = ScriptServer::start(|_, _| {
        Script::sse()
            .send("data: a\n\nevent: t\nid: 9\nretry: 250\ndata: b\ndata:  c\n\ndata: \"q\"\\\n\n")
            .close()
    });
    let expected = concat!(
        r#"{"event":"message","data":"a","id":""}"#,
        "\n",
        r#"{"event":"t","data":"b\n c","id":"9","retry":250}"#,
        "\n",
        r#"{"event":"message","data":"\"q\"\\","id":"9"}"#,
        "\n",
    );
    for flag in [&["--json"][..], &["--format", "json"]] {
        let out = listen(&srv).args(["--no-reconnect"]).args(flag).run();
        out.code(0);
        assert_eq!(out.out(), expected, "{flag:?}");
        assert_eq!(json_lines(&out).len(), 3);
    }
}

#[test]
fn json_comments_match_the_schema() {
    let srv = ScriptServer::start(|_, _| Script::sse().send(": hello\ndata: a\n\n:\n").close());
    let out = listen(&srv)
        .args(["--no-reconnect", "--json", "--comments"])
        .run();
    out.code(0);
    assert_eq!(
        out.out(),
        "{\"comment\":\"hello\"}\n{\"event\":\"message\",\"data\":\"a\",\"id\":\"\"}\n{\"comment\":\"\"}\n"
    );
    json_lines(&out);
}

#[test]
fn timestamps_in_json_pretty_and_data() {
    let srv = ScriptServer::start(|_, _| {
        Script::sse()
            .send("retry: 100\ndata: a\n\n")
            .sleep(ms(300))
            .send("data: b\n\n")
            .close()
    });
    // json: an integer "t" in ms, last (after "retry").
    let out = listen(&srv)
        .args(["--no-reconnect", "--json", "--timestamps"])
        .run();
    out.code(0);
    json_lines(&out);
    let t: Vec<u64> = out
        .lines()
        .iter()
        .zip([r#""a","id":"","retry":100"#, r#""b","id":"""#])
        .map(|(line, middle)| {
            let prefix = format!(r#"{{"event":"message","data":{middle},"t":"#);
            let t = line
                .strip_prefix(&prefix)
                .and_then(|rest| rest.strip_suffix('}'))
                .unwrap_or_else(|| panic!("{line:?} is not {prefix}T}}"));
            t.parse()
                .unwrap_or_else(|_| panic!("t is not an integer: {line:?}"))
        })
        .collect();
    assert_eq!(t.len(), 2, "{}", out.dump());
    assert!(t[0] <= t[1] && t[1] >= 300 && t[1] < 10_000, "{t:?}");

    // pretty: the header line is prefixed.
    let out = listen(&srv).args(["--no-reconnect", "--timestamps"]).run();
    out.code(0);
    let lines = out.lines();
    assert_eq!(lines.len(), 6, "{}", out.dump());
    let (s0, h0) = timestamp(&lines[0]);
    let (s1, h1) = timestamp(&lines[3]);
    assert_eq!(
        (h0, &lines[1][..], h1, &lines[4][..]),
        ("message retry=100ms", "a", "message", "b")
    );
    assert!(s0 <= s1 && (0.3..10.0).contains(&s1), "{s0} {s1}");

    // data: the data line is prefixed.
    let out = listen(&srv)
        .args(["--no-reconnect", "--timestamps", "--format", "data"])
        .run();
    out.code(0);
    let lines = out.lines();
    assert_eq!(lines.len(), 2, "{}", out.dump());
    let (s0, d0) = timestamp(&lines[0]);
    let (s1, d1) = timestamp(&lines[1]);
    assert_eq!((d0, d1), ("a", "b"));
    assert!(s0 <= s1 && s1 >= 0.3, "{s0} {s1}");
}

#[test]
fn data_format_prints_only_the_data() {
    let srv = ScriptServer::start(|_, _| {
        Script::sse()
            .send("event: x\nid: 1\ndata: a\n\n: c\ndata: b\ndata: c\n\ndata:\n\n")
            .close()
    });
    let out = listen(&srv)
        .args(["--no-reconnect", "--format", "data"])
        .run();
    out.code(0);
    assert_eq!(out.out(), "a\nb\nc\n\n");
}

#[test]
fn raw_format_is_the_body_bytes_across_reconnects() {
    const FIRST: &[u8] = b": hello\r\nevent: t\r\nid: 1\r\ndata: a\r\n\r\n: keep-alive\n";
    const SECOND: &[u8] = b"data: b\n\n: bye\nretry: 80\nunknown: x\n";
    let srv = ScriptServer::start(|n, _| match n {
        0 => Script::sse()
            .send(&FIRST[..10])
            .sleep(ms(20))
            .send(&FIRST[10..])
            .abort(),
        1 => Script::sse().send(SECOND).close(),
        _ => Script::status(204),
    });
    let out = listen(&srv)
        .args(["--format", "raw", "--retry-delay", "50ms"])
        .run();
    out.code(0);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&[FIRST, SECOND].concat())
    );
    assert_eq!(srv.request_count(), 3);
}

#[test]
fn event_type_filter_is_repeatable() {
    let srv = ScriptServer::start(|_, _| {
        Script::sse()
            .send("event: a\ndata: 1\n\nevent: b\ndata: 2\n\nevent: c\ndata: 3\n\ndata: 4\n\nevent: a\ndata: 5\n\n")
            .close()
    });
    let out = listen(&srv)
        .args(["--no-reconnect", "--format", "data", "-e", "a", "-e", "c"])
        .run();
    out.code(0);
    assert_eq!(out.out(), "1\n3\n5\n");
    let out = listen(&srv)
        .args(["--no-reconnect", "--format", "data", "--event", "message"])
        .run();
    out.code(0);
    assert_eq!(out.out(), "4\n");
}

#[test]
fn count_counts_only_the_events_printed() {
    let srv = ScriptServer::start(|_, _| {
        Script::sse()
            .send("event: a\ndata: 1\n\nevent: b\ndata: 2\n\ndata: 3\n\n")
            .sleep(ms(100))
            .send("event: a\ndata: 4\n\nevent: a\ndata: 5\n\n")
            .hang()
    });
    let out = listen(&srv)
        .args(["--format", "data", "-e", "a", "-n", "2"])
        .run();
    out.code(0);
    assert_eq!(out.out(), "1\n4\n");
}

#[test]
fn pretty_json_reformats_json_data_only() {
    let srv = ScriptServer::start(|_, _| {
        Script::sse()
            .send("data: {\"a\":1,\"b\":[true,null]}\n\ndata: not {json\n\ndata: [1,2]\n\n")
            .close()
    });
    let out = listen(&srv).args(["--no-reconnect", "--pretty-json"]).run();
    out.code(0);
    let text = out.out();
    let blocks: Vec<&str> = text.trim_end_matches('\n').split("\n\n").collect();
    assert_eq!(blocks.len(), 3, "{}", out.dump());
    let data = |block: &str| -> String {
        let (header, data) = block.split_once('\n').expect("a header line and data");
        assert_eq!(header, "message");
        data.to_owned()
    };
    let first = data(blocks[0]);
    assert!(first.lines().count() > 1, "not pretty-printed: {first:?}");
    assert!(
        first.contains("\n  \"a\": 1"),
        "not pretty-printed: {first:?}"
    );
    let value: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(value, serde_json::json!({"a": 1, "b": [true, null]}));
    assert_eq!(data(blocks[1]), "not {json");
    let third = data(blocks[2]);
    assert!(third.lines().count() > 1, "not pretty-printed: {third:?}");
    assert_eq!(
        serde_json::from_str::<Value>(&third).unwrap(),
        serde_json::json!([1, 2])
    );
}

// ---------------------------------------------------------------------------------------------
// stderr, quiet, verbose, broken pipe
// ---------------------------------------------------------------------------------------------

fn reconnecting_server() -> ScriptServer {
    ScriptServer::start(|n, _| match n {
        0 => Script::sse().send("id: 1\ndata: a\n\n").close(),
        1 => Script::sse()
            .header("x-scripted", "yes-indeed")
            .send("data: b\n\n")
            .close(),
        _ => Script::status(204),
    })
}

#[test]
fn lifecycle_goes_to_stderr_only() {
    let srv = reconnecting_server();
    let out = listen(&srv).args(["--json", "--retry-delay", "50ms"]).run();
    out.code(0);
    assert_eq!(
        events(&out),
        [ev("message", "a", "1"), ev("message", "b", "1")]
    );
    assert_stderr_is_lifecycle(&out);
    let connected = out
        .stderr
        .lines()
        .find(|l| l.contains("connected"))
        .unwrap_or_else(|| panic!("no `connected` line\n{}", out.dump()));
    assert!(
        connected.contains("200") && connected.contains("HTTP/1.1"),
        "the connected line lacks the status or the HTTP version: {connected:?}"
    );
    assert!(out.stderr.contains("reconnecting in"), "{}", out.dump());
    assert!(out.stderr.contains("Last-Event-ID"), "{}", out.dump());
    assert_eq!(srv.requests()[1].header("last-event-id"), Some("1"));
    for word in ["connected", "reconnecting", "Last-Event-ID", "ssecat:"] {
        assert!(
            !out.out().contains(word),
            "{word:?} on stdout\n{}",
            out.dump()
        );
    }
}

#[test]
fn quiet_leaves_stderr_empty_on_a_clean_run() {
    let srv = reconnecting_server();
    let out = listen(&srv)
        .args(["-q", "--format", "data", "--retry-delay", "50ms"])
        .run();
    out.code(0);
    assert_eq!(out.out(), "a\nb\n");
    assert_eq!(out.stderr, "");
}

#[test]
fn verbose_shows_response_headers() {
    let srv = reconnecting_server();
    let out = listen(&srv)
        .args(["-v", "--format", "data", "--retry-delay", "50ms"])
        .run();
    out.code(0);
    assert_eq!(out.out(), "a\nb\n");
    assert!(out.stderr.contains("yes-indeed"), "{}", out.dump());
    assert!(
        out.stderr.to_lowercase().contains("x-scripted"),
        "{}",
        out.dump()
    );
    assert!(!out.out().contains("yes-indeed"));
}

#[test]
fn a_closed_stdout_is_a_quiet_success() {
    let srv = ScriptServer::start(|_, _| {
        let mut script = Script::sse().send("data: first\n\n").sleep(ms(200));
        for i in 0..200 {
            script = script
                .send(format!("data: more {i} {}\n\n", "y".repeat(1000)))
                .sleep(ms(5));
        }
        script.hang()
    });
    let (run, mut stdout) = listen(&srv).args(["--format", "data"]).spawn_with_stdout();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 256];
        while !String::from_utf8_lossy(&seen).contains("first\n") {
            match stdout.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
        drop(stdout);
        let _ = tx.send(seen);
    });
    let seen = rx.recv_timeout(WAIT).expect("the first event on stdout");
    assert!(String::from_utf8_lossy(&seen).contains("first\n"));
    let out = run.finish(WAIT);
    out.code(0);
    let lower = out.stderr.to_lowercase();
    assert!(
        !lower.contains("error") && !lower.contains("broken pipe"),
        "{}",
        out.dump()
    );
}

// ---------------------------------------------------------------------------------------------
// Usage errors
// ---------------------------------------------------------------------------------------------

#[test]
fn usage_errors_exit_2_without_a_request() {
    let srv = ScriptServer::start(|_, _| Script::sse().send("data: x\n\n").close());
    let url = srv.url();
    let cases: [&[&str]; 5] = [
        &["listen", "notaurl"],
        &["listen", "ftp://x"],
        &["listen", &url, "-H", "foo"],
        &["listen", &url, "--retry-delay", "soon"],
        &["listen", &url, "--idle-timeout", "5 parsecs"],
    ];
    for args in cases {
        let out = ssecat(args).run();
        out.code(2);
        assert_eq!(out.out(), "", "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}: no message");
    }
    assert_eq!(srv.request_count(), 0);
}
