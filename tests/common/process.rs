//! Running the built ssecat binary with a hard timeout: a run that outlives it is killed and
//! the test fails with whatever the process printed. Nothing here can hang a test.

#![allow(dead_code)]

use std::io::Read;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{WAIT, ms};

/// The ssecat binary with these arguments, in a clean environment (no colour, proxy or token
/// variables from the caller's shell).
pub fn ssecat<I, S>(args: I) -> Ssecat
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    command(env!("CARGO_BIN_EXE_ssecat")).args(args)
}

/// Any program, run like [`ssecat`] (with the same clean environment and timeouts).
pub fn command(program: &str) -> Ssecat {
    let mut cmd = Command::new(program);
    for var in [
        "NO_COLOR",
        "CLICOLOR",
        "CLICOLOR_FORCE",
        "SSECAT_BEARER",
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "all_proxy",
        "ALL_PROXY",
        "no_proxy",
        "NO_PROXY",
    ] {
        cmd.env_remove(var);
    }
    Ssecat { cmd, stdin: None }
}

/// A command to run, built by [`ssecat`].
pub struct Ssecat {
    cmd: Command,
    stdin: Option<Vec<u8>>,
}

impl Ssecat {
    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Ssecat
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    /// Sets an environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Ssecat {
        self.cmd.env(key, value);
        self
    }

    /// Feeds these bytes on stdin (otherwise stdin is empty).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Ssecat {
        self.stdin = Some(bytes.into());
        self
    }

    /// Runs to completion within [`WAIT`]; see [`Ssecat::run_within`].
    pub fn run(self) -> Outcome {
        self.run_within(WAIT)
    }

    /// Runs to completion; kills the process and fails the test if it takes longer than
    /// `timeout`.
    pub fn run_within(self, timeout: Duration) -> Outcome {
        self.spawn().finish(timeout)
    }

    /// Starts the process with stdout and stderr captured in the background.
    pub fn spawn(self) -> Running {
        let (running, stdout) = self.start();
        let out = running.stdout.clone();
        let reader = spawn_reader(stdout, out);
        let mut running = running;
        running.readers.push(reader);
        running
    }

    /// Starts the process with stdout handed to the caller (to close it early, say); stderr is
    /// captured in the background.
    pub fn spawn_with_stdout(self) -> (Running, ChildStdout) {
        self.start()
    }

    fn start(mut self) -> (Running, ChildStdout) {
        self.cmd
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = self.cmd.spawn().expect("spawn the ssecat binary");
        if let Some(bytes) = self.stdin.take() {
            let mut stdin = child.stdin.take().expect("piped stdin");
            std::thread::spawn(move || {
                use std::io::Write;
                let _ = stdin.write_all(&bytes);
            });
        }
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr_buf = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("piped stderr");
        let reader = spawn_reader(stderr, stderr_buf.clone());
        let running = Running {
            child,
            started,
            stdout: Arc::new(Mutex::new(Vec::new())),
            stderr: stderr_buf,
            readers: vec![reader],
        };
        (running, stdout)
    }
}

fn spawn_reader(mut from: impl Read + Send + 'static, to: Arc<Mutex<Vec<u8>>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => return,
                Ok(n) => to.lock().unwrap().extend_from_slice(&buf[..n]),
            }
        }
    })
}

/// A running ssecat process. Killed if dropped while still running.
pub struct Running {
    child: Child,
    started: Instant,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

impl Running {
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// When the process was started.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Stdout so far (lossily decoded).
    pub fn stdout_so_far(&self) -> String {
        String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned()
    }

