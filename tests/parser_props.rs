//! Property tests for the streaming parser (src/parse/), rules in shared/SSE-SPEC.md.
//!
//! - Chunking: whatever the chunk boundaries (all 1-byte chunks, empty chunks, random sizes),
//!   the items (and the last event ID and `finish()`'s verdict) are the ones the whole stream
//!   gives in one `feed`, with the default and with a small maximum event size; with a small
//!   one, the parser's buffers stay bounded after every chunk.
//! - A reference model: a naive, whole-stream transcription of the spec's rules gives the same
//!   items as the parser (default size limit, which these inputs never reach). With a small
//!   limit, a stream that yields no error item yields exactly the unlimited items.
//! - Round trip: `Event::encode` then the parser gives the events back.
//! - Fuzz smoke: `ssecat::parse::fuzz::check` (the cargo-fuzz target's invariants, see fuzz/)
//!   on random and biased inputs, so CI runs them on stable without a fuzzer.
//!
//! The inputs come from a biased generator: field lines (`data`, `event`, `id`, `retry`, near
//! misses and unknown names) with every separator variant, comments, blank lines, all three line
//! endings, BOMs (whole, partial, doubled, mid-stream), invalid UTF-8, NUL, and raw random bytes;
//! plus fully random byte strings.
//!
//! Case counts are modest by default (the file runs in a few seconds in a debug build);
//! `PROPTEST_CASES=10000 cargo test --test parser_props` runs more. Failures are not persisted to
//! a regressions file: a minimal failing input found here belongs in a plain `#[test]` below.

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use ssecat::event::Event;
use ssecat::parse::{DEFAULT_MAX_EVENT_SIZE, Item, ParseError, Parser};

// ---------------------------------------------------------------------------------------------
// Configuration and helpers

/// `cases` unless `PROPTEST_CASES` is set (proptest's default config reads it; an explicit
/// count would override it).
fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config.failure_persistence = None;
    config
}

/// The most buffer capacity a parser with limit `max` may hold. Each of its five buffers holds
/// at most one line or one event's data (at most `max` bytes); the event type and the ids are
/// decoded text, where one invalid byte becomes a 3-byte U+FFFD, so up to `3 * max`; `Vec`
/// growth at most doubles a length: 2 * (max + max + 3max + 3max + 3max) = 22 max, plus the
/// small minimum allocations. The same bound as `ssecat::parse::fuzz::items_of`.
fn capacity_bound(max: usize) -> usize {
    24 * max + 64
}

/// What a parser made of a stream.
#[derive(Debug, PartialEq)]
struct Parsed {
    items: Vec<Item>,
    /// `last_event_id()` after `finish()`: what a reconnect would send.
    last_event_id: String,
    /// What `finish()` returned: whether an unterminated block was discarded.
    discarded: bool,
}

/// Feeds `stream` in chunks whose sizes cycle through `sizes` (0 feeds an empty chunk; at least
/// one size must be non-zero), then finishes. Also returns the largest `buffered_capacity()`
/// seen after any chunk.
fn parse_chunked(stream: &[u8], max: usize, sizes: &[usize]) -> (Parsed, usize) {
    assert!(
        sizes.iter().any(|&s| s > 0),
        "chunk sizes {sizes:?} never advance"
    );
    let mut parser = Parser::new().with_max_event_size(max);
    let mut items = Vec::new();
    let mut peak = 0;
    let mut rest = stream;
    for &size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        parser.feed_to_vec(chunk, &mut items);
        peak = peak.max(parser.buffered_capacity());
        rest = tail;
    }
    let discarded = parser.finish();
    let last_event_id = parser.last_event_id().to_owned();
    (
        Parsed {
            items,
            last_event_id,
            discarded,
        },
        peak,
    )
}

/// The whole stream in one `feed`.
fn parse_whole(stream: &[u8], max: usize) -> (Parsed, usize) {
    parse_chunked(stream, max, &[stream.len().max(1)])
}

