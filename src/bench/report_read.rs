//! Reading reports back for `--merge`, as input from anywhere: bounded in size, checked for
//! consistency, and added up with checked arithmetic.
//!
//! - A file is read up to [`MAX_REPORT_SIZE`] and no further (`--merge /dev/zero` stops there).
//! - It is parsed straight into a [`Report`] (no intermediate JSON tree, which would take
//!   about eight times the file in memory), its arrays bounded in length as they are read
//!   ([`MAX_TIMELINE`], [`MAX_BUCKETS`], [`MAX_RUNS`]): a 64 MiB timeline of zeros would
//!   otherwise take 256 MiB as counts, twice over once merged. serde refuses negative numbers,
//!   fractions and numbers beyond 64 bits where counts belong, and missing fields.
//! - [`Report::check`] refuses what serde cannot see: durations that are no durations, error
//!   kinds or histogram values this version does not know, counts whose sum does not fit in 64
//!   bits, and a summary that disagrees with its own errors and timeline.
//! - Reports are merged one file at a time, each dropped once added; a count that would
//!   overflow is an error naming the file and the count, never a wrapped number (a wrapped
//!   `errors` of 0 would pass `errors==0`). A file given twice, or a run already merged, is an
//!   error too: it would be counted twice.

use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, anyhow, bail};
use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};

use super::{FORMAT, Metrics, Report, Run};
use crate::bench::threshold::Threshold;
use crate::output::shown;

/// The largest report file read. A report is about 2 MB at most for a day-long run (its
/// timeline holds one count per second), so this leaves room for runs of weeks.
pub const MAX_REPORT_SIZE: u64 = 64 << 20;

/// The longest timeline read, in seconds (46 days; 32 MB as counts): a report of a longer run
/// cannot be merged.
pub const MAX_TIMELINE: usize = 4_000_000;

/// The most buckets a histogram may list: one of 1 µs to 1 h at 3 significant figures has
/// about 23,000.
pub const MAX_BUCKETS: usize = 65_536;

/// The most runs a report may list (a merge of as many load generators).
pub const MAX_RUNS: usize = 100_000;

/// Seconds a timeline may run past its report's duration: events counted while the run was
/// stopping, on a loaded machine.
const TIMELINE_SLACK_SECS: f64 = 10.0;

/// Reports being added up, one at a time.
struct Merger {
    total: Metrics,
    runs: Vec<Run>,
    /// Each run merged so far, as JSON: a set, so that a report listing many runs (a merge of
    /// merges, or a crafted one) is checked for repeats in linear time.
    seen: HashSet<String>,
    duration_secs: f64,
}

impl Merger {
    fn new() -> Merger {
        Merger {
            total: Metrics::default(),
            runs: Vec::new(),
            seen: HashSet::new(),
            duration_secs: 0.0,
        }
    }

    /// Adds `report`; `name` says which one in errors.
    fn add(&mut self, mut report: Report, name: &str) -> anyhow::Result<()> {
        for run in &report.runs {
            let key = serde_json::to_string(run).unwrap_or_default();
            if !self.seen.insert(key) {
                bail!(
                    "cannot merge {name}: its run started at {} is already merged (the same report twice?)",
                    shown(&run.started_at)
                );
            }
        }
        let mut metrics = report
            .counts()
            .with_context(|| format!("{name} is not a valid ssecat bench report"))?;
        metrics.timeline = std::mem::take(&mut report.timeline);
        self.total
            .merge(metrics)
            .map_err(|overflow| anyhow!("cannot merge {name}: {overflow}"))?;
        self.duration_secs = self.duration_secs.max(report.duration_secs);
        self.runs.extend(report.runs);
        Ok(())
    }

    fn finish(mut self, thresholds: &[Threshold]) -> anyhow::Result<Report> {
        if self.runs.is_empty() {
            bail!("no reports to merge");
        }
        // Moved into the report rather than copied: it may be most of the memory.
        let timeline = std::mem::take(&mut self.total.timeline);
        let mut report = Report::build(self.runs, self.duration_secs, &self.total, thresholds);
        report.timeline = timeline;
        Ok(report)
    }
}

/// Just the `format` of a document, to tell a report from other JSON before reading it as one.
#[derive(Deserialize)]
struct Probe {
    format: Option<serde_json::Value>,
}

