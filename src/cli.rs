//! The command line, as clap derive definitions and value parsers only. Each subcommand's
//! arguments are turned into a plain config by the module that runs it.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::output::{ColorChoice, FormatArg};
use crate::request::{Header, parse_header, parse_url};
use crate::units::{parse_duration, parse_mem_size};

/// curl and websocat, but for Server-Sent Events.
#[derive(Debug, Parser)]
#[command(
    name = "ssecat",
    version,
    long_version = env!("SSECAT_LONG_VERSION"),
    about,
    max_term_width = 100
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Tail a live event stream: print events as they arrive, reconnecting with Last-Event-ID.
    #[command(after_long_help = LISTEN_EXAMPLES)]
    Listen(Box<ListenArgs>),
    /// Run a mock SSE server: topics, publish API, replay, generators, faults, a viewer page.
    #[command(after_long_help = SERVE_EXAMPLES)]
    Serve(Box<ServeArgs>),
    /// Load-test an SSE endpoint: many concurrent streams, latency percentiles, lost events.
    #[command(after_long_help = BENCH_EXAMPLES)]
    Bench(Box<BenchArgs>),
    /// Parse a captured event stream (a file or stdin) and print its events.
    #[command(after_long_help = PARSE_EXAMPLES)]
    Parse(ParseArgs),
    /// See it work: a local mock server ticking, and listen printing its events. No network.
    #[command(after_long_help = DEMO_EXAMPLES)]
    Demo(DemoArgs),
    /// Shell completions and man pages, for packagers.
    #[command(hide = true, subcommand, after_long_help = GENERATE_EXAMPLES)]
    Generate(GenerateCommand),
}

const DEMO_EXAMPLES: &str = "\
Examples:
  ssecat demo
  ssecat demo -n 5
  ssecat demo --json --every 100ms | jq .data";

const GENERATE_EXAMPLES: &str = "\
Examples:
  ssecat generate completions bash > ~/.local/share/bash-completion/completions/ssecat
  ssecat generate completions zsh > ~/.zfunc/_ssecat
  ssecat generate man /usr/local/share/man/man1";

const BENCH_EXAMPLES: &str = "\
Examples:
  ssecat bench http://127.0.0.1:8080/events -c 1000 --duration 30s --latency-field /ts_ms
  ssecat bench http://127.0.0.1:8080/events -c 200 --check-ids --reconnect \\
      --threshold 'latency_p99<250ms' --threshold 'lost==0' --json --output report.json
  ssecat bench --merge a.json b.json";

const SERVE_EXAMPLES: &str = "\
Examples:
  ssecat serve --tick 1s
  curl -d 'hello' 'http://127.0.0.1:8080/events?topic=chat&event=message'
  tail -f app.log | ssecat serve --stdin --port 9000
  ssecat serve --play capture.ndjson --speed 2 --loop --drop-after 20 --fail-rate 0.2";

const PARSE_EXAMPLES: &str = "\
Examples:
  ssecat parse samples/chat.sse
  curl -sN https://example.com/events | ssecat parse --json | jq .data
  ssecat parse --count capture.sse";

const LISTEN_EXAMPLES: &str = "\
Examples:
  ssecat listen http://127.0.0.1:8080/events
  ssecat listen https://api.example.com/v1/chat --bearer \"$TOKEN\" \\
      --json-body '{\"stream\": true, \"prompt\": \"hi\"}' --format data | jq .
  ssecat listen http://127.0.0.1:8080/events -e update -n 10 --json";

/// The HTTP request, shared by `listen` and `bench`.
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// The event stream's URL (http or https).
    #[arg(value_name = "URL", value_parser = parse_url, required = true)]
    pub url: Option<reqwest::Url>,

    /// HTTP method [default: GET, or POST when a body is given].
    #[arg(short = 'X', long, value_name = "METHOD")]
    pub method: Option<String>,

    /// Add a request header, `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "HEADER", value_parser = parse_header)]
    pub headers: Vec<Header>,

    /// Request body: a string, @FILE, or @- for stdin. Re-sent on every reconnect.
    #[arg(short = 'd', long, value_name = "DATA")]
    pub data: Option<String>,

    /// Request body as JSON (string, @FILE or @-); also sets Content-Type: application/json.
    #[arg(long, value_name = "DATA", conflicts_with = "data")]
    pub json_body: Option<String>,

    /// Basic authentication, `USER:PASS`.
    #[arg(short = 'u', long, value_name = "USER:PASS")]
    pub user: Option<String>,

    /// Bearer token for `Authorization: Bearer TOKEN`.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "SSECAT_BEARER",
        hide_env_values = true
    )]
    pub bearer: Option<String>,

    /// Accept invalid TLS certificates (self-signed, expired, wrong host).
    #[arg(short = 'k', long)]
    pub insecure: bool,

    /// Trust the CA certificates in this PEM file, besides the built-in roots.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// Give up an attempt with no response head after this long: TCP, TLS, redirects and the
    /// head itself, so a server that accepts and never answers cannot hold it [default: 10s].
    #[arg(long, value_name = "DUR", value_parser = parse_timeout, default_value = "10s", hide_default_value = true)]
    pub connect_timeout: Duration,
}

