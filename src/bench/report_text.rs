//! The bench report for people: compact, aligned blocks in the manner of oha and hyperfine.
//!
//! Summary, a percentile table, a text histogram of delivery latency, the errors by kind and
//! the thresholds (✓/✗ with PASS/FAIL spelled out, since colour may be off). Cells are padded
//! before they are coloured, so escape codes never break the alignment.

use std::io::{self, Write};
use std::time::Duration;

use colored::Colorize;

use super::{Report, Stats};
use crate::bench::threshold::trim_decimals;
use crate::output::shown;
use crate::units::format_duration;

/// Width of the label column of the summary.
const LABEL: usize = 14;
/// Width of a percentile cell.
const CELL: usize = 9;
/// Rows of the latency histogram.
const BUCKETS: usize = 10;
/// Longest bar of the latency histogram.
const BAR: usize = 40;

/// How a piece of text is coloured.
#[derive(Debug, Clone, Copy)]
enum Tone {
    Good,
    Bad,
    Title,
    Dim,
}

/// `text` in `tone` when `color` is on, else as is.
fn paint(text: &str, tone: Tone, color: bool) -> String {
    if !color {
        return text.to_owned();
    }
    match tone {
        Tone::Good => text.green().to_string(),
        Tone::Bad => text.red().to_string(),
        Tone::Title => text.bold().to_string(),
        Tone::Dim => text.dimmed().to_string(),
    }
}

/// Green when zero, red otherwise: for counts that should be zero.
fn zero_good(n: u64, color: bool) -> String {
    paint(
        &n.to_string(),
        if n == 0 { Tone::Good } else { Tone::Bad },
        color,
    )
}

/// Writes the whole text report.
pub(super) fn render(r: &Report, out: &mut impl Write, color: bool) -> io::Result<()> {
    summary(r, out, color)?;
    percentiles(r, out, color)?;
    latency_histogram(r, out, color)?;
    warnings(r, out, color)?;
    errors(r, out, color)?;
    thresholds(r, out, color)
}

fn summary(r: &Report, out: &mut impl Write, color: bool) -> io::Result<()> {
    let s = &r.summary;
    let row =
        |out: &mut dyn Write, label: &str, value: String| writeln!(out, "  {label:<LABEL$}{value}");
    writeln!(out, "{}", paint("Summary", Tone::Title, color))?;
    // Each URL once, in order (a set, so that a merge of many runs stays linear), shown
    // escaped: a report read by --merge may come from anywhere.
    let mut seen = std::collections::HashSet::new();
    let urls: Vec<_> = r
        .runs
        .iter()
        .filter(|run| seen.insert(run.url.as_str()))
        .map(|run| shown(&run.url))
        .collect();
    row(out, "URL", urls.join(", "))?;
    if r.runs.len() > 1 {
        row(out, "Runs", format!("{} merged", r.runs.len()))?;
    }
    row(out, "Streams", s.streams.to_string())?;
    row(out, "Duration", duration(r))?;
    row(
        out,
        "Events",
        format!("{} ({:.1}/s)", s.events, s.events_per_sec),
    )?;
    let bytes = format!(
        "{} ({}/s)",
        human_bytes(s.bytes as f64),
        human_bytes(s.bytes_per_sec)
    );
    row(out, "Bytes", bytes)?;
    row(
        out,
        "Connected",
        format!("{} of {} attempts", s.connected, s.attempts),
    )?;
    row(out, "Disconnects", s.disconnects.to_string())?;
    row(out, "Reconnects", s.reconnects.to_string())?;
    if s.unresumable > 0 {
        row(
            out,
            "Unresumable",
            format!(
                "{} reconnect{} without Last-Event-ID: the ID had a control character, which HTTP cannot carry",
                s.unresumable,
                if s.unresumable == 1 { "" } else { "s" }
            ),
        )?;
    }
    row(out, "Errors", zero_good(s.errors, color))?;
    if let Some(ids) = &r.ids {
        row(out, "Lost", zero_good(ids.lost, color))?;
        row(out, "Duplicated", zero_good(ids.duplicated, color))?;
        row(out, "Out of order", zero_good(ids.out_of_order, color))?;
    }
    Ok(())
}

/// The (longest) duration, and whether a run was cut short by Ctrl-C.
fn duration(r: &Report) -> String {
    let d = format_duration(Duration::try_from_secs_f64(r.duration_secs).unwrap_or_default());
    let label = if r.runs.len() > 1 {
        " (longest run)"
    } else {
        ""
    };
    let cut = if r.runs.iter().any(|run| run.interrupted) {
        " (interrupted)"
    } else {
        ""
    };
    format!("{d}{label}{cut}")
}