    /// Stderr so far (lossily decoded).
    pub fn stderr_so_far(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// Waits until stdout contains `needle`; fails the test (with the output so far) after
    /// `timeout` or if the process exits first.
    pub fn wait_stdout(&mut self, needle: &str, timeout: Duration) {
        self.wait_output(needle, timeout, true);
    }

    /// Waits until stderr contains `needle`, like [`Running::wait_stdout`].
    pub fn wait_stderr(&mut self, needle: &str, timeout: Duration) {
        self.wait_output(needle, timeout, false);
    }

    fn wait_output(&mut self, needle: &str, timeout: Duration, stdout: bool) {
        let which = if stdout { "stdout" } else { "stderr" };
        let found = |this: &Self| {
            let text = if stdout {
                this.stdout_so_far()
            } else {
                this.stderr_so_far()
            };
            text.contains(needle)
        };
        let deadline = Instant::now() + timeout;
        loop {
            if found(self) {
                return;
            }
            let exited = matches!(self.child.try_wait(), Ok(Some(_)));
            if exited || Instant::now() >= deadline {
                // One last look: the readers may lag the exit.
                std::thread::sleep(ms(50));
                if found(self) {
                    return;
                }
                let why = if exited {
                    "the process exited"
                } else {
                    "timed out"
                };
                let _ = self.child.kill();
                panic!(
                    "{why} before {which} contained {needle:?} ({:?} after start)\n\
                     --- stdout ---\n{}\n--- stderr ---\n{}",
                    self.started.elapsed(),
                    clip(&self.stdout_so_far()),
                    clip(&self.stderr_so_far()),
                );
            }
            std::thread::sleep(ms(5));
        }
    }

    /// Sends SIGINT, as Ctrl-C does.
    pub fn interrupt(&self) {
        let status = Command::new("kill")
            .args(["-INT", &self.pid().to_string()])
            .status()
            .expect("run kill -INT");
        assert!(status.success(), "kill -INT {} failed", self.pid());
    }

    /// The process's peak resident memory so far (`VmHWM`), in bytes, while it runs.
    pub fn peak_rss(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    }

    /// Waits for the process to exit; kills it and fails the test after `timeout`.
    pub fn finish(mut self, timeout: Duration) -> Outcome {
        let deadline = Instant::now() + timeout;
        let status = loop {
            match self.child.try_wait().expect("wait for ssecat") {
                Some(status) => break status,
                None if Instant::now() >= deadline => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    for reader in self.readers.drain(..) {
                        let _ = reader.join();
                    }
                    panic!(
                        "ssecat did not exit within {timeout:?}; killed it\n\
                         --- stdout ---\n{}\n--- stderr ---\n{}",
                        clip(&self.stdout_so_far()),
                        clip(&self.stderr_so_far()),
                    );
                }
                None => std::thread::sleep(ms(5)),
            }
        };
        let elapsed = self.started.elapsed();
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        Outcome {
            code: status.code(),
            stdout: std::mem::take(&mut *self.stdout.lock().unwrap()),
            stderr: String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned(),
            elapsed,
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// How a run ended.
#[derive(Debug)]
pub struct Outcome {
    /// The exit code (`None` when killed by a signal).
    pub code: Option<i32>,
    /// Stdout, as bytes.
    pub stdout: Vec<u8>,
    /// Stderr, lossily decoded.
    pub stderr: String,
    /// From spawn to exit.
    pub elapsed: Duration,
}

impl Outcome {
    /// Stdout, lossily decoded.
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Stdout's lines.
    pub fn lines(&self) -> Vec<String> {
        self.out().lines().map(str::to_owned).collect()
    }

    /// Fails the test, showing both streams, unless the exit code is `code`.
    #[track_caller]
    pub fn code(&self, code: i32) -> &Outcome {
        assert_eq!(
            self.code,
            Some(code),
            "exit code, after {:?}\n{}",
            self.elapsed,
            self.dump()
        );
        self
    }

    /// Both streams, for failure messages.
    pub fn dump(&self) -> String {
        format!(
            "--- stdout ---\n{}\n--- stderr ---\n{}",
            clip(&self.out()),
            clip(&self.stderr)
        )
    }
}

/// At most the first 4,000 characters, for failure messages.
fn clip(text: &str) -> String {
    match text.char_indices().nth(4000) {
        Some((i, _)) => format!("{}… ({} bytes in all)", &text[..i], text.len()),
        None => text.to_owned(),
    }
}

impl Running {
    /// Sends SIGTERM, as a service manager does.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("run kill -TERM");
        assert!(status.success(), "kill -TERM {} failed", self.pid());
    }
}
