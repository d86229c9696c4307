//! `ssecat serve` under faults and generators, run in-process (tests/common/serve.rs):
//!
//! - a subscriber that stops reading is cut off (`--client-queue`, `--slow-timeout`), slowing
//!   publishers and the other subscribers for no longer than `--slow-timeout`;
//! - the injected faults: `--drop-after`, `--fail-rate` (with `--fail-status` and `--seed`),
//!   `--latency`, `--drip`, `--line-ending`;
//! - the generators: `--tick` (default data and templates), `--play` of NDJSON and raw captures
//!   at `--speed`, and `--loop`.

mod common;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::serve::{Serve, Sub, publish, serve};
use common::{WAIT, ms};
use serde_json::{Value, json};
use ssecat::event::Event;
use ssecat::parse::{Item, Parser};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

// ---------------------------------------------------------------------------------------------
// Slow subscribers
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_subscriber_that_stops_reading_is_cut_off_while_the_others_get_every_event() {
    const SIZE: usize = 256 * 1024;
    const MAX_EVENTS: usize = 100;
    let srv = serve(&[
        "--client-queue",
        "8",
        "--max-body",
        "1MiB",
        "--history",
        "0",
        "--slow-timeout",
        "300ms",
    ]);
    // The slow subscriber sends its request and never reads a byte of the answer.
    let mut slow = raw_request(&srv, "GET /events HTTP/1.1").await;
    let mut fast = Sub::open(&srv.url("/events")).await;
    srv.wait_subscribers(2).await;
    let (tx, mut received) = tokio::sync::mpsc::unbounded_channel();
    let reader = tokio::spawn(async move {
        while let Some(event) = fast.next_event().await {
            if tx.send(event).is_err() {
                return;
            }
        }
    });

    // Publish until the slow one has been cut off, and a few more after that. Each publish waits
    // for the fast subscriber, and for the slow one no longer than --slow-timeout, so only the
    // slow one can fall behind.
    let url = srv.url("/events");
    let mut cut_at = None;
    let mut published = 0;
    for i in 1..=MAX_EVENTS {
        let data = payload(i, SIZE);
        let started = Instant::now();
        let (status, reply) = publish(&url, &data).await;
        let took = started.elapsed();
        assert_eq!(status, 200, "publish {i}: {reply}");
        assert_eq!(reply["id"], i.to_string());
        assert!(took < ms(3000), "publish {i} took {took:?}: blocked?");
        match (cut_at, reply["delivered"].as_u64()) {
            (None, Some(2)) => {}
            (None, Some(1)) => cut_at = Some(i),
            (Some(_), Some(1)) => {}
            (_, other) => panic!("publish {i}: delivered {other:?} (cut at {cut_at:?})"),
        }
        let event = tokio::time::timeout(WAIT, received.recv())
            .await
            .unwrap_or_else(|_| panic!("the fast subscriber did not get event {i}"))
            .unwrap_or_else(|| panic!("the fast subscriber's stream ended before event {i}"));
        assert_eq!(event.id, i.to_string());
        assert!(
            event.data == data,
            "event {i}: {} bytes starting {:?}",
            event.data.len(),
            &event.data[..event.data.len().min(8)]
        );
        published = i;
        if cut_at.is_some_and(|c| i >= c + 5) {
            break;
        }
    }
    let cut_at = cut_at.unwrap_or_else(|| panic!("not cut off after {MAX_EVENTS} events"));
    assert!(
        cut_at > 8,
        "cut off at event {cut_at}: before its queue could fill"
    );

    let stats = srv
        .wait_stats("the slow stream to be dropped", |s| {
            s["streams"]["now"] == 1
        })
        .await;
    assert_eq!(stats["slow_disconnects"], 1, "{stats}");
    assert_eq!(stats["subscribers"], 1, "{stats}");
    assert_eq!(stats["events_published"], published, "{stats}");

    // Its connection is closed: draining it ends in EOF (or a reset), before everything was sent.
    let (bytes, end) = drain(&mut slow).await;
    assert!(
        bytes.starts_with(b"HTTP/1.1 200 OK\r\n"),
        "{:?}",
        String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
    );
    assert!(matches!(end, End::Eof | End::Reset), "{end:?}");
    assert!(
        bytes.len() < published * SIZE,
        "the slow subscriber got {} bytes: all of it",
        bytes.len()
    );
    reader.abort();
}

