//! `ssecat listen` and `ssecat bench` against third-party SSE servers, on 127.0.0.1:
//!
//! - nginx with Debian's nchan module (tests/interop/nginx/nchan.conf): a pub/sub channel
//!   published with `curl -X POST`, EventSource subscribers, a message buffer that replays what
//!   follows a Last-Event-ID, and a location that drops idle subscribers after 1s. nchan's IDs
//!   are its own `SECONDS:INDEX` strings.
//! - a Python sse-starlette app under uvicorn (tests/interop/python/servers_starlette.py): typed
//!   events with integer IDs, `retry:`, sse-starlette's `: ping - <time>` comments, CRLF line
//!   endings; it resumes after Last-Event-ID and can end each response after a few events.
//!
//! Every server runs on a free port, is killed when its test ends (nginx runs as one process,
//! `master_process off`, so nothing outlives the kill) and logs to target/interop/.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{Outcome, Running, ms, ssecat};
use crate::tools::{self, Background};

/// Where Debian's libnginx-mod-nchan puts the module the config loads.
const NCHAN_MODULE: &str = "/usr/lib/nginx/modules/ngx_nchan_module.so";

fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

// ---------------------------------------------------------------------------------------------
// Starting the servers
// ---------------------------------------------------------------------------------------------

/// Starts a server on a free port: `command(port)` builds its command line. Waits until the
/// port accepts connections; when the server exits first (another process took the port between
/// [`tools::free_port`] and its bind), tries again on another port, three times in all.
fn start_on_free_port(name: &str, mut command: impl FnMut(u16) -> Command) -> (Background, u16) {
    let mut last_log = String::new();
    for _ in 0..3 {
        let port = tools::free_port();
        let mut server = Background::start(command(port), name);
        let deadline = Instant::now() + secs(15);
        loop {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return (server, port);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                last_log = format!("{name} exited ({status}):\n{}", server.log());
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{name} did not listen on 127.0.0.1:{port} within 15s:\n{}",
                server.log()
            );
            std::thread::sleep(ms(20));
        }
    }
    panic!("{name} could not start on a free port, three times; the last try:\n{last_log}");
}

/// nginx with nchan, from tests/interop/nginx/nchan.conf, in a temp dir of its own.
struct Nchan {
    port: u16,
    name: String,
    dir: tempfile::TempDir,
    _server: Background,
}

