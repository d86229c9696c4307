//! The parser's invariants as one function, shared by the cargo-fuzz target (fuzz/) and the
//! proptest smoke run in tests/ (so CI exercises them on stable without a fuzzer).

use super::{Item, Parser};

/// Checks the parser on `input`, panicking if an invariant breaks:
/// - it never panics, whatever the bytes;
/// - its buffers stay within a fixed multiple of the maximum event size, however long the input;
/// - the items are the same whether the input comes whole or in chunks.
///
/// The first two bytes pick the maximum event size (small, to reach the limit often) and the
/// chunking; the rest is the stream.
pub fn check(input: &[u8]) {
    let (config, stream) = input.split_at(input.len().min(2));
    let max = match config.first() {
        Some(&b) if b >= 128 => usize::from(b - 127) * 4,
        _ => super::DEFAULT_MAX_EVENT_SIZE,
    };
    let seed = config.get(1).copied().unwrap_or(0);

    let whole = items_of(stream, max, &[stream.len()]);
    let sizes: Vec<usize> = match seed % 4 {
        0 => vec![1],
        1 => vec![2, 3, 1, 5],
        2 => vec![usize::from(seed / 4) + 1],
        _ => vec![7, 1, 1, 64, 3],
    };
    let chunked = items_of(stream, max, &sizes);
    assert_eq!(
        whole, chunked,
        "chunking changed the items (max {max}, chunks {sizes:?})"
    );
}

/// Parses `stream` in chunks whose sizes cycle through `sizes`, checking the memory bound after
/// every chunk.
pub fn items_of(stream: &[u8], max: usize, sizes: &[usize]) -> Vec<Item> {
    let bound = 24 * max + 64;
    let mut parser = Parser::new().with_max_event_size(max);
    let mut items = Vec::new();
    let mut rest = stream;
    for &size in sizes.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let (chunk, tail) = rest.split_at(size.clamp(1, rest.len()));
        parser.feed_to_vec(chunk, &mut items);
        let held = parser.buffered_capacity();
        assert!(
            held <= bound,
            "parser holds {held} bytes with a limit of {max} (bound {bound})"
        );
        rest = tail;
    }
    parser.finish();
    items
}
