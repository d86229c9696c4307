//! The hub: topics, fan-out, history and replay.
//!
//! Every published event is encoded once into a shared [`Bytes`]; that same buffer goes into the
//! history and into the queue of every subscriber of its topic, counted once by the hub's
//! [`Meter`] (`--event-memory`). Each subscriber's queue is bounded in events and bytes
//! (queue.rs): a publisher whose event does not fit waits for that subscriber to drain, and a
//! subscriber that does not drain within `--slow-timeout` is cut off ([`Closed::Slow`]) and can
//! come back with Last-Event-ID. When the events alive would go over `--event-memory`, the
//! subscribers that have written nothing for `--slow-timeout` are cut off, then the oldest
//! history goes, and then the publisher waits for memory to be freed.
//!
//! Everything happens under one lock, so the order of IDs is the order of delivery on every
//! stream, even a stream of several topics, and a new subscriber's replay cursor (taken under
//! the same lock as its registration) is followed by exactly the live events that come after
//! it: no gap, no duplicate. A publisher waits with the lock released, so the events of a batch
//! stay in order but another publisher's events may come between them.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Waker;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::Notify;

use super::history::{self, History};
use super::meter::Meter;
pub use super::queue::{Closed, Poll, Subscriber};
use super::queue::{Limits, lock};

/// Most distinct event types remembered for `/stats` (the viewer page listens to each).
const MAX_EVENT_TYPES: usize = 256;
/// Longest event type remembered for `/stats`.
const MAX_EVENT_TYPE_LEN: usize = 256;
/// Most events in one frame of a stream.
pub const FRAME_EVENTS: usize = 256;
/// Most bytes in one frame of a stream, unless its one event is larger: events gathered into a
/// frame are copied into it, and a stream blocked on a client that does not read holds it.
pub const FRAME_BYTES: usize = 64 * 1024;

/// The hub's fixed settings.
#[derive(Debug, Clone)]
pub struct HubConfig {
    /// Events kept for replay (0 keeps none).
    pub history: usize,
    /// Bytes kept for replay.
    pub history_bytes: usize,
    /// Events older than this leave the history.
    pub history_ttl: Option<Duration>,
    /// Most events queued per subscriber.
    pub client_queue: usize,
    /// Most bytes queued (or being written) per subscriber.
    pub client_queue_bytes: usize,
    /// How long a full queue may take to drain to half before its subscriber is cut off.
    pub slow_timeout: Duration,
    /// Most bytes of events alive at once: history, queues and writes in progress.
    pub event_memory: usize,
    /// Largest encoded event.
    pub max_event_size: usize,
    /// The line ending every stream is written with.
    pub line_ending: &'static str,
}

/// Which topics a subscriber follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Topics {
    /// `?topic=*`: every topic.
    All,
    /// These topics (at least one).
    Some(Vec<Arc<str>>),
}

impl Topics {
    /// True when an event on `topic` is for this subscriber.
    pub fn contains(&self, topic: &str) -> bool {
        match self {
            Topics::All => true,
            Topics::Some(list) => list.iter().any(|t| &**t == topic),
        }
    }
}

impl std::fmt::Display for Topics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Topics::All => f.write_str("*"),
            Topics::Some(list) => {
                for (i, t) in list.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    f.write_str(t)?;
                }
                Ok(())
            }
        }
    }
}

/// One piece of a stream: an event or a comment, already encoded.
#[derive(Debug, Clone)]
pub struct Chunk {
    /// The wire bytes.
    pub bytes: Bytes,
    /// An event (counts for `--drop-after`), not a comment.
    pub is_event: bool,
}

/// An event to publish, before the hub gives it an ID and encodes it.
#[derive(Debug, Clone, Default)]
pub struct Publish {
    /// The topic; `default` when empty.
    pub topic: String,
    /// The event type, `message` when empty.
    pub event: String,
    /// The data.
    pub data: String,
    /// The ID; assigned by the hub when `None`.
    pub id: Option<String>,
    /// A `retry:` field to send with it.
    pub retry: Option<u64>,
}

/// The outcome of a publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// The ID of the last event published.
    pub id: String,
    /// Subscribers that got at least one of the events queued, and were still connected when
    /// the publish ended.
    pub delivered: usize,
    /// Subscribers cut off as slow during this publish.
    pub slow: usize,
}