// ---------------------------------------------------------------------------------------------
// --drop-after
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn drop_after_ends_each_stream_after_n_events_and_resuming_leaves_no_gap() {
    let srv = serve(&["--drop-after", "3"]);
    let url = srv.url("/events");
    let mut first = Sub::open(&url).await;
    srv.wait_subscribers(1).await;
    for i in 1..=7 {
        let (status, reply) = publish(&url, &format!("e{i}")).await;
        assert_eq!((status, reply["id"].clone()), (200, json!(i.to_string())));
    }
    // Live events.
    assert_eq!(ids_and_data(&until_end(&mut first).await), pairs(1..=3));
    // Replayed events only.
    let mut second = Sub::open_with(&url, &[("Last-Event-ID", "3")]).await;
    assert_eq!(ids_and_data(&until_end(&mut second).await), pairs(4..=6));
    // A replayed event, then live ones.
    let mut third = Sub::open_with(&url, &[("Last-Event-ID", "6")]).await;
    srv.wait_subscribers(1).await;
    for i in 8..=10 {
        publish(&url, &format!("e{i}")).await;
    }
    assert_eq!(ids_and_data(&until_end(&mut third).await), pairs(7..=9));
}

// ---------------------------------------------------------------------------------------------
// --fail-rate
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn fail_rate_1_answers_every_subscribe_with_the_fail_status_but_never_a_publish() {
    let srv = serve(&["--fail-rate", "1", "--fail-status", "429"]);
    for n in 1..=3 {
        let resp = reqwest::get(srv.url("/events")).await.expect("GET");
        assert_eq!(resp.status(), 429);
        assert_eq!(resp.headers()["content-type"], "application/json");
        let body: Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
        assert_eq!(body, json!({"error": "injected failure (--fail-rate)"}));
        let (status, reply) = publish(&srv.url("/events"), "x").await;
        assert_eq!(status, 200, "{reply}");
        assert_eq!(reply, json!({"id": n.to_string(), "delivered": 0}));
    }
    let stats = srv.stats().await;
    assert_eq!(stats["faults_injected"], 3, "{stats}");
    assert_eq!(stats["streams"], json!({"now": 0, "total": 0}), "{stats}");
    assert_eq!(stats["subscribers"], 0, "{stats}");
    assert_eq!(stats["events_published"], 3, "{stats}");
}

#[tokio::test]
async fn fail_rate_with_a_seed_fails_the_same_subscribes_on_every_run() {
    let a = serve(&["--fail-rate", "0.5", "--seed", "42"]);
    let b = serve(&["--fail-rate", "0.5", "--seed", "42"]);
    // Publishing between the subscribes on `a` only: a publish is never failed and draws no
    // random number, so it does not shift the pattern.
    let pattern_a = subscribe_pattern(&a, 20, true).await;
    let pattern_b = subscribe_pattern(&b, 20, false).await;
    assert_eq!(pattern_a, pattern_b);
    let failed = pattern_a.iter().filter(|ok| !**ok).count();
    assert!(0 < failed && failed < 20, "{pattern_a:?}");
    for srv in [&a, &b] {
        let stats = srv.stats().await;
        assert_eq!(stats["faults_injected"], failed, "{stats}");
        assert_eq!(stats["streams"]["total"], 20 - failed, "{stats}");
    }
    assert_eq!(a.stats().await["events_published"], 20);
}

