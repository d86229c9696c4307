//! `ssecat serve` as a process (the built binary, tests/common/process.rs):
//!
//! - `--stdin` and `--stdin-json` publish stdin's lines, warn about bad ones, and keep serving
//!   after stdin closes;
//! - SIGTERM and SIGINT shut it down cleanly (exit 0, streams ended) and promptly;
//! - the stderr log: one line per connect, disconnect (with its reason), publish and fault, no
//!   colour when stderr is not a terminal, and nothing but the listening line with `-q`;
//! - usage errors exit 2, runtime errors exit 1 with one `ssecat: error:` line.

mod common;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::serve::wait_stats_at;
use common::{Running, WAIT, ms, ssecat};
use serde_json::{Value, json};
use ssecat::event::Event;
use ssecat::parse::{Item, Parser};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

// ---------------------------------------------------------------------------------------------
// --stdin
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn stdin_lines_are_published_and_serving_goes_on_after_stdin_closes() {
    let (run, addr) = start_with_stdin(&["--stdin"], "one\ntwo\n");
    wait_log(&run, "stdin closed", |l| {
        kind(l) == Some("serve") && text(l) == "stdin closed; still serving"
    })
    .await;
    // Both lines were published before anyone subscribed: an unknown Last-Event-ID replays them.
    let mut sub = Stream::open(addr, "/events", Some("unknown")).await;
    let events = sub.events(2).await;
    assert_eq!(
        summary(&events),
        [("message", "one", "1"), ("message", "two", "2")]
    );
    // Still serving: a publish reaches the subscriber live.
    let reply = post(addr, "/events", "three").await;
    assert_eq!(reply, json!({"id": "3", "delivered": 1}));
    assert_eq!(summary(&sub.events(1).await), [("message", "three", "3")]);
    run.interrupt();
    run.finish(WAIT).code(0);
}