/// `ssecat listen URL`.
#[derive(Debug, Args)]
pub struct ListenArgs {
    #[command(flatten)]
    pub request: RequestArgs,

    /// Output format [default: pretty].
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = FormatArg::Pretty, hide_default_value = true)]
    pub format: FormatArg,

    /// Shorthand for --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    /// Pretty-print data that is JSON (pretty format).
    #[arg(long)]
    pub pretty_json: bool,

    /// Print only events of this type (repeatable).
    #[arg(short = 'e', long = "event", value_name = "TYPE")]
    pub events: Vec<String>,

    /// Print comments too (keep-alives are comments).
    #[arg(long)]
    pub comments: bool,

    /// Time each event: a `[+1.234s]` prefix, or a "t" field in ms with --format json.
    #[arg(long)]
    pub timestamps: bool,

    /// Exit after printing this many events.
    #[arg(short = 'n', long, value_name = "N")]
    pub count: Option<u64>,

    /// Exit after printing an event of this type.
    #[arg(long, value_name = "TYPE")]
    pub until_event: Option<String>,

    /// Exit after listening this long (e.g. 30s, 5m).
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub duration: Option<Duration>,

    /// Accept a 200 response whatever its Content-Type.
    #[arg(long)]
    pub any_content_type: bool,

    #[command(flatten)]
    pub backoff: BackoffArgs,

    /// Give up (exit 1) after this many reconnects in a row without an event [default: never].
    #[arg(long, value_name = "N")]
    pub max_retries: Option<u32>,

    /// Do not reconnect: exit when the stream ends.
    #[arg(long)]
    pub no_reconnect: bool,

    /// Send this Last-Event-ID on the first request too.
    #[arg(long, value_name = "ID", value_parser = crate::request::parse_last_event_id)]
    pub last_event_id: Option<String>,

    /// Reconnect when the stream delivers no bytes (comments count) for this long.
    #[arg(long, value_name = "DUR", value_parser = parse_timeout)]
    pub idle_timeout: Option<Duration>,

    /// Largest event (and line) to accept; larger ones are dropped with a warning [default: 16MiB].
    #[arg(long, value_name = "SIZE", default_value = "16MiB", hide_default_value = true, value_parser = parse_mem_size)]
    pub max_event_size: usize,

    /// Say nothing on stderr but errors.
    #[arg(short = 'q', long, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Also show response headers on stderr.
    #[arg(short = 'v', long)]
    pub verbose: bool,

    /// When to colour the output.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// `ssecat serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1].
    #[arg(
        long,
        value_name = "ADDR",
        default_value = "127.0.0.1",
        hide_default_value = true
    )]
    pub bind: std::net::IpAddr,

    /// Port to listen on; 0 picks a free one [default: 8080].
    #[arg(
        short = 'p',
        long,
        value_name = "N",
        default_value_t = 8080,
        hide_default_value = true
    )]
    pub port: u16,

    /// Send `retry: MS` at the start of every stream.
    #[arg(long, value_name = "MS")]
    pub retry: Option<u64>,

    /// Events kept for replay to clients that come back with Last-Event-ID [default: 1000].
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1000,
        hide_default_value = true
    )]
    pub history: usize,

    /// Bytes of events kept for replay (encoded, with their IDs and a fixed cost per event)
    /// [default: 64MiB].
    #[arg(long, value_name = "SIZE", default_value = "64MiB", hide_default_value = true, value_parser = parse_mem_size)]
    pub history_bytes: usize,

    /// Forget events older than this (e.g. 10m) [default: never].
    #[arg(long, value_name = "DUR", value_parser = parse_duration)]
    pub history_ttl: Option<Duration>,

    /// Events queued per subscriber; publishers wait while it is full [default: 1024].
    #[arg(long, value_name = "N", default_value_t = 1024, hide_default_value = true, value_parser = clap::value_parser!(u32).range(1..))]
    pub client_queue: u32,

    /// Bytes queued (or being written) per subscriber; an empty queue still takes one larger
    /// event [default: 4MiB].
    #[arg(long, value_name = "SIZE", default_value = "4MiB", hide_default_value = true, value_parser = parse_mem_size)]
    pub client_queue_bytes: usize,

    /// A subscriber whose full queue does not drain to half within this is cut off as slow
    /// (publishers to its topics wait for it meanwhile) [default: 5s].
    #[arg(long, value_name = "DUR", value_parser = parse_duration, default_value = "5s", hide_default_value = true)]
    pub slow_timeout: Duration,

    /// Most bytes of events held at once (history, queues, writes in progress; an event shared
    /// by many subscribers counts once); over it, subscribers that write nothing are cut off,
    /// then the oldest history goes, then publishers wait [default: 256MiB].
    #[arg(long, value_name = "SIZE", default_value = "256MiB", hide_default_value = true, value_parser = parse_mem_size)]
    pub event_memory: usize,

    /// Largest event once encoded (every line of data is a `data:` line: a body of newlines
    /// grows 7 times); larger ones get 413 [default: twice --max-body].
    #[arg(long, value_name = "SIZE", value_parser = parse_mem_size)]
    pub max_event_size: Option<usize>,

    /// Send a keep-alive comment this often; 0 turns it off [default: 15s].
    #[arg(long, value_name = "DUR", value_parser = parse_period, default_value = "15s", hide_default_value = true)]
    pub keepalive: Duration,

    /// Most event streams open at once; more get 503 [default: unlimited].
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,

    /// Largest publish request body [default: 1MiB].
    #[arg(long, value_name = "SIZE", default_value = "1MiB", hide_default_value = true, value_parser = parse_mem_size)]
    pub max_body: usize,

    /// A publish body must arrive within this, from the request's head; else 408 [default: 30s].
    #[arg(long, value_name = "DUR", value_parser = parse_timeout, default_value = "30s", hide_default_value = true)]
    pub body_timeout: Duration,

    /// Most bytes of publish bodies being read or decoded at once; more get 503 [default: 64MiB,
    /// or twice --max-body if more].
    #[arg(long, value_name = "SIZE", value_parser = parse_mem_size)]
    pub body_memory: Option<usize>,

    /// On Ctrl-C or SIGTERM, how long streams get to send what is queued for them [default: 5s].
    #[arg(long, value_name = "DUR", value_parser = parse_duration, default_value = "5s", hide_default_value = true)]
    pub shutdown_timeout: Duration,

    /// Publishing needs `Authorization: Bearer TOKEN`.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "SSECAT_TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,

    /// Subscribing needs `Authorization: Bearer TOKEN` or `?token=TOKEN`.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "SSECAT_SUBSCRIBE_TOKEN",
        hide_env_values = true
    )]
    pub subscribe_token: Option<String>,

    /// Allowed CORS origin (repeatable; `*`: any): it may subscribe and publish [default: any
    /// origin may subscribe; only the server's own page, and clients that are not browsers,
    /// may publish].
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub cors_origins: Vec<String>,

    /// Also answer requests for this Host name (repeatable; `.example.com`: it and its
    /// subdomains; `*`: any). Bound to a loopback address, serve answers only localhost,
    /// 127.x.x.x and [::1] (so a web page cannot reach it by DNS rebinding); bound to another
    /// address, it checks the Host only when this is given.
    #[arg(long = "allowed-host", value_name = "HOST", value_parser = parse_allowed_host)]
    pub allowed_hosts: Vec<String>,

    /// Publish a tick event this often (e.g. 1s, 100ms).
    #[arg(long, value_name = "DUR", value_parser = parse_period, help_heading = "Generators")]
    pub tick: Option<Duration>,

    /// Event type of ticks [default: tick].
    #[arg(
        long,
        value_name = "NAME",
        default_value = "tick",
        hide_default_value = true,
        help_heading = "Generators"
    )]
    pub tick_event: String,

    /// Topic of ticks [default: default].
    #[arg(
        long,
        value_name = "TOPIC",
        default_value = "default",
        hide_default_value = true,
        help_heading = "Generators"
    )]
    pub tick_topic: String,

    #[arg(
        long,
        value_name = "TEMPLATE",
        help_heading = "Generators",
        help = "Tick data template, filling these names in braces: n (1, 2, …), time (RFC 3339), ts_ms, ts_us (epoch ms, µs), rand [default: JSON with n, time, ts_ms]"
    )]
    pub tick_data: Option<String>,

    /// Publish each line of stdin as an event's data.
    #[arg(long, help_heading = "Generators")]
    pub stdin: bool,

    /// With --stdin: each line is a JSON event object {"topic"?, "event"?, "data", "id"?}.
    #[arg(long, requires = "stdin", help_heading = "Generators")]
    pub stdin_json: bool,

    /// Topic of events from stdin and playback [default: default].
    #[arg(
        long,
        value_name = "TOPIC",
        default_value = "default",
        hide_default_value = true,
        help_heading = "Generators"
    )]
    pub topic: String,

    /// Publish a capture: NDJSON from `listen --json --timestamps` (timed by "t") or a raw
    /// event stream (events 100ms apart).
    #[arg(long, value_name = "FILE", help_heading = "Generators")]
    pub play: Option<PathBuf>,

    /// Playback speed factor (2 = twice as fast) [default: 1].
    #[arg(long, value_name = "X", default_value_t = 1.0, hide_default_value = true, value_parser = parse_speed, help_heading = "Generators")]
    pub speed: f64,

    /// Play the capture again and again.
    #[arg(long = "loop", requires = "play", help_heading = "Generators")]
    pub loop_play: bool,

    /// Close each stream after N events.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..), help_heading = "Faults")]
    pub drop_after: Option<u64>,

    /// Fail this fraction (0 to 1) of new event streams with --fail-status.
    #[arg(long, value_name = "P", value_parser = parse_probability, help_heading = "Faults")]
    pub fail_rate: Option<f64>,

    /// Status code for --fail-rate [default: 503].
    #[arg(long, value_name = "CODE", default_value_t = 503, hide_default_value = true, value_parser = clap::value_parser!(u16).range(400..600), help_heading = "Faults")]
    pub fail_status: u16,

    /// Wait this long before answering a subscriber.
    #[arg(long, value_name = "DUR", value_parser = parse_duration, help_heading = "Faults")]
    pub latency: Option<Duration>,

    /// Write streams in pieces of BYTES, DELAY apart (e.g. 3:10ms).
    #[arg(long, value_name = "BYTES:DELAY", value_parser = parse_drip, help_heading = "Faults")]
    pub drip: Option<(usize, Duration)>,

    /// Line ending of the streams [default: lf].
    #[arg(long, value_name = "EOL", value_enum, default_value_t = LineEnding::Lf, hide_default_value = true, help_heading = "Faults")]
    pub line_ending: LineEnding,

    /// Seed for random faults and {rand}, to repeat a run exactly.
    #[arg(long, value_name = "N", help_heading = "Faults")]
    pub seed: Option<u64>,

    /// Say nothing on stderr but errors.
    #[arg(short = 'q', long)]
    pub quiet: bool,

    /// When to colour the log.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// The line ending `serve` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LineEnding {
    /// `\n`
    Lf,
    /// `\r\n`
    Crlf,
    /// `\r`
    Cr,
}

