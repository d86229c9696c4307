//! Captures for `--play`: NDJSON (lines of `{"event","data","id","retry"?,"t"?}`, comments
//! skipped, as `listen --json --timestamps` writes them) or a raw event stream, read a line (or
//! a piece) at a time, never whole: a capture is read once at start to refuse a bad one before
//! serving, then again for each round of playback. Memory is one line (at most [`MAX_LINE`]) or
//! one piece, whatever the file's size; loaded whole, a 27 MB capture of tiny events took
//! 945 MB. So a capture must be a regular file (a pipe or a device cannot be read twice, and
//! `/dev/zero` never ends).

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use serde_json::value::RawValue;

use super::decode::{Fields, event_from_fields, validate};
use super::hub::Publish;
use crate::parse::{Item, Parser};

/// Spacing of events from a raw capture, which carries no timing (before `--speed`).
pub const RAW_GAP: Duration = Duration::from_millis(100);
/// Longest line of an NDJSON capture: listen's largest event by default, escaped.
pub const MAX_LINE: usize = 32 << 20;
/// Latest `"t"`: a year, in milliseconds. Later is not a capture's timing (`1e308` is not), and
/// would park the playback for good.
const MAX_T_MS: f64 = 365.0 * 24.0 * 3600.0 * 1000.0;
/// How much of a raw capture is read at a time.
const PIECE: usize = 64 * 1024;

/// One event of a capture and when to send it, from the start of the playback.
#[derive(Debug, Clone)]
pub struct Timed {
    /// Offset from the start of the playback (at speed 1).
    pub at: Duration,
    /// The event.
    pub event: Publish,
}

/// A capture checked whole once: where it is and how to read it.
#[derive(Debug, Clone)]
pub struct Capture {
    /// The file.
    pub path: PathBuf,
    ndjson: bool,
    /// Topic of events that do not name one.
    topic: String,
    /// Events in it, when it was checked.
    pub events: u64,
}

impl Capture {
    /// Checks the capture at `path`: a regular file holding at least one event, and no bad
    /// line. `topic` is the topic of events that do not name one.
    pub fn open(path: &Path, topic: &str) -> anyhow::Result<Capture> {
        let meta =
            std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if !meta.is_file() {
            bail!(
                "{} is not a regular file: --play reads a capture once to check it, then to play it; save it to a file first",
                path.display()
            );
        }
        let mut capture = Capture {
            path: path.to_owned(),
            ndjson: starts_with_brace(path)?,
            topic: topic.to_owned(),
            events: 0,
        };
        for event in capture.read()? {
            event.with_context(|| format!("in {}", path.display()))?;
            capture.events += 1;
        }
        if capture.events == 0 {
            bail!("{} holds no events to play", path.display());
        }
        Ok(capture)
    }

    /// Its events from the start, read as they are asked for.
    pub fn read(&self) -> anyhow::Result<Events> {
        let file = File::open(&self.path)
            .with_context(|| format!("cannot read {}", self.path.display()))?;
        Ok(Events {
            reader: BufReader::with_capacity(PIECE, file),
            ndjson: self.ndjson,
            defaults: Publish {
                topic: self.topic.clone(),
                ..Publish::default()
            },
            line: Vec::new(),
            number: 0,
            at: Duration::ZERO,
            parser: Parser::new(),
            last_id: String::new(),
            ready: VecDeque::new(),
            count: 0,
            done: false,
        })
    }
}

/// Whether the first byte that is not white space is `{` (NDJSON).
fn starts_with_brace(path: &Path) -> anyhow::Result<bool> {
    let file = File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut reader = BufReader::with_capacity(PIECE, file);
    loop {
        let buf = reader
            .fill_buf()
            .with_context(|| format!("cannot read {}", path.display()))?;
        if buf.is_empty() {
            return Ok(false);
        }
        if let Some(b) = buf.iter().find(|b| !b.is_ascii_whitespace()) {
            return Ok(*b == b'{');
        }
        let n = buf.len();
        reader.consume(n);
    }
}

/// The events of a capture, in order; an `Err` is a bad line (reading goes on after it).
pub struct Events {
    reader: BufReader<File>,
    ndjson: bool,
    defaults: Publish,
    line: Vec<u8>,
    /// Line number of `line`.
    number: u64,
    /// Time of the last NDJSON event: `"t"` never goes back.
    at: Duration,
    parser: Parser,
    /// The raw parser repeats the last ID on later events; only a new one is an event's own.
    last_id: String,
    ready: VecDeque<Timed>,
    /// Raw events so far, for their spacing.
    count: u64,
    done: bool,
}

