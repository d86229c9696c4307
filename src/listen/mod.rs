//! `ssecat listen URL`: connect → stream → parse → filter → print, and reconnect.
//!
//! One loop per attempt: send the request (with `Last-Event-ID` once there is one), classify the
//! response ([`policy::classify`]), feed the body to the parser chunk by chunk and print each
//! event as it is dispatched. When the stream ends or fails, wait ([`policy::Backoff`]) and go
//! again. Lifecycle messages go to the `log` writer (stderr), never to stdout.

pub mod policy;

use std::future::Future;
use std::io::Write;
use std::pin::pin;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use reqwest::StatusCode;
use tokio::time::{sleep, sleep_until, timeout};

use crate::cli::ListenArgs;
use crate::output::{Format, PrintOptions, Printer, clipped, shown, use_color};
use crate::parse::{DISCARDED_AT_END, ItemRef, Parser};
use crate::request::{RequestSpec, resumable};
use crate::units::format_duration;
use policy::{Backoff, Verdict, classify, paced, unfollowed_redirect};

/// How much to say on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// Errors and warnings only.
    Quiet,
    /// Lifecycle too: connected, reconnecting.
    Normal,
    /// Response headers too.
    Verbose,
}

/// Everything `listen` needs, decided from the flags.
#[derive(Debug, Clone)]
pub struct ListenConfig {
    /// The request sent on every attempt.
    pub request: RequestSpec,
    /// Output format and options.
    pub print: PrintOptions,
    /// Print only these event types (empty: all).
    pub events: Vec<String>,
    /// Stop after this many printed events.
    pub count: Option<u64>,
    /// Stop after an event of this type.
    pub until_event: Option<String>,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// Accept any content type on a 200.
    pub any_content_type: bool,
    /// Reconnect timing.
    pub backoff: Backoff,
    /// Give up after this many attempts in a row without an event.
    pub max_retries: Option<u32>,
    /// Reconnect at all.
    pub reconnect: bool,
    /// Seed for the last event ID (sent on the first request too).
    pub last_event_id: String,
    /// Reconnect after this long without a byte.
    pub idle_timeout: Option<Duration>,
    /// The parser's size limit.
    pub max_event_size: usize,
    /// How much to say on stderr.
    pub verbosity: Verbosity,
}

impl ListenConfig {
    /// Turns the flags into a config (reading a body file or stdin now).
    pub fn from_args(args: &ListenArgs, start: Instant) -> anyhow::Result<Self> {
        let format = if args.json {
            Format::Json
        } else {
            args.format.into()
        };
        Ok(ListenConfig {
            request: RequestSpec::from_args(&args.request)?,
            print: PrintOptions {
                format,
                comments: args.comments,
                pretty_json: args.pretty_json,
                start: args.timestamps.then_some(start),
            },
            events: args.events.clone(),
            count: args.count,
            until_event: args.until_event.clone(),
            duration: args.duration,
            any_content_type: args.any_content_type,
            backoff: Backoff {
                retry_delay: args.backoff.retry_delay,
                max_delay: args.backoff.max_delay,
            },
            max_retries: args.max_retries,
            reconnect: !args.no_reconnect,
            last_event_id: args.last_event_id.clone().unwrap_or_default(),
            idle_timeout: args.idle_timeout,
            max_event_size: args.max_event_size,
            verbosity: if args.quiet {
                Verbosity::Quiet
            } else if args.verbose {
                Verbosity::Verbose
            } else {
                Verbosity::Normal
            },
        })
    }
}

/// Runs `ssecat listen` on stdout and stderr until a stop condition or Ctrl-C.
pub fn run(args: &ListenArgs) -> anyhow::Result<()> {
    let start = Instant::now();
    use_color(args.color);
    let config = ListenConfig::from_args(args, start)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let stderr = std::io::stderr();
    runtime.block_on(listen(
        &config,
        stdout,
        stderr,
        async {
            let _ = tokio::signal::ctrl_c().await;
        },
        start,
    ))
}

