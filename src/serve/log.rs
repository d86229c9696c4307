//! serve's log on stderr: one line per connect, disconnect (with its reason), publish and fault,
//! each stamped with the UTC time of day and coloured by kind when stderr is a terminal. Names
//! and IDs from clients pass through [`shown`], so none can write a control code to the log.

use std::io::Write;
use std::time::SystemTime;

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
                Some(id) => format!(" last-event-id={id:?} replayed={replayed}"),
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
