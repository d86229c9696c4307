//! `ssecat parse` end to end, through the built binary: files, stdin, formats, limits, errors.

use std::io::Write;
use std::process::{Command, Stdio};

use assert_cmd::cargo::CommandCargoExt;
use predicates::prelude::*;

fn ssecat() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("ssecat").expect("the ssecat binary is built");
    cmd.env_remove("NO_COLOR");
    cmd
}

const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples/chat.sse");

#[test]
fn json_from_a_file_is_exact_ndjson() {
    ssecat()
        .args(["parse", "--json", SAMPLE])
        .assert()
        .success()
        .stderr("")
        .stdout(concat!(
            r#"{"event":"start","data":"{\"model\":\"demo-1\",\"role\":\"assistant\"}","id":"1"}"#,
            "\n",
            r#"{"event":"message","data":"{\"delta\":\"Hello\"}","id":"2"}"#,
            "\n",
            r#"{"event":"message","data":"{\"delta\":\", world\"}","id":"3"}"#,
            "\n",
            r#"{"event":"status","data":"thinking...\nstill thinking","id":"4"}"#,
            "\n",
            r#"{"event":"done","data":"{\"finish_reason\":\"stop\",\"usage\":{\"tokens\":7}}","id":"5"}"#,
            "\n",
        ));
}

#[test]
fn json_from_stdin_with_retry_comments_and_defaults() {
    let stream = ": hi\nretry: 250\ndata: a\n\nevent: t\nid: 9\ndata: b\ndata:  c\n\n";
    let expected = concat!(
        r#"{"comment":"hi"}"#,
        "\n",
        r#"{"event":"message","data":"a","id":"","retry":250}"#,
        "\n",
        r#"{"event":"t","data":"b\n c","id":"9"}"#,
        "\n",
    );
    for args in [
        &["parse", "--json", "--comments"][..],
        &["parse", "--json", "--comments", "-"],
    ] {
        ssecat()
            .args(args)
            .write_stdin(stream)
            .assert()
            .success()
            .stdout(expected);
    }
}

#[test]
fn comments_are_hidden_unless_asked_for() {
    ssecat()
        .args(["parse", "--json"])
        .write_stdin(": keep-alive\ndata: x\n\n")
        .assert()
        .success()
        .stdout("{\"event\":\"message\",\"data\":\"x\",\"id\":\"\"}\n");
}

#[test]
fn pretty_output_is_uncoloured_into_a_pipe() {
    ssecat()
        .args(["parse", "--comments"])
        .write_stdin(": ping\nevent: update\nid: 7\nretry: 10\ndata: one\ndata: two\n\ndata: x\n\n")
        .assert()
        .success()
        .stdout(": ping\nupdate id=7 retry=10ms\none\ntwo\n\nmessage id=7\nx\n\n");
}

