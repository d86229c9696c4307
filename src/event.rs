//! One server-sent event, owned, and its wire encoding.
//!
//! The parser hands out borrowed [`crate::parse::EventRef`]s on its hot path; [`Event`] is the
//! owned form for code that keeps events around (tests, listen's filters, serve's history).

use std::fmt::Write as _;

/// A dispatched event, as a browser's `MessageEvent` would see it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    /// The event type: `message` when the stream gave none.
    pub event: String,
    /// The data lines joined with LF (the last LF removed).
    pub data: String,
    /// The stream's last event ID at dispatch time; empty when there is none.
    pub id: String,
    /// The reconnection time in milliseconds, when this event's own block set a valid one.
    pub retry: Option<u64>,
}

impl Event {
    /// An event of type `message` with the given data and no id.
    pub fn message(data: impl Into<String>) -> Self {
        Event {
            event: "message".into(),
            data: data.into(),
            ..Event::default()
        }
    }

    /// Appends this event's wire form, closed by a blank line, to `out`.
    ///
    /// The `event:` line is left out for type `message`, the `id:` line when the id is empty
    /// (so encoding does not reset a previous id), `retry:` when unset. Data is split on every
    /// line ending (CRLF, LF, CR) into `data:` lines; a CR or LF inside the type or the id cannot
    /// be represented on the wire and is dropped.
    pub fn encode(&self, out: &mut String) {
        if !self.event.is_empty() && self.event != "message" {
            out.push_str("event: ");
            push_single_line(out, &self.event);
            out.push('\n');
        }
        if !self.id.is_empty() {
            out.push_str("id: ");
            push_single_line(out, &self.id);
            out.push('\n');
        }
        if let Some(ms) = self.retry {
            let _ = writeln!(out, "retry: {ms}");
        }
        for line in split_lines(&self.data) {
            out.push_str("data: ");
            out.push_str(line);
            out.push('\n');
        }
        out.push('\n');
    }
}

fn push_single_line(out: &mut String, value: &str) {
    out.extend(value.chars().filter(|c| *c != '\r' && *c != '\n'));
}

/// Splits on CRLF, LF and CR, the three line endings of the event-stream format.
/// An empty string is one empty line.
fn split_lines(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let s = rest?;
        match s.find(['\r', '\n']) {
            None => {
                rest = None;
                Some(s)
            }
            Some(i) => {
                let skip = if s[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&s[i + skip..]);
                Some(&s[..i])
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_all_fields_and_splits_data_lines() {
        let ev = Event {
            event: "update".into(),
            data: "a\r\nb\nc\rd".into(),
            id: "7".into(),
            retry: Some(1500),
        };
        let mut out = String::new();
        ev.encode(&mut out);
        assert_eq!(
            out,
            "event: update\nid: 7\nretry: 1500\ndata: a\ndata: b\ndata: c\ndata: d\n\n"
        );
    }

    #[test]
    fn empty_data_is_one_data_line_and_message_type_is_implicit() {
        let mut out = String::new();
        Event::message("").encode(&mut out);
        assert_eq!(out, "data: \n\n");
    }

    #[test]
    fn line_breaks_in_type_and_id_are_dropped() {
        let ev = Event {
            event: "a\nb".into(),
            data: "x".into(),
            id: "1\r2".into(),
            retry: None,
        };
        let mut out = String::new();
        ev.encode(&mut out);
        assert_eq!(out, "event: ab\nid: 12\ndata: x\n\n");
    }
}