/// How a connection ended.
enum Ended {
    /// A stop condition or a 204: stop listening, successfully.
    Done,
    /// The server ended the stream cleanly.
    EndOfStream,
    /// It failed in a way worth retrying: why, and how long the server asked us to wait.
    Failed {
        reason: String,
        after: Option<Duration>,
    },
}

/// The state carried across connections.
struct Session<'c, W: Write, L: Write> {
    config: &'c ListenConfig,
    printer: Printer<W>,
    log: L,
    parser: Parser,
    /// The server's last `retry:` value.
    server_retry: Option<Duration>,
    /// Events printed so far (for -n).
    printed: u64,
    /// Whether any HTTP response arrived yet (before that, a connect error is fatal).
    reached: bool,
}

/// What happened while handling one chunk of the body.
#[derive(Default)]
struct ChunkOutcome {
    /// At least one event was dispatched.
    got_event: bool,
    /// A stop condition (-n, --until-event) was met.
    stop: bool,
}

/// Listens until a stop condition, `shutdown` resolving, or a fatal error.
pub async fn listen<W: Write, L: Write>(
    config: &ListenConfig,
    out: W,
    log: L,
    shutdown: impl Future<Output = ()>,
    start: Instant,
) -> anyhow::Result<()> {
    let client = config.request.client()?;
    let mut session = Session {
        config,
        printer: Printer::new(out, config.print),
        log,
        parser: Parser::new()
            .with_max_event_size(config.max_event_size)
            .with_last_event_id(config.last_event_id.clone()),
        server_retry: None,
        printed: 0,
        reached: false,
    };
    let far_future = start + Duration::from_secs(100 * 365 * 24 * 3600);
    let deadline = config.duration.map_or(far_future, |d| start + d);
    let mut stop = pin!(async {
        tokio::select! {
            () = shutdown => {}
            () = sleep_until(deadline.into()) => {}
        }
    });
    let mut failures: u32 = 0;
    let result = loop {
        let started = Instant::now();
        let attempt = session.attempt(&client, &mut failures);
        let ended = tokio::select! {
            ended = attempt => ended,
            () = &mut stop => break Ok(()),
        };
        let (reason, after) = match ended {
            Ok(Ended::Done) => break Ok(()),
            Ok(Ended::EndOfStream) if !config.reconnect => break Ok(()),
            Ok(Ended::EndOfStream) => ("the stream ended".to_owned(), None),
            Ok(Ended::Failed { reason, .. }) if !config.reconnect => {
                break Err(anyhow!("{reason} (not reconnecting: --no-reconnect)"));
            }
            Ok(Ended::Failed { reason, after }) => (reason, after),
            Err(e) => break Err(e),
        };
        failures += 1;
        if let Some(max) = config.max_retries {
            if failures > max {
                break Err(anyhow!(
                    "giving up after {max} reconnect{} without an event: {reason}",
                    if max == 1 { "" } else { "s" }
                ));
            }
        }
        let delay = config
            .backoff
            .delay(failures, after.or(session.server_retry));
        let delay = paced(delay, started.elapsed());
        let resume = session.parser.last_event_id();
        if resumable(resume) {
            let resume = if resume.is_empty() {
                String::new()
            } else {
                format!(" with Last-Event-ID: {}", clipped(resume, 100))
            };
            session.lifecycle(format_args!(
                "{reason}; reconnecting in {}{resume}",
                format_duration(delay)
            ));
        } else {
            session.warn(&format!(
                "{reason}; reconnecting in {} without Last-Event-ID: the last event ID {} has a control character, which an HTTP header cannot carry, so events sent meanwhile may be missed",
                format_duration(delay),
                clipped(resume, 100)
            ));
        }
        tokio::select! {
            () = sleep(delay) => {}
            () = &mut stop => break Ok(()),
        }
    };
    session.printer.flush().context("writing the output")?;
    result
}

