//! See main.rs. Servers against `ssecat bench` (its flags and `--merge`'s reports are in
//! bench_inputs.rs).
//!
//! Servers are [`ScriptServer`]s where an HTTP library can say it, and [`RawServer`]s (a raw
//! TcpListener) for bytes no HTTP library sends: interim responses, lying framing, HTTP/1.0,
//! transfer codings. Each test names the attack and the bound it proves.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::common::bench::{n, report};
use crate::common::process::Outcome;
use crate::common::{Script, ScriptServer, ms, ssecat};

/// `ssecat bench URL --no-progress --json ARGS…`, within 30 s.
pub fn bench(url: &str, args: &[&str]) -> Outcome {
    ssecat(["bench", url, "--no-progress", "--json"])
        .args(args)
        .run_within(Duration::from_secs(30))
}

/// One error count of a report (0 when the kind is absent).
fn errors(r: &Value, kind: &str) -> u64 {
    r["errors"].get(kind).map_or(0, n)
}

// ---------------------------------------------------------------------------------------------
// Reconnect storms (issue 16, item 2)
// ---------------------------------------------------------------------------------------------

/// A server that fails every request at once and asks for no wait at all: bench -c 1 for 2 s
/// must make a handful of attempts (failures in a row back off from 100 ms, doubling), not
/// thousands (12,529 in 4 s before the shared backoff rule).
fn assert_no_storm(script: fn() -> Script) {
    let srv = ScriptServer::start(move |_, _| script());
    let out = bench(&srv.url(), &["-c", "1", "--duration", "2s"]);
    out.code(0);
    let r = report(&out);
    let attempts = n(&r["summary"]["attempts"]);
    let requests = srv.request_count() as u64;
    assert!(
        (2..=15).contains(&attempts) && requests <= attempts,
        "{attempts} attempts, {requests} requests in 2 s\n{r:#}"
    );
}

#[test]
fn retry_after_zero_does_not_make_a_reconnect_storm() {
    assert_no_storm(|| Script::status(503).header("retry-after", "0"));
}

#[test]
fn a_retry_after_date_in_the_past_does_not_make_a_reconnect_storm() {
    assert_no_storm(|| Script::status(503).header("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"));
}

#[test]
fn retry_zero_and_a_close_without_an_event_do_not_make_a_reconnect_storm() {
    assert_no_storm(|| Script::sse().send("retry: 0\n\n").close());
}

/// `--max-delay` caps every wait, the server's `Retry-After: 3600` too; `--retry-delay` is the
/// wait after a stream that delivered events and ended (listen's flags, names and meaning).
#[test]
fn retry_delay_and_max_delay_set_bench_s_waits() {
    let busy = ScriptServer::start(|_, _| Script::status(503).header("retry-after", "3600"));
    let out = bench(
        &busy.url(),
        &["-c", "1", "--duration", "2s", "--max-delay", "100ms"],
    );
    out.code(0);
    let attempts = n(&report(&out)["summary"]["attempts"]);
    assert!(
        attempts >= 4,
        "{attempts} attempts: --max-delay did not cap Retry-After"
    );

    let short = ScriptServer::start(|_, _| Script::sse().send("data: x\n\n").close());
    let out = bench(
        &short.url(),
        &["-c", "1", "--duration", "2s", "--retry-delay", "50ms"],
    );
    out.code(0);
    let r = report(&out);
    assert!(n(&r["summary"]["events"]) >= 4, "{r:#}");

    let both = ssecat(["bench", "--merge", "a.json", "--retry-delay", "1s"]).run();
    both.code(2);
}

// ---------------------------------------------------------------------------------------------
// Memory per stream: --max-event-size (item 5)
// ---------------------------------------------------------------------------------------------

