//! bench's own HTTP/1.1 client, for its one job: send a request, then read one long streamed
//! response through a single small buffer.
//!
//! hyper's client connection keeps an 8 KiB write buffer, a request channel and a dispatch
//! task per connection, none of which a caller can size; with tens of thousands of idle streams
//! that was most of bench's memory. Here a stream holds the socket, one read buffer and a few
//! words of framing state:
//!
//! - [`EncodedRequest`] serializes the request that [`crate::request::RequestSpec::http1_request`]
//!   builds (the same headers, authentication and body listen sends), once per attempt.
//! - [`send`] writes it, reads the response head into the read buffer with httparse (growing it
//!   for a long head, up to [`MAX_HEAD`]), skips 1xx responses, and works out how the body is
//!   delimited: `Transfer-Encoding: chunked`, `Content-Length`, or the server closing.
//! - [`Body`] reads the body into that buffer and hands its data out in place
//!   ([`Body::fill`], then [`Body::decode`]): no copy, no allocation per read. Chunked decoding
//!   is a state machine that carries over between reads (chunk boundaries, the CRLF after the
//!   data, extensions, trailers); the last chunk `0\r\n\r\n` is the server ending the stream
//!   cleanly. A buffer grown for a long head shrinks back at the first read that allows it.
//!
//! Anything malformed is an [`Error::Protocol`], never a panic, and memory stays bounded: the
//! head by [`MAX_HEAD`], a chunk-size line (with its extensions) by the read buffer, trailers
//! are skipped as they arrive. No keep-alive and no pipelining: a connection carries one
//! request and is dropped when its stream ends.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Body as _;
use hyper::header::{CONTENT_LENGTH, HeaderMap, HeaderName, HeaderValue, TRANSFER_ENCODING};
use hyper::{Method, Request, StatusCode};
use memchr::memchr;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The longest response head read (hyper's client allows about 400 KiB; a server sending an
/// event stream needs a few hundred bytes).
pub const MAX_HEAD: usize = 64 * 1024;
/// Most response headers parsed (hyper's default).
const MAX_HEADERS: usize = 100;
/// The most trailer bytes skipped after the last chunk.
const MAX_TRAILERS: usize = 64 * 1024;

/// Why a request or its response failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The socket failed, or the server closed it before the body's end.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The server broke HTTP/1.1 (a garbage or oversized head, a bad chunk size, …).
    #[error("{0}")]
    Protocol(&'static str),
}

/// A request as bytes for the wire.
#[derive(Debug, Clone)]
pub struct EncodedRequest {
    bytes: Vec<u8>,
    /// A HEAD request's response has no body, whatever its headers say.
    head: bool,
}

impl EncodedRequest {
    /// Serializes `request` as HTTP/1.1: its method, path and query, headers (names in lower
    /// case, as hyper writes them) and body. A body gets its own `Content-Length` (a user's
    /// `Content-Length` or `Transfer-Encoding` header is replaced by it), and no request
    /// carries `Transfer-Encoding`.
    pub fn new(request: Request<Full<Bytes>>) -> Self {
        let (parts, body) = request.into_parts();
        let body = full_bytes(body);
        let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let mut bytes = Vec::with_capacity(128 + parts.headers.len() * 32 + body.len());
        bytes.extend_from_slice(parts.method.as_str().as_bytes());
        bytes.push(b' ');
        bytes.extend_from_slice(path.as_bytes());
        bytes.extend_from_slice(b" HTTP/1.1\r\n");
        for (name, value) in &parts.headers {
            if *name == TRANSFER_ENCODING || (*name == CONTENT_LENGTH && !body.is_empty()) {
                continue;
            }
            bytes.extend_from_slice(name.as_str().as_bytes());
            bytes.extend_from_slice(b": ");
            bytes.extend_from_slice(value.as_bytes());
            bytes.extend_from_slice(b"\r\n");
        }
        if !body.is_empty() {
            bytes.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
        }
        bytes.extend_from_slice(b"\r\n");
        bytes.extend_from_slice(&body);
        EncodedRequest {
            bytes,
            head: parts.method == Method::HEAD,
        }
    }

    /// The bytes written to the socket.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// The body of a `Full`: its one data frame, which is ready at once.
fn full_bytes(mut body: Full<Bytes>) -> Bytes {
    let mut cx = Context::from_waker(Waker::noop());
    match Pin::new(&mut body).poll_frame(&mut cx) {
        Poll::Ready(Some(Ok(frame))) => frame.into_data().unwrap_or_default(),
        _ => Bytes::new(),
    }
}

/// A response's status line and headers.
#[derive(Debug)]
pub struct Head {
    /// The status (never 1xx but 101: interim responses are skipped).
    pub status: StatusCode,
    /// The headers, all of them.
    pub headers: HeaderMap,
}

/// Writes `request` to `io` and reads the response head. The body then comes through the
/// returned [`Body`], read `buffer` bytes at a time (at least 64).
pub async fn send<IO>(
    mut io: IO,
    request: &EncodedRequest,
    buffer: usize,
) -> Result<(Head, Body<IO>), Error>
where
    IO: AsyncRead + AsyncWrite + Unpin,
{
    io.write_all(request.as_bytes()).await?;
    io.flush().await?;
    let size = buffer.max(64);
    let mut buf = vec![0; size].into_boxed_slice();
    let mut end = 0;
    // Bytes before `scanned` have been looked at for a line end. The head is parsed again only
    // when new bytes end a line (or fill the buffer), so a head arriving a byte at a time costs
    // one parse per line, not one per byte.
    let mut scanned = 0;
    loop {
        let line_ended = memchr(b'\n', &buf[scanned..end]).is_some();
        scanned = end;
        if line_ended || (end > 0 && end == buf.len()) {
            if let Some((len, head)) = parse_head(&buf[..end])? {
                if head.status.is_informational() && head.status != StatusCode::SWITCHING_PROTOCOLS
                {
                    buf.copy_within(len..end, 0);
                    end -= len;
                    scanned = 0;
                    continue;
                }
                let framing = framing(&head, request.head)?;
                let body = Body {
                    io,
                    buf,
                    start: len,
                    end,
                    fresh: end > len,
                    framing,
                    size,
                };
                return Ok((head, body));
            }
        }
        if end == buf.len() {
            if end >= MAX_HEAD {
                return Err(Error::Protocol("the response head is longer than 64 KiB"));
            }
            let mut grown = vec![0; (end * 2).min(MAX_HEAD)].into_boxed_slice();
            grown[..end].copy_from_slice(&buf[..end]);
            buf = grown;
        }
        let n = io.read(&mut buf[end..]).await?;
        if n == 0 {
            return Err(Error::Protocol(
                "the server closed the connection before the response head",
            ));
        }
        end += n;
    }
}

/// The head at the start of `buf` and its length, or None when it is not complete yet.
fn parse_head(buf: &[u8]) -> Result<Option<(usize, Head)>, Error> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut response = httparse::Response::new(&mut headers);
    let len = match response.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(Error::Protocol("more than 100 response headers"));
        }
        Err(_) => return Err(Error::Protocol("a malformed response head")),
    };
    let status = response
        .code
        .and_then(|code| StatusCode::from_u16(code).ok())
        .ok_or(Error::Protocol("a malformed status code"))?;
    let mut map = HeaderMap::with_capacity(response.headers.len());
    for header in response.headers.iter() {
        let name = HeaderName::from_bytes(header.name.as_bytes())
            .map_err(|_| Error::Protocol("a malformed header name"))?;
        let value = HeaderValue::from_bytes(header.value)
            .map_err(|_| Error::Protocol("a malformed header value"))?;
        map.append(name, value);
    }
    Ok(Some((
        len,
        Head {
            status,
            headers: map,
        },
    )))
}

