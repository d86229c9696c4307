//! The hub: topics, fan-out, history and replay.
//!
//! Every published event is encoded once into a shared [`Bytes`]; that same buffer goes into the
//! history and into the queue of every subscriber of its topic. Each subscriber has a bounded
//! queue: a publisher never waits for a subscriber, and one that falls `client_queue` events
//! behind is cut off ([`Closed::Slow`]) and can come back with Last-Event-ID.
//!
//! Everything happens under one lock, so the order of IDs is the order of delivery on every
//! stream, even a stream of several topics, and a new subscriber's replay (taken under the same
//! lock as its registration) is followed by exactly the live events that come after it: no gap,
//! no duplicate.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::Notify;

use crate::event::Event;

/// Most distinct event types remembered for `/stats` (the viewer page listens to each).
const MAX_EVENT_TYPES: usize = 256;

/// The hub's fixed settings.
#[derive(Debug, Clone)]
pub struct HubConfig {
    /// Events kept for replay (0 keeps none).
    pub history: usize,
    /// Events older than this leave the history.
    pub history_ttl: Option<Duration>,
    /// Queue length at which a subscriber counts as slow.
    pub client_queue: usize,
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
    fn contains(&self, topic: &str) -> bool {
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

/// Why a subscriber's stream ended on the hub's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// It fell `client_queue` events behind.
    Slow,
    /// The server is shutting down.
    Shutdown,
}

/// One piece of a stream: an event or a comment, already encoded.
#[derive(Debug, Clone)]
pub struct Chunk {
    /// The wire bytes.
    pub bytes: Bytes,
    /// An event (counts for `--drop-after`), not a comment.
    pub is_event: bool,
}

/// A subscriber's side of the hub: its queue, and how to wake its stream.
#[derive(Debug)]
pub struct Subscriber {
    /// Unique per server run.
    pub id: u64,
    /// What it follows.
    pub topics: Topics,
    state: Mutex<SubState>,
    /// Notified when the subscriber is cut off, so its connection can be dropped even while it
    /// is blocked writing to a client that does not read.
    kill: Arc<Notify>,
}

#[derive(Debug, Default)]
struct SubState {
    queue: VecDeque<Chunk>,
    waker: Option<Waker>,
    closed: Option<Closed>,
}

/// What a stream gets from its queue when it polls.
#[derive(Debug)]
pub enum Poll {
    /// Chunks, in order (never empty).
    Ready(Vec<Chunk>),
    /// Nothing yet; the waker is stored.
    Pending,
    /// The stream must end.
    Closed(Closed),
}

impl Subscriber {
    /// Takes everything queued, or stores `waker` to be woken by the next push.
    pub fn poll(&self, waker: &Waker, max: usize) -> Poll {
        let mut state = lock(&self.state);
        if let Some(why) = state.closed {
            return Poll::Closed(why);
        }
        if state.queue.is_empty() {
            if !state.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
                state.waker = Some(waker.clone());
            }
            return Poll::Pending;
        }
        let n = state.queue.len().min(max);
        Poll::Ready(state.queue.drain(..n).collect())
    }

    /// Why it was closed, if it was.
    pub fn closed(&self) -> Option<Closed> {
        lock(&self.state).closed
    }

    /// Queues a chunk; false (and the subscriber closed as slow) when the queue is full.
    fn push(&self, chunk: Chunk, cap: usize) -> bool {
        let mut state = lock(&self.state);
        if state.closed.is_some() {
            return true;
        }
        if state.queue.len() >= cap {
            state.queue = VecDeque::new();
            state.closed = Some(Closed::Slow);
            let waker = state.waker.take();
            drop(state);
            waker.into_iter().for_each(Waker::wake);
            self.kill.notify_one();
            return false;
        }
        state.queue.push_back(chunk);
        let waker = state.waker.take();
        drop(state);
        if let Some(w) = waker {
            w.wake();
        }
        true
    }

    fn close(&self, why: Closed) {
        let mut state = lock(&self.state);
        state.closed.get_or_insert(why);
        let waker = state.waker.take();
        drop(state);
        waker.into_iter().for_each(Waker::wake);
    }
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
    /// Distinct subscribers that received at least one of the events.
    pub delivered: usize,
    /// Subscribers cut off as slow during this publish.
    pub slow: usize,
}

