//! Generators: tasks that publish through the hub like any HTTP publisher.
//!
//! - keep-alive: a comment to every subscriber each `--keepalive` (one shared buffer, no timer
//!   per subscriber);
//! - `--tick`: an event each period, data from a template;
//! - `--stdin`: each line of stdin (or each JSON event object, with `--stdin-json`);
//! - `--play`: a capture, NDJSON as `listen --json --timestamps` writes it (timed by `"t"`) or
//!   a raw event stream (events [`RAW_GAP`] apart), at `--speed`, with `--loop`.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::task::JoinSet;
use tokio::time::{Instant, MissedTickBehavior, interval_at, sleep_until};

use super::hub::Publish;
use super::routes::{event_from_json, events_from_json, validate};
use super::{App, Tick};
use crate::parse::{Item, parse_all};

/// Spacing of events from a raw capture, which carries no timing (before `--speed`).
pub const RAW_GAP: Duration = Duration::from_millis(100);

/// One event of a capture and when to send it, from the start of the capture.
#[derive(Debug, Clone)]
pub struct Timed {
    /// Offset from the start of the playback (at speed 1).
    pub at: Duration,
    /// The event.
    pub event: Publish,
}

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
        let events = play.events.clone();
        tasks.spawn(playback(app.clone(), events, play.speed, play.repeat));
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
        let events = if json {
            if text.trim().is_empty() {
                continue;
            }
            serde_json::from_str::<Value>(text)
                .map_err(|e| format!("not JSON: {e}"))
                .and_then(|v| events_from_json(v, &defaults))
                .and_then(validate)
        } else {
            Ok(vec![Publish {
                data: text.to_owned(),
                ..defaults.clone()
            }])
        };
        match events {
            Ok(events) => publish(&app, "stdin", events).await,
            Err(msg) => app
                .log
                .warn(&format!("stdin line {number}: {msg}; not published")),
        }
    }
    app.log.info("stdin closed; still serving");
}

/// Reads one line into `line` (LF included). `Ok(None)` at the end; `Ok(Some(false))` when it
/// was longer than `max` (the rest of it is skipped, so memory stays bounded).
async fn read_line_capped<R: tokio::io::AsyncBufRead + Unpin>(
    reader: &mut R,
    line: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<bool>> {
    let mut too_long = false;
    let mut any = false;
    loop {
        let buf = reader.fill_buf().await?;
        if buf.is_empty() {
            return Ok(any.then_some(!too_long));
        }
        any = true;
        let (take, done) = match memchr::memchr(b'\n', buf) {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        if !too_long && line.len() + take <= max.saturating_add(2) {
            line.extend_from_slice(&buf[..take]);
        } else {
            too_long = true;
            line.clear();
        }
        reader.consume(take);
        if done {
            return Ok(Some(!too_long));
        }
    }
}

async fn playback(app: Arc<App>, events: Arc<Vec<Timed>>, speed: f64, repeat: bool) {
    let source = "play";
    loop {
        let start = Instant::now();
        for timed in events.iter() {
            sleep_until(start + timed.at.div_f64(speed)).await;
            publish(&app, source, vec![timed.event.clone()]).await;
        }
        if !repeat {
            break;
        }
        // A pause between rounds, so a capture without timing cannot spin.
        sleep_until(Instant::now() + RAW_GAP.div_f64(speed)).await;
    }
    app.log.info("playback finished; still serving");
}

/// Reads a capture: NDJSON (lines of `{"event","data","id","retry"?,"t"?}`, comments skipped) or
/// a raw event stream. `topic` is the topic of events that do not name one.
pub fn load_capture(path: &std::path::Path, topic: &str) -> anyhow::Result<Vec<Timed>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    let events = if first == Some(&b'{') {
        ndjson_capture(&bytes, topic).with_context(|| format!("in {}", path.display()))?
    } else {
        raw_capture(&bytes, topic)
    };
    if events.is_empty() {
        bail!("{} holds no events to play", path.display());
    }
    Ok(events)
}

fn ndjson_capture(bytes: &[u8], topic: &str) -> anyhow::Result<Vec<Timed>> {
    let defaults = Publish {
        topic: topic.to_owned(),
        ..Publish::default()
    };
    let text = std::str::from_utf8(bytes).context("the NDJSON capture is not UTF-8")?;
    let mut out = Vec::new();
    let mut at = Duration::ZERO;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fail = |msg: String| anyhow::anyhow!("line {}: {msg}", i + 1);
        let value: Value = serde_json::from_str(line).map_err(|e| fail(e.to_string()))?;
        let Value::Object(mut map) = value else {
            return Err(fail("expected a JSON object".into()));
        };
        if map.contains_key("comment") {
            continue;
        }
        if let Some(t) = map.remove("t") {
            let ms = t
                .as_f64()
                .filter(|ms| ms.is_finite() && *ms >= 0.0)
                .ok_or_else(|| fail("\"t\" must be milliseconds".into()))?;
            at = at.max(Duration::from_secs_f64(ms / 1000.0));
        }
        if map.get("id").is_some_and(|id| id == "") {
            map.remove("id");
        }
        let event = event_from_json(Value::Object(map), &defaults).map_err(fail)?;
        let event = validate(vec![event]).map_err(fail)?.remove(0);
        out.push(Timed { at, event });
    }
    Ok(out)
}

fn raw_capture(bytes: &[u8], topic: &str) -> Vec<Timed> {
    let mut last_id = String::new();
    let mut out = Vec::new();
    for item in parse_all(bytes) {
        let Item::Event(e) = item else { continue };
        // The parser repeats the last ID on later events; only a new one is the event's own.
        let id = (e.id != last_id && !e.id.is_empty()).then(|| e.id.clone());
        last_id = e.id;
        out.push(Timed {
            at: RAW_GAP * out.len() as u32,
            event: Publish {
                topic: topic.to_owned(),
                event: e.event,
                data: e.data,
                id,
                retry: e.retry,
            },
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn ndjson_captures_keep_timing_ids_and_types() {
        let text = concat!(
            r#"{"event":"a","data":"1","id":"","t":0}"#,
            "\n",
            r#"{"comment":"keep-alive"}"#,
            "\n",
            r#"{"event":"b","data":"2","id":"9","retry":50,"t":1500}"#,
            "\n"
        );
        let events = ndjson_capture(text.as_bytes(), "x").unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].event.id, None);
        assert_eq!(events[1].at, Duration::from_millis(1500));
        assert_eq!(events[1].event.id.as_deref(), Some("9"));
        assert_eq!(events[1].event.retry, Some(50));
        assert_eq!(events[1].event.topic, "x");
        let err = ndjson_capture(b"{\"data\":1}\n{oops\n", "x").unwrap_err();
        assert!(format!("{err:#}").starts_with("line 2:"), "{err:#}");
    }

    #[test]
    fn raw_captures_are_spaced_and_keep_only_new_ids() {
        let events = raw_capture(
            b"id: 1\ndata: a\n\ndata: b\n\nevent: e\nid: 2\ndata: c\n\n",
            "t",
        );
        let ids: Vec<_> = events.iter().map(|t| t.event.id.clone()).collect();
        assert_eq!(ids, [Some("1".into()), None, Some("2".into())]);
        assert_eq!(events[2].at, RAW_GAP * 2);
        assert_eq!(events[2].event.event, "e");
    }
}
