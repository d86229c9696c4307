//! The event-stream parser: bytes in, items out. No I/O, no async, no allocation per line.
//!
//! A plain incremental state machine over byte chunks of any size, following shared/SSE-SPEC.md
//! (the WHATWG "Server-sent events" parsing rules):
//!
//! - UTF-8 with replacement: invalid sequences become U+FFFD, never an error. A BOM is dropped
//!   only at the very start of the stream, even when its three bytes arrive in separate chunks.
//! - CRLF, LF and lone CR end a line; a CR at the end of a chunk ends the line at once and a
//!   following LF at the start of the next chunk is skipped.
//! - Fields: `event`, `data`, `id` (ignored when it holds U+0000), `retry` (ASCII digits only);
//!   the last event ID persists across events and is updated by blocks without data too.
//! - Items out: [`ItemRef::Event`], [`ItemRef::Comment`], [`ItemRef::Retry`] (as soon as a valid
//!   `retry` line is read, so a client can honour it even without an event) and
//!   [`ItemRef::Error`] when an event outgrows the size limit.
//!
//! Cost: each input byte is scanned once (memchr) and copied at most twice (into the partial-line
//! buffer when a line spans chunks, then into the data buffer), so time is linear in the input
//! however it is chunked. Memory is bounded by the maximum event size: a longer line or event is
//! reported as an error item and dropped, and parsing carries on with the next event.
//!
//! Text is decoded only where it is handed out: field names are matched as bytes, and since the
//! line and field separators are ASCII, decoding per line or per field gives the same text as
//! decoding the whole stream first. The complete lines of a chunk are checked as UTF-8 once,
//! together (one SIMD pass), and the values inside them are then borrowed without another check;
//! only a chunk with invalid text, and lines rebuilt across chunks, are decoded value by value.

use std::borrow::Cow;

use memchr::{memchr, memchr2, memrchr2};

use crate::event::Event;
use crate::units::format_size;

#[doc(hidden)]
pub mod fuzz;

/// What to tell the user when [`Parser::finish`] discarded an unterminated last block.
pub const DISCARDED_AT_END: &str =
    "the stream ended inside an event; its unterminated last block was discarded";

/// The default limit on one event (its data) and on one line: 16 MiB.
pub const DEFAULT_MAX_EVENT_SIZE: usize = 16 * 1024 * 1024;

const BOM: &[u8; 3] = b"\xEF\xBB\xBF";

/// Buffers grown beyond this by one big event are shrunk back after it, so one huge event does
/// not pin its memory for the life of the stream.
const KEEP_CAPACITY: usize = 64 * 1024;

/// Something the stream said that does not fit the rules we enforce.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// A line or an event's data outgrew the maximum event size; the event was dropped.
    #[error(
        "line {line}: event larger than the maximum event size of {}; dropped",
        format_size(*limit as u64)
    )]
    EventTooLarge {
        /// The limit in bytes.
        limit: usize,
        /// The 1-based line number at which the limit was crossed.
        line: u64,
    },
}

/// An event borrowed from the parser's buffers; valid until the next item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRef<'a> {
    /// The event type: `message` when the block set none.
    pub event: &'a str,
    /// The data lines joined with LF.
    pub data: Cow<'a, str>,
    /// The stream's last event ID after this block; empty when there is none.
    pub id: &'a str,
    /// The reconnection time this event's own block set, in milliseconds.
    pub retry: Option<u64>,
}

impl EventRef<'_> {
    /// Copies the event out of the parser's buffers.
    pub fn to_event(&self) -> Event {
        Event {
            event: self.event.to_owned(),
            data: self.data.clone().into_owned(),
            id: self.id.to_owned(),
            retry: self.retry,
        }
    }
}