fn percentiles(r: &Report, out: &mut impl Write, color: bool) -> io::Result<()> {
    writeln!(out)?;
    let head: String = ["min", "p50", "p90", "p99", "p99.9", "max"]
        .iter()
        .map(|h| format!("{h:>CELL$}"))
        .collect();
    writeln!(
        out,
        "{}",
        paint(
            &format!("{:<LABEL$}{head}", "Percentiles"),
            Tone::Title,
            color
        )
    )?;
    let p = &r.percentiles;
    let rows = [
        ("connect", &p.connect, None),
        ("first event", &p.first_event, None),
        ("latency", &p.latency, latency_note(r)),
    ];
    for (label, stats, note) in rows {
        let cells = match stats {
            Some(s) => stat_cells(s),
            None => format!("{:>CELL$}", "-"),
        };
        let note = note
            .filter(|_| stats.is_none())
            .map(|n| paint(&n, Tone::Dim, color));
        let note = note.map(|n| format!("  {n}")).unwrap_or_default();
        writeln!(out, "  {label:<w$}{cells}{note}", w = LABEL - 2)?;
    }
    Ok(())
}

fn stat_cells(s: &Stats) -> String {
    [s.min_us, s.p50_us, s.p90_us, s.p99_us, s.p999_us, s.max_us]
        .iter()
        .map(|&us| format!("{:>CELL$}", human_micros(us as f64)))
        .collect()
}

/// Why there is no latency: no field asked for, or events without a timestamp there.
fn latency_note(r: &Report) -> Option<String> {
    let field = r.runs.iter().find_map(|run| run.latency_field.as_deref());
    let Some(field) = field.map(shown) else {
        return Some("(no --latency-field)".to_owned());
    };
    let missing = r.summary.latency_missing;
    (missing > 0).then(|| format!("({missing} events had no timestamp at {field})"))
}

fn latency_histogram(r: &Report, out: &mut impl Write, color: bool) -> io::Result<()> {
    let buckets = buckets(&r.histograms.latency.counts);
    let Some(most) = buckets.iter().map(|b| b.1).max() else {
        return Ok(());
    };
    writeln!(out)?;
    writeln!(out, "{}", paint("Delivery latency", Tone::Title, color))?;
    let width = most.to_string().len();
    for (upper, count) in buckets {
        let bar = "■".repeat((count as f64 / most as f64 * BAR as f64).round() as usize);
        let label = human_micros(upper);
        writeln!(out, "  {label:>CELL$} [{count:>width$}] |{bar}")?;
    }
    Ok(())
}

/// About ten buckets over the recorded range, each as (upper bound µs, count); on a log scale
/// when the range spans more than two orders of magnitude.
fn buckets(counts: &[(u64, u64)]) -> Vec<(f64, u64)> {
    let values = counts.iter().filter(|c| c.1 > 0).map(|c| c.0 as f64);
    let lo = values.clone().fold(f64::INFINITY, f64::min);
    let hi = values.fold(0.0, f64::max);
    if lo > hi {
        return Vec::new();
    }
    let n = if lo == hi { 1 } else { BUCKETS };
    let log = lo > 0.0 && hi / lo > 100.0;
    let upper = |i: usize| {
        let f = (i + 1) as f64 / n as f64;
        if i + 1 == n {
            hi
        } else if log {
            lo * (hi / lo).powf(f)
        } else {
            lo + (hi - lo) * f
        }
    };
    let mut buckets: Vec<(f64, u64)> = (0..n).map(|i| (upper(i), 0)).collect();
    for &(value, count) in counts {
        let i = buckets
            .iter()
            .position(|b| value as f64 <= b.0)
            .unwrap_or(n - 1);
        buckets[i].1 += count;
    }
    buckets
}

/// What makes figures of the report untrustworthy, in red.
fn warnings(r: &Report, out: &mut impl Write, color: bool) -> io::Result<()> {
    if r.warnings.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "{}", paint("Warnings", Tone::Title, color))?;
    for warning in &r.warnings {
        writeln!(out, "  {}", paint(&shown(warning), Tone::Bad, color))?;
    }
    Ok(())
}

