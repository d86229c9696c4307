//! `ssecat serve`: a mock SSE server.
//!
//! - mod.rs      the config (from the flags), the accept loop and shutdown
//! - h1.rs       each connection's front door: HTTP/1.1 `GET /events` is streamed to the socket
//!   without hyper's per-connection buffers; everything else goes to hyper (handoff.rs, which
//!   holds hyper to the same bounds on heads, and closes idle connections)
//! - hub.rs      topics, fan-out of events encoded once, waiting for slow subscribers and
//!   for memory; queue.rs each subscriber's bounded queue; history.rs the history and replay
//!   cursors; meter.rs the count of event memory (`--event-memory`)
//! - routes.rs   the HTTP API: subscribe, publish, stats, health, the viewer page, CORS, tokens;
//!   body.rs reads a publish body within its size, time and memory bounds
//! - decode.rs   what clients send, checked: query strings, topic names, JSON publish bodies
//! - guard.rs    which Host names are answered (DNS rebinding), which origins may publish
//! - stream.rs   one subscriber's response body: prelude, replay, live queue, faults
//! - generate.rs generators publishing through the hub: ticks, stdin, playback of captures
//!   (capture.rs reads a capture a line at a time)
//! - log.rs      one coloured stderr line per connect, disconnect, publish and fault
//!
//! [`serve`] takes an already-bound listener and a shutdown future, so tests run it in-process
//! on port 0; [`run`] is the command-line entry point around it.

mod body;
pub mod capture;
mod decode;
pub mod generate;
mod guard;
mod h1;
mod handoff;
mod history;
pub mod hub;
mod log;
mod meter;
mod queue;
mod routes;
mod stream;

use std::future::Future;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

use crate::cli::ServeArgs;
use crate::output::color_wanted;
use guard::Hosts;
use hub::{Hub, HubConfig};
pub use log::Log;
use log::Throttles;

/// Everything `serve` needs, decided from the flags.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// Where to listen.
    pub addr: SocketAddr,
    /// History, queue and line-ending settings.
    pub hub: HubConfig,
    /// `retry:` sent at the start of every stream.
    pub retry: Option<u64>,
    /// Keep-alive comment period (`None`: off).
    pub keepalive: Option<Duration>,
    /// Most event streams at once.
    pub max_streams: Option<usize>,
    /// Largest publish body.
    pub max_body: usize,
    /// How long a publish body may take to arrive.
    pub body_timeout: Duration,
    /// Most bytes of publish bodies read or decoded at once.
    pub body_memory: usize,
    /// How long shutdown waits for streams to send what is queued for them.
    pub shutdown_timeout: Duration,
    /// Bearer token needed to publish.
    pub token: Option<String>,
    /// Bearer (or `?token=`) token needed to subscribe.
    pub subscribe_token: Option<String>,
    /// Allowed CORS origins; empty means any (`*`) may subscribe, and only the server's own
    /// origin may publish.
    pub cors_origins: Vec<String>,
    /// The Host names answered (from `--bind` and `--allowed-host`).
    pub hosts: Hosts,
    /// The generators to run.
    pub generators: Generators,
    /// The faults to inject.
    pub faults: Faults,
    /// The stderr log.
    pub log: Log,
}

/// Generators: each publishes through the hub.
#[derive(Debug, Clone, Default)]
pub struct Generators {
    /// Tick period, event type, topic and data template.
    pub tick: Option<Tick>,
    /// Publish stdin lines (`Some(true)`: each line is a JSON event object).
    pub stdin: Option<bool>,
    /// Play a capture.
    pub play: Option<Play>,
    /// Topic for stdin and playback events.
    pub topic: String,
}

/// `--tick` and its options.
#[derive(Debug, Clone)]
pub struct Tick {
    /// How often.
    pub every: Duration,
    /// The event type.
    pub event: String,
    /// The topic.
    pub topic: String,
    /// The data template; `None` is the default JSON.
    pub template: Option<String>,
}

/// `--play` and its options.
#[derive(Debug, Clone)]
pub struct Play {
    /// The capture, checked at start and read as it plays.
    pub capture: Arc<capture::Capture>,
    /// Speed factor.
    pub speed: f64,
    /// Start again at the end.
    pub repeat: bool,
}

/// Faults for testing clients.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Close each stream after this many events.
    pub drop_after: Option<u64>,
    /// Fraction of new streams failed, and the status they get.
    pub fail: Option<(f64, u16)>,
    /// Delay before a subscriber's response.
    pub latency: Option<Duration>,
    /// Write in pieces of this many bytes, this far apart.
    pub drip: Option<(usize, Duration)>,
    /// Seed for random faults and `{rand}`.
    pub seed: Option<u64>,
}

