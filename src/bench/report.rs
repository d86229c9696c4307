//! The bench report: one JSON document (`--json`, `--output`) and its text rendering
//! (report_text.rs), plus `--merge` of reports from several load generators.
//!
//! The JSON keeps the histograms losslessly (each recorded bucket as `[value_us, count]`), so
//! a report read back rebuilds the exact [`Metrics`], and merging reports gives exactly what one
//! generator recording everything would have reported. Its shape is
//! schemas/bench-report.schema.json.

#[path = "report_read.rs"]
mod read;
#[path = "report_text.rs"]
mod text;

use std::collections::BTreeMap;

use anyhow::{Context as _, anyhow, bail};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use super::metrics::{ErrorKind, HIST_MAX_US, HIST_SIGFIG, IdCounts, Metrics, histogram};
use super::threshold::{Threshold, ThresholdResult};

/// The `format` of the reports this version writes and reads; bumped when the shape changes
/// in a way an older reader would misread.
pub const FORMAT: &str = "ssecat-bench-report/1";

/// The report: what `--json` prints and `--output` writes; `--merge` reads it back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Always [`FORMAT`]: tells a report from any other JSON, and its version.
    pub format: String,
    /// The runs combined in this report: one, or several after `--merge`.
    #[serde(deserialize_with = "read::runs")]
    pub runs: Vec<Run>,
    /// Seconds the rates divide by: the longest run, since generators run in parallel.
    pub duration_secs: f64,
    /// The headline counts and rates.
    pub summary: Summary,
    /// Failures by kind key (`refused`, `timeout`, `status_503`, `content_type`, `tls`,
    /// `protocol`, `io`).
    pub errors: BTreeMap<String, u64>,
    /// `--check-ids` counts; `None` when no run checked IDs.
    pub ids: Option<Ids>,
    /// Events received in each second since the start (element-wise sum over merged runs).
    #[serde(deserialize_with = "read::timeline")]
    pub timeline: Vec<u64>,
    /// Percentiles of each histogram, for people and scripts; `None` without samples.
    pub percentiles: Percentiles,
    /// The histograms themselves, lossless, for merging.
    pub histograms: Histograms,
    /// Each `--threshold` and how it fared.
    pub thresholds: Vec<ThresholdResult>,
    /// What makes figures of this report untrustworthy (timestamps from the future, latencies
    /// beyond the histogram's hour), for people; recomputed on merge (absent from reports of
    /// earlier versions: none).
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// What a run was asked to do and how it went, beside what it counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// The URL every stream opened.
    pub url: String,
    /// When the run started, RFC 3339 (UTC).
    pub started_at: String,
    /// How long it actually ran, in seconds.
    pub duration_secs: f64,
    /// `--connections`.
    pub connections: u64,
    /// `--ramp`, streams per second.
    pub ramp: Option<f64>,
    /// `--events`, per stream.
    pub events_per_stream: Option<u64>,
    /// `--reconnect`.
    pub reconnect: bool,
    /// `--check-ids`.
    pub check_ids: bool,
    /// `--latency-field`.
    pub latency_field: Option<String>,
    /// Ctrl-C ended the run early.
    pub interrupted: bool,
}

/// The headline counts, and rates over [`Report::duration_secs`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Streams started.
    pub streams: u64,
    /// Connection attempts.
    pub attempts: u64,
    /// Attempts that got a 200 event stream.
    pub connected: u64,
    /// Events received.
    pub events: u64,
    /// Body bytes received.
    pub bytes: u64,
    /// Events per second.
    pub events_per_sec: f64,
    /// Bytes per second.
    pub bytes_per_sec: f64,
    /// Streams that ended or broke before the run was over.
    pub disconnects: u64,
    /// Connections opened again.
    pub reconnects: u64,
    /// `--reconnect` attempts sent without Last-Event-ID because the ID had a control
    /// character (absent from reports of earlier versions: 0).
    #[serde(default)]
    pub unresumable: u64,
    /// All errors.
    pub errors: u64,
    /// Events without a usable timestamp at `--latency-field`.
    pub latency_missing: u64,
    /// Events whose timestamp was ahead of the clock: not in the latency histogram (absent from
    /// reports of earlier versions: 0).
    #[serde(default)]
    pub latency_future: u64,
    /// Events more than the histogram's hour late, recorded as one hour (absent from reports
    /// of earlier versions: 0).
    #[serde(default)]
    pub latency_clamped: u64,
}

