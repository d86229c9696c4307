//! Printers shared by `listen` and `parse`: one [`Printer`] over any `Write`, chosen by
//! [`Format`], with colour decided once by [`use_color`].
//!
//! - pretty: a header line per event (type, `id=`, `retry=`), then the data as-is, then a blank
//!   line; comments as `: text`. Coloured when colour is on. The type, the id and comments pass
//!   through [`shown`], so a server's control characters (an ESC sequence in an `id:`) cannot
//!   reach the terminal from a header; data is written as received, as curl would.
//! - json: NDJSON, one object per event: `{"event", "data", "id"}` plus `"retry"` when the
//!   event's block set one and `"t"` (ms since start) with timestamps; comments (when shown) as
//!   `{"comment": text}`.
//! - data: each event's data and a newline, for `| jq`.
//! - raw: the bytes as received ([`Printer::raw`]); items print nothing.
//!
//! Timestamps (`[+1.234s] ` prefixes in pretty and data) count from [`PrintOptions::start`].

use std::borrow::Cow;
use std::io::{self, IsTerminal, Write};
use std::time::Instant;

use colored::Colorize;
use serde::Serialize;

use crate::parse::{EventRef, ItemRef};

/// How events are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// For people: a coloured header line, then the data.
    #[default]
    Pretty,
    /// For programs: one JSON object per line.
    Json,
    /// Only each event's data, one event per line.
    Data,
    /// The bytes as received.
    Raw,
}

/// `--format`, as clap sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Event type, id and data, coloured on a terminal.
    Pretty,
    /// NDJSON: one {"event", "data", "id"} object per event.
    Json,
    /// Only the data of each event, one per line (for jq).
    Data,
    /// The response body exactly as received.
    Raw,
}

impl From<FormatArg> for Format {
    fn from(arg: FormatArg) -> Self {
        match arg {
            FormatArg::Pretty => Format::Pretty,
            FormatArg::Json => Format::Json,
            FormatArg::Data => Format::Data,
            FormatArg::Raw => Format::Raw,
        }
    }
}

/// When to colour: from `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// When writing to a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    /// Always, even into a pipe.
    Always,
    /// Never.
    Never,
}

/// Decides once whether stdout gets colour, and tells the `colored` crate.
pub fn use_color(choice: ColorChoice) -> bool {
    let on = color_wanted(choice, io::stdout().is_terminal());
    colored::control::set_override(on);
    on
}

/// Whether to colour output that goes to a terminal or not (`terminal`): `--color`, then
/// `NO_COLOR`, then the terminal. serve's log (stderr) and the stdout printers both decide so.
pub fn color_wanted(choice: ColorChoice, terminal: bool) -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => !no_color && terminal,
    }
}

/// A server's text (an event type, an ID, a comment) as it appears on a line for people:
/// as-is when it has no control character, else Rust-escaped in quotes (`"a\u{1b}b"`), so
/// that it cannot move the cursor, recolour or retitle the terminal, and an odd value stays
/// visible as such.
pub fn shown(text: &str) -> Cow<'_, str> {
    if text.chars().any(char::is_control) {
        Cow::Owned(format!("{text:?}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// [`shown`], cut after `max` characters with the whole length in bytes after it
/// (`ab… (1048576 bytes)`): a peer's text in a message, however long the peer made it.
pub fn clipped(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}… ({} bytes)", shown(&text[..end]), text.len()),
        None => shown(text).into_owned(),
    }
}

/// What to print and how.
#[derive(Debug, Clone, Copy, Default)]
pub struct PrintOptions {
    /// The output format.
    pub format: Format,
    /// Print comments too (keep-alives are comments, so they are hidden by default).
    pub comments: bool,
    /// Pretty-print data that is a JSON object or array (pretty format only).
    pub pretty_json: bool,
    /// Time each event from this instant (`--timestamps`).
    pub start: Option<Instant>,
}

/// Writes parser items to `out` in the chosen format.
#[derive(Debug)]
pub struct Printer<W: Write> {
    out: W,
    options: PrintOptions,
}

#[derive(Serialize)]
struct JsonEvent<'a> {
    event: &'a str,
    data: &'a str,
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    t: Option<u64>,
}

#[derive(Serialize)]
struct JsonComment<'a> {
    comment: &'a str,
}

impl<W: Write> Printer<W> {
    /// A printer writing to `out`.
    pub fn new(out: W, options: PrintOptions) -> Self {
        Printer { out, options }
    }

