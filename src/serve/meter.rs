//! The memory serve holds for events, counted once, and its bound (`--event-memory`).
//!
//! Every encoded event is one buffer shared by the history, every subscriber's queue and the
//! write in progress on each stream; counting queues one by one would count a fanned-out event
//! once per subscriber. So the buffer itself is counted: [`Meter::bytes`] wraps it in an owner
//! whose drop, when the last reference goes, takes its size off the count. Fixed costs that are
//! not a buffer (a queue slot, a history entry) are counted with a [`Charge`], given back when
//! it is dropped. A publisher that would take the count over the bound waits on
//! [`Meter::wait_freed`] (see hub.rs for who is cut off meanwhile).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use tokio::sync::Notify;

/// The count of event bytes alive, and its bound.
#[derive(Debug)]
pub struct Meter {
    live: AtomicUsize,
    limit: usize,
    /// Publishers waiting for memory to be freed.
    waiting: AtomicUsize,
    freed: Notify,
}

impl Meter {
    /// A meter with this bound, in bytes.
    pub fn new(limit: usize) -> Arc<Meter> {
        Arc::new(Meter {
            live: AtomicUsize::new(0),
            limit,
            waiting: AtomicUsize::new(0),
            freed: Notify::new(),
        })
    }

    /// Bytes alive now.
    pub fn live(&self) -> usize {
        self.live.load(Ordering::Relaxed)
    }

    /// The bound.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// True when `more` bytes fit under the bound now.
    pub fn fits(&self, more: usize) -> bool {
        self.live().saturating_add(more) <= self.limit
    }

    /// `buf` as shared bytes, counted until the last reference to them is dropped.
    pub fn bytes(self: &Arc<Self>, buf: Vec<u8>) -> Bytes {
        self.add(buf.len());
        Bytes::from_owner(Counted {
            buf,
            meter: self.clone(),
        })
    }

    /// Counts `n` bytes until the charge is dropped.
    pub fn charge(self: &Arc<Self>, n: usize) -> Charge {
        self.add(n);
        Charge {
            meter: self.clone(),
            n,
        }
    }

    fn add(&self, n: usize) {
        self.live.fetch_add(n, Ordering::Relaxed);
    }

    fn sub(&self, n: usize) {
        self.live.fetch_sub(n, Ordering::Relaxed);
        if n > 0 && self.waiting.load(Ordering::Acquire) > 0 {
            self.freed.notify_waiters();
        }
    }

    /// Waits until some memory is freed, or `deadline`. `still_full` is checked once the
    /// wake-up is armed, so a free that happens in between is not missed.
    pub async fn wait_freed(&self, deadline: tokio::time::Instant, still_full: impl Fn() -> bool) {
        self.waiting.fetch_add(1, Ordering::AcqRel);
        let notified = self.freed.notified();
        let mut notified = std::pin::pin!(notified);
        notified.as_mut().enable();
        if still_full() {
            let _ = tokio::time::timeout_at(deadline, notified).await;
        }
        self.waiting.fetch_sub(1, Ordering::AcqRel);
    }

    /// Wakes every publisher waiting for memory (at shutdown).
    pub fn wake_all(&self) {
        self.freed.notify_waiters();
    }
}

/// A buffer whose size is counted by its meter while it lives.
struct Counted {
    buf: Vec<u8>,
    meter: Arc<Meter>,
}

impl AsRef<[u8]> for Counted {
    fn as_ref(&self) -> &[u8] {
        &self.buf
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.meter.sub(self.buf.len());
    }
}

/// Bytes counted by a meter until this is dropped.
#[derive(Debug)]
pub struct Charge {
    meter: Arc<Meter>,
    n: usize,
}

impl Charge {
    /// Changes the bytes counted to `n`.
    pub fn set(&mut self, n: usize) {
        if n > self.n {
            self.meter.add(n - self.n);
        } else {
            self.meter.sub(self.n - n);
        }
        self.n = n;
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        self.meter.sub(self.n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_are_counted_until_the_last_clone_is_dropped() {
        let meter = Meter::new(100);
        let a = meter.bytes(vec![0; 40]);
        let b = a.clone();
        let c = a.slice(1..3);
        assert_eq!(meter.live(), 40);
        assert!(meter.fits(60) && !meter.fits(61));
        drop((a, b));
        assert_eq!(meter.live(), 40);
        drop(c);
        assert_eq!(meter.live(), 0);
        let mut charge = meter.charge(10);
        charge.set(25);
        assert_eq!(meter.live(), 25);
        charge.set(5);
        assert_eq!(meter.live(), 5);
        drop(charge);
        assert_eq!(meter.live(), 0);
    }
}
