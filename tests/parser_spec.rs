//! The parser against the rules, written from shared/SSE-SPEC.md ("Decoding the bytes", "Lines",
//! "Dispatch"; the WHATWG "Server-sent events" standard wins where they differ) and from the
//! contract in the `//!` docs of src/parse/mod.rs, not from the implementation.
//!
//! Each table row is a name, the stream's bytes and the exact items expected. [`check`] runs a
//! row whole, in 1-byte chunks, split in two at every position and (for short rows) in three at
//! every pair of positions, and requires the same items, `finish()` results and last event ID
//! every time. It also requires the items seen after any prefix of the stream to be the items of
//! that prefix fed whole: a parser must hand out each item as soon as its line has ended, without
//! waiting for the next chunk (so a lone CR dispatches at once).

use ssecat::event::Event;
use ssecat::parse::{Item, ItemRef, ParseError, Parser, parse_all};

// ---------------------------------------------------------------------------------------------
// The harness.

/// Rows up to this many bytes are also split into three chunks at every pair of positions.
const THREE_WAY_MAX: usize = 48;

/// Everything a run of the parser over one or more streams produced.
#[derive(Debug, PartialEq)]
struct Outcome {
    items: Vec<Item>,
    /// What `finish()` returned at the end of each stream.
    discarded: Vec<bool>,
    last_event_id: String,
}