/// What a new subscriber is sent before the live events.
#[derive(Debug, Default)]
pub struct Replay {
    /// The retained events after its Last-Event-ID, on its topics, oldest first.
    pub events: Vec<Bytes>,
    /// Set when the ID was not in the history: what was done instead (sent as a comment).
    pub note: Option<String>,
}

/// Counters shown by `/stats`.
#[derive(Debug, Default)]
pub struct Counters {
    /// Events published since start.
    pub events_published: AtomicU64,
    /// Subscribers that came back with a Last-Event-ID.
    pub replays: AtomicU64,
    /// Events sent as replay.
    pub events_replayed: AtomicU64,
    /// Subscribers cut off for falling behind.
    pub slow_disconnects: AtomicU64,
}

/// The broadcaster shared by the HTTP handlers and the generators.
#[derive(Debug)]
pub struct Hub {
    config: HubConfig,
    state: Mutex<HubState>,
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

#[derive(Debug, Default)]
struct History {
    entries: VecDeque<Stored>,
    /// Event ID → sequence number of the latest retained event with that ID.
    by_id: HashMap<String, u64>,
}

#[derive(Debug)]
struct Stored {
    seq: u64,
    id: String,
    topic: Arc<str>,
    bytes: Bytes,
    at: Instant,
}

impl Hub {
    /// An empty hub.
    pub fn new(config: HubConfig) -> Self {
        Hub {
            config,
            state: Mutex::new(HubState::default()),
            counters: Counters::default(),
        }
    }

    /// The settings it was made with.
    pub fn config(&self) -> &HubConfig {
        &self.config
    }

    /// Publishes events in order. Each is encoded once and fanned out to the subscribers of its
    /// topic and of `*`. Errors only when the hub is shut down.
    pub fn publish(&self, events: Vec<Publish>) -> Result<Published, &'static str> {
        let mut state = lock(&self.state);
        if state.closed {
            return Err("the server is shutting down");
        }
        let now = Instant::now();
        let mut last_id = String::new();
        // One event reaches each subscriber at most once, so counting is enough; a batch can
        // reach one subscriber several times and needs the set.
        let batch = events.len() > 1;
        let mut reached = HashSet::new();
        let mut reached_once = 0usize;
        let mut slow = Vec::new();
        for p in events {
            state.next_seq += 1;
            let seq = state.next_seq;
            let id = p.id.unwrap_or_else(|| seq.to_string());
            let topic: Arc<str> = match p.topic.as_str() {
                "" => Arc::from("default"),
                t => Arc::from(t),
            };
            let event = Event {
                event: if p.event.is_empty() {
                    "message".into()
                } else {
                    p.event
                },
                data: p.data,
                id: id.clone(),
                retry: p.retry,
            };
            if state.event_types.len() < MAX_EVENT_TYPES
                && !state.event_types.contains(&event.event)
            {
                state.event_types.insert(event.event.clone());
            }
            let bytes = self.encode(&event);
            let chunk = Chunk {
                bytes: bytes.clone(),
                is_event: true,
            };
            let subs = state.topics.get(&topic).into_iter().flatten();
            for sub in subs.chain(state.wildcard.iter()) {
                if sub.push(chunk.clone(), self.config.client_queue) {
                    if batch {
                        reached.insert(sub.id);
                    } else {
                        reached_once += 1;
                    }
                } else {
                    slow.push(sub.id);
                }
            }
            self.counters
                .events_published
                .fetch_add(1, Ordering::Relaxed);
            state.remember(&self.config, seq, &id, topic, bytes, now);
            last_id = id;
        }
        for id in &slow {
            state.remove(*id);
            reached.remove(id);
        }
        self.counters
            .slow_disconnects
            .fetch_add(slow.len() as u64, Ordering::Relaxed);
        Ok(Published {
            id: last_id,
            delivered: if batch { reached.len() } else { reached_once },
            slow: slow.len(),
        })
    }

    /// Sends a comment (a keep-alive) to every subscriber; returns how many got it.
    pub fn comment(&self, text: &str) -> usize {
        let mut state = lock(&self.state);
        let bytes = Bytes::from(format!(":{text}{}", self.config.line_ending));
        let chunk = Chunk {
            bytes,
            is_event: false,
        };
        let mut slow = Vec::new();
        for sub in state.everyone.values() {
            if !sub.push(chunk.clone(), self.config.client_queue) {
                slow.push(sub.id);
            }
        }
        for id in &slow {
            state.remove(*id);
        }
        self.counters
            .slow_disconnects
            .fetch_add(slow.len() as u64, Ordering::Relaxed);
        state.everyone.len()
    }