    /// Prints one item. Retry changes and errors are not printed here: events show their own
    /// retry value, and errors go to stderr through the caller.
    pub fn item(&mut self, item: &ItemRef<'_>) -> io::Result<()> {
        match item {
            ItemRef::Event(event) => self.event(event),
            ItemRef::Comment(text) if self.options.comments => self.comment(text),
            ItemRef::Comment(_) | ItemRef::Retry(_) | ItemRef::Error(_) => Ok(()),
        }
    }

    /// Prints one event.
    pub fn event(&mut self, event: &EventRef<'_>) -> io::Result<()> {
        match self.options.format {
            Format::Json => {
                let json = JsonEvent {
                    event: event.event,
                    data: &event.data,
                    id: event.id,
                    retry: event.retry,
                    t: self
                        .options
                        .start
                        .map(|start| start.elapsed().as_millis() as u64),
                };
                serde_json::to_writer(&mut self.out, &json)?;
                self.out.write_all(b"\n")?;
            }
            Format::Pretty => {
                self.timestamp()?;
                write!(self.out, "{}", shown(event.event).bold().cyan())?;
                if !event.id.is_empty() {
                    write!(self.out, " {}", format!("id={}", shown(event.id)).yellow())?;
                }
                if let Some(ms) = event.retry {
                    write!(self.out, " {}", format!("retry={ms}ms").magenta())?;
                }
                writeln!(self.out)?;
                if !(self.options.pretty_json && self.write_pretty_json(&event.data)?) {
                    self.out.write_all(event.data.as_bytes())?;
                }
                self.out.write_all(b"\n\n")?;
            }
            Format::Data => {
                self.timestamp()?;
                self.out.write_all(event.data.as_bytes())?;
                self.out.write_all(b"\n")?;
            }
            Format::Raw => {}
        }
        Ok(())
    }

    /// Writes `data` pretty-printed when it is a JSON object or array; false when it is not.
    fn write_pretty_json(&mut self, data: &str) -> io::Result<bool> {
        if !data.trim_start().starts_with(['{', '[']) {
            return Ok(false);
        }
        match serde_json::from_str::<serde_json::Value>(data) {
            Ok(value) => {
                serde_json::to_writer_pretty(&mut self.out, &value)?;
                Ok(true)
            }
            Err(_) => Ok(false),
        }
    }

    /// The `[+1.234s] ` prefix, with --timestamps.
    fn timestamp(&mut self) -> io::Result<()> {
        if let Some(start) = self.options.start {
            let prefix = format!("[+{:.3}s]", start.elapsed().as_secs_f64());
            write!(self.out, "{} ", prefix.dimmed())?;
        }
        Ok(())
    }

    /// Writes bytes exactly as received (raw format only).
    pub fn raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.options.format == Format::Raw {
            self.out.write_all(bytes)?;
        }
        Ok(())
    }

    /// Prints one comment.
    pub fn comment(&mut self, text: &str) -> io::Result<()> {
        match self.options.format {
            Format::Json => {
                serde_json::to_writer(&mut self.out, &JsonComment { comment: text })?;
                self.out.write_all(b"\n")?;
            }
            Format::Pretty | Format::Data => {
                self.timestamp()?;
                writeln!(self.out, "{}", format!(": {}", shown(text)).dimmed())?;
            }
            Format::Raw => {}
        }
        Ok(())
    }

    /// Flushes the writer. Callers flush once per chunk of input, not per item, so that
    /// whatever one read brought reaches a pipe at once, in as few writes as possible.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// The writer, for output that is not an item (a summary).
    pub fn writer(&mut self) -> &mut W {
        &mut self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_text_is_clipped_and_escaped() {
        assert_eq!(clipped("abc", 5), "abc");
        assert_eq!(clipped("a\u{1b}b", 5), "\"a\\u{1b}b\"");
        assert_eq!(clipped(&"é".repeat(10), 3), "ééé… (20 bytes)");
    }

    #[test]
    fn shown_borrows_printable_text_and_quotes_text_with_a_control_character() {
        assert!(matches!(shown("abc é ✓"), Cow::Borrowed("abc é ✓")));
        assert!(matches!(shown(""), Cow::Borrowed("")));
        assert_eq!(shown("a\u{1b}[2Jb"), r#""a\u{1b}[2Jb""#);
        assert_eq!(shown("tab\there"), r#""tab\there""#);
        assert_eq!(shown("c1\u{9b}"), r#""c1\u{9b}""#);
        assert_eq!(shown("del\u{7f}"), r#""del\u{7f}""#);
        assert_eq!(shown("say \"hi\"\u{7}"), r#""say \"hi\"\u{7}""#);
    }
}