// ---------------------------------------------------------------------------------------------
// --latency
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn latency_delays_the_subscribe_response_headers() {
    let srv = serve(&["--latency", "300ms"]);
    let started = Instant::now();
    let mut sub = Sub::open(&srv.url("/events")).await;
    let waited = started.elapsed();
    assert_eq!(sub.status, 200);
    assert!(
        waited >= ms(280) && waited < ms(3000),
        "headers after {waited:?}"
    );
    srv.wait_subscribers(1).await;
    publish(&srv.url("/events"), "late").await;
    assert_eq!(sub.next_event().await.unwrap().data, "late");
    assert_eq!(srv.stats().await["faults_injected"], 1);
}

/// A client that hangs up during `--latency` has its handler dropped mid-sleep; its stream slot
/// must come back then too, or with `--max-connections` every later subscriber gets 503.
/// (Found leaking by this test; fixed in 0d6d382 with `StreamSlot`.)
#[tokio::test]
async fn a_subscriber_that_leaves_during_the_latency_frees_its_stream_slot() {
    let srv = serve(&["--latency", "300ms", "--max-connections", "1"]);
    let gone = raw_request(&srv, "GET /events HTTP/1.1").await;
    srv.wait_stats("the stream to be counted", |s| s["streams"]["now"] == 1)
        .await;
    drop(gone);
    // The latency is 300ms: by 3s the slot is free, however the server handles the leaver.
    let stats = srv
        .wait_stats_within("its slot to be freed", ms(3000), |s| {
            s["streams"]["now"] == 0
        })
        .await;
    assert_eq!(stats["streams"]["total"], 0, "{stats}");
    let sub = Sub::open(&srv.url("/events")).await;
    assert_eq!(sub.status, 200);
}

// ---------------------------------------------------------------------------------------------
// --drip
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn drip_writes_the_stream_in_small_pieces_with_the_same_bytes_and_events() {
    let dripped = serve(&["--drip", "3:5ms"]);
    let plain = serve(&[]);
    let (frames, elapsed, raw, items) = read_frames_with_one_event(&dripped).await;
    let (_, _, plain_raw, plain_items) = read_frames_with_one_event(&plain).await;

    assert_eq!(
        String::from_utf8_lossy(&raw),
        String::from_utf8_lossy(&plain_raw)
    );
    assert_eq!(items, plain_items);
    assert!(
        frames.iter().all(|&n| (1..=3).contains(&n)),
        "frames: {frames:?}"
    );
    assert_eq!(frames.iter().sum::<usize>(), raw.len());
    assert!(frames.len() >= raw.len().div_ceil(3), "frames: {frames:?}");
    // Two writes (the prelude, then the event) each start without a pause; every other piece
    // comes at least 5ms after the one before it.
    let least = ms(5) * (frames.len() as u32 - 2);
    assert!(
        elapsed >= least,
        "{} pieces in {elapsed:?}, expected at least {least:?}",
        frames.len()
    );
}

// ---------------------------------------------------------------------------------------------
// --line-ending
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn line_ending_crlf_writes_only_crlf_and_parses_the_same() {
    let (lf_raw, lf_items) = stream_with_line_ending("lf").await;
    let (raw, items) = stream_with_line_ending("crlf").await;
    let bytes = raw.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'\n' => assert!(i > 0 && bytes[i - 1] == b'\r', "bare LF at {i}: {raw:?}"),
            b'\r' => assert_eq!(bytes.get(i + 1), Some(&b'\n'), "bare CR at {i}: {raw:?}"),
            _ => {}
        }
    }
    assert_eq!(raw, lf_raw.replace("\n", "\r\n"));
    assert_eq!(items, lf_items);
}

#[tokio::test]
async fn line_ending_cr_writes_only_cr_and_parses_the_same() {
    let (lf_raw, lf_items) = stream_with_line_ending("lf").await;
    let (raw, items) = stream_with_line_ending("cr").await;
    assert!(!raw.contains('\n'), "{raw:?}");
    assert_eq!(raw, lf_raw.replace("\n", "\r"));
    assert_eq!(items, lf_items);
}

