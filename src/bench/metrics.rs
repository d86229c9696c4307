//! What a bench run counts, per shard, merged at the end.
//!
//! Each shard (one thread, one current-thread runtime) owns one [`Metrics`] that its streams
//! update in place: no lock and no channel message per event. The collector merges the shards'
//! metrics once, at the end; HDR histograms merge losslessly.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;

/// Highest value the histograms hold, in microseconds (one hour); larger values are clamped.
pub const HIST_MAX_US: u64 = 3_600_000_000;
/// Significant figures of the histograms.
pub const HIST_SIGFIG: u8 = 3;

/// A histogram of microseconds, 1 µs to one hour, 3 significant figures.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, HIST_MAX_US, HIST_SIGFIG).expect("valid histogram bounds")
}

/// Records `us` microseconds, clamped into the histogram's range.
pub fn record(h: &mut Histogram<u64>, us: u64) {
    let _ = h.record(us.clamp(1, HIST_MAX_US));
}

/// Why a connection attempt or a stream failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorKind {
    /// The TCP connection was refused.
    Refused,
    /// Connecting (TCP, TLS, response headers) took longer than --connect-timeout.
    Timeout,
    /// A response status other than 200 (the code).
    Status(u16),
    /// A 200 without `Content-Type: text/event-stream`.
    ContentType,
    /// TLS failed.
    Tls,
    /// An HTTP protocol error.
    Protocol,
    /// Any other I/O error (reset, unreachable, out of ports or file descriptors).
    Io,
    /// An event (or line) larger than `--max-event-size`, dropped by the parser.
    Oversize,
    /// A 200 whose body is encoded in a way bench never asked for (it sends no
    /// Accept-Encoding nor TE): a Content-Encoding other than identity, or a Transfer-Encoding
    /// other than chunked. Counted, not decoded, and the stream is not read.
    ContentEncoding,
}

impl ErrorKind {
    /// Every kind but `Status`.
    const NAMED: [ErrorKind; 8] = [
        ErrorKind::Refused,
        ErrorKind::Timeout,
        ErrorKind::ContentType,
        ErrorKind::Tls,
        ErrorKind::Protocol,
        ErrorKind::Io,
        ErrorKind::Oversize,
        ErrorKind::ContentEncoding,
    ];

    /// The key used in reports and thresholds: `refused`, `timeout`, `status_503`,
    /// `content_type`, `tls`, `protocol`, `io`, `oversize`, `content_encoding`.
    pub fn key(self) -> String {
        match self {
            ErrorKind::Refused => "refused".into(),
            ErrorKind::Timeout => "timeout".into(),
            ErrorKind::Status(code) => format!("status_{code}"),
            ErrorKind::ContentType => "content_type".into(),
            ErrorKind::Tls => "tls".into(),
            ErrorKind::Protocol => "protocol".into(),
            ErrorKind::Io => "io".into(),
            ErrorKind::Oversize => "oversize".into(),
            ErrorKind::ContentEncoding => "content_encoding".into(),
        }
    }

    /// The kind of a key (the inverse of [`ErrorKind::key`]); `None` for anything else.
    pub fn from_key(key: &str) -> Option<ErrorKind> {
        if let Some(kind) = ErrorKind::NAMED.into_iter().find(|k| k.key() == key) {
            return Some(kind);
        }
        let code = key.strip_prefix("status_")?;
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(ErrorKind::Status(code.parse().ok()?))
    }
}

/// `--check-ids` counts: what increasing integer IDs tell about delivery.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IdCounts {
    /// Events whose ID was an integer and was checked.
    pub checked: u64,
    /// IDs skipped: the gaps between consecutive IDs on a stream (across reconnects).
    pub lost: u64,
    /// An ID equal to the highest seen before on the stream.
    pub duplicated: u64,
    /// An ID lower than the highest seen before on the stream.
    pub out_of_order: u64,
    /// Events whose ID was missing or not an integer.
    pub unchecked: u64,
}