/// Feeds each stream's chunks in order, calling `finish()` after each stream.
fn run(parser: &Parser, streams: &[Vec<&[u8]>]) -> Outcome {
    let mut parser = parser.clone();
    let mut items = Vec::new();
    let mut discarded = Vec::new();
    for chunks in streams {
        for chunk in chunks {
            parser.feed(chunk, |item: ItemRef<'_>| items.push(item.to_item()));
        }
        discarded.push(parser.finish());
    }
    Outcome {
        items,
        discarded,
        last_event_id: parser.last_event_id().to_owned(),
    }
}

/// The ways to cut `input` into chunks, each with a label for failure messages.
fn chunkings(input: &[u8]) -> Vec<(String, Vec<&[u8]>)> {
    let mut out = vec![
        ("whole".to_owned(), vec![input]),
        ("1-byte chunks".to_owned(), input.chunks(1).collect()),
    ];
    for i in 0..=input.len() {
        out.push((format!("split at {i}"), vec![&input[..i], &input[i..]]));
    }
    if input.len() <= THREE_WAY_MAX {
        for i in 1..input.len() {
            for j in i + 1..input.len() {
                let chunks = vec![&input[..i], &input[i..j], &input[j..]];
                out.push((format!("split at {i} and {j}"), chunks));
            }
        }
    }
    out
}

/// Runs `streams` (one per connection) under every chunking and checks that the chunking and
/// the moment of looking change nothing; returns the outcome.
fn check(name: &str, parser: &Parser, streams: &[&[u8]]) -> Outcome {
    let whole: Vec<Vec<&[u8]>> = streams.iter().map(|s| vec![*s]).collect();
    let expected = run(parser, &whole);
    let mut start = parser.clone();
    for (i, stream) in streams.iter().enumerate() {
        for (label, chunks) in chunkings(stream) {
            let mut cut = whole.clone();
            cut[i] = chunks;
            let got = run(parser, &cut);
            assert_eq!(
                got, expected,
                "{name}: stream {i} fed as {label} ≠ fed whole"
            );
        }
        check_prefixes(name, &start, stream);
        start.feed(stream, |_| {});
        start.finish();
    }
    expected
}

/// After each byte fed one at a time, the items so far are those of that prefix fed whole.
fn check_prefixes(name: &str, start: &Parser, stream: &[u8]) {
    let mut bytewise = start.clone();
    let mut items = Vec::new();
    for k in 0..=stream.len() {
        if k > 0 {
            bytewise.feed_to_vec(&stream[k - 1..k], &mut items);
        }
        let mut at_once = start.clone();
        let mut expected = Vec::new();
        at_once.feed_to_vec(&stream[..k], &mut expected);
        assert_eq!(items, expected, "{name}: items after the first {k} bytes");
    }
}

/// (name, stream, the exact items it yields)
type Row<'a> = (&'a str, &'a [u8], Vec<Item>);

/// Checks a table of rows on a default parser, and `parse_all` on each row too.
fn assert_table(table: &[Row<'_>]) {
    for (name, input, expected) in table {
        let got = check(name, &Parser::new(), &[input]);
        let shown = input.escape_ascii();
        assert_eq!(&got.items, expected, "{name}: stream b\"{shown}\"");
        assert_eq!(&parse_all(input), expected, "{name}: parse_all");
    }
}

// Expected items, spelled out.

fn msg(data: &str) -> Item {
    Item::Event(Event::message(data))
}

fn event(kind: &str, data: &str, id: &str, retry: Option<u64>) -> Item {
    Item::Event(Event {
        event: kind.into(),
        data: data.into(),
        id: id.into(),
        retry,
    })
}

fn with_id(data: &str, id: &str) -> Item {
    event("message", data, id, None)
}

fn with_retry(data: &str, ms: u64) -> Item {
    event("message", data, "", Some(ms))
}

fn comment(text: &str) -> Item {
    Item::Comment(text.into())
}

fn too_large(limit: usize, line: u64) -> Item {
    Item::Error(ParseError::EventTooLarge { limit, line })
}

// ---------------------------------------------------------------------------------------------
// Decoding the bytes.

#[test]
fn utf8_decoding_replaces_invalid_sequences() {
    #[rustfmt::skip]
    let table: &[Row<'_>] = &[
        ("valid multi-byte text, split anywhere", "data: é€😀\n\n".as_bytes(), vec![msg("é€😀")]),
        ("invalid byte in data", b"data: a\xFFb\n\n", vec![msg("a\u{FFFD}b")]),
        ("truncated 4-byte sequence: one U+FFFD", b"data: \xF0\x9F\x98\n\n", vec![msg("\u{FFFD}")]),
        ("truncated 3-byte sequence, then text", b"data: \xE2\x82x\n\n", vec![msg("\u{FFFD}x")]),
        ("lead byte, then ASCII", b"data: \xC3(\n\n", vec![msg("\u{FFFD}(")]),
        ("overlong C0 AF: two", b"data: \xC0\xAF\n\n", vec![msg("\u{FFFD}\u{FFFD}")]),
        ("E0 80 80: three", b"data: \xE0\x80\x80\n\n", vec![msg("\u{FFFD}\u{FFFD}\u{FFFD}")]),
        ("surrogate ED A0 80: three", b"data: \xED\xA0\x80\n\n", vec![msg("\u{FFFD}\u{FFFD}\u{FFFD}")]),
        ("above U+10FFFF: four", b"data: \xF4\x90\x80\x80\n\n", vec![msg("\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}")]),
        ("lone continuation bytes", b"data: \x80\xBFz\n\n", vec![msg("\u{FFFD}\u{FFFD}z")]),
        ("F5, FE, FF never valid", b"data: \xF5\xFE\xFF\n\n", vec![msg("\u{FFFD}\u{FFFD}\u{FFFD}")]),
        ("CR ends a truncated sequence", b"data: \xE2\x82\rdata: b\r\r", vec![msg("\u{FFFD}\nb")]),
        ("invalid bytes in the event type", b"event: a\xFFb\ndata: x\n\n", vec![event("a\u{FFFD}b", "x", "", None)]),
        ("invalid bytes in the id", b"id: \xFF1\ndata: x\n\n", vec![with_id("x", "\u{FFFD}1")]),
        ("invalid bytes in a comment", b": \xFE\xFFok\n", vec![comment("\u{FFFD}\u{FFFD}ok")]),
        ("invalid byte makes a field name unknown", b"dat\xE1: x\n\ndata: y\n\n", vec![msg("y")]),
        ("invalid bytes never stop the stream", b"\xFF\xFF\n\n\xC3\ndata: x\n\n", vec![msg("x")]),
        ("NUL in data is kept", b"data: a\0b\n\n", vec![msg("a\0b")]),
        ("U+2028 and NEL are not line endings", "data: a\u{2028}b\u{85}c\n\n".as_bytes(), vec![msg("a\u{2028}b\u{85}c")]),
        ("VT and FF are not line endings", b"data: a\x0Bb\x0Cc\n\n", vec![msg("a\x0Bb\x0Cc")]),
    ];
    assert_table(table);
}

#[test]
fn byte_order_mark_is_dropped_only_at_the_very_start() {
    #[rustfmt::skip]
    let table: &[Row<'_>] = &[
        ("BOM at the start", b"\xEF\xBB\xBFdata: x\n\n", vec![msg("x")]),
        ("BOM at the start, then a comment", b"\xEF\xBB\xBF: hi\n", vec![comment("hi")]),
        ("BOM at the start, CR endings", b"\xEF\xBB\xBFdata: x\r\r", vec![msg("x")]),
        ("only a BOM", b"\xEF\xBB\xBF", vec![]),
        ("second BOM is a character: field \\u{FEFF}data", b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\ndata: y\n\n", vec![msg("y")]),
        ("BOM after the first event is a character", b"data: x\n\n\xEF\xBB\xBFdata: y\n\n", vec![msg("x")]),
        ("BOM after a blank line is a character", b"\n\xEF\xBB\xBF: c\n", vec![]),
        ("BOM inside data", b"data: \xEF\xBB\xBF\n\n", vec![msg("\u{FEFF}")]),
        ("BOM at the start and inside data", b"\xEF\xBB\xBFdata: \xEF\xBB\xBFx\n\n", vec![msg("\u{FEFF}x")]),
        ("partial BOM EF, then text", b"\xEFdata: x\n\ndata: y\n\n", vec![msg("y")]),
        ("partial BOM EF BB, then text", b"\xEF\xBBdata: x\n\ndata: y\n\n", vec![msg("y")]),
        ("partial BOM, then a colon: not a comment", b"\xEF\xBB: c\n", vec![]),
        ("EF BB BE is U+FEFE, not a BOM", b"\xEF\xBB\xBE: c\n", vec![]),
        ("EF, then a whole BOM: both are text", b"\xEF\xEF\xBB\xBF: c\n", vec![]),
        ("partial BOM, then LF", b"\xEF\xBB\ndata: x\n\n", vec![msg("x")]),
    ];
    assert_table(table);
}

#[test]
fn lines_end_at_crlf_lf_and_lone_cr() {
    #[rustfmt::skip]
    let table: &[Row<'_>] = &[
        ("LF", b"data: a\n\n", vec![msg("a")]),
        ("CRLF", b"data: a\r\n\r\n", vec![msg("a")]),
        ("CR", b"data: a\r\r", vec![msg("a")]),
        ("CRLF is one line ending", b"data: a\r\ndata: b\r\n\r\n", vec![msg("a\nb")]),
        ("CR CR is two line endings", b"data: a\r\rdata: b\r\r", vec![msg("a"), msg("b")]),
        ("LF CR: a line, then a blank line", b"data: a\n\r", vec![msg("a")]),
        ("LF CRLF", b"data: a\n\r\ndata: b\n\n", vec![msg("a"), msg("b")]),
        ("CRLF LF", b"data: a\r\n\ndata: b\n\n", vec![msg("a"), msg("b")]),
        ("CR CRLF", b"data: a\r\r\ndata: b\r\r", vec![msg("a"), msg("b")]),
        ("LF CR CR", b"data: a\n\r\rdata: b\n\n", vec![msg("a"), msg("b")]),
        ("all mixed", b"data: a\rdata: b\ndata: c\r\ndata: d\n\r\n", vec![msg("a\nb\nc\nd")]),
        ("CRLF pairs, then LF", b"data: a\r\n\r\n\ndata: b\r\n\r\n", vec![msg("a"), msg("b")]),
        ("blank lines of every kind", b"\r\n\r\r\n\n\r", vec![]),
    ];
    assert_table(table);
}

#[test]
fn lone_cr_dispatches_without_waiting_for_the_next_chunk() {
    for input in [
        &b"data: x\r\r"[..],
        b"data: x\n\r",
        b"data: x\r\n\r",
        b"data: x\r\r\n",
    ] {
        let mut parser = Parser::new();
        let mut items = Vec::new();
        parser.feed_to_vec(input, &mut items);
        let shown = input.escape_ascii();
        assert_eq!(
            items,
            vec![msg("x")],
            "b\"{shown}\" in one chunk, nothing after it"
        );
    }
    // The CR of the blank line ends the previous chunk; the next chunk starts with its LF.
    let mut parser = Parser::new();
    let mut items = Vec::new();
    parser.feed_to_vec(b"data: x\r", &mut items);
    assert_eq!(items, vec![]);
    parser.feed_to_vec(b"\r", &mut items);
    assert_eq!(items, vec![msg("x")]);
    parser.feed_to_vec(b"\ndata: y\r\n", &mut items);
    parser.feed_to_vec(b"\r", &mut items);
    assert_eq!(items, vec![msg("x"), msg("y")]);
    assert!(
        !parser.finish(),
        "the LF skipped after the last CR is not a discarded line"
    );
}

// ---------------------------------------------------------------------------------------------
// Lines.

#[test]
fn field_name_and_value_split_at_the_first_colon() {
    #[rustfmt::skip]
    let table: &[Row<'_>] = &[
        ("one leading space stripped", b"data: x\n\n", vec![msg("x")]),
        ("no space", b"data:x\n\n", vec![msg("x")]),
        ("only ONE space stripped", b"data:  x\n\n", vec![msg(" x")]),
        ("value of spaces", b"data:   \n\n", vec![msg("  ")]),
        ("tab is not stripped", b"data:\tx\n\n", vec![msg("\tx")]),
        ("trailing space kept", b"data: x \n\n", vec![msg("x ")]),
        ("split at the first colon", b"data: a: b\n\n", vec![msg("a: b")]),
        ("colon as the value", b"data::\n\n", vec![msg(":")]),
        ("no colon: empty value", b"data\n\n", vec![msg("")]),
        ("no colon, trailing space: unknown name", b"data \n\n", vec![]),
        ("space before the colon: unknown name", b"data : x\n\n", vec![]),
        ("leading space: unknown name", b" data: x\n\n", vec![]),
        ("names are case-sensitive: Data", b"Data: x\n\n", vec![]),
        ("names are case-sensitive: DATA", b"DATA: x\n\n", vec![]),
        ("names are case-sensitive: Event", b"Event: a\ndata: x\n\n", vec![msg("x")]),
        ("names are case-sensitive: ID", b"ID: 1\ndata: x\n\n", vec![msg("x")]),
        ("names are case-sensitive: Retry", b"Retry: 5\ndata: x\n\n", vec![msg("x")]),
        ("unknown fields ignored", b"foo: bar\ndata: x\nbaz\n\n", vec![msg("x")]),
        ("unknown field alone dispatches nothing", b"foo: bar\n\n", vec![]),
    ];
    assert_table(table);
}

#[test]
fn comments_yield_their_text() {
    #[rustfmt::skip]
    let table: &[Row<'_>] = &[
        ("one leading space stripped", b": hello\n", vec![comment("hello")]),
        ("no space", b":hello\n", vec![comment("hello")]),
        ("only ONE space stripped", b":  two\n", vec![comment(" two")]),
        ("empty comment", b":\n", vec![comment("")]),
        ("a space only", b": \n", vec![comment("")]),
        ("colons inside", b": a: b\n", vec![comment("a: b")]),
        ("looks like a field", b":data: x\n\n", vec![comment("data: x")]),
        ("CR and CRLF endings", b": c\r: d\r\n", vec![comment("c"), comment("d")]),
        ("inside a block: no dispatch, no break", b"data: a\n: c\ndata: b\n\n", vec![comment("c"), msg("a\nb")]),
        ("keep-alives between events", b": ping\n\ndata: a\n\n: ping\n\n", vec![comment("ping"), msg("a"), comment("ping")]),
        ("unterminated comment is not handed out", b": c", vec![]),
        ("a space first: not a comment", b" : c\n", vec![]),
    ];
    assert_table(table);
}

// ---------------------------------------------------------------------------------------------
// Fields and dispatch.

#[test]
fn event_type_defaults_to_message_and_resets_after_each_block() {
    #[rustfmt::skip]
    let table: &[Row<'_>] = &[
        ("event sets the type", b"event: add\ndata: x\n\n", vec![event("add", "x", "", None)]),
        ("reset after dispatch", b"event: add\ndata: x\n\ndata: y\n\n", vec![event("add", "x", "", None), msg("y")]),
        ("does not leak from a data-less block", b"event: add\n\ndata: y\n\n", vec![msg("y")]),
        ("empty value: message", b"event:\ndata: x\n\n", vec![msg("x")]),
        ("no colon: message", b"event\ndata: x\n\n", vec![msg("x")]),
        ("last event line wins", b"event: a\nevent: b\ndata: x\n\n", vec![event("b", "x", "", None)]),
        ("event line after data", b"data: x\nevent: late\n\n", vec![event("late", "x", "", None)]),
        ("one leading space stripped", b"event:  sp\ndata: x\n\n", vec![event(" sp", "x", "", None)]),
        ("explicit message", b"event: message\ndata: x\n\n", vec![msg("x")]),
    ];
    assert_table(table);
}

#[test]
fn data_lines_are_joined_with_lf() {
    #[rustfmt::skip]
    let table: &[Row<'_>] = &[
        ("two lines", b"data: a\ndata: b\n\n", vec![msg("a\nb")]),
        ("empty line in the middle", b"data: a\ndata:\ndata: b\n\n", vec![msg("a\n\nb")]),
        ("exactly one trailing LF removed", b"data: a\ndata\n\n", vec![msg("a\n")]),
        ("two empty data lines", b"data\ndata\n\n", vec![msg("\n")]),
        ("three empty data lines", b"data:\ndata:\ndata:\n\n", vec![msg("\n\n")]),
        ("`data` alone: empty data", b"data\n\n", vec![msg("")]),
        ("`data:` alone: empty data", b"data:\n\n", vec![msg("")]),
        ("`data: ` alone: empty data", b"data: \n\n", vec![msg("")]),
        ("no data: no event", b"event: a\nid: 1\nretry: x\n\n", vec![]),
        ("blank lines alone: nothing", b"\n\n\n\n", vec![]),
        ("extra blank lines: one event", b"data: a\n\n\n\n", vec![msg("a")]),
        ("unterminated last block discarded", b"data: a\n\ndata: b\n", vec![msg("a")]),
        ("unterminated last line discarded", b"data: a\n\ndata: b", vec![msg("a")]),
        ("no blank line at all", b"data: a\ndata: b\n", vec![]),
    ];
    assert_table(table);
}

#[test]
fn retry_takes_ascii_digits_only_and_is_handed_out_at_once() {
    #[rustfmt::skip]
    let table: &[Row<'_>] = &[
        ("alone, no blank line", b"retry: 5\n", vec![Item::Retry(5)]),
        ("no space", b"retry:5\n", vec![Item::Retry(5)]),
        ("zero", b"retry: 0\n", vec![Item::Retry(0)]),
        ("leading zeros", b"retry: 007\n", vec![Item::Retry(7)]),
        ("CR ending, at once", b"retry: 5\r", vec![Item::Retry(5)]),
        ("with an event", b"retry: 3000\ndata: x\n\n", vec![Item::Retry(3000), with_retry("x", 3000)]),
        ("after the data line", b"data: x\nretry: 10\n\n", vec![Item::Retry(10), with_retry("x", 10)]),
        ("data-less block: next event has none", b"retry: 5\n\ndata: x\n\n", vec![Item::Retry(5), msg("x")]),
        ("only its own block's event", b"retry: 5\ndata: a\n\ndata: b\n\n", vec![Item::Retry(5), with_retry("a", 5), msg("b")]),
        ("two in a block: the last", b"retry: 1\nretry: 2\ndata: x\n\n", vec![Item::Retry(1), Item::Retry(2), with_retry("x", 2)]),
        ("invalid after valid keeps the valid", b"retry: 1\nretry: x\ndata: y\n\n", vec![Item::Retry(1), with_retry("y", 1)]),
        ("in an unterminated block, still handed out", b"retry: 5\ndata: x\n", vec![Item::Retry(5)]),
        ("unterminated line: nothing", b"retry: 5", vec![]),
    ];
    assert_table(table);
    // Each of these values is ignored: the event after it has no retry and no Retry item comes.
    let invalid = [
        ":  5", ": +5", ": 5s", ": ", ":", "", ": 5.0", ": -1", ": 5 ", ": 0x10", ": 1e3", ": １",
    ];
    for value in invalid {
        let input = format!("retry{value}\ndata: x\n\n");
        let name = format!("retry line {:?} ignored", format!("retry{value}"));
        assert_table(&[(&name, input.as_bytes(), vec![msg("x")])]);
    }
}

#[test]
fn id_sets_the_last_event_id_which_persists() {
    // (name, stream, items, last_event_id() at the end)
    #[rustfmt::skip]
    let table: &[(&str, &[u8], Vec<Item>, &str)] = &[
        ("id on the event", b"id: 1\ndata: x\n\n", vec![with_id("x", "1")], "1"),
        ("persists to later events", b"id: 1\ndata: a\n\ndata: b\n\n", vec![with_id("a", "1"), with_id("b", "1")], "1"),
        ("id line after data", b"data: a\nid: 2\n\n", vec![with_id("a", "2")], "2"),
        ("last id line wins", b"id: 1\nid: 2\ndata: a\n\n", vec![with_id("a", "2")], "2"),
        ("one leading space stripped", b"id:  7\ndata: a\n\n", vec![with_id("a", " 7")], " 7"),
        ("colon in the value", b"id: a:b\ndata: x\n\n", vec![with_id("x", "a:b")], "a:b"),
        ("empty `id:` resets", b"id: 1\ndata: a\n\nid:\ndata: b\n\n", vec![with_id("a", "1"), msg("b")], ""),
        ("`id` without colon resets", b"id: 1\ndata: a\n\nid\ndata: b\n\n", vec![with_id("a", "1"), msg("b")], ""),
        ("U+0000 in the value: ignored", b"id: 1\ndata: a\n\nid: 2\0\ndata: b\n\n", vec![with_id("a", "1"), with_id("b", "1")], "1"),
        ("only U+0000: ignored", b"id: \0\ndata: a\n\n", vec![msg("a")], ""),
        ("U+0000 in the same block: ignored", b"id: 1\nid: x\0y\ndata: a\n\n", vec![with_id("a", "1")], "1"),
        ("set by a data-less block", b"id: 5\n\ndata: x\n\n", vec![with_id("x", "5")], "5"),
        ("data-less block only", b"id: 5\n\n", vec![], "5"),
        ("reset by a data-less block", b"id: 5\n\nid:\n\ndata: x\n\n", vec![msg("x")], ""),
        ("unterminated last block: no change", b"id: 1\ndata: a\n\nid: 2\n", vec![with_id("a", "1")], "1"),
        ("unterminated last block with data", b"id: 1\ndata: a\n\nid: 2\ndata: b\n", vec![with_id("a", "1")], "1"),
        ("unterminated id line", b"id: 1\n\nid: 2", vec![], "1"),
    ];
    for (name, input, items, last_id) in table {
        let got = check(name, &Parser::new(), &[input]);
        assert_eq!(&got.items, items, "{name}");
        assert_eq!(got.last_event_id, *last_id, "{name}: last_event_id()");
    }
}

#[test]
fn with_last_event_id_seeds_the_last_event_id() {
    assert_eq!(Parser::new().last_event_id(), "");
    let seeded = Parser::new().with_last_event_id("41");
    assert_eq!(seeded.last_event_id(), "41");
    // (name, stream, items, last_event_id() at the end)
    #[rustfmt::skip]
    let table: &[(&str, &[u8], Vec<Item>, &str)] = &[
        ("nothing read", b"", vec![], "41"),
        // The parser's contract, as browsers do it on a reconnect (see `reconnect_*` below).
        ("carried to events", b"data: x\n\n", vec![with_id("x", "41")], "41"),
        ("replaced", b"id: 42\ndata: x\n\n", vec![with_id("x", "42")], "42"),
        ("reset", b"id:\ndata: x\n\n", vec![msg("x")], ""),
        ("not changed by an unterminated block", b"id: 42\n", vec![], "41"),
    ];
    for (name, input, items, last_id) in table {
        let got = check(name, &seeded, &[input]);
        assert_eq!(&got.items, items, "{name}");
        assert_eq!(got.last_event_id, *last_id, "{name}: last_event_id()");
    }
}

// ---------------------------------------------------------------------------------------------
// The end of a stream, and the next one.

#[test]
fn finish_reports_whether_an_unterminated_block_was_discarded() {
    let clean: &[&[u8]] = &[
        b"",
        b"data: x\n\n",
        b"data: x\r\n\r\n",
        b"data: x\r\r",
        b"data: x\n\r",
        b"\n\n",
        b"id: 1\n\n",
        b": keep-alive\n",
        b"data: x\n\n: keep-alive\n",
        b"\xEF\xBB\xBF",
    ];
    let cut: &[&[u8]] = &[
        b"data: x",
        b"data: x\n",
        b"data: x\r",
        b"data: x\r\n",
        b"event: a\n",
        b"id: 1\n",
        b"data: a\n\ndata: b\n",
        b": keep-aliv",
        b"\xEF",
        b"\xEF\xBB",
    ];
    for (inputs, discarded) in [(clean, false), (cut, true)] {
        for input in inputs {
            let name = format!("b\"{}\"", input.escape_ascii());
            let got = check(&name, &Parser::new(), &[input]);
            assert_eq!(got.discarded, vec![discarded], "{name}: finish()");
        }
    }
}

#[test]
fn reconnect_after_finish_starts_a_new_stream_and_keeps_the_last_event_id() {
    // (name, streams, items, finish() after each stream, last_event_id() at the end)
    type Reconnect<'a> = (&'a str, &'a [&'a [u8]], Vec<Item>, &'a [bool], &'a str);
    #[rustfmt::skip]
    let table: &[Reconnect<'_>] = &[
        ("half a block does not leak", &[b"data: a\n", b"data: b\n\n"], vec![msg("b")], &[true, false], ""),
        ("half a line does not leak", &[b"data: a", b"\n\n"], vec![], &[true, false], ""),
        ("event type does not leak", &[b"event: t\n", b"data: b\n\n"], vec![msg("b")], &[true, false], ""),
        ("retry does not leak", &[b"retry: 5\ndata: a\n", b"data: b\n\n"], vec![Item::Retry(5), msg("b")], &[true, false], ""),
        ("BOM allowed again", &[b"data: a\n\n", b"\xEF\xBB\xBFdata: b\n\n"], vec![msg("a"), msg("b")], &[false, false], ""),
        ("BOM allowed after a partial BOM", &[b"\xEF\xBB", b"\xEF\xBB\xBF: c\n"], vec![comment("c")], &[true, false], ""),
        ("second BOM in the new stream is text", &[b"", b"\xEF\xBB\xBF\xEF\xBB\xBF: c\n"], vec![], &[false, false], ""),
        ("last event id kept", &[b"id: 7\ndata: a\n\n", b""], vec![with_id("a", "7")], &[false, false], "7"),
        ("unterminated id not kept", &[b"id: 7\n\nid: 8\n", b""], vec![], &[true, false], "7"),
        // The parser's contract and what browsers do. The standard's own text initialises each
        // stream's last-event-ID buffer to "", which would give event b the id "" instead.
        ("later events carry it", &[b"id: 7\ndata: a\n\n", b"data: b\n\n"], vec![with_id("a", "7"), with_id("b", "7")], &[false, false], "7"),
        ("reset in the new stream", &[b"id: 7\n\n", b"id\ndata: b\n\n"], vec![msg("b")], &[false, false], ""),
    ];
    for (name, streams, items, discarded, last_id) in table {
        let got = check(name, &Parser::new(), streams);
        assert_eq!(&got.items, items, "{name}");
        assert_eq!(&got.discarded, discarded, "{name}: finish()");
        assert_eq!(got.last_event_id, *last_id, "{name}: last_event_id()");
    }
}

// ---------------------------------------------------------------------------------------------
// The size limit.

#[test]
fn size_limit_drops_the_event_with_one_error_and_carries_on() {
    const LIMIT: usize = 16;
    let parser = Parser::new().with_max_event_size(LIMIT);
    assert_eq!(parser.max_event_size(), LIMIT);
    let err = |line| too_large(LIMIT, line);
    // "data: 0123456789" is 16 bytes (at the limit); "data: 0123456789abcdef" is 22 (over).
    // (name, stream, items, finish())
    #[rustfmt::skip]
    let table: &[(&str, &[u8], Vec<Item>, bool)] = &[
        ("line at the limit: accepted", b"data: 0123456789\n\n", vec![msg("0123456789")], false),
        ("line one byte over: dropped", b"data: 0123456789a\n\n", vec![err(1)], false),
        ("dropped, then the next event", b"data: x\n\ndata: 0123456789abcdef\n\ndata: y\n\n", vec![msg("x"), err(3), msg("y")], false),
        ("line numbers count CRLF once", b"data: x\r\n\r\ndata: 0123456789abcdef\r\n\r\ndata: y\r\n\r\n", vec![msg("x"), err(3), msg("y")], false),
        ("line numbers count lone CRs", b"data: x\r\rdata: 0123456789abcdef\r\rdata: y\r\r", vec![msg("x"), err(3), msg("y")], false),
        ("blank and comment lines count", b"\n\n: c\n\ndata: 0123456789abcdef\n\n", vec![comment("c"), err(5)], false),
        ("one error per event", b"data: 0123456789abcdef\ndata: 0123456789abcdef\ndata: x\n\ndata: y\n\n", vec![err(1), msg("y")], false),
        ("two dropped events, two errors", b"data: 0123456789abcdef\n\ndata: 0123456789abcdef\n\n", vec![err(1), err(3)], false),
        ("data accumulating past the limit", b"data: aaaa\ndata: aaaa\ndata: aaaa\ndata: aaaa\n\ndata: y\n\n", vec![err(4), msg("y")], false),
        ("data accumulating within the limit", b"data: aaaa\ndata: aaaa\ndata: aaaa\n\n", vec![msg("aaaa\naaaa\naaaa")], false),
        ("a long comment drops its block's event", b"data: a\n: 0123456789abcdef\n\ndata: b\n\n", vec![err(2), msg("b")], false),
        ("type of the dropped event does not leak", b"event: big\ndata: 0123456789abcdef\n\ndata: y\n\n", vec![err(2), msg("y")], false),
        ("the dropped block's id still counts", b"id: 7\ndata: 0123456789abcdef\n\ndata: y\n\n", vec![err(2), with_id("y", "7")], false),
        ("retry still handed out", b"retry: 5\ndata: 0123456789abcdef\n\n", vec![Item::Retry(5), err(2)], false),
        ("comment after the long line still handed out", b"data: 0123456789abcdef\n: c\n\n", vec![err(1), comment("c")], false),
        ("dropped and unterminated", b"data: 0123456789abcdef\n", vec![err(1)], true),
        ("dropped and unterminated, then more", b"data: 0123456789abcdef\ndata: x\n", vec![err(1)], true),
    ];
    for (name, input, items, discarded) in table {
        let got = check(name, &parser, &[input]);
        assert_eq!(&got.items, items, "{name}");
        assert_eq!(got.discarded, vec![*discarded], "{name}: finish()");
    }
    assert_eq!(
        Parser::new().with_max_event_size(0).max_event_size(),
        1,
        "at least 1"
    );
}

/// Feeds `input` in chunks of `size`, checking the parser's memory after every chunk.
fn items_with_bounded_memory(parser: &Parser, input: &[u8], size: usize) -> Vec<Item> {
    let mut parser = parser.clone();
    let mut items = Vec::new();
    for chunk in input.chunks(size) {
        parser.feed_to_vec(chunk, &mut items);
        let held = parser.buffered_capacity();
        assert!(held < 64 * 1024, "holds {held} bytes (chunks of {size})");
    }
    assert!(!parser.finish());
    items
}

#[test]
fn size_limit_bounds_memory_however_the_long_line_arrives() {
    let parser = Parser::new().with_max_event_size(1024);
    for (line_len, chunk_sizes) in [
        (10 * 1024 * 1024, &[usize::MAX, 64 * 1024, 1460][..]),
        (100 * 1024, &[1, 7, 1023, 1024, 1025]),
    ] {
        let mut input = b"data: x\n\ndata: ".to_vec();
        input.resize(input.len() + line_len, b'a');
        input.extend_from_slice(b"\n\ndata: y\n\n");
        for size in chunk_sizes {
            let items = items_with_bounded_memory(&parser, &input, *size);
            let expected = vec![msg("x"), too_large(1024, 3), msg("y")];
            assert_eq!(items, expected, "{line_len}-byte line in chunks of {size}");
        }
    }
    // Data accumulating from many short lines: 10 MB in 1000-byte data lines.
    let line = format!("data: {}\n", "a".repeat(1000));
    let mut input = line.repeat(10_000).into_bytes();
    input.extend_from_slice(b"\ndata: y\n\n");
    for size in [usize::MAX, 64 * 1024, 999] {
        let items = items_with_bounded_memory(&parser, &input, size);
        assert_eq!(
            items,
            vec![too_large(1024, 2), msg("y")],
            "chunks of {size}"
        );
    }
}