    /// Registers a subscriber and takes its replay under one lock. `last_event_id` is the
    /// client's Last-Event-ID, if it sent one. `kill` is notified if it is cut off as slow.
    pub fn subscribe(
        &self,
        topics: Topics,
        last_event_id: Option<&str>,
        kill: Arc<Notify>,
    ) -> Result<(Arc<Subscriber>, Replay), &'static str> {
        let mut state = lock(&self.state);
        if state.closed {
            return Err("the server is shutting down");
        }
        state.next_subscriber += 1;
        let sub = Arc::new(Subscriber {
            id: state.next_subscriber,
            topics,
            state: Mutex::new(SubState::default()),
            kill,
        });
        let replay = match last_event_id {
            None => Replay::default(),
            Some(id) => {
                state.history.expire(&self.config, Instant::now());
                self.counters.replays.fetch_add(1, Ordering::Relaxed);
                let replay = state.history.after(id, &sub.topics);
                self.counters
                    .events_replayed
                    .fetch_add(replay.events.len() as u64, Ordering::Relaxed);
                replay
            }
        };
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

    /// Forgets a subscriber whose stream ended.
    pub fn unsubscribe(&self, id: u64) {
        lock(&self.state).remove(id);
    }

    /// Ends every stream and refuses new subscribers and events.
    pub fn close(&self) {
        let mut state = lock(&self.state);
        state.closed = true;
        for sub in state.everyone.values() {
            sub.close(Closed::Shutdown);
        }
        state.topics.clear();
        state.wildcard.clear();
        state.everyone.clear();
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
        state.history.expire(&self.config, Instant::now());
        state.history.entries.len()
    }

    fn encode(&self, event: &Event) -> Bytes {
        let mut text = String::with_capacity(event.data.len() + event.id.len() + 32);
        event.encode(&mut text);
        if self.config.line_ending != "\n" {
            text = text.replace('\n', self.config.line_ending);
        }
        Bytes::from(text)
    }
}