impl Iterator for Events {
    type Item = anyhow::Result<Timed>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ndjson {
            self.next_line()
        } else {
            self.next_raw()
        }
    }
}

impl Events {
    fn next_line(&mut self) -> Option<anyhow::Result<Timed>> {
        loop {
            self.number += 1;
            let number = self.number;
            let fail = |msg: String| anyhow!("line {number}: {msg}");
            match read_line_capped(&mut self.reader, &mut self.line, MAX_LINE) {
                Ok(None) => return None,
                Ok(Some(false)) => {
                    return Some(Err(fail(format!(
                        "longer than {}",
                        crate::units::format_size(MAX_LINE as u64)
                    ))));
                }
                Ok(Some(true)) => {}
                Err(e) => return Some(Err(anyhow!(e).context("cannot read the capture"))),
            }
            let Ok(text) = std::str::from_utf8(&self.line) else {
                return Some(Err(fail("not UTF-8".into())));
            };
            let text = text.trim_end_matches(['\n', '\r']);
            if text.trim().is_empty() {
                continue;
            }
            match ndjson_event(text, &self.defaults, &mut self.at) {
                Ok(None) => continue,
                Ok(Some(timed)) => return Some(Ok(timed)),
                Err(msg) => return Some(Err(fail(msg))),
            }
        }
    }

    fn next_raw(&mut self) -> Option<anyhow::Result<Timed>> {
        let mut buf = vec![0u8; PIECE];
        while self.ready.is_empty() && !self.done {
            let n = match self.reader.read(&mut buf) {
                Ok(n) => n,
                Err(e) => return Some(Err(anyhow!(e).context("cannot read the capture"))),
            };
            let mut items = Vec::new();
            if n == 0 {
                self.done = true;
                self.parser.finish();
            } else {
                self.parser.feed_to_vec(&buf[..n], &mut items);
            }
            for item in items {
                let Item::Event(e) = item else { continue };
                let id = (e.id != self.last_id && !e.id.is_empty()).then(|| e.id.clone());
                self.last_id = e.id;
                let at =
                    Duration::from_millis((RAW_GAP.as_millis() as u64).saturating_mul(self.count));
                self.count += 1;
                self.ready.push_back(Timed {
                    at,
                    event: Publish {
                        topic: self.defaults.topic.clone(),
                        event: e.event,
                        data: e.data,
                        id,
                        retry: e.retry,
                    },
                });
            }
        }
        self.ready.pop_front().map(Ok)
    }
}

/// One NDJSON line's event (`None` for a comment line); `at` is the time of the last event.
fn ndjson_event(
    text: &str,
    defaults: &Publish,
    at: &mut Duration,
) -> Result<Option<Timed>, String> {
    let json: &RawValue = serde_json::from_str(text).map_err(|e| e.to_string())?;
    if !json.get().starts_with('{') {
        return Err("expected a JSON object".into());
    }
    let mut map: Fields = serde_json::from_str(json.get()).map_err(|e| e.to_string())?;
    if map.contains_key("comment") {
        return Ok(None);
    }
    if let Some(t) = map.remove("t") {
        let ms = serde_json::from_str::<f64>(t.get())
            .ok()
            .filter(|ms| (0.0..=MAX_T_MS).contains(ms))
            .ok_or_else(|| {
                format!(
                    "\"t\" must be milliseconds from the start, 0 to {MAX_T_MS} (a year), not {}",
                    t.get()
                )
            })?;
        *at = (*at).max(Duration::from_secs_f64(ms / 1000.0));
    }
    if map.get("id").is_some_and(|id| id.get() == "\"\"") {
        map.remove("id");
    }
    let event = event_from_fields(map, defaults)?;
    let event = validate(vec![event])?.remove(0);
    Ok(Some(Timed { at: *at, event }))
}

/// A line read a piece at a time, kept only up to a bound: what the capture reader here and
/// `--stdin`'s async reader (generate.rs) share.
#[derive(Default)]
pub(super) struct CappedLine {
    /// Whether any byte came since the last [`CappedLine::start`].
    any: bool,
    /// Whether the line went over the bound (its bytes were dropped).
    too_long: bool,
}

