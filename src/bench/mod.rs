//! `ssecat bench URL`: load-test an SSE endpoint with many concurrent streams.
//!
//! - mod.rs      the config (from the flags), the open-file limit, the shards, progress, output
//! - worker.rs   the one stream worker: connect, parse, count, reopen
//! - http1.rs    its HTTP/1.1 client: the request written once, the head parsed with httparse,
//!   the body (chunked, length or close) decoded in place from one small buffer
//! - metrics.rs  what is counted: HDR histograms (µs), counters, errors by kind, ID checks
//! - latency.rs  the send timestamp in an event's data, by JSON pointer
//! - tls.rs      rustls for https URLs (web PKI roots + --cacert, or -k)
//! - report.rs   the report as JSON, rebuilt into metrics to merge reports losslessly;
//!   report_read.rs reads reports back for `--merge` (bounded, checked, overflow-checked);
//!   report_text.rs its text form; threshold.rs the `--threshold` conditions
//!
//! Streams are spread over one shard per core: a thread with its own current-thread runtime
//! and its own [`metrics::Metrics`], which its streams update in place (no lock, no channel
//! message per event). Every 100 ms each shard copies a few counters into atomics for the
//! progress line; at the end the shards' metrics are merged once.

mod http1;
pub mod latency;
pub mod metrics;
pub mod report;
pub mod threshold;
mod tls;
mod worker;

use std::cell::RefCell;
use std::io::{IsTerminal, Write};
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::watch;
use tokio::task::{JoinSet, LocalSet};

use crate::cli::BenchArgs;
use crate::exit::{ThresholdsFailed, UsageError};
use crate::listen::policy::Backoff;
use crate::output::use_color;
use crate::request::RequestSpec;
use latency::LatencyField;
use metrics::Metrics;
use report::{Report, Run};
use threshold::Threshold;

/// File descriptors kept free for everything that is not a stream.
const SPARE_FDS: u64 = 64;

/// Everything a run needs, decided from the flags.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    /// The request every stream sends.
    pub request: RequestSpec,
    /// Streams to hold open.
    pub connections: u64,
    /// How long the run lasts at most.
    pub duration: Duration,
    /// New streams per second; `None` opens them all at once.
    pub ramp: Option<f64>,
    /// Each stream ends after this many events.
    pub events: Option<u64>,
    /// Reopen as listen does (Last-Event-ID, retry:, backoff) rather than as a new client.
    pub reconnect: bool,
    /// listen's reconnect timing (`--retry-delay`, `--max-delay`), for every reopened stream.
    pub backoff: Backoff,
    /// `--max-event-size`: the largest event (and line) a stream's parser holds.
    pub max_event_size: usize,
    /// Where the send timestamp is, for delivery latency.
    pub latency: Option<LatencyField>,
    /// Check increasing integer IDs.
    pub check_ids: bool,
    /// Source addresses, used in turn; empty lets the system choose.
    pub source_ips: Vec<IpAddr>,
    /// TLS, for https URLs.
    pub tls: Option<tls::Tls>,
}

impl BenchConfig {
    /// Turns the flags into a config.
    pub fn from_args(args: &BenchArgs) -> anyhow::Result<Self> {
        let request = RequestSpec::from_args(&args.request)?;
        let tls = match request.url.scheme() {
            "https" => Some(tls::Tls::new(&request)?),
            _ => None,
        };
        let latency = match &args.latency_field {
            Some(p) => Some(LatencyField::new(p, args.latency_unit).map_err(UsageError)?),
            None => None,
        };
        let source_ips: Vec<IpAddr> = args
            .source_ip
            .iter()
            .flat_map(|s| s.0.iter().copied())
            .collect();
        for ip in &source_ips {
            // A source address this machine does not have would fail every connect: say so
            // once, before the run, instead of counting thousands of I/O errors.
            std::net::UdpSocket::bind((*ip, 0)).map_err(|e| {
                UsageError(format!(
                    "--source-ip {ip}: cannot connect from that address ({e})"
                ))
            })?;
        }
        Ok(BenchConfig {
            request,
            connections: args.connections,
            duration: args.duration,
            ramp: args.ramp,
            events: args.events,
            reconnect: args.reconnect,
            backoff: Backoff {
                retry_delay: args.backoff.retry_delay,
                max_delay: args.backoff.max_delay,
            },
            max_event_size: args.max_event_size,
            latency,
            check_ids: args.check_ids,
            source_ips,
            tls,
        })
    }
}