impl IdCounts {
    fn merge(&mut self, o: &IdCounts, add: &Adder) -> Result<(), Overflow> {
        add.to(&mut self.checked, o.checked, "ids.checked")?;
        add.to(&mut self.lost, o.lost, "ids.lost")?;
        add.to(&mut self.duplicated, o.duplicated, "ids.duplicated")?;
        add.to(&mut self.out_of_order, o.out_of_order, "ids.out_of_order")?;
        add.to(&mut self.unchecked, o.unchecked, "ids.unchecked")
    }
}

/// A count that would not fit in 64 bits once added: its name in the report
/// (`summary.events`, `errors.refused`, `histograms.latency`, `timeline[3]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} does not fit in 64 bits once added up")]
pub struct Overflow(pub String);

/// How [`Metrics`] are added up: checked (reports read back, where a wrapped count could turn
/// a failing run into a passing one) or saturating (the shards of one run, whose only count a
/// server can inflate at will is `lost`, by IDs that jump by 2^64).
struct Adder {
    saturate: bool,
}

impl Adder {
    fn to(&self, a: &mut u64, b: u64, field: &str) -> Result<(), Overflow> {
        *a = match a.checked_add(b) {
            Some(sum) => sum,
            None if self.saturate => u64::MAX,
            None => return Err(Overflow(field.to_owned())),
        };
        Ok(())
    }
}

/// Everything counted by one shard (or, merged, by the whole run).
#[derive(Debug, Clone)]
pub struct Metrics {
    /// Connect time per successful connection: TCP + TLS + response headers, µs.
    pub connect_us: Histogram<u64>,
    /// Time from the start of a connection attempt to its first event, µs.
    pub first_event_us: Histogram<u64>,
    /// Delivery latency (receive time − the event's send timestamp), µs.
    pub latency_us: Histogram<u64>,
    /// Streams started (each keeps one connection open at a time).
    pub streams: u64,
    /// Connection attempts.
    pub attempts: u64,
    /// Attempts that got a 200 event stream.
    pub connected: u64,
    /// Events received.
    pub events: u64,
    /// Body bytes received.
    pub bytes: u64,
    /// Streams the server ended (or that broke) before the run was over.
    pub disconnects: u64,
    /// Connections opened again after a disconnect or a failed attempt.
    pub reconnects: u64,
    /// `--reconnect` attempts sent without Last-Event-ID: the last event ID had a control
    /// character, which an HTTP header cannot carry (events may have been missed).
    pub unresumable: u64,
    /// Failures by kind.
    pub errors: BTreeMap<ErrorKind, u64>,
    /// `--check-ids` counts.
    pub ids: IdCounts,
    /// Events whose data had no usable timestamp at `--latency-field`.
    pub latency_missing: u64,
    /// Events whose timestamp was ahead of the clock (by more than its unit's resolution):
    /// clock skew or the wrong unit. Not in `latency_us`; any makes latency thresholds fail.
    pub latency_future: u64,
    /// Events whose latency was beyond the histogram's hour, recorded as one hour: the wrong
    /// unit, most likely. Any makes latency thresholds fail.
    pub latency_clamped: u64,
    /// Events received in each second of the run.
    pub timeline: Vec<u64>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            connect_us: histogram(),
            first_event_us: histogram(),
            latency_us: histogram(),
            streams: 0,
            attempts: 0,
            connected: 0,
            events: 0,
            bytes: 0,
            disconnects: 0,
            reconnects: 0,
            unresumable: 0,
            errors: BTreeMap::new(),
            ids: IdCounts::default(),
            latency_missing: 0,
            latency_future: 0,
            latency_clamped: 0,
            timeline: Vec::new(),
        }
    }
}

impl Metrics {
    /// Counts a failure.
    pub fn error(&mut self, kind: ErrorKind) {
        *self.errors.entry(kind).or_default() += 1;
    }