/// `--check-ids` counts (see [`IdCounts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ids {
    /// Events whose integer ID was checked.
    pub checked: u64,
    /// IDs skipped.
    pub lost: u64,
    /// IDs equal to the highest seen before on their stream.
    pub duplicated: u64,
    /// IDs lower than the highest seen before on their stream.
    pub out_of_order: u64,
    /// Events without an integer ID.
    pub unchecked: u64,
}

/// One value per histogram.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PerHistogram<T> {
    /// Connect time: TCP + TLS + response headers.
    pub connect: T,
    /// From the start of a connection attempt to its first event.
    pub first_event: T,
    /// Delivery latency: receive time − the event's send timestamp.
    pub latency: T,
}

/// Percentiles of the three histograms.
pub type Percentiles = PerHistogram<Option<Stats>>;
/// The three histograms, lossless.
pub type Histograms = PerHistogram<HistogramData>;

/// The usual statistics of one histogram, in microseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Samples recorded.
    pub count: u64,
    /// Lowest.
    pub min_us: u64,
    /// Median.
    pub p50_us: u64,
    /// 90th percentile.
    pub p90_us: u64,
    /// 95th percentile.
    pub p95_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// 99.9th percentile.
    pub p999_us: u64,
    /// Highest.
    pub max_us: u64,
    /// Mean.
    pub mean_us: f64,
}

/// A histogram as JSON: its bounds and each recorded bucket as `[value_us, count]`, where the
/// value is the highest of the bucket, so recording it again lands in the same bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistogramData {
    /// Significant figures.
    pub sigfig: u8,
    /// Lowest trackable value, µs.
    pub low: u64,
    /// Highest trackable value, µs.
    pub high: u64,
    /// `[value_us, count]` per non-empty bucket, ascending.
    #[serde(deserialize_with = "read::buckets")]
    pub counts: Vec<(u64, u64)>,
}

impl From<IdCounts> for Ids {
    fn from(c: IdCounts) -> Self {
        Ids {
            checked: c.checked,
            lost: c.lost,
            duplicated: c.duplicated,
            out_of_order: c.out_of_order,
            unchecked: c.unchecked,
        }
    }
}

impl From<Ids> for IdCounts {
    fn from(c: Ids) -> Self {
        IdCounts {
            checked: c.checked,
            lost: c.lost,
            duplicated: c.duplicated,
            out_of_order: c.out_of_order,
            unchecked: c.unchecked,
        }
    }
}

impl Summary {
    fn of(m: &Metrics, duration_secs: f64) -> Summary {
        let rate = |n: u64| {
            if duration_secs > 0.0 {
                n as f64 / duration_secs
            } else {
                0.0
            }
        };
        Summary {
            streams: m.streams,
            attempts: m.attempts,
            connected: m.connected,
            events: m.events,
            bytes: m.bytes,
            events_per_sec: rate(m.events),
            bytes_per_sec: rate(m.bytes),
            disconnects: m.disconnects,
            reconnects: m.reconnects,
            unresumable: m.unresumable,
            errors: m.error_count(),
            latency_missing: m.latency_missing,
            latency_future: m.latency_future,
            latency_clamped: m.latency_clamped,
        }
    }
}

impl Stats {
    /// The statistics of `h`; `None` when it holds nothing.
    pub fn of(h: &Histogram<u64>) -> Option<Stats> {
        (!h.is_empty()).then(|| Stats {
            count: h.len(),
            min_us: h.min(),
            p50_us: h.value_at_quantile(0.5),
            p90_us: h.value_at_quantile(0.9),
            p95_us: h.value_at_quantile(0.95),
            p99_us: h.value_at_quantile(0.99),
            p999_us: h.value_at_quantile(0.999),
            max_us: h.max(),
            mean_us: h.mean(),
        })
    }
}

impl HistogramData {
    /// Every recorded bucket of `h`.
    pub fn of(h: &Histogram<u64>) -> HistogramData {
        HistogramData {
            sigfig: h.sigfig(),
            low: h.low(),
            high: h.high(),
            counts: h
                .iter_recorded()
                .map(|v| (v.value_iterated_to(), v.count_at_value()))
                .collect(),
        }
    }

