//! The front door of every connection, and the HTTP/1.1 fast path for event streams.
//!
//! An idle subscriber is most of what a busy serve holds, so its cost decides how many fit.
//! hyper's HTTP/1 server keeps two 8 KiB buffers per connection for its whole life (16 KiB of
//! 21 KiB per subscriber when every connection went through it). So each connection starts
//! here: the request head is read into a small buffer and parsed with httparse. A plain
//! HTTP/1.1 `GET /events` without a body is answered here: the same `routes` code decides the
//! response, then the stream is written straight to the socket as chunked frames, one
//! `writev` per batch of queued events, and the head buffer is gone. Everything else (publish,
//! stats, the viewer, h2c, HTTP/1.0, malformed heads) goes to hyper with the bytes already read
//! put back in front of the socket, so hyper sees the connection from its first byte
//! (handoff.rs).
//!
//! While a stream is open the socket is watched for the client closing (a read into a small
//! stack buffer when it becomes readable), for the subscriber being cut off as slow (`kill`),
//! and the stream ends by itself on shutdown (the hub closes every subscriber).
//!
//! Both paths hold a request head to the same bounds: [`MAX_HEAD`] bytes (431 beyond; hyper's
//! own default, ~400 KiB, was kept for the connection's life: 300 streams opened with such
//! heads held 77 MB, bench/serve-big-heads.sh) and [`HEAD_TIMEOUT`] to send it.

use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use http_body_util::{Either, Full};
use hyper::StatusCode;
use hyper::body::Body;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, Version};
use hyper_util::rt::TokioExecutor;
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::Watcher;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Notify, watch};

use super::App;
use super::handoff;
use super::routes::{self, ServeBody};
use super::stream::EventStream;

/// Longest request head, on both paths; a longer one gets 431. nginx's default is 4 × 8 KiB
/// too, and a browser's Cookie header on a busy localhost can pass 16 KiB.
pub const MAX_HEAD: usize = 32 * 1024;
/// First size of the head buffer: enough for a browser's `GET /events`.
const HEAD_BUFFER: usize = 1024;
/// Most headers the fast path parses; more go to hyper.
const MAX_HEADERS: usize = 64;
/// How long a connection may take to send a request head, on both paths.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(30);
/// Bytes a client may send while its stream is open (a pipelined request) before the
/// connection is closed.
const MAX_PIPELINED: usize = 16 * 1024;
/// After a refusal, how long and how much of what the client still sends is read and dropped
/// before closing, so that the close does not reset the connection before the client has read
/// the answer (nginx's lingering close).
const LINGER: (Duration, usize) = (Duration::from_secs(1), 256 * 1024);
/// What one connection needs from the server.
pub struct Conn {
    /// Shared state.
    pub app: Arc<App>,
    /// The client.
    pub peer: SocketAddr,
    /// Notified when the subscriber is cut off as slow: the connection is dropped.
    pub kill: Arc<Notify>,
    /// Turns true when the server shuts down.
    pub shutdown: watch::Receiver<bool>,
    /// hyper, for everything the fast path does not take.
    pub hyper: Arc<auto::Builder<TokioExecutor>>,
    /// hyper's connections, watched for graceful shutdown.
    pub graceful: Watcher,
}

/// Serves one connection until it closes.
pub async fn connection(mut conn: Conn, mut stream: TcpStream) {
    let mut buf = BytesMut::new();
    loop {
        let head = tokio::select! {
            head = tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut stream, &mut buf)) => head,
            _ = conn.shutdown.wait_for(|s| *s) => return,
        };
        let (parts, keep_alive) = match head {
            Ok(Ok(Head::Stream { parts, keep_alive })) => (parts, keep_alive),
            // Boxed: hyper's connection is large, and a stream's task should not carry its size.
            Ok(Ok(Head::Other)) => {
                return Box::pin(handoff::to_hyper(conn, stream, buf.freeze())).await;
            }
            Ok(Ok(Head::TooLarge)) => return too_large(stream).await,
            Ok(Ok(Head::Closed)) | Ok(Err(_)) | Err(_) => return,
        };
        // The head buffer is not kept while the stream is open; a pipelined request, rare,
        // keeps only its own bytes.
        buf = if buf.is_empty() {
            BytesMut::new()
        } else {
            BytesMut::from(&buf[..])
        };
        // A client that hangs up while the answer waits (`--latency`) ends it there.
        let response = tokio::select! {
            response = Box::pin(routes::subscribe_request(&conn.app, conn.peer, conn.kill.clone(), &parts)) => response,
            _ = client_gone(&stream, &mut buf) => return,
        };
        drop(parts);
        match respond(&mut conn, &mut stream, &mut buf, response).await {
            Ok(true) if keep_alive => {}
            _ => return,
        }
    }
}

