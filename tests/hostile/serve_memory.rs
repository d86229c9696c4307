//! Clients against `ssecat serve`'s memory and delivery (issue 16, items 11 to 14, and what was
//! found around them): publish bodies that stall, trickle or never end; events that are big in
//! bytes once encoded; JSON batches that are big once decoded; subscribers that never read;
//! bursts larger than a queue; shutdown with events still queued; replays of a large history to
//! many clients at once; captures for `--play` that are huge, endless or absurdly timed; lines
//! of `--stdin-json` that are big once decoded. Each test says the attack and the bound it
//! proves.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::serve::{
    Sub, listening, publish, publish_json, serve, spawn_serve, stats_at, wait_stats_at,
};
use crate::common::{WAIT, command, ms, ssecat};

// ---------------------------------------------------------------------------------------------
// Bodies that do not arrive (item 11)
// ---------------------------------------------------------------------------------------------

/// 200 POSTs that stalled one byte before the end of a 1 MiB body took serve from 6 MB to
/// 218 MB, and stayed open forever.
#[tokio::test]
async fn a_body_that_stalls_before_its_end_gets_408_and_its_connection_closed() {
    let srv = serve(&["--body-timeout", "1s"]);
    let mut conn = connect(srv.addr).await;
    let head = "POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 65536\r\n\r\n";
    conn.write_all(head.as_bytes())
        .await
        .expect("send the head");
    conn.write_all(&[b'x'; 65535]).await.expect("send the body");
    let (answer, closed) = read_to_end_within(&mut conn, WAIT).await;
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(answer.contains("--body-timeout (1s)"), "{answer}");
    assert!(closed, "the connection stayed open after the 408: {answer}");
    assert_eq!(srv.stats().await["events_published"], 0);
}

/// The timeout is on the whole body, not between reads: a byte every 100 ms, or a chunked body
/// that never sends its last chunk, is answered 408 all the same.
#[tokio::test]
async fn a_body_that_trickles_or_never_ends_gets_408_within_the_timeout() {
    let srv = serve(&["--body-timeout", "1s"]);
    for (head, piece) in [
        ("Content-Length: 100000", &b"x"[..]),
        ("Transfer-Encoding: chunked", &b"1\r\nx\r\n"[..]),
    ] {
        let conn = connect(srv.addr).await;
        let (mut rd, mut wr) = conn.into_split();
        let head = format!("POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}\r\n\r\n");
        wr.write_all(head.as_bytes()).await.expect("send the head");
        let trickle = tokio::spawn(async move {
            for _ in 0..200 {
                if wr.write_all(piece).await.is_err() {
                    return;
                }
                tokio::time::sleep(ms(100)).await;
            }
        });
        let started = Instant::now();
        let (answer, closed) = read_to_end_within(&mut rd, WAIT).await;
        assert!(answer.starts_with("HTTP/1.1 408 "), "{head}: {answer}");
        assert!(closed, "{head}: still open");
        assert!(started.elapsed() < Duration::from_secs(8), "{head}");
        trickle.abort();
    }
    assert_eq!(srv.stats().await["events_published"], 0);
}

/// Bodies being read share `--body-memory`: once stalled bodies hold it, another publisher is
/// told 503 at once (not queued behind them), and the memory comes back when they time out.
#[tokio::test]
async fn bodies_being_read_share_body_memory_and_the_rest_get_503() {
    let srv = serve(&[
        "--max-body",
        "1MiB",
        "--body-memory",
        "2MiB",
        "--body-timeout",
        "2s",
    ]);
    let url = srv.url("/events");
    let mut stalled = Vec::new();
    for _ in 0..2 {
        let mut conn = connect(srv.addr).await;
        let head = "POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1048576\r\n\r\nxyz";
        conn.write_all(head.as_bytes())
            .await
            .expect("send the head");
        stalled.push(conn);
    }
    // Once the server has read both heads, a small publish finds no memory left.
    let mut refused = None;
    for _ in 0..100 {
        let (status, reply) = publish(&url, "small").await;
        if status == 503 {
            refused = Some(reply);
            break;
        }
        tokio::time::sleep(ms(20)).await;
    }
    let reply = refused.expect("a publish was never refused while the budget was held");
    let message = reply["error"].as_str().unwrap_or_default();
    assert!(message.contains("--body-memory 2 MiB"), "{reply}");
    for conn in &mut stalled {
        let (answer, _) = read_to_end_within(conn, WAIT).await;
        assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    }
    let (status, reply) = publish(&url, "after").await;
    assert_eq!(status, 200, "{reply}");
}

