//! `ssecat serve`'s HTTP/1.1 front door (src/serve/h1.rs), byte for byte over raw sockets on
//! 127.0.0.1: event streams answered by the fast path (chunked framing, headers, keep-alive
//! after the stream ends, pipelined requests, `Connection: close`, heads split into pieces),
//! and everything else handed to hyper with the bytes already read (HTTP/1.0, other routes on
//! the same connection).

mod common;

use std::time::Duration;

use common::WAIT;
use common::serve::{publish, serve};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until `needle` has arrived (or panics after WAIT); returns everything read.
async fn read_until(sock: &mut TcpStream, buf: &mut Vec<u8>, needle: &[u8]) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !buf.windows(needle.len()).any(|w| w == needle) {
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout_at(deadline, sock.read(&mut chunk))
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "no {:?} within {WAIT:?}; got {:?}",
                    String::from_utf8_lossy(needle),
                    String::from_utf8_lossy(buf)
                )
            })
            .expect("read");
        assert!(
            n > 0,
            "connection closed before {:?}; got {:?}",
            String::from_utf8_lossy(needle),
            String::from_utf8_lossy(buf)
        );
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Splits a response into its head and its body (the rest of `bytes`).
fn split_head(bytes: &[u8]) -> (String, &[u8]) {
    let end = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a whole head")
        + 4;
    (
        String::from_utf8_lossy(&bytes[..end]).into_owned(),
        &bytes[end..],
    )
}

/// Decodes a chunked body that ends with the last chunk; returns the payload and what follows.
fn dechunk(mut body: &[u8]) -> (Vec<u8>, &[u8]) {
    let mut out = Vec::new();
    loop {
        let line_end = body
            .windows(2)
            .position(|w| w == b"\r\n")
            .expect("chunk size");
        let size = usize::from_str_radix(std::str::from_utf8(&body[..line_end]).unwrap(), 16)
            .expect("hex chunk size");
        body = &body[line_end + 2..];
        if size == 0 {
            assert!(body.starts_with(b"\r\n"), "last chunk ends with CRLF");
            return (out, &body[2..]);
        }
        out.extend_from_slice(&body[..size]);
        assert_eq!(&body[size..size + 2], b"\r\n", "chunk data ends with CRLF");
        body = &body[size + 2..];
    }
}

