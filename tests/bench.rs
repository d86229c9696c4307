//! `ssecat bench` end to end: the binary against an in-process `ssecat serve` on 127.0.0.1
//! port 0 (tests/common/serve.rs), its JSON report checked against
//! schemas/bench-report.schema.json.
//!
//! Exact event counts, delivery latency from tick timestamps, `--check-ids` with and without
//! resuming, thresholds and exit code 3, the merge of two half runs, connection errors against
//! a closed port, Ctrl-C, and usage errors.

mod common;

use std::time::Duration;

use common::bench::{n, report, validate};
use common::process::Outcome;
use common::serve::{Serve, serve};
use common::{Script, ScriptServer, ms, ssecat};
use serde_json::Value;

/// `ssecat bench URL --no-progress ARGS…` against `srv`'s `/events`.
fn bench(srv: &Serve, args: &[&str]) -> Outcome {
    let url = srv.url("/events");
    ssecat(["bench", url.as_str(), "--no-progress"])
        .args(args)
        .run_within(Duration::from_secs(20))
}

#[test]
fn every_stream_gets_exactly_its_events_and_the_run_ends_early() {
    let srv = serve(&["--tick", "20ms"]);
    let out = bench(
        &srv,
        &["-c", "4", "--events", "5", "--duration", "15s", "--json"],
    );
    out.code(0);
    assert!(
        out.elapsed < Duration::from_secs(5),
        "took {:?}",
        out.elapsed
    );
    let r = report(&out);
    assert_eq!(n(&r["summary"]["events"]), 20, "{r:#}");
    assert_eq!(n(&r["summary"]["streams"]), 4);
    assert_eq!(n(&r["summary"]["connected"]), 4);
    assert_eq!(n(&r["summary"]["errors"]), 0);
    assert!(n(&r["summary"]["bytes"]) > 20 * 50);
    assert_eq!(n(&r["percentiles"]["connect"]["count"]), 4);
    assert_eq!(n(&r["percentiles"]["first_event"]["count"]), 4);
}

#[test]
fn tick_timestamps_give_plausible_delivery_latency() {
    let srv = serve(&["--tick", "20ms"]);
    let out = bench(
        &srv,
        &[
            "-c",
            "3",
            "--events",
            "10",
            "--latency-field",
            "/ts_ms",
            "--json",
        ],
    );
    out.code(0);
    let r = report(&out);
    let lat = &r["percentiles"]["latency"];
    assert_eq!(n(&lat["count"]), 30, "{r:#}");
    assert_eq!(n(&r["summary"]["latency_missing"]), 0);
    // ts_ms has millisecond resolution: a loopback delivery is 0 to a few ms late.
    assert!(n(&lat["p50_us"]) < 200_000, "{lat}");
    assert!(n(&lat["max_us"]) < 2_000_000, "{lat}");
    assert!(n(&lat["min_us"]) <= n(&lat["p50_us"]));
}

#[test]
fn check_ids_counts_events_lost_by_a_client_that_does_not_resume() {
    // Each stream is closed after 5 events; without --reconnect it comes back as a new client
    // after the server's retry (150 ms), and the ticks sent meanwhile are lost.
    let srv = serve(&["--tick", "10ms", "--drop-after", "5", "--retry", "150"]);
    let out = bench(
        &srv,
        &["-c", "2", "--duration", "1500ms", "--check-ids", "--json"],
    );
    out.code(0);
    let r = report(&out);
    assert!(n(&r["ids"]["lost"]) >= 5, "{r:#}");
    assert!(n(&r["summary"]["disconnects"]) >= 2);
    assert!(n(&r["summary"]["reconnects"]) >= 2);
}

#[test]
fn check_ids_reports_nothing_lost_when_streams_resume_with_last_event_id() {
    let srv = serve(&["--tick", "10ms", "--drop-after", "5", "--retry", "150"]);
    let out = bench(
        &srv,
        &[
            "-c",
            "2",
            "--duration",
            "1500ms",
            "--check-ids",
            "--reconnect",
            "--json",
        ],
    );
    out.code(0);
    let r = report(&out);
    let ids = &r["ids"];
    assert_eq!(n(&ids["lost"]), 0, "{r:#}");
    assert_eq!(n(&ids["duplicated"]), 0);
    assert_eq!(n(&ids["out_of_order"]), 0);
    assert!(n(&ids["checked"]) >= 40, "{ids}");
    assert!(n(&r["summary"]["reconnects"]) >= 2);
}