/// What the head read found.
enum Head {
    /// A `GET /events` for the fast path.
    Stream {
        parts: Box<hyper::http::request::Parts>,
        keep_alive: bool,
    },
    /// Anything else: hyper's.
    Other,
    /// A head not over after [`MAX_HEAD`] bytes.
    TooLarge,
    /// The client closed before sending a request.
    Closed,
}

/// Reads until a whole request head is in `buf`, then removes it from `buf` if the fast path
/// takes it. `buf` keeps every byte read otherwise, for hyper.
async fn read_head(stream: &mut TcpStream, buf: &mut BytesMut) -> io::Result<Head> {
    loop {
        if !buf.is_empty() {
            match parse_head(buf) {
                Parsed::Partial if buf.len() < MAX_HEAD => {}
                Parsed::Partial => return Ok(Head::TooLarge),
                Parsed::Other => return Ok(Head::Other),
                Parsed::Stream {
                    len,
                    parts,
                    keep_alive,
                } => {
                    buf.advance(len);
                    return Ok(Head::Stream { parts, keep_alive });
                }
            }
        }
        // Never more than MAX_HEAD bytes: a head is refused at the same length however it
        // arrives (one read could have brought a longer head whole).
        let room = MAX_HEAD - buf.len();
        if buf.capacity() == buf.len() {
            buf.reserve(HEAD_BUFFER.max(buf.len()).min(room));
        }
        if stream.read_buf(&mut (&mut *buf).limit(room)).await? == 0 {
            return Ok(if buf.is_empty() {
                Head::Closed
            } else {
                Head::Other
            });
        }
    }
}

enum Parsed {
    Partial,
    Other,
    Stream {
        len: usize,
        parts: Box<hyper::http::request::Parts>,
        keep_alive: bool,
    },
}

/// Parses a request head; only a bodiless HTTP/1.1 `GET /events` is taken.
fn parse_head(bytes: &[u8]) -> Parsed {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let len = match req.parse(bytes) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Parsed::Partial,
        Err(_) => return Parsed::Other,
    };
    let (Some("GET"), Some(target), Some(1)) = (req.method, req.path, req.version) else {
        return Parsed::Other;
    };
    if target.split('?').next() != Some("/events") {
        return Parsed::Other;
    }
    let mut map = HeaderMap::with_capacity(req.headers.len());
    let mut keep_alive = true;
    for h in req.headers.iter() {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(h.name.as_bytes()),
            HeaderValue::from_bytes(h.value),
        ) else {
            return Parsed::Other;
        };
        if name == header::TRANSFER_ENCODING
            || name == header::UPGRADE
            || (name == header::CONTENT_LENGTH && value.as_bytes() != b"0")
        {
            return Parsed::Other;
        }
        if name == header::CONNECTION
            && value
                .to_str()
                .is_ok_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("close")))
        {
            keep_alive = false;
        }
        map.append(name, value);
    }
    let Ok(request) = Request::builder()
        .method(Method::GET)
        .uri(target)
        .version(Version::HTTP_11)
        .body(())
    else {
        return Parsed::Other;
    };
    let (mut parts, ()) = request.into_parts();
    parts.headers = map;
    Parsed::Stream {
        len,
        parts: Box::new(parts),
        keep_alive,
    }
}

