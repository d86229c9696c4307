//! One stream: connect (plain hyper HTTP/1.1 over a TCP socket, from a chosen source address),
//! read the event stream through the project's parser, count into the shard's metrics, and open
//! it again when it ends, until the run stops.
//!
//! The ONE worker for every mode: `--events`, `--reconnect`, `--check-ids` and latency are
//! parameters, not copies of the loop.

use std::cell::RefCell;
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::time::{Instant, sleep, timeout};

use super::BenchConfig;
use super::metrics::{ErrorKind, IdTracker, Metrics, record};
use crate::listen::policy::{Verdict, classify};
use crate::parse::{ItemRef, Parser};

/// Size of hyper's read buffer per connection: small, so that tens of thousands of idle
/// streams stay cheap, and large enough to take a burst of events per read.
const READ_BUFFER: usize = 1024;

/// State of one shard (one thread), shared by its streams without locks.
pub struct Shard {
    /// The run's settings.
    pub config: Rc<BenchConfig>,
    /// Where to connect.
    pub target: SocketAddr,
    /// What the shard counted.
    pub metrics: RefCell<Metrics>,
    /// Streams connected now.
    pub open: RefCell<u64>,
    /// When the run started (for the per-second timeline).
    pub start: Instant,
}

/// A connection's byte stream: plain TCP or TLS over it.
trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin> Io for T {}

/// How one connection ended.
enum Ended {
    /// The run is over (stop signal) or this stream has its `--events`.
    Finished,
    /// The server ended the stream, or it broke after it was open.
    Closed,
    /// The attempt failed before the stream opened; `retry_after` from the server, if any.
    Failed(Option<Duration>),
}

