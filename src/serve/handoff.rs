//! hyper's side of the front door: a connection the fast path (h1.rs) does not take is served
//! by hyper, with the bytes already read put back in front of the socket, and held to the fast
//! path's bounds:
//! - a request head of at most [`MAX_HEAD`] bytes (431 beyond; hyper's default, ~400 KiB, was
//!   kept for the connection's life) sent within [`HEAD_TIMEOUT`], and HTTP/2 header lists of
//!   the same size;
//! - a client that closes is seen even when hyper does not read (see [`Watch`]);
//! - a connection with no request in flight for [`IDLE_TIMEOUT`] is closed: hyper closes an
//!   idle HTTP/1.1 connection after its head timeout, but an idle HTTP/2 connection never, and
//!   each holds some 21 KiB.

use std::convert::Infallible;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use hyper::Request;
use hyper::body::{Body, Frame, Incoming, SizeHint};
use hyper::service::Service;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::h1::{Conn, HEAD_TIMEOUT, MAX_HEAD};
use super::routes::{self, ServeBody};

/// How often a connection hyper serves is checked for the client having closed, or for idling.
const WATCH_EVERY: Duration = Duration::from_secs(1);
/// How long a connection hyper serves may have no request in flight.
pub const IDLE_TIMEOUT: Duration = HEAD_TIMEOUT;

/// hyper, with the fast path's bounds on heads.
pub fn hyper_builder() -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .max_buf_size(MAX_HEAD);
    builder.http2().max_header_list_size(MAX_HEAD as u32);
    builder
}

/// Serves the connection with hyper, `read` (the bytes already read) first.
pub async fn to_hyper(conn: Conn, stream: TcpStream, read: Bytes) {
    let watch = Watch::of(&stream);
    let io = TokioIo::new(Prefixed { read, io: stream });
    let inner = routes::service(conn.app.clone(), conn.peer, conn.kill.clone());
    let in_flight = watch.in_flight.clone();
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let token = InFlight::new(&in_flight);
        let response = inner.call(req);
        async move {
            let response = response.await?;
            Ok::<_, Infallible>(response.map(|body| Tracked {
                body,
                _token: token,
            }))
        }
    });
    let served = conn
        .graceful
        .watch(conn.hyper.serve_connection(io, service).into_owned());
    tokio::select! {
        _ = served => {}
        () = conn.kill.notified() => {}
        () = watch.ended() => {}
    }
}

/// Watches a connection hyper serves, from outside hyper.
///
/// hyper notices a client closing by reading, but while a response streams with a pipelined
/// request already in its buffer it reads no more: the stream, and its `--max-connections`
/// slot, outlived the client. The kernel knows (POLLRDHUP) without anyone reading, so the
/// socket is asked every [`WATCH_EVERY`]; hyper's own rule (no half-close) is kept: a client
/// that stopped sending is gone. The requests in flight are counted (a response body counts
/// until it is dropped), for [`IDLE_TIMEOUT`].
struct Watch {
    #[cfg(unix)]
    fd: std::os::fd::RawFd,
    in_flight: Arc<AtomicUsize>,
}

impl Watch {
    fn of(stream: &TcpStream) -> Watch {
        Watch {
            #[cfg(unix)]
            fd: std::os::fd::AsRawFd::as_raw_fd(stream),
            in_flight: Arc::default(),
        }
    }

    /// Completes once the client has closed or reset the connection, or it has had no request
    /// in flight for [`IDLE_TIMEOUT`]. Polled only while the socket is open (the connection's
    /// future owns it, and both end together).
    async fn ended(&self) {
        let mut idle = Duration::ZERO;
        loop {
            tokio::time::sleep(WATCH_EVERY).await;
            if self.closed() {
                return;
            }
            idle = match self.in_flight.load(Ordering::Relaxed) {
                0 => idle + WATCH_EVERY,
                _ => Duration::ZERO,
            };
            if idle >= IDLE_TIMEOUT {
                return;
            }
        }
    }

    #[cfg(unix)]
    fn closed(&self) -> bool {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        const HUNG_UP: libc::c_short = libc::POLLRDHUP | libc::POLLHUP | libc::POLLERR;
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        const HUNG_UP: libc::c_short = libc::POLLHUP | libc::POLLERR;
        let mut pfd = libc::pollfd {
            fd: self.fd,
            events: HUNG_UP,
            revents: 0,
        };
        // SAFETY: one valid pollfd for the call; a timeout of 0 never blocks.
        let ready = unsafe { libc::poll(&mut pfd, 1, 0) };
        ready > 0 && pfd.revents & HUNG_UP != 0
    }

    #[cfg(not(unix))]
    fn closed(&self) -> bool {
        false
    }
}

/// One request in flight, from its head to the end of its response body.
struct InFlight(Arc<AtomicUsize>);

impl InFlight {
    fn new(count: &Arc<AtomicUsize>) -> InFlight {
        count.fetch_add(1, Ordering::Relaxed);
        InFlight(count.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A response body that counts as a request in flight until it is dropped.
struct Tracked {
    body: ServeBody,
    _token: InFlight,
}

impl Body for Tracked {
    type Data = Bytes;
    type Error = <ServeBody as Body>::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A socket with bytes already read put back in front of it.
struct Prefixed {
    read: Bytes,
    io: TcpStream,
}

impl AsyncRead for Prefixed {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if !self.read.is_empty() {
            let n = self.read.len().min(buf.remaining());
            buf.put_slice(&self.read.split_to(n));
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Prefixed {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}