fn errors(r: &Report, out: &mut impl Write, color: bool) -> io::Result<()> {
    if r.errors.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "{}", paint("Errors", Tone::Title, color))?;
    let mut errors: Vec<(&String, &u64)> = r.errors.iter().collect();
    errors.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (kind, count) in errors {
        writeln!(
            out,
            "  {kind:<LABEL$}{}",
            paint(&count.to_string(), Tone::Bad, color)
        )?;
    }
    Ok(())
}

fn thresholds(r: &Report, out: &mut impl Write, color: bool) -> io::Result<()> {
    if r.thresholds.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    writeln!(out, "{}", paint("Thresholds", Tone::Title, color))?;
    let width = r
        .thresholds
        .iter()
        .map(|t| t.expr.chars().count())
        .max()
        .unwrap_or(0);
    for t in &r.thresholds {
        let mark = if t.pass {
            paint("✓ PASS", Tone::Good, color)
        } else {
            paint("✗ FAIL", Tone::Bad, color)
        };
        writeln!(out, "  {mark}  {:<width$}  {}", t.expr, t.actual)?;
    }
    Ok(())
}

/// Microseconds for people, three significant figures: `850µs`, `1.2ms`, `2.35s`.
fn human_micros(us: f64) -> String {
    if us < 999.5 {
        format!("{us:.0}µs")
    } else if us < 999_500.0 {
        format!("{}ms", three_figures(us / 1e3))
    } else {
        format!("{}s", three_figures(us / 1e6))
    }
}

/// Bytes for people: `512 B`, `1.5 KiB`, `11.8 MiB`.
fn human_bytes(bytes: f64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024.0 {
        return format!("{bytes:.0} B");
    }
    let mut value = bytes;
    let mut unit = UNITS[0];
    for u in UNITS {
        value /= 1024.0;
        unit = u;
        if value < 1024.0 {
            break;
        }
    }
    format!("{} {unit}", trim_decimals(value, 1))
}

fn three_figures(x: f64) -> String {
    let decimals = if x < 10.0 {
        2
    } else if x < 100.0 {
        1
    } else {
        0
    };
    trim_decimals(x, decimals)
}

/// Pretty JSON with every array that holds no object on one line (`[[850, 1], [1200, 2]]`).
pub(super) fn inline_arrays(pretty: &str) -> String {
    let mut out = String::with_capacity(pretty.len());
    // Where each open array starts in `out`, and whether it holds an object.
    let mut open: Vec<(usize, bool)> = Vec::new();
    let mut chars = pretty.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        match c {
            '"' => copy_string(&mut chars, &mut out),
            '[' => open.push((out.len() - 1, false)),
            '{' => open.iter_mut().for_each(|a| a.1 = true),
            ']' => {
                if let Some((start, false)) = open.pop() {
                    let inline = squeeze(&out[start..]);
                    out.truncate(start);
                    out.push_str(&inline);
                }
            }
            _ => {}
        }
    }
    out
}

/// Copies the rest of a JSON string (after its opening quote) to `out`.
fn copy_string(chars: &mut std::str::Chars<'_>, out: &mut String) {
    let mut escaped = false;
    for c in chars.by_ref() {
        out.push(c);
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return,
            _ => escaped = false,
        }
    }
}

