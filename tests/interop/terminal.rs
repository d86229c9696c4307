//! `ssecat listen` in a real terminal: tmux gives it a pty, so `--color auto` must colour the
//! pretty output, and `NO_COLOR=1` must remove every escape sequence. The pane is read with
//! `tmux capture-pane -e`, which keeps the escapes.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::common::serve::serve;
use crate::tools;

/// A tmux server on its own socket, killed when dropped.
struct Tmux {
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmux {
    fn new() -> Tmux {
        let dir = tempfile::tempdir().expect("temp dir");
        Tmux {
            socket: dir.path().join("tmux.sock"),
            _dir: dir,
        }
    }

    fn cmd(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.arg("-S").arg(&self.socket);
        cmd
    }

    /// Runs `shell_command` in a new detached 160×40 session named `name`.
    fn run(&self, name: &str, shell_command: &str) {
        let mut cmd = self.cmd();
        cmd.args([
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            "160",
            "-y",
            "40",
            shell_command,
        ]);
        tools::assert_ok(
            &tools::run(cmd, Duration::from_secs(10)),
            "tmux new-session",
        );
    }

    /// The pane's text with its escape sequences, once it contains `needle` `times` times.
    fn wait_for(&self, name: &str, needle: &str, times: usize) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let mut cmd = self.cmd();
            cmd.args(["capture-pane", "-p", "-e", "-t", name]);
            let out = tools::run(cmd, Duration::from_secs(10));
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            if text.matches(needle).count() >= times {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "the pane never showed {needle:?} {times} times:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").status();
    }
}

fn listen_in_tmux(no_color: bool) -> Option<String> {
    if !tools::require("tmux") {
        return None;
    }
    let srv = serve(&["--tick", "50ms"]);
    let bin = env!("CARGO_BIN_EXE_ssecat");
    let env = if no_color {
        "NO_COLOR=1"
    } else {
        "TERM=xterm-256color"
    };
    let url = srv.url("/events");
    // The pane stays open after listen exits, so it can be read.
    let command = format!("env {env} '{bin}' listen '{url}' -n 2; echo ssecat-exit=$?; sleep 30");
    let tmux = Tmux::new();
    tmux.run("s", &command);
    let pane = tmux.wait_for("s", "ssecat-exit=", 1);
    assert!(
        pane.contains("ssecat-exit=0"),
        "listen failed in tmux:\n{pane}"
    );
    Some(pane)
}

#[test]
fn listen_in_a_terminal_colours_pretty_output() {
    let Some(pane) = listen_in_tmux(false) else {
        return;
    };
    assert_eq!(pane.matches("tick").count(), 2, "{pane}");
    assert!(
        pane.contains("\u{1b}["),
        "no escape sequence in a terminal:\n{pane}"
    );
    // The event header is coloured: an escape right before the type.
    let header = pane
        .lines()
        .find(|l| l.contains("tick"))
        .expect("a header line");
    assert!(
        header.contains("\u{1b}["),
        "the header line is not coloured: {header:?}"
    );
}

#[test]
fn no_color_removes_every_escape_sequence() {
    let Some(pane) = listen_in_tmux(true) else {
        return;
    };
    assert_eq!(pane.matches("tick").count(), 2, "{pane}");
    assert!(
        !pane.contains("\u{1b}["),
        "NO_COLOR=1 left escapes:\n{pane}"
    );
}