impl CappedLine {
    /// Starts a new line in `line`.
    pub(super) fn start(line: &mut Vec<u8>) -> CappedLine {
        line.clear();
        CappedLine::default()
    }

    /// Takes from `buf` up to and including the first LF into `line` while it holds at most
    /// `max` bytes (plus the line ending); over that, the line is dropped and the rest of it
    /// skipped. The bytes to consume, and the result once the line is complete: `Some(None)` at
    /// the end of the input (`buf` empty) with nothing read, `Some(Some(fits))` for a line.
    pub(super) fn take(
        &mut self,
        buf: &[u8],
        line: &mut Vec<u8>,
        max: usize,
    ) -> (usize, Option<Option<bool>>) {
        if buf.is_empty() {
            return (0, Some(self.any.then_some(!self.too_long)));
        }
        self.any = true;
        let (take, done) = match memchr::memchr(b'\n', buf) {
            Some(i) => (i + 1, true),
            None => (buf.len(), false),
        };
        if !self.too_long && line.len() + take <= max.saturating_add(2) {
            line.extend_from_slice(&buf[..take]);
        } else {
            self.too_long = true;
            line.clear();
        }
        (take, done.then_some(Some(!self.too_long)))
    }
}

/// Reads one line into `line` (LF included). `Ok(None)` at the end; `Ok(Some(false))` when it
/// was longer than `max` (the rest of it is skipped, so memory stays bounded).
fn read_line_capped(
    reader: &mut impl BufRead,
    line: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<bool>> {
    let mut capped = CappedLine::start(line);
    loop {
        let (take, done) = capped.take(reader.fill_buf()?, line, max);
        reader.consume(take);
        if let Some(result) = done {
            return Ok(result);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn capture(text: &[u8]) -> (tempfile::NamedTempFile, anyhow::Result<Capture>) {
        let mut file = tempfile::NamedTempFile::new().unwrap();
        file.write_all(text).unwrap();
        let capture = Capture::open(file.path(), "x");
        (file, capture)
    }

    fn events(text: &[u8]) -> Vec<Timed> {
        let (_file, capture) = capture(text);
        capture
            .unwrap()
            .read()
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn ndjson_captures_keep_timing_ids_and_types() {
        let text = concat!(
            r#"{"event":"a","data":"1","id":"","t":0}"#,
            "\r\n",
            r#"{"comment":"keep-alive"}"#,
            "\n\n",
            r#"{"event":"b","data":"2","id":"9","retry":50,"t":1500}"#,
            "\n"
        );
        let events = events(text.as_bytes());
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].event.id, None);
        assert_eq!(events[1].at, Duration::from_millis(1500));
        assert_eq!(events[1].event.id.as_deref(), Some("9"));
        assert_eq!(events[1].event.retry, Some(50));
        assert_eq!(events[1].event.topic, "x");
        let (_f, err) = capture(b"{\"data\":1}\n{oops\n");
        let err = format!("{:#}", err.unwrap_err());
        assert!(err.starts_with("in ") && err.contains(": line 2:"), "{err}");
    }

    #[test]
    fn absurd_times_are_refused_not_played() {
        for t in ["1e308", "-1", "31536000001", "\"soon\""] {
            let (_f, err) = capture(format!("{{\"data\":\"x\",\"t\":{t}}}\n").as_bytes());
            let err = format!("{:#}", err.unwrap_err());
            assert!(
                err.contains("line 1: \"t\" must be milliseconds"),
                "{t}: {err}"
            );
        }
        assert_eq!(events(b"{\"data\":\"x\",\"t\":31536000000}\n").len(), 1);
    }

    #[test]
    fn raw_captures_are_spaced_and_keep_only_new_ids() {
        let events = events(b"id: 1\ndata: a\n\ndata: b\n\nevent: e\nid: 2\ndata: c\n\n");
        let ids: Vec<_> = events.iter().map(|t| t.event.id.clone()).collect();
        assert_eq!(ids, [Some("1".into()), None, Some("2".into())]);
        assert_eq!(events[2].at, RAW_GAP * 2);
        assert_eq!(events[2].event.event, "e");
    }

    #[test]
    fn only_regular_files_with_events_are_played() {
        let err = Capture::open(Path::new("/dev/zero"), "x").unwrap_err();
        assert!(err.to_string().contains("is not a regular file"), "{err}");
        let (_f, err) = capture(b"  \n\n");
        assert!(
            err.unwrap_err()
                .to_string()
                .ends_with("holds no events to play")
        );
    }
}