// ---------------------------------------------------------------------------------------------
// Memory bounded in bytes (item 12)
// ---------------------------------------------------------------------------------------------

/// Each line of a body becomes a `data:` line, so 1 MiB of newlines was a 7.3 MB event. With
/// the defaults (`--max-body 1MiB`, `--max-event-size` twice that) it is refused, and a batch
/// with one such event publishes nothing.
#[tokio::test]
async fn a_body_of_newlines_too_large_once_encoded_is_refused_with_413() {
    let srv = serve(&[]);
    let url = srv.url("/events");
    let (status, reply) = publish(&url, &"\n".repeat(1 << 20)).await;
    assert_eq!(status, 413, "{reply}");
    let message = reply["error"].as_str().unwrap_or_default();
    assert!(message.contains("--max-event-size (2 MiB)"), "{reply}");
    let batch = json!([{"data": "ok"}, {"data": "\n".repeat(400_000)}]);
    let (status, reply) = publish_json(&url, &batch).await;
    assert_eq!(status, 413, "{reply}");
    assert!(
        reply["error"]
            .as_str()
            .unwrap_or_default()
            .starts_with("event 1 is ")
    );
    assert_eq!(srv.stats().await["events_published"], 0);
    // 290,000 newlines are 2,030,007 bytes on the wire: under 2 MiB.
    let (status, reply) = publish(&url, &"\n".repeat(290_000)).await;
    assert_eq!(status, 200, "{reply}");
}

/// `--history 100` of such events reached 785 MB: the history is bounded in bytes too
/// (`--history-bytes`, 64 MiB by default).
#[tokio::test]
async fn the_history_is_bounded_in_bytes_not_only_in_events() {
    let srv = serve(&[]);
    let url = srv.url("/events");
    let data = "x".repeat((1 << 20) - 1024);
    for i in 0..80 {
        let (status, reply) = publish(&url, &data).await;
        assert_eq!(status, 200, "publish {i}: {reply}");
    }
    let stats = srv.stats().await;
    let kept = stats["events_in_history"].as_u64().unwrap_or(u64::MAX);
    assert!((50..=64).contains(&kept), "{stats}");
    let memory = stats["event_memory_bytes"].as_u64().unwrap_or(u64::MAX);
    assert!(memory <= 64 << 20, "{stats}");
}

/// One subscriber that never reads pinned up to 1,024 events of 7.3 MB, even with
/// `--history 0`. Its queue is bounded in bytes (`--client-queue-bytes`, 4 MiB by default):
/// once full, publishers wait for it `--slow-timeout` at most, then it is cut off.
#[tokio::test]
async fn a_subscriber_that_never_reads_holds_no_more_than_its_queue_bytes() {
    let srv = serve(&["--history", "0", "--slow-timeout", "500ms"]);
    let _deaf = subscribe_raw(srv.addr, "/events", None).await;
    srv.wait_subscribers(1).await;
    let url = srv.url("/events");
    let data = "x".repeat(512 * 1024);
    let mut most = 0;
    // 30 MiB: more than the socket buffers take, then the 4 MiB queue.
    for i in 0..60 {
        let (status, reply) = publish(&url, &data).await;
        assert_eq!(status, 200, "publish {i}: {reply}");
        let memory = srv.stats().await["event_memory_bytes"].as_u64();
        most = most.max(memory.unwrap_or(u64::MAX));
    }
    let stats = srv
        .wait_stats("no subscriber left", |s| s["subscribers"] == 0)
        .await;
    assert_eq!(stats["slow_disconnects"], 1, "{stats}");
    assert!(most <= 6 << 20, "{most} bytes of events held: {stats}");
}

