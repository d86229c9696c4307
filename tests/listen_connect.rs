//! `ssecat listen` end to end, connecting: status codes, content types, redirects, the request
//! it sends (headers, method, body, auth). The built binary against an in-process scripted
//! server (tests/common); what the user sees and what the server saw.
//! Timing: lower bounds prove behaviour and are exact; upper bounds are generous, so a loaded
//! machine does not make a test flaky.

mod common;

use std::time::Duration;

use common::listen::*;
use common::*;

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
fn an_error_body_with_control_characters_is_shown_escaped() {
    let srv = ScriptServer::start(|_, _| {
        Script::status(404)
            .header("content-type", "text/html")
            .send("\x1b]0;owned\x07\x1b[2Jgone\n")
            .close()
    });
    let out = listen(&srv).run();
    out.code(1);
    assert!(
        out.stderr
            .contains(r#": "\u{1b}]0;owned\u{7}\u{1b}[2Jgone""#),
        "{}",
        out.dump()
    );
    assert!(!out.stderr.contains('\x1b'), "{}", out.dump());
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
        assert_gap(
            &requests,
            a,
            b,
            ms(1000),
            ms(5000),
            "Retry-After: 1 not honoured",
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
