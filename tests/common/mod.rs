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
use std::io::{self, Read};
use std::net::{SocketAddr, TcpListener};
use std::pin::Pin;
use std::process::{Child, ChildStdout, Command, Stdio};
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

/// The scripted server. Stops (dropping every open connection) when dropped.
pub struct ScriptServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
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
        let (shutdown, shutdown_rx) = oneshot::channel();
        let state = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("script-server-{}", addr.port()))
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("tokio runtime");
                rt.block_on(accept_loop(listener, state, script, shutdown_rx));
                rt.shutdown_timeout(Duration::from_secs(2));
            })
            .expect("spawn the server thread");
        ScriptServer {
            addr,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
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

impl Drop for ScriptServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
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

// ---------------------------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------------------------

/// The ssecat binary with these arguments, in a clean environment (no colour, proxy or token
/// variables from the caller's shell).
pub fn ssecat<I, S>(args: I) -> Ssecat
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    command(env!("CARGO_BIN_EXE_ssecat")).args(args)
}

/// Any program, run like [`ssecat`] (with the same clean environment and timeouts).
pub fn command(program: &str) -> Ssecat {
    let mut cmd = Command::new(program);
    for var in [
        "NO_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "SSECAT_BEARER",
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
        "no_proxy",
        "NO_PROXY",
    ] {
        cmd.env_remove(var);
    }
    Ssecat { cmd, stdin: None }
}

/// A command to run, built by [`ssecat`].
pub struct Ssecat {
    cmd: Command,
    stdin: Option<Vec<u8>>,
}

impl Ssecat {
    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Ssecat
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Ssecat {
        self.cmd.env(key, value);
        self
    }

    /// Feeds these bytes on stdin (otherwise stdin is empty).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Ssecat {
        self.stdin = Some(bytes.into());
        self
    }

    /// Runs to completion within [`WAIT`]; see [`Ssecat::run_within`].
    pub fn run(self) -> Outcome {
        self.run_within(WAIT)
    }

    /// Runs to completion; kills the process and fails the test if it takes longer than
    /// `timeout`.
    pub fn run_within(self, timeout: Duration) -> Outcome {
        self.spawn().finish(timeout)
    }

    /// Starts the process with stdout and stderr captured in the background.
    pub fn spawn(self) -> Running {
        let (running, stdout) = self.start();
        let out = running.stdout.clone();
        let reader = spawn_reader(stdout, out);
        let mut running = running;
        running.readers.push(reader);
        running
    }

    /// Starts the process with stdout handed to the caller (to close it early, say); stderr is
    /// captured in the background.
    pub fn spawn_with_stdout(self) -> (Running, ChildStdout) {
        self.start()
    }

    fn start(mut self) -> (Running, ChildStdout) {
        self.cmd
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = self.cmd.spawn().expect("spawn the ssecat binary");
        if let Some(bytes) = self.stdin.take() {
            let mut stdin = child.stdin.take().expect("piped stdin");
            std::thread::spawn(move || {
                use std::io::Write;
                let _ = stdin.write_all(&bytes);
            });
        }
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr_buf = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("piped stderr");
        let reader = spawn_reader(stderr, stderr_buf.clone());
        let running = Running {
            child,
            started,
            stdout: Arc::new(Mutex::new(Vec::new())),
            stderr: stderr_buf,
            readers: vec![reader],
        };
        (running, stdout)
    }
}

fn spawn_reader(mut from: impl Read + Send + 'static, to: Arc<Mutex<Vec<u8>>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => to.lock().unwrap().extend_from_slice(&buf[..n]),
            }
        }
    })
}

/// A running ssecat process. Killed if dropped while still running.
pub struct Running {
    child: Child,
    started: Instant,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

impl Running {
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// When the process was started.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Stdout so far (lossily decoded).
    pub fn stdout_so_far(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned()
    }

