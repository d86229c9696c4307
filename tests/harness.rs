//! The test harness itself (tests/common): the scripted server sends each frame as its own
//! write, aborts and hangs on request, and the process runner kills what outlives its timeout.
//! Timing: lower bounds prove behaviour and are exact; upper bounds are generous, so a loaded
//! machine does not make a test flaky.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;

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
