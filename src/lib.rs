//! ssecat: curl and websocat, but for Server-Sent Events.
//!
//! The map of the house (the twin of shared/ARCHITECTURE.md; change both together):
//!
//! ```text
//! main.rs       thin: parse the flags, call run, map the outcome to an exit code
//! lib.rs        this map; run() dispatches to the subcommands
//! cli.rs        clap derive definitions and value parsers only
//! exit.rs       exit codes (0 ok, 1 runtime error, 2 usage) and error reporting
//! units.rs      sizes on the command line (16MiB) and their display
//! input.rs      whole files and stdin the user names (--cacert, -d @FILE, --play, --merge),
//!               read with a bound in bytes
//! generate.rs   `ssecat generate`: shell completions and man pages from the clap definitions
//!               (committed in completions/ and man/, kept fresh by tests/generated.rs)
//! demo.rs       `ssecat demo`: an in-process serve ticking on a free loopback port, and
//!               listen printing it
//! event.rs      Event {event, data, id, retry}, owned, and its wire encoding
//! parse/        the streaming parser: bytes in, items out (Event | Comment | Retry | Error);
//!               no I/O, no async. parse/fuzz.rs holds its invariants for fuzzing
//! output/       the printers shared by listen and parse: pretty (coloured), json (NDJSON),
//!               data, raw; colour decided once
//! request.rs    the request builder shared by listen and bench: URL, method, headers, body,
//!               auth, TLS; always Accept: text/event-stream
//! listen/       `ssecat listen`: connect → stream → parser → filter → printer, and the
//!               reconnect policy (listen/policy.rs: status rules, Retry-After, backoff).
//!               Builds its own current-thread tokio runtime.
//! serve/        `ssecat serve`: hyper 1 server (HTTP/1.1 and h2c) on a multi-thread runtime;
//!               h1.rs (each connection's front door: HTTP/1.1 `GET /events` streamed straight
//!               to the socket, everything else handed to hyper by handoff.rs, with the same
//!               bounds), hub.rs (topics, fan-out of events encoded once, history, replay), routes.rs
//!               (the HTTP API), decode.rs (queries, topics, JSON bodies, checked), guard.rs
//!               (Host names answered, origins that may publish), stream.rs (one subscriber's
//!               body: replay, queue, faults), generate.rs (keep-alives, ticks, stdin, playback),
//!               log.rs (throttled warnings), viewer.html; the bounds: queue.rs (a
//!               subscriber's queue, in events and bytes, and when it is slow), history.rs
//!               (history and replay cursors), meter.rs (every event byte counted once,
//!               `--event-memory`), body.rs (publish bodies: size, time, memory), capture.rs
//!               (`--play` files read a line at a time)
//! bench/        `ssecat bench`: one shard (thread + current-thread runtime) per core, each
//!               holding its streams (worker.rs: http1.rs, bench's own small HTTP/1.1 client
//!               reading each stream through one 1 KiB buffer, + the parser) and its own
//!               metrics (metrics.rs: HDR histograms, counters); report.rs (+ report_text.rs,
//!               report_read.rs) renders, serializes, reads back and merges reports;
//!               threshold.rs; latency.rs
//! parse_cmd.rs  `ssecat parse`: file or stdin → parser → printer
//! sys.rs        what bench and serve ask of the OS: the open-file limit raised to the hard one
//! ```
//!
//! Data flow:
//! - listen: flags → [`request::RequestSpec`] → reqwest response bytes → [`parse::Parser`] →
//!   event filter → [`output::Printer`] → stdout; lifecycle (connected, reconnecting in 3s,
//!   Last-Event-ID) → stderr.
//! - serve: publish (HTTP POST, tick, stdin, playback) → [`serve::hub::Hub`] → encoded once
//!   into shared `Bytes` → each subscriber's bounded queue (a full one makes the publisher wait)
//!   → its connection's body; the history keeps the same bytes for replay.
//! - bench: flags → [`bench::BenchConfig`] → N stream tasks per shard (HTTP/1.1 connections,
//!   TLS for https → the same parser) → per-shard [`bench::metrics::Metrics`], no lock or message per event →
//!   merged once → [`bench::report::Report`] (text, JSON, thresholds).
//! - parse: file/stdin bytes → the same parser → the same printer; size errors → stderr.

pub mod bench;
pub mod cli;
pub mod demo;
pub mod event;
pub mod exit;
pub mod generate;
pub mod input;
pub mod listen;
pub mod output;
pub mod parse;
pub mod parse_cmd;
pub mod request;
pub mod serve;
pub mod sys;
pub mod units;

use cli::{Cli, Command};

/// Runs the subcommand the flags name.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Listen(args) => listen::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Parse(args) => parse_cmd::run(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Generate(command) => generate::run(&command),
    }
}
