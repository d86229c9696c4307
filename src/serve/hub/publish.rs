//! Publishing: sizing and encoding an event, waiting for room in the queues of its
//! subscribers and for memory, and fanning it out (see hub.rs's doc).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::{
    Chunk, Closed, Hub, HubState, MAX_EVENT_TYPE_LEN, MAX_EVENT_TYPES, Publish, Published, Refused,
    Subscriber,
};
use crate::event::Event;
use crate::serve::queue::{Room, SLOT, lock};

/// The longest ID the hub assigns (`u64::MAX` in digits), for sizing events before their ID.
const ASSIGNED_ID_LEN: usize = 20;

/// What a publisher waits for before it can go on.
enum Wait {
    /// This subscriber's queue to drain, until the deadline.
    Room(Arc<Subscriber>, Instant),
    /// Memory to be freed, until the deadline.
    Memory(Instant),
}

/// A publish in progress.
#[derive(Default)]
struct Progress {
    published: usize,
    last_id: String,
    /// Subscribers a single event was queued for (all in one lock: none can be cut after).
    reached: usize,
    /// Subscribers the events of a batch were queued for, by ID.
    reached_batch: HashMap<u64, Arc<Subscriber>>,
    slow: usize,
}

impl Hub {
    /// Publishes events in order. Each is encoded once and fanned out to the subscribers of
    /// its topic and of `*`, waiting for full queues and for memory as the module doc says.
    /// Nothing is published when an event is too large.
    pub async fn publish(&self, events: Vec<Publish>) -> Result<Published, Refused> {
        self.check_sizes(&events)?;
        let batch = events.len() > 1;
        let mut events = events.into_iter().peekable();
        let mut progress = Progress::default();
        loop {
            let wait = self.publish_some(&mut events, &mut progress, batch)?;
            match wait {
                None => break,
                Some(Wait::Room(sub, deadline)) => self.wait_room(&sub, deadline).await,
                Some(Wait::Memory(deadline)) => {
                    let need = events.peek().map_or(0, |p| self.encoded_len(p));
                    self.meter
                        .wait_freed(deadline.into(), || {
                            !self.meter.fits(need) && !lock(&self.state).closed
                        })
                        .await;
                }
            }
        }
        // A subscriber cut off (or gone) while the batch waited lost what it was queued.
        let delivered = if batch {
            progress
                .reached_batch
                .values()
                .filter(|s| matches!(s.closed(), None | Some(Closed::Shutdown)))
                .count()
        } else {
            progress.reached
        };
        Ok(Published {
            id: progress.last_id,
            delivered,
            slow: progress.slow,
        })
    }

    /// Refuses the batch if one of its events is over `--max-event-size` once encoded.
    fn check_sizes(&self, events: &[Publish]) -> Result<(), Refused> {
        let max = self.config.max_event_size;
        for (index, p) in events.iter().enumerate() {
            let size = self.encoded_len(p);
            if size > max {
                return Err(Refused::TooLarge {
                    index,
                    of: events.len(),
                    size,
                    max,
                });
            }
        }
        Ok(())
    }

    /// Publishes events under the lock until one must wait, or all are out.
    fn publish_some(
        &self,
        events: &mut std::iter::Peekable<std::vec::IntoIter<Publish>>,
        progress: &mut Progress,
        batch: bool,
    ) -> Result<Option<Wait>, Refused> {
        let mut state = lock(&self.state);
        let now = Instant::now();
        while let Some(p) = events.peek() {
            if state.closed {
                return Err(Refused::ShuttingDown {
                    published: progress.published,
                });
            }
            let topic: Arc<str> = match p.topic.as_str() {
                "" => Arc::from("default"),
                t => Arc::from(t),
            };
            let len = self.encoded_len(p);
            if let Some(wait) = self.check_room(&mut state, &topic, len, now, progress) {
                return Ok(Some(wait));
            }
            let Some(p) = events.next() else { break };
            self.commit(&mut state, p, topic, now, progress, batch);
        }
        Ok(None)
    }