impl Nchan {
    /// Starts it, or returns `None` when nginx, the nchan module or curl is missing (outside CI;
    /// see [`tools::need`]). `name` names its logs under target/interop/.
    fn start(name: &str) -> Option<Nchan> {
        // Debian installs nginx in /usr/sbin, which is not on every user's PATH.
        let nginx = tools::which("nginx").or_else(|| tools::which("/usr/sbin/nginx"));
        if !(tools::need(nginx.is_some(), "nginx")
            && tools::need(
                Path::new(NCHAN_MODULE).exists(),
                &format!(
                    "the nchan module for nginx ({NCHAN_MODULE}, Debian's libnginx-mod-nchan)"
                ),
            )
            && tools::require("curl"))
        {
            return None;
        }
        let template = std::fs::read_to_string(tools::dir().join("nginx/nchan.conf"))
            .expect("read tests/interop/nginx/nchan.conf");
        let dir = tempfile::tempdir().expect("temp dir");
        let prefix = dir.path().to_str().expect("a UTF-8 temp dir").to_owned();
        let name = format!("nchan-{name}");
        let (server, port) = start_on_free_port(&name, |port| {
            let conf = template
                .replace("@PREFIX@", &prefix)
                .replace("@PORT@", &port.to_string());
            let path = dir.path().join("nginx.conf");
            std::fs::write(&path, conf).expect("write nginx.conf");
            let _ = std::fs::remove_file(dir.path().join("error.log"));
            let mut cmd = Command::new(nginx.as_ref().expect("nginx"));
            cmd.arg("-p")
                .arg(dir.path())
                .arg("-e")
                .arg(dir.path().join("error.log"))
                .arg("-c")
                .arg(&path)
                .args(["-g", "daemon off;"]);
            cmd
        });
        Some(Nchan {
            port,
            name,
            dir,
            _server: server,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Publishes one message on `channel` with curl.
    fn publish(&self, channel: &str, data: &str) {
        let mut cmd = Command::new("curl");
        cmd.args(["-sS", "-f", "-X", "POST", "--data-binary", data])
            .arg(self.url(&format!("/pub?id={channel}")));
        tools::assert_ok(
            &tools::run(cmd, secs(10)),
            &format!("publishing {data:?} to nchan"),
        );
    }

    /// The channel's `active subscribers` count, from a GET on the publisher location (0 while
    /// the channel does not exist: 404).
    fn subscribers(&self, channel: &str) -> u64 {
        let mut cmd = Command::new("curl");
        cmd.arg("-s").arg(self.url(&format!("/pub?id={channel}")));
        let out = tools::run(cmd, secs(10));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("active subscribers:"))
            .map_or(0, |n| n.trim().parse().expect("a subscriber count"))
    }

    /// Waits until `channel` has `n` subscribers.
    fn wait_subscribers(&self, channel: &str, n: u64) {
        let deadline = Instant::now() + secs(10);
        loop {
            let now = self.subscribers(channel);
            if now == n {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "nchan channel {channel} has {now} subscribers after 10s, not {n}"
            );
            std::thread::sleep(ms(20));
        }
    }
}

impl Drop for Nchan {
    /// Keeps nginx's error log (in the temp dir, about to go) next to its stdout/stderr log.
    fn drop(&mut self) {
        let _ = std::fs::copy(
            self.dir.path().join("error.log"),
            tools::artifacts().join(format!("{}.error.log", self.name)),
        );
    }
}

/// tests/interop/python/servers_starlette.py under uvicorn.
struct Starlette {
    port: u16,
    _server: Background,
}

impl Starlette {
    /// Starts it, or returns `None` when sse-starlette or uvicorn is missing (outside CI).
    fn start(name: &str) -> Option<Starlette> {
        if !(tools::require_python("sse_starlette") && tools::require_python("uvicorn")) {
            return None;
        }
        let (server, port) = start_on_free_port(&format!("starlette-{name}"), |port| {
            let mut cmd = Command::new("python3");
            cmd.args([
                "-m",
                "uvicorn",
                "servers_starlette:app",
                "--host",
                "127.0.0.1",
            ])
            .args(["--port", &port.to_string()])
            .current_dir(tools::dir().join("python"))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONUNBUFFERED", "1");
            cmd
        });
        Some(Starlette {
            port,
            _server: server,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// The Last-Event-ID header of each request for a stream so far (`null` when absent).
    fn seen(&self) -> Value {
        let mut conn = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to the app");
        conn.set_read_timeout(Some(secs(10))).expect("read timeout");
        conn.write_all(b"GET /seen HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            .expect("send GET /seen");
        let mut reply = String::new();
        conn.read_to_string(&mut reply).expect("read GET /seen");
        let (head, body) = reply.split_once("\r\n\r\n").expect("an HTTP reply");
        assert!(head.starts_with("HTTP/1.1 200"), "GET /seen: {reply}");
        serde_json::from_str(body).unwrap_or_else(|e| panic!("GET /seen: {e}: {body}"))
    }
}

// ---------------------------------------------------------------------------------------------
// Reading ssecat's output
// ---------------------------------------------------------------------------------------------

/// Each stdout line of `listen --json`, parsed.
fn json_lines(out: &Outcome) -> Vec<Value> {
    out.lines()
        .iter()
        .map(|l| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("not JSON ({e}): {l:?}\n{}", out.dump()))
        })
        .collect()
}

/// The events (not the comments) of `listen --json` output.
fn events(out: &Outcome) -> Vec<Value> {
    json_lines(out)
        .into_iter()
        .filter(|v| v.get("comment").is_none())
        .collect()
}

/// The `data` of each event.
fn datas(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["data"].as_str().expect("data"))
        .collect()
}

/// The `id` of each event.
fn ids(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_owned())
        .collect()
}

/// An nchan message ID, `SECONDS:INDEX`, as a pair that orders like the messages.
fn nchan_id(id: &str) -> (u64, u64) {
    id.split_once(':')
        .and_then(|(t, i)| Some((t.parse().ok()?, i.parse().ok()?)))
        .unwrap_or_else(|| panic!("not an nchan message ID (SECONDS:INDEX): {id:?}"))
}

/// Checks that every ID is an nchan message ID and each is later than the one before.
#[track_caller]
fn assert_increasing_nchan_ids(ids: &[String]) {
    let parsed: Vec<_> = ids.iter().map(|id| nchan_id(id)).collect();
    assert!(
        parsed.windows(2).all(|w| w[0] < w[1]),
        "nchan IDs do not increase: {ids:?}"
    );
}

/// Waits until `running`'s stderr contains `needle` `times` times.
fn wait_stderr_count(running: &Running, needle: &str, times: usize, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while running.stderr_so_far().matches(needle).count() < times {
        assert!(
            Instant::now() < deadline,
            "stderr did not contain {needle:?} {times} times within {timeout:?}\n\
             --- stdout ---\n{}\n--- stderr ---\n{}",
            running.stdout_so_far(),
            running.stderr_so_far()
        );
        std::thread::sleep(ms(10));
    }
}

/// Waits until `running` has printed `n` lines on stdout.
fn wait_stdout_lines(running: &Running, n: usize, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while running.stdout_so_far().lines().count() < n {
        assert!(
            Instant::now() < deadline,
            "stdout did not reach {n} lines within {timeout:?}\n\
             --- stdout ---\n{}\n--- stderr ---\n{}",
            running.stdout_so_far(),
            running.stderr_so_far()
        );
        std::thread::sleep(ms(10));
    }
}

/// The `bench --json` report on stdout, after checking bench exited 0.
fn bench_report(out: &Outcome) -> Value {
    out.code(0);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("the bench report is not JSON: {e}\n{}", out.dump()))
}

// ---------------------------------------------------------------------------------------------
// nginx + nchan
// ---------------------------------------------------------------------------------------------

/// Messages as published; nchan sends a message with several lines as several `data:` lines.
const MESSAGES: [&str; 4] = [
    "hello",
    "line one\nline two\nline three",
    " indented ✓",
    "{\"n\":4}",
];

#[test]
fn nchan_listen_receives_exactly_the_published_messages() {
    let Some(nchan) = Nchan::start("receive") else {
        return;
    };
    // One plain subscriber for a fixed time (so anything extra would show), with comments; one
    // on the location that types every event `news`, until it has them all.
    let plain = ssecat(["listen", "--json", "--comments", "--duration", "3s"])
        .args([nchan.url("/sub?id=chat")])
        .spawn();
    let typed = ssecat(["listen", "--json", "-n", "4"])
        .args([nchan.url("/sub-typed?id=chat")])
        .spawn();
    nchan.wait_subscribers("chat", 2);
    for message in MESSAGES {
        nchan.publish("chat", message);
    }
    let typed = typed.finish(secs(10));
    let plain = plain.finish(secs(10));
    typed.code(0);
    plain.code(0);

    let lines = json_lines(&plain);
    // nchan greets each EventSource subscriber with a `: hi` comment.
    assert_eq!(
        lines.first(),
        Some(&json!({"comment": "hi"})),
        "{}",
        plain.dump()
    );
    let got = events(&plain);
    assert_eq!(datas(&got), MESSAGES, "{}", plain.dump());
    assert!(
        got.iter()
            .all(|e| e["event"] == "message" && e.get("retry").is_none()),
        "{}",
        plain.dump()
    );
    let plain_ids = ids(&got);
    assert_increasing_nchan_ids(&plain_ids);

    let got = events(&typed);
    assert_eq!(datas(&got), MESSAGES, "{}", typed.dump());
    assert!(got.iter().all(|e| e["event"] == "news"), "{}", typed.dump());
    // The same messages of the same channel: the same IDs.
    assert_eq!(ids(&got), plain_ids, "{}", typed.dump());
}

#[test]
fn nchan_replays_its_buffer_after_last_event_id() {
    let Some(nchan) = Nchan::start("replay") else {
        return;
    };
    let url = nchan.url("/sub?id=replay");
    for n in 1..=3 {
        nchan.publish("replay", &format!("m{n}"));
    }
    // A new subscriber gets the buffer from the oldest message.
    let first = ssecat(["listen", "--json", "-n", "3", &url]).run();
    first.code(0);
    let got = events(&first);
    assert_eq!(datas(&got), ["m1", "m2", "m3"], "{}", first.dump());
    let first_ids = ids(&got);
    assert_increasing_nchan_ids(&first_ids);

    nchan.publish("replay", "m4");
    nchan.publish("replay", "m5");
    // Coming back with the third message's ID: the two published since, and nothing else
    // (the second and third runs listen for a second, not for a number of events).
    let resumed = ssecat(["listen", "--json", "--no-reconnect", "-n", "2"])
        .args(["--last-event-id", &first_ids[2], &url])
        .spawn();
    let window = ssecat(["listen", "--json", "--no-reconnect", "--duration", "1s"])
        .args(["--last-event-id", &first_ids[2], &url])
        .spawn();
    let from_first = ssecat(["listen", "--json", "--no-reconnect", "--duration", "1s"])
        .args(["--last-event-id", &first_ids[0], &url])
        .spawn();
    for (out, expected) in [
        (resumed.finish(secs(10)), &["m4", "m5"][..]),
        (window.finish(secs(10)), &["m4", "m5"][..]),
        (from_first.finish(secs(10)), &["m2", "m3", "m4", "m5"][..]),
    ] {
        out.code(0);
        let got = events(&out);
        assert_eq!(datas(&got), expected, "{}", out.dump());
        let mut all = vec![first_ids[0].clone()];
        all.extend(ids(&got));
        assert_increasing_nchan_ids(&all);
    }
    // Replayed messages keep their IDs.
    let again = ssecat(["listen", "--json", "-n", "5", &url]).run();
    again.code(0);
    let got = events(&again);
    assert_eq!(
        datas(&got),
        ["m1", "m2", "m3", "m4", "m5"],
        "{}",
        again.dump()
    );
    assert_eq!(ids(&got)[..3], first_ids[..], "{}", again.dump());
}

#[test]
fn nchan_listen_reconnects_after_a_drop_and_misses_nothing() {
    let Some(nchan) = Nchan::start("reconnect") else {
        return;
    };
    // nchan closes a subscriber of /sub-idle after 1s without a message.
    let listen = ssecat(["listen", "--json", "-n", "5"])
        .args(["--retry-delay", "500ms", "--max-delay", "1s"])
        .args([nchan.url("/sub-idle?id=drops")])
        .spawn();
    nchan.wait_subscribers("drops", 1);
    nchan.publish("drops", "m1");
    nchan.publish("drops", "m2\nsecond line");
    wait_stdout_lines(&listen, 2, secs(10));
    // The drop: published while listen waits to reconnect, so only the buffer has them.
    wait_stderr_count(&listen, "reconnecting in 500ms", 1, secs(10));
    nchan.publish("drops", "m3");
    nchan.publish("drops", "m4");
    wait_stderr_count(&listen, "connected to", 2, secs(10));
    nchan.publish("drops", "m5");
    let out = listen.finish(secs(10));
    out.code(0);

    let got = events(&out);
    assert_eq!(
        datas(&got),
        ["m1", "m2\nsecond line", "m3", "m4", "m5"],
        "{}",
        out.dump()
    );
    let got_ids = ids(&got);
    assert_increasing_nchan_ids(&got_ids);
    // After m2 normally; after m1 only if m2 came more than 1s later.
    let resumed = got_ids[..4].iter().any(|id| {
        out.stderr.contains(&format!(
            "ssecat: the stream ended; reconnecting in 500ms with Last-Event-ID: {id}\n"
        ))
    });
    assert!(resumed, "no reconnect with Last-Event-ID\n{}", out.dump());
}

#[test]
fn nchan_bench_counts_every_message_on_every_stream() {
    let Some(nchan) = Nchan::start("bench") else {
        return;
    };
    const STREAMS: u64 = 5;
    const MESSAGES: u64 = 20;
    let duration = secs(4);
    let bench = ssecat(["bench", "-c", &STREAMS.to_string(), "--duration", "4s"])
        .args(["--json", "--no-progress", &nchan.url("/sub?id=load")])
        .spawn();
    let started = bench.started();
    nchan.wait_subscribers("load", STREAMS);
    // nchan's IDs are not integers, so no --check-ids: the count must be exact instead.
    for n in 1..=MESSAGES {
        nchan.publish("load", &format!("{{\"n\":{n}}}"));
        std::thread::sleep(ms(10));
    }
    assert!(
        started.elapsed() + ms(500) < duration,
        "publishing took until {:?} of a {duration:?} bench: too slow to count on",
        started.elapsed()
    );
    let out = bench.finish(secs(15));
    let report = bench_report(&out);
    let summary = &report["summary"];
    assert_eq!(summary["streams"], STREAMS, "{}", out.dump());
    assert_eq!(summary["connected"], STREAMS, "{}", out.dump());
    assert_eq!(summary["events"], STREAMS * MESSAGES, "{}", out.dump());
    assert_eq!(summary["errors"], 0, "{}", out.dump());
    assert_eq!(summary["disconnects"], 0, "{}", out.dump());
    assert_eq!(summary["reconnects"], 0, "{}", out.dump());
    assert_eq!(report["errors"], json!({}), "{}", out.dump());
}

#[test]
fn nchan_bench_reconnect_resumes_from_the_buffer() {
    let Some(nchan) = Nchan::start("bench-reconnect") else {
        return;
    };
    const STREAMS: u64 = 2;
    // /sub-idle drops each stream 1s after its last message; bench --reconnect comes back 3s
    // later (nchan sends no retry:) with Last-Event-ID, in the middle of the 7s run.
    let bench = ssecat(["bench", "-c", &STREAMS.to_string(), "--duration", "7s"])
        .args(["--reconnect", "--json", "--no-progress"])
        .args([nchan.url("/sub-idle?id=resume")])
        .spawn();
    nchan.wait_subscribers("resume", STREAMS);
    for n in 1..=3 {
        nchan.publish("resume", &format!("m{n}"));
    }
    // Published while every stream is away: only a resume from the buffer gets them.
    nchan.wait_subscribers("resume", 0);
    nchan.publish("resume", "m4");
    nchan.publish("resume", "m5");
    let out = bench.finish(secs(15));
    let report = bench_report(&out);
    let summary = &report["summary"];
    assert_eq!(summary["connected"], summary["attempts"], "{}", out.dump());
    assert!(
        summary["reconnects"].as_u64().expect("reconnects") >= STREAMS,
        "{}",
        out.dump()
    );
    // Each stream: m1 to m3, then m4 and m5 after the reconnect; none twice (a reopen without
    // Last-Event-ID would get nchan's whole buffer again).
    assert_eq!(summary["events"], STREAMS * 5, "{}", out.dump());
    assert_eq!(summary["errors"], 0, "{}", out.dump());
}

// ---------------------------------------------------------------------------------------------
// sse-starlette under uvicorn
// ---------------------------------------------------------------------------------------------

/// The app's /events/script, as `listen --json` prints it, with `retry` (ms) on the events that
/// start a response.
fn script(retry: u64, response_starts: &[u64]) -> Vec<Value> {
    let mut events = vec![
        json!({"event": "status", "data": "starting", "id": "1"}),
        json!({"event": "update", "data": "{\"n\":2}", "id": "2"}),
        json!({"event": "update", "data": "line one\nline two", "id": "3"}),
        json!({"event": "message", "data": " indented ✓", "id": "4"}),
        json!({"event": "done", "data": "bye", "id": "5"}),
    ];
    for &id in response_starts {
        events[id as usize - 1]["retry"] = json!(retry);
    }
    events
}

/// True for sse-starlette's ping text, `ping - 2026-11-22 06:09:53.894237+00:00`.
fn is_ping(comment: &str) -> bool {
    let Some(time) = comment.strip_prefix("ping - ") else {
        return false;
    };
    let shape = "dddd-dd-dd dd:dd:dd";
    time.len() > shape.len()
        && time.chars().zip(shape.chars()).all(|(c, s)| match s {
            'd' => c.is_ascii_digit(),
            s => c == s,
        })
        && time.ends_with("+00:00")
}

#[test]
fn starlette_listen_gets_typed_events_ids_retry_and_pings() {
    let Some(app) = Starlette::start("events") else {
        return;
    };
    // Events 250ms apart, a ping every 100ms, the response ends after the fifth event.
    let url = app.url("/events/script?gap=0.25&ping=0.1&retry=1500");
    let with_comments = ssecat(["listen", "--json", "--comments", "--no-reconnect", &url]).spawn();
    let plain = ssecat(["listen", "--json", "--no-reconnect", &url]).spawn();
    let with_comments = with_comments.finish(secs(15));
    let plain = plain.finish(secs(15));
    with_comments.code(0);
    plain.code(0);

    let expected = script(1500, &[1]);
    assert_eq!(json_lines(&plain), expected, "{}", plain.dump());
    assert_eq!(events(&with_comments), expected, "{}", with_comments.dump());
    let comments: Vec<String> = json_lines(&with_comments)
        .iter()
        .filter_map(|v| {
            v.get("comment")
                .map(|c| c.as_str().expect("comment").to_owned())
        })
        .collect();
    assert!(
        comments.len() >= 3,
        "about 12 pings in 1.25s, but {} comments\n{}",
        comments.len(),
        with_comments.dump()
    );
    assert!(
        comments.iter().all(|c| is_ping(c)),
        "not sse-starlette pings: {comments:?}"
    );
    assert_eq!(app.seen(), json!([null, null]));
}

#[test]
fn starlette_listen_resumes_with_last_event_id() {
    let Some(app) = Starlette::start("resume") else {
        return;
    };
    // Each response ends after two events, its first carrying `retry: 100`: listen must come
    // back after 100ms (not --retry-delay's 20s) with Last-Event-ID: three responses in all.
    let url = app.url("/events/script?per_conn=2&retry=100&gap=0.02");
    let out =
        ssecat(["listen", "--json", "-n", "5", "--retry-delay", "20s", &url]).run_within(secs(10));
    out.code(0);
    assert_eq!(json_lines(&out), script(100, &[1, 3, 5]), "{}", out.dump());
    for id in [2, 4] {
        let line =
            format!("ssecat: the stream ended; reconnecting in 100ms with Last-Event-ID: {id}");
        assert!(out.stderr.contains(&line), "no {line:?}\n{}", out.dump());
    }
    assert_eq!(
        out.stderr.matches("connected to").count(),
        3,
        "{}",
        out.dump()
    );
    assert_eq!(app.seen(), json!([null, "2", "4"]));
}

/// `bench -c STREAMS --events EVENTS --check-ids --json` and `extra` against `url`: its report,
/// after checking that every stream got every event, in order, without an error.
fn bench_checked(url: &str, streams: u64, events: u64, extra: &[&str]) -> Value {
    let (streams_arg, events_arg) = (streams.to_string(), events.to_string());
    let out = ssecat([
        "bench",
        "-c",
        &streams_arg,
        "--events",
        &events_arg,
        "--check-ids",
    ])
    .args(["--duration", "20s", "--json", "--no-progress"])
    .args(extra)
    .args([url])
    .run_within(secs(15));
    let report = bench_report(&out);
    let summary = &report["summary"];
    assert_eq!(summary["streams"], streams, "{}", out.dump());
    assert_eq!(summary["connected"], summary["attempts"], "{}", out.dump());
    assert_eq!(summary["events"], streams * events, "{}", out.dump());
    assert_eq!(summary["errors"], 0, "{}", out.dump());
    assert_eq!(report["errors"], json!({}), "{}", out.dump());
    let ids = &report["ids"];
    assert_eq!(ids["checked"], streams * events, "{}", out.dump());
    for count in ["lost", "duplicated", "out_of_order", "unchecked"] {
        assert_eq!(ids[count], 0, "ids.{count}\n{}", out.dump());
    }
    assert!(
        report["duration_secs"].as_f64().expect("duration_secs") < 10.0,
        "--events {events} should end the run long before --duration 20s\n{}",
        out.dump()
    );
    report
}

#[test]
fn starlette_bench_counts_and_checks_ids() {
    let Some(app) = Starlette::start("bench") else {
        return;
    };
    // Integer IDs 1…20, 10ms apart, then the response stays open.
    let report = bench_checked(
        &app.url("/events/numbers?count=20&gap=0.01&hold=1"),
        5,
        20,
        &[],
    );
    assert_eq!(report["summary"]["connected"], 5);
    assert_eq!(report["summary"]["reconnects"], 0);
    assert_eq!(app.seen(), Value::Array(vec![Value::Null; 5]));

    // Responses of 10 events that end, the first with `retry: 100`: --reconnect resumes each
    // stream twice with Last-Event-ID, and the app carries on from there.
    let url = app.url("/events/numbers?count=30&gap=0.01&per_conn=10&retry=100");
    let report = bench_checked(&url, 5, 30, &["--reconnect"]);
    assert_eq!(report["summary"]["connected"], 15);
    assert_eq!(report["summary"]["reconnects"], 10);
    let mut seen: Vec<String> = app.seen().as_array().expect("a list")[5..]
        .iter()
        .map(|id| id.as_str().unwrap_or("none").to_owned())
        .collect();
    seen.sort();
    let expected: Vec<&str> = ["10", "20", "none"]
        .iter()
        .flat_map(|id| [*id; 5])
        .collect();
    assert_eq!(
        seen, expected,
        "the Last-Event-ID headers of the second run"
    );
}
