//! One subscriber's side of the hub: its queue, bounded in events and bytes, and how slow it is.
//!
//! A queue holds at most `--client-queue` events and `--client-queue-bytes` bytes, counting the
//! frame its stream is writing (taken from the queue, not yet written). An empty queue takes any
//! one event, so an event larger than the bound still goes out. When an event does not fit, the
//! queue is *full*: publishers to its topics wait (hub.rs) until it has drained to half its
//! bound. A queue that stays full longer than `--slow-timeout` belongs to a slow subscriber,
//! which is cut off. So a burst never cuts off a subscriber that keeps reading; it only slows
//! the publishers down to that subscriber's pace, for at most `--slow-timeout`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::Waker;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::history::Cursor;
use super::hub::{Chunk, Topics};
use super::meter::{Charge, Meter};

/// What a queued chunk costs beyond its bytes: its slot in the queue.
pub const SLOT: usize = 48;

/// Why a subscriber's stream ended on the hub's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// Its queue stayed full longer than `--slow-timeout`, or it fell out of the history
    /// while being replayed to, or it held memory the server needed while not reading.
    Slow,
    /// The server is shutting down (after what was queued has been sent).
    Shutdown,
    /// The client went away.
    Gone,
}

/// The bounds of every queue.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most events queued.
    pub events: usize,
    /// Most bytes queued or being written.
    pub bytes: usize,
    /// How long a queue may stay full.
    pub slow_timeout: Duration,
}

/// Whether a subscriber can take an event now.
#[derive(Debug)]
pub enum Room {
    /// Yes.
    Yes,
    /// Not until it drains; its publishers wait until this deadline at most.
    Full(Instant),
    /// It has been full longer than `--slow-timeout`: it is slow.
    Expired,
    /// Its stream has ended.
    Closed,
}

/// What a stream gets when it polls.
#[derive(Debug)]
pub enum Poll {
    /// Chunks, in order (never empty).
    Ready(Vec<Chunk>),
    /// Nothing yet; the waker is stored.
    Pending,
    /// The stream must end.
    Closed(Closed),
}

/// A subscriber: what it follows, its queue, and how to wake or drop its stream. Kept small:
/// an idle subscriber is most of what a busy server holds, so the bounds and the notification
/// of publishers waiting for room are the hub's, passed in.
#[derive(Debug)]
pub struct Subscriber {
    /// Unique per server run.
    pub id: u64,
    /// What it follows.
    pub topics: Topics,
    state: Mutex<State>,
    /// Notified when it is cut off, so its connection is dropped even while blocked writing to
    /// a client that does not read.
    kill: Arc<Notify>,
}

#[derive(Debug)]
struct State {
    queue: VecDeque<Chunk>,
    /// Bytes in the queue, slots included.
    queued: usize,
    /// Bytes of the frame being written.
    in_flight: usize,
    /// The queue's slots, counted by the hub's meter.
    slots: Charge,
    full_since: Option<Instant>,
    /// When the stream last finished a write, or got work while it had none.
    busy_since: Instant,
    waker: Option<Waker>,
    closed: Option<Closed>,
    /// Shutting down: end the stream once the queue is empty.
    closing: bool,
    /// Retained events still to be replayed.
    replay: Option<Cursor>,
}

impl Subscriber {
    /// A subscriber with an empty queue, replaying `replay` first if set.
    pub fn new(
        id: u64,
        topics: Topics,
        meter: &Arc<Meter>,
        kill: Arc<Notify>,
        replay: Option<Cursor>,
    ) -> Subscriber {
        Subscriber {
            id,
            topics,
            state: Mutex::new(State {
                queue: VecDeque::new(),
                queued: 0,
                in_flight: 0,
                slots: meter.charge(0),
                full_since: None,
                busy_since: Instant::now(),
                waker: None,
                closed: None,
                closing: false,
                replay,
            }),
            kill,
        }
    }

    /// Whether an event of `len` bytes fits now. A queue found full starts its slow clock.
    pub fn room(&self, len: usize, now: Instant, limits: &Limits) -> Room {
        let mut s = lock(&self.state);
        if s.closed.is_some() || s.closing {
            return Room::Closed;
        }
        let busy = !s.queue.is_empty() || s.in_flight > 0;
        let over =
            s.queue.len() >= limits.events || s.queued + s.in_flight + len + SLOT > limits.bytes;
        if s.full_since.is_none() && !(busy && over) {
            return Room::Yes;
        }
        let since = *s.full_since.get_or_insert(now);
        let deadline = since + limits.slow_timeout;
        if now >= deadline {
            Room::Expired
        } else {
            Room::Full(deadline)
        }
    }

    /// Queues a chunk the hub found room for; false if the stream has ended.
    pub fn push(&self, chunk: Chunk, now: Instant) -> bool {
        let mut s = lock(&self.state);
        if s.closed.is_some() {
            return false;
        }
        if s.queue.is_empty() && s.in_flight == 0 {
            s.busy_since = now;
        }
        s.queued += chunk.bytes.len() + SLOT;
        s.queue.push_back(chunk);
        let slots = s.queue.len() * SLOT;
        s.slots.set(slots);
        let waker = s.waker.take();
        drop(s);
        waker.into_iter().for_each(Waker::wake);
        true
    }

