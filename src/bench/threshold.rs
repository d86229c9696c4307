//! `--threshold EXPR`: pass/fail conditions on a bench report, in the spirit of k6.
//!
//! An expression is `METRIC OP VALUE`, spaces optional: `latency_p99<250ms`, `errors == 0`,
//! `error_rate<=0.01`. Duration metrics (`latency_*`, `connect_*`, `first_event_*`) take a
//! duration (`250ms`, `1.5s`, `500us`; a bare number is milliseconds); the others take a plain
//! number. A threshold that cannot be measured (no samples, IDs not checked) fails, so a broken
//! setup never passes silently; so does every latency threshold when any event's timestamp was
//! ahead of the clock or more than the histogram's hour behind it (`latency_future`,
//! `latency_clamped`): with clocks or units that wrong, no latency figure can be trusted.

use std::fmt;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use super::metrics::{ErrorKind, Metrics};

/// Every metric a threshold can name, for error messages.
const VALID_METRICS: &str = "latency_*, connect_*, first_event_* (* = min, p50, p90, p95, p99, \
     p999, max, mean), errors, error_rate, lost, duplicated, out_of_order, events, \
     events_per_sec, bytes, disconnects, reconnects, connected, attempts, unresumable, \
     latency_missing, latency_future, latency_clamped, and the errors of one kind: refused, \
     timeout, tls, protocol, io, content_type, content_encoding, oversize, status_NNN";

/// The comparison operators, for error messages.
const VALID_OPS: &str = "<, <=, >, >=, ==, !=";

/// A parsed `--threshold`: kept with its text so reports show it exactly as given.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    expr: String,
    metric: Metric,
    op: Op,
    /// The limit; microseconds for duration metrics.
    value: f64,
}

/// How a threshold fared on a report: what the JSON report and the text report show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThresholdResult {
    /// The expression as given.
    pub expr: String,
    /// Whether the condition held.
    pub pass: bool,
    /// The measured value (`12.3ms`, `0`, `0.0125`), or why there is none (`no samples`).
    pub actual: String,
}

/// Which histogram a duration metric reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hist {
    Connect,
    FirstEvent,
    Latency,
}

/// Which statistic of a histogram.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stat {
    Min,
    Quantile(f64),
    Max,
    Mean,
}

