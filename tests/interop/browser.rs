//! A real browser against `ssecat serve`: Debian's headless chromium (/usr/bin/chromium), driven
//! by playwright-core from npm (which never downloads a browser here). Each test starts in-process
//! servers on 127.0.0.1 and runs tests/interop/node/browser.mjs in one mode:
//! - `viewer`: the viewer page at `/` connects, shows events published with its own form, with
//!   `fetch` from the page and from outside (a type it learns from /stats), right type, id and
//!   data; its Disconnect / Connect buttons work; a screenshot goes to target/interop/viewer.png;
//! - `resume`: a page's `new EventSource('/events?topic=t')` gets typed `tick` events and, with
//!   `--drop-after 5`, reconnects by itself sending Last-Event-ID: consecutive ids, no gap, no
//!   duplicate, over at least 3 reconnects, and the server counts the replays;
//! - `cors`: a page on a second origin (another server's port) subscribes and publishes (a JSON
//!   POST, so a preflight) across origins: by default it may subscribe (`*`) but not publish;
//!   `--cors-origin` naming it allows both; `--cors-origin` naming a third origin refuses both.
//!
//! The script stops itself after 25 s and always closes the browser; it prints one JSON line,
//! which the tests check again (and the servers' own counters) here.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::serve::{Serve, serve};
use crate::tools;

/// browser.mjs gives up by itself after 25 s; this is for a machine under heavy load.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(35);

/// True when chromium and playwright-core are installed (in CI, a panic when not).
fn have_browser() -> bool {
    tools::require("/usr/bin/chromium") && tools::require_npm("playwright-core")
}

/// Runs `node browser.mjs MODE ARGS…`; fails with its output unless it succeeds. Returns the
/// JSON line it printed last.
fn browser(mode: &str, args: &[&str]) -> Value {
    let mut cmd = Command::new("node");
    cmd.current_dir(tools::dir().join("node"))
        .arg("browser.mjs")
        .arg(mode)
        .args(args);
    let what = format!("chromium via playwright-core (browser.mjs {mode})");
    let started = Instant::now();
    let out = tools::run(cmd, SCRIPT_TIMEOUT);
    tools::assert_ok(&out, &what);
    let stdout = String::from_utf8_lossy(&out.stdout);
    eprintln!("{what} ({:.1?}): {}", started.elapsed(), stdout.trim());
    let line = stdout.lines().last().unwrap_or_default();
    let result: Value = serde_json::from_str(line)
        .unwrap_or_else(|e| panic!("{what} printed no JSON result ({e}): {stdout}"));
    assert_eq!(result["ok"], mode, "{what}: {result}");
    result
}

/// `GET /stats` of `srv`, from here (no browser, no CORS).
fn stats(srv: &Serve) -> Value {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(srv.stats())
}

/// `http://127.0.0.1:PORT`, the origin of `srv` as a browser writes it.
fn origin(srv: &Serve) -> String {
    srv.url("")
}

#[test]
fn viewer_page_shows_published_events() {
    if !have_browser() {
        return;
    }
    let srv = serve(&[]);
    let shot = tools::artifacts().join("viewer.png");
    let _ = std::fs::remove_file(&shot); // never pass on an old one
    let result = browser(
        "viewer",
        &[&srv.url(""), shot.to_str().expect("UTF-8 path")],
    );

    // greet g-1 (form), greet g-2, message r-1 (JSON), greet g-3 (markup), message (fetch),
    // news n-K (from outside), greet g-4 (form, after Disconnect / Connect).
    assert!(result["events"].as_u64().unwrap_or(0) >= 7, "{result}");
    let png = std::fs::read(&shot).expect("target/interop/viewer.png was written");
    assert!(
        png.len() > 1000 && png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG screenshot ({} bytes)",
        shot.display(),
        png.len()
    );
    let s = stats(&srv);
    let types = s["event_types"].to_string();
    assert!(
        types.contains("greet") && types.contains("news"),
        "the server never saw the page's publishes: {s}"
    );
    assert_eq!(s["replays"], 0, "the viewer never had to resume: {s}");
}

#[test]
fn event_source_page_gets_typed_events_and_resumes_after_drop() {
    if !have_browser() {
        return;
    }
    let srv = serve(&[
        "--tick",
        "50ms",
        "--tick-topic",
        "t",
        "--drop-after",
        "5",
        "--retry",
        "100",
    ]);
    let result = browser("resume", &[&srv.url("")]);

    let first: u64 = result["first_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("first id");
    let last: u64 = result["last_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("last id");
    let ticks = result["ticks"].as_u64().expect("ticks");
    assert_eq!(last - first + 1, ticks, "ids with a gap: {result}");
    assert!(ticks >= 25, "{result}");
    let connections = result["connections"].as_u64().expect("connections");
    assert!(connections >= 4, "fewer than 3 reconnects: {result}");
    let sent = result["last_event_ids_sent"].as_array().expect("ids sent");
    assert!(
        sent.len() >= 3 && sent.iter().all(Value::is_string),
        "{result}"
    );

    // The server's view: every reconnect came back with Last-Event-ID, and ticks published
    // during the 100 ms away were replayed.
    let s = stats(&srv);
    let replays = s["replays"].as_u64().unwrap_or(0);
    assert!(replays >= 3, "the server saw {replays} resumes: {s}");
    assert!(
        s["events_replayed"].as_u64().unwrap_or(0) >= 1,
        "nothing was replayed: {s}"
    );
}

#[test]
fn cors_allows_a_second_origin() {
    if !have_browser() {
        return;
    }
    // B serves the page (its /health): the second origin.
    let b = serve(&[]);
    let b_origin = origin(&b);
    // A third origin nobody serves: a port that is free now, so it is not B's.
    let elsewhere = format!("http://127.0.0.1:{}", tools::free_port());
    let ticking = ["--tick", "100ms", "--tick-topic", "c"];
    let open = serve(&ticking);
    let only_b = serve(&[&ticking[..], &["--cors-origin", b_origin.as_str()]].concat());
    let other = serve(&[&ticking[..], &["--cors-origin", elsewhere.as_str()]].concat());

    let result = browser(
        "cors",
        &[&b.url(""), &open.url(""), &only_b.url(""), &other.url("")],
    );
    assert_eq!(result["page_origin"], b_origin.as_str(), "{result}");
    assert_eq!(result["only_b"]["post_delivered"], 1, "{result}");
    assert!(
        result["open"]["post"]
            .as_str()
            .is_some_and(|e| e.starts_with("TypeError")),
        "{result}"
    );
    assert_eq!(result["other"]["log"][0], "error(2)", "{result}");

    // The server naming B got the cross-origin POST (after its preflight); the default one,
    // which streams to any origin, takes publishes from its own origin only.
    for (name, srv, posted) in [("open", &open, false), ("only_b", &only_b, true)] {
        let s = stats(srv);
        assert_eq!(
            s["event_types"].to_string().contains("cors"),
            posted,
            "{name}: {s}"
        );
        assert!(
            s["streams"]["total"].as_u64().unwrap_or(0) >= 1,
            "{name}: {s}"
        );
    }
    // The refused one answered the EventSource's GET (chromium then refused the response), and
    // never got the POST: its preflight was refused first.
    let s = stats(&other);
    assert!(
        s["streams"]["total"].as_u64().unwrap_or(0) >= 1,
        "the browser never asked: {s}"
    );
    assert!(
        !s["event_types"].to_string().contains("cors"),
        "a POST from an origin --cors-origin does not name got through: {s}"
    );
}