impl HubState {
    fn remember(
        &mut self,
        config: &HubConfig,
        seq: u64,
        id: &str,
        topic: Arc<str>,
        bytes: Bytes,
        now: Instant,
    ) {
        if config.history == 0 {
            return;
        }
        self.history.by_id.insert(id.to_owned(), seq);
        self.history.entries.push_back(Stored {
            seq,
            id: id.to_owned(),
            topic,
            bytes,
            at: now,
        });
        while self.history.entries.len() > config.history {
            self.history.pop_oldest();
        }
        self.history.expire(config, now);
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

impl History {
    fn pop_oldest(&mut self) {
        if let Some(old) = self.entries.pop_front() {
            if self.by_id.get(&old.id) == Some(&old.seq) {
                self.by_id.remove(&old.id);
            }
        }
    }

    fn expire(&mut self, config: &HubConfig, now: Instant) {
        let Some(ttl) = config.history_ttl else {
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

    /// The retained events after `id` on `topics`. An ID not in the history gets all retained
    /// events, with a note saying so: events may have been missed, and the client should know.
    fn after(&self, id: &str, topics: &Topics) -> Replay {
        let on_topics = |e: &&Stored| topics.contains(&e.topic);
        match self.by_id.get(id) {
            Some(&seq) => Replay {
                events: self
                    .entries
                    .iter()
                    .filter(|e| e.seq > seq)
                    .filter(on_topics)
                    .map(|e| e.bytes.clone())
                    .collect(),
                note: None,
            },
            None => {
                let events: Vec<Bytes> = self
                    .entries
                    .iter()
                    .filter(on_topics)
                    .map(|e| e.bytes.clone())
                    .collect();
                let note = match (self.entries.front(), self.entries.back()) {
                    (Some(first), Some(last)) => format!(
                        "last-event-id {id:?} is not in the history (ids {:?} to {:?}); events may have been missed; replaying all {} retained events on these topics",
                        first.id,
                        last.id,
                        events.len()
                    ),
                    _ => format!(
                        "last-event-id {id:?} is not in the history (it is empty); events may have been missed"
                    ),
                };
                Replay {
                    events,
                    note: Some(note),
                }
            }
        }
    }
}

/// Locks, ignoring poisoning: no code under these locks can leave the data half-changed.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Waker;

    fn hub(history: usize, queue: usize) -> Hub {
        Hub::new(HubConfig {
            history,
            history_ttl: None,
            client_queue: queue,
            line_ending: "\n",
        })
    }

    fn msg(topic: &str, data: &str) -> Publish {
        Publish {
            topic: topic.into(),
            data: data.into(),
            ..Publish::default()
        }
    }

    fn topics(list: &[&str]) -> Topics {
        Topics::Some(list.iter().map(|t| Arc::from(*t)).collect())
    }

    fn drain(sub: &Subscriber) -> String {
        match sub.poll(Waker::noop(), usize::MAX) {
            Poll::Ready(chunks) => chunks
                .iter()
                .map(|c| std::str::from_utf8(&c.bytes).unwrap().to_owned())
                .collect(),
            Poll::Pending => String::new(),
            Poll::Closed(why) => format!("closed {why:?}"),
        }
    }

    #[test]
    fn ids_are_assigned_across_topics_and_delivery_follows_topics() {
        let hub = hub(10, 10);
        let (a, _) = hub.subscribe(topics(&["a"]), None, Arc::default()).unwrap();
        let (all, _) = hub.subscribe(Topics::All, None, Arc::default()).unwrap();
        let p = hub.publish(vec![msg("a", "1"), msg("b", "2")]).unwrap();
        assert_eq!(p.id, "2");
        assert_eq!(p.delivered, 2);
        assert_eq!(drain(&a), "id: 1\ndata: 1\n\n");
        assert_eq!(drain(&all), "id: 1\ndata: 1\n\nid: 2\ndata: 2\n\n");
    }

    #[test]
    fn replay_is_after_the_id_on_the_topics() {
        let hub = hub(10, 10);
        hub.publish(vec![msg("a", "1"), msg("b", "2"), msg("a", "3")])
            .unwrap();
        let (_, replay) = hub
            .subscribe(topics(&["a"]), Some("1"), Arc::default())
            .unwrap();
        assert_eq!(replay.events, vec![Bytes::from("id: 3\ndata: 3\n\n")]);
        assert!(replay.note.is_none());
    }

    #[test]
    fn an_unknown_id_replays_everything_with_a_note() {
        let hub = hub(2, 10);
        hub.publish(vec![msg("a", "1"), msg("a", "2"), msg("a", "3")])
            .unwrap();
        let (_, replay) = hub
            .subscribe(topics(&["a"]), Some("1"), Arc::default())
            .unwrap();
        assert_eq!(replay.events.len(), 2);
        let note = replay.note.unwrap();
        assert!(note.contains("\"1\" is not in the history"), "{note}");
        assert!(note.contains("\"2\" to \"3\""), "{note}");
    }

    #[test]
    fn a_full_queue_cuts_the_subscriber_off_and_no_one_else() {
        let hub = hub(0, 2);
        let kill = Arc::new(Notify::new());
        let (slow, _) = hub.subscribe(Topics::All, None, kill.clone()).unwrap();
        let (fast, _) = hub.subscribe(Topics::All, None, Arc::default()).unwrap();
        for i in 0..3 {
            hub.publish(vec![msg("x", &i.to_string())]).unwrap();
            drain(&fast);
        }
        assert_eq!(drain(&slow), "closed Slow");
        assert_eq!(hub.counters.slow_disconnects.load(Ordering::Relaxed), 1);
        assert_eq!(hub.subscribers().0, 1);
        let p = hub.publish(vec![msg("x", "again")]).unwrap();
        assert_eq!(p.delivered, 1);
        assert_eq!(drain(&fast), "id: 4\ndata: again\n\n");
    }

    #[test]
    fn line_endings_apply_to_the_encoded_bytes() {
        let hub = Hub::new(HubConfig {
            history: 0,
            history_ttl: None,
            client_queue: 4,
            line_ending: "\r\n",
        });
        let (s, _) = hub.subscribe(Topics::All, None, Arc::default()).unwrap();
        hub.publish(vec![msg("a", "x\ny")]).unwrap();
        assert_eq!(drain(&s), "id: 1\r\ndata: x\r\ndata: y\r\n\r\n");
    }

    #[test]
    fn close_ends_every_stream_and_refuses_more() {
        let hub = hub(1, 1);
        let (s, _) = hub.subscribe(topics(&["a"]), None, Arc::default()).unwrap();
        hub.close();
        assert_eq!(drain(&s), "closed Shutdown");
        assert!(hub.publish(vec![msg("a", "x")]).is_err());
    }
}
