//! Generators: tasks that publish through the hub like any HTTP publisher.
//!
//! - keep-alive: a comment to every subscriber each `--keepalive` (one shared buffer, no timer
//!   per subscriber);
//! - `--tick`: an event each period, data from a template;
//! - `--stdin`: each line of stdin (or each JSON event object, with `--stdin-json`);
//! - `--play`: a capture (capture.rs), NDJSON as `listen --json --timestamps` writes it (timed
//!   by `"t"`) or a raw event stream (events [`RAW_GAP`] apart), at `--speed`, with `--loop`.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::value::RawValue;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior, interval_at, sleep_until};

use super::body::{DECODED_EVENT, json_events};
use super::capture::{CappedLine, Capture};
pub use super::capture::{RAW_GAP, Timed};
use super::decode::{events_from_json, validate};
use super::hub::Publish;
use super::{App, Tick};

/// Starts the configured generators on `tasks`.
pub fn start(app: &Arc<App>, tasks: &mut JoinSet<()>) {
    if let Some(every) = app.config.keepalive {
        tasks.spawn(keepalive(app.clone(), every));
    }
    let g = &app.config.generators;
    if let Some(tick) = &g.tick {
        tasks.spawn(ticks(app.clone(), tick.clone()));
    }
    if let Some(json) = g.stdin {
        tasks.spawn(stdin(app.clone(), json));
    }
    if let Some(play) = &g.play {
        let capture = play.capture.clone();
        tasks.spawn(playback(app.clone(), capture, play.speed, play.repeat));
    }
}

async fn keepalive(app: Arc<App>, every: Duration) {
    let mut timer = interval_at(Instant::now() + every, every);
    timer.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        timer.tick().await;
        app.hub.comment("keep-alive");
    }
}

async fn ticks(app: Arc<App>, tick: Tick) {
    let mut timer = interval_at(Instant::now() + tick.every, tick.every);
    timer.set_missed_tick_behavior(MissedTickBehavior::Skip);
    for n in 1u64.. {
        timer.tick().await;
        let data = match &tick.template {
            Some(t) => render(t, n, &|| app.random()),
            None => default_tick(n),
        };
        let event = Publish {
            topic: tick.topic.clone(),
            event: tick.event.clone(),
            data,
            id: None,
            retry: None,
        };
        publish(&app, "tick", vec![event]).await;
    }
}

/// Publishes like a publisher does: waiting for full queues and for memory, so a generator
/// never outruns its subscribers.
async fn publish(app: &App, source: &str, events: Vec<Publish>) {
    let count = events.len();
    match app.hub.publish(events).await {
        Ok(p) => app.log.publish(source, count, &p.id, p.delivered),
        Err(refused) => app.log.warn(&format!("{source}: not published: {refused}")),
    }
}

/// The default tick data: `{"n":…,"time":"…","ts_ms":…}`.
fn default_tick(n: u64) -> String {
    let now = SystemTime::now();
    let time = humantime::format_rfc3339_millis(now);
    format!(
        r#"{{"n":{n},"time":"{time}","ts_ms":{}}}"#,
        since_epoch(now).as_millis()
    )
}

fn since_epoch(t: SystemTime) -> Duration {
    t.duration_since(UNIX_EPOCH).unwrap_or_default()
}