/// Why a publish was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// An event is over `--max-event-size` once encoded; nothing was published.
    TooLarge {
        /// Its index in the batch.
        index: usize,
        /// Events in the batch.
        of: usize,
        /// Its encoded size (with room for an assigned ID).
        size: usize,
        /// The bound.
        max: usize,
    },
    /// The server is shutting down; `published` events of the batch went out before.
    ShuttingDown {
        /// Events of the batch published before.
        published: usize,
    },
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::units::format_size;
        match self {
            Refused::TooLarge {
                index,
                of,
                size,
                max,
            } => {
                match of {
                    1 => f.write_str("the event is")?,
                    _ => write!(f, "event {index} is")?,
                }
                write!(
                    f,
                    " {} once encoded (each line of data becomes a `data:` line), over --max-event-size ({}); nothing was published",
                    format_size(*size as u64),
                    format_size(*max as u64)
                )
            }
            Refused::ShuttingDown { published: 0 } => f.write_str("the server is shutting down"),
            Refused::ShuttingDown { published } => write!(
                f,
                "the server is shutting down; only the first {published} events of the batch were published"
            ),
        }
    }
}

/// Counters shown by `/stats`.
#[derive(Debug, Default)]
pub struct Counters {
    /// Events published since start.
    pub events_published: AtomicU64,
    /// Subscribers that came back with a Last-Event-ID.
    pub replays: AtomicU64,
    /// Events in the replays given to them.
    pub events_replayed: AtomicU64,
    /// Subscribers cut off for falling behind.
    pub slow_disconnects: AtomicU64,
}

/// The broadcaster shared by the HTTP handlers and the generators.
#[derive(Debug)]
pub struct Hub {
    config: HubConfig,
    limits: Limits,
    history_bounds: history::Bounds,
    state: Mutex<HubState>,
    meter: Arc<Meter>,
    /// Notified when a full queue has drained to half, or a subscriber left: publishers
    /// waiting for room look again.
    room: Notify,
    /// Counters for `/stats`.
    pub counters: Counters,
}

#[derive(Debug, Default)]
struct HubState {
    next_seq: u64,
    next_subscriber: u64,
    /// Subscribers of each named topic.
    topics: HashMap<Arc<str>, Vec<Arc<Subscriber>>>,
    /// Subscribers of `*`.
    wildcard: Vec<Arc<Subscriber>>,
    /// Every subscriber, for keep-alives and shutdown.
    everyone: HashMap<u64, Arc<Subscriber>>,
    history: History,
    event_types: BTreeSet<String>,
    closed: bool,
}

impl Hub {
    /// An empty hub.
    pub fn new(config: HubConfig) -> Self {
        Hub {
            limits: Limits {
                events: config.client_queue,
                bytes: config.client_queue_bytes,
                slow_timeout: config.slow_timeout,
            },
            history_bounds: history::Bounds {
                events: config.history,
                bytes: config.history_bytes,
                ttl: config.history_ttl,
            },
            meter: Meter::new(config.event_memory),
            room: Notify::new(),
            config,
            state: Mutex::new(HubState::default()),
            counters: Counters::default(),
        }
    }

    /// The settings it was made with.
    pub fn config(&self) -> &HubConfig {
        &self.config
    }

    /// Bytes of events alive now (history, queues, writes in progress).
    pub fn event_memory(&self) -> usize {
        self.meter.live()
    }

    /// Sends a comment (a keep-alive) to every subscriber with nothing else to send; returns
    /// how many subscribers there are.
    pub fn comment(&self, text: &str) -> usize {
        let state = lock(&self.state);
        let chunk = Chunk {
            bytes: Bytes::from(format!(":{text}{}", self.config.line_ending)),
            is_event: false,
        };
        let now = Instant::now();
        for sub in state.everyone.values() {
            sub.offer_comment(&chunk, now);
        }
        state.everyone.len()
    }

