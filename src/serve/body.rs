//! A publish request's body, read within bounds: its size (`--max-body`), its time
//! (`--body-timeout`, counted from when the head arrived: a client that stalls, or trickles, is
//! answered 408 and dropped), and the memory of every body being read or decoded at once
//! (`--body-memory`).
//!
//! The memory bound is a semaphore of bytes. A body takes its Content-Length from it before
//! reading (a chunked one, what it has read so far), then, to be decoded, its size again (the
//! decoded data is a copy) plus [`DECODED_EVENT`] per event of a JSON batch (a decoded event
//! costs far more than its JSON: `{"data":""}` is 11 bytes). A body that cannot get its bytes
//! now is answered 503 with Retry-After; one that could never get them, 413.

use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use hyper::StatusCode;
use hyper::body::Incoming;
use serde::de::{Deserializer as _, IgnoredAny, SeqAccess, Visitor};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use super::App;
use crate::units::{format_duration, format_size};

/// What one event of a JSON batch costs once decoded, beyond its strings (measured: about 700
/// bytes for `{"data":""}`, most of it the JSON object's map).
pub const DECODED_EVENT: usize = 1024;

/// The memory for bodies, shared by every publish request.
#[derive(Debug)]
pub struct Budget {
    bytes: Arc<Semaphore>,
    total: usize,
}

impl Budget {
    /// A budget of `total` bytes.
    pub fn new(total: usize) -> Budget {
        Budget {
            bytes: Arc::new(Semaphore::new(total.min(Semaphore::MAX_PERMITS))),
            total,
        }
    }
}

/// A body read whole, holding its share of the budget until dropped.
#[derive(Debug)]
pub struct Body {
    /// The bytes.
    pub bytes: Bytes,
    permit: Option<OwnedSemaphorePermit>,
}

/// Why a body was not read.
#[derive(Debug)]
pub enum BodyError {
    /// Over `--max-body` (or, to decode, over the whole `--body-memory`).
    TooLarge,
    /// Not there within `--body-timeout`.
    Timeout(Duration),
    /// `--body-memory` is taken by other bodies now.
    Busy,
    /// The connection failed, or the body was cut short.
    Read(String),
}

/// Reads a body of at most `max` bytes (`declared` by Content-Length, if it was), by `deadline`.
pub async fn read(
    budget: &Budget,
    body: Incoming,
    declared: Option<u64>,
    max: usize,
    deadline: Instant,
    timeout: Duration,
) -> Result<Body, BodyError> {
    let mut out = Body {
        bytes: Bytes::new(),
        permit: None,
    };
    if let Some(n) = declared {
        let n = usize::try_from(n).map_err(|_| BodyError::TooLarge)?;
        if n > max {
            return Err(BodyError::TooLarge);
        }
        out.take(budget, n)?;
    }
    let read = collect(budget, body, &mut out, max, declared.is_some());
    let buf = tokio::time::timeout_at(deadline, read)
        .await
        .map_err(|_| BodyError::Timeout(timeout))??;
    out.bytes = buf.freeze();
    Ok(out)
}

async fn collect(
    budget: &Budget,
    mut body: Incoming,
    out: &mut Body,
    max: usize,
    sized: bool,
) -> Result<BytesMut, BodyError> {
    let mut buf = BytesMut::with_capacity(out.held());
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| BodyError::Read(e.to_string()))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if buf.len() + data.len() > max {
            return Err(BodyError::TooLarge);
        }
        buf.extend_from_slice(&data);
        if !sized && buf.capacity() > out.held() {
            out.take(budget, buf.capacity() - out.held())?;
        }
    }
    Ok(buf)
}

impl Body {
    /// Takes `n` more bytes of the budget for decoding this body.
    pub fn reserve(&mut self, budget: &Budget, n: usize) -> Result<(), BodyError> {
        if self.held() + n > budget.total {
            return Err(BodyError::TooLarge);
        }
        self.take(budget, n)
    }

    fn held(&self) -> usize {
        self.permit.as_ref().map_or(0, |p| p.num_permits())
    }

    fn take(&mut self, budget: &Budget, n: usize) -> Result<(), BodyError> {
        if n == 0 {
            return Ok(());
        }
        let n = u32::try_from(n).map_err(|_| BodyError::TooLarge)?;
        let permit = budget
            .bytes
            .clone()
            .try_acquire_many_owned(n)
            .map_err(|_| BodyError::Busy)?;
        match &mut self.permit {
            Some(held) => held.merge(permit),
            None => self.permit = Some(permit),
        }
        Ok(())
    }
}

