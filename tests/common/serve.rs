//! Helpers for the `serve` tests: an in-process `ssecat serve` on 127.0.0.1 port 0, configured
//! from real command-line flags, and a subscriber that reads its stream with reqwest and the
//! project's own parser.
//!
//! ```ignore
//! let srv = serve(&["--history", "10"]);
//! let mut sub = Sub::open(&srv.url("/events?topic=a")).await;
//! publish(&srv.url("/events?topic=a"), "hello").await;
//! assert_eq!(sub.next_event().await.unwrap().data, "hello");
//! ```

#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser as _;
use serde_json::Value;
use ssecat::cli::{Cli, Command};
use ssecat::event::Event;
use ssecat::parse::{Item, Parser};
use ssecat::serve::{App, ServeConfig};

use super::{ServerThread, WAIT};

/// An in-process server; stops when dropped (streams end, the thread is joined).
pub struct Serve {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its shared state: hub, counters.
    pub app: Arc<App>,
    _thread: ServerThread,
}

/// Starts `ssecat serve --port 0 -q ARGS…` in-process. Panics on bad flags.
pub fn serve(args: &[&str]) -> Serve {
    let argv = ["ssecat", "serve", "--port", "0", "-q"]
        .into_iter()
        .chain(args.iter().copied());
    let cli = Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("bad serve flags {args:?}: {e}"));
    let Command::Serve(serve_args) = cli.command else {
        unreachable!("parsed as serve")
    };
    let config = ServeConfig::from_args(&serve_args).expect("serve config");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener
        .set_nonblocking(true)
        .expect("non-blocking listener");
    let addr = listener.local_addr().expect("local addr");
    let app = App::new(config);
    let server_app = app.clone();
    let thread = ServerThread::spawn(format!("serve-{addr}"), move |stop| async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
        ssecat::serve::serve(server_app, listener, async {
            let _ = stop.await;
        })
        .await
        .expect("serve");
    });
    Serve {
        addr,
        app,
        _thread: thread,
    }
}

impl Serve {
    /// `http://127.0.0.1:PORT` + `path` (which may carry a query).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `GET /stats` as JSON.
    pub async fn stats(&self) -> Value {
        stats_at(self.addr).await
    }

    /// Polls `/stats` until `pred` holds; panics (saying `what` was awaited) after [`WAIT`].
    pub async fn wait_stats(&self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        wait_stats_at(self.addr, what, WAIT, pred).await
    }

    /// Polls `/stats` until `pred` holds; panics after `timeout`.
    pub async fn wait_stats_within(
        &self,
        what: &str,
        timeout: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        wait_stats_at(self.addr, what, timeout, pred).await
    }

    /// Waits until `/stats` says `subscribers` is `n`.
    pub async fn wait_subscribers(&self, n: u64) {
        self.wait_stats(&format!("{n} subscribers"), |s| s["subscribers"] == n)
            .await;
    }
}

/// `GET /stats` of the server at `addr`, as JSON.
pub async fn stats_at(addr: SocketAddr) -> Value {
    let resp = reqwest::get(format!("http://{addr}/stats"))
        .await
        .expect("GET /stats");
    let text = resp.text().await.expect("stats body");
    serde_json::from_str(&text).expect("stats JSON")
}