/// Subscribers that never read, each on its own topic, each hold their own events: the queue
/// bound alone would let N of them hold N queues. `--event-memory` bounds them all together;
/// over it, the ones that have written nothing for `--slow-timeout` are cut off.
#[tokio::test]
async fn subscribers_that_never_read_on_many_topics_stay_under_event_memory() {
    let srv = serve(&[
        "--history",
        "0",
        "--event-memory",
        "8MiB",
        "--slow-timeout",
        "300ms",
    ]);
    let mut deaf = Vec::new();
    for t in 0..4 {
        deaf.push(subscribe_raw(srv.addr, &format!("/events?topic=t{t}"), None).await);
    }
    srv.wait_subscribers(4).await;
    let data = "x".repeat(512 * 1024);
    let mut most = 0;
    for i in 0..160 {
        let url = srv.url(&format!("/events?topic=t{}", i % 4));
        let (status, reply) = publish(&url, &data).await;
        assert_eq!(status, 200, "publish {i}: {reply}");
        let memory = srv.stats().await["event_memory_bytes"].as_u64();
        most = most.max(memory.unwrap_or(u64::MAX));
    }
    let stats = srv.stats().await;
    assert!(stats["slow_disconnects"].as_u64() >= Some(1), "{stats}");
    assert!(most <= 9 << 20, "{most} bytes of events held: {stats}");
}

/// A 1 MiB JSON array of `{"data":""}` is 87,000 events, and took 60 MB to decode. What
/// decoding costs is taken from `--body-memory` (64 MiB by default), so such a batch is refused
/// whole; smaller batches go through.
#[tokio::test]
async fn a_json_batch_too_costly_to_decode_is_refused_with_413() {
    let srv = serve(&[]);
    let url = srv.url("/events");
    let tiny = |n: usize| Value::Array(vec![json!({"data": ""}); n]);
    let (status, reply) = publish_json(&url, &tiny(87_000)).await;
    assert_eq!(status, 413, "{reply}");
    let message = reply["error"].as_str().unwrap_or_default();
    assert!(message.contains("a batch of 87000 events"), "{reply}");
    assert!(message.contains("--body-memory (64 MiB)"), "{reply}");
    assert_eq!(srv.stats().await["events_published"], 0);
    let (status, reply) = publish_json(&url, &tiny(10_000)).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["id"], "10000");
}

/// `/stats` remembers up to 256 event types for the viewer page, forever: 256 distinct types of
/// 1 MiB each pinned 256 MiB, and every `/stats` answer carried them. A type is now at most
/// 1 KiB (400 beyond), and one longer than 256 bytes is published but not remembered.
#[tokio::test]
async fn long_event_types_are_not_remembered_for_stats() {
    let srv = serve(&[]);
    let url = srv.url("/events");
    for i in 0..20 {
        let event = format!("{i:02}{}", "t".repeat(1000));
        let (status, reply) = publish_json(&url, &json!({"event": event, "data": "x"})).await;
        assert_eq!(status, 200, "{reply}");
    }
    let stats = srv.stats().await;
    assert_eq!(stats["events_published"], 20);
    let types = stats["event_types"].as_array().cloned().unwrap_or_default();
    let longest = types.iter().filter_map(Value::as_str).map(str::len).max();
    assert!(
        types.is_empty(),
        "{} event types remembered, the longest {longest:?} bytes",
        types.len()
    );
}

/// Replaying the whole history to many clients that do not read gathered up to 256 events into
/// one frame per client: 20 clients and 16 KiB events held 80 MB of copies. Frames are now
/// 64 KiB at most, and a replay is a cursor into the history, not a copy of it.
#[tokio::test]
async fn replaying_a_large_history_to_clients_that_do_not_read_copies_little() {
    let (run, addr) = spawn_serve(&["-q"]);
    let url = format!("http://{addr}/events");
    let data = "x".repeat(16 * 1024);
    let batch = Value::Array(vec![json!({"data": data}); 50]);
    for _ in 0..20 {
        let (status, reply) = publish_json(&url, &batch).await;
        assert_eq!(status, 200, "{reply}");
    }
    let before = run.peak_rss().expect("VmHWM");
    let mut deaf = Vec::new();
    for _ in 0..20 {
        deaf.push(subscribe_raw(addr, "/events", Some("unknown")).await);
    }
    let stats = wait_stats(addr, |s| s["subscribers"] == 20).await;
    assert_eq!(stats["events_replayed"], 20 * 1000, "{stats}");
    tokio::time::sleep(ms(500)).await;
    let grew = run.peak_rss().expect("VmHWM").saturating_sub(before);
    assert!(grew < 30 << 20, "peak RSS grew by {} MiB", grew >> 20);
}