impl LineEnding {
    /// The bytes of this line ending.
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "\n",
            LineEnding::Crlf => "\r\n",
            LineEnding::Cr => "\r",
        }
    }
}

/// When to reconnect: listen's and bench's `--retry-delay` and `--max-delay`, one definition.
#[derive(Debug, Args)]
pub struct BackoffArgs {
    /// Wait this long before reconnecting, unless the server sent `retry:` or `Retry-After`;
    /// failures in a row back off from there, doubling from at least 100ms [default: 3s].
    #[arg(long, value_name = "DUR", value_parser = parse_duration, default_value = "3s", hide_default_value = true)]
    pub retry_delay: Duration,

    /// Longest wait between reconnects: caps the backoff, and the server's `retry:` and
    /// `Retry-After` too [default: 30s].
    #[arg(long, value_name = "DUR", value_parser = parse_duration, default_value = "30s", hide_default_value = true)]
    pub max_delay: Duration,
}

/// A timer's period (`--tick`, `--keepalive`, demo's `--every`): 0, or at least 1 ms, the
/// timer's resolution. `--tick 1ns` asked for a period no timer keeps, and spun a core
/// catching up on missed ticks.
fn parse_period(text: &str) -> Result<Duration, String> {
    let period = parse_duration(text)?;
    if !period.is_zero() && period < Duration::from_millis(1) {
        return Err("must be 0 or at least 1ms (the timer's resolution)".into());
    }
    Ok(period)
}

