//! A load publisher for the fan-out benchmarks (bench/fanout.sh), built not to be the bottleneck.
//!
//! ```sh
//! cargo run --release --example publish -- --rate 1000 --seconds 10 [--size 100] [--connections 4] URL [URL...]
//! ```
//!
//! POSTs ~SIZE-byte JSON bodies `{"ts_us":<due time, µs since epoch>,"n":<seq>,"pad":"xxx…"}` at
//! RATE events/s for SECONDS, paced against absolute deadlines (start + n/RATE, so no drift; a late
//! wake-up sends what is due at once). Every event goes to EVERY URL (several servers that each
//! hold part of the subscribers). Each URL gets K keep-alive HTTP/1.1 connections taking events
//! from one queue, so one slow reply does not hold up the others or the pace. The body is sent as
//! `text/plain`: `ssecat serve`'s `POST /events` and nchan's publisher both take it as the data.
//!
//! Prints one line: events answered per URL, the achieved rate, non-2xx replies and errors.
//! After SECONDS, queued events get at most 5 s more to be answered; the rest count as unsent.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Uri;
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::{Mutex, mpsc};
use tokio::time::{Instant, sleep_until, timeout};

/// What the command line asked for.
struct Args {
    rate: f64,
    seconds: f64,
    size: usize,
    connections: usize,
    urls: Vec<Uri>,
}

/// Counts for one URL, shared by its connections.
#[derive(Default)]
struct Counts {
    answered: AtomicU64,
    non_2xx: AtomicU64,
    errors: AtomicU64,
}

fn parse_args() -> anyhow::Result<Args> {
    let usage = "usage: publish --rate R --seconds S [--size 100] [--connections 4] URL [URL...]";
    let (mut rate, mut seconds, mut size, mut connections, mut urls) = (None, None, 100, 4, vec![]);
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .with_context(|| format!("{name} needs a value; {usage}"))
        };
        match arg.as_str() {
            "--rate" => rate = Some(value("--rate")?.parse::<f64>().context("--rate")?),
            "--seconds" => seconds = Some(value("--seconds")?.parse::<f64>().context("--seconds")?),
            "--size" => size = value("--size")?.parse().context("--size")?,
            "--connections" => {
                connections = value("--connections")?.parse().context("--connections")?
            }
            "-h" | "--help" => bail!("{usage}"),
            url => urls.push(
                url.parse::<Uri>()
                    .with_context(|| format!("bad URL {url}"))?,
            ),
        }
    }
    let (Some(rate), Some(seconds)) = (rate, seconds) else {
        bail!("{usage}")
    };
    if urls.is_empty() || rate <= 0.0 || connections == 0 {
        bail!("{usage}");
    }
    Ok(Args {
        rate,
        seconds,
        size,
        connections,
        urls,
    })
}

/// The event's body: `{"ts_us":…,"n":…,"pad":"…"}`, padded to `size` bytes when it is longer.
fn body(n: u64, size: usize) -> Bytes {
    let ts_us = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_micros();
    let head = format!("{{\"ts_us\":{ts_us},\"n\":{n},\"pad\":\"");
    let pad = size.saturating_sub(head.len() + 2);
    Bytes::from(format!("{head}{}\"}}", "x".repeat(pad)))
}

/// One keep-alive connection to `url`: takes events from the shared queue and POSTs them,
/// reconnecting after an error.
async fn connection(
    url: Uri,
    queue: Arc<Mutex<mpsc::UnboundedReceiver<Bytes>>>,
    counts: Arc<Counts>,
) {
    let host = url.host().unwrap_or("127.0.0.1").to_string();
    let addr = format!("{host}:{}", url.port_u16().unwrap_or(80));
    let path = url.path_and_query().map_or("/", |p| p.as_str()).to_string();
    let mut sender: Option<http1::SendRequest<Full<Bytes>>> = None;
    loop {
        let Some(data) = queue.lock().await.recv().await else {
            return;
        };
        if sender.as_ref().is_none_or(|s| s.is_closed()) {
            sender = connect(&addr)
                .await
                .inspect_err(|_| {
                    counts.errors.fetch_add(1, Relaxed);
                })
                .ok();
        }
        let Some(s) = sender.as_mut() else { continue };
        let request = hyper::Request::post(path.as_str())
            .header("host", host.as_str())
            .header("content-type", "text/plain")
            .body(Full::new(data))
            .expect("a valid request");
        let reply = async {
            s.ready().await?;
            let response = s.send_request(request).await?;
            let status = response.status();
            response.into_body().collect().await?;
            Ok::<_, hyper::Error>(status)
        };
        match reply.await {
            Ok(status) => {
                counts.answered.fetch_add(1, Relaxed);
                if !status.is_success() {
                    counts.non_2xx.fetch_add(1, Relaxed);
                }
            }
            Err(_) => {
                counts.errors.fetch_add(1, Relaxed);
                sender = None;
            }
        }
    }
}

async fn connect(addr: &str) -> anyhow::Result<http1::SendRequest<Full<Bytes>>> {
    let tcp = TcpStream::connect(addr).await?;
    tcp.set_nodelay(true)?;
    let (sender, conn) = http1::handshake(TokioIo::new(tcp)).await?;
    tokio::spawn(conn);
    Ok(sender)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let mut queues = Vec::new();
    let mut counts = Vec::new();
    for url in &args.urls {
        let (tx, rx) = mpsc::unbounded_channel();
        let rx = Arc::new(Mutex::new(rx));
        let c = Arc::new(Counts::default());
        for _ in 0..args.connections {
            tokio::spawn(connection(url.clone(), rx.clone(), c.clone()));
        }
        queues.push(tx);
        counts.push(c);
    }
    let start = Instant::now();
    let end = start + Duration::from_secs_f64(args.seconds);
    let mut n = 0u64;
    loop {
        let due = start + Duration::from_secs_f64(n as f64 / args.rate);
        if due >= end {
            break;
        }
        sleep_until(due).await;
        n += 1;
        let data = body(n, args.size);
        for q in &queues {
            let _ = q.send(data.clone());
        }
    }
    sleep_until(end).await;
    // Give queued and in-flight events up to 5 s to be answered.
    let done = || {
        counts
            .iter()
            .all(|c| c.answered.load(Relaxed) + c.errors.load(Relaxed) >= n)
    };
    let _ = timeout(Duration::from_secs(5), async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
    let elapsed = start.elapsed().as_secs_f64().max(args.seconds);
    let answered: Vec<u64> = counts.iter().map(|c| c.answered.load(Relaxed)).collect();
    let sum = |f: fn(&Counts) -> &AtomicU64| counts.iter().map(|c| f(c).load(Relaxed)).sum::<u64>();
    let per_url = answered
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join("/");
    let least = answered.iter().copied().min().unwrap_or(0);
    println!(
        "publish: {n} events due, sent per URL {per_url} ({} URLs) in {elapsed:.2} s: {:.1}/s (asked {}/s), non-2xx {}, errors {}",
        args.urls.len(),
        least as f64 / elapsed,
        args.rate,
        sum(|c| &c.non_2xx),
        sum(|c| &c.errors),
    );
    Ok(())
}

fn main() -> std::process::ExitCode {
    let result = parse_args().and_then(|args| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(run(args))
    });
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("publish: {e:#}");
            std::process::ExitCode::from(2)
        }
    }
}