impl Report {
    /// Combines the reports of load generators that ran in parallel: counts and histograms
    /// add up, timelines add element-wise, rates divide by the longest run; `thresholds` are
    /// evaluated on the whole (those of the reports are not carried over).
    pub fn merge(reports: Vec<Report>, thresholds: &[Threshold]) -> anyhow::Result<Report> {
        let mut merger = Merger::new();
        for (i, report) in reports.into_iter().enumerate() {
            merger.add(report, &format!("report {}", i + 1))?;
        }
        merger.finish(thresholds)
    }

    /// [`Report::merge`] of the report files at `paths`, read one at a time.
    pub fn merge_files(paths: &[PathBuf], thresholds: &[Threshold]) -> anyhow::Result<Report> {
        let mut merger = Merger::new();
        let mut seen: Vec<(PathBuf, &Path)> = Vec::new();
        for path in paths {
            let name = path.display().to_string();
            if let Ok(real) = std::fs::canonicalize(path) {
                if let Some((_, first)) = seen.iter().find(|(r, _)| *r == real) {
                    bail!(
                        "{name} is given twice (also as {}): --merge would count its runs twice",
                        first.display()
                    );
                }
                seen.push((real, path));
            }
            merger.add(Report::read(path)?, &name)?;
        }
        merger.finish(thresholds)
    }

    /// Reads a report written by `--output`; errors name the file and what is wrong with it.
    pub fn read(path: &Path) -> anyhow::Result<Report> {
        let name = path.display();
        let bytes =
            crate::input::read_file_bounded(path, MAX_REPORT_SIZE, &format!("report {name}"))?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            bail!("{name} is empty; --merge reads reports written by `ssecat bench --output FILE`");
        }
        if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
            bail!(
                "{name} is not JSON ({e}); --merge reads reports written by `ssecat bench --output FILE`"
            );
        }
        let object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        let probe = object
            .then(|| serde_json::from_slice::<Probe>(&bytes).ok())
            .flatten()
            .with_context(|| {
                format!(
                    "{name} is not a ssecat bench report (JSON, but not an object); write one with `ssecat bench --output FILE`"
                )
            })?;
        match probe.format.as_ref().and_then(|f| f.as_str()) {
            Some(FORMAT) => {}
            Some(other) if other.starts_with("ssecat-bench-report/") => bail!(
                "{name} is a bench report in format {}, which this ssecat cannot read (it reads {FORMAT})",
                shown(other)
            ),
            _ => bail!(
                "{name} is not a ssecat bench report (no \"format\": \"{FORMAT}\"); write one with `ssecat bench --output FILE`"
            ),
        }
        let report: Report = serde_json::from_slice(&bytes)
            .with_context(|| format!("{name} is not a valid ssecat bench report"))?;
        drop(bytes);
        report
            .check()
            .with_context(|| format!("{name} is not a valid ssecat bench report"))?;
        Ok(report)
    }

    /// What serde cannot check: durations, a timeline no longer than the run, summary counts
    /// that agree with the errors and the timeline, and histograms and error kinds that rebuild.
    fn check(&self) -> anyhow::Result<()> {
        let seconds = |d: f64, what: &str| {
            if d.is_finite() && d >= 0.0 {
                Ok(())
            } else {
                Err(anyhow!("{what} is {d}, not a number of seconds"))
            }
        };
        seconds(self.duration_secs, "duration_secs")?;
        if self.runs.is_empty() {
            bail!("it lists no runs");
        }
        for run in &self.runs {
            seconds(run.duration_secs, "a run's duration_secs")?;
        }
        let longest = self.duration_secs.ceil() + TIMELINE_SLACK_SECS;
        if self.timeline.len() as f64 > longest {
            bail!(
                "timeline has {} seconds, but the run lasted {} s",
                self.timeline.len(),
                self.duration_secs
            );
        }
        let events = checked_sum(self.timeline.iter().copied(), "timeline")?;
        if events != self.summary.events {
            bail!(
                "timeline adds up to {events} events, but summary.events is {}",
                self.summary.events
            );
        }
        let errors = checked_sum(self.errors.values().copied(), "errors")?;
        if errors != self.summary.errors {
            bail!(
                "errors add up to {errors}, but summary.errors is {}",
                self.summary.errors
            );
        }
        self.counts().map(|_| ())
    }
}