/// A timeout: a duration above 0 (a zero timeout would fail every attempt at once).
fn parse_timeout(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        d if d.is_zero() => Err("a timeout must be more than 0".to_owned()),
        d => Ok(d),
    }
}

fn parse_allowed_host(text: &str) -> Result<String, String> {
    let name = text.strip_prefix('.').unwrap_or(text);
    let ok = text == "*"
        || (!name.is_empty()
            && (name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
                || name
                    .strip_prefix('[')
                    .and_then(|v6| v6.strip_suffix(']'))
                    .is_some_and(|v6| v6.parse::<std::net::Ipv6Addr>().is_ok())));
    if ok {
        Ok(text.to_ascii_lowercase())
    } else {
        Err(format!(
            "`{text}` is not a host name (like dev.example or .example.com, without a port or scheme) or `*`"
        ))
    }
}

fn parse_speed(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("`{text}` is not a positive number")),
    }
}

/// A run's length: a duration, and not zero (a run of no time measures nothing).
fn parse_run_duration(text: &str) -> Result<Duration, String> {
    match parse_duration(text)? {
        d if d.is_zero() => Err(format!("`{text}` is no time: a run lasts more than 0")),
        d => Ok(d),
    }
}

fn parse_probability(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("`{text}` is not a probability between 0 and 1")),
    }
}