// ---------------------------------------------------------------------------------------------
// --tick
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn tick_publishes_numbered_events_with_default_json_data() {
    let srv = serve(&["--tick", "50ms"]);
    // Subscribing live: the first tick seen may be any n, but from then on none is missed.
    let mut sub = Sub::open(&srv.url("/events")).await;
    let events = sub.events(3).await;
    let mut last_ms = 0;
    let first: u64 = json_of(&events[0].data)["n"].as_u64().expect("n");
    for (i, e) in events.iter().enumerate() {
        let data = json_of(&e.data);
        let n = first + i as u64;
        assert_eq!(e.event, "tick");
        assert_eq!(e.id, n.to_string(), "the hub's ID is the tick count here");
        let keys: Vec<&String> = data.as_object().expect("an object").keys().collect();
        assert_eq!(keys, ["n", "time", "ts_ms"], "{data}");
        assert_eq!(data["n"], n, "{data}");
        let ts_ms = data["ts_ms"].as_u64().expect("ts_ms");
        assert!(ts_ms.abs_diff(now_ms()) < 5000, "{data}");
        assert!(ts_ms >= last_ms, "{events:?}");
        last_ms = ts_ms;
        let time = data["time"].as_str().expect("time");
        assert_eq!(rfc3339_ms(time), ts_ms, "{data}");
    }
}

#[tokio::test]
async fn tick_templates_fill_every_placeholder_on_the_tick_topic_only() {
    let srv = serve(&[
        "--tick",
        "50ms",
        "--tick-event",
        "beat",
        "--tick-topic",
        "t",
        "--tick-data",
        "n={n} ms={ts_ms} us={ts_us} r={rand} at={time} {other}",
    ]);
    let mut other_topic = Sub::open(&srv.url("/events")).await;
    let mut sub = Sub::open(&srv.url("/events?topic=t")).await;
    let events = sub.events(4).await;
    let mut first_n = None;
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e.event, "beat");
        let fields: Vec<&str> = e.data.split(' ').collect();
        let [n, ms, us, r, at, other] = fields[..] else {
            panic!("not 6 fields: {:?}", e.data)
        };
        let value = |field: &str, name: &str| {
            field
                .strip_prefix(name)
                .unwrap_or_else(|| panic!("{:?}: no {name}", e.data))
                .to_owned()
        };
        let n: u64 = value(n, "n=").parse().unwrap();
        let first = *first_n.get_or_insert(n);
        assert_eq!(n, first + i as u64, "{events:?}");
        assert_eq!(e.id, n.to_string());
        let ms: u64 = value(ms, "ms=").parse().unwrap();
        let us: u64 = value(us, "us=").parse().unwrap();
        assert_eq!(us / 1000, ms, "{:?}", e.data);
        assert!(ms.abs_diff(now_ms()) < 5000, "{:?}", e.data);
        let r = value(r, "r=");
        let (whole, decimals) = r.split_once('.').expect("a decimal");
        assert_eq!(whole, "0", "{:?}: not in 0..1", e.data);
        assert_eq!(decimals.len(), 6, "{:?}", e.data);
        assert!(decimals.bytes().all(|b| b.is_ascii_digit()), "{:?}", e.data);
        assert_eq!(rfc3339_ms(&value(at, "at=")), ms, "{:?}", e.data);
        assert_eq!(other, "{other}");
    }
    // Four beats went by; the subscriber of the default topic saw none of them.
    let seen = events_until_quiet(&mut other_topic, ms(100)).await;
    assert_eq!(seen, [], "a default-topic subscriber got ticks of topic t");
}

/// BUG: `{rand}` is documented as a random number in 0..1, but the draw is rounded to 6
/// decimals (`format!("{:.6}")` in src/serve/generate.rs `render`), so a draw of 0.9999995 or
/// more is written as `1.000000`. With `--seed 798916` the first draw is 0.99999976.
#[tokio::test]
async fn tick_rand_stays_below_1_when_the_draw_rounds_up() {
    let srv = serve(&[
        "--tick",
        "20ms",
        "--tick-data",
        "{rand}",
        "--seed",
        "798916",
    ]);
    let (_, events) = replay_and_read(&srv, 1).await;
    let first = &events[0].0;
    assert_eq!(first.id, "1");
    let r: f64 = first.data.parse().expect("a number");
    assert!(
        (0.0..1.0).contains(&r),
        "tick 1's {{rand}} is {:?}",
        first.data
    );
}

