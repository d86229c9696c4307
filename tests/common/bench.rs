//! Reading `ssecat bench` reports in tests: the JSON on stdout (or in a file), validated
//! against schemas/bench-report.schema.json, and its counts.

#![allow(dead_code)]

use std::sync::OnceLock;

use serde_json::Value;

use super::process::Outcome;

/// The JSON report on stdout, validated against the schema.
#[track_caller]
pub fn report(out: &Outcome) -> Value {
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e})\n{}", out.dump()));
    validate(&report);
    report
}

/// Fails the test unless `report` matches the schema.
#[track_caller]
pub fn validate(report: &Value) {
    static SCHEMA: OnceLock<jsonschema::Validator> = OnceLock::new();
    let schema = SCHEMA.get_or_init(|| {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schemas/bench-report.schema.json"
        );
        let text = std::fs::read_to_string(path).expect("read the bench report schema");
        let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
        jsonschema::validator_for(&schema).expect("a valid JSON Schema")
    });
    let errors: Vec<String> = schema.iter_errors(report).map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "report does not match the schema: {errors:#?}\n{report:#}"
    );
}

/// A count of the report.
#[track_caller]
pub fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}