    /// Registers a subscriber and sets its replay under one lock. `last_event_id` is the
    /// client's Last-Event-ID, if it sent one. `kill` is notified if it is cut off as slow.
    pub fn subscribe(
        &self,
        topics: Topics,
        last_event_id: Option<&str>,
        kill: Arc<Notify>,
    ) -> Result<(Arc<Subscriber>, history::Start), &'static str> {
        let mut state = lock(&self.state);
        if state.closed {
            return Err("the server is shutting down");
        }
        state.next_subscriber += 1;
        let replay = match last_event_id {
            None => history::Start::default(),
            Some(id) => {
                state.history.expire(&self.history_bounds, Instant::now());
                self.counters.replays.fetch_add(1, Ordering::Relaxed);
                let replay = state.history.start(id, &topics);
                self.counters
                    .events_replayed
                    .fetch_add(replay.events as u64, Ordering::Relaxed);
                replay
            }
        };
        let sub = Arc::new(Subscriber::new(
            state.next_subscriber,
            topics,
            &self.meter,
            kill,
            replay.cursor,
        ));
        match &sub.topics {
            Topics::All => state.wildcard.push(sub.clone()),
            Topics::Some(list) => {
                for t in list {
                    state.topics.entry(t.clone()).or_default().push(sub.clone());
                }
            }
        }
        state.everyone.insert(sub.id, sub.clone());
        Ok((sub, replay))
    }

    /// The next frame's chunks for `sub`'s stream: the replay first, then its queue. Called
    /// when the stream's last frame has been written.
    pub fn next(&self, sub: &Subscriber, waker: &Waker) -> Poll {
        if sub.ack(Instant::now(), &self.limits) {
            self.room.notify_waiters();
        }
        if sub.replaying() {
            let state = lock(&self.state);
            let step = sub.replay_with(|cursor| {
                state
                    .history
                    .batch(cursor, &sub.topics, FRAME_EVENTS, FRAME_BYTES)
            });
            drop(state);
            if let Some(poll) = step {
                if matches!(poll, Poll::Closed(Closed::Slow)) {
                    // The history dropped events it had not reached: it is slow.
                    sub.cut(Closed::Slow);
                    self.counters
                        .slow_disconnects
                        .fetch_add(1, Ordering::Relaxed);
                }
                return poll;
            }
        }
        sub.take(waker, FRAME_EVENTS, FRAME_BYTES)
    }

    /// Waits until `sub` has room again (or has gone), or `deadline`.
    async fn wait_room(&self, sub: &Subscriber, deadline: Instant) {
        let notified = self.room.notified();
        let mut notified = std::pin::pin!(notified);
        notified.as_mut().enable();
        if sub.is_full() {
            let _ = tokio::time::timeout_at(deadline.into(), notified).await;
        }
    }

    /// Counts the bytes of a frame gathered from several chunks (a copy) with the events.
    pub fn frame(&self, buf: Vec<u8>) -> Bytes {
        self.meter.bytes(buf)
    }

    /// Forgets a subscriber whose stream ended.
    pub fn unsubscribe(&self, sub: &Subscriber) {
        sub.cut(Closed::Gone);
        lock(&self.state).remove(sub.id);
        self.room.notify_waiters();
    }

    /// Refuses new subscribers and events; every stream ends once it has sent what is queued
    /// for it. Publishers waiting are woken (and refused).
    pub fn close(&self) {
        let mut state = lock(&self.state);
        state.closed = true;
        for sub in state.everyone.values() {
            sub.close_gently();
        }
        state.topics.clear();
        state.wildcard.clear();
        drop(state);
        self.room.notify_waiters();
        self.meter.wake_all();
    }

    /// Events not yet sent to the streams still open, and how many streams: what shutdown
    /// leaves undelivered when they are dropped now.
    pub fn undelivered(&self) -> (usize, usize) {
        let state = lock(&self.state);
        let mut events = 0;
        let mut streams = 0;
        for sub in state.everyone.values() {
            let (queued, replay) = sub.backlog();
            let replay = replay.map_or(0, |c| state.history.count(c.next, &sub.topics));
            if queued + replay > 0 {
                events += queued + replay;
                streams += 1;
            }
        }
        (events, streams)
    }

    /// Subscribers now, per topic (`*` for the wildcard ones).
    pub fn subscribers(&self) -> (usize, Vec<(String, usize)>) {
        let state = lock(&self.state);
        let mut per_topic: Vec<(String, usize)> = state
            .topics
            .iter()
            .map(|(t, subs)| (t.to_string(), subs.len()))
            .collect();
        if !state.wildcard.is_empty() {
            per_topic.push(("*".into(), state.wildcard.len()));
        }
        per_topic.sort();
        (state.everyone.len(), per_topic)
    }

    /// The event types published so far (at most 256).
    pub fn event_types(&self) -> Vec<String> {
        lock(&self.state).event_types.iter().cloned().collect()
    }

    /// Events in the history now.
    pub fn history_len(&self) -> usize {
        let mut state = lock(&self.state);
        state.history.expire(&self.history_bounds, Instant::now());
        state.history.len()
    }
}

impl HubState {
    /// The subscribers of `topic`: its own, then those of `*`.
    fn targets<'a>(&'a self, topic: &str) -> impl Iterator<Item = &'a Arc<Subscriber>> + 'a {
        self.topics
            .get(topic)
            .into_iter()
            .flatten()
            .chain(self.wildcard.iter())
    }

    fn remove(&mut self, id: u64) {
        let Some(sub) = self.everyone.remove(&id) else {
            return;
        };
        match &sub.topics {
            Topics::All => self.wildcard.retain(|s| s.id != id),
            Topics::Some(list) => {
                for t in list {
                    if let Some(subs) = self.topics.get_mut(t) {
                        if let Some(i) = subs.iter().position(|s| s.id == id) {
                            subs.swap_remove(i);
                        }
                        if subs.is_empty() {
                            self.topics.remove(t);
                        }
                    }
                }
            }
        }
    }
}

mod publish;
#[cfg(test)]
mod tests;