/// Answers a head over [`MAX_HEAD`] with 431 and closes.
async fn too_large(mut stream: TcpStream) {
    let response = routes::refuse_connection(
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        &format!(
            "the request head is over {}",
            crate::units::format_size(MAX_HEAD as u64)
        ),
    );
    let (head, body) = encode_head(response);
    let body = match body {
        Either::Left(body) => body,
        Either::Right(_) => Bytes::new(),
    };
    if write_all(&mut stream, &mut [IoSlice::new(&head), IoSlice::new(&body)])
        .await
        .is_ok()
    {
        linger(stream).await;
    }
}

/// Closes our side, then reads and drops what the client still sends, for at most [`LINGER`].
async fn linger(mut stream: TcpStream) {
    let _ = stream.shutdown().await;
    let drain = async {
        let mut scratch = [0u8; 4096];
        let mut total = 0;
        while total < LINGER.1 {
            match stream.read(&mut scratch).await {
                Ok(0) | Err(_) => return,
                Ok(n) => total += n,
            }
        }
    };
    let _ = tokio::time::timeout(LINGER.0, drain).await;
}

/// Writes the response. Ok(true) when the connection can take another request.
async fn respond(
    conn: &mut Conn,
    stream: &mut TcpStream,
    pipelined: &mut BytesMut,
    response: Response<ServeBody>,
) -> io::Result<bool> {
    match encode_head(response) {
        (head, Either::Left(body)) => {
            write_all(stream, &mut [IoSlice::new(&head), IoSlice::new(&body)]).await?;
            Ok(true)
        }
        (head, Either::Right(mut events)) => {
            stream.write_all(&head).await?;
            drop(head);
            write_events(conn, stream, pipelined, &mut events).await
        }
    }
}

/// The response head on the wire, with its framing header, and the body: whole, or a stream.
fn encode_head(response: Response<ServeBody>) -> (Vec<u8>, Either<Bytes, EventStream>) {
    let (parts, body) = response.into_parts();
    let mut head = Vec::with_capacity(256);
    head.extend_from_slice(b"HTTP/1.1 ");
    head.extend_from_slice(parts.status.as_str().as_bytes());
    head.push(b' ');
    let reason = parts.status.canonical_reason().unwrap_or("Unknown");
    head.extend_from_slice(reason.as_bytes());
    head.extend_from_slice(b"\r\n");
    for (name, value) in &parts.headers {
        head.extend_from_slice(name.as_str().as_bytes());
        head.extend_from_slice(b": ");
        head.extend_from_slice(value.as_bytes());
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"date: ");
    head.extend_from_slice(httpdate::fmt_http_date(SystemTime::now()).as_bytes());
    head.extend_from_slice(b"\r\n");
    match body {
        Either::Left(full) => {
            let body = full_bytes(full);
            head.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
            (head, Either::Left(body))
        }
        Either::Right(events) => {
            head.extend_from_slice(b"transfer-encoding: chunked\r\n\r\n");
            (head, Either::Right(events))
        }
    }
}

/// The bytes of a whole body (one frame, ready at once).
fn full_bytes(mut full: Full<Bytes>) -> Bytes {
    let waker = std::task::Waker::noop();
    match Pin::new(&mut full).poll_frame(&mut Context::from_waker(waker)) {
        Poll::Ready(Some(Ok(frame))) => frame.into_data().unwrap_or_default(),
        _ => Bytes::new(),
    }
}