#[tokio::test]
async fn stdin_json_publishes_good_lines_and_warns_once_about_a_bad_one_even_with_q() {
    let input = concat!(
        r#"{"event":"e","data":{"k":1}}"#,
        "\nnope\n",
        r#"{"data":"x","id":"9"}"#,
        "\n"
    );
    let (run, addr) = start_with_stdin(&["-q", "--stdin", "--stdin-json"], input);
    let warning = wait_log(&run, "the bad line's warning", |l| {
        kind(l) == Some("warning")
    })
    .await;
    assert!(
        text(&warning).starts_with("stdin line 2: not JSON: ")
            && text(&warning).ends_with("; not published"),
        "{warning:?}"
    );
    let mut sub = Stream::open(addr, "/events", Some("unknown")).await;
    let events = sub.events(2).await;
    assert_eq!(
        summary(&events),
        [("e", r#"{"k":1}"#, "1"), ("message", "x", "9")]
    );
    run.interrupt();
    let out = run.finish(WAIT);
    out.code(0);
    let stdin_warnings: Vec<&str> = out.stderr.lines().filter(|l| l.contains("stdin")).collect();
    assert_eq!(stdin_warnings, [warning.as_str()], "{}", out.dump());
}

// ---------------------------------------------------------------------------------------------
// Shutdown
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn sigterm_exits_0_promptly_and_ends_open_streams() {
    shuts_down_cleanly(|run| sigterm(run.pid())).await;
}

#[tokio::test]
async fn sigint_exits_0_promptly_and_ends_open_streams() {
    shuts_down_cleanly(Running::interrupt).await;
}

/// `tail -f app.log | ssecat serve --stdin`: stdin is read by a blocking read that cannot be
/// cancelled, and shutdown must not wait for it. (Found hanging until the next stdin line by this
/// test; fixed in 7fa9d9f with `shutdown_timeout`.)
#[tokio::test]
async fn sigterm_exits_promptly_while_stdin_is_still_open() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ssecat"))
        .args(["serve", "--port", "0", "--stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ssecat");
    // Held open, and written nothing, like a quiet `tail -f`.
    let _stdin = child.stdin.take().expect("piped stdin");
    let stderr = child.stderr.take().expect("piped stderr");
    let mut child = KillOnDrop(child);
    let (tx, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let first = lines.recv_timeout(WAIT).expect("the listening line");
    let addr = first
        .strip_prefix("ssecat serve: listening on http://")
        .and_then(|rest| rest.split_once('/'))
        .map(|(addr, _)| addr.to_owned())
        .unwrap_or_else(|| panic!("{first:?}"));
    // Serving: the signal handlers are in place.
    let health = reqwest::get(format!("http://{addr}/health"))
        .await
        .expect("GET /health");
    assert_eq!(health.status(), 200);

    let sent = Instant::now();
    sigterm(child.0.id());
    let deadline = sent + ms(1500);
    let mut logged = Vec::new();
    let code = loop {
        if let Some(status) = child.0.try_wait().expect("try_wait") {
            break status.code();
        }
        logged.extend(lines.try_iter());
        assert!(
            Instant::now() < deadline,
            "still running 1.5s after SIGTERM, with stdin open; it logged: {logged:?}"
        );
        tokio::time::sleep(ms(10)).await;
    };
    assert_eq!(code, Some(0));
}

// ---------------------------------------------------------------------------------------------
// The log
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn log_has_a_line_per_connect_disconnect_and_publish_without_colour() {
    let (run, addr) = start(&["--drop-after", "1"]);
    // A subscriber of two topics that goes away.
    let first = Stream::open(addr, "/events?topic=a&topic=b", None).await;
    let first_peer = first.peer;
    let prelude = prelude_len("a,b");
    wait_log(&run, "the first connect", |l| {
        kind(l) == Some("connect") && text(l) == format!("{first_peer} topics=a,b")
    })
    .await;
    drop(first);
    wait_log(&run, "the first disconnect", |l| {
        kind(l) == Some("disconnect")
            && text(l)
                == format!("{first_peer} topics=a,b events=0 sent={prelude} bytes (client closed)")
    })
    .await;
    // A subscriber that gets one event and is then dropped by --drop-after 1.
    let mut second = Stream::open(addr, "/events?topic=a", None).await;
    let second_peer = second.peer;
    wait_log(&run, "the second connect", |l| {
        kind(l) == Some("connect") && text(l) == format!("{second_peer} topics=a")
    })
    .await;
    assert_eq!(
        post(addr, "/events?topic=a", "x").await,
        json!({"id": "1", "delivered": 1})
    );
    assert_eq!(summary(&second.rest().await), [("message", "x", "1")]);
    let sent = prelude_len("a") + "id: 1\ndata: x\n\n".len();
    wait_log(&run, "the second disconnect", |l| {
        kind(l) == Some("disconnect")
            && text(l)
                == format!(
                    "{second_peer} topics=a events=1 sent={sent} bytes (fault: --drop-after)"
                )
    })
    .await;
    let publish = wait_log(&run, "the publish", |l| kind(l) == Some("publish")).await;
    let (peer, rest) = text(&publish).split_once(' ').expect("peer and text");
    assert!(peer.parse::<SocketAddr>().is_ok(), "{publish:?}");
    assert_eq!(rest, "POST id=1 delivered=1");

    run.interrupt();
    let out = run.finish(WAIT);
    out.code(0);
    assert!(
        !out.stderr.contains("\x1b["),
        "colour codes: {:?}",
        out.stderr
    );
    let mut kinds: Vec<&str> = out.stderr.lines().skip(1).filter_map(kind).collect();
    // The publish and the disconnect it leads to may be logged in either order.
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "connect",
            "connect",
            "disconnect",
            "disconnect",
            "publish",
            "serve"
        ],
        "{}",
        out.dump()
    );
    assert_eq!(
        out.stderr.lines().last().map(text),
        Some("shutting down"),
        "{}",
        out.dump()
    );
    for line in out.stderr.lines().skip(1) {
        assert!(is_log_line(line), "not a log line: {line:?}");
    }
}

#[tokio::test]
async fn names_and_ids_from_clients_reach_the_log_escaped() {
    // A Last-Event-ID with an ESC sequence (title change) and a published ID with a BEL: the
    // log shows them Rust-escaped in quotes, and no control byte reaches stderr. (A topic cannot
    // hold a control character at all: 400.)
    let (run, addr) = start(&[]);
    let sub = Stream::open(
        addr,
        "/events?topic=x&lastEventId=x%1B%5D0%3Bpwned%07",
        None,
    )
    .await;
    let peer = sub.peer;
    wait_log(&run, "the connect", |l| {
        kind(l) == Some("connect")
            && text(l)
                == format!(r#"{peer} topics=x last-event-id="x\u{{1b}}]0;pwned\u{{7}}" replayed=0"#)
    })
    .await;
    let warning = wait_log(&run, "the warning", |l| kind(l) == Some("warning")).await;
    assert!(
        text(&warning).contains(r#" last-event-id "x\u{1b}]0;pwned\u{7}" is not in the history"#),
        "{warning:?}"
    );
    assert_eq!(
        post(addr, "/events?topic=t&id=a%07b", "x").await,
        json!({"id": "a\u{7}b", "delivered": 0})
    );
    let publish = wait_log(&run, "the publish", |l| kind(l) == Some("publish")).await;
    assert!(
        text(&publish).ends_with(r#" POST id="a\u{7}b" delivered=0"#),
        "{publish:?}"
    );
    drop(sub);
    run.interrupt();
    let out = run.finish(WAIT);
    out.code(0);
    assert!(
        !out.stderr
            .bytes()
            .any(|b| b.is_ascii_control() && b != b'\n'),
        "a control byte in the log: {:?}",
        out.stderr
    );
}

#[tokio::test]
async fn log_has_a_line_per_injected_fault() {
    let (run, addr) = start(&["--fail-rate", "1", "--fail-status", "429"]);
    let mut conn = raw_get(addr, "/events").await;
    let peer = conn.local_addr().expect("local address");
    let head = read_head(&mut conn).await;
    assert!(head.starts_with("HTTP/1.1 429 "), "{head:?}");
    let line = wait_log(&run, "the fault", |l| kind(l) == Some("fault")).await;
    assert_eq!(text(&line), format!("{peer} --fail-rate: answered 429"));
    assert!(is_log_line(&line), "{line:?}");
    run.interrupt();
    let out = run.finish(WAIT);
    out.code(0);
    assert!(
        !out.stderr.contains("\x1b["),
        "colour codes: {:?}",
        out.stderr
    );
    assert!(!out.stderr.contains("connect"), "{}", out.dump());
}

#[tokio::test]
async fn quiet_logs_nothing_but_the_listening_line() {
    let (run, addr) = start(&[
        "-q",
        "--drop-after",
        "1",
        "--fail-rate",
        "0.5",
        "--seed",
        "42",
    ]);
    // Subscribe until one stream was refused and one opened (the seed makes this repeatable).
    let mut kept = None;
    let mut refused = 0;
    for _ in 0..20 {
        let mut conn = raw_get(addr, "/events").await;
        let head = read_head(&mut conn).await;
        if head.starts_with("HTTP/1.1 200 ") {
            kept.get_or_insert(conn);
        } else {
            assert!(head.starts_with("HTTP/1.1 503 "), "{head:?}");
            refused += 1;
        }
        if kept.is_some() && refused > 0 {
            break;
        }
    }
    let mut kept = kept.expect("an open stream in 20 tries");
    assert!(refused > 0, "no refused stream in 20 tries");
    wait_stats_at(addr, "one subscriber", WAIT, |s| s["subscribers"] == 1).await;
    // One publish, which --drop-after 1 follows by ending the stream.
    assert_eq!(
        post(addr, "/events", "x").await,
        json!({"id": "1", "delivered": 1})
    );
    read_until(&mut kept, b"\r\n0\r\n\r\n").await;
    let stats = wait_stats_at(addr, "no stream open", WAIT, |s| s["streams"]["now"] == 0).await;
    assert_eq!(stats["faults_injected"], refused, "{stats}");
    run.interrupt();
    let out = run.finish(WAIT);
    out.code(0);
    let port = addr.port();
    assert_eq!(
        out.stderr,
        format!(
            "ssecat serve: listening on http://127.0.0.1:{port}/ (events at /events, viewer at /)\n"
        )
    );
}

#[tokio::test]
async fn color_always_colours_the_log_even_when_not_a_terminal() {
    let (run, addr) = start(&["--color", "always"]);
    let stream = Stream::open(addr, "/events", None).await;
    let line = wait_log(&run, "the connect", |l| l.contains("connect")).await;
    assert!(line.contains("\x1b["), "{line:?}");
    drop(stream);
    run.interrupt();
    run.finish(WAIT).code(0);
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// clap's errors: the message (the missing flag on a second line), then clap's hint.
#[test]
fn usage_errors_exit_2_with_a_message_naming_the_bad_flag() {
    let missing = "error: the following required arguments were not provided:";
    let cases: [(&[&str], &[&str]); 7] = [
        (
            &["--drip", "3"],
            &[
                "error: invalid value '3' for '--drip <BYTES:DELAY>': `3` is not BYTES:DELAY (e.g. 3:10ms)",
            ],
        ),
        (
            &["--drip", "0:1ms"],
            &[
                "error: invalid value '0:1ms' for '--drip <BYTES:DELAY>': `0` is not a positive number of bytes",
            ],
        ),
        (
            &["--fail-rate", "2"],
            &[
                "error: invalid value '2' for '--fail-rate <P>': `2` is not a probability between 0 and 1",
            ],
        ),
        (
            &["--speed", "0"],
            &["error: invalid value '0' for '--speed <X>': `0` is not a positive number"],
        ),
        (
            &["--client-queue", "0"],
            &["error: invalid value '0' for '--client-queue <N>': 0 is not in 1..=4294967295"],
        ),
        (&["--loop"], &[missing, "  --play <FILE>"]),
        (&["--stdin-json"], &[missing, "  --stdin"]),
    ];
    for (args, message) in cases {
        let out = ssecat(["serve", "--port", "0"]).args(args).run();
        out.code(2);
        assert_eq!(out.out(), "", "{args:?}");
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines[..message.len()], *message, "{args:?}\n{}", out.dump());
        assert_eq!(
            lines.last(),
            Some(&"For more information, try '--help'."),
            "{args:?}\n{}",
            out.dump()
        );
    }
}

#[test]
fn a_zero_tick_is_a_one_line_usage_error() {
    let out = ssecat(["serve", "--port", "0", "--tick", "0s"]).run();
    out.code(2);
    assert_eq!(out.stderr, "ssecat: error: --tick must be longer than 0\n");
}

#[test]
fn a_missing_capture_is_a_one_line_runtime_error() {
    let out = ssecat(["serve", "--port", "0", "--play", "/nonexistent"]).run();
    out.code(1);
    assert_eq!(
        out.stderr,
        "ssecat: error: cannot read /nonexistent: No such file or directory (os error 2)\n"
    );
}

#[test]
fn an_empty_capture_is_a_one_line_runtime_error() {
    let file = tempfile::NamedTempFile::new().expect("temp file");
    let path = file.path().to_str().expect("UTF-8 path");
    let out = ssecat(["serve", "--port", "0", "--play", path]).run();
    out.code(1);
    assert_eq!(
        out.stderr,
        format!("ssecat: error: {path} holds no events to play\n")
    );
}

#[test]
fn a_port_in_use_is_a_one_line_runtime_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().unwrap().port().to_string();
    let out = ssecat(["serve", "--port", &port]).run();
    out.code(1);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.dump());
    assert!(
        out.stderr.starts_with(&format!(
            "ssecat: error: cannot listen on 127.0.0.1:{port}: "
        )),
        "{}",
        out.dump()
    );
    assert!(out.stderr.contains("in use"), "{}", out.dump());
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// Starts `ssecat serve --port 0 ARGS…` and waits for its listening line: the process and its
/// address.
fn start(args: &[&str]) -> (Running, SocketAddr) {
    listening(ssecat(["serve", "--port", "0"]).args(args).spawn())
}

/// Like [`start`], with `input` on stdin (then EOF).
fn start_with_stdin(args: &[&str], input: &str) -> (Running, SocketAddr) {
    listening(
        ssecat(["serve", "--port", "0"])
            .args(args)
            .stdin(input)
            .spawn(),
    )
}

fn listening(mut run: Running) -> (Running, SocketAddr) {
    run.wait_stderr("(events at /events", WAIT);
    let stderr = run.stderr_so_far();
    let first = stderr.lines().next().unwrap_or_default();
    let addr = first
        .strip_prefix("ssecat serve: listening on http://")
        .and_then(|rest| rest.split_once('/'))
        .and_then(|(addr, _)| addr.parse().ok())
        .unwrap_or_else(|| panic!("no address in the first line: {stderr:?}"));
    (run, addr)
}

/// Waits (without blocking the runtime) for a complete stderr line that `pred` accepts.
async fn wait_log(run: &Running, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + WAIT;
    loop {
        let stderr = run.stderr_so_far();
        let complete = &stderr[..stderr.rfind('\n').map_or(0, |i| i + 1)];
        if let Some(line) = complete.lines().find(|l| pred(l)) {
            return line.to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "no log line for {what} within {WAIT:?}; stderr:\n{stderr}"
        );
        tokio::time::sleep(ms(10)).await;
    }
}

/// A log line's kind: `12:34:56.789 KIND TEXT`.
fn kind(line: &str) -> Option<&str> {
    line.split_whitespace().nth(1)
}

/// A log line's text, after its time and kind.
fn text(line: &str) -> &str {
    line.get(24..).unwrap_or_default()
}

/// `HH:MM:SS.mmm KIND␣…␣TEXT`, the kind padded to 10 characters.
fn is_log_line(line: &str) -> bool {
    let b = line.as_bytes();
    let time_ok = b.len() > 24
        && b[..12].iter().enumerate().all(|(i, c)| match i {
            2 | 5 => *c == b':',
            8 => *c == b'.',
            _ => c.is_ascii_digit(),
        });
    time_ok && b[12] == b' ' && b[23] == b' ' && b[13] != b' ' && b[24] != b' '
}

/// Bytes of the opening comment of a stream of `topics`.
fn prelude_len(topics: &str) -> usize {
    format!(":ssecat serve: subscribed to {topics}\n\n").len()
}

/// Sends SIGTERM to a process.
fn sigterm(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("run kill -TERM");
    assert!(status.success(), "kill -TERM {pid} failed");
}

/// Kills the child, if still running, when dropped.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Sends the signal, then checks the process exits 0 within 1.5s and the open stream ends.
async fn shuts_down_cleanly(signal: impl FnOnce(&Running)) {
    let (run, addr) = start(&[]);
    let mut stream = Stream::open(addr, "/events", None).await;
    let peer = stream.peer;
    wait_log(&run, "the connect", |l| {
        kind(l) == Some("connect") && text(l).starts_with(&peer.to_string())
    })
    .await;
    let sent = Instant::now();
    signal(&run);
    let exited = tokio::task::spawn_blocking(move || run.finish(Duration::from_secs(5)));
    let events = stream.rest().await;
    assert_eq!(events, []);
    assert!(stream.clean_end, "the stream did not end cleanly");
    let out = exited.await.expect("join");
    let took = sent.elapsed();
    out.code(0);
    assert!(took < ms(1500), "exited {took:?} after the signal");
    assert!(
        out.stderr.lines().any(|l| kind(l) == Some("disconnect")
            && text(l).starts_with(&peer.to_string())
            && text(l).ends_with("(server shutting down)")),
        "{}",
        out.dump()
    );
}

/// `(event, data, id)` of each event.
fn summary(events: &[Event]) -> Vec<(&str, &str, &str)> {
    events
        .iter()
        .map(|e| (e.event.as_str(), e.data.as_str(), e.id.as_str()))
        .collect()
}

/// `POST` a raw body; the reply's JSON (status 200 asserted).
async fn post(addr: SocketAddr, path: &str, body: &str) -> Value {
    let resp = reqwest::Client::new()
        .post(format!("http://{addr}{path}"))
        .body(body.to_owned())
        .send()
        .await
        .expect("POST");
    assert_eq!(resp.status(), 200);
    serde_json::from_str(&resp.text().await.expect("body")).expect("JSON reply")
}

/// A raw HTTP/1.1 `GET path` on a new connection; nothing read yet.
async fn raw_get(addr: SocketAddr, path: &str) -> TcpStream {
    let mut conn = TcpStream::connect(addr).await.expect("connect");
    let head = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
    conn.write_all(head.as_bytes()).await.expect("write");
    conn
}

/// Reads a response head (up to the blank line), byte by byte so no body is consumed.
async fn read_head(conn: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let read = async {
        while !head.ends_with(b"\r\n\r\n") {
            let byte = conn.read_u8().await.expect("a response head");
            head.push(byte);
        }
    };
    tokio::time::timeout(WAIT, read)
        .await
        .expect("a head in time");
    String::from_utf8(head).expect("an ASCII head")
}

/// Reads until what was read ends with `suffix` (within [`WAIT`]).
async fn read_until(conn: &mut TcpStream, suffix: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    let read = async {
        while !bytes.ends_with(suffix) {
            let mut buf = [0u8; 4096];
            let n = conn.read(&mut buf).await.expect("read");
            assert!(n > 0, "closed before {suffix:?}: {bytes:?}");
            bytes.extend_from_slice(&buf[..n]);
        }
    };
    tokio::time::timeout(WAIT, read)
        .await
        .unwrap_or_else(|_| panic!("no {suffix:?} within {WAIT:?}"));
    bytes
}

/// An event stream read over a raw HTTP/1.1 connection, so the test knows the client's address
/// (the peer in the server's log).
struct Stream {
    conn: TcpStream,
    peer: SocketAddr,
    parser: Parser,
    chunked: Vec<u8>,
    items: std::collections::VecDeque<Item>,
    ended: bool,
    /// The body ended with its terminating chunk (not by the connection closing mid-body).
    clean_end: bool,
}

impl Stream {
    /// `GET path` with an optional Last-Event-ID; the response must be a 200 event stream.
    async fn open(addr: SocketAddr, path: &str, last_event_id: Option<&str>) -> Stream {
        let mut conn = TcpStream::connect(addr).await.expect("connect");
        let peer = conn.local_addr().expect("local address");
        let mut head = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n");
        if let Some(id) = last_event_id {
            head.push_str(&format!("Last-Event-ID: {id}\r\n"));
        }
        head.push_str("\r\n");
        conn.write_all(head.as_bytes()).await.expect("write");
        let response = read_head(&mut conn).await;
        assert!(response.starts_with("HTTP/1.1 200 "), "{response:?}");
        assert!(
            response
                .to_ascii_lowercase()
                .contains("transfer-encoding: chunked"),
            "{response:?}"
        );
        Stream {
            conn,
            peer,
            parser: Parser::new(),
            chunked: Vec::new(),
            items: Default::default(),
            ended: false,
            clean_end: false,
        }
    }

    /// The next event, `None` when the stream ends; fails after [`WAIT`].
    async fn next_event(&mut self) -> Option<Event> {
        loop {
            while let Some(item) = self.items.pop_front() {
                if let Item::Event(e) = item {
                    return Some(e);
                }
            }
            if self.ended {
                return None;
            }
            self.read_more().await;
        }
    }

    /// The next `n` events; fails if the stream ends first.
    async fn events(&mut self, n: usize) -> Vec<Event> {
        let mut out = Vec::new();
        while out.len() < n {
            let e = self.next_event().await;
            out.push(e.unwrap_or_else(|| panic!("the stream ended after {out:?}")));
        }
        out
    }

    /// The events up to the end of the stream.
    async fn rest(&mut self) -> Vec<Event> {
        let mut out = Vec::new();
        while let Some(e) = self.next_event().await {
            out.push(e);
        }
        out
    }

    /// Reads from the socket and decodes whole chunks into parsed items.
    async fn read_more(&mut self) {
        let mut buf = [0u8; 16 * 1024];
        let n = tokio::time::timeout(WAIT, self.conn.read(&mut buf))
            .await
            .expect("stream bytes within the wait")
            .unwrap_or(0);
        if n == 0 {
            self.ended = true;
            return;
        }
        self.chunked.extend_from_slice(&buf[..n]);
        // Chunks: SIZE-IN-HEX CRLF DATA CRLF; size 0 ends the body.
        loop {
            let Some(eol) = self.chunked.windows(2).position(|w| w == b"\r\n") else {
                return;
            };
            let size_text = std::str::from_utf8(&self.chunked[..eol]).expect("chunk size");
            let size = usize::from_str_radix(size_text.trim(), 16).expect("hex chunk size");
            if self.chunked.len() < eol + 2 + size + 2 {
                return;
            }
            let data = self.chunked[eol + 2..eol + 2 + size].to_vec();
            self.chunked.drain(..eol + 2 + size + 2);
            if size == 0 {
                self.ended = true;
                self.clean_end = true;
                return;
            }
            let mut items = Vec::new();
            self.parser.feed_to_vec(&data, &mut items);
            self.items.extend(items);
        }
    }
}