/// Reads `Report::timeline`, at most [`MAX_TIMELINE`] long.
pub(super) fn timeline<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u64>, D::Error> {
    d.deserialize_seq(AtMost::new("timeline", MAX_TIMELINE))
}

/// Reads a histogram's `counts`, at most [`MAX_BUCKETS`] long.
pub(super) fn buckets<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(u64, u64)>, D::Error> {
    d.deserialize_seq(AtMost::new("a histogram's counts", MAX_BUCKETS))
}

/// Reads `Report::runs`, at most [`MAX_RUNS`] long.
pub(super) fn runs<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Run>, D::Error> {
    d.deserialize_seq(AtMost::new("runs", MAX_RUNS))
}

/// A JSON array read into a Vec of at most `max` elements: one more is an error as soon as it
/// is read, before the memory of a longer array is taken.
struct AtMost<T> {
    what: &'static str,
    max: usize,
    items: PhantomData<T>,
}

impl<T> AtMost<T> {
    fn new(what: &'static str, max: usize) -> Self {
        AtMost {
            what,
            max,
            items: PhantomData,
        }
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for AtMost<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: an array of at most {} elements",
            self.what, self.max
        )
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            if items.len() == self.max {
                return Err(de::Error::custom(format_args!(
                    "{} has more than {} elements",
                    self.what, self.max
                )));
            }
            items.push(item);
        }
        Ok(items)
    }
}

