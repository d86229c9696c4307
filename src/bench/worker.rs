//! One stream: connect (bench's own small HTTP/1.1 client, http1.rs, over a TCP socket from a
//! chosen source address, or TLS over it), read the event stream through the project's parser
//! straight from the read buffer, count into the shard's metrics, and open it again when it
//! ends, until the run stops.
//!
//! The ONE worker for every mode: `--events`, `--reconnect`, `--check-ids` and latency are
//! parameters, not copies of the loop.

use std::cell::RefCell;
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;
use std::time::{Duration, SystemTime};

use hyper::header::{CONTENT_ENCODING, HeaderMap, TRANSFER_ENCODING};
use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::watch;
use tokio::time::{Instant, sleep, timeout};

use super::BenchConfig;
use super::http1::{self, EncodedRequest};
use super::latency::Sample;
use super::metrics::{ErrorKind, HIST_MAX_US, IdTracker, Metrics, record};
use crate::listen::policy::{Verdict, classify};
use crate::parse::{ItemRef, Parser};
use crate::request::resumable;

/// The one buffer a connection reads into: small, so that tens of thousands of idle streams
/// stay cheap, and large enough to take a burst of events per read.
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
        // A stream due later than time can say (a tiny --ramp) waits for the end of the run.
        let after = Duration::try_from_secs_f64(index as f64 / rate).ok();
        tokio::select! {
            () = until(after.and_then(|d| shard.start.checked_add(d))) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
    shard.metrics.borrow_mut().streams += 1;
    let mut state = StreamState {
        parser: Parser::new().with_max_event_size(config.max_event_size),
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
        let received = state.received;
        let ended = tokio::select! {
            ended = attempt(&shard, &mut state, source) => ended,
            _ = stop.wait_for(|s| *s) => Ended::Finished,
        };
        // Both modes wait as listen would (the server's Retry-After or retry:, else 3 s, backing
        // off from a floor on failures in a row, up to --max-delay); only --reconnect resumes
        // with Last-Event-ID. A stream that ended without an event is a failure too, so a
        // server that answers 200 and closes cannot make bench storm it.
        let pause = match ended {
            Ended::Finished => return,
            Ended::Closed => {
                shard.metrics.borrow_mut().disconnects += 1;
                if state.received > received {
                    state.failures = 1;
                } else {
                    state.failures += 1;
                }
                config.backoff.delay(state.failures, state.server_retry)
            }
            Ended::Failed(retry_after) => {
                state.failures += 1;
                config
                    .backoff
                    .delay(state.failures, retry_after.or(state.server_retry))
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

/// Sleeps until `deadline`; forever when there is none (it is beyond what an Instant holds).
pub(super) async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
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
    let started = Instant::now();
    shard.metrics.borrow_mut().attempts += 1;
    // Boxed, so that the state of opening (the request, TCP, the TLS handshake, the response
    // head) lives on the heap while it lasts, not in every stream's future for its whole life.
    let mut body = match Box::pin(open(shard, &state.parser, source)).await {
        Ok(body) => body,
        Err(ended) => return ended,
    };
    {
        let mut m = shard.metrics.borrow_mut();
        m.connected += 1;
        record(&mut m.connect_us, started.elapsed().as_micros() as u64);
    }
    *shard.open.borrow_mut() += 1;
    let ended = read_stream(shard, state, &mut body, started).await;
    *shard.open.borrow_mut() -= 1;
    state.parser.finish();
    ended
}

/// Connects (TCP, then TLS for https), sends the request (resuming from the parser's last
/// event ID with `--reconnect`) and reads the response head, all within `--connect-timeout`:
/// the body to read when the response opens a stream, else how the attempt ended (counted).
async fn open(
    shard: &Shard,
    parser: &Parser,
    source: Option<IpAddr>,
) -> Result<http1::Body<Box<dyn Io>>, Ended> {
    let config = &shard.config;
    let mut last_id = if config.reconnect {
        parser.last_event_id()
    } else {
        ""
    };
    if !resumable(last_id) {
        shard.metrics.borrow_mut().unresumable += 1;
        last_id = "";
    }
    let request = match config.request.http1_request(last_id) {
        Ok(r) => EncodedRequest::new(r),
        Err(_) => return Err(fail(shard, ErrorKind::Protocol, None)),
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
        http1::send(io, &request, READ_BUFFER)
            .await
            .map_err(http_kind)
    };
    match timeout(config.request.connect_timeout, opening).await {
        Err(_) => Err(fail(shard, ErrorKind::Timeout, None)),
        Ok(Err(kind)) => Err(fail(shard, kind, None)),
        Ok(Ok((head, body))) => check(shard, head).map(|()| body),
    }
}

/// Whether a response head opens a stream; how the attempt ended when it does not.
fn check(shard: &Shard, head: http1::Head) -> Result<(), Ended> {
    let status = head.status.as_u16();
    match classify(head.status, &head.headers, false) {
        Verdict::Stream if encoded(&head.headers) => {
            Err(fail(shard, ErrorKind::ContentEncoding, None))
        }
        Verdict::Stream => Ok(()),
        Verdict::Retry(after) => Err(fail(shard, ErrorKind::Status(status), after)),
        Verdict::WrongType(_) => Err(fail(shard, ErrorKind::ContentType, None)),
        Verdict::Stop | Verdict::Fail => Err(fail(shard, ErrorKind::Status(status), None)),
    }
}

/// Whether a body is encoded in a way bench never asked for (it sends neither Accept-Encoding
/// nor TE): a content coding other than `identity`, or a transfer coding other than `chunked`.
/// Empty list elements do not count (RFC 9110 §5.6.1).
fn encoded(headers: &HeaderMap) -> bool {
    let codings = |name, plain: &'static str| {
        headers
            .get_all(name)
            .iter()
            .flat_map(|v| v.as_bytes().split(|b| *b == b','))
            .map(<[u8]>::trim_ascii)
            .any(move |c| !c.is_empty() && !c.eq_ignore_ascii_case(plain.as_bytes()))
    };
    codings(CONTENT_ENCODING, "identity") || codings(TRANSFER_ENCODING, "chunked")
}

/// Reads the body into the parser until it ends, breaks, or this stream has its `--events`.
/// A malformed body counts as a protocol error as well as a disconnect.
async fn read_stream(
    shard: &Shard,
    state: &mut StreamState,
    body: &mut http1::Body<Box<dyn Io>>,
    started: Instant,
) -> Ended {
    let config = &shard.config;
    let mut first_event = true;
    loop {
        match body.fill().await {
            Ok(true) => {}
            Ok(false) | Err(http1::Error::Io(_)) => return Ended::Closed,
            Err(http1::Error::Protocol(_)) => {
                shard.metrics.borrow_mut().error(ErrorKind::Protocol);
                return Ended::Closed;
            }
        }
        let now = Instant::now();
        let second = now.duration_since(shard.start).as_secs() as usize;
        let wall = config.latency.as_ref().map(|_| SystemTime::now());
        let mut m = shard.metrics.borrow_mut();
        let mut done = false;
        let StreamState {
            parser,
            ids,
            received,
            server_retry,
            ..
        } = state;
        let decoded = body.decode(|data| {
            m.bytes += data.len() as u64;
            parser.feed(data, |item| match item {
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
                        count_latency(&mut m, field.sample(&e.data, wall));
                    }
                    if config.check_ids {
                        ids.check(e.id, &mut m.ids);
                    }
                    if config.events.is_some_and(|n| *received >= n) {
                        done = true;
                    }
                }
                ItemRef::Retry(ms) => *server_retry = Some(Duration::from_millis(ms)),
                ItemRef::Error(_) => m.error(ErrorKind::Oversize),
                _ => {}
            });
        });
        if done {
            return Ended::Finished;
        }
        match decoded {
            Ok(false) => {}
            Ok(true) => return Ended::Closed,
            Err(_) => {
                m.error(ErrorKind::Protocol);
                return Ended::Closed;
            }
        }
    }
}

