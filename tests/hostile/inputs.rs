//! The inputs that are not a peer on a socket: files and devices named by flags, and flags with
//! absurd values. Each is a one-line error with a non-zero exit, or a bounded run; never
//! unbounded memory, a spin or a hang.

use crate::common::{Script, ScriptServer, ssecat};

/// The one line of stderr of a failed run, checked to be one line that says `needle`.
#[track_caller]
fn one_line_error(stderr: &str, needle: &str) {
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line of error, got:\n{stderr}");
    assert!(lines[0].contains(needle), "{needle:?} not in {stderr:?}");
}

/// `--cacert /dev/zero` read the device until memory ran out (6 GB in 10 s); a CA bundle is now
/// read up to 16 MiB, and more is an error before any connection.
#[test]
fn cacert_from_an_endless_device_is_a_one_line_error_for_listen_and_bench() {
    let srv = ScriptServer::start(|_, _| Script::sse().send("data: a\n\n").close());
    let url = srv.url().replace("http://", "https://");
    for cmd in [
        vec!["listen", "--cacert", "/dev/zero", &url],
        vec![
            "bench",
            "--cacert",
            "/dev/zero",
            "-c",
            "1",
            "--duration",
            "1s",
            &url,
        ],
    ] {
        let out = ssecat(cmd.iter().copied()).run();
        out.code(1);
        one_line_error(&out.stderr, "--cacert /dev/zero is larger than 16 MiB");
    }
    assert_eq!(srv.request_count(), 0, "no request before the CA is read");
}

/// `serve --tick 1ns` (or `--keepalive 1ns`) asked for a period no timer keeps and spun a core
/// catching up; a period under the timer's 1 ms resolution is now a usage error.
#[test]
fn a_timer_period_under_a_millisecond_is_a_usage_error() {
    for args in [
        &["serve", "--port", "0", "--tick", "1ns"][..],
        &["serve", "--port", "0", "--keepalive", "999us"],
        &["demo", "--every", "10us"],
    ] {
        let out = ssecat(args.iter().copied()).run();
        out.code(2);
        assert!(
            out.stderr.contains("must be 0 or at least 1ms"),
            "{args:?}: {}",
            out.dump()
        );
    }
}

/// A zero timeout is a usage error everywhere one bounds a peer: `--body-timeout 0` raced every
/// body against an instant deadline (a body in the head's read passed, the next one would not),
/// as `--connect-timeout 0` failed every attempt of listen at once.
#[test]
fn a_zero_body_timeout_is_a_usage_error() {
    let out = ssecat(["serve", "--port", "0", "--body-timeout", "0"]).run();
    out.code(2);
    assert!(
        out.stderr.contains("a timeout must be more than 0"),
        "{}",
        out.dump()
    );
}
