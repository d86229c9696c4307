//! `ssecat listen` end to end, staying connected: reconnect delays, Last-Event-ID, idle timeout,
//! parsing on the wire (split CRLF, BOM, invalid UTF-8, huge lines) and stop conditions.
//! Timing: lower bounds prove behaviour and are exact; upper bounds are generous, so a loaded
//! machine does not make a test flaky.

mod common;

use std::time::{Duration, Instant};

use common::listen::*;
use common::*;

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
        assert_gap(&r, a, b, ms(300), ms(1500), "retry: 300 not honoured");
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
    assert_gap(
        &r,
        0,
        1,
        ms(200),
        ms(1500),
        "--retry-delay 200ms not honoured",
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
fn an_id_with_a_control_character_reconnects_without_last_event_id_and_warns() {
    // HTTP cannot carry \x01 in a header: the next request goes without Last-Event-ID (not
    // an exit, not a request that never leaves), and a warning says events may be missed,
    // even with -q. An ID with a tab or non-ASCII text is sent as it is.
    let srv = ScriptServer::start(|n, _| match n {
        0 => Script::sse().send("id: a\x01b\ndata: a\n\n").close(),
        1 => Script::sse().send("id: tab\there é\ndata: b\n\n").close(),
        2 => Script::sse().send("data: c\n\n").close(),
        _ => Script::status(204),
    });
    let out = listen(&srv)
        .args(["--json", "--retry-delay", "50ms", "-q"])
        .run();
    out.code(0);
    assert_eq!(
        events(&out),
        [
            ev("message", "a", "a\u{1}b"),
            ev("message", "b", "tab\there é"),
            ev("message", "c", "tab\there é"),
        ],
        "{}",
        out.dump()
    );
    let r = srv.requests();
    assert_eq!(r.len(), 4, "{}", out.dump());
    assert_eq!(r[1].header("last-event-id"), None, "{:?}", r[1].headers);
    assert_eq!(r[2].header("last-event-id"), Some("tab\there é"));
    let warning = out
        .stderr
        .lines()
        .find(|l| l.contains("without Last-Event-ID"))
        .unwrap_or_else(|| panic!("no warning: {}", out.dump()));
    assert!(warning.starts_with("ssecat: warning: "), "{warning}");
    assert!(
        warning.contains(r#""a\u{1}b""#),
        "the ID, escaped: {warning}"
    );
    assert!(warning.contains("may be missed"), "{warning}");
    assert!(
        !out.stderr.contains('\x01'),
        "a raw control character on stderr"
    );
    assert_eq!(
        out.stderr.lines().count(),
        1,
        "-q: only the warning: {}",
        out.dump()
    );
}

#[test]
fn a_last_event_id_flag_http_cannot_carry_is_a_usage_error() {
    let out = ssecat(["listen", "http://127.0.0.1:1/", "--last-event-id", "a\x07b"]).run();
    out.code(2);
    assert!(
        out.stderr.contains(r#""a\u{7}b" has a control character"#),
        "{}",
        out.dump()
    );
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
