//! Parser throughput: ssecat's streaming parser against `eventsource-stream`, in the same run.
//!
//! Inputs (see BENCHMARKS.md for the exact wire format):
//! - `events/10B`, `events/100B`, `events/1000B`: about 4 MiB of `data:`-only events whose
//!   whole wire form (field line and closing blank line) is exactly 10, 100 or 1000 bytes, and
//!   `events/100B_id`: 100-byte events that also carry an `id:` line; all in 16 KiB chunks;
//! - `long_line/4MiB`: one event that is a single 4 MiB `data:` line (4 MiB with its line
//!   ending and the closing blank line), delivered in 1460-byte chunks (one TCP segment each).
//!
//! Contenders:
//! - `ssecat_borrowed`: `Parser::feed` with a closure that counts events and reads the data
//!   length (no allocation per event);
//! - `ssecat_owned`: `Parser::feed_to_vec`, which allocates `String`s per event, like
//!   `eventsource-stream`;
//! - `eventsource_stream`: `futures::stream::iter(chunks).eventsource()` drained with
//!   `futures::executor::block_on`.
//!
//! Before a contender is timed on an input, its event count and total data length are checked
//! (once, untimed) against what the input holds, so the benchmark cannot silently measure
//! nothing. Throughput is reported in decimal units (1 GB/s = 10^9 bytes per second).
//!
//! Run: `cargo bench --bench parser`.

use std::convert::Infallible;
use std::hint::black_box;
use std::pin::pin;
use std::time::Duration;

use bytes::Bytes;
use criterion::measurement::WallTime;
use criterion::{
    BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group,
    criterion_main,
};
use eventsource_stream::Eventsource;
use futures::StreamExt;
use ssecat::parse::{Item, ItemRef, Parser};

/// The target size of each event stream.
const STREAM_SIZE: usize = 4 * 1024 * 1024;
/// Chunk size for the event streams.
const EVENT_CHUNK: usize = 16 * 1024;
/// The size of the long-line event, all of it on the wire.
const LONG_LINE_SIZE: usize = 4 * 1024 * 1024;
/// Chunk size for the long line: one TCP segment's payload on a 1500-byte MTU.
const LONG_LINE_CHUNK: usize = 1460;

/// An input: the chunks as delivered, and what a correct parser must produce from them.
struct Input {
    chunks: Vec<Bytes>,
    total_bytes: usize,
    events: usize,
    data_bytes: usize,
}

/// A payload byte: printable ASCII, varied so nothing is a long run of one byte.
fn payload_byte(i: usize) -> u8 {
    b'a' + (i % 26) as u8
}

/// About `STREAM_SIZE` bytes of events, each exactly `size` bytes on the wire:
///
/// - without id: `data: <payload>\n\n`, so the payload is `size - 8` bytes
///   (10 bytes: `data: ab\n\n`);
/// - with id: `id: NNNNNN\n` (11 bytes, a 6-digit zero-padded event counter, so every event
///   changes the last event ID) then `data: <payload>\n\n`: the payload is `size - 19` bytes.
fn event_stream(size: usize, with_id: bool) -> Input {
    let count = STREAM_SIZE / size;
    let mut buf = Vec::with_capacity(count * size);
    let mut data_bytes = 0;
    for n in 0..count {
        let start = buf.len();
        let payload = if with_id {
            buf.extend_from_slice(format!("id: {:06}\n", n % 1_000_000).as_bytes());
            size - 19
        } else {
            size - 8
        };
        buf.extend_from_slice(b"data: ");
        buf.extend((0..payload).map(|i| payload_byte(n + i)));
        buf.extend_from_slice(b"\n\n");
        assert_eq!(buf.len() - start, size, "event size");
        data_bytes += payload;
    }
    Input {
        total_bytes: buf.len(),
        chunks: chunk(&buf, EVENT_CHUNK),
        events: count,
        data_bytes,
    }
}

/// One event of `LONG_LINE_SIZE` bytes: `data: <payload>\n\n`, the payload being all of it but
/// the 8 bytes of field name and endings.
fn long_line() -> Input {
    let payload = LONG_LINE_SIZE - 8;
    let mut buf = Vec::with_capacity(LONG_LINE_SIZE);
    buf.extend_from_slice(b"data: ");
    buf.extend((0..payload).map(payload_byte));
    buf.extend_from_slice(b"\n\n");
    assert_eq!(buf.len(), LONG_LINE_SIZE);
    Input {
        total_bytes: buf.len(),
        chunks: chunk(&buf, LONG_LINE_CHUNK),
        events: 1,
        data_bytes: payload,
    }
}