#[test]
fn reconnect_without_last_event_id_when_http_cannot_carry_the_id() {
    // The ID has \x01: --reconnect sends the next request without Last-Event-ID (it used to
    // fail every attempt as a protocol error) and counts it as unresumable.
    let srv = ScriptServer::start(|n, _| match n {
        0 => Script::sse()
            .send("retry: 50\nid: a\x01b\ndata: x\n\n")
            .close(),
        _ => Script::sse().send("id: 2\ndata: y\n\n").hang(),
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("r.json");
    let out = ssecat([
        "bench",
        srv.url().as_str(),
        "--no-progress",
        "--color",
        "never",
    ])
    .args(["-c", "1", "--reconnect", "--events", "2", "-o"])
    .args([path.to_str().unwrap()])
    .run_within(Duration::from_secs(20));
    out.code(0);
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    validate(&r);
    assert_eq!(n(&r["summary"]["events"]), 2, "{r:#}");
    assert_eq!(n(&r["summary"]["errors"]), 0, "{r:#}");
    assert_eq!(n(&r["summary"]["unresumable"]), 1, "{r:#}");
    let requests = srv.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].header("last-event-id"), None);
    assert!(
        out.out()
            .contains("Unresumable   1 reconnect without Last-Event-ID"),
        "{}",
        out.dump()
    );
}

#[test]
fn thresholds_pass_with_exit_0_and_fail_with_exit_3() {
    let srv = serve(&["--tick", "20ms"]);
    let pass = bench(
        &srv,
        &[
            "-c",
            "2",
            "--events",
            "3",
            "--threshold",
            "events>=6",
            "--threshold",
            "errors==0",
        ],
    );
    pass.code(0);
    assert!(pass.out().contains("events>=6"), "{}", pass.dump());
    let fail = bench(
        &srv,
        &[
            "-c",
            "2",
            "--events",
            "3",
            "--threshold",
            "events>=6",
            "--threshold",
            "errors>0",
        ],
    );
    fail.code(3);
    let text = fail.out();
    assert!(
        text.contains("FAIL") && text.contains("errors>0"),
        "{}",
        fail.dump()
    );
    assert!(
        fail.stderr.contains("1 of 2 thresholds failed"),
        "{}",
        fail.dump()
    );
    let json = bench(
        &srv,
        &[
            "-c",
            "1",
            "--events",
            "2",
            "--json",
            "--threshold",
            "latency_p99<1ms",
        ],
    );
    // No latency field: a latency threshold has no samples and fails.
    json.code(3);
    let r = report(&json);
    assert_eq!(r["thresholds"][0]["pass"], false, "{r:#}");
}

#[test]
fn merging_two_half_runs_adds_counts_and_histograms() {
    let srv = serve(&["--tick", "20ms"]);
    let dir = tempfile::tempdir().expect("temp dir");
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    for (path, streams) in [(&a, "2"), (&b, "3")] {
        let out = bench(
            &srv,
            &[
                "-c",
                streams,
                "--events",
                "4",
                "--latency-field",
                "/ts_ms",
                "-o",
                path.to_str().unwrap(),
            ],
        );
        out.code(0);
    }
    let read = |p: &std::path::Path| -> Value {
        let v = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        validate(&v);
        v
    };
    let (ra, rb) = (read(&a), read(&b));
    let merged = ssecat([
        "bench",
        "--merge",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--json",
    ])
    .run();
    merged.code(0);
    let m = report(&merged);
    assert_eq!(n(&m["summary"]["events"]), 20, "{m:#}");
    assert_eq!(n(&m["summary"]["streams"]), 5);
    assert_eq!(m["runs"].as_array().map(Vec::len), Some(2));
    for h in ["connect", "first_event", "latency"] {
        assert_eq!(
            counts(&m["histograms"][h]),
            add(counts(&ra["histograms"][h]), counts(&rb["histograms"][h])),
            "{h}"
        );
    }
    assert_eq!(n(&m["percentiles"]["latency"]["count"]), 20);
}

/// A serialized histogram as a value → count map.
fn counts(h: &Value) -> std::collections::BTreeMap<u64, u64> {
    h["counts"]
        .as_array()
        .expect("counts")
        .iter()
        .map(|pair| (n(&pair[0]), n(&pair[1])))
        .collect()
}

fn add(
    mut a: std::collections::BTreeMap<u64, u64>,
    b: std::collections::BTreeMap<u64, u64>,
) -> std::collections::BTreeMap<u64, u64> {
    for (k, v) in b {
        *a.entry(k).or_default() += v;
    }
    a
}

#[test]
fn a_closed_port_counts_refused_connections() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/events");
    let out = ssecat([
        "bench",
        &url,
        "-c",
        "3",
        "--duration",
        "500ms",
        "--json",
        "--no-progress",
    ])
    .run();
    out.code(0);
    let r = report(&out);
    assert!(n(&r["errors"]["refused"]) >= 3, "{r:#}");
    assert_eq!(n(&r["summary"]["connected"]), 0);
    assert_eq!(n(&r["summary"]["events"]), 0);
}