// ---------------------------------------------------------------------------------------------
// --play
// ---------------------------------------------------------------------------------------------
//
// Playback starts with the server, before any test client can subscribe. So the subscribers
// below send a Last-Event-ID that is in no history: the server then replays every retained event
// (with a note comment saying how many), and whatever is published after that arrives live, with
// no gap and no duplicate. The timing checks use only the events that arrived live (those after
// the replayed ones), and the captures start with a pause long enough for those to exist.

#[tokio::test]
async fn play_ndjson_publishes_in_order_at_the_capture_timing_divided_by_speed() {
    let capture = temp_file(concat!(
        r#"{"event":"a","data":"1","id":"","t":0}"#,
        "\n",
        r#"{"comment":"x"}"#,
        "\n",
        r#"{"event":"b","data":"2","id":"","t":3200}"#,
        "\n",
        r#"{"event":"c","data":"3","id":"x9","t":3600}"#,
        "\n",
        r#"{"event":"d","data":"4","id":"","t":4800}"#,
        "\n",
    ));
    let srv = serve(&["--play", path(&capture), "--speed", "4"]);
    let (replayed, events) = replay_and_read(&srv, 4).await;
    let got: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|(e, _)| (e.event.as_str(), e.data.as_str(), e.id.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("a", "1", "1"),
            ("b", "2", "2"),
            ("c", "3", "x9"),
            ("d", "4", "4")
        ]
    );
    // b, c and d come 800ms, 900ms and 1200ms after the start: 100ms then 300ms apart.
    assert!(
        replayed <= 1,
        "subscribed too late: {replayed} events replayed"
    );
    let gap = |i: usize| events[i].1 - events[i - 1].1;
    assert!(
        (ms(40)..ms(300)).contains(&gap(2)),
        "b to c after {:?}",
        gap(2)
    );
    assert!(
        (ms(150)..ms(700)).contains(&gap(3)),
        "c to d after {:?}",
        gap(3)
    );
    // The comment line was not published: there is no fifth event.
    let mut sub = Sub::open_with(&srv.url("/events"), &[("Last-Event-ID", "4")]).await;
    assert_eq!(events_until_quiet(&mut sub, ms(200)).await, []);
    assert_eq!(srv.stats().await["events_published"], 4);
}

#[tokio::test]
async fn play_raw_capture_spaces_events_100ms_divided_by_speed() {
    const COUNT: usize = 20;
    let text: String = (1..=COUNT)
        .map(|i| format!(": comment {i}\nevent: x\ndata: {i}\n\n"))
        .collect();
    let capture = temp_file(&text);
    let srv = serve(&["--play", path(&capture), "--speed", "2"]);
    let (replayed, events) = replay_and_read(&srv, COUNT).await;
    let got: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|(e, _)| (e.event.as_str(), e.data.as_str(), e.id.as_str()))
        .collect();
    let numbers: Vec<String> = (1..=COUNT).map(|i| i.to_string()).collect();
    let want: Vec<(&str, &str, &str)> = numbers.iter().map(|n| ("x", &**n, &**n)).collect();
    assert_eq!(got, want);
    // 50ms apart: the live ones span (live - 1) × 50ms.
    let live = COUNT - replayed;
    assert!(
        live >= 10,
        "subscribed too late: {replayed} events replayed"
    );
    let span = events[COUNT - 1].1 - events[replayed].1;
    let expected = ms(50) * (live as u32 - 1);
    assert!(
        span >= expected.mul_f64(0.75) && span <= expected + ms(300),
        "{live} live events over {span:?}, expected about {expected:?}"
    );
}