/// An event over `--max-event-size` (1 MiB by default; it was listen's 16 MiB, uncounted) is
/// dropped and counted as an `oversize` error, and the stream goes on to the next event.
#[test]
fn oversize_events_are_dropped_and_counted_as_errors() {
    let big = format!("data: {}\n\n", "x".repeat(2 << 20));
    let srv = ScriptServer::start(move |_, _| {
        Script::sse()
            .send(big.clone())
            .send("data: small\n\n")
            .hang()
    });
    let out = bench(
        &srv.url(),
        &["-c", "2", "--events", "1", "--duration", "20s"],
    );
    out.code(0);
    let r = report(&out);
    assert_eq!(errors(&r, "oversize"), 2, "{r:#}");
    assert_eq!(n(&r["summary"]["events"]), 2, "{r:#}");

    let srv = ScriptServer::start(|_, _| {
        Script::sse()
            .send(format!("data: {}\n\ndata: ok\n\n", "y".repeat(100 << 10)))
            .hang()
    });
    let out = bench(
        &srv.url(),
        &["-c", "1", "--events", "1", "--max-event-size", "64KiB"],
    );
    out.code(0);
    let r = report(&out);
    assert_eq!(errors(&r, "oversize"), 1, "{r:#}");
    let bad = ssecat(["bench", &srv.url(), "--max-event-size", "lots"]).run();
    bad.code(2);
}

/// Eight streams each fed one 15 MiB line, then an event: each parser holds at most about
/// twice the 1 MiB limit, so bench's peak RSS stays far below the 120 MiB the lines add up to
/// (each stream buffered its whole line before). The run ends when every stream has its event,
/// so every line was read. bench/bench-oversize-rss.sh measures 20 streams.
#[test]
fn a_huge_line_on_every_stream_keeps_memory_bounded() {
    const STREAMS: usize = 8;
    const LINE_MIB: usize = 15;
    let chunk = bytes::Bytes::from(vec![b'x'; 1 << 20]);
    let srv = ScriptServer::start(move |_, _| {
        Script::sse()
            .send("data: ")
            .send_repeat(chunk.clone(), LINE_MIB)
            .send("\n\ndata: end\n\n")
            .hang()
    });
    let running = ssecat(["bench", &srv.url(), "--no-progress", "--json"])
        .args([
            "-c",
            &STREAMS.to_string(),
            "--events",
            "1",
            "--duration",
            "60s",
        ])
        .spawn();
    // VmHWM only grows: the last reading before the exit is the peak, give or take 20 ms.
    let mut peak = 0;
    while let Some(rss) = running.peak_rss() {
        peak = peak.max(rss);
        std::thread::sleep(ms(20));
    }
    let out = running.finish(Duration::from_secs(60));
    out.code(0);
    let r = report(&out);
    assert_eq!(n(&r["summary"]["events"]), STREAMS as u64, "{r:#}");
    assert_eq!(errors(&r, "oversize"), STREAMS as u64, "{r:#}");
    assert!(
        peak < 64 << 20,
        "peak RSS {} MiB for {STREAMS} streams",
        peak >> 20
    );
}

// ---------------------------------------------------------------------------------------------
// Timestamps from the future (item 6)
// ---------------------------------------------------------------------------------------------

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis()
}

/// Events stamped an hour ahead of the clock used to be 1 µs latencies, and `latency_p99<1ms`
/// passed. Now they are counted apart (`latency_future`), left out of the histogram, warned of
/// in the JSON and the text report, and every latency threshold fails.
#[test]
fn timestamps_from_the_future_are_counted_warned_of_and_fail_latency_thresholds() {
    let srv = ScriptServer::start(|_, _| {
        let ahead = now_ms() + 3_600_000;
        Script::sse()
            .send(format!(
                "data: {{\"ts\":{ahead}}}\n\ndata: {{\"ts\":{ahead}}}\n\ndata: {{\"ts\":{ahead}}}\n\n"
            ))
            .hang()
    });
    let args = [
        "-c",
        "1",
        "--events",
        "3",
        "--latency-field",
        "/ts",
        "--threshold",
        "latency_p99<1ms",
    ];
    let out = bench(&srv.url(), &args);
    out.code(3);
    let r = report(&out);
    assert_eq!(n(&r["summary"]["latency_future"]), 3, "{r:#}");
    assert_eq!(r["percentiles"]["latency"], Value::Null, "{r:#}");
    assert_eq!(
        r["thresholds"][0]["actual"], "3 timestamps in the future",
        "{r:#}"
    );
    let warning = r["warnings"][0].as_str().unwrap_or_default();
    assert!(warning.contains("ahead of this machine's clock"), "{r:#}");

    let text = ssecat(["bench", &srv.url(), "--no-progress", "--color", "never"])
        .args(args)
        .run_within(Duration::from_secs(30));
    text.code(3);
    let out = text.out();
    assert!(
        out.contains("\nWarnings\n  3 events had a timestamp at /ts ahead")
            && out.contains("✗ FAIL  latency_p99<1ms  3 timestamps in the future"),
        "{}",
        text.dump()
    );
}