// ---------------------------------------------------------------------------------------------
// Bursts (item 13)
// ---------------------------------------------------------------------------------------------

/// A 1,500-event batch (more than `--client-queue`) answered `delivered: 0` and cut off an
/// idle subscriber that was reading. The publisher now waits for the queue to drain.
#[tokio::test]
async fn a_burst_larger_than_the_queue_reaches_a_subscriber_that_keeps_reading() {
    let srv = serve(&[]);
    let mut sub = Sub::open(&srv.url("/events")).await;
    srv.wait_subscribers(1).await;
    let reader = tokio::spawn(async move { sub.events(1500).await });
    let batch: Vec<Value> = (0..1500)
        .map(|i| json!({"data": format!("e{i}")}))
        .collect();
    let (status, reply) = publish_json(&srv.url("/events"), &Value::Array(batch)).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply, json!({"id": "1500", "delivered": 1}));
    let events = reader.await.expect("the reader");
    let ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
    let expected: Vec<String> = (1..=1500).map(|i| i.to_string()).collect();
    assert_eq!(ids, expected);
    assert_eq!(srv.stats().await["slow_disconnects"], 0);
}

/// Several publishers at once, each under the queue's length, add up to more than it.
#[tokio::test]
async fn concurrent_bursts_reach_a_subscriber_that_keeps_reading() {
    let srv = serve(&[]);
    let mut sub = Sub::open(&srv.url("/events")).await;
    srv.wait_subscribers(1).await;
    let reader = tokio::spawn(async move { sub.events(4000).await });
    let mut publishers = Vec::new();
    for p in 0..4 {
        let url = srv.url("/events");
        publishers.push(tokio::spawn(async move {
            let batch: Vec<Value> = (0..1000)
                .map(|i| json!({"data": format!("{p}:{i}")}))
                .collect();
            publish_json(&url, &Value::Array(batch)).await
        }));
    }
    for p in publishers {
        let (status, reply) = p.await.expect("a publisher");
        assert_eq!((status, &reply["delivered"]), (200, &json!(1)), "{reply}");
    }
    let events = reader.await.expect("the reader");
    for p in 0..4 {
        let mine: Vec<&str> = events
            .iter()
            .filter_map(|e| e.data.strip_prefix(&format!("{p}:")))
            .collect();
        let expected: Vec<String> = (0..1000).map(|i| i.to_string()).collect();
        assert_eq!(mine, expected, "publisher {p}'s events, in order");
    }
    assert_eq!(srv.stats().await["slow_disconnects"], 0);
}

// ---------------------------------------------------------------------------------------------
// Shutdown (item 14)
// ---------------------------------------------------------------------------------------------

/// SIGTERM ended streams with 17,904 events acknowledged (`delivered: 1`) and 2,538 received.
/// Now each stream sends what is queued for it, then ends cleanly.
#[tokio::test]
async fn sigterm_sends_every_queued_event_before_the_stream_ends() {
    let (run, addr) = spawn_serve(&["-q", "--client-queue-bytes", "64MiB"]);
    // It reads nothing until the server has been told to stop.
    let mut conn = subscribe_raw(addr, "/events", None).await;
    wait_stats(addr, |s| s["subscribers"] == 1).await;
    // 32 MiB: more than the socket buffers hold, so most of it is still queued.
    publish_events(addr, 1000, 32 * 1024).await;
    let signalled = Instant::now();
    run.terminate();
    let (received, closed) = read_to_end_within(&mut conn, WAIT).await;
    let out = run.finish(WAIT);
    out.code(0);
    assert!(closed);
    assert_eq!(received.matches("\ndata: ").count(), 1000);
    assert!(received.ends_with("\r\n0\r\n\r\n"), "no clean end");
    assert!(signalled.elapsed() < Duration::from_secs(8));
    assert!(!out.stderr.contains("undelivered"), "{}", out.dump());
}