/// A naive transcription of shared/SSE-SPEC.md over the whole stream, without any size limit:
/// decode (lossy UTF-8, one leading BOM dropped), split into lines on CRLF / LF / CR, drop the
/// unterminated tail, and run the field rules.
///
/// The spec does not say what a `retry` value too large for the client's integers means; this
/// model saturates at `u64::MAX`, as the parser does.
fn model(stream: &[u8]) -> (Vec<Item>, String) {
    let text = String::from_utf8_lossy(stream);
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);

    let mut lines = Vec::new();
    let mut rest = text;
    while let Some(end) = rest.find(['\r', '\n']) {
        lines.push(&rest[..end]);
        let skip = if rest[end..].starts_with("\r\n") {
            2
        } else {
            1
        };
        rest = &rest[end + skip..];
    }
    // `rest` is the unterminated last line: discarded, with the block it belongs to.

    let mut items = Vec::new();
    let (mut data, mut event_type) = (String::new(), String::new());
    let (mut id_buffer, mut last_event_id) = (String::new(), String::new());
    let mut block_retry = None;
    for line in lines {
        if line.is_empty() {
            last_event_id.clone_from(&id_buffer);
            let retry = block_retry.take();
            if !data.is_empty() {
                data.pop();
                let event = if event_type.is_empty() {
                    "message".into()
                } else {
                    event_type.clone()
                };
                items.push(Item::Event(Event {
                    event,
                    data: std::mem::take(&mut data),
                    id: last_event_id.clone(),
                    retry,
                }));
            }
            data.clear();
            event_type.clear();
            continue;
        }
        if let Some(comment) = line.strip_prefix(':') {
            items.push(Item::Comment(
                comment.strip_prefix(' ').unwrap_or(comment).into(),
            ));
            continue;
        }
        let (name, value) = match line.split_once(':') {
            Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match name {
            "event" => event_type = value.into(),
            "data" => {
                data.push_str(value);
                data.push('\n');
            }
            "id" if !value.contains('\0') => id_buffer = value.into(),
            "retry" if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) => {
                let ms = value.bytes().fold(0u64, |n, d| {
                    n.saturating_mul(10).saturating_add(u64::from(d - b'0'))
                });
                block_retry = Some(ms);
                items.push(Item::Retry(ms));
            }
            _ => {}
        }
    }
    (items, last_event_id)
}

// ---------------------------------------------------------------------------------------------
// Generators

fn line_ending() -> impl Strategy<Value = &'static [u8]> {
    select(vec![&b"\n"[..], b"\r", b"\r\n"])
}

fn field_name() -> impl Strategy<Value = &'static [u8]> {
    prop_oneof![
        4 => Just(&b"data"[..]),
        2 => Just(&b"event"[..]),
        2 => Just(&b"id"[..]),
        2 => Just(&b"retry"[..]),
        // Near misses and unknown fields: all ignored.
        1 => select(vec![
            &b"Data"[..], b"dat", b"datas", b"foo", b"", b" data", b"data ", b"\xEF\xBB\xBFdata",
            b"i\0d", b"ID", b"retry\xFF",
        ]),
    ]
}

fn separator() -> impl Strategy<Value = &'static [u8]> {
    select(vec![&b""[..], b":", b": ", b":  ", b"::", b": :", b":\t"])
}

/// Bytes that make decoding interesting: BOM pieces, truncated and invalid sequences, NUL.
const SPICY: &[u8] = &[
    b'a', b' ', b':', 0, 0xFF, 0xFE, 0xEF, 0xBB, 0xBF, 0xC3, 0xA9, 0x80, 0xE2, 0x82, 0xAC, 0xED,
    0xA0, 0xF0, 0x9F, 0x98, 0x80, 0xF4, 0x90, 0xC0,
];

fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => "[ -~]{0,12}".prop_map(String::into_bytes),
        // Retry values, valid and not.
        2 => select(vec![
            "0", "5", "1500", "007", "+5", " 5", "5 ", "5s", "-1", "", "1.5", "٣",
            "18446744073709551615", "18446744073709551616", "99999999999999999999999",
        ]).prop_map(|s| s.as_bytes().to_vec()),
        2 => any::<String>().prop_map(|s| s.chars().take(10).collect::<String>().into_bytes()),
        2 => vec(select(SPICY), 0..12),
        1 => vec(any::<u8>(), 0..12),
        // Long values, so a small limit is crossed by one line.
        1 => (1usize..400, select(vec![b'x', 0xFF])).prop_map(|(n, b)| vec![b; n]),
    ]
}

fn segment() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => (field_name(), separator(), value(), line_ending())
            .prop_map(|(n, s, v, e)| [n, s, &v, e].concat()),
        2 => (value(), line_ending()).prop_map(|(v, e)| [&b":"[..], &v, e].concat()),
        4 => line_ending().prop_map(<[u8]>::to_vec),
        1 => Just(b"\xEF\xBB\xBF".to_vec()),
        1 => select(vec![
            &b"\xFF"[..], b"\x80", b"\xC3", b"\xE2\x82", b"\xED\xA0\x80", b"\xF4\x90\x80\x80",
            b"\xC0\xAF", b"\xF0\x9F\x98",
        ]).prop_map(<[u8]>::to_vec),
        1 => Just(vec![0]),
        1 => vec(any::<u8>(), 0..32),
    ]
}