    /// All errors (saturating: a report's error counts are checked to add up when it is read).
    pub fn error_count(&self) -> u64 {
        self.errors.values().fold(0, |a, b| a.saturating_add(*b))
    }

    /// Counts an event received `second` whole seconds into the run.
    pub fn event_at(&mut self, second: usize) {
        self.events += 1;
        if self.timeline.len() <= second {
            self.timeline.resize(second + 1, 0);
        }
        self.timeline[second] += 1;
    }

    /// Adds another report's counts to these; the first count that would overflow, by its name
    /// in the report, is an error (and these counts are then partly added: drop them). Taken
    /// by value so that the longer timeline is kept and the shorter added in, not copied.
    pub fn merge(&mut self, mut o: Metrics) -> Result<(), Overflow> {
        if self.timeline.len() < o.timeline.len() {
            std::mem::swap(&mut self.timeline, &mut o.timeline);
        }
        self.add(&o, &Adder { saturate: false })
    }

    /// Adds another shard's counts to these, saturating at 2^64 − 1.
    pub fn merge_saturating(&mut self, o: &Metrics) {
        let _ = self.add(o, &Adder { saturate: true });
    }

    fn add(&mut self, o: &Metrics, add: &Adder) -> Result<(), Overflow> {
        for (mine, theirs, name) in [
            (&mut self.connect_us, &o.connect_us, "histograms.connect"),
            (
                &mut self.first_event_us,
                &o.first_event_us,
                "histograms.first_event",
            ),
            (&mut self.latency_us, &o.latency_us, "histograms.latency"),
        ] {
            // Bucket counts saturate in hdrhistogram: checking that the totals add up (on a copy)
            // bounds the sum of every bucket.
            add.to(&mut mine.len(), theirs.len(), name)?;
            let _ = mine.add(theirs);
        }
        add.to(&mut self.streams, o.streams, "summary.streams")?;
        add.to(&mut self.attempts, o.attempts, "summary.attempts")?;
        add.to(&mut self.connected, o.connected, "summary.connected")?;
        add.to(&mut self.events, o.events, "summary.events")?;
        add.to(&mut self.bytes, o.bytes, "summary.bytes")?;
        add.to(&mut self.disconnects, o.disconnects, "summary.disconnects")?;
        add.to(&mut self.reconnects, o.reconnects, "summary.reconnects")?;
        add.to(&mut self.unresumable, o.unresumable, "summary.unresumable")?;
        // The total first: kinds that each fit may still add up to more than 64 bits.
        add.to(&mut self.error_count(), o.error_count(), "summary.errors")?;
        for (kind, n) in &o.errors {
            let name = format!("errors.{}", kind.key());
            add.to(self.errors.entry(*kind).or_default(), *n, &name)?;
        }
        self.ids.merge(&o.ids, add)?;
        add.to(
            &mut self.latency_missing,
            o.latency_missing,
            "summary.latency_missing",
        )?;
        add.to(
            &mut self.latency_future,
            o.latency_future,
            "summary.latency_future",
        )?;
        add.to(
            &mut self.latency_clamped,
            o.latency_clamped,
            "summary.latency_clamped",
        )?;
        if self.timeline.len() < o.timeline.len() {
            self.timeline.resize(o.timeline.len(), 0);
        }
        for (i, (a, b)) in self.timeline.iter_mut().zip(&o.timeline).enumerate() {
            add.to(a, *b, &format!("timeline[{i}]"))?;
        }
        Ok(())
    }
}

/// One stream's ID tracker for `--check-ids`.
#[derive(Debug, Clone, Copy, Default)]
pub struct IdTracker {
    last: Option<u64>,
}