/// A subscriber that does not read at all cannot hold shutdown up: after `--shutdown-timeout`
/// serve exits anyway, and says how many events were left undelivered.
#[tokio::test]
async fn sigterm_gives_up_on_a_deaf_subscriber_after_the_shutdown_timeout_and_says_so() {
    let (run, addr) = spawn_serve(&["--shutdown-timeout", "1s", "--client-queue-bytes", "64MiB"]);
    let _deaf = subscribe_raw(addr, "/events", None).await;
    wait_stats(addr, |s| s["subscribers"] == 1).await;
    publish_events(addr, 1000, 32 * 1024).await;
    let signalled = Instant::now();
    run.terminate();
    let out = run.finish(WAIT);
    let took = signalled.elapsed();
    out.code(0);
    assert!(took >= Duration::from_secs(1), "exited after {took:?}");
    let line = out
        .stderr
        .lines()
        .find(|l| l.contains("left undelivered"))
        .unwrap_or_else(|| panic!("no warning\n{}", out.dump()));
    let lost: usize = line
        .split("shutdown: ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!((100..=1000).contains(&lost), "{line}");
    assert!(line.contains("1 subscriber "), "{line}");
}

// ---------------------------------------------------------------------------------------------
// Captures (--play) and stdin
// ---------------------------------------------------------------------------------------------

/// `"t": 1e308` made `serve --play` panic at start (exit 101), and `"t": 1e19` parked the
/// playback for 300 million years. `"t"` is 0 to a year, else a one-line error naming the line.
#[test]
fn a_capture_with_an_absurd_time_is_a_one_line_error_not_a_panic() {
    for t in ["1e308", "1e19"] {
        let file = temp_file(format!("{{\"data\":\"x\",\"t\":{t}}}\n").as_bytes());
        let out = ssecat(["serve", "--port", "0", "--play", path(&file)]).run();
        out.code(1);
        assert!(
            out.stderr.starts_with("ssecat: error: in ")
                && out
                    .stderr
                    .contains(": line 1: \"t\" must be milliseconds from the start")
                && out.stderr.lines().count() == 1,
            "{}",
            out.dump()
        );
    }
}

/// `--speed 1e-300` crashed the playback task (an overflow dividing the event's time by it).
#[tokio::test]
async fn a_tiny_speed_parks_the_playback_instead_of_crashing_it() {
    let file = temp_file(b"{\"data\":\"a\",\"t\":0}\n{\"data\":\"b\",\"t\":10}\n");
    let (run, addr) = spawn_serve(&["--play", path(&file), "--speed", "1e-300"]);
    wait_stats(addr, |s| s["events_published"] == 1).await;
    tokio::time::sleep(ms(300)).await;
    let stderr = run.stderr_so_far();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stats_at(addr).await["events_published"], 1);
}

/// `--play /dev/zero` read until memory ran out. A capture must be a regular file (it is read
/// twice: checked at start, then played).
#[test]
fn a_capture_that_is_not_a_regular_file_is_refused() {
    // Under a 2 GB address-space limit, so a build that reads it whole fails fast.
    let script = "ulimit -v 2000000; exec \"$0\" serve --port 0 --play /dev/zero";
    let out = command("sh")
        .args(["-c", script, env!("CARGO_BIN_EXE_ssecat")])
        .run();
    out.code(1);
    assert!(
        out.stderr
            .starts_with("ssecat: error: /dev/zero is not a regular file: --play reads"),
        "{}",
        out.dump()
    );
}

/// A 27 MB raw capture of 3,000,000 tiny events took 945 MB once loaded (35 times its size).
/// A capture is now read as it plays. (400,000 events here: 3.6 MB, 126 MB loaded whole.)
#[tokio::test]
async fn a_large_capture_of_tiny_events_plays_in_bounded_memory() {
    let file = temp_file("data: x\n\n".repeat(400_000).as_bytes());
    let (run, addr) = spawn_serve(&["-q", "--play", path(&file), "--speed", "1000000"]);
    wait_stats(addr, |s| s["events_published"].as_u64() >= Some(20_000)).await;
    let peak = run.peak_rss().expect("VmHWM");
    assert!(peak < 64 << 20, "peak RSS {} MiB", peak >> 20);
}