/// A biased event stream, or fully random bytes.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    let start = select(vec![
        &b""[..],
        b"",
        b"",
        b"\xEF\xBB\xBF",
        b"\xEF\xBB\xBF\xEF\xBB\xBF",
        b"\xEF",
        b"\xEF\xBB",
        b"\xEF\xBBx",
        b"\xEF\xBF\xBE",
    ]);
    prop_oneof![
        4 => (start, vec(segment(), 0..48)).prop_map(|(start, segments)| {
            let mut stream = start.to_vec();
            stream.extend(segments.concat());
            stream
        }),
        1 => vec(any::<u8>(), 0..512),
    ]
}

/// Chunk sizes, cycled over the stream; 0 is an empty chunk.
fn chunking() -> impl Strategy<Value = Vec<usize>> {
    prop_oneof![
        1 => Just(vec![1]),
        1 => Just(vec![0, 1]),
        3 => vec(0usize..=24, 1..8),
        2 => vec(1usize..=300, 1..4),
    ]
    .prop_map(|mut sizes| {
        if sizes.iter().all(|&s| s == 0) {
            sizes.push(1);
        }
        sizes
    })
}

/// Text without CR or LF (they cannot be on an `event:` or `id:` line).
fn single_line(max_chars: usize) -> impl Strategy<Value = String> {
    prop_oneof!["[a-z0-9 :._-]{0,12}", any::<String>(),].prop_map(move |s| {
        s.chars()
            .filter(|c| !matches!(c, '\r' | '\n'))
            .take(max_chars)
            .collect()
    })
}

fn event() -> impl Strategy<Value = Event> {
    let event_type = prop_oneof![Just(String::new()), Just("message".into()), single_line(16)];
    let data = prop_oneof![
        "[a-z \r\n:]{0,24}",
        any::<String>(),
        vec(
            select(vec![
                "", "\r", "\n", "\r\n", "\n\r", "a", " ", "é", "\u{FEFF}", "\0"
            ]),
            0..8
        )
        .prop_map(|parts| parts.concat()),
    ];
    // The encoder leaves out an empty id, so the previous one sticks: tested too.
    let id = prop_oneof![
        1 => Just(String::new()),
        4 => single_line(16).prop_filter_map("non-empty id without NUL", |s| {
            let s: String = s.chars().filter(|&c| c != '\0').collect();
            (!s.is_empty()).then_some(s)
        }),
    ];
    let retry = proptest::option::of(prop_oneof![0u64..10_000, any::<u64>()]);
    (event_type, data, id, retry).prop_map(|(event, data, id, retry)| Event {
        event,
        data,
        id,
        retry,
    })
}

// ---------------------------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(config(256))]

    /// Chunk boundaries never change the items.
    #[test]
    fn chunking_does_not_change_items(stream in stream(), sizes in chunking()) {
        let (whole, _) = parse_whole(&stream, DEFAULT_MAX_EVENT_SIZE);
        let (chunked, _) = parse_chunked(&stream, DEFAULT_MAX_EVENT_SIZE, &sizes);
        prop_assert_eq!(whole, chunked, "chunk sizes {:?}", sizes);
    }

    /// The same with a small size limit, which the long values and random bytes cross; the
    /// buffers stay within the bound after every chunk.
    #[test]
    fn chunking_does_not_change_items_with_a_small_limit(
        stream in stream(),
        sizes in chunking(),
        max in 1usize..200,
    ) {
        let (whole, whole_peak) = parse_whole(&stream, max);
        let (chunked, chunked_peak) = parse_chunked(&stream, max, &sizes);
        prop_assert_eq!(&whole, &chunked, "max {}, chunk sizes {:?}", max, sizes);
        let bound = capacity_bound(max);
        prop_assert!(whole_peak <= bound, "whole: {} bytes held, bound {}", whole_peak, bound);
        prop_assert!(chunked_peak <= bound, "chunked: {} bytes held, bound {}", chunked_peak, bound);
        for item in &whole.items {
            if let Item::Error(ParseError::EventTooLarge { limit, .. }) = item {
                prop_assert_eq!(*limit, max);
            }
        }
    }

    /// The parser agrees with the naive model of the spec.
    #[test]
    fn parser_matches_the_spec_model(stream in stream(), sizes in chunking()) {
        let (items, last_event_id) = model(&stream);
        let (parsed, _) = parse_chunked(&stream, DEFAULT_MAX_EVENT_SIZE, &sizes);
        prop_assert_eq!(items, parsed.items);
        prop_assert_eq!(last_event_id, parsed.last_event_id);
    }

    /// A limit that is never crossed (no error item) changes nothing.
    #[test]
    fn a_limit_without_errors_changes_nothing(stream in stream(), max in 1usize..200) {
        let (limited, _) = parse_whole(&stream, max);
        if !limited.items.iter().any(|item| matches!(item, Item::Error(_))) {
            let (unlimited, _) = parse_whole(&stream, DEFAULT_MAX_EVENT_SIZE);
            prop_assert_eq!(limited, unlimited);
        }
    }

    /// Encoding events and parsing the wire form gives them back: data line endings become LF,
    /// an empty type is `message`, an empty id keeps the previous one.
    #[test]
    fn encode_then_parse_round_trips(events in vec(event(), 0..12), sizes in chunking()) {
        let mut wire = String::new();
        for event in &events {
            event.encode(&mut wire);
        }
        let mut last_id = String::new();
        let expected: Vec<Event> = events
            .iter()
            .map(|e| {
                if !e.id.is_empty() {
                    last_id.clone_from(&e.id);
                }
                Event {
                    event: if e.event.is_empty() { "message".into() } else { e.event.clone() },
                    data: e.data.replace("\r\n", "\n").replace('\r', "\n"),
                    id: last_id.clone(),
                    retry: e.retry,
                }
            })
            .collect();
        let expected_retries: Vec<u64> = events.iter().filter_map(|e| e.retry).collect();

        let (result, _) = parse_chunked(wire.as_bytes(), DEFAULT_MAX_EVENT_SIZE, &sizes);
        prop_assert!(!result.discarded);
        prop_assert_eq!(&result.last_event_id, &last_id);
        let mut parsed = Vec::new();
        let mut retries = Vec::new();
        for item in result.items {
            match item {
                Item::Event(e) => parsed.push(e),
                Item::Retry(ms) => retries.push(ms),
                other => prop_assert!(false, "unexpected item {:?} in {:?}", other, wire),
            }
        }
        prop_assert_eq!(parsed, expected, "wire: {:?}", wire);
        prop_assert_eq!(retries, expected_retries);
    }

    /// The fuzz target's invariants (ssecat::parse::fuzz::check): random bytes, and biased
    /// streams behind the two config bytes (>= 128 picks a small limit).
    #[test]
    fn fuzz_check_smoke(
        input in prop_oneof![
            vec(any::<u8>(), 0..4096),
            (any::<u8>(), any::<u8>(), stream()).prop_map(|(a, b, s)| [&[a, b][..], &s].concat()),
            (128u8.., any::<u8>(), stream()).prop_map(|(a, b, s)| [&[a, b][..], &s].concat()),
        ]
    ) {
        ssecat::parse::fuzz::check(&input);
    }
}