impl ServeConfig {
    /// Turns the flags into a config.
    pub fn from_args(args: &ServeArgs) -> anyhow::Result<Self> {
        let color = color_wanted(args.color, std::io::stderr().is_terminal());
        let tick = args.tick.map(|every| Tick {
            every,
            event: args.tick_event.clone(),
            topic: args.tick_topic.clone(),
            template: args.tick_data.clone(),
        });
        if tick.as_ref().is_some_and(|t| t.every.is_zero()) {
            return Err(crate::exit::UsageError("--tick must be longer than 0".into()).into());
        }
        for (flag, topic) in [("--topic", &args.topic), ("--tick-topic", &args.tick_topic)] {
            decode::check_topic(topic)
                .map_err(|msg| crate::exit::UsageError(format!("{flag}: {msg}")))?;
        }
        Ok(ServeConfig {
            addr: SocketAddr::new(args.bind, args.port),
            hub: hub_config(args)?,
            retry: args.retry,
            keepalive: (!args.keepalive.is_zero()).then_some(args.keepalive),
            max_streams: args.max_connections,
            max_body: args.max_body,
            body_timeout: args.body_timeout,
            body_memory: body_memory(args)?,
            shutdown_timeout: args.shutdown_timeout,
            token: args.token.clone(),
            subscribe_token: args.subscribe_token.clone(),
            cors_origins: args.cors_origins.clone(),
            hosts: Hosts::new(args.bind, &args.allowed_hosts),
            generators: Generators {
                tick,
                stdin: args.stdin.then_some(args.stdin_json),
                play: match &args.play {
                    None => None,
                    Some(file) => Some(Play {
                        capture: Arc::new(capture::Capture::open(file, &args.topic)?),
                        speed: args.speed,
                        repeat: args.loop_play,
                    }),
                },
                topic: args.topic.clone(),
            },
            faults: Faults {
                drop_after: args.drop_after,
                fail: args.fail_rate.map(|p| (p, args.fail_status)),
                latency: args.latency,
                drip: args.drip,
                seed: args.seed,
            },
            log: Log {
                quiet: args.quiet,
                color,
            },
        })
    }
}

/// The hub's settings from the flags, the defaults derived from `--max-body` filled in, and
/// the bounds checked against each other.
fn hub_config(args: &ServeArgs) -> anyhow::Result<HubConfig> {
    let usage = |msg: String| -> anyhow::Error { crate::exit::UsageError(msg).into() };
    let size = |n: usize| crate::units::format_size(n as u64);
    let max_event_size = match args.max_event_size {
        Some(n) if n > args.event_memory => {
            return Err(usage(format!(
                "--max-event-size ({}) cannot be over --event-memory ({})",
                size(n),
                size(args.event_memory)
            )));
        }
        Some(n) => n,
        None => args.max_body.saturating_mul(2).min(args.event_memory),
    };
    Ok(HubConfig {
        history: args.history,
        history_bytes: args.history_bytes,
        history_ttl: args.history_ttl,
        client_queue: args.client_queue as usize,
        client_queue_bytes: args.client_queue_bytes,
        slow_timeout: args.slow_timeout,
        event_memory: args.event_memory,
        max_event_size,
        line_ending: args.line_ending.as_str(),
    })
}

/// `--body-memory`, or its default: 64 MiB, or twice `--max-body` if that is more (a body is
/// held twice while it is decoded).
fn body_memory(args: &ServeArgs) -> anyhow::Result<usize> {
    let least = args.max_body.saturating_mul(2);
    match args.body_memory {
        None => Ok(least.max(64 << 20)),
        Some(n) if n < least => Err(crate::exit::UsageError(format!(
            "--body-memory ({}) must be at least twice --max-body ({}): a body is held twice while it is decoded",
            crate::units::format_size(n as u64),
            crate::units::format_size(args.max_body as u64)
        ))
        .into()),
        Some(n) => Ok(n),
    }
}

/// Connection and traffic counters for `/stats`.
#[derive(Debug, Default)]
pub struct Stats {
    /// TCP connections open now.
    pub connections_now: AtomicU64,
    /// TCP connections accepted since start.
    pub connections_total: AtomicU64,
    /// Event streams open now.
    pub streams_now: AtomicU64,
    /// Event streams opened since start.
    pub streams_total: AtomicU64,
    /// Bytes written to event streams.
    pub bytes_sent: AtomicU64,
    /// Faults injected.
    pub faults: AtomicU64,
}

/// State shared by every connection and generator.
#[derive(Debug)]
pub struct App {
    /// The settings.
    pub config: ServeConfig,
    /// The broadcaster.
    pub hub: Hub,
    /// Counters.
    pub stats: Stats,
    /// The stderr log.
    pub log: Log,
    /// Budgets of the warnings peers can cause.
    pub throttles: Throttles,
    /// When the server started.
    pub started: Instant,
    /// Randomness for faults and `{rand}` (seeded with `--seed`).
    pub rng: Mutex<fastrand::Rng>,
    /// The memory for publish bodies (`--body-memory`).
    bodies: body::Budget,
}