/// What the parser yields, borrowed. See [`Item`] for the owned form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemRef<'a> {
    /// A dispatched event.
    Event(EventRef<'a>),
    /// A comment line's text (after the colon, one leading space removed).
    Comment(Cow<'a, str>),
    /// A valid `retry` line: the new reconnection time in milliseconds.
    Retry(u64),
    /// A limit was crossed and an event dropped; parsing goes on.
    Error(ParseError),
}

impl ItemRef<'_> {
    /// Copies the item out of the parser's buffers.
    pub fn to_item(&self) -> Item {
        match self {
            ItemRef::Event(e) => Item::Event(e.to_event()),
            ItemRef::Comment(c) => Item::Comment(c.clone().into_owned()),
            ItemRef::Retry(ms) => Item::Retry(*ms),
            ItemRef::Error(e) => Item::Error(e.clone()),
        }
    }
}

/// What the parser yields, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    /// A dispatched event.
    Event(Event),
    /// A comment line's text.
    Comment(String),
    /// A valid `retry` line, in milliseconds.
    Retry(u64),
    /// A limit was crossed and an event dropped.
    Error(ParseError),
}

/// Where the parser stands on the byte order mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bom {
    /// At the start of the stream, with this many bytes of a BOM seen so far.
    Pending(u8),
    /// Past the start of the stream.
    Done,
}

/// The streaming parser. Feed it chunks with [`Parser::feed`]; call [`Parser::finish`] when
/// the stream ends. It can then parse a new stream (a reconnect) and keeps the last event ID.
#[derive(Debug, Clone)]
pub struct Parser {
    max: usize,
    bom: Bom,
    /// The previous chunk ended in CR: an LF at the start of the next one is part of that ending.
    skip_lf: bool,
    /// The start of a line that has not ended yet.
    line: Vec<u8>,
    /// The current line outgrew the limit: drop its bytes up to its end.
    skipping_line: bool,
    /// The current block outgrew the limit: it dispatches no event.
    dropped: bool,
    /// Lines completed so far, for error messages.
    lines: u64,
    data: Vec<u8>,
    event_type: String,
    id_buffer: String,
    /// An `id:` line set the id buffer since the last blank line, so it may differ from the
    /// last event ID (checked here so a block without one costs no string comparison).
    id_set: bool,
    last_event_id: String,
    block_retry: Option<u64>,
}

impl Default for Parser {
    fn default() -> Self {
        Parser::new()
    }
}

impl Parser {
    /// A parser with the default maximum event size and no last event ID.
    pub fn new() -> Self {
        Parser {
            max: DEFAULT_MAX_EVENT_SIZE,
            bom: Bom::Pending(0),
            skip_lf: false,
            line: Vec::new(),
            skipping_line: false,
            dropped: false,
            lines: 0,
            data: Vec::new(),
            event_type: String::new(),
            id_buffer: String::new(),
            id_set: false,
            last_event_id: String::new(),
            block_retry: None,
        }
    }

    /// Sets the largest line and the largest event data, in bytes, the parser will hold (at
    /// least 1). Anything larger is reported as [`ParseError::EventTooLarge`] and dropped.
    pub fn with_max_event_size(mut self, max: usize) -> Self {
        self.max = max.max(1);
        self
    }

    /// Seeds the last event ID, as a reconnect does with the ID the previous connection reached.
    pub fn with_last_event_id(mut self, id: impl Into<String>) -> Self {
        self.last_event_id = id.into();
        self.id_buffer.clone_from(&self.last_event_id);
        self
    }

    /// The stream's last event ID as of the last completed block.
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// The maximum event size in bytes.
    pub fn max_event_size(&self) -> usize {
        self.max
    }

    /// Bytes of buffer capacity the parser holds now. Bounded by the maximum event size whatever
    /// the input: about twice it for ordinary text, and at worst about nine times it when the
    /// `event` and `id` lines are the limit's length in invalid UTF-8 (each bad byte becomes a
    /// three-byte U+FFFD) — tests/parser_props.rs checks a bound of 24 times.
    pub fn buffered_capacity(&self) -> usize {
        self.line.capacity()
            + self.data.capacity()
            + self.event_type.capacity()
            + self.id_buffer.capacity()
            + self.last_event_id.capacity()
    }