/// How the body of the response `head` is delimited (RFC 9112 §6.3).
fn framing(head: &Head, head_request: bool) -> Result<Framing, Error> {
    if head_request
        || head.status == StatusCode::NO_CONTENT
        || head.status == StatusCode::NOT_MODIFIED
    {
        return Ok(Framing::Done);
    }
    if head.headers.contains_key(TRANSFER_ENCODING) {
        // The last coding decides; empty list elements (`chunked,`, an empty header line) do
        // not count (RFC 9110 §5.6.1).
        let last = head
            .headers
            .get_all(TRANSFER_ENCODING)
            .iter()
            .flat_map(|value| value.as_bytes().split(|b| *b == b','))
            .map(<[u8]>::trim_ascii)
            .rfind(|coding| !coding.is_empty());
        return Ok(match last {
            Some(coding) if coding.eq_ignore_ascii_case(b"chunked") => {
                Framing::Chunked(Chunk::Size)
            }
            _ => Framing::Close,
        });
    }
    let mut length = None;
    for value in &head.headers.get_all(CONTENT_LENGTH) {
        for part in value.as_bytes().split(|b| *b == b',') {
            let n = decimal(part.trim_ascii()).ok_or(Error::Protocol("a bad Content-Length"))?;
            if length.is_some_and(|l| l != n) {
                return Err(Error::Protocol("conflicting Content-Length values"));
            }
            length = Some(n);
        }
    }
    Ok(match length {
        Some(0) => Framing::Done,
        Some(n) => Framing::Length(n),
        None => Framing::Close,
    })
}