    /// The histogram again; `name` says which one in errors.
    pub fn to_histogram(&self, name: &str) -> anyhow::Result<Histogram<u64>> {
        if (self.sigfig, self.low, self.high) != (HIST_SIGFIG, 1, HIST_MAX_US) {
            bail!(
                "the {name} histogram covers {}..{} µs at {} significant figures, not 1..{HIST_MAX_US} at {HIST_SIGFIG}",
                self.low,
                self.high,
                self.sigfig
            );
        }
        let mut h = histogram();
        // The histogram tracks up to the top of its last bucket, past HIST_MAX_US; a value
        // recorded (clamped) at most HIST_MAX_US is written as the top of its bucket.
        let top = h.highest_equivalent(HIST_MAX_US);
        let mut total = 0u64;
        for &(value, count) in &self.counts {
            if value > top {
                bail!("histograms.{name} holds {value} µs, beyond its range 1..{HIST_MAX_US}");
            }
            // hdrhistogram saturates its counts: a sum that overflows is refused here instead.
            total = total.checked_add(count).with_context(|| {
                format!("histograms.{name}: the counts do not fit in 64 bits once added up")
            })?;
            h.record_n(value, count).map_err(|_| {
                anyhow!("histograms.{name} holds {value} µs, beyond its range 1..{HIST_MAX_US}")
            })?;
        }
        Ok(h)
    }
}

impl Histograms {
    fn of(m: &Metrics) -> Histograms {
        PerHistogram {
            connect: HistogramData::of(&m.connect_us),
            first_event: HistogramData::of(&m.first_event_us),
            latency: HistogramData::of(&m.latency_us),
        }
    }
}

impl Percentiles {
    fn of(m: &Metrics) -> Percentiles {
        PerHistogram {
            connect: Stats::of(&m.connect_us),
            first_event: Stats::of(&m.first_event_us),
            latency: Stats::of(&m.latency_us),
        }
    }
}

/// What makes the latency figures untrustworthy, one sentence each.
fn warnings(m: &Metrics, runs: &[Run]) -> Vec<String> {
    let field = runs
        .iter()
        .find_map(|r| r.latency_field.as_deref())
        .map_or_else(|| "--latency-field".into(), crate::output::shown);
    let events = |n: u64| format!("{n} event{}", if n == 1 { "" } else { "s" });
    let mut out = Vec::new();
    if m.latency_future > 0 {
        out.push(format!(
            "{} had a timestamp at {field} ahead of this machine's clock (clock skew, or the \
             wrong --latency-unit): left out of the latency figures; latency thresholds fail",
            events(m.latency_future)
        ));
    }
    if m.latency_clamped > 0 {
        out.push(format!(
            "{} arrived more than an hour after the timestamp at {field} (the wrong \
             --latency-unit?): recorded as 1h; latency thresholds fail",
            events(m.latency_clamped)
        ));
    }
    out
}

impl Report {
    /// The report of one run, with `thresholds` evaluated against it.
    pub fn new(run: Run, metrics: &Metrics, thresholds: &[Threshold]) -> Report {
        let duration_secs = run.duration_secs;
        Report::build(vec![run], duration_secs, metrics, thresholds)
    }

    fn build(runs: Vec<Run>, duration_secs: f64, m: &Metrics, thresholds: &[Threshold]) -> Report {
        let ids_checked = runs.iter().any(|r| r.check_ids);
        Report {
            format: FORMAT.to_owned(),
            duration_secs,
            summary: Summary::of(m, duration_secs),
            errors: m.errors.iter().map(|(k, n)| (k.key(), *n)).collect(),
            ids: ids_checked.then(|| Ids::from(m.ids)),
            timeline: m.timeline.clone(),
            percentiles: Percentiles::of(m),
            histograms: Histograms::of(m),
            thresholds: thresholds
                .iter()
                .map(|t| t.evaluate(m, duration_secs, ids_checked))
                .collect(),
            warnings: warnings(m, &runs),
            runs,
        }
    }

    /// The counts this report was made from, rebuilt exactly (histograms from their buckets,
    /// errors from their keys), to merge or re-evaluate.
    pub fn metrics(&self) -> anyhow::Result<Metrics> {
        let mut m = self.counts()?;
        m.timeline.clone_from(&self.timeline);
        Ok(m)
    }

