//! Third-party SSE clients against `ssecat serve`: the npm `eventsource` package (Node; the
//! WHATWG EventSource over fetch, which reconnects by itself) and Python `httpx-sse` (which does
//! not: its script reconnects the way httpx-sse documents, with a Last-Event-ID header).
//!
//! Each client's script (tests/interop/node/clients_eventsource.mjs,
//! tests/interop/python/clients_httpx_sse.py) gets two in-process servers and checks, exiting
//! non-zero with the mismatch on any difference:
//! - receive: typed events, multi-line / empty / JSON / non-ASCII data and ids, exactly as
//!   published (raw and JSON-array publishes);
//! - topics: `?topic=a`, `?topic=b`, `?topic=a&topic=c` and `?topic=*` at once, each getting
//!   exactly its topics' events while all three are published;
//! - replay: against `--drop-after 3 --retry 100 --tick 30ms --tick-topic t`, 12 ticks over at
//!   least 3 reconnects, each sending the last id as Last-Event-ID, with consecutive ids;
//! - away: 3 events published while the client is disconnected (the replies say they reached
//!   no subscriber) arrive on reconnect, exactly those, followed by the next live event.
//!
//! Here the servers' own counters confirm that the resumes were replays.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::serve::{Serve, serve};
use crate::tools;

/// The scripts stop themselves after 20 s; this is for a machine under heavy load.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(60);

/// A plain server, and one that drops every stream after 3 events, tells clients to come back
/// after 100 ms, and publishes a tick every 30 ms on topic `t`.
fn servers() -> (Serve, Serve) {
    let plain = serve(&[]);
    let replay = serve(&[
        "--drop-after",
        "3",
        "--retry",
        "100",
        "--tick",
        "30ms",
        "--tick-topic",
        "t",
    ]);
    (plain, replay)
}

/// Runs a client's script with the two servers' base URLs; fails with its output unless it
/// succeeds. Returns its summary line.
fn run_script(mut cmd: Command, plain: &Serve, replay: &Serve, what: &str) -> String {
    cmd.arg(plain.url("")).arg(replay.url(""));
    let started = Instant::now();
    let out = tools::run(cmd, SCRIPT_TIMEOUT);
    tools::assert_ok(&out, what);
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    eprintln!("{what} ({:.1?}): {stdout}", started.elapsed());
    assert!(
        stdout.contains(": ok: "),
        "{what} printed no summary: {stdout}"
    );
    stdout
}

/// The servers' counters after a script: the client came back with Last-Event-ID (the tick
/// resumes on `replay`, and the `away` one on `away_on`) and got events replayed.
fn assert_replayed(replay: &Serve, away_on: &Serve) {
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    let (replay_stats, away_stats) =
        rt.block_on(async { (replay.stats().await, away_on.stats().await) });
    let replays = replay_stats["replays"].as_u64().unwrap_or(0);
    assert!(
        replays >= 3,
        "the replay server saw {replays} resumes (want at least 3): {replay_stats}"
    );
    let replayed = replay_stats["events_replayed"].as_u64().unwrap_or(0);
    assert!(
        replayed >= 3,
        "the replay server replayed {replayed} events: {replay_stats}"
    );
    let away = away_stats["events_replayed"].as_u64().unwrap_or(0);
    assert!(
        away >= 3,
        "the server of the disconnection replayed {away} events: {away_stats}"
    );
}

#[test]
fn npm_eventsource_receives_filters_topics_and_resumes() {
    if !tools::require_npm("eventsource") {
        return;
    }
    let (plain, replay) = servers();
    let node = tools::dir().join("node");
    let mut cmd = Command::new("node");
    cmd.current_dir(&node).arg("clients_eventsource.mjs");
    let summary = run_script(
        cmd,
        &plain,
        &replay,
        "npm eventsource (clients_eventsource.mjs)",
    );
    assert!(summary.contains("away 3 replayed exactly"), "{summary}");
    // Its disconnection is the server's --drop-after, so the replay server replays it too.
    assert_replayed(&replay, &replay);
}

#[test]
fn python_httpx_sse_receives_filters_topics_and_resumes() {
    if !tools::require_python("httpx_sse") {
        return;
    }
    let (plain, replay) = servers();
    let mut cmd = Command::new("python3");
    cmd.current_dir(tools::dir().join("python"))
        .arg("clients_httpx_sse.py");
    let summary = run_script(cmd, &plain, &replay, "httpx-sse (clients_httpx_sse.py)");
    assert!(summary.contains("away 3 replayed exactly"), "{summary}");
    // It disconnects by itself from the plain server, and reconnects there with Last-Event-ID.
    assert_replayed(&replay, &plain);
}