fn parse_drip(text: &str) -> Result<(usize, Duration), String> {
    let (bytes, delay) = text
        .split_once(':')
        .ok_or_else(|| format!("`{text}` is not BYTES:DELAY (e.g. 3:10ms)"))?;
    let bytes = match bytes.trim().parse::<usize>() {
        Ok(n) if n > 0 => n,
        _ => return Err(format!("`{bytes}` is not a positive number of bytes")),
    };
    Ok((bytes, parse_duration(delay.trim())?))
}

/// `ssecat bench URL`.
#[derive(Debug, Args)]
#[command(mut_arg("url", |a| a.required(false).required_unless_present("merge")))]
pub struct BenchArgs {
    #[command(flatten)]
    pub request: RequestArgs,

    /// Concurrent streams to hold open [default: 100].
    #[arg(short = 'c', long, value_name = "N", default_value_t = 100, hide_default_value = true, value_parser = clap::value_parser!(u64).range(1..))]
    pub connections: u64,

    /// How long to run (more than 0) [default: 30s].
    #[arg(long, value_name = "DUR", value_parser = parse_run_duration, default_value = "30s", hide_default_value = true)]
    pub duration: Duration,

    /// Open this many new streams per second [default: all at once].
    #[arg(long, value_name = "RATE", value_parser = parse_speed)]
    pub ramp: Option<f64>,

    /// End each stream after N events (the run ends when all have).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub events: Option<u64>,

    /// Resume a stream the server ends with Last-Event-ID, as listen does [default: reopen it
    /// after the same delay as a new client, so events sent meanwhile are lost].
    #[arg(long)]
    pub reconnect: bool,

    #[command(flatten)]
    pub backoff: BackoffArgs,

    /// Largest event (and line) a stream accepts; larger ones are dropped and counted as
    /// `oversize` errors. Each stream may hold about twice this. Bytes, or with a unit: 64KiB,
    /// 1MiB (KB, MB are powers of 1000) [default: 1MiB].
    #[arg(long, value_name = "SIZE", default_value = "1MiB", hide_default_value = true, value_parser = parse_mem_size)]
    pub max_event_size: usize,

    /// JSON pointer to the send timestamp in each event's data (e.g. /ts_ms) for delivery latency.
    #[arg(long, value_name = "POINTER")]
    pub latency_field: Option<String>,

    /// Unit of the timestamp [default: detected by magnitude].
    #[arg(long, value_name = "UNIT", value_enum, requires = "latency_field")]
    pub latency_unit: Option<LatencyUnit>,

    /// Count lost, duplicated and out-of-order events by their increasing integer IDs.
    #[arg(long)]
    pub check_ids: bool,

