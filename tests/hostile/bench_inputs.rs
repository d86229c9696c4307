//! See main.rs. `ssecat bench`'s inputs other than servers: flags at their extremes, and
//! crafted reports against `--merge`.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::bench::bench;
use crate::common::bench::{n, report, validate};
use crate::common::process::Outcome;
use crate::common::{Script, ScriptServer, refused_url, ssecat};

// ---------------------------------------------------------------------------------------------
// Flags
// ---------------------------------------------------------------------------------------------

/// Flags at their extremes: a clear usage error, or a run that ends; never a panic or an
/// allocation of every stream of `-c 10^9` up front.
#[test]
fn extreme_flags_are_usage_errors_or_runs_that_end() {
    let srv = ScriptServer::start(|_, _| Script::sse().send("data: x\n\n").hang());
    let url = srv.url();
    for (args, says) in [
        (&["-c", "18446744073709551615"][..], "open-file limit"),
        (&["-c", "1000000000"], "open-file limit"),
        (&["-c", "0"], "--connections"),
        (&["--duration", "0"], "no time"),
        (&["--events", "0"], "--events"),
        (&["--ramp", "0"], "positive"),
        (&["--threshold", "latency_p99<-1ms"], "not a duration"),
        (&["--threshold", "errors==1e999"], "not a number"),
        (&["--threshold", "gremlins<1"], "unknown metric"),
    ] {
        let out = ssecat(["bench", &url, "--no-progress"]).args(args).run();
        assert_eq!(out.code, Some(2), "{args:?}\n{}", out.dump());
        assert!(out.stderr.contains(says), "{args:?}\n{}", out.dump());
    }
    // A duration or a ramp beyond what time can hold: the run ends with its events.
    for args in [
        &["--duration", "10000000000000000000", "-c", "1"][..],
        &["--ramp", "1e-300", "-c", "1"],
    ] {
        let out = bench(&url, &[args, &["--events", "1"]].concat());
        out.code(0);
        assert_eq!(n(&report(&out)["summary"]["events"]), 1, "{args:?}");
    }
    // A tiny ramp with two streams: the second is due in 1e300 s; Ctrl-C-free end by duration.
    let out = bench(
        &url,
        &["--ramp", "1e-300", "-c", "2", "--duration", "500ms"],
    );
    out.code(0);
    assert_eq!(n(&report(&out)["summary"]["streams"]), 1);
}

// ---------------------------------------------------------------------------------------------
// --merge against crafted reports (item 7)
// ---------------------------------------------------------------------------------------------

/// A real report to craft from: a short run against a closed port (some `refused` errors).
fn base_report(dir: &Path) -> Value {
    let path = dir.join("base.json");
    let out = ssecat(["bench", &refused_url(), "--no-progress", "-c", "1"])
        .args(["--duration", "300ms", "-o", path.to_str().expect("a path")])
        .run();
    out.code(0);
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("the report")).expect("JSON");
    validate(&r);
    r
}

/// Writes `report` as `name` in `dir`, with its own start time (so it is not a copy).
fn write_report(dir: &Path, name: &str, mut report: Value, second: u32) -> PathBuf {
    if let Some(run) = report["runs"].get_mut(0) {
        run["started_at"] = json!(format!("2026-01-01T00:00:{second:02}.000Z"));
    }
    let path = dir.join(name);
    std::fs::write(&path, report.to_string()).expect("write");
    path
}

/// `ssecat bench --merge FILES… --threshold errors==0`.
fn merge(files: &[&Path]) -> Outcome {
    ssecat(["bench", "--no-progress", "--merge"])
        .args(files)
        .args(["--threshold", "errors==0"])
        .run()
}

/// Fails unless `out` is exit 1 with one line on stderr containing every one of `says`.
#[track_caller]
fn assert_refused(out: &Outcome, says: &[&str]) {
    assert_eq!(out.code, Some(1), "{}", out.dump());
    let err = out.stderr.trim_end();
    assert_eq!(err.lines().count(), 1, "{}", out.dump());
    for s in says {
        assert!(err.contains(s), "no {s:?} in {err}");
    }
}