    /// [`Report::metrics`] but the timeline (left empty), which may be most of a report.
    fn counts(&self) -> anyhow::Result<Metrics> {
        let mut errors = BTreeMap::new();
        for (key, n) in &self.errors {
            let kind = ErrorKind::from_key(key)
                .with_context(|| format!("unknown error kind '{}'", crate::output::shown(key)))?;
            errors.insert(kind, *n);
        }
        let s = &self.summary;
        Ok(Metrics {
            connect_us: self.histograms.connect.to_histogram("connect")?,
            first_event_us: self.histograms.first_event.to_histogram("first_event")?,
            latency_us: self.histograms.latency.to_histogram("latency")?,
            streams: s.streams,
            attempts: s.attempts,
            connected: s.connected,
            events: s.events,
            bytes: s.bytes,
            disconnects: s.disconnects,
            reconnects: s.reconnects,
            unresumable: s.unresumable,
            errors,
            ids: self.ids.map(IdCounts::from).unwrap_or_default(),
            latency_missing: s.latency_missing,
            latency_future: s.latency_future,
            latency_clamped: s.latency_clamped,
            timeline: Vec::new(),
        })
    }

    /// The report as pretty JSON (no trailing newline), with arrays of numbers on one line so
    /// that histograms and timelines stay short.
    pub fn to_json(&self) -> String {
        let pretty = serde_json::to_string_pretty(self)
            .expect("a report has only string keys and plain values");
        text::inline_arrays(&pretty)
    }

    /// How many thresholds failed: the exit code is 3 when any did.
    pub fn failed_thresholds(&self) -> usize {
        self.thresholds.iter().filter(|t| !t.pass).count()
    }

    /// Writes the report for people: summary, percentiles, a latency histogram, errors and
    /// thresholds; coloured when `color` is true.
    pub fn render_text(&self, out: &mut impl std::io::Write, color: bool) -> std::io::Result<()> {
        text::render(self, out, color)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::metrics::record;

    /// Adds sample `i`'s share of a run: values over six orders of magnitude, every counter.
    pub(super) fn add_sample(m: &mut Metrics, i: u64) {
        record(&mut m.connect_us, 200 + (i * 37) % 5_000);
        if i % 3 == 0 {
            record(&mut m.first_event_us, 1_000 + i * i % 2_000_000);
        }
        record(&mut m.latency_us, 1 + (i * i * 7919) % 90_000_000);
        m.streams += 1;
        m.attempts += 2;
        m.connected += 1;
        m.event_at((i % 11) as usize);
        m.bytes += 40 + i % 9;
        m.disconnects += i % 2;
        m.reconnects += i % 5 / 4;
        match i % 17 {
            0 => m.error(ErrorKind::Status(503)),
            1 => m.error(ErrorKind::Refused),
            2 => m.error(ErrorKind::Timeout),
            _ => {}
        }
        m.ids.checked += 1;
        m.ids.lost += i % 7 / 6;
        m.ids.duplicated += i % 13 / 12;
        m.latency_missing += i % 19 / 18;
        m.latency_future += i % 23 / 22;
        m.latency_clamped += i % 29 / 28;
        if i % 31 == 30 {
            m.error(ErrorKind::Oversize);
            m.error(ErrorKind::ContentEncoding);
        }
    }

    pub(super) fn metrics(range: std::ops::Range<u64>) -> Metrics {
        let mut m = Metrics::default();
        range.for_each(|i| add_sample(&mut m, i));
        m
    }

    pub(super) fn info(check_ids: bool) -> Run {
        Run {
            url: "http://[::1]:8080/events?q=\"[1, 2]\\".into(),
            started_at: "2023-11-14T22:13:20.000Z".into(),
            duration_secs: 10.5,
            connections: 100,
            ramp: Some(50.0),
            events_per_stream: None,
            reconnect: false,
            check_ids,
            latency_field: Some("/ts_ms".into()),
            interrupted: false,
        }
    }

    fn thresholds() -> Vec<Threshold> {
        [
            "latency_p99<250ms",
            "errors==0",
            "lost<=100",
            "events_per_sec>1",
            "connect_p50<1s",
        ]
        .iter()
        .map(|t| Threshold::parse(t).unwrap())
        .collect()
    }

    #[track_caller]
    fn assert_same_histogram(a: &Histogram<u64>, b: &Histogram<u64>) {
        assert_eq!(a, b);
        assert_eq!(
            (a.len(), a.min(), a.max(), a.mean()),
            (b.len(), b.min(), b.max(), b.mean())
        );
        for q in (0..=1000)
            .map(|q| q as f64 / 1000.0)
            .chain([0.9999, 0.99999])
        {
            assert_eq!(a.value_at_quantile(q), b.value_at_quantile(q), "q={q}");
        }
    }

    #[test]
    fn a_round_trip_through_json_keeps_every_percentile() {
        let m = metrics(0..20_000);
        let report = Report::new(info(true), &m, &thresholds());
        let back: Report = serde_json::from_str(&report.to_json()).unwrap();
        let rebuilt = back.metrics().unwrap();
        assert_same_histogram(&rebuilt.connect_us, &m.connect_us);
        assert_same_histogram(&rebuilt.first_event_us, &m.first_event_us);
        assert_same_histogram(&rebuilt.latency_us, &m.latency_us);
        assert_eq!(
            (rebuilt.errors.clone(), rebuilt.ids),
            (m.errors.clone(), m.ids)
        );
        assert_eq!(Report::new(info(true), &rebuilt, &thresholds()), report);
        assert_eq!(report.runs[0].started_at, "2023-11-14T22:13:20.000Z");
    }

    #[test]
    fn merging_halves_equals_the_whole() {
        let whole = Report::new(info(true), &metrics(0..20_000), &thresholds());
        let a = Report::new(info(true), &metrics(0..7_000), &[]);
        let mut short = info(true);
        short.duration_secs = 4.0;
        let b = Report::new(short, &metrics(7_000..20_000), &[]);
        let mut merged = Report::merge(vec![a, b], &thresholds()).unwrap();
        assert_eq!(merged.runs.len(), 2);
        assert_eq!(merged.duration_secs, 10.5);
        assert_eq!(merged.timeline.len(), 11);
        merged.runs.truncate(1);
        assert_eq!(merged, whole);
        assert_eq!(whole.failed_thresholds(), 3, "{:?}", whole.thresholds);
    }

    #[test]
    fn ids_are_null_unless_a_run_checked_them() {
        let report = Report::new(info(false), &metrics(0..10), &thresholds());
        assert_eq!(report.ids, None);
        let lost = &report.thresholds[2];
        assert_eq!(
            (lost.pass, lost.actual.as_str()),
            (false, "needs --check-ids")
        );
        assert!(report.to_json().contains("\"ids\": null"));
    }

    fn schema() -> jsonschema::Validator {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schemas/bench-report.schema.json"
        );
        let text = std::fs::read_to_string(path).expect("read schemas/bench-report.schema.json");
        let schema: serde_json::Value = serde_json::from_str(&text).expect("the schema is JSON");
        jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
    }

