//! `ssecat listen` end to end, output: every format, filters, timestamps, colour, stderr
//! lifecycle, quiet/verbose, broken pipe, usage errors.
//! Timing: lower bounds prove behaviour and are exact; upper bounds are generous, so a loaded
//! machine does not make a test flaky.

mod common;

use std::io::Read;
use std::sync::mpsc;

use common::listen::*;
use common::*;
use serde_json::Value;

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

/// Output is flushed once per read, not per event: what one read brought reaches a pipe while the
/// stream stays open, in every format (it would sit in the 64 KiB stdout buffer otherwise).
#[test]
fn each_read_reaches_a_pipe_while_the_stream_stays_open() {
    let srv = ScriptServer::start(|_, _| {
        Script::sse()
            .send("data: one\n\ndata: two\n\n")
            .sleep(ms(100))
            .send("data: three\n\n")
            .hang()
    });
    for (format, first, last) in [
        ("pretty", "two\n\n", "three\n\n"),
        ("json", "\"two\"", "\"three\""),
        ("data", "one\ntwo\n", "three\n"),
        ("raw", "data: two\n\n", "data: three\n\n"),
    ] {
        let mut run = listen(&srv).args(["--format", format]).spawn();
        run.wait_stdout(first, WAIT);
        run.wait_stdout(last, WAIT);
        run.interrupt();
        let out = run.finish(WAIT);
        out.code(0);
    }
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