/// Records what an event's timestamp said: a latency (counted apart too when beyond the
/// histogram's hour, where it is clamped), a timestamp from the future (counted, not recorded),
/// or none.
fn count_latency(m: &mut Metrics, sample: Sample) {
    match sample {
        Sample::Latency(us) => {
            if us > HIST_MAX_US {
                m.latency_clamped += 1;
            }
            record(&mut m.latency_us, us);
        }
        Sample::Future => m.latency_future += 1,
        Sample::Missing => m.latency_missing += 1,
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

fn http_kind(err: http1::Error) -> ErrorKind {
    match err {
        http1::Error::Io(e) => io_kind(e),
        http1::Error::Protocol(_) => ErrorKind::Protocol,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::listen::policy::Backoff;
    use crate::request::RequestSpec;

    fn shard() -> Rc<Shard> {
        let config = BenchConfig {
            request: RequestSpec::get("http://127.0.0.1:9/events"),
            connections: 1,
            duration: Duration::from_secs(1),
            ramp: None,
            events: None,
            reconnect: false,
            backoff: Backoff {
                retry_delay: Duration::from_secs(3),
                max_delay: Duration::from_secs(30),
            },
            latency: None,
            check_ids: false,
            source_ips: Vec::new(),
            tls: None,
            max_event_size: 1 << 20,
        };
        Rc::new(Shard {
            config: Rc::new(config),
            target: "127.0.0.1:9".parse().expect("an address"),
            metrics: RefCell::new(Metrics::default()),
            open: RefCell::new(0),
            start: Instant::now(),
        })
    }

    /// Every open stream's task holds this future, so its size is memory per stream (776 bytes
    /// with rustc 1.95; 2,120 when each stream was a hyper client connection).
    #[test]
    fn a_stream_future_is_small() {
        let (_stop_tx, stop) = watch::channel(false);
        let future = stream(shard(), 0, None, stop);
        let size = std::mem::size_of_val(&future);
        assert!(size <= 1024, "the stream future is {size} bytes");
    }
}