/// Runs `ssecat bench`: a run, or `--merge` of earlier reports.
pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let color = use_color(args.color);
    let report = if args.merge.is_empty() {
        let config = BenchConfig::from_args(args)?;
        let progress = !args.no_progress && std::io::stderr().is_terminal();
        measure(config, progress, &args.thresholds)?
    } else {
        Report::merge_files(&args.merge, &args.thresholds)?
    };
    output(&report, args, color)
}

fn measure(
    config: BenchConfig,
    progress: bool,
    thresholds: &[Threshold],
) -> anyhow::Result<Report> {
    let target = resolve(&config.request.url)?;
    check_limits(&config)?;
    let started_at = SystemTime::now();
    let (metrics, duration, interrupted) = execute(&config, target, progress)?;
    let run = Run {
        url: config.request.url.to_string(),
        started_at: humantime::format_rfc3339_millis(started_at).to_string(),
        duration_secs: duration.as_secs_f64(),
        connections: config.connections,
        ramp: config.ramp,
        events_per_stream: config.events,
        reconnect: config.reconnect,
        check_ids: config.check_ids,
        latency_field: config.latency.as_ref().map(|l| l.pointer().to_owned()),
        interrupted,
    };
    Ok(Report::new(run, &metrics, thresholds))
}

fn output(report: &Report, args: &BenchArgs, color: bool) -> anyhow::Result<()> {
    if let Some(path) = &args.output {
        std::fs::write(path, report.to_json() + "\n")
            .with_context(|| format!("cannot write the report to {}", path.display()))?;
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", report.to_json())?;
    } else {
        report.render_text(&mut out, color)?;
    }
    out.flush()?;
    let failed = report.failed_thresholds();
    if failed > 0 {
        return Err(ThresholdsFailed {
            failed,
            total: args.thresholds.len(),
        }
        .into());
    }
    Ok(())
}

/// The first address of the URL's host (IPv4 preferred), resolved once.
fn resolve(url: &reqwest::Url) -> anyhow::Result<SocketAddr> {
    let host = url.host_str().context("the URL has no host")?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let port = url.port_or_known_default().unwrap_or(80);
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {host}"))?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .copied()
        .with_context(|| format!("{host} has no address"))
}

/// Raises the open-file limit to its hard limit and says so up front when the streams asked
/// for cannot fit, or cannot find enough ephemeral ports from one source address. More streams
/// than the limit itself is a usage error: every stream is a task held in memory from the
/// start, and those beyond the limit could only fail (`-c 1000000000` would exhaust memory).
fn check_limits(config: &BenchConfig) -> Result<(), UsageError> {
    let limit = crate::sys::raise_nofile_limit();
    if let Some(limit) = limit {
        if config.connections > limit {
            return Err(UsageError(format!(
                "-c {}: more streams than the open-file limit ({limit}) lets one process hold; \
                 raise the hard limit (`ulimit -Hn`) or ask for fewer",
                config.connections
            )));
        }
        if config.connections + SPARE_FDS > limit {
            eprintln!(
                "ssecat: warning: {} streams asked for, but the open-file limit is {limit}: at most about {} can be open (raise `ulimit -n`)",
                config.connections,
                limit.saturating_sub(SPARE_FDS)
            );
        }
    }
    let sources = config.source_ips.len().max(1) as u64;
    if let Some(ports) = ephemeral_ports() {
        if config.connections > ports * sources {
            eprintln!(
                "ssecat: warning: {} streams to one server need more than the {ports} ephemeral ports per source address; spread them with --source-ip 127.0.0.1-127.0.0.8",
                config.connections
            );
        }
    }
    Ok(())
}

/// How many ephemeral ports the system hands out per (source, destination) pair.
fn ephemeral_ports() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    let mut it = text.split_whitespace().map(|n| n.parse::<u64>().ok());
    let (lo, hi) = (it.next()??, it.next()??);
    Some(hi.saturating_sub(lo) + 1)
}

/// Counters a shard copies out for the progress line.
#[derive(Debug, Default)]
struct Live {
    open: AtomicU64,
    events: AtomicU64,
    errors: AtomicU64,
    done: AtomicBool,
}