/// A timestamp 55 years old (1 ms after the epoch, in ms) is beyond the histogram's hour: it
/// is recorded as one hour and counted (`latency_clamped`), and latency thresholds fail (a
/// clamped hour used to pass `latency_max<=7200s`).
#[test]
fn latencies_beyond_the_histogram_are_counted_as_clamped_and_fail_thresholds() {
    let srv = ScriptServer::start(|_, _| Script::sse().send("data: {\"ts\":1}\n\n").hang());
    let out = bench(
        &srv.url(),
        &[
            "-c",
            "1",
            "--events",
            "1",
            "--latency-field",
            "/ts",
            "--latency-unit",
            "ms",
            "--threshold",
            "latency_max<=7200s",
            "--threshold",
            "latency_clamped==1",
        ],
    );
    out.code(3);
    let r = report(&out);
    assert_eq!(n(&r["summary"]["latency_clamped"]), 1, "{r:#}");
    assert_eq!(r["thresholds"][0]["actual"], "1 timestamp over 1h old");
    assert_eq!(r["thresholds"][1]["pass"], true, "{r:#}");
}

/// `--latency-field` values that are no timestamps: strings, "NaN", 1e308 (a future beyond any
/// clock), negative numbers, numbers out of f64's range.
#[test]
fn latency_values_that_are_no_timestamps_are_missing_or_future() {
    let srv = ScriptServer::start(|_, _| {
        Script::sse()
            .send(concat!(
                "data: {\"ts\":\"soon\"}\n\n",
                "data: {\"ts\":\"NaN\"}\n\n",
                "data: {\"ts\":-5}\n\n",
                "data: {\"ts\":1e999}\n\n",
                "data: {\"ts\":1e308}\n\n",
            ))
            .hang()
    });
    let out = bench(
        &srv.url(),
        &["-c", "1", "--events", "5", "--latency-field", "/ts"],
    );
    out.code(0);
    let r = report(&out);
    assert_eq!(n(&r["summary"]["latency_missing"]), 4, "{r:#}");
    assert_eq!(n(&r["summary"]["latency_future"]), 1, "{r:#}");
}

// ---------------------------------------------------------------------------------------------
// Content-Encoding (item 8)
// ---------------------------------------------------------------------------------------------

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

/// bench asks for no coding (no Accept-Encoding); a gzip body was parsed as garbage with 0
/// events and 0 errors. It is now an error of its own kind, `content_encoding`, and the body is
/// not read (counted, not decoded: bench never asked for it).
#[test]
fn a_gzip_body_bench_never_asked_for_is_a_content_encoding_error() {
    let body = gzip(&b"data: hi\n\n".repeat(10));
    let srv = ScriptServer::start(move |_, _| {
        Script::sse()
            .header("content-encoding", "gzip")
            .send(body.clone())
            .hang()
    });
    let out = bench(&srv.url(), &["-c", "1", "--duration", "1s"]);
    out.code(0);
    let r = report(&out);
    assert!(errors(&r, "content_encoding") >= 1, "{r:#}");
    assert_eq!(n(&r["summary"]["connected"]), 0, "{r:#}");
    assert_eq!(srv.requests()[0].header("accept-encoding"), None);

    let identity = ScriptServer::start(|_, _| {
        Script::sse()
            .header("content-encoding", "identity")
            .send("data: hi\n\n")
            .hang()
    });
    let out = bench(&identity.url(), &["-c", "1", "--events", "1"]);
    out.code(0);
    assert_eq!(n(&report(&out)["summary"]["errors"]), 0);
}