    /// Cuts off the slow among the subscribers of `topic`; `Some` when the event must wait.
    fn check_room(
        &self,
        state: &mut HubState,
        topic: &str,
        len: usize,
        now: Instant,
        progress: &mut Progress,
    ) -> Option<Wait> {
        let mut wait = None;
        let mut expired = Vec::new();
        let mut targets = 0;
        for sub in state.targets(topic) {
            targets += 1;
            match sub.room(len, now, &self.limits) {
                Room::Yes | Room::Closed => {}
                Room::Expired => expired.push(sub.clone()),
                Room::Full(deadline) => {
                    wait.get_or_insert_with(|| Wait::Room(sub.clone(), deadline));
                }
            }
        }
        progress.slow += expired.len();
        for sub in &expired {
            self.cut_slow(state, sub);
        }
        if wait.is_some() {
            return wait;
        }
        let need = len + targets * SLOT;
        if self.meter.fits(need) {
            return None;
        }
        // Over --event-memory: first whoever holds memory without writing.
        let timeout = self.config.slow_timeout;
        let stalled: Vec<Arc<Subscriber>> = state
            .everyone
            .values()
            .filter(|s| s.stalled(now, timeout))
            .cloned()
            .collect();
        if !stalled.is_empty() {
            for sub in &stalled {
                self.cut_slow(state, sub);
            }
            progress.slow += stalled.len();
            // Their memory is freed as their connections drop: wait for it.
            return Some(Wait::Memory(now + Duration::from_millis(100)));
        }
        // Then the oldest history.
        while !self.meter.fits(need) && state.history.pop_oldest() {}
        if self.meter.fits(need) {
            return None;
        }
        Some(Wait::Memory(now + timeout))
    }

    /// Publishes one event that every subscriber of its topic has room for.
    fn commit(
        &self,
        state: &mut HubState,
        p: Publish,
        topic: Arc<str>,
        now: Instant,
        progress: &mut Progress,
        batch: bool,
    ) {
        state.next_seq += 1;
        let seq = state.next_seq;
        let id = p.id.unwrap_or_else(|| seq.to_string());
        let event = Event {
            event: if p.event.is_empty() {
                "message".into()
            } else {
                p.event
            },
            data: p.data,
            id,
            retry: p.retry,
        };
        if state.event_types.len() < MAX_EVENT_TYPES
            && event.event.len() <= MAX_EVENT_TYPE_LEN
            && !state.event_types.contains(&event.event)
        {
            state.event_types.insert(event.event.clone());
        }
        let bytes = self.encode(&event);
        let chunk = Chunk {
            bytes: bytes.clone(),
            is_event: true,
        };
        for sub in state.targets(&topic) {
            if !sub.push(chunk.clone(), now) {
                continue;
            }
            if batch {
                progress.reached_batch.insert(sub.id, sub.clone());
            } else {
                progress.reached += 1;
            }
        }
        self.counters
            .events_published
            .fetch_add(1, Ordering::Relaxed);
        state.history.remember(
            &self.history_bounds,
            &self.meter,
            seq,
            &event.id,
            topic,
            bytes,
            now,
        );
        progress.published += 1;
        progress.last_id = event.id;
    }

    fn cut_slow(&self, state: &mut HubState, sub: &Arc<Subscriber>) {
        sub.cut(Closed::Slow);
        state.remove(sub.id);
        self.counters
            .slow_disconnects
            .fetch_add(1, Ordering::Relaxed);
    }

    pub(super) fn encode(&self, event: &Event) -> Bytes {
        let mut text = String::with_capacity(event.data.len() + event.id.len() + 32);
        event.encode(&mut text);
        if self.config.line_ending != "\n" {
            text = text.replace('\n', self.config.line_ending);
        }
        self.meter.bytes(text.into_bytes())
    }

    /// The size of `p` on the wire, as [`Event::encode`] writes it, with room for an assigned
    /// ID.
    pub fn encoded_len(&self, p: &Publish) -> usize {
        let eol = self.config.line_ending.len();
        let single = |s: &str| s.bytes().filter(|b| *b != b'\r' && *b != b'\n').count();
        let mut len = eol;
        if !p.event.is_empty() && p.event != "message" {
            len += "event: ".len() + single(&p.event) + eol;
        }
        let id = p.id.as_deref().map_or(ASSIGNED_ID_LEN, single);
        if id > 0 {
            len += "id: ".len() + id + eol;
        }
        if let Some(ms) = p.retry {
            len += "retry: ".len() + ms.to_string().len() + eol;
        }
        let data = p.data.as_bytes();
        let (mut lines, mut breaks) = (1, 0);
        let mut i = 0;
        while let Some(at) = memchr::memchr2(b'\r', b'\n', &data[i..]) {
            let at = i + at;
            let crlf = data[at] == b'\r' && data.get(at + 1) == Some(&b'\n');
            let width = if crlf { 2 } else { 1 };
            lines += 1;
            breaks += width;
            i = at + width;
        }
        len + lines * ("data: ".len() + eol) + data.len() - breaks
    }
}