/// A count or a rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Count {
    Errors,
    ErrorRate,
    Lost,
    Duplicated,
    OutOfOrder,
    Events,
    EventsPerSec,
    Bytes,
    Disconnects,
    Reconnects,
    Connected,
    Attempts,
    Unresumable,
    LatencyMissing,
    LatencyFuture,
    LatencyClamped,
    /// Errors of one kind (`refused`, `status_503`, …).
    Error(ErrorKind),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Metric {
    Duration(Hist, Stat),
    Count(Count),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Op {
    fn parse(text: &str) -> Option<Op> {
        Some(match text {
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "==" => Op::Eq,
            "!=" => Op::Ne,
            _ => return None,
        })
    }

    fn holds(self, actual: f64, limit: f64) -> bool {
        match self {
            Op::Lt => actual < limit,
            Op::Le => actual <= limit,
            Op::Gt => actual > limit,
            Op::Ge => actual >= limit,
            Op::Eq => actual == limit,
            Op::Ne => actual != limit,
        }
    }
}

impl Metric {
    fn parse(name: &str) -> Option<Metric> {
        let count = match name {
            "errors" => Count::Errors,
            "error_rate" => Count::ErrorRate,
            "lost" => Count::Lost,
            "duplicated" => Count::Duplicated,
            "out_of_order" => Count::OutOfOrder,
            "events" => Count::Events,
            "events_per_sec" => Count::EventsPerSec,
            "bytes" => Count::Bytes,
            "disconnects" => Count::Disconnects,
            "reconnects" => Count::Reconnects,
            "connected" => Count::Connected,
            "attempts" => Count::Attempts,
            "unresumable" => Count::Unresumable,
            "latency_missing" => Count::LatencyMissing,
            "latency_future" => Count::LatencyFuture,
            "latency_clamped" => Count::LatencyClamped,
            _ => match ErrorKind::from_key(name) {
                Some(kind) => Count::Error(kind),
                None => return Metric::parse_duration(name),
            },
        };
        Some(Metric::Count(count))
    }

    fn parse_duration(name: &str) -> Option<Metric> {
        let (hist, stat) = name.rsplit_once('_')?;
        let hist = match hist {
            "connect" => Hist::Connect,
            "first_event" => Hist::FirstEvent,
            "latency" => Hist::Latency,
            _ => return None,
        };
        let stat = match stat {
            "min" => Stat::Min,
            "p50" => Stat::Quantile(0.5),
            "p90" => Stat::Quantile(0.9),
            "p95" => Stat::Quantile(0.95),
            "p99" => Stat::Quantile(0.99),
            "p999" => Stat::Quantile(0.999),
            "max" => Stat::Max,
            "mean" => Stat::Mean,
            _ => return None,
        };
        Some(Metric::Duration(hist, stat))
    }
}

impl Threshold {
    /// Parses `METRIC OP VALUE`; a clap value parser, so an error is one line saying what was
    /// wrong and what would be right.
    pub fn parse(text: &str) -> Result<Threshold, String> {
        let expr = text.trim();
        let Some(at) = expr.find(['<', '>', '=', '!']) else {
            return Err(format!(
                "no comparison in '{expr}': expected METRIC OP VALUE with OP one of {VALID_OPS} \
                 (e.g. latency_p99<250ms)"
            ));
        };
        let (name, rest) = expr.split_at(at);
        let op_len = rest
            .find(|c: char| !matches!(c, '<' | '>' | '=' | '!'))
            .unwrap_or(rest.len());
        let (op_text, value_text) = (&rest[..op_len], rest[op_len..].trim());
        let op = Op::parse(op_text)
            .ok_or_else(|| format!("'{op_text}' is not a comparison: use one of {VALID_OPS}"))?;
        let name = name.trim();
        if name.is_empty() {
            return Err(format!(
                "missing a metric before '{op_text}' (valid: {VALID_METRICS})"
            ));
        }
        let metric = Metric::parse(&name.to_ascii_lowercase())
            .ok_or_else(|| format!("unknown metric '{name}' (valid: {VALID_METRICS})"))?;
        if value_text.is_empty() {
            return Err(format!(
                "missing a value after '{op_text}' (e.g. latency_p99<250ms)"
            ));
        }
        let value = match metric {
            Metric::Duration(..) => parse_micros(value_text)?,
            Metric::Count(_) => parse_number(value_text, name)?,
        };
        Ok(Threshold {
            expr: expr.to_owned(),
            metric,
            op,
            value,
        })
    }

    /// The expression as given (trimmed).
    pub fn expr(&self) -> &str {
        &self.expr
    }

    /// Checks the condition against a run's (or merged runs') metrics. `duration_secs` is what
    /// `events_per_sec` divides by; `ids_checked` says whether `lost`, `duplicated` and
    /// `out_of_order` were measured at all.
    pub fn evaluate(&self, m: &Metrics, duration_secs: f64, ids_checked: bool) -> ThresholdResult {
        let measured = match self.metric {
            Metric::Duration(hist, stat) => duration_stat(m, hist, stat),
            Metric::Count(count) => count_stat(m, count, duration_secs, ids_checked),
        };
        let (pass, actual) = match measured {
            Ok((value, shown)) => (self.op.holds(value, self.value), shown),
            Err(why) => (false, why),
        };
        ThresholdResult {
            expr: self.expr.clone(),
            pass,
            actual,
        }
    }
}

impl fmt::Display for Threshold {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expr)
    }
}

/// A measured value and how to show it, or why it could not be measured.
type Measured = Result<(f64, String), String>;