    /// Pass/fail condition, e.g. 'latency_p99<250ms', 'errors==0' (repeatable); exit 3 on failure.
    #[arg(long = "threshold", value_name = "EXPR", value_parser = crate::bench::threshold::Threshold::parse)]
    pub thresholds: Vec<crate::bench::threshold::Threshold>,

    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,

    /// Write the JSON report to FILE (the text report still goes to stdout).
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Combine JSON reports from several runs into one, instead of running.
    #[arg(long, value_name = "FILE", num_args = 1.., conflicts_with_all = ["connections", "duration", "ramp", "events", "reconnect", "retry_delay", "max_delay", "max_event_size", "latency_field", "check_ids"])]
    pub merge: Vec<PathBuf>,

    /// Local address(es) to connect from: 127.0.0.2 or a range 127.0.0.2-127.0.0.9
    /// (repeatable); streams take them in turn, so more than one destination's worth of
    /// ephemeral ports (~28,000 per source address) can be held.
    #[arg(long, value_name = "ADDR|RANGE", value_parser = parse_source_ips)]
    pub source_ip: Vec<SourceIps>,

    /// No live progress on stderr.
    #[arg(long)]
    pub no_progress: bool,

    /// When to colour the report.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// Unit of an event's send timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LatencyUnit {
    /// Epoch milliseconds.
    Ms,
    /// Epoch microseconds.
    Us,
}

/// The addresses one `--source-ip` names: one address, or every address of a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceIps(pub Vec<std::net::IpAddr>);

fn parse_source_ips(text: &str) -> Result<SourceIps, String> {
    use std::net::{IpAddr, Ipv4Addr};
    let bad = |s: &str| format!("`{s}` is not an IP address");
    let Some((a, b)) = text.split_once('-') else {
        return Ok(SourceIps(vec![
            text.trim().parse::<IpAddr>().map_err(|_| bad(text))?,
        ]));
    };
    let a: Ipv4Addr = a.trim().parse().map_err(|_| bad(a))?;
    let b: Ipv4Addr = b.trim().parse().map_err(|_| bad(b))?;
    let (a, b) = (u32::from(a), u32::from(b));
    if b < a || b - a >= 1024 {
        return Err(format!(
            "`{text}`: a range is low-high, at most 1024 addresses"
        ));
    }
    Ok(SourceIps(
        (a..=b).map(|n| IpAddr::V4(Ipv4Addr::from(n))).collect(),
    ))
}

/// `ssecat demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Exit after this many events [default: run until Ctrl-C].
    #[arg(short = 'n', long, value_name = "N")]
    pub count: Option<u64>,

    /// Output format [default: pretty].
    #[arg(long, value_name = "FORMAT", value_enum, default_value_t = FormatArg::Pretty, hide_default_value = true)]
    pub format: FormatArg,

    /// Shorthand for --format json.
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    /// Time between the mock server's events [default: 500ms].
    #[arg(long, value_name = "DUR", value_parser = parse_period, default_value = "500ms", hide_default_value = true)]
    pub every: Duration,

    /// When to colour the output.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

/// `ssecat generate …`.
#[derive(Debug, Subcommand)]
pub enum GenerateCommand {
    /// Print the completion script for SHELL on stdout.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the man pages (ssecat.1, ssecat-listen.1, …) into DIR; without DIR, print ssecat.1.
    Man {
        /// Where to write them.
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

/// `ssecat parse [FILE]`.
#[derive(Debug, Args)]
pub struct ParseArgs {
    /// The event stream to read; `-` or nothing reads stdin.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Print NDJSON: one {"event", "data", "id"[, "retry"]} object per event.
    #[arg(long)]
    pub json: bool,

    /// Print only how many events there are, in all and per event type.
    #[arg(long, conflicts_with = "comments")]
    pub count: bool,

    /// Print comments too (as `: text`, or {"comment": text} with --json).
    #[arg(long)]
    pub comments: bool,

    /// Largest event (and line) to accept; larger ones are reported and dropped. Bytes, or with
    /// a unit: 64KiB, 16MiB, 1GiB (KB, MB, GB are powers of 1000).
    #[arg(long, value_name = "SIZE", default_value = "16MiB", value_parser = parse_mem_size)]
    pub max_event_size: usize,

    /// When to colour the output.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definitions_are_consistent() {
        Cli::command().debug_assert();
    }
}