/// A line of `--stdin-json` is decoded like a publish body: a line of 87,000 tiny events (1 MiB)
/// took 60 MB to decode. It is skipped with a warning, like a body refused with 413.
#[tokio::test]
async fn a_stdin_json_line_too_costly_to_decode_is_skipped_with_a_warning() {
    let tiny = Value::Array(vec![json!({"data": ""}); 87_000]);
    let input = format!("{tiny}\n{}\n", json!({"data": "after"}));
    let (run, addr) = listening(
        ssecat(["serve", "--port", "0", "--stdin", "--stdin-json"])
            .stdin(input)
            .spawn(),
    );
    wait_stats(addr, |s| s["events_published"] == 1).await;
    let stderr = run.stderr_so_far();
    assert!(
        stderr.contains("stdin line 1: a batch of 87000 events takes more than --body-memory (64 MiB) to decode; not published"),
        "{stderr}"
    );
}

/// An endless line on `--stdin` is kept only up to `--max-body`: a 64 MiB line with no newline
/// for most of its length is dropped with a warning, in bounded memory, and the next line is
/// published.
#[tokio::test]
async fn a_stdin_line_longer_than_max_body_is_skipped_in_bounded_memory() {
    let mut input = vec![b'x'; 64 << 20];
    input.extend_from_slice(b"\nafter\n");
    let (run, addr) = listening(
        ssecat(["serve", "--port", "0", "--stdin", "--max-body", "1KiB"])
            .stdin(input)
            .spawn(),
    );
    wait_stats(addr, |s| s["events_published"] == 1).await;
    let peak = run.peak_rss().expect("VmHWM");
    assert!(peak < 48 << 20, "peak RSS {} MiB", peak >> 20);
    let stderr = run.stderr_so_far();
    assert!(
        stderr.contains("stdin line 1: longer than --max-body (1 KiB); not published"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn temp_file(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("a temp file");
    std::io::Write::write_all(&mut file, bytes).expect("write the temp file");
    file
}

fn path(file: &tempfile::NamedTempFile) -> &str {
    file.path().to_str().expect("a UTF-8 path")
}

async fn connect(addr: SocketAddr) -> TcpStream {
    tokio::time::timeout(WAIT, TcpStream::connect(addr))
        .await
        .expect("connect in time")
        .expect("connect")
}

/// `GET path` over a raw connection (with this Last-Event-ID), whose answer is never read.
async fn subscribe_raw(addr: SocketAddr, path: &str, last_event_id: Option<&str>) -> TcpStream {
    let mut conn = connect(addr).await;
    let resume = last_event_id.map_or(String::new(), |id| format!("Last-Event-ID: {id}\r\n"));
    let head = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{resume}\r\n");
    conn.write_all(head.as_bytes())
        .await
        .expect("send the request");
    conn
}

/// Everything the server sends until it closes (true) or `within` passes (false).
async fn read_to_end_within(
    conn: &mut (impl AsyncReadExt + Unpin),
    within: Duration,
) -> (String, bool) {
    let deadline = tokio::time::Instant::now() + within;
    let mut got = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match tokio::time::timeout_at(deadline, conn.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&got).into_owned(), true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => return (String::from_utf8_lossy(&got).into_owned(), false),
        }
    }
}

/// Publishes `n` events of `size` bytes of data, in batches under 1 MiB; each must reach one
/// subscriber.
async fn publish_events(addr: SocketAddr, n: usize, size: usize) {
    let url = format!("http://{addr}/events");
    let per_batch = ((1 << 20) / (size + 32)).max(1);
    let data = "x".repeat(size);
    let mut left = n;
    while left > 0 {
        let k = left.min(per_batch);
        let batch = Value::Array(vec![json!({"data": data}); k]);
        let (status, reply) = publish_json(&url, &batch).await;
        assert_eq!((status, &reply["delivered"]), (200, &json!(1)), "{reply}");
        left -= k;
    }
}

/// Polls `/stats` of the server at `addr` until `pred` holds.
async fn wait_stats(addr: SocketAddr, pred: impl Fn(&Value) -> bool) -> Value {
    wait_stats_at(addr, "the condition", WAIT, pred).await
}