fn duration_stat(m: &Metrics, hist: Hist, stat: Stat) -> Measured {
    let h: &Histogram<u64> = match hist {
        Hist::Connect => &m.connect_us,
        Hist::FirstEvent => &m.first_event_us,
        Hist::Latency => {
            untrusted_latency(m)?;
            &m.latency_us
        }
    };
    if h.is_empty() {
        return Err("no samples".into());
    }
    let us = match stat {
        Stat::Min => h.min() as f64,
        Stat::Quantile(q) => h.value_at_quantile(q) as f64,
        Stat::Max => h.max() as f64,
        Stat::Mean => h.mean(),
    };
    Ok((us, precise_micros(us)))
}

/// Why no latency figure can be trusted, if a timestamp was from the future or hours old.
fn untrusted_latency(m: &Metrics) -> Result<(), String> {
    let plural = |n: u64| if n == 1 { "" } else { "s" };
    match (m.latency_future, m.latency_clamped) {
        (0, 0) => Ok(()),
        (0, n) => Err(format!("{n} timestamp{} over 1h old", plural(n))),
        (n, _) => Err(format!("{n} timestamp{} in the future", plural(n))),
    }
}

fn count_stat(m: &Metrics, count: Count, duration_secs: f64, ids_checked: bool) -> Measured {
    let needs_ids = matches!(count, Count::Lost | Count::Duplicated | Count::OutOfOrder);
    if needs_ids && !ids_checked {
        return Err("needs --check-ids".into());
    }
    let value = match count {
        Count::Errors => m.error_count() as f64,
        Count::ErrorRate if m.attempts == 0 => return Err("no attempts".into()),
        Count::ErrorRate => m.error_count() as f64 / m.attempts as f64,
        Count::Lost => m.ids.lost as f64,
        Count::Duplicated => m.ids.duplicated as f64,
        Count::OutOfOrder => m.ids.out_of_order as f64,
        Count::Events => m.events as f64,
        Count::EventsPerSec if duration_secs <= 0.0 => return Err("no duration".into()),
        Count::EventsPerSec => m.events as f64 / duration_secs,
        Count::Bytes => m.bytes as f64,
        Count::Disconnects => m.disconnects as f64,
        Count::Reconnects => m.reconnects as f64,
        Count::Connected => m.connected as f64,
        Count::Attempts => m.attempts as f64,
        Count::Unresumable => m.unresumable as f64,
        Count::LatencyMissing => m.latency_missing as f64,
        Count::LatencyFuture => m.latency_future as f64,
        Count::LatencyClamped => m.latency_clamped as f64,
        Count::Error(kind) => m.errors.get(&kind).copied().unwrap_or(0) as f64,
    };
    Ok((value, plain_number(value)))
}

/// A duration limit in microseconds: `250ms`, `1.5s`, `500us`, `500µs`; a bare number is ms.
fn parse_micros(text: &str) -> Result<f64, String> {
    let bad = || {
        format!(
            "'{text}' is not a duration: use e.g. 250ms, 1.5s, 500us (a bare number is \
             milliseconds)"
        )
    };
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let factor = match unit.trim() {
        "" | "ms" => 1_000.0,
        "s" => 1_000_000.0,
        "us" | "µs" | "μs" => 1.0,
        _ => return Err(bad()),
    };
    let n: f64 = number.parse().map_err(|_| bad())?;
    // Rounded to nanoseconds, so that `0.1ms` is exactly 100 µs.
    Ok((n * factor * 1_000.0).round() / 1_000.0)
}

/// A plain, finite, non-negative number for the count metric `name`.
fn parse_number(text: &str, name: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 0.0 => Ok(n),
        _ => Err(format!(
            "'{text}' is not a number ('{name}' takes a plain number, e.g. {name}<=10)"
        )),
    }
}

/// Microseconds with full resolution, for threshold actuals: `850µs`, `250.111ms`, `2.35s`.
fn precise_micros(us: f64) -> String {
    if us < 1_000.0 {
        format!("{}µs", trim_decimals(us, 1))
    } else if us < 1_000_000.0 {
        format!("{}ms", trim_decimals(us / 1_000.0, 3))
    } else {
        format!("{}s", trim_decimals(us / 1_000_000.0, 6))
    }
}