// ---------------------------------------------------------------------------------------------
// Fixed cases: corners the generators reach only by luck.

#[test]
fn crlf_split_across_chunks_is_one_line_ending() {
    let stream = b"data: a\r\n\r\ndata: b\r\r";
    let (whole, _) = parse_whole(stream, DEFAULT_MAX_EVENT_SIZE);
    assert_eq!(whole.items.len(), 2);
    for sizes in [&[1][..], &[8], &[9], &[7, 1, 1, 1], &[0, 8, 0, 1]] {
        assert_eq!(
            parse_chunked(stream, DEFAULT_MAX_EVENT_SIZE, sizes).0,
            whole,
            "{sizes:?}"
        );
    }
    assert_eq!(model(stream).0, whole.items);
}

#[test]
fn bom_split_across_chunks_is_dropped_once() {
    let stream = b"\xEF\xBB\xBF\xEF\xBB\xBFdata: x\n\n";
    let expected = vec![Item::Event(Event::message("x"))];
    // The second BOM is part of the field name, so the line is an unknown field.
    assert_eq!(parse_whole(stream, DEFAULT_MAX_EVENT_SIZE).0.items, vec![]);
    assert_eq!(
        parse_whole(&stream[3..], DEFAULT_MAX_EVENT_SIZE).0.items,
        expected
    );
    for sizes in [&[1][..], &[2], &[0, 1, 2]] {
        assert_eq!(
            parse_chunked(&stream[3..], DEFAULT_MAX_EVENT_SIZE, sizes)
                .0
                .items,
            expected
        );
        assert_eq!(
            parse_chunked(stream, DEFAULT_MAX_EVENT_SIZE, sizes).0.items,
            vec![]
        );
    }
}

#[test]
fn many_oversized_lines_keep_memory_bounded() {
    let max = 16;
    let mut stream = Vec::new();
    for i in 0..2000 {
        stream.extend_from_slice(b"data: ");
        stream.extend(std::iter::repeat_n(b'x', i % 100));
        // Lines of exactly `max` bytes whose values decode to three times their size.
        stream.extend_from_slice(b"\nevent:");
        stream.extend_from_slice(&[0xFF; 10]);
        stream.extend_from_slice(b"\nid:");
        stream.extend_from_slice(&[0xFF; 13]);
        stream.extend_from_slice(b"\n\n");
    }
    for sizes in [&[stream.len()][..], &[1], &[7, 300]] {
        let (parsed, peak) = parse_chunked(&stream, max, sizes);
        assert!(peak <= capacity_bound(max), "{peak} bytes held");
        assert!(parsed.items.iter().any(|i| matches!(i, Item::Error(_))));
    }
}