#[tokio::test]
async fn a_stream_is_chunked_with_sse_headers_then_the_connection_serves_the_next_request() {
    let srv = serve(&["--drop-after", "2", "--retry", "250"]);
    let mut sock = TcpStream::connect(srv.addr).await.unwrap();
    sock.write_all(b"GET /events?topic=a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    srv.wait_subscribers(1).await;
    publish(&srv.url("/events?topic=a"), "one").await;
    publish(&srv.url("/events?topic=a&event=two"), "line 1\nline 2").await;
    let mut buf = Vec::new();
    read_until(&mut sock, &mut buf, b"\r\n0\r\n\r\n").await;

    let (head, body) = split_head(&buf);
    let head = head.to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200 ok\r\n"), "{head}");
    for line in [
        "content-type: text/event-stream; charset=utf-8\r\n",
        "cache-control: no-cache, no-store\r\n",
        "connection: keep-alive\r\n",
        "transfer-encoding: chunked\r\n",
        "date: ",
    ] {
        assert!(head.contains(line), "{line:?} missing from {head}");
    }
    assert!(!head.contains("content-length"), "{head}");
    let (payload, rest) = dechunk(body);
    assert!(rest.is_empty());
    assert_eq!(
        String::from_utf8(payload).unwrap(),
        ":ssecat serve: subscribed to a\nretry: 250\n\n\
         id: 1\ndata: one\n\n\
         event: two\nid: 2\ndata: line 1\ndata: line 2\n\n"
    );

    // Same connection: a request the fast path does not take goes to hyper.
    sock.write_all(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut rest = Vec::new();
    tokio::time::timeout(WAIT, sock.read_to_end(&mut rest))
        .await
        .expect("hyper answers and closes")
        .unwrap();
    let text = String::from_utf8_lossy(&rest);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.ends_with("{\"status\":\"ok\"}\n"), "{text}");
}

#[tokio::test]
async fn a_request_pipelined_behind_a_stream_is_answered_after_it_ends() {
    let srv = serve(&["--drop-after", "1"]);
    let mut sock = TcpStream::connect(srv.addr).await.unwrap();
    sock.write_all(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    srv.wait_subscribers(1).await;
    publish(&srv.url("/events"), "first").await;
    // The first stream ends after one event; the second request (read while the first stream
    // was open) then gets its own stream on the same connection.
    srv.wait_stats("the second stream", |s| s["streams"]["total"] == 2)
        .await;
    publish(&srv.url("/events"), "second").await;
    let mut all = Vec::new();
    tokio::time::timeout(WAIT, sock.read_to_end(&mut all))
        .await
        .expect("both streams end and the connection closes (Connection: close)")
        .unwrap();
    let (_, body) = split_head(&all);
    let (first, rest) = dechunk(body);
    assert!(
        String::from_utf8(first)
            .unwrap()
            .ends_with("id: 1\ndata: first\n\n")
    );
    let (head, body) = split_head(rest);
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    let (second, rest) = dechunk(body);
    assert!(
        String::from_utf8(second)
            .unwrap()
            .ends_with("id: 2\ndata: second\n\n")
    );
    assert!(rest.is_empty());
}

#[tokio::test]
async fn a_head_sent_in_pieces_is_still_served() {
    let srv = serve(&[]);
    let mut sock = TcpStream::connect(srv.addr).await.unwrap();
    sock.set_nodelay(true).unwrap();
    for piece in [
        "GE",
        "T /ev",
        "ents?topic=b HTTP/1.1\r",
        "\nHost: 127.0.0.1\r\nLast-Event-ID: x",
        "\r\n",
        "\r",
        "\n",
    ] {
        sock.write_all(piece.as_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    srv.wait_subscribers(1).await;
    publish(&srv.url("/events?topic=b"), "hi").await;
    let mut buf = Vec::new();
    read_until(&mut sock, &mut buf, b"data: hi\n\n").await;
    assert!(buf.starts_with(b"HTTP/1.1 200 OK\r\n"));
}

#[tokio::test]
async fn an_error_answer_on_the_fast_path_has_a_length_and_keeps_the_connection() {
    let srv = serve(&["--subscribe-token", "s3cret"]);
    let mut sock = TcpStream::connect(srv.addr).await.unwrap();
    sock.write_all(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://a.test\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    read_until(&mut sock, &mut buf, b"}\n").await;
    let (head, body) = split_head(&buf);
    let lower = head.to_ascii_lowercase();
    assert!(lower.starts_with("http/1.1 401 unauthorized\r\n"), "{head}");
    assert!(lower.contains("www-authenticate: bearer\r\n"), "{head}");
    assert!(
        lower.contains("access-control-allow-origin: *\r\n"),
        "{head}"
    );
    assert!(
        lower.contains(&format!("content-length: {}\r\n", body.len())),
        "{head}"
    );
    // The same connection then subscribes with the token.
    sock.write_all(b"GET /events?token=s3cret HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    srv.wait_subscribers(1).await;
    publish(&srv.url("/events"), "in").await;
    buf.clear();
    read_until(&mut sock, &mut buf, b"data: in\n\n").await;
    assert!(buf.starts_with(b"HTTP/1.1 200 OK\r\n"));
}

#[tokio::test]
async fn connection_close_on_a_stream_request_closes_after_the_answer() {
    let srv = serve(&["--subscribe-token", "s3cret"]);
    let mut sock = TcpStream::connect(srv.addr).await.unwrap();
    sock.write_all(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut all = Vec::new();
    tokio::time::timeout(WAIT, sock.read_to_end(&mut all))
        .await
        .expect("closed after the 401")
        .unwrap();
    assert!(all.starts_with(b"HTTP/1.1 401 Unauthorized\r\n"));
}

#[tokio::test]
async fn http10_streams_go_through_hyper_and_end_with_the_connection() {
    let srv = serve(&["--drop-after", "1"]);
    let mut sock = TcpStream::connect(srv.addr).await.unwrap();
    sock.write_all(b"GET /events HTTP/1.0\r\n\r\n")
        .await
        .unwrap();
    srv.wait_subscribers(1).await;
    publish(&srv.url("/events"), "old").await;
    let mut all = Vec::new();
    tokio::time::timeout(WAIT, sock.read_to_end(&mut all))
        .await
        .expect("an HTTP/1.0 stream ends by closing")
        .unwrap();
    let (head, body) = split_head(&all);
    assert!(head.starts_with("HTTP/1.0 200 OK\r\n"), "{head}");
    assert!(!head.to_ascii_lowercase().contains("chunked"), "{head}");
    assert!(String::from_utf8_lossy(body).ends_with("id: 1\ndata: old\n\n"));
}

#[tokio::test]
async fn a_client_that_closes_its_stream_is_unsubscribed() {
    let srv = serve(&[]);
    let mut sock = TcpStream::connect(srv.addr).await.unwrap();
    sock.write_all(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    srv.wait_subscribers(1).await;
    drop(sock);
    srv.wait_stats("the stream to be gone", |s| {
        s["streams"]["now"] == 0 && s["subscribers"] == 0
    })
    .await;
}