/// Runs stream number `index` until `stop` turns true.
pub async fn stream(
    shard: Rc<Shard>,
    index: u64,
    source: Option<IpAddr>,
    mut stop: watch::Receiver<bool>,
) {
    let config = shard.config.clone();
    if let Some(rate) = config.ramp {
        let at = shard.start + Duration::from_secs_f64(index as f64 / rate);
        tokio::select! {
            () = tokio::time::sleep_until(at) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
    shard.metrics.borrow_mut().streams += 1;
    let mut state = StreamState {
        parser: Parser::new(),
        ids: IdTracker::default(),
        received: 0,
        server_retry: None,
        failures: 0,
    };
    let mut first = true;
    loop {
        if *stop.borrow() {
            return;
        }
        if !first {
            shard.metrics.borrow_mut().reconnects += 1;
        }
        first = false;
        let ended = tokio::select! {
            ended = attempt(&shard, &mut state, source) => ended,
            _ = stop.wait_for(|s| *s) => Ended::Finished,
        };
        // Both modes wait as listen would (the server's retry:, else 3 s, backing off on
        // failures); only --reconnect resumes with Last-Event-ID.
        let pause = match ended {
            Ended::Finished => return,
            Ended::Closed => {
                shard.metrics.borrow_mut().disconnects += 1;
                state.failures = 0;
                config.backoff.delay(1, state.server_retry)
            }
            Ended::Failed(retry_after) => {
                state.failures += 1;
                retry_after
                    .unwrap_or_else(|| config.backoff.delay(state.failures, state.server_retry))
            }
        };
        if !pause.is_zero() {
            tokio::select! {
                () = sleep(pause) => {}
                _ = stop.wait_for(|s| *s) => return,
            }
        }
    }
}

/// What a stream keeps across its connections.
struct StreamState {
    parser: Parser,
    ids: IdTracker,
    /// Events received on this stream (for `--events`).
    received: u64,
    /// The server's last `retry:`.
    server_retry: Option<Duration>,
    /// Failed attempts in a row.
    failures: u32,
}

async fn attempt(shard: &Shard, state: &mut StreamState, source: Option<IpAddr>) -> Ended {
    let config = &shard.config;
    let started = Instant::now();
    shard.metrics.borrow_mut().attempts += 1;
    let last_id = if config.reconnect {
        state.parser.last_event_id().to_owned()
    } else {
        String::new()
    };
    let request = match config.request.http1_request(&last_id) {
        Ok(r) => r,
        Err(_) => return fail(shard, ErrorKind::Protocol, None),
    };
    let opening = async {
        let tcp = connect(shard.target, source).await.map_err(io_kind)?;
        let io: Box<dyn Io> = match &config.tls {
            None => Box::new(tcp),
            Some(tls) => Box::new(
                tls.connector
                    .connect(tls.name.clone(), tcp)
                    .await
                    .map_err(|_| ErrorKind::Tls)?,
            ),
        };
        let (mut sender, conn) = hyper::client::conn::http1::Builder::new()
            .read_buf_exact_size(Some(READ_BUFFER))
            .handshake::<_, http_body_util::Full<Bytes>>(TokioIo::new(io))
            .await
            .map_err(|_| ErrorKind::Protocol)?;
        let mut conn = Box::pin(conn);
        let response = tokio::select! {
            r = sender.send_request(request) => r.map_err(|e| hyper_kind(&e))?,
            r = &mut conn => {
                let _ = r;
                return Err(ErrorKind::Protocol);
            }
        };
        Ok::<_, ErrorKind>((response, conn))
    };
    let (response, mut conn) = match timeout(config.request.connect_timeout, opening).await {
        Err(_) => return fail(shard, ErrorKind::Timeout, None),
        Ok(Err(kind)) => return fail(shard, kind, None),
        Ok(Ok(pair)) => pair,
    };
    match classify(response.status(), response.headers(), false) {
        Verdict::Stream => {}
        Verdict::Retry(after) => {
            return fail(shard, ErrorKind::Status(response.status().as_u16()), after);
        }
        Verdict::WrongType(_) => return fail(shard, ErrorKind::ContentType, None),
        Verdict::Stop | Verdict::Fail => {
            return fail(shard, ErrorKind::Status(response.status().as_u16()), None);
        }
    }
    {
        let mut m = shard.metrics.borrow_mut();
        m.connected += 1;
        record(&mut m.connect_us, started.elapsed().as_micros() as u64);
    }
    *shard.open.borrow_mut() += 1;
    let ended = read_stream(shard, state, response.into_body(), &mut conn, started).await;
    *shard.open.borrow_mut() -= 1;
    state.parser.finish();
    ended
}

async fn read_stream<C>(
    shard: &Shard,
    state: &mut StreamState,
    mut body: hyper::body::Incoming,
    conn: &mut std::pin::Pin<Box<C>>,
    started: Instant,
) -> Ended
where
    C: std::future::Future<Output = hyper::Result<()>>,
{
    let config = &shard.config;
    let mut first_event = true;
    let mut conn_done = false;
    loop {
        let frame = tokio::select! {
            biased;
            frame = body.frame() => frame,
            _ = conn.as_mut(), if !conn_done => {
                conn_done = true;
                continue;
            }
        };
        let data = match frame {
            None | Some(Err(_)) => return Ended::Closed,
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => data,
                Err(_) => continue,
            },
        };
        let now = Instant::now();
        let second = now.duration_since(shard.start).as_secs() as usize;
        let wall = config.latency.as_ref().map(|_| SystemTime::now());
        let mut m = shard.metrics.borrow_mut();
        m.bytes += data.len() as u64;
        let mut done = false;
        let StreamState {
            parser,
            ids,
            received,
            server_retry,
            ..
        } = state;
        parser.feed(&data, |item| match item {
            ItemRef::Event(e) if !done => {
                m.event_at(second);
                *received += 1;
                if first_event {
                    first_event = false;
                    record(
                        &mut m.first_event_us,
                        now.duration_since(started).as_micros() as u64,
                    );
                }
                if let (Some(field), Some(wall)) = (&config.latency, wall) {
                    match field.latency_us(&e.data, wall) {
                        Some(us) => record(&mut m.latency_us, us),
                        None => m.latency_missing += 1,
                    }
                }
                if config.check_ids {
                    ids.check(e.id, &mut m.ids);
                }
                if config.events.is_some_and(|n| *received >= n) {
                    done = true;
                }
            }
            ItemRef::Retry(ms) => *server_retry = Some(Duration::from_millis(ms)),
            _ => {}
        });
        if done {
            return Ended::Finished;
        }
    }
}

fn fail(shard: &Shard, kind: ErrorKind, retry_after: Option<Duration>) -> Ended {
    shard.metrics.borrow_mut().error(kind);
    Ended::Failed(retry_after)
}

/// A TCP connection to `target`, from `source` when given. On Linux the source address is bound
/// with IP_BIND_ADDRESS_NO_PORT, so the port is chosen at connect time per destination and each
/// source address offers its own ~28,000 ephemeral ports.
async fn connect(target: SocketAddr, source: Option<IpAddr>) -> std::io::Result<TcpStream> {
    let Some(ip) = source else {
        let stream = TcpStream::connect(target).await?;
        stream.set_nodelay(true)?;
        return Ok(stream);
    };
    let socket = if target.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    #[cfg(target_os = "linux")]
    bind_address_no_port(&socket)?;
    socket.bind(SocketAddr::new(ip, 0))?;
    socket.set_nodelay(true)?;
    socket.connect(target).await
}

#[cfg(target_os = "linux")]
fn bind_address_no_port(socket: &TcpSocket) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let one: libc::c_int = 1;
    // SAFETY: a valid socket descriptor, and a pointer to an int of the stated size.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::IPPROTO_IP,
            libc::IP_BIND_ADDRESS_NO_PORT,
            (&one as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

fn io_kind(err: std::io::Error) -> ErrorKind {
    match err.kind() {
        std::io::ErrorKind::ConnectionRefused => ErrorKind::Refused,
        std::io::ErrorKind::TimedOut => ErrorKind::Timeout,
        _ => ErrorKind::Io,
    }
}

fn hyper_kind(err: &hyper::Error) -> ErrorKind {
    let io = std::error::Error::source(err).and_then(|e| e.downcast_ref::<std::io::Error>());
    match io {
        Some(e) => io_kind(std::io::Error::from(e.kind())),
        None => ErrorKind::Protocol,
    }
}