/// Polls `/stats` of the server at `addr` until `pred` holds; panics after `timeout`.
pub async fn wait_stats_at(
    addr: SocketAddr,
    what: &str,
    timeout: Duration,
    pred: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + timeout;
    loop {
        let stats = stats_at(addr).await;
        if pred(&stats) {
            return stats;
        }
        assert!(Instant::now() < deadline, "never {what}: {stats}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// `POST` a raw body to `url`; the status and the reply's JSON.
pub async fn publish(url: &str, body: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(url)
        .body(body.to_owned())
        .send()
        .await
        .expect("POST");
    reply(resp).await
}

/// `POST` a JSON body to `url`; the status and the reply's JSON.
pub async fn publish_json(url: &str, body: &Value) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("POST");
    reply(resp).await
}

async fn reply(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("reply body");
    let value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("reply is not JSON ({e}): {text}"));
    (status, value)
}

/// A subscriber: the response of `GET url` read with the project's parser.
pub struct Sub {
    /// The response status.
    pub status: u16,
    /// The response headers.
    pub headers: reqwest::header::HeaderMap,
    resp: reqwest::Response,
    parser: Parser,
    items: VecDeque<Item>,
    /// Every byte received so far.
    pub raw: Vec<u8>,
    ended: bool,
}

impl Sub {
    /// Subscribes with no Last-Event-ID.
    pub async fn open(url: &str) -> Sub {
        Sub::open_with(url, &[]).await
    }

    /// Subscribes with extra request headers (e.g. `("Last-Event-ID", "5")`).
    pub async fn open_with(url: &str, headers: &[(&str, &str)]) -> Sub {
        let mut req = reqwest::Client::new().get(url);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let resp = tokio::time::timeout(WAIT, req.send())
            .await
            .expect("response headers in time")
            .expect("GET");
        Sub {
            status: resp.status().as_u16(),
            headers: resp.headers().clone(),
            resp,
            parser: Parser::new(),
            items: VecDeque::new(),
            raw: Vec::new(),
            ended: false,
        }
    }

    /// The next parsed item, `None` when the stream ends. Panics after `timeout`.
    pub async fn next_item_within(&mut self, timeout: Duration) -> Option<Item> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(item) = self.items.pop_front() {
                return Some(item);
            }
            if self.ended {
                return None;
            }
            let chunk = tokio::time::timeout_at(deadline, self.resp.chunk())
                .await
                .unwrap_or_else(|_| {
                    panic!(
                        "nothing within {timeout:?}; got so far: {:?}",
                        String::from_utf8_lossy(&self.raw)
                    )
                });
            match chunk {
                Ok(Some(bytes)) => {
                    self.raw.extend_from_slice(&bytes);
                    let mut items = Vec::new();
                    self.parser.feed_to_vec(&bytes, &mut items);
                    self.items.extend(items);
                }
                Ok(None) | Err(_) => self.ended = true,
            }
        }
    }

    /// The next item within [`WAIT`].
    pub async fn next_item(&mut self) -> Option<Item> {
        self.next_item_within(WAIT).await
    }

    /// The next event (comments and `retry` skipped), `None` when the stream ends.
    pub async fn next_event(&mut self) -> Option<Event> {
        loop {
            match self.next_item().await? {
                Item::Event(e) => return Some(e),
                _ => continue,
            }
        }
    }

    /// The next `n` events; panics if the stream ends first.
    pub async fn events(&mut self, n: usize) -> Vec<Event> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            match self.next_event().await {
                Some(e) => out.push(e),
                None => panic!("stream ended after {} of {n} events: {out:?}", out.len()),
            }
        }
        out
    }

    /// Reads to the end of the stream (within [`WAIT`]); the events seen on the way.
    pub async fn rest(&mut self) -> Vec<Event> {
        let mut out = Vec::new();
        while let Some(e) = self.next_event().await {
            out.push(e);
        }
        out
    }

    /// True when no item arrives within `d` (and the stream has not ended).
    pub async fn quiet_for(&mut self, d: Duration) -> bool {
        if !self.items.is_empty() || self.ended {
            return false;
        }
        match tokio::time::timeout(d, self.resp.chunk()).await {
            Err(_) => true,
            Ok(Ok(Some(bytes))) => {
                self.raw.extend_from_slice(&bytes);
                let mut items = Vec::new();
                self.parser.feed_to_vec(&bytes, &mut items);
                self.items.extend(items);
                false
            }
            Ok(_) => {
                self.ended = true;
                false
            }
        }
    }
}

/// A response read off a raw socket by [`raw`].
#[derive(Debug)]
pub struct Raw {
    /// The status code (0 when no status line came).
    pub status: u16,
    /// The head, status line included, as text.
    pub head: String,
    /// The body bytes read (still chunked for a chunked response), as text.
    pub body: String,
}

impl Raw {
    /// The value of a response header (name case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

/// Sends `request`, bytes no HTTP library would send, on a new connection to `addr` and reads
/// the response: the head, then the body (all of it with a Content-Length; otherwise until
/// `until` is in it, or with `None` until its first bytes, or until the server closes). Within
/// [`WAIT`]. A reset after part of the response ends the read (a server refusing a request it
/// has not read whole may reset the connection).
pub async fn raw(addr: SocketAddr, request: &[u8], until: Option<&str>) -> Raw {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let exchange = async {
        let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
        // A server may answer (and close) before it has read everything: not an error here.
        let _ = tcp.write_all(request).await;
        let mut got = Vec::new();
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            if let Some(done) = raw_complete(&got, until) {
                return done;
            }
            match tcp.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(_) if !got.is_empty() => break,
                Err(e) => panic!("read: {e}"),
            }
        }
        raw_complete(&got, None).unwrap_or_else(|| raw_split(&got, got.len()))
    };
    tokio::time::timeout(WAIT, exchange)
        .await
        .unwrap_or_else(|_| panic!("no whole response within {WAIT:?}"))
}

fn raw_complete(got: &[u8], until: Option<&str>) -> Option<Raw> {
    let end = got.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let response = raw_split(got, end);
    let done = match response.header("content-length") {
        Some(n) => response.body.len() >= n.parse::<usize>().unwrap_or(0),
        None => match until {
            Some(needle) => response.body.contains(needle),
            None => !response.body.is_empty(),
        },
    };
    done.then_some(response)
}

fn raw_split(got: &[u8], end: usize) -> Raw {
    let head = String::from_utf8_lossy(&got[..end]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Raw {
        status,
        head,
        body: String::from_utf8_lossy(&got[end..]).into_owned(),
    }
}

/// Starts the `ssecat serve --port 0 ARGS…` binary and waits for its listening line: the
/// process and its address.
pub fn spawn_serve(args: &[&str]) -> (super::Running, SocketAddr) {
    listening(super::ssecat(["serve", "--port", "0"]).args(args).spawn())
}

/// Waits for a started `ssecat serve --port 0`'s listening line: the process and its address.
pub fn listening(mut run: super::Running) -> (super::Running, SocketAddr) {
    run.wait_stderr("(events at /events", WAIT);
    let stderr = run.stderr_so_far();
    let addr = stderr
        .lines()
        .find_map(|l| l.strip_prefix("ssecat serve: listening on http://"))
        .and_then(|rest| rest.split_once('/'))
        .and_then(|(addr, _)| addr.parse().ok())
        .unwrap_or_else(|| panic!("no listening line: {stderr:?}"));
    (run, addr)
}