/// Fills a tick template: `{n}` the sequence number, `{time}` RFC 3339, `{ts_ms}` / `{ts_us}`
/// epoch milliseconds / microseconds, `{rand}` a random number in 0..1. Other braces stay.
pub fn render(template: &str, n: u64, rand: &dyn Fn() -> f64) -> String {
    let now = SystemTime::now();
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let close = after.find('}').map(|c| &after[1..c]);
        let value = match close {
            Some("n") => Some(n.to_string()),
            Some("time") => Some(humantime::format_rfc3339_millis(now).to_string()),
            Some("ts_ms") => Some(since_epoch(now).as_millis().to_string()),
            Some("ts_us") => Some(since_epoch(now).as_micros().to_string()),
            // Truncated, not rounded: 0.9999996 must not print as 1.000000.
            Some("rand") => Some(format!("0.{:06}", ((rand() * 1e6) as u64).min(999_999))),
            _ => None,
        };
        match (value, close) {
            (Some(v), Some(name)) => {
                out.push_str(&v);
                rest = &after[name.len() + 2..];
            }
            _ => {
                out.push('{');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

async fn stdin(app: Arc<App>, json: bool) {
    let topic = app.config.generators.topic.clone();
    let defaults = Publish {
        topic,
        ..Publish::default()
    };
    let max = app.config.max_body;
    let mut reader = BufReader::new(tokio::io::stdin());
    let mut line = Vec::new();
    for number in 1u64.. {
        line.clear();
        match read_line_capped(&mut reader, &mut line, max).await {
            Ok(None) => break,
            Ok(Some(false)) => {
                app.log.warn(&format!(
                    "stdin line {number}: longer than --max-body ({}); not published",
                    crate::units::format_size(max as u64)
                ));
                continue;
            }
            Ok(Some(true)) => {}
            Err(err) => {
                app.log.warn(&format!("cannot read stdin: {err}"));
                break;
            }
        }
        let text = String::from_utf8_lossy(&line);
        let text = text.trim_end_matches(['\n', '\r']);
        if json && text.trim().is_empty() {
            continue;
        }
        match stdin_events(&app, text, json, &defaults) {
            Ok(events) => publish(&app, "stdin", events).await,
            Err(msg) => app
                .log
                .warn(&format!("stdin line {number}: {msg}; not published")),
        }
    }
    app.log.info("stdin closed; still serving");
}

/// The events of one line of stdin: its text, or (`json`) the event object or array it holds,
/// refused like a publish body that would cost more than `--body-memory` to decode.
fn stdin_events(
    app: &App,
    text: &str,
    json: bool,
    defaults: &Publish,
) -> Result<Vec<Publish>, String> {
    if !json {
        return Ok(vec![Publish {
            data: text.to_owned(),
            ..defaults.clone()
        }]);
    }
    let events = json_events(text.as_bytes());
    if 2 * text.len() + events * DECODED_EVENT > app.config.body_memory {
        return Err(format!(
            "a batch of {events} events takes more than --body-memory ({}) to decode",
            crate::units::format_size(app.config.body_memory as u64)
        ));
    }
    serde_json::from_str::<&RawValue>(text)
        .map_err(|e| format!("not JSON: {e}"))
        .and_then(|json| events_from_json(json, defaults))
        .and_then(validate)
}

/// Reads one line into `line` (LF included), as capture.rs's reader does but without blocking.
/// `Ok(None)` at the end; `Ok(Some(false))` when it was longer than `max` (the rest of it is
/// skipped, so memory stays bounded).
async fn read_line_capped<R: tokio::io::AsyncBufRead + Unpin>(
    reader: &mut R,
    line: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<bool>> {
    let mut capped = CappedLine::start(line);
    loop {
        let (take, done) = capped.take(reader.fill_buf().await?, line, max);
        reader.consume(take);
        if let Some(result) = done {
            return Ok(result);
        }
    }
}

/// Plays the capture, read from its file as it goes (by a blocking thread, one event ahead),
/// each event at its time divided by `speed`, again and again with `repeat`.
async fn playback(app: Arc<App>, capture: Arc<Capture>, speed: f64, repeat: bool) {
    let source = "play";
    loop {
        let (tx, mut rx) = tokio::sync::mpsc::channel(1);
        let reading = capture.clone();
        tokio::task::spawn_blocking(move || match reading.read() {
            Ok(events) => {
                for event in events {
                    if tx.blocking_send(event).is_err() {
                        return;
                    }
                }
            }
            Err(err) => {
                let _ = tx.blocking_send(Err(err));
            }
        });
        let start = Instant::now();
        while let Some(event) = rx.recv().await {
            match event {
                Ok(timed) => {
                    sleep_until(when(start, timed.at, speed)).await;
                    publish(&app, source, vec![timed.event]).await;
                }
                // The file changed since it was checked at start.
                Err(err) => app.log.warn(&format!("play: {err:#}; skipped")),
            }
        }
        if !repeat {
            break;
        }
        // A pause between rounds, so a capture without timing cannot spin.
        let pause = RAW_GAP.div_f64(speed).max(Duration::from_millis(1));
        sleep_until(Instant::now() + pause).await;
    }
    app.log.info("playback finished; still serving");
}

/// `start + at / speed`, or (for a time too far to count) a year from `start`: `--speed
/// 1e-300` is not a crash.
fn when(start: Instant, at: Duration, speed: f64) -> Instant {
    let year = Duration::from_secs(365 * 24 * 3600);
    Duration::try_from_secs_f64(at.as_secs_f64() / speed)
        .ok()
        .and_then(|d| start.checked_add(d))
        .unwrap_or(start + year)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn templates_fill_every_placeholder_and_leave_other_braces() {
        let out = render(
            r#"{"n":{n},"r":{rand},"x":{other}} {ts_ms} {ts_us} {time}"#,
            7,
            &|| 0.5,
        );
        assert!(
            out.starts_with(r#"{"n":7,"r":0.500000,"x":{other}} "#),
            "{out}"
        );
        let parts: Vec<&str> = out.rsplitn(4, ' ').collect();
        let (ms, us): (u128, u128) = (parts[2].parse().unwrap(), parts[1].parse().unwrap());
        assert!(us / 1000 >= ms && us / 1000 - ms <= 1, "{out}");
        assert!(parts[0].ends_with('Z') && parts[0].len() == 24, "{out}");
    }

    #[test]
    fn default_tick_data_is_json() {
        let v: Value = serde_json::from_str(&default_tick(3)).unwrap();
        assert_eq!(v["n"], 3);
        assert!(v["ts_ms"].as_u64().unwrap() > 1_700_000_000_000);
        assert!(v["time"].as_str().unwrap().ends_with('Z'));
    }

    #[test]
    fn a_time_too_far_to_count_is_a_year_away() {
        let start = Instant::now();
        let year = Duration::from_secs(365 * 24 * 3600);
        assert_eq!(
            when(start, Duration::from_secs(2), 2.0),
            start + Duration::from_secs(1)
        );
        assert_eq!(when(start, Duration::from_secs(2), 1e-300), start + year);
    }
}
