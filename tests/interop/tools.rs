//! Finding the third-party tools, and running their scripts with a hard timeout.

#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// True in CI, where a missing tool is a failure, not a skip.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false")
}

/// tests/interop/, where the scripts, package.json and requirements.txt live.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

/// Where screenshots and other artifacts go: target/interop/.
pub fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/interop");
    std::fs::create_dir_all(&dir).expect("create target/interop");
    dir
}

/// Decides what to do when something a test needs is missing: in CI, fail naming it; elsewhere
/// say on stderr that the test did not run, and let the caller return. True when present.
#[track_caller]
pub fn need(present: bool, what: &str) -> bool {
    if present {
        return true;
    }
    let msg = format!(
        "interop: {what} is missing; install it as .ci/run does (see the README's \"Interop tests\")"
    );
    assert!(!in_ci(), "{msg}");
    eprintln!("SKIPPED (not in CI): {msg}");
    false
}

/// `program` on PATH (or an absolute path that exists).
pub fn which(program: &str) -> Option<PathBuf> {
    if Path::new(program).is_absolute() {
        return Path::new(program).exists().then(|| PathBuf::from(program));
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(program))
            .find(|p| p.is_file())
    })
}

/// True when `program` is installed; see [`need`].
#[track_caller]
pub fn require(program: &str) -> bool {
    need(which(program).is_some(), program)
}

/// True when tests/interop/node/node_modules has `package` (from `npm ci`); see [`need`].
#[track_caller]
pub fn require_npm(package: &str) -> bool {
    let present = which("node").is_some() && dir().join("node/node_modules").join(package).exists();
    need(
        present,
        &format!("node and the npm package {package} (npm ci --prefix tests/interop/node)"),
    )
}

/// True when `python3 -c "import MODULE"` works; see [`need`].
#[track_caller]
pub fn require_python(module: &str) -> bool {
    let ok = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    need(
        ok,
        &format!(
            "the Python module {module} (pip install -r tests/interop/python/requirements.txt)"
        ),
    )
}

/// Runs `cmd` to the end, killing it after `timeout`; panics with its output if it was killed.
pub fn run(mut cmd: Command, timeout: Duration) -> Output {
    let shown = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {shown}: {e}"));
    let deadline = Instant::now() + timeout;
    loop {
        if child.try_wait().expect("wait").is_some() {
            return child.wait_with_output().expect("output");
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "{shown} did not finish within {timeout:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Fails the test with both streams unless `out` succeeded.
#[track_caller]
pub fn assert_ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A background process (a third-party server), killed when dropped.
pub struct Background {
    pub child: Child,
    pub name: String,
}

impl Background {
    /// Starts `cmd` with stdout and stderr to files under target/interop/.
    pub fn start(mut cmd: Command, name: &str) -> Background {
        let log = artifacts().join(format!("{name}.log"));
        let file = std::fs::File::create(&log).expect("log file");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Background {
            child,
            name: name.to_owned(),
        }
    }

    /// What it has logged so far.
    pub fn log(&self) -> String {
        let mut text = String::new();
        if let Ok(mut f) = std::fs::File::open(artifacts().join(format!("{}.log", self.name))) {
            let _ = f.read_to_string(&mut text);
        }
        text
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits until a TCP connect to 127.0.0.1:`port` succeeds; panics after `timeout`.
pub fn wait_port(port: u16, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "nothing listens on 127.0.0.1:{port}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A free port on 127.0.0.1 (bound and released: for servers that cannot take port 0).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}