#[test]
fn ctrl_c_stops_early_and_still_reports() {
    let srv = serve(&["--tick", "20ms"]);
    let url = srv.url("/events");
    let running = ssecat([
        "bench",
        &url,
        "-c",
        "2",
        "--duration",
        "60s",
        "--no-progress",
    ])
    .spawn();
    std::thread::sleep(ms(700));
    running.interrupt();
    let out = running.finish(Duration::from_secs(5));
    out.code(0);
    let text = out.out();
    assert!(text.contains("events"), "{}", out.dump());
}

#[test]
fn https_streams_are_measured_with_cacert_or_k_and_refused_untrusted() {
    let srv = common::tls::TlsServer::start();
    let (_ca, ca) = common::tls::ca_file();
    let run = |extra: &[&str]| {
        ssecat([
            "bench",
            &srv.url(),
            "-c",
            "2",
            "--events",
            "2",
            "--duration",
            "5s",
            "--json",
            "--no-progress",
        ])
        .args(extra)
        .run_within(Duration::from_secs(20))
    };
    for extra in [&["--cacert", ca.as_str()][..], &["-k"]] {
        let out = run(extra);
        out.code(0);
        let r = report(&out);
        assert_eq!(n(&r["summary"]["events"]), 4, "{extra:?} {r:#}");
        assert_eq!(n(&r["summary"]["connected"]), 2);
    }
    // Only the HTTP/1.1 ALPN is offered: every request above was HTTP/1.1.
    assert!(
        srv.seen()
            .iter()
            .all(|s| s.alpn.as_deref() == Some("http/1.1")),
        "{:?}",
        srv.seen()
    );
    let untrusted = ssecat([
        "bench",
        &srv.url(),
        "-c",
        "2",
        "--duration",
        "500ms",
        "--json",
        "--no-progress",
    ])
    .run();
    untrusted.code(0);
    let r = report(&untrusted);
    assert!(n(&r["errors"]["tls"]) >= 2, "{r:#}");
    assert_eq!(n(&r["summary"]["connected"]), 0);
}

/// `--source-ip` spreads the streams over the addresses it names, in turn, ranges and repeats
/// alike: a raw listener records each connection's peer address and answers with one event.
#[test]
fn source_ips_spread_the_streams_over_the_addresses_named() {
    use std::io::{Read, Write};
    use std::net::{IpAddr, TcpListener};
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let url = format!(
        "http://{}/events",
        listener.local_addr().expect("an address")
    );
    let peers = std::thread::spawn(move || {
        let mut peers = Vec::new();
        for _ in 0..6 {
            let (mut socket, peer) = listener.accept().expect("accept");
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                match socket.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let _ = socket.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\ndata: hi\n\n",
            );
            peers.push(peer.ip());
        }
        peers
    });
    let out = ssecat(["bench", url.as_str(), "--no-progress", "--json"])
        .args(["-c", "6", "--events", "1", "--duration", "15s"])
        .args([
            "--source-ip",
            "127.0.0.2-127.0.0.3",
            "--source-ip",
            "127.0.0.4",
        ])
        .run_within(Duration::from_secs(20));
    out.code(0);
    let r = report(&out);
    assert_eq!(n(&r["summary"]["connected"]), 6, "{r:#}");
    assert_eq!(n(&r["summary"]["events"]), 6, "{r:#}");
    let mut peers = peers.join().expect("the listener thread");
    peers.sort();
    let ip = |s: &str| s.parse::<IpAddr>().expect("an address");
    let want = [
        "127.0.0.2",
        "127.0.0.2",
        "127.0.0.3",
        "127.0.0.3",
        "127.0.0.4",
        "127.0.0.4",
    ];
    assert_eq!(peers, want.map(ip));

    let bad = ssecat(["bench", url.as_str(), "--source-ip", "127.0.0.9-127.0.0.2"]).run();
    bad.code(2);
    assert!(bad.stderr.contains("low-high"), "{}", bad.dump());
    // 192.0.2.0/24 is TEST-NET-1: not an address of this machine, so nothing is connected.
    let foreign = ssecat(["bench", url.as_str(), "--source-ip", "192.0.2.7"]).run();
    foreign.code(2);
    assert!(
        foreign.stderr.contains("--source-ip 192.0.2.7") && foreign.stderr.lines().count() == 1,
        "{}",
        foreign.dump()
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    ssecat(["bench"]).run().code(2);
    let bad = ssecat([
        "bench",
        "http://127.0.0.1:1/",
        "--threshold",
        "latency_p99<<1",
    ])
    .run();
    bad.code(2);
    assert!(bad.stderr.contains("latency_p99<<1"), "{}", bad.dump());
    let latency = ssecat(["bench", "http://127.0.0.1:1/", "--latency-field", "ts_ms"]).run();
    latency.code(2);
    assert!(
        latency.stderr.contains("JSON pointer"),
        "{}",
        latency.dump()
    );
    let missing = ssecat(["bench", "--merge", "/nonexistent/a.json"]).run();
    missing.code(1);
    assert!(
        missing.stderr.contains("/nonexistent/a.json"),
        "{}",
        missing.dump()
    );
}