/// Two reports whose counts add up to more than 64 bits: a crafted `refused` of 2^64 − k plus
/// a report with k refused wrapped to `errors 0` and `✓ PASS errors==0`. Every count is
/// checked: the merge is exit 1, naming the file and the count.
#[test]
fn merge_refuses_counts_that_would_wrap() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let base = base_report(dir.path());
    let real = write_report(dir.path(), "real.json", base.clone(), 1);
    let k = n(&base["errors"]["refused"]);
    type Craft = fn(&mut Value, u64);
    let crafted: [(&str, Craft); 5] = [
        ("summary.errors", |r, k| {
            r["errors"]["refused"] = json!(u64::MAX - k + 1);
            r["summary"]["errors"] = json!(u64::MAX - k + 1);
        }),
        ("summary.attempts", |r, _| {
            r["summary"]["attempts"] = json!(u64::MAX)
        }),
        ("summary.streams", |r, _| {
            r["summary"]["streams"] = json!(u64::MAX)
        }),
        ("histograms.connect", |r, _| {
            r["histograms"]["connect"]["counts"] = json!([[1000, u64::MAX]]);
        }),
        ("summary.events", |r, _| {
            r["timeline"] = json!([u64::MAX]);
            r["summary"]["events"] = json!(u64::MAX);
        }),
    ];
    for (field, craft) in crafted {
        let mut r = base.clone();
        craft(&mut r, k);
        let evil = write_report(dir.path(), "evil.json", r.clone(), 2);
        let out = if field == "histograms.connect" || field == "summary.events" {
            // The crafted count overflows with itself.
            let twin = write_report(dir.path(), "twin.json", r, 3);
            merge(&[&evil, &twin])
        } else {
            merge(&[&real, &evil])
        };
        assert_refused(&out, &["cannot merge", "json", field, "64 bits"]);
        assert!(!out.out().contains("PASS"), "{field}: {}", out.dump());
    }
}

/// Crafted report files: each is exit 1 with one line naming the file; none is read without
/// bound (`/dev/zero` stops at 64 MiB), and a report given twice is not counted twice.
#[test]
fn merge_refuses_crafted_files_in_one_line() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let base = base_report(dir.path());
    let good = write_report(dir.path(), "good.json", base.clone(), 1);
    type Edit = fn(&mut Value);
    let edits: [(&str, Edit, &str); 8] = [
        (
            "negative.json",
            |r| r["summary"]["events"] = json!(-1),
            "integer `-1`",
        ),
        (
            "float.json",
            |r| r["summary"]["attempts"] = json!(2.5),
            "floating point `2.5`",
        ),
        (
            "missing.json",
            |r| drop(r["summary"].as_object_mut().map(|s| s.remove("events"))),
            "missing field `events`",
        ),
        (
            "long.json",
            |r| r["timeline"] = json!(vec![0; 100_000]),
            "timeline has 100000 seconds",
        ),
        (
            "range.json",
            |r| r["histograms"]["latency"]["counts"] = json!([[99_999_999_999u64, 1]]),
            "beyond its range",
        ),
        (
            "kind.json",
            |r| {
                r["errors"] = json!({"gremlins": 1});
                r["summary"]["errors"] = json!(1);
            },
            "unknown error kind 'gremlins'",
        ),
        ("runs.json", |r| r["runs"] = json!([]), "lists no runs"),
        (
            "sums.json",
            |r| r["summary"]["errors"] = json!(0),
            "but summary.errors is 0",
        ),
    ];
    for (name, edit, says) in edits {
        let mut r = base.clone();
        edit(&mut r);
        let path = write_report(dir.path(), name, r, 2);
        let out = merge(&[&good, &path]);
        assert_refused(&out, &[name, says]);
    }
    let text = |name: &str, content: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, content).expect("write");
        path
    };
    for (path, says) in [
        (text("not.json", "GET / HTTP/1.1"), "is not JSON"),
        (text("empty.json", ""), "is empty"),
        (text("array.json", "[1]"), "not a ssecat bench report"),
        (dir.path().to_path_buf(), "cannot read"),
        (PathBuf::from("/dev/zero"), "larger than 64 MiB"),
    ] {
        let out = merge(&[&good, &path]);
        assert_refused(&out, &[&path.display().to_string(), says]);
    }
    let twice = merge(&[&good, &good]);
    assert_refused(&twice, &["good.json is given twice"]);
    let copy = dir.path().join("copy.json");
    std::fs::copy(&good, &copy).expect("copy");
    assert_refused(&merge(&[&good, &copy]), &["copy.json", "already merged"]);
}