    /// Queues a comment if the stream has nothing else to send (a keep-alive is pointless
    /// behind events, and must never fill a queue). True if queued.
    pub fn offer_comment(&self, chunk: &Chunk, now: Instant) -> bool {
        let idle = {
            let s = lock(&self.state);
            s.closed.is_none() && !s.closing && s.queue.is_empty() && s.in_flight == 0
        };
        idle && self.push(chunk.clone(), now)
    }

    /// The stream has written its last frame: that memory is free. True when that ended a
    /// full spell (the queue has drained to half its bounds): publishers waiting can go on.
    pub fn ack(&self, now: Instant, limits: &Limits) -> bool {
        let mut s = lock(&self.state);
        if s.in_flight > 0 {
            s.in_flight = 0;
            s.busy_since = now;
        }
        let drained = s.full_since.is_some()
            && s.queue.len() <= limits.events / 2
            && s.queued + s.in_flight <= limits.bytes / 2;
        if drained {
            s.full_since = None;
        }
        drained
    }

    /// Takes queued chunks for one frame: at most `max_events`, and no more than `max_bytes`
    /// unless the first alone is larger. Stores `waker` when there is nothing.
    pub fn take(&self, waker: &Waker, max_events: usize, max_bytes: usize) -> Poll {
        let mut s = lock(&self.state);
        if let Some(why) = s.closed {
            return Poll::Closed(why);
        }
        if s.queue.is_empty() {
            if s.closing && s.replay.is_none() {
                return Poll::Closed(Closed::Shutdown);
            }
            if !s.waker.as_ref().is_some_and(|w| w.will_wake(waker)) {
                s.waker = Some(waker.clone());
            }
            if s.queue.capacity() > 64 {
                s.queue = VecDeque::new();
            }
            return Poll::Pending;
        }
        let mut bytes = 0;
        let mut n = 0;
        for c in s.queue.iter().take(max_events) {
            if n > 0 && bytes + c.bytes.len() > max_bytes {
                break;
            }
            bytes += c.bytes.len();
            n += 1;
        }
        let chunks: Vec<Chunk> = s.queue.drain(..n).collect();
        s.queued -= bytes + n * SLOT;
        s.in_flight += bytes;
        let slots = s.queue.len() * SLOT;
        s.slots.set(slots);
        Poll::Ready(chunks)
    }

    /// Hands the replay cursor to `step`, which returns the chunks of the next frame and where
    /// the replay goes on (`None`: done), or `Err` when the history lost events not yet
    /// replayed (the subscriber is then slow). `None` when there is no replay left.
    pub fn replay_with(
        &self,
        step: impl FnOnce(Cursor) -> Result<(Vec<Chunk>, Option<Cursor>), ()>,
    ) -> Option<Poll> {
        let mut s = lock(&self.state);
        if let Some(why) = s.closed {
            return Some(Poll::Closed(why));
        }
        let cursor = s.replay?;
        match step(cursor) {
            Ok((chunks, next)) => {
                s.replay = next;
                if chunks.is_empty() {
                    return None;
                }
                s.in_flight += chunks.iter().map(|c| c.bytes.len()).sum::<usize>();
                Some(Poll::Ready(chunks))
            }
            // The hub cuts it off.
            Err(()) => Some(Poll::Closed(Closed::Slow)),
        }
    }

    /// Whether there is replay left (cheap: no hub lock).
    pub fn replaying(&self) -> bool {
        lock(&self.state).replay.is_some()
    }

    /// Ends the stream now, dropping what is queued. A slow subscriber's connection is dropped
    /// too, since its stream may be stuck in a write.
    pub fn cut(&self, why: Closed) {
        let mut s = lock(&self.state);
        if s.closed.is_some() {
            return;
        }
        s.closed = Some(why);
        s.queue = VecDeque::new();
        s.queued = 0;
        s.replay = None;
        s.slots.set(0);
        let waker = s.waker.take();
        drop(s);
        waker.into_iter().for_each(Waker::wake);
        if why == Closed::Slow {
            self.kill.notify_one();
        }
    }

    /// Ends the stream once what is queued (and left to replay) has been sent.
    pub fn close_gently(&self) {
        let mut s = lock(&self.state);
        s.closing = true;
        let waker = s.waker.take();
        drop(s);
        waker.into_iter().for_each(Waker::wake);
    }

    /// Why its stream ended, if it has.
    pub fn closed(&self) -> Option<Closed> {
        lock(&self.state).closed
    }

    /// True when it has had something to write and written nothing for `timeout`.
    pub fn stalled(&self, now: Instant, timeout: Duration) -> bool {
        let s = lock(&self.state);
        s.closed.is_none()
            && (!s.queue.is_empty() || s.in_flight > 0)
            && now.duration_since(s.busy_since) > timeout
    }

    /// Events queued and the replay cursor, for the count of what shutdown left undelivered.
    pub fn backlog(&self) -> (usize, Option<Cursor>) {
        let s = lock(&self.state);
        if s.closed.is_some_and(|c| c != Closed::Shutdown) {
            return (0, None);
        }
        (s.queue.iter().filter(|c| c.is_event).count(), s.replay)
    }

    /// True while it is in a full spell and still streaming: publishers wait for it.
    pub fn is_full(&self) -> bool {
        let s = lock(&self.state);
        s.full_since.is_some() && s.closed.is_none()
    }
}

/// Locks, ignoring poisoning: no code under these locks can leave the data half-changed.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