/// Writes the event stream as chunks until it ends (Ok(true)), the client goes (Ok(false)) or
/// the subscriber is cut off (Ok(false)).
async fn write_events(
    conn: &Conn,
    stream: &mut TcpStream,
    pipelined: &mut BytesMut,
    events: &mut EventStream,
) -> io::Result<bool> {
    loop {
        // In this order: a subscriber cut off goes at once; what is ready is written before a
        // client that left is noticed (the opening comment always goes out, and the log's count
        // of bytes sent does not depend on chance); a write to a client that left fails anyway.
        let frame = tokio::select! {
            biased;
            () = conn.kill.notified() => return Ok(false),
            frame = std::future::poll_fn(|cx| poll_bytes(events, cx)) => frame,
            _ = client_gone(stream, pipelined) => return Ok(false),
        };
        let Some(bytes) = frame else {
            write_all(stream, &mut [IoSlice::new(b"0\r\n\r\n")]).await?;
            return Ok(true);
        };
        if bytes.is_empty() {
            continue;
        }
        let size = format!("{:x}\r\n", bytes.len());
        let mut slices = [
            IoSlice::new(size.as_bytes()),
            IoSlice::new(&bytes),
            IoSlice::new(b"\r\n"),
        ];
        tokio::select! {
            written = write_all(stream, &mut slices) => written?,
            () = conn.kill.notified() => return Ok(false),
        }
    }
}

/// The next bytes of the event stream; None when it has ended.
fn poll_bytes(events: &mut EventStream, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
    match Pin::new(events).poll_frame(cx) {
        Poll::Pending => Poll::Pending,
        Poll::Ready(Some(Ok(frame))) => Poll::Ready(Some(frame.into_data().unwrap_or_default())),
        Poll::Ready(Some(Err(never))) => match never {},
        Poll::Ready(None) => Poll::Ready(None),
    }
}

/// Completes when the client closes the connection (or errs, or sends too much).
async fn client_gone(stream: &TcpStream, pipelined: &mut BytesMut) -> io::Result<()> {
    loop {
        stream.readable().await?;
        if !read_while_streaming(stream, pipelined)? {
            return Ok(());
        }
    }
}

/// Reads what the client sent while its stream is open: false when it has closed, or sent more
/// than a pipelined request could need.
fn read_while_streaming(stream: &TcpStream, pipelined: &mut BytesMut) -> io::Result<bool> {
    let mut scratch = [0u8; 256];
    loop {
        match stream.try_read(&mut scratch) {
            Ok(0) => return Ok(false),
            Ok(n) if pipelined.len() + n > MAX_PIPELINED => return Ok(false),
            Ok(n) => pipelined.extend_from_slice(&scratch[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(true),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Writes every slice, with as few system calls as the socket allows.
async fn write_all(stream: &mut TcpStream, mut slices: &mut [IoSlice<'_>]) -> io::Result<()> {
    while !slices.is_empty() {
        let n = stream.write_vectored(slices).await?;
        if n == 0 {
            return Err(io::ErrorKind::WriteZero.into());
        }
        IoSlice::advance_slices(&mut slices, n);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(head: &str) -> Parsed {
        parse_head(head.as_bytes())
    }

    #[test]
    fn only_a_bodiless_http11_get_of_events_takes_the_fast_path() {
        let Parsed::Stream {
            len,
            parts,
            keep_alive,
        } = parse("GET /events?topic=a HTTP/1.1\r\nHost: x\r\nLast-Event-ID: 7\r\n\r\nGET")
        else {
            panic!("expected the fast path");
        };
        assert_eq!(len, 59);
        assert!(keep_alive);
        assert_eq!(parts.uri.query(), Some("topic=a"));
        assert_eq!(parts.headers["last-event-id"], "7");
        assert!(matches!(
            parse("GET /events HTTP/1.1\r\nConnection: close\r\n\r\n"),
            Parsed::Stream {
                keep_alive: false,
                ..
            }
        ));
        for other in [
            "POST /events HTTP/1.1\r\n\r\n",
            "GET /stats HTTP/1.1\r\n\r\n",
            "GET /eventsx HTTP/1.1\r\n\r\n",
            "GET /events HTTP/1.0\r\n\r\n",
            "GET /events HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
            "GET /events HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET /events HTTP/1.1\r\nUpgrade: h2c\r\n\r\n",
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            "\x00\x01garbage\r\n\r\n",
        ] {
            assert!(matches!(parse(other), Parsed::Other), "{other:?}");
        }
        assert!(matches!(
            parse("GET /events HTTP/1.1\r\nHo"),
            Parsed::Partial
        ));
    }
}