    /// Parses one chunk of the stream, handing each item to `sink` in stream order.
    pub fn feed(&mut self, chunk: &[u8], mut sink: impl FnMut(ItemRef<'_>)) {
        let mut chunk = chunk;
        if let Bom::Pending(seen) = self.bom {
            let mut matched = usize::from(seen);
            let mut used = 0;
            while matched < BOM.len() && used < chunk.len() && chunk[used] == BOM[matched] {
                matched += 1;
                used += 1;
            }
            if matched == BOM.len() {
                self.bom = Bom::Done;
                chunk = &chunk[used..];
            } else if used == chunk.len() {
                // Every byte so far may still be a BOM: wait for more.
                self.bom = Bom::Pending(matched as u8);
                return;
            } else {
                // Not a BOM after all: the bytes held back from earlier chunks are text, and
                // this chunk is parsed whole.
                self.bom = Bom::Done;
                self.scan(&BOM[..usize::from(seen)], &mut sink);
            }
        }
        self.scan(chunk, &mut sink);
    }

    /// Parses a chunk and appends the owned items to `items`. Convenient, but it allocates
    /// per item; [`Parser::feed`] does not.
    pub fn feed_to_vec(&mut self, chunk: &[u8], items: &mut Vec<Item>) {
        self.feed(chunk, |item| items.push(item.to_item()));
    }

    /// Ends the stream: an unterminated last block is discarded, as the standard requires.
    /// Returns whether anything was discarded (a partial line, or a block that had fields but
    /// no closing blank line). The parser is then ready for a new stream (its BOM included)
    /// and keeps the last event ID.
    pub fn finish(&mut self) -> bool {
        let discarded = !self.line.is_empty()
            || self.skipping_line
            || self.dropped
            || !self.data.is_empty()
            || !self.event_type.is_empty()
            || self.id_buffer != self.last_event_id
            || matches!(self.bom, Bom::Pending(n) if n > 0);
        let last_event_id = std::mem::take(&mut self.last_event_id);
        let max = self.max;
        *self = Parser::new()
            .with_max_event_size(max)
            .with_last_event_id(last_event_id);
        discarded
    }

    /// Splits `buf` into lines; the first may continue a line from earlier chunks, the last may
    /// be continued by later ones.
    ///
    /// `pending` is the zero-copy path: while a block's data is a single `data` line inside
    /// `buf`, its value stays there and the event is handed out straight from the chunk; it is
    /// copied into the data buffer only when a second data line comes or the chunk ends first.
    fn scan<'b>(&mut self, mut buf: &'b [u8], sink: &mut impl FnMut(ItemRef<'_>)) {
        let mut pending: Option<&'b [u8]> = None;
        // The rest of the chunk up to its last line ending, as text when it is valid UTF-8 (a
        // line ending is ASCII, so no character is cut): one check instead of one per value.
        // Taken at the first line that starts in this chunk, so a chunk inside a long line
        // costs no extra pass.
        let mut valid: Option<Option<&'b str>> = None;
        loop {
            if self.skip_lf {
                match buf.first() {
                    None => return self.settle(&mut pending),
                    Some(b'\n') => buf = &buf[1..],
                    Some(_) => {}
                }
                self.skip_lf = false;
            }
            // Blank lines (half the lines of a typical stream) end at once: skip the search.
            let end = if matches!(buf.first(), Some(b'\n' | b'\r')) {
                0
            } else if let Some(end) = memchr2(b'\n', b'\r', buf) {
                end
            } else {
                self.settle(&mut pending);
                return self.hold(buf, sink);
            };
            self.skip_lf = buf[end] == b'\r';
            if self.skipping_line {
                self.skipping_line = false;
                self.lines += 1;
            } else if self.line.is_empty() {
                let valid = *valid.get_or_insert_with(|| {
                    let last = memrchr2(b'\n', b'\r', buf).unwrap_or(end);
                    simdutf8::basic::from_utf8(&buf[..last]).ok()
                });
                self.process_line(&buf[..end], valid, &mut pending, sink);
            } else if self.line.len() + end > self.max {
                self.line.clear();
                self.lines += 1;
                self.overflow(sink);
            } else {
                // Only the first line of a chunk can continue an earlier one, so nothing is
                // pending yet; a data value from this rebuilt line is copied at once.
                let mut line = std::mem::take(&mut self.line);
                line.extend_from_slice(&buf[..end]);
                let mut held = None;
                self.process_line(&line, None, &mut held, sink);
                self.settle(&mut held);
                line.clear();
                if line.capacity() > KEEP_CAPACITY {
                    line.shrink_to(KEEP_CAPACITY);
                }
                self.line = line;
            }
            buf = &buf[end + 1..];
        }
    }

    /// Keeps the start of a line that continues in the next chunk, within the limit.
    fn hold(&mut self, part: &[u8], sink: &mut impl FnMut(ItemRef<'_>)) {
        if self.skipping_line || part.is_empty() {
            return;
        }
        if self.line.len() + part.len() > self.max {
            self.line = Vec::new();
            self.skipping_line = true;
            self.error(self.lines + 1, sink);
        } else {
            self.line.extend_from_slice(part);
        }
    }

    /// Copies a pending data value (see [`Parser::scan`]) into the data buffer.
    fn settle(&mut self, pending: &mut Option<&[u8]>) {
        if let Some(value) = pending.take() {
            self.data.reserve(value.len() + 1);
            self.data.extend_from_slice(value);
            self.data.push(b'\n');
        }
    }

    /// Handles one complete line (without its ending). `valid` is text the line may lie in,
    /// already checked (see [`decode_in`]).
    fn process_line<'b>(
        &mut self,
        line: &'b [u8],
        valid: Option<&'b str>,
        pending: &mut Option<&'b [u8]>,
        sink: &mut impl FnMut(ItemRef<'_>),
    ) {
        self.lines += 1;
        if line.len() > self.max {
            *pending = None;
            return self.overflow(sink);
        }
        let Some(&first) = line.first() else {
            return self.dispatch(pending, valid, sink);
        };
        if first == b':' {
            let text = strip_space(&line[1..]);
            return sink(ItemRef::Comment(decode_in(valid, text)));
        }
        // Known field names are at most 5 bytes: only the first 6 bytes can hold a colon that
        // matters; a longer name is an unknown field and the line is ignored.
        let (name, value) = match line.iter().take(6).position(|&b| b == b':') {
            Some(colon) => (&line[..colon], strip_space(&line[colon + 1..])),
            None if line.len() <= 5 => (line, &b""[..]),
            None => return,
        };
        match name {
            b"data" if !self.dropped => {
                let held = self.data.len() + pending.map_or(0, |p| p.len() + 1);
                if held + value.len() + 1 > self.max {
                    *pending = None;
                    self.overflow(sink);
                } else if held == 0 {
                    *pending = Some(value);
                } else {
                    self.settle(pending);
                    // One reservation for the value and its LF: extend_from_slice alone reserves
                    // exactly, and the push would then double the buffer and copy it again.
                    self.data.reserve(value.len() + 1);
                    self.data.extend_from_slice(value);
                    self.data.push(b'\n');
                }
            }
            b"event" => {
                self.event_type.clear();
                self.event_type.push_str(&decode_in(valid, value));
            }
            b"id" if memchr(0, value).is_none() => {
                self.id_buffer.clear();
                self.id_buffer.push_str(&decode_in(valid, value));
                self.id_set = true;
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                // Digits only; an absurdly long number saturates rather than being ignored.
                let ms = value.iter().fold(0u64, |n, d| {
                    n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                });
                self.block_retry = Some(ms);
                sink(ItemRef::Retry(ms));
            }
            _ => {}
        }
    }

    /// The blank line: commit the last event ID, then dispatch the event if there is data.
    fn dispatch(
        &mut self,
        pending: &mut Option<&[u8]>,
        valid: Option<&str>,
        sink: &mut impl FnMut(ItemRef<'_>),
    ) {
        if std::mem::take(&mut self.id_set) && self.last_event_id != self.id_buffer {
            self.last_event_id.clone_from(&self.id_buffer);
        }
        let retry = self.block_retry.take();
        let dropped = std::mem::replace(&mut self.dropped, false);
        let pending = pending.take();
        if !dropped && (pending.is_some() || !self.data.is_empty()) {
            let data = match pending {
                Some(value) => value,
                None => {
                    self.data.pop();
                    &self.data[..]
                }
            };
            let event = if self.event_type.is_empty() {
                "message"
            } else {
                &self.event_type
            };
            sink(ItemRef::Event(EventRef {
                event,
                data: decode_in(valid, data),
                id: &self.last_event_id,
                retry,
            }));
        }
        self.data.clear();
        self.event_type.clear();
        if self.data.capacity() > KEEP_CAPACITY {
            self.data.shrink_to(KEEP_CAPACITY);
        }
    }

    /// The current line or event is too large: drop the event, once per block.
    fn overflow(&mut self, sink: &mut impl FnMut(ItemRef<'_>)) {
        self.error(self.lines, sink);
    }

    fn error(&mut self, line: u64, sink: &mut impl FnMut(ItemRef<'_>)) {
        self.data = Vec::new();
        if !self.dropped {
            self.dropped = true;
            sink(ItemRef::Error(ParseError::EventTooLarge {
                limit: self.max,
                line,
            }));
        }
    }
}

/// UTF-8 with replacement. Valid text (the common case) is checked with SIMD (simdutf8), several
/// times faster than `String::from_utf8_lossy`'s byte-at-a-time walk; invalid text takes the
/// lossy path.
#[inline]
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match simdutf8::basic::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// `bytes` as text, borrowed from `valid` (text already checked) without another check when
/// `bytes` lies inside it; else [`decode`]. Two live borrows whose addresses overlap are the
/// same memory, so the address test cannot mistake other bytes for checked ones.
#[inline]
fn decode_in<'a>(valid: Option<&'a str>, bytes: &'a [u8]) -> Cow<'a, str> {
    if let Some(valid) = valid {
        let start = (bytes.as_ptr() as usize).wrapping_sub(valid.as_ptr() as usize);
        if start <= valid.len() && bytes.len() <= valid.len() - start {
            if let Some(text) = valid.get(start..start + bytes.len()) {
                return Cow::Borrowed(text);
            }
        }
    }
    decode(bytes)
}

/// Removes one leading space, if there is one.
fn strip_space(value: &[u8]) -> &[u8] {
    value.strip_prefix(b" ").unwrap_or(value)
}

/// Parses a whole stream at once into owned items, with the default settings.
pub fn parse_all(stream: &[u8]) -> Vec<Item> {
    let mut parser = Parser::new();
    let mut items = Vec::new();
    parser.feed_to_vec(stream, &mut items);
    parser.finish();
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_in_borrows_only_what_lies_inside_the_checked_text() {
        let chunk = "data: é\nid: 7\n".as_bytes();
        let valid = std::str::from_utf8(chunk).ok();
        let value = &chunk[6..8];
        assert!(matches!(decode_in(valid, value), Cow::Borrowed("é")));
        // Other memory with the same bytes is checked on its own, and invalid bytes replaced.
        let copy = value.to_vec();
        assert_eq!(decode_in(valid, &copy), "é");
        assert_eq!(decode_in(valid, b"\xFFx"), "\u{FFFD}x");
        // Half of the two-byte character: not a boundary of the checked text, so decoded alone.
        assert_eq!(decode_in(valid, &chunk[6..7]), "\u{FFFD}");
        assert_eq!(decode_in(valid, &chunk[..0]), "");
        assert_eq!(decode_in(None, value), "é");
    }

    #[test]
    fn a_chunk_with_an_invalid_byte_still_decodes_its_other_lines() {
        let items = parse_all(b"data: \xC3\xA9\n\ndata: \xFF\n\ndata: ok\n\n");
        let data: Vec<String> = items
            .iter()
            .filter_map(|i| match i {
                Item::Event(e) => Some(e.data.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(data, ["é", "\u{FFFD}", "ok"]);
    }
}