    #[test]
    fn reports_match_the_schema() {
        let validator = schema();
        let mut no_ids = info(false);
        no_ids.latency_field = None;
        no_ids.ramp = None;
        no_ids.events_per_stream = Some(5);
        let full = Report::new(info(true), &metrics(0..500), &thresholds());
        let empty = Report::new(no_ids.clone(), &Metrics::default(), &thresholds());
        let mut later = no_ids;
        later.started_at = "2023-11-14T22:13:21.000Z".into();
        let partial = Report::new(later, &metrics(0..3), &[]);
        let merged =
            Report::merge(vec![full.clone(), empty.clone(), partial.clone()], &[]).unwrap();
        for (name, report) in [
            ("full", full),
            ("empty", empty),
            ("partial", partial),
            ("merged", merged),
        ] {
            let value: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
            let errors: Vec<String> = validator
                .iter_errors(&value)
                .map(|e| format!("{e} at {}", e.instance_path))
                .collect();
            assert!(errors.is_empty(), "{name}: {errors:#?}");
        }
        let mut bad: serde_json::Value =
            serde_json::from_str(&Report::new(info(true), &metrics(0..3), &[]).to_json()).unwrap();
        bad["summary"]["surprise"] = 1.into();
        assert!(!validator.is_valid(&bad), "extra fields must not validate");
        bad["summary"].as_object_mut().unwrap().remove("surprise");
        assert!(validator.is_valid(&bad));
        bad["histograms"]["latency"]["counts"][0] = serde_json::json!([1, 2, 3]);
        assert!(!validator.is_valid(&bad), "a bucket is [value, count]");
    }
}