/// The sum of `values`, or an error naming `what` when it does not fit in 64 bits.
fn checked_sum(mut values: impl Iterator<Item = u64>, what: &str) -> anyhow::Result<u64> {
    values
        .try_fold(0u64, u64::checked_add)
        .with_context(|| format!("{what}: the counts do not fit in 64 bits once added up"))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{info, metrics};
    use super::*;
    use crate::bench::metrics::ErrorKind;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn read_text(text: &str) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "r.json", text);
        let err = Report::read(&path).unwrap_err();
        format!("{err:#}").replace(&path.display().to_string(), "FILE")
    }

    #[test]
    fn reading_something_else_says_what_it_is() {
        assert!(read_text("hello").starts_with("FILE is not JSON (expected value"));
        assert!(read_text(" \n").starts_with("FILE is empty;"));
        let array = read_text("[1, 2]");
        assert!(
            array.starts_with("FILE is not a ssecat bench report (JSON, but"),
            "{array}"
        );
        assert_eq!(
            read_text(r#"{"events": 3}"#),
            "FILE is not a ssecat bench report (no \"format\": \"ssecat-bench-report/1\"); write one with `ssecat bench --output FILE`"
        );
        assert_eq!(
            read_text(r#"{"format": "ssecat-bench-report/9"}"#),
            "FILE is a bench report in format ssecat-bench-report/9, which this ssecat cannot read (it reads ssecat-bench-report/1)"
        );
        let err = read_text(r#"{"format": "ssecat-bench-report/1"}"#);
        assert!(
            err.starts_with("FILE is not a valid ssecat bench report: missing field"),
            "{err}"
        );
        let mut report = Report::new(info(true), &metrics(0..10), &[]);
        report.errors.insert("gremlins\x1b[2J".into(), 1);
        report.summary.errors += 1;
        let err = read_text(&report.to_json());
        assert_eq!(
            err,
            "FILE is not a valid ssecat bench report: unknown error kind '\"gremlins\\u{1b}[2J\"'"
        );
        let mut report = Report::new(info(true), &metrics(0..10), &[]);
        report.histograms.latency.high = 10;
        let err = read_text(&report.to_json());
        assert!(err.ends_with("the latency histogram covers 1..10 µs at 3 significant figures, not 1..3600000000 at 3"), "{err}");
    }

    /// A report of `metrics(0..10)` as JSON, changed by `edit`.
    fn crafted(edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let report = Report::new(info(true), &metrics(0..10), &[]);
        let mut value: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        edit(&mut value);
        value.to_string()
    }

    #[test]
    fn crafted_reports_are_refused_naming_what_is_wrong() {
        use serde_json::json;
        type Edit = fn(&mut serde_json::Value);
        let cases: [(Edit, &str); 9] = [
            (
                |v| v["summary"]["events"] = json!(-1),
                "invalid value: integer `-1`",
            ),
            (
                |v| v["summary"]["events"] = json!(1.5),
                "invalid type: floating point `1.5`",
            ),
            (
                |v| v["summary"]["events"] = json!(1e30),
                "invalid type: floating point",
            ),
            (
                |v| v["duration_secs"] = json!(-3.0),
                "duration_secs is -3, not a number of seconds",
            ),
            (
                |v| v["timeline"] = json!(vec![0; 100]),
                "timeline has 100 seconds, but the run lasted 10.5 s",
            ),
            (|v| v["timeline"][0] = json!(999), "timeline adds up to"),
            (
                |v| v["errors"] = json!({"refused": u64::MAX, "io": 1}),
                "errors: the counts do not fit in 64 bits once added up",
            ),
            (
                |v| v["histograms"]["latency"]["counts"] = json!([[4_000_000_000u64, 1]]),
                "histograms.latency holds 4000000000 µs, beyond its range 1..3600000000",
            ),
            (
                |v| v["histograms"]["connect"]["counts"] = json!([[1, u64::MAX], [2, 1]]),
                "histograms.connect: the counts do not fit in 64 bits once added up",
            ),
        ];
        for (edit, want) in cases {
            let err = read_text(&crafted(edit));
            assert!(
                err.starts_with("FILE is not a valid ssecat bench report: ") && err.contains(want),
                "{want:?}: {err}"
            );
            assert_eq!(err.lines().count(), 1, "{err}");
        }
    }

    #[test]
    fn merging_refuses_overflow_naming_the_file_and_the_count() {
        let dir = tempfile::tempdir().unwrap();
        let mut a = Report::new(info(true), &metrics(0..10), &[]);
        let mut b = a.clone();
        b.runs[0].started_at = "2023-11-14T22:13:21.000Z".into();
        a.errors.insert(ErrorKind::Refused.key(), u64::MAX);
        a.errors.remove("status_503");
        a.errors.remove("timeout");
        a.summary.errors = u64::MAX;
        let (pa, pb) = (
            write(&dir, "a.json", &a.to_json()),
            write(&dir, "b.json", &b.to_json()),
        );
        let err = Report::merge_files(&[pa, pb.clone()], &[]).unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            format!(
                "cannot merge {}: summary.errors does not fit in 64 bits once added up",
                pb.display()
            )
        );
    }

    #[test]
    fn merging_the_same_report_twice_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let text = Report::new(info(true), &metrics(0..10), &[]).to_json();
        let a = write(&dir, "a.json", &text);
        let copy = write(&dir, "copy.json", &text);
        let twice = Report::merge_files(&[a.clone(), dir.path().join("./a.json")], &[]);
        assert!(
            format!("{:#}", twice.unwrap_err()).contains("is given twice (also as"),
            "same path"
        );
        let err = format!("{:#}", Report::merge_files(&[a, copy], &[]).unwrap_err());
        assert!(
            err.ends_with(
                "copy.json: its run started at 2023-11-14T22:13:20.000Z is already merged (the same report twice?)"
            ),
            "{err}"
        );
    }

    #[test]
    fn arrays_are_cut_off_one_past_their_bound() {
        let read = |text: &str| {
            let mut de = serde_json::Deserializer::from_str(text);
            de.deserialize_seq(AtMost::<u64>::new("timeline", 3))
                .map_err(|e| e.to_string())
        };
        assert_eq!(read("[1, 2, 3]"), Ok(vec![1, 2, 3]));
        assert_eq!(
            read("[1, 2, 3, 4, 5]"),
            Err("timeline has more than 3 elements at line 1 column 13".into())
        );
        let long = format!("[{}0]", "0,".repeat(MAX_TIMELINE));
        let err = read_text(&format!(
            r#"{{"format": "ssecat-bench-report/1", "timeline": {long}}}"#
        ));
        assert!(
            err.contains("timeline has more than 4000000 elements"),
            "{err}"
        );
    }

    #[test]
    fn reads_what_it_writes() {
        let mut m = metrics(0..100);
        // A latency clamped at the histogram's top is written as the top of its bucket.
        crate::bench::metrics::record(&mut m.latency_us, u64::MAX);
        let report = Report::new(info(true), &m, &[]);
        let dir = tempfile::tempdir().unwrap();
        let path = write(&dir, "r.json", &(report.to_json() + "\n"));
        let back = Report::read(&path).unwrap();
        assert_eq!(
            back.metrics().unwrap().latency_us,
            report.metrics().unwrap().latency_us
        );
        assert_eq!((back.summary, back.runs), (report.summary, report.runs));
    }
}
