//! The history: the last events, for clients that come back with Last-Event-ID.
//!
//! Bounded in events (`--history`), in bytes (`--history-bytes`, counting each entry's encoded
//! event, its ID twice and a fixed cost) and in age (`--history-ttl`). A replay is not a copy of
//! the history: the stream keeps a [`Cursor`] and takes the next events a frame at a time, so
//! a thousand clients replaying at once cost a cursor each. If the history drops events a
//! cursor has not reached yet, the replay cannot go on without a gap, and the subscriber is cut
//! off as slow (it comes back with the last ID it got, and is told what was missed).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::hub::{Chunk, Topics};
use super::meter::{Charge, Meter};

/// What an entry costs beyond its event's bytes and its ID (twice): the entry, the index slot.
const ENTRY: usize = 128;

/// The history's bounds.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// Most events (0: no history).
    pub events: usize,
    /// Most bytes.
    pub bytes: usize,
    /// Oldest age.
    pub ttl: Option<Duration>,
}

/// Where a replay is: the sequence numbers of the next event to send and of the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The next event to send has a sequence number at least this.
    pub next: u64,
    /// The last event of the replay (the newest at subscription).
    pub last: u64,
}

/// The retained events, oldest first.
#[derive(Debug, Default)]
pub struct History {
    entries: VecDeque<Stored>,
    /// Event ID → sequence number of the latest retained event with that ID.
    by_id: HashMap<String, u64>,
    bytes: usize,
}

#[derive(Debug)]
struct Stored {
    seq: u64,
    id: String,
    topic: Arc<str>,
    bytes: Bytes,
    at: Instant,
    cost: usize,
    _charge: Charge,
}

/// A new subscriber's replay: where it starts, how many events it holds, and the note to send
/// when the Last-Event-ID was not in the history.
#[derive(Debug, Default)]
pub struct Start {
    /// `None`: nothing to replay.
    pub cursor: Option<Cursor>,
    /// Events on the subscriber's topics in the replay.
    pub events: usize,
    /// Set when the ID was not in the history: what was done instead (sent as a comment).
    pub note: Option<String>,
}

impl History {
    /// Keeps an event, then drops the oldest beyond the bounds.
    #[allow(clippy::too_many_arguments)]
    pub fn remember(
        &mut self,
        bounds: &Bounds,
        meter: &Arc<Meter>,
        seq: u64,
        id: &str,
        topic: Arc<str>,
        bytes: Bytes,
        now: Instant,
    ) {
        if bounds.events == 0 {
            return;
        }
        let cost = ENTRY + 2 * id.len();
        self.bytes += cost + bytes.len();
        self.by_id.insert(id.to_owned(), seq);
        self.entries.push_back(Stored {
            seq,
            id: id.to_owned(),
            topic,
            bytes,
            at: now,
            cost,
            _charge: meter.charge(cost),
        });
        while self.entries.len() > bounds.events || self.bytes > bounds.bytes {
            self.pop_oldest();
        }
        self.expire(bounds, now);
    }

    /// Drops the oldest event; false when there was none.
    pub fn pop_oldest(&mut self) -> bool {
        let Some(old) = self.entries.pop_front() else {
            return false;
        };
        self.bytes -= old.cost + old.bytes.len();
        if self.by_id.get(&old.id) == Some(&old.seq) {
            self.by_id.remove(&old.id);
        }
        true
    }

    /// Drops events older than `--history-ttl`.
    pub fn expire(&mut self, bounds: &Bounds, now: Instant) {
        let Some(ttl) = bounds.ttl else {
            return;
        };
        while self
            .entries
            .front()
            .is_some_and(|e| now.duration_since(e.at) > ttl)
        {
            self.pop_oldest();
        }
    }

    /// Events retained now.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Where the replay after `id` on `topics` starts. An ID not in the history gets all
    /// retained events, with a note saying so: events may have been missed, and the client
    /// should know.
    pub fn start(&self, id: &str, topics: &Topics) -> Start {
        let (Some(first), Some(last)) = (self.entries.front(), self.entries.back()) else {
            return Start {
                note: Some(format!(
                    "last-event-id {id:?} is not in the history (it is empty); events may have been missed"
                )),
                ..Start::default()
            };
        };
        let (from, note) = match self.by_id.get(id) {
            Some(&seq) => (seq + 1, None),
            None => (first.seq, Some((first.id.as_str(), last.id.as_str()))),
        };
        let events = self.count(from, topics);
        let cursor = (from <= last.seq).then_some(Cursor {
            next: from,
            last: last.seq,
        });
        let note = note.map(|(first, last)| {
            format!(
                "last-event-id {id:?} is not in the history (ids {first:?} to {last:?}); events may have been missed; replaying all {events} retained events on these topics"
            )
        });
        Start {
            cursor,
            events,
            note,
        }
    }

    /// Events on `topics` from sequence number `from` on.
    pub fn count(&self, from: u64, topics: &Topics) -> usize {
        let start = self.entries.partition_point(|e| e.seq < from);
        self.entries
            .range(start..)
            .filter(|e| topics.contains(&e.topic))
            .count()
    }

    /// The next events of a replay on `topics`: at most `max_events`, no more than `max_bytes`
    /// unless the first alone is larger, and where the replay goes on (`None`: done). `Err`
    /// when events the cursor had not reached have left the history.
    #[allow(clippy::result_unit_err)]
    pub fn batch(
        &self,
        cursor: Cursor,
        topics: &Topics,
        max_events: usize,
        max_bytes: usize,
    ) -> Result<(Vec<Chunk>, Option<Cursor>), ()> {
        if self.entries.front().is_none_or(|e| e.seq > cursor.next) {
            return Err(());
        }
        let start = self.entries.partition_point(|e| e.seq < cursor.next);
        let mut chunks = Vec::new();
        let mut bytes = 0;
        let mut next = None;
        for e in self.entries.range(start..) {
            if e.seq > cursor.last {
                break;
            }
            if !topics.contains(&e.topic) {
                continue;
            }
            if chunks.len() == max_events || (bytes > 0 && bytes + e.bytes.len() > max_bytes) {
                next = Some(Cursor {
                    next: e.seq,
                    last: cursor.last,
                });
                break;
            }
            bytes += e.bytes.len();
            chunks.push(Chunk {
                bytes: e.bytes.clone(),
                is_event: true,
            });
        }
        Ok((chunks, next))
    }
}