#[tokio::test]
async fn play_with_loop_plays_the_capture_again() {
    let capture = temp_file(concat!(
        r#"{"event":"e","data":"first","t":0}"#,
        "\n",
        r#"{"event":"e","data":"second","t":100}"#,
        "\n",
    ));
    let srv = serve(&["--play", path(&capture), "--speed", "2", "--loop"]);
    let (_, events) = replay_and_read(&srv, 5).await;
    let got: Vec<(&str, &str)> = events
        .iter()
        .map(|(e, _)| (e.data.as_str(), e.id.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("first", "1"),
            ("second", "2"),
            ("first", "3"),
            ("second", "4"),
            ("first", "5")
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// `{i:04}` then `x`s, `size` bytes in all.
fn payload(i: usize, size: usize) -> String {
    let mut data = format!("{i:04}");
    data.push_str(&"x".repeat(size - data.len()));
    data
}

/// A raw TCP connection that has sent `request_line` (with a Host header) and read nothing.
async fn raw_request(srv: &Serve, request_line: &str) -> TcpStream {
    let mut stream = TcpStream::connect(srv.addr).await.expect("connect");
    let head = format!("{request_line}\r\nHost: {}\r\n\r\n", srv.addr);
    stream.write_all(head.as_bytes()).await.expect("write");
    stream
}

#[derive(Debug)]
enum End {
    Eof,
    Reset,
}

/// Reads a raw connection to its end (within [`WAIT`]): every byte, and how it ended.
async fn drain(stream: &mut TcpStream) -> (Vec<u8>, End) {
    let mut bytes = Vec::new();
    let mut buf = vec![0u8; 256 * 1024];
    let read_all = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) => return End::Eof,
                Ok(n) => bytes.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return End::Reset,
                Err(e) => panic!("reading the slow connection: {e}"),
            }
        }
    };
    let end = tokio::time::timeout(WAIT, read_all)
        .await
        .expect("the slow subscriber's connection was never closed");
    (bytes, end)
}

/// Reads to the end of the stream, failing if an item takes over 3s: the events on the way.
async fn until_end(sub: &mut Sub) -> Vec<Event> {
    let mut events = Vec::new();
    while let Some(item) = sub.next_item_within(ms(3000)).await {
        if let Item::Event(e) = item {
            events.push(e);
        }
    }
    events
}

/// The events read until nothing arrives for `quiet` (or the stream ends).
async fn events_until_quiet(sub: &mut Sub, quiet: Duration) -> Vec<Event> {
    let mut events = Vec::new();
    loop {
        if sub.quiet_for(quiet).await {
            return events;
        }
        match sub.next_item().await {
            Some(Item::Event(e)) => events.push(e),
            Some(_) => {}
            None => return events,
        }
    }
}

fn ids_and_data(events: &[Event]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|e| (e.id.clone(), e.data.clone()))
        .collect()
}

/// `(i, "e{i}")` for each i.
fn pairs(range: std::ops::RangeInclusive<u32>) -> Vec<(String, String)> {
    range.map(|i| (i.to_string(), format!("e{i}"))).collect()
}

/// Subscribes `n` times in a row: whether each got its stream (200) or the injected 503.
async fn subscribe_pattern(srv: &Serve, n: usize, publish_between: bool) -> Vec<bool> {
    let mut pattern = Vec::with_capacity(n);
    for _ in 0..n {
        let resp = reqwest::get(srv.url("/events")).await.expect("GET");
        match resp.status().as_u16() {
            200 => pattern.push(true),
            503 => pattern.push(false),
            other => panic!("status {other}"),
        }
        drop(resp);
        if publish_between {
            let (status, reply) = publish(&srv.url("/events"), "x").await;
            assert_eq!(status, 200, "{reply}");
        }
    }
    pattern
}