/// ASCII digits as a number; None for anything else or an overflow.
fn decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &b| {
        let digit = char::from(b).to_digit(10)?;
        n.checked_mul(10)?.checked_add(u64::from(digit))
    })
}

/// How the body is delimited, and how far through it the reader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    /// `Content-Length`: this many bytes are still to come.
    Length(u64),
    /// Until the server closes the connection.
    Close,
    /// `Transfer-Encoding: chunked`.
    Chunked(Chunk),
    /// The body has ended.
    Done,
}

/// Where a chunked body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chunk {
    /// At a chunk-size line.
    Size,
    /// In a chunk's data, with this many bytes of it to come.
    Data(u64),
    /// Expecting the CR after a chunk's data.
    DataCr,
    /// Expecting the LF after a chunk's data.
    DataLf,
    /// After the last chunk, at the start of a trailer line (or of the final empty line), with
    /// this many trailer bytes skipped so far.
    TrailerStart(usize),
    /// Inside a trailer line.
    TrailerLine(usize),
    /// After the CR of the final empty line.
    EndLf,
}

impl Framing {
    /// Decodes what it can of `buf`, handing the body's data to `sink` slice by slice; the bytes
    /// used. What is left is the start of a chunk-size line, to be decoded again with more
    /// bytes after it.
    fn decode(&mut self, buf: &[u8], sink: &mut impl FnMut(&[u8])) -> Result<usize, Error> {
        let mut rest = buf;
        loop {
            match self {
                Framing::Done => return Ok(buf.len()),
                Framing::Close => {
                    if !rest.is_empty() {
                        sink(rest);
                    }
                    return Ok(buf.len());
                }
                Framing::Length(left) => {
                    take(left, &mut rest, sink);
                    if *left > 0 {
                        return Ok(buf.len());
                    }
                    *self = Framing::Done;
                }
                Framing::Chunked(chunk) => {
                    if rest.is_empty() {
                        return Ok(buf.len());
                    }
                    match chunk_step(chunk, &mut rest, sink)? {
                        Step::Go => {}
                        Step::Partial => return Ok(buf.len() - rest.len()),
                        Step::End => *self = Framing::Done,
                    }
                }
            }
        }
    }
}

/// What one step through a chunked body came to.
enum Step {
    /// Go on with the rest.
    Go,
    /// The rest is an incomplete chunk-size line: more bytes are needed.
    Partial,
    /// The body has ended.
    End,
}

/// Hands up to `left` bytes of `rest` to `sink` and counts them off both.
fn take(left: &mut u64, rest: &mut &[u8], sink: &mut impl FnMut(&[u8])) {
    let n = usize::try_from(*left).map_or(rest.len(), |l| l.min(rest.len()));
    if n > 0 {
        sink(&rest[..n]);
    }
    *left -= n as u64;
    *rest = &rest[n..];
}

/// One step through a chunked body, over a non-empty `rest`.
fn chunk_step(
    chunk: &mut Chunk,
    rest: &mut &[u8],
    sink: &mut impl FnMut(&[u8]),
) -> Result<Step, Error> {
    const BAD_SIZE: Error = Error::Protocol("a bad chunk size");
    match chunk {
        Chunk::Size => {
            // parse_chunk_size reads an empty size as 0; a size needs a digit.
            if !rest[0].is_ascii_hexdigit() {
                return Err(BAD_SIZE);
            }
            match httparse::parse_chunk_size(rest) {
                Ok(httparse::Status::Complete((used, size))) => {
                    *rest = &rest[used..];
                    *chunk = match size {
                        0 => Chunk::TrailerStart(0),
                        n => Chunk::Data(n),
                    };
                }
                Ok(httparse::Status::Partial) => return Ok(Step::Partial),
                Err(_) => return Err(BAD_SIZE),
            }
        }
        Chunk::Data(left) => {
            take(left, rest, sink);
            if *left == 0 {
                *chunk = Chunk::DataCr;
            }
        }
        Chunk::DataCr | Chunk::DataLf => {
            let (want, next) = match chunk {
                Chunk::DataCr => (b'\r', Chunk::DataLf),
                _ => (b'\n', Chunk::Size),
            };
            if rest[0] != want {
                return Err(Error::Protocol("no CRLF after a chunk's data"));
            }
            *rest = &rest[1..];
            *chunk = next;
        }
        Chunk::TrailerStart(seen) => match rest[0] {
            b'\r' => {
                *rest = &rest[1..];
                *chunk = Chunk::EndLf;
            }
            b'\n' => {
                *rest = &rest[1..];
                return Ok(Step::End);
            }
            _ => *chunk = Chunk::TrailerLine(*seen),
        },
        Chunk::TrailerLine(seen) => {
            let (used, line_ended) = match memchr(b'\n', rest) {
                Some(i) => (i + 1, true),
                None => (rest.len(), false),
            };
            *seen += used;
            if *seen > MAX_TRAILERS {
                return Err(Error::Protocol("trailers longer than 64 KiB"));
            }
            *rest = &rest[used..];
            if line_ended {
                *chunk = Chunk::TrailerStart(*seen);
            }
        }
        Chunk::EndLf => {
            if rest[0] != b'\n' {
                return Err(Error::Protocol("no CRLF at the end of a chunked body"));
            }
            *rest = &rest[1..];
            return Ok(Step::End);
        }
    }
    Ok(Step::Go)
}