/// Runs the streams on one shard per core until the duration is over, every stream has its
/// `--events`, or Ctrl-C. The merged metrics, the time it took, and whether it was interrupted.
fn execute(
    config: &BenchConfig,
    target: SocketAddr,
    progress: bool,
) -> anyhow::Result<(Metrics, Duration, bool)> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let shards = cores.min(config.connections).max(1);
    let (stop_tx, stop_rx) = watch::channel(false);
    let start = tokio::time::Instant::now();
    let mut threads = Vec::new();
    let mut lives = Vec::new();
    for shard in 0..shards {
        let live = Arc::new(Live::default());
        lives.push(live.clone());
        let config = config.clone();
        let stop = stop_rx.clone();
        let thread = std::thread::Builder::new()
            .name(format!("bench-{shard}"))
            .spawn(move || run_shard(config, target, shard, shards, start, stop, live))
            .context("cannot start a bench thread")?;
        threads.push(thread);
    }
    let interrupted = watch_run(config, start, &lives, progress)?;
    let _ = stop_tx.send(true);
    let elapsed = start.elapsed();
    let mut total = Metrics::default();
    for t in threads {
        let metrics = t
            .join()
            .map_err(|_| anyhow::anyhow!("a bench thread panicked"))??;
        total.merge_saturating(&metrics);
    }
    Ok((total, elapsed, interrupted))
}

fn run_shard(
    config: BenchConfig,
    target: SocketAddr,
    shard: u64,
    shards: u64,
    start: tokio::time::Instant,
    stop: watch::Receiver<bool>,
    live: Arc<Live>,
) -> anyhow::Result<Metrics> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start a bench runtime")?;
    let state = Rc::new(worker::Shard {
        config: Rc::new(config),
        target,
        metrics: RefCell::new(Metrics::default()),
        open: RefCell::new(0),
        start,
    });
    let local = LocalSet::new();
    local.block_on(&runtime, async {
        let mut streams = JoinSet::new();
        let sources = &state.config.source_ips;
        for index in (shard..state.config.connections).step_by(shards as usize) {
            let source = (!sources.is_empty()).then(|| sources[index as usize % sources.len()]);
            streams.spawn_local(worker::stream(state.clone(), index, source, stop.clone()));
        }
        let mut tick = tokio::time::interval(Duration::from_millis(100));
        loop {
            tokio::select! {
                joined = streams.join_next() => if joined.is_none() { break },
                _ = tick.tick() => publish_live(&state, &live),
            }
        }
        publish_live(&state, &live);
    });
    live.done.store(true, Ordering::Relaxed);
    Ok(state.metrics.take())
}

fn publish_live(state: &worker::Shard, live: &Live) {
    let m = state.metrics.borrow();
    live.open.store(*state.open.borrow(), Ordering::Relaxed);
    live.events.store(m.events, Ordering::Relaxed);
    live.errors.store(m.error_count(), Ordering::Relaxed);
}

/// Shows progress until the run is over; true when Ctrl-C ended it.
fn watch_run(
    config: &BenchConfig,
    start: tokio::time::Instant,
    lives: &[Arc<Live>],
    progress: bool,
) -> anyhow::Result<bool> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let bar = progress_bar(config, progress);
    // No deadline when the duration is beyond what an Instant can hold: until Ctrl-C.
    let deadline = start.checked_add(config.duration);
    let interrupted = runtime.block_on(async {
        let mut ctrl_c = std::pin::pin!(tokio::signal::ctrl_c());
        let mut tick = tokio::time::interval(Duration::from_millis(200));
        let mut last = (start, 0u64);
        loop {
            tokio::select! {
                _ = &mut ctrl_c => return true,
                () = worker::until(deadline) => return false,
                _ = tick.tick() => {}
            }
            if lives.iter().all(|l| l.done.load(Ordering::Relaxed)) {
                return false;
            }
            let sum = |f: fn(&Live) -> &AtomicU64| -> u64 {
                lives.iter().map(|l| f(l).load(Ordering::Relaxed)).sum()
            };
            let (open, events, errors) = (sum(|l| &l.open), sum(|l| &l.events), sum(|l| &l.errors));
            let now = tokio::time::Instant::now();
            let rate =
                (events - last.1) as f64 / now.duration_since(last.0).as_secs_f64().max(1e-3);
            last = (now, events);
            bar.set_position(now.duration_since(start).as_millis() as u64);
            bar.set_message(format!(
                "{open}/{} streams open · {:.0} events/s · {events} events · {errors} errors",
                config.connections, rate
            ));
        }
    });
    bar.finish_and_clear();
    Ok(interrupted)
}

/// A progress bar on stderr over the run's duration, or a hidden one.
fn progress_bar(config: &BenchConfig, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(
        Some(config.duration.as_millis() as u64),
        ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed:>4} [{bar:24}] {msg}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}