fn chunk(buf: &[u8], size: usize) -> Vec<Bytes> {
    buf.chunks(size).map(Bytes::copy_from_slice).collect()
}

/// ssecat, borrowed items: (events, data bytes).
fn run_borrowed(chunks: &[Bytes]) -> (usize, usize) {
    let mut parser = Parser::new();
    let mut events = 0;
    let mut data_bytes = 0;
    for c in chunks {
        parser.feed(black_box(c), |item| {
            if let ItemRef::Event(e) = item {
                events += 1;
                data_bytes += black_box(e.data.len());
            }
        });
    }
    parser.finish();
    (events, data_bytes)
}

/// ssecat, owned items: (events, data bytes). The items of each chunk are consumed and
/// dropped before the next chunk, as a client handling events as they come would.
fn run_owned(chunks: &[Bytes]) -> (usize, usize) {
    let mut parser = Parser::new();
    let mut items = Vec::new();
    let mut events = 0;
    let mut data_bytes = 0;
    for c in chunks {
        parser.feed_to_vec(black_box(c), &mut items);
        for item in items.drain(..) {
            if let Item::Event(e) = black_box(item) {
                events += 1;
                data_bytes += e.data.len();
            }
        }
    }
    parser.finish();
    (events, data_bytes)
}

/// eventsource-stream: (events, data bytes).
fn run_eventsource(chunks: &[Bytes]) -> (usize, usize) {
    futures::executor::block_on(async {
        let stream = futures::stream::iter(chunks.iter().cloned().map(Ok::<Bytes, Infallible>));
        let mut events = pin!(stream.eventsource());
        let mut count = 0;
        let mut data_bytes = 0;
        while let Some(event) = events.next().await {
            let event = black_box(event.expect("eventsource-stream error"));
            count += 1;
            data_bytes += event.data.len();
        }
        (count, data_bytes)
    })
}

type Runner = fn(&[Bytes]) -> (usize, usize);

const CONTENDERS: [(&str, Runner); 3] = [
    ("ssecat_borrowed", run_borrowed),
    ("ssecat_owned", run_owned),
    ("eventsource_stream", run_eventsource),
];

/// Benchmarks `run` on `input`, having first checked (untimed, once) that it finds every event
/// with all its data. The check runs only when the benchmark is selected, so a filtered run does
/// not pay for eventsource-stream on the long line.
fn bench_one(
    group: &mut BenchmarkGroup<'_, WallTime>,
    contender: &str,
    run: Runner,
    name: &str,
    input: &Input,
) {
    let mut checked = false;
    group.bench_with_input(BenchmarkId::new(contender, name), input, |b, input| {
        if !checked {
            assert_eq!(
                run(&input.chunks),
                (input.events, input.data_bytes),
                "{contender} on {name}: (events, data bytes)"
            );
            checked = true;
        }
        b.iter(|| run(black_box(&input.chunks)))
    });
}

fn bench_events(c: &mut Criterion) {
    let mut group = c.benchmark_group("events");
    for (size, with_id) in [(10, false), (100, false), (1000, false), (100, true)] {
        let input = event_stream(size, with_id);
        let name = format!("{size}B{}", if with_id { "_id" } else { "" });
        group.throughput(Throughput::BytesDecimal(input.total_bytes as u64));
        for (contender, run) in CONTENDERS {
            bench_one(&mut group, contender, run, &name, &input);
        }
    }
    group.finish();
}

fn bench_long_line(c: &mut Criterion) {
    let input = long_line();
    let mut group = c.benchmark_group("long_line");
    group.throughput(Throughput::BytesDecimal(input.total_bytes as u64));
    // eventsource-stream re-parses its whole buffer on every chunk, which is quadratic here and
    // takes seconds per run: few flat samples keep the bench bounded.
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    for (contender, run) in CONTENDERS {
        if contender == "eventsource_stream" {
            group.warm_up_time(Duration::from_millis(1));
            group.measurement_time(Duration::from_secs(1));
        } else {
            group.warm_up_time(Duration::from_secs(1));
            group.measurement_time(Duration::from_secs(3));
        }
        bench_one(&mut group, contender, run, "4MiB", &input);
    }
    group.finish();
}

criterion_group!(benches, bench_events, bench_long_line);
criterion_main!(benches);