/// Subscribes with reqwest, publishes one event once subscribed, and reads body frames until it
/// has arrived: each frame's size, the time from the first frame to the last, the bytes and the
/// items parsed from them.
async fn read_frames_with_one_event(srv: &Serve) -> (Vec<usize>, Duration, Vec<u8>, Vec<Item>) {
    let mut resp = reqwest::get(srv.url("/events")).await.expect("GET");
    assert_eq!(resp.status(), 200);
    srv.wait_subscribers(1).await;
    let (status, _) = publish(
        &srv.url("/events?event=greet&id=e-1"),
        "hello\nworld, with more words",
    )
    .await;
    assert_eq!(status, 200);
    let mut parser = Parser::new();
    let (mut frames, mut raw, mut items) = (Vec::new(), Vec::new(), Vec::new());
    let mut first = None;
    let read = async {
        while !items.iter().any(|i| matches!(i, Item::Event(_))) {
            let chunk = resp.chunk().await.expect("read").expect("the stream ended");
            first.get_or_insert_with(Instant::now);
            frames.push(chunk.len());
            raw.extend_from_slice(&chunk);
            parser.feed_to_vec(&chunk, &mut items);
        }
    };
    tokio::time::timeout(WAIT, read)
        .await
        .expect("the event in time");
    let elapsed = first.expect("a frame").elapsed();
    (frames, elapsed, raw, items)
}

/// A stream with `--line-ending EOL --retry 1500` carrying two events published once
/// subscribed: its text and the items parsed from it.
async fn stream_with_line_ending(eol: &str) -> (String, Vec<Item>) {
    let srv = serve(&["--line-ending", eol, "--retry", "1500"]);
    let mut sub = Sub::open(&srv.url("/events")).await;
    srv.wait_subscribers(1).await;
    publish(&srv.url("/events?event=greet&id=7"), "a\nb\n\nc").await;
    publish(&srv.url("/events"), "plain").await;
    let mut items = Vec::new();
    while items.iter().filter(|i| matches!(i, Item::Event(_))).count() < 2 {
        items.push(sub.next_item().await.expect("the stream ended"));
    }
    let want = [
        Event {
            event: "greet".into(),
            data: "a\nb\n\nc".into(),
            id: "7".into(),
            retry: None,
        },
        Event {
            event: "message".into(),
            data: "plain".into(),
            id: "2".into(),
            retry: None,
        },
    ];
    let events: Vec<&Event> = items
        .iter()
        .filter_map(|i| match i {
            Item::Event(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(
        events,
        want.iter().collect::<Vec<_>>(),
        "--line-ending {eol}"
    );
    (String::from_utf8(sub.raw.clone()).expect("UTF-8"), items)
}

/// Subscribes with an unknown Last-Event-ID (so everything played so far is replayed) and reads
/// `n` events: how many came in the replay, and each event with when it arrived.
async fn replay_and_read(srv: &Serve, n: usize) -> (usize, Vec<(Event, Instant)>) {
    let mut sub = Sub::open_with(&srv.url("/events"), &[("Last-Event-ID", "none")]).await;
    let mut replayed = None;
    let mut events = Vec::with_capacity(n);
    while events.len() < n {
        match sub.next_item().await.expect("the stream ended") {
            Item::Comment(note) if note.contains("is not in the history") => {
                replayed = Some(replayed_count(&note));
            }
            Item::Event(e) => events.push((e, Instant::now())),
            _ => {}
        }
    }
    (replayed.expect("a replay note"), events)
}

/// N from a replay note: `… replaying all N retained events …`, or 0 when the history was empty.
fn replayed_count(note: &str) -> usize {
    match note.split_once("replaying all ") {
        None => 0,
        Some((_, rest)) => rest
            .split(' ')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("a count in {note:?}")),
    }
}

fn temp_file(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    std::io::Write::write_all(&mut file, text.as_bytes()).expect("write the capture");
    file
}

fn path(file: &tempfile::NamedTempFile) -> &str {
    file.path().to_str().expect("a UTF-8 temp path")
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// An RFC 3339 time ending in `Z`, as epoch milliseconds.
fn rfc3339_ms(text: &str) -> u64 {
    assert!(text.ends_with('Z'), "{text:?}");
    let t = humantime::parse_rfc3339(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    t.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}