    /// Stderr so far (lossily decoded).
    pub fn stderr_so_far(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Waits until stdout contains `needle`; fails the test (with the output so far) after
    /// `timeout` or if the process exits first.
    pub fn wait_stdout(&mut self, needle: &str, timeout: Duration) {
        self.wait_output("stdout", needle, timeout, true);
    }

    /// Waits until stderr contains `needle`, like [`Running::wait_stdout`].
    pub fn wait_stderr(&mut self, needle: &str, timeout: Duration) {
        self.wait_output("stderr", needle, timeout, false);
    }

    fn wait_output(&mut self, which: &str, needle: &str, timeout: Duration, stdout: bool) {
        let deadline = Instant::now() + timeout;
        loop {
            let text = if stdout {
                self.stdout_so_far()
            } else {
                self.stderr_so_far()
            };
            if text.contains(needle) {
                return;
            }
            let exited = matches!(self.child.try_wait(), Ok(Some(_)));
            if exited || Instant::now() >= deadline {
                // One last look: the readers may lag the exit.
                std::thread::sleep(ms(50));
                let text = if stdout {
                    self.stdout_so_far()
                } else {
                    self.stderr_so_far()
                };
                if text.contains(needle) {
                    return;
                }
                let why = if exited {
                    "the process exited"
                } else {
                    "timed out"
                };
                let _ = self.child.kill();
                panic!(
                    "{why} before {which} contained {needle:?} ({:?} after start)\n\
                     --- stdout ---\n{}\n--- stderr ---\n{}",
                    self.started.elapsed(),
                    clip(&self.stdout_so_far()),
                    clip(&self.stderr_so_far()),
                );
            }
            std::thread::sleep(ms(5));
        }
    }

    /// Sends SIGINT, as Ctrl-C does.
    pub fn interrupt(&self) {
        let status = Command::new("kill")
            .args(["-INT", &self.pid().to_string()])
            .status()
            .expect("run kill -INT");
        assert!(status.success(), "kill -INT {} failed", self.pid());
    }

    /// The process's peak resident memory so far (`VmHWM`), in bytes, while it runs.
    pub fn peak_rss(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    }

    /// Waits for the process to exit; kills it and fails the test after `timeout`.
    pub fn finish(mut self, timeout: Duration) -> Outcome {
        let deadline = Instant::now() + timeout;
        let status = loop {
            match self.child.try_wait().expect("wait for ssecat") {
                Some(status) => break status,
                None if Instant::now() >= deadline => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    for reader in self.readers.drain(..) {
                        let _ = reader.join();
                    }
                    panic!(
                        "ssecat did not exit within {timeout:?}; killed it\n\
                         --- stdout ---\n{}\n--- stderr ---\n{}",
                        clip(&self.stdout_so_far()),
                        clip(&self.stderr_so_far()),
                    );
                }
                None => std::thread::sleep(ms(5)),
            }
        };
        let elapsed = self.started.elapsed();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        Outcome {
            code: status.code(),
            stdout: std::mem::take(&mut *self.stdout.lock().unwrap()),
            stderr: String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned(),
            elapsed,
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// How a run ended.
#[derive(Debug)]
pub struct Outcome {
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Stdout, as bytes.
    pub stdout: Vec<u8>,
    /// Stderr, lossily decoded.
    pub stderr: String,
    /// From spawn to exit.
    pub elapsed: Duration,
}

impl Outcome {
    /// Stdout, lossily decoded.
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Stdout's lines.
    pub fn lines(&self) -> Vec<String> {
        self.out().lines().map(str::to_owned).collect()
    }

    /// Fails the test, showing both streams, unless the exit code is `code`.
    #[track_caller]
    pub fn code(&self, code: i32) -> &Outcome {
        assert_eq!(
            self.code,
            Some(code),
            "exit code, after {:?}\n{}",
            self.elapsed,
            self.dump()
        );
        self
    }

    /// Both streams, for failure messages.
    pub fn dump(&self) -> String {
        format!(
            "--- stdout ---\n{}\n--- stderr ---\n{}",
            clip(&self.out()),
            clip(&self.stderr)
        )
    }
}

/// At most the first 4,000 characters, for failure messages.
fn clip(text: &str) -> String {
    match text.char_indices().nth(4000) {
        Some((i, _)) => format!("{}… ({} bytes in all)", &text[..i], text.len()),
        None => text.to_owned(),
    }
}