// ---------------------------------------------------------------------------------------------
// Raw servers: heads and framing no HTTP library sends
// ---------------------------------------------------------------------------------------------

/// A raw TCP server on 127.0.0.1 port 0: reads each request's head, writes `response` (in
/// pieces of `piece` bytes, `pause` apart), then holds the connection open until dropped.
struct RawServer {
    url: String,
    accepted: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RawServer {
    fn start(response: Vec<u8>) -> RawServer {
        RawServer::dripping(response, usize::MAX, Duration::ZERO)
    }

    fn dripping(response: Vec<u8>, piece: usize, pause: Duration) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).expect("non-blocking");
        let url = format!("http://{}/events", listener.local_addr().expect("address"));
        let accepted = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (count, done) = (accepted.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            let deadline = Instant::now() + Duration::from_secs(60);
            while !done.load(Ordering::Relaxed) && Instant::now() < deadline {
                match listener.accept() {
                    Ok((socket, _)) => {
                        count.fetch_add(1, Ordering::Relaxed);
                        let (response, done) = (response.clone(), done.clone());
                        held.push(std::thread::spawn(move || {
                            answer(socket, &response, piece, pause, &done);
                        }));
                    }
                    Err(_) => std::thread::sleep(ms(5)),
                }
            }
            done.store(true, Ordering::Relaxed);
            held.into_iter().for_each(|t| drop(t.join()));
        });
        RawServer {
            url,
            accepted,
            stop,
            thread: Some(thread),
        }
    }
}