impl IdTracker {
    /// Checks the ID of the next event on this stream.
    pub fn check(&mut self, id: &str, counts: &mut IdCounts) {
        let Ok(id) = id.parse::<u64>() else {
            counts.unchecked += 1;
            return;
        };
        counts.checked += 1;
        match self.last {
            Some(last) if id == last => counts.duplicated += 1,
            Some(last) if id < last => counts.out_of_order += 1,
            Some(last) => {
                // IDs that jump by ~2^64 are no sequence: saturate rather than wrap.
                counts.lost = counts.lost.saturating_add(id - last - 1);
                self.last = Some(id);
            }
            None => self.last = Some(id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_count_gaps_duplicates_and_reordering() {
        let mut t = IdTracker::default();
        let mut c = IdCounts::default();
        for id in ["5", "6", "9", "9", "7", "10", "x", ""] {
            t.check(id, &mut c);
        }
        assert_eq!(
            c,
            IdCounts {
                checked: 6,
                lost: 2,
                duplicated: 1,
                out_of_order: 1,
                unchecked: 2
            }
        );
    }

    #[test]
    fn merging_adds_counts_histograms_and_timelines() {
        let mut a = Metrics::default();
        let mut b = Metrics::default();
        record(&mut a.latency_us, 1_000);
        record(&mut b.latency_us, 3_000);
        a.event_at(0);
        b.event_at(2);
        b.error(ErrorKind::Status(503));
        a.merge(b).expect("no overflow");
        assert_eq!(a.latency_us.len(), 2);
        assert_eq!(a.events, 2);
        assert_eq!(a.timeline, vec![1, 0, 1]);
        assert_eq!(a.errors[&ErrorKind::Status(503)], 1);
        assert_eq!(ErrorKind::Status(503).key(), "status_503");
    }

    #[test]
    fn merging_names_the_count_that_overflows_or_saturates_it() {
        let overflow = |f: fn(&mut Metrics)| {
            let mut a = Metrics::default();
            let mut b = Metrics::default();
            f(&mut a);
            f(&mut b);
            let mut saturated = a.clone();
            saturated.merge_saturating(&b);
            (a.merge(b).unwrap_err().0, saturated)
        };
        let (name, m) = overflow(|m| m.events = u64::MAX / 2 + 1);
        assert_eq!((name.as_str(), m.events), ("summary.events", u64::MAX));
        let (name, m) = overflow(|m| m.ids.lost = u64::MAX);
        assert_eq!((name.as_str(), m.ids.lost), ("ids.lost", u64::MAX));
        let (name, _) = overflow(|m| {
            m.errors.insert(ErrorKind::Refused, u64::MAX - 1);
        });
        assert_eq!(name, "summary.errors");
        let (name, _) = overflow(|m| m.timeline = vec![0, u64::MAX]);
        assert_eq!(name, "timeline[1]");
        let (name, _) = overflow(|m| {
            m.latency_us.record_n(1000, u64::MAX / 2 + 1).unwrap();
        });
        assert_eq!(name, "histograms.latency");
        for name in ["latency_future", "latency_clamped"] {
            let (got, _) = overflow(match name {
                "latency_future" => |m: &mut Metrics| m.latency_future = u64::MAX,
                _ => |m: &mut Metrics| m.latency_clamped = u64::MAX,
            });
            assert_eq!(got, format!("summary.{name}"));
        }
    }

    #[test]
    fn error_keys_map_back_to_kinds() {
        for kind in ErrorKind::NAMED.into_iter().chain([ErrorKind::Status(503)]) {
            assert_eq!(ErrorKind::from_key(&kind.key()), Some(kind));
        }
        for key in ["status_x", "status_0503", "status_50", "boom", ""] {
            assert_eq!(ErrorKind::from_key(key), None, "{key}");
        }
    }

    #[test]
    fn ids_that_jump_by_2_to_the_64_saturate_lost() {
        let mut c = IdCounts::default();
        for _ in 0..2 {
            let mut t = IdTracker::default();
            t.check("0", &mut c);
            t.check(&(u64::MAX - 1).to_string(), &mut c);
        }
        assert_eq!(c.lost, u64::MAX);
    }
}