#[test]
fn pretty_output_colours_on_request_and_never_with_never() {
    ssecat()
        .args(["parse", "--color", "always"])
        .write_stdin("event: update\nid: 7\ndata: one\n\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("\u{1b}["))
        .stdout(predicate::str::contains("one\n"));
    ssecat()
        .args(["parse", "--color", "never"])
        .write_stdin("event: update\nid: 7\ndata: one\n\n")
        .assert()
        .success()
        .stdout("update id=7\none\n\n");
}

#[test]
fn control_characters_in_type_id_and_comment_are_escaped_data_is_not() {
    // An ESC sequence (clear screen) and a BEL in the header fields, a CSI (U+009B) in a
    // comment: pretty output shows them escaped in quotes, so none reaches the terminal from a
    // header line; the data is printed as received (like curl), and --json keeps every value.
    let stream = "event: t\x07\nid: a\x1b[2Jb\ndata: \x1b[31mred\n\n: c\u{9b}1m\n\n";
    ssecat()
        .args(["parse", "--comments", "--color", "never"])
        .write_stdin(stream)
        .assert()
        .success()
        .stdout("\"t\\u{7}\" id=\"a\\u{1b}[2Jb\"\n\x1b[31mred\n\n: \"c\\u{9b}1m\"\n");
    ssecat()
        .args(["parse", "--json"])
        .write_stdin(stream)
        .assert()
        .success()
        .stdout("{\"event\":\"t\\u0007\",\"data\":\"\\u001b[31mred\",\"id\":\"a\\u001b[2Jb\"}\n");
    ssecat()
        .args(["parse", "--count"])
        .write_stdin(stream)
        .assert()
        .success()
        .stdout("1 event\n  1 \"t\\u{7}\"\n");
}

#[test]
fn count_totals_and_per_type() {
    let stream = "data: a\n\nevent: t\ndata: b\n\ndata: c\n\n: c\nid: 1\n\n";
    ssecat()
        .args(["parse", "--count"])
        .write_stdin(stream)
        .assert()
        .success()
        .stdout("3 events\n  2 message\n  1 t\n");
    ssecat()
        .args(["parse", "--count", "--json"])
        .write_stdin(stream)
        .assert()
        .success()
        .stdout("{\"events\":3,\"types\":{\"message\":2,\"t\":1}}\n");
}

#[test]
fn oversized_event_is_reported_dropped_and_exits_1() {
    let stream = format!(
        "data: small\n\ndata: {}\n\ndata: after\n\n",
        "x".repeat(2000)
    );
    ssecat()
        .args(["parse", "--json", "--max-event-size", "1KiB"])
        .write_stdin(stream)
        .assert()
        .code(1)
        .stdout(concat!(
            r#"{"event":"message","data":"small","id":""}"#,
            "\n",
            r#"{"event":"message","data":"after","id":""}"#,
            "\n",
        ))
        .stderr(predicate::str::contains(
            "ssecat: error: line 3: event larger than the maximum event size of 1 KiB; dropped",
        ))
        .stderr(predicate::str::contains(
            "1 event dropped for exceeding the maximum event size of 1 KiB",
        ));
}

#[test]
fn within_the_limit_exits_0() {
    ssecat()
        .args(["parse", "--json", "--max-event-size", "64KB"])
        .write_stdin(format!("data: {}\n\n", "x".repeat(60_000)))
        .assert()
        .success()
        .stderr("");
}

#[test]
fn unterminated_last_block_is_discarded_with_a_warning() {
    ssecat()
        .args(["parse", "--json"])
        .write_stdin("data: kept\n\ndata: lost")
        .assert()
        .success()
        .stdout("{\"event\":\"message\",\"data\":\"kept\",\"id\":\"\"}\n")
        .stderr(predicate::str::contains(
            "unterminated last block was discarded",
        ));
}

#[test]
fn bom_and_invalid_utf8_never_fail() {
    ssecat()
        .args(["parse", "--json"])
        .write_stdin(&b"\xEF\xBB\xBFdata: caf\xC3\xA9 \xFF\r\n\r\n"[..])
        .assert()
        .success()
        .stdout("{\"event\":\"message\",\"data\":\"caf\u{e9} \u{fffd}\",\"id\":\"\"}\n");
}

#[test]
fn missing_file_is_a_one_line_error_exit_1() {
    ssecat()
        .args(["parse", "/definitely/not/here.sse"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "ssecat: error: cannot open /definitely/not/here.sse: ",
        ))
        .stderr(predicate::function(|s: &str| s.lines().count() == 1));
}

#[test]
fn bad_size_and_bad_flags_are_usage_errors_exit_2() {
    for size in ["0", "1.5MiB", "12XB", "MiB"] {
        ssecat()
            .args(["parse", "--max-event-size", size])
            .write_stdin("")
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--max-event-size"));
    }
    ssecat()
        .args(["parse", "--count", "--comments"])
        .assert()
        .code(2);
    ssecat().args(["parse", "--bogus"]).assert().code(2);
    ssecat().assert().code(2);
}

#[test]
fn a_closed_stdout_is_a_quiet_success() {
    // Many events into a reader that stops after the first line.
    let mut child = Command::cargo_bin("ssecat")
        .expect("binary")
        .args(["parse", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn ssecat");
    let stdout = child.stdout.take().expect("stdout");
    drop(stdout); // the reader is gone before the first write
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let chunk = "data: hello\n\n".repeat(10_000);
        for _ in 0..50 {
            if stdin.write_all(chunk.as_bytes()).is_err() {
                break;
            }
        }
    });
    let output = child.wait_with_output().expect("wait");
    writer.join().expect("writer thread");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

#[test]
fn events_arrive_before_stdin_closes() {
    // `curl -N … | ssecat parse`: each chunk read is printed at once, not at end of input.
    use std::io::{BufRead, BufReader};
    let mut child = Command::cargo_bin("ssecat")
        .expect("binary")
        .args(["parse", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn ssecat");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.expect("utf-8")).is_err() {
                break;
            }
        }
    });
    stdin.write_all(b"data: first\n\n").expect("write");
    stdin.flush().expect("flush");
    let first = rx.recv_timeout(std::time::Duration::from_secs(10));
    if first.is_err() {
        let _ = child.kill();
    }
    assert_eq!(
        first.expect("the event is printed while stdin is still open"),
        r#"{"event":"message","data":"first","id":""}"#
    );
    drop(stdin);
    reader.join().expect("reader thread");
    assert!(rx.try_recv().is_err(), "nothing else printed");
    assert!(child.wait().expect("wait").success());
}

#[test]
fn help_and_version() {
    ssecat()
        .args(["parse", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Examples:"));
    ssecat()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("ssecat "));
}