/// Reads a request head, writes the response, and keeps the socket until `done`.
fn answer(
    mut socket: TcpStream,
    response: &[u8],
    piece: usize,
    pause: Duration,
    done: &AtomicBool,
) {
    let _ = socket.set_nonblocking(false);
    let _ = socket.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
        match socket.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(k) => head.extend_from_slice(&buf[..k]),
        }
    }
    for part in response.chunks(piece.max(1)) {
        if done.load(Ordering::Relaxed) || socket.write_all(part).is_err() {
            return;
        }
        std::thread::sleep(pause);
    }
    while !done.load(Ordering::Relaxed) {
        std::thread::sleep(ms(20));
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

const SSE_HEAD: &str = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n";

/// Responses that lie about their framing or say odd things: each is an error of the right
/// kind (or the events it does carry), never a hang, a panic or unbounded memory.
#[test]
fn framing_lies_and_odd_heads_are_counted_not_believed() {
    let chunked = |body: &str| format!("{SSE_HEAD}transfer-encoding: chunked\r\n\r\n{body}");
    let cases: Vec<(&str, String, &str, u64)> = vec![
        // (attack, response, error kind expected, events expected)
        (
            "100 Continue and 103 Early Hints before the 200",
            format!(
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\n{SSE_HEAD}\r\ndata: a\n\n"
            ),
            "",
            1,
        ),
        (
            "an HTTP/1.0 response, delimited by close",
            "HTTP/1.0 200 OK\r\ncontent-type: text/event-stream\r\n\r\ndata: a\n\n".into(),
            "",
            1,
        ),
        (
            "a 1 MB header",
            format!("{SSE_HEAD}x-big: {}\r\n\r\n", "a".repeat(1 << 20)),
            "protocol",
            0,
        ),
        (
            "a chunk size of 2^64",
            chunked("10000000000000000\r\n"),
            "protocol",
            0,
        ),
        (
            "a chunk size with 40 hex digits",
            chunked(&format!("{}\r\n", "f".repeat(40))),
            "protocol",
            0,
        ),
        (
            "a chunk extension of 1 MB",
            chunked(&format!("a;{}\r\ndata: a\n\n\r\n", "e".repeat(1 << 20))),
            "protocol",
            0,
        ),
        (
            "no CRLF after a chunk's data",
            chunked("9\r\ndata: a\n\nXX"),
            "protocol",
            1,
        ),
        (
            "a Content-Length of -1",
            format!("{SSE_HEAD}content-length: -1\r\n\r\n"),
            "protocol",
            0,
        ),
        (
            "conflicting Content-Lengths",
            format!("{SSE_HEAD}content-length: 5\r\ncontent-length: 6\r\n\r\n"),
            "protocol",
            0,
        ),
        (
            "a 302 redirect (not followed)",
            "HTTP/1.1 302 Found\r\nlocation: /elsewhere\r\ncontent-length: 0\r\n\r\n".into(),
            "status_302",
            0,
        ),
        (
            "101 Switching Protocols",
            "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\n\r\n".into(),
            "status_101",
            0,
        ),
        (
            "Transfer-Encoding: gzip, chunked",
            format!("{SSE_HEAD}transfer-encoding: gzip, chunked\r\n\r\n5\r\nxxxxx\r\n"),
            "content_encoding",
            0,
        ),
        (
            "Transfer-Encoding: gzip (until close)",
            format!("{SSE_HEAD}transfer-encoding: gzip\r\n\r\nxxxxx"),
            "content_encoding",
            0,
        ),
        (
            "10,000 events in one write",
            format!("{SSE_HEAD}\r\n{}", "data: x\n\n".repeat(10_000)),
            "",
            10_000,
        ),
    ];
    for (attack, response, kind, events) in cases {
        let srv = RawServer::start(response.into_bytes());
        let out = bench(&srv.url, &["-c", "1", "--duration", "1s"]);
        assert_eq!(out.code, Some(0), "{attack}\n{}", out.dump());
        let r = report(&out);
        assert_eq!(n(&r["summary"]["events"]), events, "{attack}: {r:#}");
        if kind.is_empty() {
            assert_eq!(n(&r["summary"]["errors"]), 0, "{attack}: {r:#}");
        } else {
            assert!(errors(&r, kind) >= 1, "{attack}: {r:#}");
        }
    }
}

/// A Content-Length shorter than what the server sends: the body ends where it says, and the
/// bytes past it are neither read as events nor counted.
#[test]
fn content_length_lies_cut_the_body_where_it_says() {
    let longer = RawServer::start(
        format!("{SSE_HEAD}content-length: 9\r\n\r\ndata: a\n\ndata: b\n\n").into_bytes(),
    );
    let out = bench(&longer.url, &["-c", "1", "--duration", "1s"]);
    out.code(0);
    let r = report(&out);
    assert_eq!(
        (n(&r["summary"]["events"]), n(&r["summary"]["bytes"])),
        (1, 9),
        "{r:#}"
    );
}

/// A head dripped a byte every 100 ms is cut by --connect-timeout (it bounds the whole head,
/// not each read), as a timeout error.
#[test]
fn a_dripped_head_is_cut_by_the_connect_timeout() {
    let srv = RawServer::dripping(format!("{SSE_HEAD}\r\n").into_bytes(), 1, ms(100));
    let out = bench(
        &srv.url,
        &["-c", "1", "--duration", "2s", "--connect-timeout", "500ms"],
    );
    out.code(0);
    let r = report(&out);
    assert!(errors(&r, "timeout") >= 1, "{r:#}");
    assert_eq!(n(&r["summary"]["connected"]), 0, "{r:#}");
    assert!(srv.accepted.load(Ordering::Relaxed) >= 1);
}

/// IDs for --check-ids that jump by almost 2^64 on two streams (two shards): `lost` saturates
/// at 2^64 − 1 instead of overflowing (a panic in debug builds, a wrap in release).
#[test]
fn ids_that_jump_by_2_to_the_64_saturate_lost() {
    let srv = ScriptServer::start(|_, _| {
        Script::sse()
            .send("id: 0\ndata: a\n\nid: 18446744073709551614\ndata: b\n\nid: -3\ndata: c\n\nid: 99999999999999999999\ndata: d\n\n")
            .hang()
    });
    let out = bench(&srv.url(), &["-c", "2", "--events", "4", "--check-ids"]);
    out.code(0);
    let r = report(&out);
    assert_eq!(n(&r["ids"]["lost"]), u64::MAX, "{r:#}");
    assert_eq!(n(&r["ids"]["unchecked"]), 4, "{r:#}");
}
