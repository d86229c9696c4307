//! Helpers for the `ssecat listen` tests: NDJSON checked against schemas/event.schema.json,
//! stderr checks, timing between requests, timestamp prefixes.

#![allow(dead_code)]

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use super::process::{Outcome, Ssecat, ssecat};
use super::{Request, ScriptServer};

/// `ssecat listen URL`; add flags with `.args` (tests that reconnect pass a short
/// `--retry-delay`).
pub fn listen(srv: &ScriptServer) -> Ssecat {
    ssecat(["listen", &srv.url()])
}

pub fn schema() -> &'static jsonschema::Validator {
    static SCHEMA: OnceLock<jsonschema::Validator> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/event.schema.json");
        let text = std::fs::read_to_string(path).expect("read schemas/event.schema.json");
        let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
        jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
    })
}

/// Stdout as NDJSON: every line parsed and validated against schemas/event.schema.json.
#[track_caller]
pub fn json_lines(out: &Outcome) -> Vec<Value> {
    out.lines()
        .iter()
        .map(|line| {
            let value: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}\n{}", out.dump()));
            if let Err(e) = schema().validate(&value) {
                panic!("{line} does not match the schema: {e}\n{}", out.dump());
            }
            value
        })
        .collect()
}

/// (event, data, id) of each JSON event line.
#[track_caller]
pub fn events(out: &Outcome) -> Vec<(String, String, String)> {
    json_lines(out)
        .iter()
        .filter(|v| v.get("event").is_some())
        .map(|v| {
            (
                v["event"].as_str().unwrap().to_owned(),
                v["data"].as_str().unwrap().to_owned(),
                v["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

pub fn ev(event: &str, data: &str, id: &str) -> (String, String, String) {
    (event.to_owned(), data.to_owned(), id.to_owned())
}

/// Every lifecycle line on stderr starts with `ssecat: `.
#[track_caller]
pub fn assert_stderr_is_lifecycle(out: &Outcome) {
    for line in out.stderr.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            line.starts_with("ssecat: "),
            "stderr line without the `ssecat: ` prefix: {line:?}\n{}",
            out.dump()
        );
    }
}

/// The gap between the end of request `a`'s response and the arrival of request `b`.
#[track_caller]
pub fn gap(requests: &[Request], a: usize, b: usize) -> Duration {
    let end = requests[a]
        .response_end
        .unwrap_or_else(|| panic!("response {a} has not ended: {requests:#?}"));
    requests[b].arrived.saturating_duration_since(end)
}

/// Asserts that request `b` came at least `min` and less than `max` after response `a` ended
/// (`min` proves the behaviour; `max` is generous so a loaded machine does not fail the test).
#[track_caller]
pub fn assert_gap(
    requests: &[Request],
    a: usize,
    b: usize,
    min: Duration,
    max: Duration,
    what: &str,
) {
    let gap = gap(requests, a, b);
    assert!(
        gap >= min && gap < max,
        "{what}: request {b} came {gap:?} after response {a} ended (expected {min:?}..{max:?})"
    );
}

/// Parses a `[+S.SSSs] ` prefix: the seconds, and the rest of the line.
#[track_caller]
pub fn timestamp(line: &str) -> (f64, &str) {
    let rest = line
        .strip_prefix("[+")
        .unwrap_or_else(|| panic!("no [+S.SSSs] prefix: {line:?}"));
    let (secs, rest) = rest
        .split_once("s] ")
        .unwrap_or_else(|| panic!("no `s] ` after the seconds: {line:?}"));
    let (whole, frac) = secs
        .split_once('.')
        .unwrap_or_else(|| panic!("no decimals: {line:?}"));
    assert!(
        !whole.is_empty() && whole.bytes().all(|b| b.is_ascii_digit()),
        "{line:?}"
    );
    assert!(
        frac.len() == 3 && frac.bytes().all(|b| b.is_ascii_digit()),
        "not 3 decimals: {line:?}"
    );
    (secs.parse().unwrap(), rest)
}