impl App {
    /// Shared state for a server with this config.
    pub fn new(config: ServeConfig) -> Arc<Self> {
        let rng = match config.faults.seed {
            Some(seed) => fastrand::Rng::with_seed(seed),
            None => fastrand::Rng::new(),
        };
        Arc::new(App {
            hub: Hub::new(config.hub.clone()),
            bodies: body::Budget::new(config.body_memory),
            log: config.log,
            config,
            stats: Stats::default(),
            throttles: Throttles::default(),
            started: Instant::now(),
            rng: Mutex::new(rng),
        })
    }

    /// A random number in `0.0..1.0` from the (possibly seeded) generator.
    pub fn random(&self) -> f64 {
        self.rng.lock().unwrap_or_else(|e| e.into_inner()).f64()
    }
}

/// The first and the longest pause after a failed accept, doubling in between (Go's net/http
/// does the same): out of file descriptors, retrying at once only spins and floods the log.
const ACCEPT_BACKOFF: (Duration, Duration) = (Duration::from_millis(5), Duration::from_secs(1));

/// Serves on `listener` until `shutdown` completes, then stops as [`stop`] says.
pub async fn serve(
    app: Arc<App>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    let mut tasks = JoinSet::new();
    generate::start(&app, &mut tasks);
    let graceful = GracefulShutdown::new();
    let builder = Arc::new(handoff::hyper_builder());
    let (stopping, shutdown_rx) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    let mut backoff = Duration::ZERO;
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // Out of file descriptors and the like: say so (rarely), breathe, go on.
                    backoff = (backoff * 2).clamp(ACCEPT_BACKOFF.0, ACCEPT_BACKOFF.1);
                    app.log.warn_throttled(&app.throttles.accept, || format!(
                        "accept failed: {err}; retrying in {}",
                        crate::units::format_duration(backoff)
                    ));
                    tokio::select! {
                        () = tokio::time::sleep(backoff) => continue,
                        () = &mut shutdown => break,
                    }
                }
            },
            () = &mut shutdown => break,
        };
        backoff = Duration::ZERO;
        let _ = stream.set_nodelay(true);
        app.stats.connections_now.fetch_add(1, Ordering::Relaxed);
        app.stats.connections_total.fetch_add(1, Ordering::Relaxed);
        let conn = h1::Conn {
            app: app.clone(),
            peer,
            kill: Arc::new(Notify::new()),
            shutdown: shutdown_rx.clone(),
            hyper: builder.clone(),
            graceful: graceful.watcher(),
        };
        tokio::spawn(async move {
            let app = conn.app.clone();
            h1::connection(conn, stream).await;
            app.stats.connections_now.fetch_sub(1, Ordering::Relaxed);
        });
    }
    drop(listener);
    stop(&app, stopping, tasks, graceful).await;
    Ok(())
}

/// Shutdown: no new connection, subscriber or event; every stream sends what is queued for it
/// (`--shutdown-timeout` at most), then ends cleanly; what could not be sent in time is counted
/// in a warning. Other connections finish their request.
async fn stop(
    app: &App,
    stopping: watch::Sender<bool>,
    mut tasks: JoinSet<()>,
    graceful: GracefulShutdown,
) {
    app.log.info("shutting down");
    let _ = stopping.send(true);
    app.hub.close();
    tasks.shutdown().await;
    let deadline = tokio::time::Instant::now() + app.config.shutdown_timeout;
    let _ = tokio::time::timeout_at(deadline, graceful.shutdown()).await;
    while app.stats.connections_now.load(Ordering::Relaxed) > 0
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (events, streams) = app.hub.undelivered();
    if events > 0 {
        let (e, s) = (plural(events, "event"), plural(streams, "subscriber"));
        app.log.warn(&format!(
            "shutdown: {e} left undelivered to {s} that did not read them within --shutdown-timeout ({})",
            crate::units::format_duration(app.config.shutdown_timeout)
        ));
    }
}

/// `1 event`, `2 events`.
fn plural(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// Runs `ssecat serve` until Ctrl-C or SIGTERM.
pub fn run(args: &ServeArgs) -> anyhow::Result<()> {
    let config = ServeConfig::from_args(args)?;
    colored::control::set_override(config.log.color);
    // One descriptor per connection: a shell's soft limit (often 1024) is not what the machine
    // allows.
    crate::sys::raise_nofile_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(async {
        let listener = TcpListener::bind(config.addr)
            .await
            .with_context(|| format!("cannot listen on {}", config.addr))?;
        let addr = listener.local_addr()?;
        let app = App::new(config);
        let shutdown = shutdown_signal()?;
        // This line is the one a script waits for; it is printed even with -q.
        eprintln!("ssecat serve: listening on http://{addr}/ (events at /events, viewer at /)");
        serve(app, listener, shutdown).await
    });
    // A blocking read of stdin (--stdin on a terminal) never returns by itself: do not wait.
    runtime.shutdown_timeout(Duration::from_millis(100));
    result
}

/// Completes on Ctrl-C or SIGTERM. The handlers are installed now, before the listening line
/// is printed, so a script that signals as soon as it sees that line is heard.
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut int = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
        let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
        Ok(async move {
            tokio::select! {
                _ = int.recv() => {}
                _ = term.recv() => {}
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}
