//! `ssecat demo`, `ssecat generate` and `--version`, through the binary.

mod common;

use std::time::Duration;

use common::{ms, ssecat};
use serde_json::Value;

#[test]
fn demo_prints_n_events_from_its_own_server_and_exits_0() {
    let out = ssecat(["demo", "-n", "3", "--json", "--every", "50ms"]).run();
    out.code(0);
    let events: Vec<Value> = out
        .lines()
        .iter()
        .map(|l| serde_json::from_str(l).expect("an NDJSON line"))
        .collect();
    assert_eq!(events.len(), 3, "{}", out.dump());
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["event"], "tick");
        assert_eq!(e["id"], (i + 1).to_string());
        let data: Value = serde_json::from_str(e["data"].as_str().unwrap()).unwrap();
        assert_eq!(data["n"], i as u64 + 1);
    }
    assert!(
        out.stderr.contains("ssecat demo: a mock server"),
        "{}",
        out.dump()
    );
}

#[test]
fn demo_pretty_output_is_coloured_on_request() {
    let out = ssecat(["demo", "-n", "1", "--every", "50ms", "--color", "always"]).run();
    out.code(0);
    assert!(out.out().contains("\x1b["), "{}", out.dump());
    assert!(out.out().contains("tick"), "{}", out.dump());
    let plain = ssecat(["demo", "-n", "1", "--every", "50ms"]).run();
    plain.code(0);
    assert!(!plain.out().contains("\x1b["), "{}", plain.dump());
}

#[test]
fn demo_stops_on_ctrl_c_with_exit_0() {
    let mut running = ssecat(["demo", "--every", "50ms"]).spawn();
    running.wait_stdout("tick", Duration::from_secs(5));
    std::thread::sleep(ms(100));
    running.interrupt();
    running.finish(Duration::from_secs(5)).code(0);
}

#[test]
fn generate_prints_the_committed_completions_and_writes_the_man_pages() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for (shell, file) in [
        ("bash", "ssecat.bash"),
        ("zsh", "_ssecat"),
        ("fish", "ssecat.fish"),
    ] {
        let out = ssecat(["generate", "completions", shell]).run();
        out.code(0);
        let committed = std::fs::read(root.join("completions").join(file)).unwrap();
        assert!(
            out.stdout == committed,
            "{shell} differs from completions/{file}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    ssecat(["generate", "man", dir.path().to_str().unwrap()])
        .run()
        .code(0);
    for page in [
        "ssecat.1",
        "ssecat-listen.1",
        "ssecat-serve.1",
        "ssecat-bench.1",
        "ssecat-parse.1",
        "ssecat-demo.1",
    ] {
        let written =
            std::fs::read(dir.path().join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        let committed = std::fs::read(root.join("man").join(page)).unwrap();
        assert!(written == committed, "{page} differs from man/{page}");
    }
    let bad = ssecat(["generate", "completions", "tcsh"]).run();
    bad.code(2);
}

#[test]
fn version_names_the_git_commit_when_built_from_git() {
    let out = ssecat(["--version"]).run();
    out.code(0);
    let text = out.out();
    assert!(
        text.starts_with(concat!("ssecat ", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=9", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output();
    if let Some(head) = head.ok().filter(|o| o.status.success()) {
        let hash = String::from_utf8_lossy(&head.stdout).trim().to_owned();
        assert_eq!(
            text.trim(),
            format!("ssecat {} (git {hash})", env!("CARGO_PKG_VERSION"))
        );
    }
    let short = ssecat(["-V"]).run();
    assert_eq!(
        short.out().trim(),
        concat!("ssecat ", env!("CARGO_PKG_VERSION"))
    );
}
