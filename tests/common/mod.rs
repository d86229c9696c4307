//! Test servers and process helpers shared by the integration tests.
//!
//! - [`ScriptServer`]: an in-process hyper 1 server on 127.0.0.1 port 0, on its own tokio runtime
//!   thread, that answers the n-th request it receives with the [`Script`] the test chose for `n`:
//!   a status, headers, then body steps (send a frame, sleep) and an ending (close cleanly, abort
//!   the connection, or hang open until the server is dropped). It records every request
//!   ([`Request`]: when it arrived, method, URI, headers, body, when its response ended).
//! - [`ssecat`]: runs the built binary with a hard timeout: a run that outlives it is killed and
//!   the test fails with whatever the process printed. Nothing here can hang a test.
//!
//! ```ignore
//! let srv = ScriptServer::start(|n, _req| match n {
//!     0 => Script::sse().send("data: a\n\n").sleep(ms(50)).close(),
//!     _ => Script::status(204),
//! });
//! let out = ssecat(["listen", &srv.url()]).run();
//! ```

#![allow(dead_code)]

use std::convert::Infallible;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::sync::{mpsc, oneshot};

pub mod bench;
pub mod listen;
pub mod process;
pub mod serve;
pub mod tls;

#[allow(unused_imports)]
pub use process::{Outcome, Running, Ssecat, command, ssecat};

/// Shorthand for a duration in milliseconds.
pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// How long a test waits for anything (a request, a line of output, a process) before failing.
pub const WAIT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// The scripted server
// ---------------------------------------------------------------------------------------------

/// One step of a scripted response body.
#[derive(Debug, Clone)]
enum Step {
    /// Send these bytes as one body frame (flushed: the socket has no delay).
    Send(Bytes),
    /// Wait this long before the next step.
    Sleep(Duration),
}

/// How a scripted response ends once its steps are done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// End the body cleanly (the terminating chunk for HTTP/1.1 chunked encoding).
    Close,
    /// Fail the body: the connection is torn down without the terminating chunk.
    Abort,
    /// Keep the response open, sending nothing more, until the client goes away or the server
    /// is dropped.
    Hang,
}

/// The response to one request: status, headers, body steps and an ending.
#[derive(Debug, Clone)]
pub struct Script {
    status: u16,
    headers: Vec<(String, String)>,
    steps: Vec<Step>,
    end: End,
}

impl Script {
    /// A response with this status and no headers; it ends cleanly unless told otherwise.
    pub fn status(status: u16) -> Script {
        Script {
            status,
            headers: Vec::new(),
            steps: Vec::new(),
            end: End::Close,
        }
    }

    /// A 200 `text/event-stream` response with `Cache-Control: no-cache`.
    pub fn sse() -> Script {
        Script::status(200)
            .header("content-type", "text/event-stream")
            .header("cache-control", "no-cache")
    }

    /// Adds a response header.
    pub fn header(mut self, name: &str, value: &str) -> Script {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sends these bytes as one body frame.
    pub fn send(mut self, bytes: impl Into<Bytes>) -> Script {
        self.steps.push(Step::Send(bytes.into()));
        self
    }

    /// Sends these bytes `times` times, one frame each (cheap: the bytes are shared).
    pub fn send_repeat(mut self, bytes: impl Into<Bytes>, times: usize) -> Script {
        let bytes = bytes.into();
        self.steps
            .extend(std::iter::repeat_n(Step::Send(bytes), times));
        self
    }

    /// Waits before the next step.
    pub fn sleep(mut self, d: Duration) -> Script {
        self.steps.push(Step::Sleep(d));
        self
    }

    /// Ends the body cleanly (the default).
    pub fn close(mut self) -> Script {
        self.end = End::Close;
        self
    }

    /// Tears the connection down without ending the body.
    pub fn abort(mut self) -> Script {
        self.end = End::Abort;
        self
    }

    /// Keeps the response open until the client leaves or the server is dropped.
    pub fn hang(mut self) -> Script {
        self.end = End::Hang;
        self
    }

    /// Every byte the body steps send, in order.
    pub fn body_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for step in &self.steps {
            if let Step::Send(b) = step {
                out.extend_from_slice(b);
            }
        }
        out
    }
}

