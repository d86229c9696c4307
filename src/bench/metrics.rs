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
}

impl ErrorKind {
    /// The key used in reports: `refused`, `timeout`, `status_503`, `content_type`, `tls`,
    /// `protocol`, `io`.
    pub fn key(self) -> String {
        match self {
            ErrorKind::Refused => "refused".into(),
            ErrorKind::Timeout => "timeout".into(),
            ErrorKind::Status(code) => format!("status_{code}"),
            ErrorKind::ContentType => "content_type".into(),
            ErrorKind::Tls => "tls".into(),
            ErrorKind::Protocol => "protocol".into(),
            ErrorKind::Io => "io".into(),
        }
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
    fn merge(&mut self, o: &IdCounts) {
        self.checked += o.checked;
        self.lost += o.lost;
        self.duplicated += o.duplicated;
        self.out_of_order += o.out_of_order;
        self.unchecked += o.unchecked;
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
            timeline: Vec::new(),
        }
    }
}

impl Metrics {
    /// Counts a failure.
    pub fn error(&mut self, kind: ErrorKind) {
        *self.errors.entry(kind).or_default() += 1;
    }

    /// All errors.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// Counts an event received `second` whole seconds into the run.
    pub fn event_at(&mut self, second: usize) {
        self.events += 1;
        if self.timeline.len() <= second {
            self.timeline.resize(second + 1, 0);
        }
        self.timeline[second] += 1;
    }

    /// Adds another shard's counts to these.
    pub fn merge(&mut self, o: &Metrics) {
        let _ = self.connect_us.add(&o.connect_us);
        let _ = self.first_event_us.add(&o.first_event_us);
        let _ = self.latency_us.add(&o.latency_us);
        self.streams += o.streams;
        self.attempts += o.attempts;
        self.connected += o.connected;
        self.events += o.events;
        self.bytes += o.bytes;
        self.disconnects += o.disconnects;
        self.reconnects += o.reconnects;
        self.unresumable += o.unresumable;
        for (k, n) in &o.errors {
            *self.errors.entry(*k).or_default() += n;
        }
        self.ids.merge(&o.ids);
        self.latency_missing += o.latency_missing;
        if self.timeline.len() < o.timeline.len() {
            self.timeline.resize(o.timeline.len(), 0);
        }
        for (a, b) in self.timeline.iter_mut().zip(&o.timeline) {
            *a += b;
        }
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
                counts.lost += id - last - 1;
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
        a.merge(&b);
        assert_eq!(a.latency_us.len(), 2);
        assert_eq!(a.events, 2);
        assert_eq!(a.timeline, vec![1, 0, 1]);
        assert_eq!(a.errors[&ErrorKind::Status(503)], 1);
        assert_eq!(ErrorKind::Status(503).key(), "status_503");
    }
}