/// A count as an integer, a rate with up to four decimals.
fn plain_number(n: f64) -> String {
    trim_decimals(n, 4)
}

/// `n` with at most `decimals` decimals, trailing zeros (and a trailing dot) removed.
pub(super) fn trim_decimals(n: f64, decimals: usize) -> String {
    let text = format!("{n:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::metrics::{ErrorKind, record};

    fn parse(text: &str) -> Threshold {
        Threshold::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn parses_metrics_operators_and_units() {
        let t = parse("latency_p99<250ms");
        assert_eq!(
            t.metric,
            Metric::Duration(Hist::Latency, Stat::Quantile(0.99))
        );
        assert_eq!((t.op, t.value), (Op::Lt, 250_000.0));
        let t = parse("  connect_max >= 1.5s ");
        assert_eq!(t.expr(), "connect_max >= 1.5s");
        assert_eq!(
            (t.metric, t.op, t.value),
            (
                Metric::Duration(Hist::Connect, Stat::Max),
                Op::Ge,
                1_500_000.0
            )
        );
        for (text, us) in [
            ("first_event_mean<500us", 500.0),
            ("first_event_mean<500µs", 500.0),
            ("latency_p50<=20", 20_000.0),
            ("latency_p999 < 0.1ms", 100.0),
            ("latency_min>1 s", 1_000_000.0),
        ] {
            assert_eq!(parse(text).value, us, "{text}");
        }
        let t = parse("error_rate!=0.01");
        assert_eq!(
            (t.metric, t.op, t.value),
            (Metric::Count(Count::ErrorRate), Op::Ne, 0.01)
        );
        assert_eq!(parse("errors==0").op, Op::Eq);
        assert_eq!(parse("events > 10").op, Op::Gt);
        assert_eq!(parse("Lost==0").metric, Metric::Count(Count::Lost));
        for name in [
            "duplicated",
            "out_of_order",
            "events_per_sec",
            "bytes",
            "disconnects",
            "reconnects",
            "connected",
            "attempts",
            "unresumable",
            "latency_missing",
            "latency_future",
            "latency_clamped",
            "oversize",
            "content_encoding",
            "status_503",
        ] {
            assert!(Threshold::parse(&format!("{name}<1")).is_ok(), "{name}");
        }
        assert_eq!(
            parse("Content_Encoding==0").metric,
            Metric::Count(Count::Error(ErrorKind::ContentEncoding))
        );
    }

    #[test]
    fn rejects_bad_expressions_with_one_clear_line() {
        let cases = [
            ("latency_p99 250ms", format!("no comparison in 'latency_p99 250ms': expected METRIC OP VALUE with OP one of {VALID_OPS} (e.g. latency_p99<250ms)")),
            ("latency_p99=250ms", format!("'=' is not a comparison: use one of {VALID_OPS}")),
            ("latency_p99=<250ms", format!("'=<' is not a comparison: use one of {VALID_OPS}")),
            ("<250ms", format!("missing a metric before '<' (valid: {VALID_METRICS})")),
            ("latncy_p99<250ms", format!("unknown metric 'latncy_p99' (valid: {VALID_METRICS})")),
            ("latency_p75<250ms", format!("unknown metric 'latency_p75' (valid: {VALID_METRICS})")),
            ("latency_p99<", "missing a value after '<' (e.g. latency_p99<250ms)".to_owned()),
            ("latency_p99<fast", "'fast' is not a duration: use e.g. 250ms, 1.5s, 500us (a bare number is milliseconds)".to_owned()),
            ("latency_p99<5m", "'5m' is not a duration: use e.g. 250ms, 1.5s, 500us (a bare number is milliseconds)".to_owned()),
            ("latency_p99<-5ms", "'-5ms' is not a duration: use e.g. 250ms, 1.5s, 500us (a bare number is milliseconds)".to_owned()),
            ("errors<5ms", "'5ms' is not a number ('errors' takes a plain number, e.g. errors<=10)".to_owned()),
            ("errors<-1", "'-1' is not a number ('errors' takes a plain number, e.g. errors<=10)".to_owned()),
            ("errors<NaN", "'NaN' is not a number ('errors' takes a plain number, e.g. errors<=10)".to_owned()),
        ];
        for (text, want) in cases {
            assert_eq!(Threshold::parse(text).unwrap_err(), want, "{text}");
        }
        assert!(
            Threshold::parse("")
                .unwrap_err()
                .starts_with("no comparison in ''")
        );
    }

    fn metrics() -> Metrics {
        let mut m = Metrics::default();
        for us in [1_000, 1_500, 2_000] {
            record(&mut m.latency_us, us);
        }
        m.attempts = 4;
        m.events = 100;
        m.error(ErrorKind::Refused);
        m
    }

    fn eval(text: &str) -> ThresholdResult {
        parse(text).evaluate(&metrics(), 10.0, false)
    }

    #[test]
    fn evaluates_at_the_boundaries() {
        for (text, pass) in [
            ("latency_max<2ms", false),
            ("latency_max<=2ms", true),
            ("latency_min>1ms", false),
            ("latency_min>=1000us", true),
            ("latency_mean==1.5ms", true),
            ("latency_p50!=1.5", false),
            ("errors==1", true),
            ("errors<1", false),
            ("error_rate<=0.25", true),
            ("error_rate<0.25", false),
            ("events_per_sec>=10", true),
            ("events_per_sec>10", false),
        ] {
            assert_eq!(eval(text).pass, pass, "{text}: {:?}", eval(text));
        }
        assert_eq!(eval("latency_max<=2ms").actual, "2ms");
        assert_eq!(eval("error_rate<0.25").actual, "0.25");
        assert_eq!(eval("events_per_sec>10").actual, "10");
    }

    #[test]
    fn fails_what_cannot_be_measured() {
        let r = eval("connect_p99<1s");
        assert_eq!((r.pass, r.actual.as_str()), (false, "no samples"));
        let r = eval("lost==0");
        assert_eq!((r.pass, r.actual.as_str()), (false, "needs --check-ids"));
        let r = parse("lost==0").evaluate(&metrics(), 10.0, true);
        assert_eq!((r.pass, r.actual.as_str()), (true, "0"));
        let r = parse("error_rate<1").evaluate(&Metrics::default(), 10.0, true);
        assert_eq!((r.pass, r.actual.as_str()), (false, "no attempts"));
        let r = eval("refused==1");
        assert_eq!((r.pass, r.actual.as_str()), (true, "1"));
        let r = eval("status_503==0");
        assert_eq!((r.pass, r.actual.as_str()), (true, "0"));
    }

    #[test]
    fn timestamps_from_the_future_or_hours_old_fail_every_latency_threshold() {
        let mut m = metrics();
        m.latency_future = 2;
        for text in ["latency_p99<1ms", "latency_p99>1ms", "latency_max<3600s"] {
            let r = parse(text).evaluate(&m, 10.0, false);
            assert_eq!(
                (r.pass, r.actual.as_str()),
                (false, "2 timestamps in the future"),
                "{text}"
            );
        }
        m.latency_future = 0;
        m.latency_clamped = 1;
        let r = parse("latency_max<=7200s").evaluate(&m, 10.0, false);
        assert_eq!(
            (r.pass, r.actual.as_str()),
            (false, "1 timestamp over 1h old")
        );
        // Other thresholds are not affected, and these counts can be named.
        assert!(parse("connect_p99<1s").evaluate(&m, 10.0, false).actual == "no samples");
        assert!(parse("latency_clamped==1").evaluate(&m, 10.0, false).pass);
    }

    #[test]
    fn shows_durations_precisely() {
        assert_eq!(precise_micros(850.0), "850µs");
        assert_eq!(precise_micros(850.26), "850.3µs");
        assert_eq!(precise_micros(250_111.0), "250.111ms");
        assert_eq!(precise_micros(2_350_000.0), "2.35s");
        assert_eq!(plain_number(0.012_345), "0.0123");
    }
}