/// A request the server received, and when its response ended.
#[derive(Debug, Clone)]
pub struct Request {
    /// 0-based order of arrival over the server's life: the script was chosen by this.
    pub index: usize,
    /// 0-based index of the TCP connection it came on (keep-alive may reuse connections).
    pub conn: usize,
    /// When its head had arrived.
    pub arrived: Instant,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target, e.g. `/events?x=1`.
    pub uri: String,
    /// `HTTP/1.1`, `HTTP/2.0`, ...
    pub version: String,
    /// Header names lowercased, values lossily decoded, in the order received.
    pub headers: Vec<(String, String)>,
    /// The whole request body.
    pub body: Vec<u8>,
    /// When the response body ended (cleanly or by abort), or was dropped unfinished (a hanging
    /// response whose client went away). `None` while it is still going.
    pub response_end: Option<Instant>,
}

impl Request {
    /// The first value of a header (name case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a header (name case-insensitive).
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

type ScriptFn = dyn Fn(usize, &Request) -> Script + Send + Sync + 'static;

#[derive(Default)]
struct Shared {
    requests: Mutex<Vec<Request>>,
    changed: Condvar,
}

impl Shared {
    fn mark_end(&self, index: usize) {
        let mut requests = self.requests.lock().unwrap();
        if let Some(r) = requests.get_mut(index) {
            if r.response_end.is_none() {
                r.response_end = Some(Instant::now());
            }
        }
        self.changed.notify_all();
    }
}

/// A test server's accept loop on its own thread and current-thread tokio runtime. Dropping it
/// signals the loop to stop and joins the thread, closing every open connection.
pub struct ServerThread {
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ServerThread {
    /// Runs `serve(shutdown)` on a new thread; `serve` returns when `shutdown` fires.
    pub fn spawn<F, Fut>(name: String, serve: F) -> ServerThread
    where
        F: FnOnce(oneshot::Receiver<()>) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()>,
    {
        let (shutdown, shutdown_rx) = oneshot::channel();
        let thread = std::thread::Builder::new()
            .name(name)
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("tokio runtime");
                rt.block_on(serve(shutdown_rx));
                rt.shutdown_timeout(Duration::from_secs(2));
            })
            .expect("spawn the server thread");
        ServerThread {
            shutdown: Some(shutdown),
            thread: Some(thread),
        }
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The scripted server. Stops (dropping every open connection) when dropped.
pub struct ScriptServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    _thread: ServerThread,
}

impl ScriptServer {
    /// Starts a server answering the n-th request (0-based) with `script(n, &request)`.
    pub fn start<F>(script: F) -> ScriptServer
    where
        F: Fn(usize, &Request) -> Script + Send + Sync + 'static,
    {
        ScriptServer::start_on(0, script)
    }