impl<W: Write, L: Write> Session<'_, W, L> {
    /// A lifecycle line on stderr, unless quiet. Errors writing stderr are ignored.
    fn lifecycle(&mut self, message: std::fmt::Arguments<'_>) {
        if self.config.verbosity >= Verbosity::Normal {
            let _ = writeln!(self.log, "ssecat: {message}");
        }
    }

    /// One connection: request, response, stream. Resets `failures` once an event arrives.
    async fn attempt(
        &mut self,
        client: &reqwest::Client,
        failures: &mut u32,
    ) -> anyhow::Result<Ended> {
        match self.open(client).await? {
            Ok(response) => self.stream(response, failures).await,
            Err(ended) => Ok(ended),
        }
    }

    /// Sends the request and judges the response: a stream to read, or how the attempt ended.
    async fn open(
        &mut self,
        client: &reqwest::Client,
    ) -> anyhow::Result<Result<reqwest::Response, Ended>> {
        let config = self.config;
        let resume = self.parser.last_event_id();
        let resume = if resumable(resume) { resume } else { "" };
        let request = config.request.request(client, resume);
        let sent_id = resume.len();
        // --connect-timeout covers the whole wait for a response head (TCP, TLS, redirects, the
        // head itself): reqwest's own connect timeout stops at TCP and TLS, so a server that
        // accepts and never answers, or drips its head, would hold listen forever.
        let limit = config.request.connect_timeout;
        let sent = match timeout(limit, request.send()).await {
            Ok(sent) => sent.map_err(|e| (describe(&e), e.is_builder() || e.is_redirect())),
            Err(_) => Err((
                format!(
                    "no response within {} (--connect-timeout)",
                    format_duration(limit)
                ),
                false,
            )),
        };
        let mut response = match sent {
            Ok(response) => response,
            Err((why, fatal)) if !self.reached || fatal => {
                return Err(anyhow!(why))
                    .with_context(|| format!("cannot connect to {}", config.request.url));
            }
            Err((why, _)) => {
                return Ok(Err(Ended::Failed {
                    reason: format!("connection failed: {why}"),
                    after: None,
                }));
            }
        };
        self.reached = true;
        let status = response.status();
        match classify(status, response.headers(), config.any_content_type) {
            Verdict::Stream => {}
            Verdict::Stop => {
                self.lifecycle(format_args!(
                    "{status}: the server asked not to reconnect; stopping"
                ));
                return Ok(Err(Ended::Done));
            }
            Verdict::Retry(after) => {
                return Ok(Err(Ended::Failed {
                    reason: format!("server answered {status}"),
                    after,
                }));
            }
            Verdict::WrongType(content_type) => {
                bail!(
                    "{} answered {status} with Content-Type '{}', not text/event-stream (--any-content-type reads it anyway)",
                    config.request.url,
                    clipped(&content_type, 200)
                );
            }
            Verdict::Fail => {
                if let Some(location) = unfollowed_redirect(status, response.headers()) {
                    bail!("{} answered {status}{location}", config.request.url);
                }
                let body = body_excerpt(&mut response).await;
                if status == StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE && sent_id > 0 {
                    bail!(
                        "{} answered {status}{body} (the Last-Event-ID sent back was {sent_id} bytes)",
                        config.request.url
                    );
                }
                bail!("{} answered {status}{body}", config.request.url);
            }
        }
        self.lifecycle(format_args!(
            "connected to {} ({status}, {:?})",
            response.url(),
            response.version()
        ));
        if config.verbosity >= Verbosity::Verbose {
            for (name, value) in response.headers() {
                let _ = writeln!(
                    self.log,
                    "ssecat: < {name}: {}",
                    shown(&String::from_utf8_lossy(value.as_bytes()))
                );
            }
        }
        Ok(Ok(response))
    }

    /// Reads the body to its end, feeding the parser and printing as events come.
    async fn stream(
        &mut self,
        mut response: reqwest::Response,
        failures: &mut u32,
    ) -> anyhow::Result<Ended> {
        let config = self.config;
        loop {
            let next = match config.idle_timeout {
                Some(idle) => match timeout(idle, response.chunk()).await {
                    Ok(next) => next,
                    Err(_) => {
                        self.parser.finish();
                        return Ok(Ended::Failed {
                            reason: format!("no data for {}", format_duration(idle)),
                            after: None,
                        });
                    }
                },
                None => response.chunk().await,
            };
            let chunk = match next {
                Ok(Some(chunk)) => chunk,
                Ok(None) => {
                    if self.parser.finish() {
                        self.warn(DISCARDED_AT_END);
                    }
                    return Ok(Ended::EndOfStream);
                }
                Err(e) => {
                    self.parser.finish();
                    return Ok(Ended::Failed {
                        reason: format!("the stream broke: {}", describe(&e)),
                        after: None,
                    });
                }
            };
            self.printer.raw(&chunk).context("writing the output")?;
            let outcome = self.handle_chunk(&chunk)?;
            if outcome.got_event {
                *failures = 0;
            }
            if outcome.stop {
                return Ok(Ended::Done);
            }
        }
    }

    /// Feeds one chunk to the parser and prints what it yields, stopping at -n/--until-event.
    fn handle_chunk(&mut self, chunk: &[u8]) -> anyhow::Result<ChunkOutcome> {
        let config = self.config;
        let mut outcome = ChunkOutcome::default();
        let mut failed = None;
        let mut warnings = Vec::new();
        let printer = &mut self.printer;
        let printed = &mut self.printed;
        let server_retry = &mut self.server_retry;
        self.parser.feed(chunk, |item| {
            if outcome.stop || failed.is_some() {
                return;
            }
            let written = match &item {
                ItemRef::Event(event) => {
                    outcome.got_event = true;
                    let wanted =
                        config.events.is_empty() || config.events.iter().any(|t| t == event.event);
                    let mut written = Ok(());
                    if wanted {
                        written = printer.event(event);
                        *printed += 1;
                    }
                    if config.count.is_some_and(|n| *printed >= n)
                        || config.until_event.as_deref() == Some(event.event)
                    {
                        outcome.stop = true;
                    }
                    written
                }
                ItemRef::Comment(_) => printer.item(&item),
                ItemRef::Retry(ms) => {
                    *server_retry = Some(Duration::from_millis(*ms));
                    Ok(())
                }
                ItemRef::Error(e) => {
                    warnings.push(format!("{e} (--max-event-size)"));
                    Ok(())
                }
            };
            failed = written.err();
        });
        // Everything this read brought is printed before the next read waits: one write per
        // chunk, not one per event (10M events of 100 B were 10M write calls).
        let flushed = self.printer.flush();
        for warning in warnings {
            self.warn(&warning);
        }
        match failed.map_or(flushed, Err) {
            Err(e) => Err(e).context("writing the output"),
            Ok(()) => Ok(outcome),
        }
    }

    /// A warning on stderr, shown even when quiet.
    fn warn(&mut self, message: &str) {
        let _ = writeln!(self.log, "ssecat: warning: {message}");
    }
}

/// The first part of an error response's body, on one line, for the error message.
async fn body_excerpt(response: &mut reqwest::Response) -> String {
    const LIMIT: usize = 300;
    let mut body = Vec::new();
    let read = async {
        while body.len() < LIMIT {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                _ => break,
            }
        }
    };
    let _ = timeout(Duration::from_secs(2), read).await;
    let text = String::from_utf8_lossy(&body[..body.len().min(LIMIT)]);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = shown(&text);
    if text.is_empty() {
        String::new()
    } else if body.len() > LIMIT {
        format!(": {text}…")
    } else {
        format!(": {text}")
    }
}

/// A reqwest error on one line, by its causes: reqwest's own top message ("error sending
/// request for url (…)") and hyper's "client error (Connect)" add nothing the user needs.
fn describe(err: &reqwest::Error) -> String {
    let mut causes = Vec::new();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !text.starts_with("client error (") && !causes.contains(&text) {
            causes.push(text);
        }
        source = cause.source();
    }
    if causes.is_empty() {
        err.to_string()
    } else {
        causes.join(": ")
    }
}
