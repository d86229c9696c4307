//! serve's log on stderr: one line per connect, disconnect (with its reason), publish and fault,
//! each stamped with the UTC time of day and coloured by kind when stderr is a terminal. Names
//! and IDs from clients pass through [`shown`], so none can write a control code to the log.
//! Warnings a peer can cause at will (an unknown Last-Event-ID, a failing accept) go through a
//! [`Throttle`] and are cut to [`SHOWN_CHARS`], so no peer can fill the disk behind `-q`.

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use colored::{Color, Colorize};

use super::hub::Topics;
use super::stream::EndReason;
use crate::output::shown;
use crate::units::format_size;

/// Where serve says what happens.
#[derive(Debug, Clone, Copy)]
pub struct Log {
    /// Only errors.
    pub quiet: bool,
    /// Colour the kinds.
    pub color: bool,
}

impl Log {
    /// A subscriber connected.
    pub fn connect(
        &self,
        peer: &str,
        topics: &Topics,
        last_event_id: Option<&str>,
        replayed: usize,
    ) {
        self.line("connect", Color::Green, || {
            let resume = match last_event_id {
                Some(id) => format!(" last-event-id={} replayed={replayed}", quoted(id)),
                None => String::new(),
            };
            format!("{peer} topics={}{resume}", shown(&topics.to_string()))
        });
    }

    /// A subscriber's stream ended.
    pub fn disconnect(&self, peer: &str, topics: &Topics, events: u64, bytes: u64, why: EndReason) {
        let color = match why {
            EndReason::Slow => Color::Red,
            _ => Color::Yellow,
        };
        self.line("disconnect", color, || {
            format!(
                "{peer} topics={} events={events} sent={} ({why})",
                shown(&topics.to_string()),
                format_size(bytes)
            )
        });
    }

    /// Events were published.
    pub fn publish(&self, source: &str, count: usize, last_id: &str, delivered: usize) {
        self.line("publish", Color::Cyan, || {
            let events = if count == 1 {
                format!("id={}", shown(last_id))
            } else {
                format!("{count} events, last id={}", shown(last_id))
            };
            format!("{source} {events} delivered={delivered}")
        });
    }

    /// A fault was injected.
    pub fn fault(&self, peer: &str, what: &str) {
        self.line("fault", Color::Magenta, || format!("{peer} {what}"));
    }

    /// Anything else worth a line.
    pub fn info(&self, text: &str) {
        self.line("serve", Color::Blue, || text.to_owned());
    }

    /// A problem: shown even with -q.
    pub fn warn(&self, text: &str) {
        self.write("warning", Color::Red, text);
    }

    /// A problem a peer can cause again and again: shown even with -q, but at most
    /// [`Throttle::LINES`] times per [`Throttle::WINDOW`] for this `throttle`; the next line
    /// shown says how many were left out. The text is only built when it is written.
    pub fn warn_throttled(&self, throttle: &Throttle, text: impl FnOnce() -> String) {
        if let Some(skipped) = throttle.admit(Instant::now()) {
            let text = text();
            match skipped {
                0 => self.warn(&text),
                n => self.warn(&format!("{text} ({n} more like this not shown)")),
            }
        }
    }

    /// A line unless -q; its text is only built when it is written.
    fn line(&self, kind: &str, color: Color, text: impl FnOnce() -> String) {
        if !self.quiet {
            self.write(kind, color, &text());
        }
    }

    fn write(&self, kind: &str, color: Color, text: &str) {
        let stamp = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
        let time = stamp.get(11..23).unwrap_or(&stamp);
        let kind = format!("{kind:<10}");
        let line = if self.color {
            format!("{} {} {text}\n", time.dimmed(), kind.color(color).bold())
        } else {
            format!("{time} {kind} {text}\n")
        };
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

/// Longest piece of peer text (an ID, a topic) a warning quotes.
pub const SHOWN_CHARS: usize = 64;

/// `text` for a log line: escaped by [`shown`] and cut after [`SHOWN_CHARS`] characters, with
/// its length in bytes when it was cut.
pub fn clipped(text: &str) -> String {
    crate::output::clipped(text, SHOWN_CHARS)
}

/// The throttles of the warnings peers can cause, one per kind.
#[derive(Debug, Default)]
pub struct Throttles {
    /// A Last-Event-ID not in the history.
    pub unknown_id: Throttle,
    /// A failed accept (out of file descriptors).
    pub accept: Throttle,
}

/// `text` quoted and escaped as Rust does, cut after [`SHOWN_CHARS`] characters like
/// [`clipped`].
fn quoted(text: &str) -> String {
    match text.char_indices().nth(SHOWN_CHARS) {
        None => format!("{text:?}"),
        Some((end, _)) => format!("{:?}… ({} bytes)", &text[..end], text.len()),
    }
}

/// A budget of log lines for one kind of warning.
#[derive(Debug, Default)]
pub struct Throttle {
    state: Mutex<ThrottleState>,
}

#[derive(Debug, Default)]
struct ThrottleState {
    /// When the current window began.
    since: Option<Instant>,
    /// Lines written in it.
    written: u32,
    /// Lines left out since the last one written.
    skipped: u64,
}

impl Throttle {
    /// Lines written per window.
    pub const LINES: u32 = 5;
    /// The window.
    pub const WINDOW: Duration = Duration::from_secs(10);

    /// Whether a line may be written at `now`: `Some(lines left out before it)` or `None`.
    fn admit(&self, now: Instant) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if state
            .since
            .is_none_or(|since| now.duration_since(since) >= Self::WINDOW)
        {
            state.since = Some(now);
            state.written = 0;
        }
        if state.written >= Self::LINES {
            state.skipped += 1;
            return None;
        }
        state.written += 1;
        Some(std::mem::take(&mut state.skipped))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_throttle_admits_a_few_lines_a_window_and_counts_the_rest() {
        let t = Throttle::default();
        let start = Instant::now();
        let admitted: Vec<_> = (0..8).map(|_| t.admit(start)).collect();
        assert_eq!(admitted[..5], [Some(0); 5]);
        assert_eq!(admitted[5..], [None; 3]);
        assert_eq!(t.admit(start + Throttle::WINDOW), Some(3));
        assert_eq!(t.admit(start + Throttle::WINDOW), Some(0));
    }

    #[test]
    fn clipped_text_is_escaped_and_cut() {
        assert_eq!(clipped("abc"), "abc");
        assert_eq!(clipped("a\nb"), "\"a\\nb\"");
        let long = "é".repeat(100);
        assert_eq!(clipped(&long), format!("{}… (200 bytes)", "é".repeat(64)));
        assert_eq!(clipped("a\u{1b}"), "\"a\\u{1b}\"");
        assert_eq!(quoted("a"), "\"a\"");
        let long = "x".repeat(100);
        assert_eq!(
            quoted(&long),
            format!("\"{}\"… (100 bytes)", "x".repeat(64))
        );
    }
}