    /// Like [`ScriptServer::start`], on this port of 127.0.0.1 (0: any free port). A test can
    /// drop a server and start another on the same port to play a server restart.
    pub fn start_on<F>(port: u16, script: F) -> ScriptServer
    where
        F: Fn(usize, &Request) -> Script + Send + Sync + 'static,
    {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind 127.0.0.1");
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared::default());
        let script: Arc<ScriptFn> = Arc::new(script);
        let state = shared.clone();
        let thread = ServerThread::spawn(format!("script-server-{}", addr.port()), move |stop| {
            accept_loop(listener, state, script, stop)
        });
        ScriptServer {
            addr,
            shared,
            _thread: thread,
        }
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/events`.
    pub fn url(&self) -> String {
        format!("http://{}/events", self.addr)
    }

    /// A snapshot of the requests so far.
    pub fn requests(&self) -> Vec<Request> {
        self.shared.requests.lock().unwrap().clone()
    }

    /// How many requests have arrived so far.
    pub fn request_count(&self) -> usize {
        self.shared.requests.lock().unwrap().len()
    }

    /// Waits until `pred` holds for the requests so far; panics after `timeout`.
    pub fn wait_until(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&[Request]) -> bool,
    ) -> Vec<Request> {
        let deadline = Instant::now() + timeout;
        let mut requests = self.shared.requests.lock().unwrap();
        loop {
            if pred(&requests) {
                return requests.clone();
            }
            let now = Instant::now();
            if now >= deadline {
                panic!(
                    "timed out after {timeout:?} waiting for {what}; requests so far: {:#?}",
                    *requests
                );
            }
            requests = self
                .shared
                .changed
                .wait_timeout(requests, deadline - now)
                .unwrap()
                .0;
        }
    }

    /// Waits until at least `n` requests have arrived; panics after `timeout`.
    pub fn wait_for_requests(&self, n: usize, timeout: Duration) -> Vec<Request> {
        self.wait_until(&format!("{n} requests"), timeout, |r| r.len() >= n)
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    script: Arc<ScriptFn>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    let mut conn = 0usize;
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let (shared, script) = (shared.clone(), script.clone());
                let conn_index = conn;
                conn += 1;
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        respond(shared.clone(), script.clone(), conn_index, req)
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        }
    }
}

async fn respond(
    shared: Arc<Shared>,
    script: Arc<ScriptFn>,
    conn: usize,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<ScriptBody>, Infallible> {
    let arrived = Instant::now();
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => Vec::new(),
    };
    let record = {
        let mut requests = shared.requests.lock().unwrap();
        let record = Request {
            index: requests.len(),
            conn,
            arrived,
            method: parts.method.to_string(),
            uri: parts.uri.to_string(),
            version: format!("{:?}", parts.version),
            headers: parts
                .headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_ascii_lowercase(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body,
            response_end: None,
        };
        requests.push(record.clone());
        shared.changed.notify_all();
        record
    };
    let script = script(record.index, &record);

    let (tx, rx) = mpsc::channel(1);
    let mut response = hyper::Response::builder().status(script.status);
    for (name, value) in &script.headers {
        response = response.header(name, value);
    }
    let body = ScriptBody {
        rx,
        shared,
        index: record.index,
        ended: false,
    };
    let response = response.body(body).expect("a valid scripted response");
    tokio::spawn(play(script, tx));
    Ok(response)
}

/// Feeds the body channel with the script's steps, then ends it as the script says.
async fn play(script: Script, tx: mpsc::Sender<io::Result<Bytes>>) {
    for step in script.steps {
        match step {
            Step::Send(bytes) => {
                if tx.send(Ok(bytes)).await.is_err() {
                    return;
                }
            }
            Step::Sleep(d) => tokio::time::sleep(d).await,
        }
    }
    match script.end {
        End::Close => drop(tx),
        End::Abort => {
            let _ = tx.send(Err(io::Error::other("scripted abort"))).await;
        }
        End::Hang => tx.closed().await,
    }
}

/// The response body: frames from [`play`]; records when it ends.
struct ScriptBody {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    shared: Arc<Shared>,
    index: usize,
    ended: bool,
}

impl ScriptBody {
    fn end(&mut self) {
        if !self.ended {
            self.ended = true;
            self.shared.mark_end(self.index);
        }
    }
}

impl Body for ScriptBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(Ok(bytes))) => Poll::Ready(Some(Ok(Frame::data(bytes)))),
            Poll::Ready(Some(Err(err))) => {
                self.end();
                Poll::Ready(Some(Err(err)))
            }
            Poll::Ready(None) => {
                self.end();
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for ScriptBody {
    fn drop(&mut self) {
        self.end();
    }
}

/// A `http://127.0.0.1:PORT/` URL where nothing listens (the port was bound, then released).
pub fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    drop(listener);
    format!("http://{addr}/events")
}