/// `json` on one line: no whitespace outside strings, a space after each comma.
fn squeeze(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut chars = json.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push(c);
                copy_string(&mut chars, &mut out);
            }
            ',' => out.push_str(", "),
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::bench::metrics::{ErrorKind, Metrics, record};
    use crate::bench::report::Run;
    use crate::bench::threshold::Threshold;

    fn info() -> Run {
        Run {
            url: "http://127.0.0.1:8080/events".into(),
            started_at: "1970-01-01T00:00:00.000Z".into(),
            duration_secs: 10.0,
            connections: 2,
            ramp: None,
            events_per_stream: None,
            reconnect: false,
            check_ids: true,
            latency_field: Some("/ts".into()),
            interrupted: false,
        }
    }

    fn metrics() -> Metrics {
        let mut m = Metrics::default();
        for us in [850, 1_200, 1_200, 2_350_000] {
            record(&mut m.latency_us, us);
        }
        record(&mut m.connect_us, 300);
        m.streams = 2;
        m.attempts = 3;
        m.connected = 2;
        (0..4).for_each(|s| m.event_at(s));
        m.bytes = 3 * 1024;
        m.error(ErrorKind::Status(503));
        m.ids.lost = 2;
        m
    }

    fn render(report: &Report) -> String {
        let mut out = Vec::new();
        report.render_text(&mut out, false).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn renders_every_block() {
        let thresholds = ["latency_p50<2ms", "lost==0"].map(|t| Threshold::parse(t).unwrap());
        let text = render(&Report::new(info(), &metrics(), &thresholds));
        for line in [
            "  URL           http://127.0.0.1:8080/events",
            "  Events        4 (0.4/s)",
            "  Bytes         3 KiB (307 B/s)",
            "  Connected     2 of 3 attempts",
            "  Errors        1",
            "  Lost          2",
            "  Out of order  0",
            "Percentiles         min      p50      p90      p99    p99.9      max",
            "  connect         300µs    300µs    300µs    300µs    300µs    300µs",
            "  first event         -",
            "  latency         850µs    1.2ms    2.35s    2.35s    2.35s    2.35s",
            "     1.88ms [3] |■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■■",
            "     4.15ms [0] |",
            "      2.35s [1] |■■■■■■■■■■■■■",
            "  status_503    1",
            "  ✓ PASS  latency_p50<2ms  1.2ms",
            "  ✗ FAIL  lost==0          2",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "no line {line:?} in\n{text}"
            );
        }
        assert_eq!(
            text.lines().filter(|l| l.contains("] |")).count(),
            BUCKETS,
            "{text}"
        );
    }

    #[test]
    fn says_why_latency_is_missing() {
        let mut m = metrics();
        m.latency_us.reset();
        m.latency_missing = 4;
        let text = render(&Report::new(info(), &m, &[]));
        assert!(
            text.contains("  latency             -  (4 events had no timestamp at /ts)"),
            "{text}"
        );
        assert!(!text.contains("Delivery latency"));
        assert!(!text.contains("Thresholds"));
        let mut plain = info();
        (plain.latency_field, plain.check_ids) = (None, false);
        let text = render(&Report::new(plain, &Metrics::default(), &[]));
        assert!(
            text.contains("  latency             -  (no --latency-field)"),
            "{text}"
        );
        assert!(
            !text.contains("Lost") && !text.contains("Errors\n"),
            "{text}"
        );
    }

    #[test]
    fn warns_of_timestamps_from_the_future_and_escapes_what_a_merge_read() {
        let mut m = metrics();
        m.latency_future = 3;
        m.latency_clamped = 1;
        let mut run = info();
        run.url = "http://x/\x1b[2J".into();
        run.latency_field = Some("/t\x07".into());
        let report = Report::new(run, &m, &[]);
        let text = render(&report);
        for line in [
            "Warnings",
            "  3 events had a timestamp at \"/t\\u{7}\" ahead of this machine's clock (clock skew, or the wrong --latency-unit): left out of the latency figures; latency thresholds fail",
            "  1 event arrived more than an hour after the timestamp at \"/t\\u{7}\" (the wrong --latency-unit?): recorded as 1h; latency thresholds fail",
            "  URL           \"http://x/\\u{1b}[2J\"",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "no line {line:?} in\n{text}"
            );
        }
        assert!(!text.contains('\x1b') && !text.contains('\x07'), "{text}");
        assert_eq!(report.warnings.len(), 2);
    }

    #[test]
    fn puts_arrays_of_numbers_on_one_line() {
        let json = Report::new(info(), &metrics(), &[]).to_json();
        assert!(json.contains("\"timeline\": [1, 1, 1, 1],"), "{json}");
        assert!(
            json.contains("\"counts\": [[850, 1], [1200, 2], [2351103, 1]]"),
            "{json}"
        );
        assert!(json.contains("\"runs\": [\n    {\n      \"url\""), "{json}");
        let pretty = "{\n  \"a\": [\n    \"x, ]\\\" [\",\n    []\n  ],\n  \"b\": [\n    {}\n  ]\n}";
        let want = "{\n  \"a\": [\"x, ]\\\" [\", []],\n  \"b\": [\n    {}\n  ]\n}";
        assert_eq!(inline_arrays(pretty), want);
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(human_micros(850.0), "850µs");
        assert_eq!(human_micros(1_200.0), "1.2ms");
        assert_eq!(human_micros(12_345.0), "12.3ms");
        assert_eq!(human_micros(2_350_000.0), "2.35s");
        assert_eq!(human_bytes(512.0), "512 B");
        assert_eq!(human_bytes(1536.0), "1.5 KiB");
        assert_eq!(human_bytes(12_400_000.0), "11.8 MiB");
        assert_eq!(buckets(&[(5, 2)]), vec![(5.0, 2)]);
        assert!(buckets(&[]).is_empty());
    }
}