/// Events in a JSON body: the length of a top-level array, else 1. Reads the JSON without
/// building it (a bad body counts 1; decoding it says what is wrong).
pub fn json_events(body: &[u8]) -> usize {
    struct Count;
    impl<'de> Visitor<'de> for Count {
        type Value = usize;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
            let mut n = 0;
            while seq.next_element::<IgnoredAny>()?.is_some() {
                n += 1;
            }
            Ok(n)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<usize, A::Error> {
            while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
            Ok(1)
        }
        fn visit_str<E>(self, _: &str) -> Result<usize, E> {
            Ok(1)
        }
        fn visit_bool<E>(self, _: bool) -> Result<usize, E> {
            Ok(1)
        }
        fn visit_u64<E>(self, _: u64) -> Result<usize, E> {
            Ok(1)
        }
        fn visit_i64<E>(self, _: i64) -> Result<usize, E> {
            Ok(1)
        }
        fn visit_f64<E>(self, _: f64) -> Result<usize, E> {
            Ok(1)
        }
        fn visit_unit<E>(self) -> Result<usize, E> {
            Ok(1)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    de.deserialize_any(Count).unwrap_or(1)
}

/// Why a publish body was refused, for its HTTP answer.
#[derive(Debug)]
pub struct Refusal {
    /// 400, 408, 413 or 503.
    pub status: StatusCode,
    /// What went wrong, naming the flag that bounds it.
    pub message: String,
    /// Worth trying again in a second (503).
    pub retry_after: bool,
}

/// Reads a publish body within `--max-body`, `--body-timeout` (counted from `started`) and
/// `--body-memory`, and takes from the budget what decoding it will cost.
pub async fn read_publish(
    app: &App,
    incoming: Incoming,
    declared: Option<u64>,
    is_json: bool,
    started: Instant,
) -> Result<Body, Refusal> {
    let c = &app.config;
    let mut body = read(
        &app.bodies,
        incoming,
        declared,
        c.max_body,
        started + c.body_timeout,
        c.body_timeout,
    )
    .await
    .map_err(|err| refusal(app, err, None))?;
    let events = if is_json { json_events(&body.bytes) } else { 1 };
    let decoded = body.bytes.len() + if is_json { events * DECODED_EVENT } else { 0 };
    body.reserve(&app.bodies, decoded)
        .map_err(|err| refusal(app, err, Some(events)))?;
    Ok(body)
}

/// The answer to `err`; `events` is set when the body was read and its decoding refused.
fn refusal(app: &App, err: BodyError, events: Option<usize>) -> Refusal {
    let c = &app.config;
    let (status, message) = match (err, events) {
        (BodyError::TooLarge, Some(n)) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "a batch of {n} events takes more than --body-memory ({}) to decode; send smaller batches",
                format_size(c.body_memory as u64)
            ),
        ),
        (BodyError::TooLarge, None) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the body is over --max-body ({})",
                format_size(c.max_body as u64)
            ),
        ),
        (BodyError::Timeout(d), _) => (
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the body did not arrive within --body-timeout ({})",
                format_duration(d)
            ),
        ),
        (BodyError::Busy, _) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "too many request bodies being read at once (--body-memory {}); try again",
                format_size(c.body_memory as u64)
            ),
        ),
        (BodyError::Read(e), _) => (
            StatusCode::BAD_REQUEST,
            format!("cannot read the body: {e}"),
        ),
    };
    Refusal {
        retry_after: status == StatusCode::SERVICE_UNAVAILABLE,
        status,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_events_counts_the_top_level_array() {
        assert_eq!(json_events(br#"[{"data":""},{"data":[1,{"a":[]}]},3]"#), 3);
        assert_eq!(json_events(br#"{"data":"x"}"#), 1);
        assert_eq!(json_events(b"[]"), 0);
        assert_eq!(json_events(b"[{oops"), 1);
    }

    #[test]
    fn the_budget_is_shared_and_given_back() {
        let budget = Budget::new(100);
        let mut a = Body {
            bytes: Bytes::new(),
            permit: None,
        };
        a.take(&budget, 60).unwrap();
        let mut b = Body {
            bytes: Bytes::new(),
            permit: None,
        };
        assert!(matches!(b.take(&budget, 50), Err(BodyError::Busy)));
        assert!(matches!(b.reserve(&budget, 101), Err(BodyError::TooLarge)));
        drop(a);
        b.take(&budget, 50).unwrap();
        b.reserve(&budget, 50).unwrap();
        assert_eq!(b.held(), 100);
    }
}
