//! One subscriber's response body: the opening comment, the replay, then the live queue.
//!
//! The body is polled by the connection's own task (hyper, or h1.rs), so a subscriber costs no
//! task of its own: a publish pushes into its queue and wakes that task. What is ready is
//! written as one frame (up to [`FRAME_EVENTS`](hub::FRAME_EVENTS) events and [`FRAME_BYTES`](hub::FRAME_BYTES) bytes, or one larger
//! event), so a burst becomes few writes. The writer asks for the next frame only once the last
//! is written, which tells the hub that memory is free (queue.rs). Faults shape the bytes here:
//! `--drop-after` ends the stream after N events, `--drip` cuts every frame into small pieces
//! with a pause between them.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tokio::time::Sleep;

use super::App;
use super::hub::{self, Chunk, Closed, Subscriber};
use super::routes::StreamSlot;

/// Why a stream ended, for the disconnect log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// The client went away (the body was dropped before it ended).
    ClientGone,
    /// `--drop-after` reached.
    DropAfter,
    /// The subscriber fell behind.
    Slow,
    /// Shutdown.
    Shutdown,
}

impl std::fmt::Display for EndReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EndReason::ClientGone => "client closed",
            EndReason::DropAfter => "fault: --drop-after",
            EndReason::Slow => "slow client: did not read what was sent (--slow-timeout)",
            EndReason::Shutdown => "server shutting down",
        })
    }
}

/// A subscriber's event stream, as a hyper body.
pub struct EventStream {
    app: Arc<App>,
    /// Counts this stream as open until it is dropped.
    _slot: StreamSlot,
    sub: Arc<Subscriber>,
    /// Who, for the log.
    peer: String,
    /// The opening comment, `retry:` and any replay note, until sent.
    prelude: Option<Bytes>,
    /// Events left before `--drop-after` ends the stream.
    left: Option<u64>,
    drip: Option<Drip>,
    /// Set once the stream has ended on the server's side.
    ended: Option<EndReason>,
    /// Events and bytes written.
    events: u64,
    bytes: u64,
}

struct Drip {
    size: usize,
    delay: Duration,
    rest: Bytes,
    sleep: Pin<Box<Sleep>>,
}

impl EventStream {
    /// A stream that first sends `prelude` (comments, already encoded) then the replay and
    /// whatever the hub queues for `sub`.
    pub fn new(
        app: Arc<App>,
        slot: StreamSlot,
        sub: Arc<Subscriber>,
        peer: String,
        prelude: Bytes,
    ) -> Self {
        let faults = &app.config.faults;
        let drip = faults.drip.map(|(size, delay)| Drip {
            size,
            delay,
            rest: Bytes::new(),
            sleep: Box::pin(tokio::time::sleep(Duration::ZERO)),
        });
        EventStream {
            left: faults.drop_after,
            _slot: slot,
            app,
            sub,
            peer,
            prelude: Some(prelude),
            drip,
            ended: None,
            events: 0,
            bytes: 0,
        }
    }

    /// The next bytes to write, from the prelude and replay first, then the queue.
    fn next_bytes(&mut self, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
        if self.ended.is_some() {
            return Poll::Ready(None);
        }
        if let Some(prelude) = self.prelude.take() {
            return Poll::Ready(Some(prelude));
        }
        let mut chunks = match self.app.hub.next(&self.sub, cx.waker()) {
            hub::Poll::Ready(c) => c,
            hub::Poll::Pending => return Poll::Pending,
            hub::Poll::Closed(why) => {
                self.ended = Some(match why {
                    Closed::Slow => EndReason::Slow,
                    Closed::Shutdown => EndReason::Shutdown,
                    Closed::Gone => EndReason::ClientGone,
                });
                return Poll::Ready(None);
            }
        };
        // Cut the batch at --drop-after.
        if let Some(left) = self.left {
            let mut seen = 0;
            let keep = chunks
                .iter()
                .position(|c| {
                    seen += u64::from(c.is_event);
                    seen == left
                })
                .map_or(chunks.len(), |i| i + 1);
            chunks.truncate(keep);
            self.left = Some(left - seen.min(left));
            if self.left == Some(0) {
                self.ended = Some(EndReason::DropAfter);
            }
        }
        self.events += chunks.iter().filter(|c| c.is_event).count() as u64;
        Poll::Ready(Some(self.concat(chunks)))
    }

    /// One frame of the chunks: the chunk itself when alone, else a copy counted with the
    /// events (at most [`FRAME_BYTES`](hub::FRAME_BYTES)).
    fn concat(&self, mut chunks: Vec<Chunk>) -> Bytes {
        if chunks.len() == 1 {
            return chunks.pop().map(|c| c.bytes).unwrap_or_default();
        }
        let len = chunks.iter().map(|c| c.bytes.len()).sum();
        let mut buf = Vec::with_capacity(len);
        for c in &chunks {
            buf.extend_from_slice(&c.bytes);
        }
        self.app.hub.frame(buf)
    }
}

impl Body for EventStream {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        let out = match this.drip.as_mut() {
            None => ready!(this.next_bytes(cx)),
            Some(drip) if !drip.rest.is_empty() => {
                ready!(drip.sleep.as_mut().poll(cx));
                Some(drip.next_piece())
            }
            Some(_) => match ready!(this.next_bytes(cx)) {
                None => None,
                Some(bytes) => {
                    let drip = this.drip.as_mut().expect("drip checked above");
                    drip.rest = bytes;
                    Some(drip.next_piece())
                }
            },
        };
        Poll::Ready(out.map(|bytes| {
            this.bytes += bytes.len() as u64;
            this.app
                .stats
                .bytes_sent
                .fetch_add(bytes.len() as u64, Ordering::Relaxed);
            Ok(Frame::data(bytes))
        }))
    }

    fn is_end_stream(&self) -> bool {
        false
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

impl Drip {
    fn next_piece(&mut self) -> Bytes {
        let n = self.size.min(self.rest.len());
        let piece = self.rest.split_to(n);
        let deadline = tokio::time::Instant::now() + self.delay;
        self.sleep.as_mut().reset(deadline);
        piece
    }
}

impl Drop for EventStream {
    fn drop(&mut self) {
        let reason = self.ended.unwrap_or(match self.sub.closed() {
            Some(Closed::Slow) => EndReason::Slow,
            Some(Closed::Shutdown) => EndReason::Shutdown,
            Some(Closed::Gone) | None => EndReason::ClientGone,
        });
        self.app.hub.unsubscribe(&self.sub);
        self.app.log.disconnect(
            &self.peer,
            &self.sub.topics,
            self.events,
            self.bytes,
            reason,
        );
    }
}