/// A response body being read: the connection, its one read buffer and the framing state.
pub struct Body<IO> {
    io: IO,
    buf: Box<[u8]>,
    /// `buf[start..end]` holds bytes read and not used up yet.
    start: usize,
    end: usize,
    /// Some of those bytes have not been through [`Body::decode`] yet.
    fresh: bool,
    framing: Framing,
    /// The read buffer's size, to shrink back to after a long head.
    size: usize,
}

impl<IO: AsyncRead + Unpin> Body<IO> {
    /// Waits for more of the body: true when there are bytes for [`Body::decode`], false when
    /// the body has ended (its delimited end was decoded, or the server closed a body that
    /// ends so). The server closing before the delimited end is an [`io::ErrorKind::UnexpectedEof`].
    pub async fn fill(&mut self) -> Result<bool, Error> {
        if self.framing == Framing::Done {
            return Ok(false);
        }
        if self.fresh {
            return Ok(true);
        }
        self.make_room()?;
        let n = self.io.read(&mut self.buf[self.end..]).await?;
        if n == 0 {
            if self.framing == Framing::Close {
                self.framing = Framing::Done;
                return Ok(false);
            }
            return Err(Error::Io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection before the end of the body",
            )));
        }
        self.end += n;
        self.fresh = true;
        Ok(true)
    }

    /// Hands the body data among the bytes read so far to `sink`, in place; true when the
    /// body's end was among them.
    pub fn decode(&mut self, mut sink: impl FnMut(&[u8])) -> Result<bool, Error> {
        self.fresh = false;
        let used = self
            .framing
            .decode(&self.buf[self.start..self.end], &mut sink)?;
        self.start += used;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        Ok(self.framing == Framing::Done)
    }

    /// Bytes of heap the body holds for its buffer (not counting the connection's).
    #[cfg(test)]
    fn buffer_len(&self) -> usize {
        self.buf.len()
    }

    /// Space to read into after the bytes kept: back to the normal size after a long head, the
    /// kept start of a chunk-size line moved to the front.
    fn make_room(&mut self) -> Result<(), Error> {
        let kept = self.end - self.start;
        if self.buf.len() > self.size && kept < self.size {
            let mut small = vec![0; self.size].into_boxed_slice();
            small[..kept].copy_from_slice(&self.buf[self.start..self.end]);
            self.buf = small;
        } else if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
        } else if self.end == self.buf.len() {
            return Err(Error::Protocol(
                "a chunk-size line longer than the read buffer",
            ));
        }
        self.start = 0;
        self.end = kept;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use proptest::prelude::*;

    use super::*;

    /// A connection whose server side is scripted: each read returns at most one piece.
    struct Script {
        pieces: VecDeque<Vec<u8>>,
        written: Vec<u8>,
    }

    impl Script {
        fn new(bytes: &[u8], piece_sizes: &[usize]) -> Self {
            let mut pieces = VecDeque::new();
            let mut rest = bytes;
            let mut sizes = piece_sizes.iter().copied().filter(|n| *n > 0).cycle();
            while !rest.is_empty() {
                let n = sizes.next().unwrap_or(rest.len()).min(rest.len());
                pieces.push_back(rest[..n].to_vec());
                rest = &rest[n..];
            }
            Script {
                pieces,
                written: Vec::new(),
            }
        }
    }

    impl AsyncRead for Script {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut tokio::io::ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            if let Some(piece) = self.pieces.front_mut() {
                let n = piece.len().min(buf.remaining());
                buf.put_slice(&piece[..n]);
                piece.drain(..n);
                if piece.is_empty() {
                    self.pieces.pop_front();
                }
            }
            Poll::Ready(Ok(()))
        }
    }

    impl AsyncWrite for Script {
        fn poll_write(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.written.extend_from_slice(buf);
            Poll::Ready(Ok(buf.len()))
        }
        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// What reading a whole response came to.
    #[derive(Debug)]
    struct Outcome {
        head: Head,
        data: Vec<u8>,
        /// Ok(()) when the body ended, else the error that stopped it.
        end: Result<(), Error>,
        /// The read buffer's size at each read of the body.
        buffers: Vec<usize>,
    }

    fn get() -> EncodedRequest {
        EncodedRequest::new(
            Request::get("/events")
                .header("host", "x")
                .body(Full::default())
                .expect("a request"),
        )
    }

    /// Sends `request` over a scripted connection answering `response` in pieces of the given
    /// sizes, and reads the body with a `buffer`-byte buffer.
    fn exchange(
        request: &EncodedRequest,
        response: &[u8],
        pieces: &[usize],
        buffer: usize,
    ) -> Result<Outcome, Error> {
        futures::executor::block_on(async {
            let (head, mut body) = send(Script::new(response, pieces), request, buffer).await?;
            let mut data = Vec::new();
            let mut buffers = Vec::new();
            let end = loop {
                match body.fill().await {
                    Ok(true) => {}
                    Ok(false) => break Ok(()),
                    Err(e) => break Err(e),
                }
                buffers.push(body.buffer_len());
                match body.decode(|d| data.extend_from_slice(d)) {
                    Ok(false) => {}
                    Ok(true) => break Ok(()),
                    Err(e) => break Err(e),
                }
            };
            Ok(Outcome {
                head,
                data,
                end,
                buffers,
            })
        })
    }

    /// What `spec` puts on the wire, resuming from `last_id`.
    fn wire(spec: &crate::request::RequestSpec, last_id: &str) -> String {
        let request = EncodedRequest::new(spec.http1_request(last_id).expect("a request"));
        String::from_utf8(request.as_bytes().to_vec()).expect("ASCII")
    }

    fn read(response: &[u8]) -> Result<Outcome, Error> {
        exchange(&get(), response, &[], 1024)
    }

    const CHUNKED: &str =
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n";

    fn chunked(body: &str) -> Vec<u8> {
        format!("{CHUNKED}{body}").into_bytes()
    }

    fn protocol(result: Result<Outcome, Error>) -> &'static str {
        match result {
            Err(Error::Protocol(why)) => why,
            Ok(Outcome {
                end: Err(Error::Protocol(why)),
                ..
            }) => why,
            other => panic!("not a protocol error: {other:?}"),
        }
    }

    #[test]
    fn the_request_keeps_every_header_and_sends_its_body_with_a_length() {
        use crate::request::{Auth, RequestSpec};
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("accept", HeaderValue::from_static("text/event-stream"));
        headers.append("x-tag", HeaderValue::from_static("a"));
        headers.append("x-tag", HeaderValue::from_static("b"));
        headers.insert("transfer-encoding", HeaderValue::from_static("chunked"));
        let spec = RequestSpec {
            method: Method::POST,
            headers,
            body: Some(Bytes::from_static(b"{\"k\":1}")),
            auth: Some(Auth::Bearer("t0k".into())),
            ..RequestSpec::get("http://example.com:8080/events?topic=a%20b")
        };
        let request = EncodedRequest::new(spec.http1_request("41").expect("a request"));
        let text = String::from_utf8(request.as_bytes().to_vec()).expect("ASCII");
        let (head, body) = text.split_once("\r\n\r\n").expect("a head");
        let mut lines = head.split("\r\n");
        assert_eq!(lines.next(), Some("POST /events?topic=a%20b HTTP/1.1"));
        let mut fields: Vec<&str> = lines.collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                "accept: text/event-stream",
                "authorization: Bearer t0k",
                "content-length: 7",
                "host: example.com:8080",
                "last-event-id: 41",
                "x-tag: a",
                "x-tag: b",
            ]
        );
        assert_eq!(body, "{\"k\":1}");
        assert!(!request.head);
    }

    #[test]
    fn chunked_bodies_with_extensions_and_trailers_end_cleanly() {
        let out = read(&chunked(
            "5;name=value\r\nhello\r\n6 ; a ; b=\"c\"\r\n world\r\n0;last\r\nExpires: never\r\nX-N: 1\r\n\r\n",
        ))
        .expect("a response");
        assert_eq!(out.head.status, StatusCode::OK);
        assert_eq!(
            out.head.headers.get("content-type").map(|v| v.as_bytes()),
            Some(&b"text/event-stream"[..])
        );
        assert_eq!(out.data, b"hello world");
        assert!(out.end.is_ok());
        // Upper-case hex, and bytes after the end are ignored.
        let out = read(&chunked("A\r\n0123456789\r\n0\r\n\r\nHTTP/1.1 junk")).expect("a response");
        assert_eq!(out.data, b"0123456789");
        assert!(out.end.is_ok());
    }

    #[test]
    fn a_chunked_body_cut_short_is_an_unexpected_eof() {
        for body in ["5\r\nhel", "5\r\nhello\r\n", "5\r\nhello\r\n0\r\n", "5\r"] {
            let out = read(&chunked(body)).expect("a response");
            match out.end {
                Err(Error::Io(e)) => assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof),
                other => panic!("{body:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn content_length_and_close_delimited_bodies() {
        let out = read(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello, and more").expect("ok");
        assert_eq!(
            (out.data.as_slice(), out.end.is_ok()),
            (&b"hello"[..], true)
        );
        let out = read(b"HTTP/1.1 200 OK\r\ncontent-length: 5, 5\r\n\r\nhel").expect("ok");
        assert!(matches!(out.end, Err(Error::Io(_))), "{out:?}");
        let out = read(b"HTTP/1.0 200 OK\r\n\r\nuntil the end").expect("ok");
        assert_eq!(
            (out.data.as_slice(), out.end.is_ok()),
            (&b"until the end"[..], true)
        );
        // A coding other than chunked last: read until the server closes.
        let out =
            read(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked, gzip\r\n\r\n5\r\nx").expect("ok");
        assert_eq!(out.data, b"5\r\nx");
        let out = read(b"HTTP/1.1 204 No Content\r\n\r\n").expect("ok");
        assert_eq!((out.data.len(), out.end.is_ok()), (0, true));
        let head =
            EncodedRequest::new(Request::head("/").body(Full::default()).expect("a request"));
        let out = exchange(
            &head,
            b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n",
            &[],
            64,
        )
        .expect("ok");
        assert_eq!((out.data.len(), out.end.is_ok()), (0, true));
    }

    #[test]
    fn interim_responses_are_skipped() {
        let out = read(
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nlink: <x>\r\n\r\nHTTP/1.1 503 Busy\r\nretry-after: 7\r\ncontent-length: 0\r\n\r\n",
        )
        .expect("ok");
        assert_eq!(out.head.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(out.head.headers["retry-after"], "7");
    }

    #[test]
    fn malformed_responses_are_protocol_errors() {
        for (response, why) in [
            (&b"garbage\r\n\r\n"[..], "a malformed response head"),
            (b"HTTP/1.1 2000 OK\r\n\r\n", "a malformed response head"),
            (
                b"",
                "the server closed the connection before the response head",
            ),
            (
                b"HTTP/1.1 200 OK\r\ncontent-len",
                "the server closed the connection before the response head",
            ),
            (
                b"HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n",
                "a bad Content-Length",
            ),
            (
                b"HTTP/1.1 200 OK\r\ncontent-length: 99999999999999999999\r\n\r\n",
                "a bad Content-Length",
            ),
            (
                b"HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\n",
                "conflicting Content-Length values",
            ),
        ] {
            assert_eq!(
                protocol(read(response)),
                why,
                "{:?}",
                String::from_utf8_lossy(response)
            );
        }
        for body in [
            "zz\r\n",
            "\r\n",
            ";ext\r\n",
            "-1\r\n",
            "5 6\r\n",
            "5\nhello",
            "10000000000000000\r\n",
        ] {
            assert_eq!(
                protocol(read(&chunked(body))),
                "a bad chunk size",
                "{body:?}"
            );
        }
        for body in ["5\r\nhelloXX", "5\r\nhello\rX"] {
            assert_eq!(
                protocol(read(&chunked(body))),
                "no CRLF after a chunk's data"
            );
        }
        assert_eq!(
            protocol(read(&chunked("0\r\n\rX"))),
            "no CRLF at the end of a chunked body"
        );
    }

    #[test]
    fn heads_trailers_and_chunk_size_lines_are_bounded() {
        let long = format!("HTTP/1.1 200 OK\r\nx-big: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        assert_eq!(
            protocol(exchange(&get(), long.as_bytes(), &[4096], 64)),
            "the response head is longer than 64 KiB"
        );
        let many: String = (0..=MAX_HEADERS).map(|i| format!("x-{i}: 1\r\n")).collect();
        let many = format!("HTTP/1.1 200 OK\r\n{many}\r\n");
        assert_eq!(
            protocol(read(many.as_bytes())),
            "more than 100 response headers"
        );
        let ext = chunked(&format!("5;{}\r\nhello\r\n0\r\n\r\n", "e".repeat(100)));
        assert_eq!(
            protocol(exchange(&get(), &ext, &[7], 64)),
            "a chunk-size line longer than the read buffer"
        );
        let trailers = chunked(&format!("0\r\nx: {}\r\n\r\n", "t".repeat(MAX_TRAILERS)));
        assert_eq!(protocol(read(&trailers)), "trailers longer than 64 KiB");
    }

    #[test]
    fn a_buffer_grown_for_a_long_head_shrinks_back() {
        let head = format!(
            "HTTP/1.1 200 OK\r\nx-big: {}\r\ntransfer-encoding: chunked\r\n\r\n",
            "a".repeat(5000)
        );
        let response = format!("{head}3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n");
        // The head and the first chunk come in one read; the rest later.
        let split = head.len() + 8;
        for pieces in [[split, 9999], [split, 1]] {
            let out = exchange(&get(), response.as_bytes(), &pieces, 100).expect("ok");
            assert_eq!(out.data, b"abcdef");
            assert!(out.end.is_ok());
            // 100 doubled until the head fits, then back to 100 at the next read.
            assert_eq!(out.buffers[0], 6400, "{pieces:?}");
            assert!(
                out.buffers[1..].iter().all(|n| *n == 100),
                "{:?}",
                out.buffers
            );
        }
    }

    /// A response framed three ways: chunked (with or without extensions and trailers),
    /// Content-Length, or close-delimited.
    fn framed(chunks: &[(Vec<u8>, bool)], framing: u8, trailers: usize) -> Vec<u8> {
        let body: Vec<u8> = chunks.iter().flat_map(|(c, _)| c.clone()).collect();
        let mut out = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n".to_vec();
        match framing {
            0 => {
                out.extend_from_slice(b"transfer-encoding: chunked\r\n\r\n");
                for (i, (chunk, ext)) in chunks.iter().enumerate() {
                    let size = if i % 2 == 0 {
                        format!("{:x}", chunk.len())
                    } else {
                        format!("{:X}", chunk.len())
                    };
                    out.extend_from_slice(size.as_bytes());
                    if *ext {
                        out.extend_from_slice(b" ; e=\"1\"");
                    }
                    out.extend_from_slice(b"\r\n");
                    out.extend_from_slice(chunk);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(b"0\r\n");
                for i in 0..trailers {
                    out.extend_from_slice(format!("x-t{i}: {}\r\n", "v".repeat(i * 7)).as_bytes());
                }
                out.extend_from_slice(b"\r\n");
            }
            1 => {
                out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
                out.extend_from_slice(&body);
            }
            _ => {
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(&body);
            }
        }
        out
    }

    proptest! {
        #[test]
        fn every_framing_decodes_the_same_bytes_however_the_reads_split_it(
            chunks in prop::collection::vec((prop::collection::vec(any::<u8>(), 1..300), any::<bool>()), 0..8),
            framing in 0u8..3,
            trailers in 0usize..4,
            pieces in prop::collection::vec(1usize..40, 0..20),
            buffer in 64usize..600,
        ) {
            let response = framed(&chunks, framing, trailers);
            let out = exchange(&get(), &response, &pieces, buffer).expect("a response");
            let body: Vec<u8> = chunks.iter().flat_map(|(c, _)| c.clone()).collect();
            prop_assert_eq!(out.head.status, StatusCode::OK);
            prop_assert_eq!(out.data, body);
            prop_assert!(out.end.is_ok(), "{:?}", out.end);
        }

        #[test]
        fn garbage_after_a_head_never_panics_and_stays_bounded(
            garbage in prop::collection::vec(
                prop_oneof![Just(b'\r'), Just(b'\n'), Just(b';'), Just(b'0'), Just(b'a'), any::<u8>()],
                0..400,
            ),
            framing in 0u8..3,
            pieces in prop::collection::vec(1usize..40, 0..20),
        ) {
            let mut response = framed(&[], framing, 0);
            if framing == 0 {
                response.truncate(response.len() - 5); // "0\r\n\r\n"
            }
            response.extend_from_slice(&garbage);
            if let Ok(out) = exchange(&get(), &response, &pieces, 64) {
                // Grown to 128 for the head, never more.
                prop_assert!(out.buffers.iter().all(|n| *n <= 128), "{:?}", out.buffers);
                prop_assert!(out.data.len() <= garbage.len());
            }
        }
    }

    #[test]
    fn a_chunked_response_written_byte_by_byte_over_a_socket() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a port");
            let addr = listener.local_addr().expect("an address");
            let server = tokio::spawn(async move {
                let (mut socket, _) = listener.accept().await.expect("a client");
                socket.set_nodelay(true).expect("nodelay");
                let mut request = Vec::new();
                let mut byte = [0u8; 1];
                while !request.ends_with(b"\r\n\r\n") {
                    socket.read_exact(&mut byte).await.expect("the request");
                    request.push(byte[0]);
                }
                let response = chunked(
                    "b\r\ndata: one\n\n\r\n11;x=y\r\nid: 2\ndata: two\n\n\r\n0\r\nx-t: 1\r\n\r\n",
                );
                for byte in &response {
                    socket.write_all(&[*byte]).await.expect("a byte");
                    socket.flush().await.expect("flushed");
                    tokio::task::yield_now().await;
                }
                String::from_utf8(request).expect("text")
            });
            let tcp = tokio::net::TcpStream::connect(addr)
                .await
                .expect("connected");
            let (head, mut body) = send(tcp, &get(), 64).await.expect("a head");
            assert_eq!(head.status, StatusCode::OK);
            let mut parser = crate::parse::Parser::new();
            let mut events = Vec::new();
            let mut reads = 0;
            while body.fill().await.expect("the body") {
                reads += 1;
                let ended = body
                    .decode(|data| {
                        parser.feed(data, |item| {
                            if let crate::parse::ItemRef::Event(e) = item {
                                events.push((e.id.to_owned(), e.data.into_owned()));
                            }
                        });
                    })
                    .expect("a valid body");
                if ended {
                    break;
                }
            }
            assert_eq!(
                events,
                [
                    ("".to_owned(), "one".to_owned()),
                    ("2".to_owned(), "two".to_owned())
                ]
            );
            assert!(reads > 10, "{reads} reads");
            let request = server.await.expect("the server");
            assert!(request.starts_with("GET /events HTTP/1.1\r\n"), "{request}");
        });
    }

    #[test]
    fn a_users_host_header_replaces_the_urls() {
        use crate::request::RequestSpec;
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("virtual.example"));
        let plain = RequestSpec::get("http://127.0.0.1:8080/events");
        let spec = RequestSpec {
            headers,
            ..RequestSpec::get("http://127.0.0.1:8080/events")
        };
        let hosts = |spec: &RequestSpec| -> Vec<String> {
            wire(spec, "")
                .lines()
                .filter(|l| l.to_ascii_lowercase().starts_with("host:"))
                .map(str::to_owned)
                .collect()
        };
        assert_eq!(hosts(&spec), ["host: virtual.example"]);
        assert_eq!(hosts(&plain), ["host: 127.0.0.1:8080"]);
    }

    #[test]
    fn empty_transfer_coding_elements_do_not_count() {
        for te in [
            "transfer-encoding: chunked,\r\n",
            "transfer-encoding: , chunked , \r\n",
            "transfer-encoding: chunked\r\ntransfer-encoding:\r\n",
        ] {
            let response = format!("HTTP/1.1 200 OK\r\n{te}\r\n5\r\nhello\r\n0\r\n\r\n");
            let out = read(response.as_bytes()).expect("a response");
            assert_eq!(out.data, b"hello", "{te:?}");
            assert!(out.end.is_ok(), "{te:?}: {:?}", out.end);
        }
        // The last coding decides: chunked then gzip is read until the server closes.
        let out = read(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked, gzip\r\n\r\nabc")
            .expect("a response");
        assert_eq!(out.data, b"abc");
    }

    /// A head that arrives a byte at a time is parsed once per line, and still whole: the
    /// interim response, the head and the body bytes behind it, whatever the buffer.
    #[test]
    fn a_head_arriving_byte_by_byte_is_read_whole() {
        let response = format!(
            "HTTP/1.1 103 Early Hints\r\nlink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nx-big: {}\r\n\
             content-length: 5\r\n\r\nhello",
            "a".repeat(3000)
        );
        for buffer in [64, 1024] {
            let out = exchange(&get(), response.as_bytes(), &[1], buffer).expect("a head");
            assert_eq!(out.head.status, StatusCode::OK);
            assert_eq!(out.head.headers["x-big"].len(), 3000);
            assert_eq!(out.data, b"hello");
            assert!(out.end.is_ok(), "{:?}", out.end);
        }
        // A chunk-size line that exactly fills the buffer after data, split anywhere.
        let line = format!("3;{}\r\n", "e".repeat(60));
        let body = chunked(&format!("2\r\nab\r\n{line}cde\r\n0\r\n\r\n"));
        for split in 1..body.len() {
            let out = exchange(&get(), &body, &[split, 7], 64).expect("a head");
            assert_eq!(out.data, b"abcde", "split at {split}");
            assert!(out.end.is_ok(), "split at {split}: {:?}", out.end);
        }
    }
}
