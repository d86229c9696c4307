//! Hostile heads and bodies (huge heads, control characters, lying encodings and chunk sizes, a
//! gzip bomb, a huge event ID) and hostile flags against `ssecat listen`.

use std::io::Write;

use super::peer::Peer;
use crate::common::*;

/// A response head for an event stream, then `rest` (more headers, the blank line, a body).
fn sse_head(rest: &str) -> Vec<u8> {
    format!("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n{rest}").into_bytes()
}

/// Runs listen once (no reconnect) against a peer sending `bytes`; expects exit 1 and one line.
#[track_caller]
fn one_line_error(bytes: Vec<u8>, args: &[&str]) -> String {
    let peer = Peer::start(move |mut c| {
        c.send(&bytes);
        c.hold(ms(2000));
    });
    let out = ssecat(["listen", &peer.url()]).args(args).run();
    out.code(1);
    assert_eq!(out.stderr.lines().count(), 1, "one line\n{}", out.dump());
    out.stderr
}

#[test]
fn a_huge_response_head_is_a_clean_error() {
    let big = format!("X-Big: {}\r\n\r\ndata: x\n\n", "a".repeat(1 << 20));
    let stderr = one_line_error(sse_head(&big), &[]);
    assert!(stderr.contains("too large"), "{stderr}");
    let many: String = (0..500).map(|i| format!("X-{i}: a\r\n")).collect();
    let stderr = one_line_error(sse_head(&format!("{many}\r\ndata: x\n\n")), &[]);
    assert!(stderr.contains("too large"), "{stderr}");
}

#[test]
fn control_characters_in_the_status_line_or_a_header_are_refused() {
    // A terminal escape in the reason phrase or a header value: hyper refuses the response, so
    // nothing of it reaches the terminal, even with -v.
    for bytes in [
        b"HTTP/1.1 200 \x1b[31mOK\x07\r\nContent-Type: text/event-stream\r\n\r\n".to_vec(),
        sse_head("X-Evil: a\x1b]0;title\x07b\r\n\r\n"),
    ] {
        let stderr = one_line_error(bytes, &["-v"]);
        assert!(!stderr.contains('\x1b'), "{stderr:?}");
    }
}

#[test]
fn a_body_that_is_not_the_gzip_it_claims_is_a_stream_error() {
    let head = sse_head("Content-Encoding: gzip\r\nContent-Length: 9\r\n\r\ndata: x\n\n");
    let stderr = one_line_error(head, &["-q", "--retry-delay", "0", "--max-retries", "1"]);
    assert!(
        stderr.contains("giving up after 1 reconnect") && stderr.contains("gzip"),
        "{stderr}"
    );
}

#[test]
fn lying_chunk_sizes_are_stream_errors() {
    for chunk in ["ffffffffffffffffff", "-5", "zz"] {
        let head = sse_head(&format!(
            "Transfer-Encoding: chunked\r\n\r\n{chunk}\r\ndata: x\n\n"
        ));
        let stderr = one_line_error(head, &["-q", "--retry-delay", "0", "--max-retries", "1"]);
        assert!(stderr.contains("chunk"), "{chunk}: {stderr}");
    }
}

#[test]
fn a_chunk_bigger_than_what_follows_delivers_what_came_then_reconnects() {
    // 1 GiB announced, 9 bytes sent, then the connection closes: the event that came is
    // printed, nothing is allocated for the rest, and listen reconnects.
    let peer = Peer::start(|mut c| {
        if c.index == 0 {
            c.send(&sse_head(
                "Transfer-Encoding: chunked\r\n\r\n40000000\r\ndata: x\n\n",
            ));
        } else {
            c.send(b"HTTP/1.1 204 No Content\r\n\r\n");
        }
    });
    let out = ssecat([
        "listen",
        &peer.url(),
        "--format",
        "data",
        "--retry-delay",
        "0",
    ])
    .run();
    out.code(0);
    assert_eq!(out.out(), "x\n");
    assert!(out.stderr.contains("reconnecting"), "{}", out.dump());
}

/// A gzip stream that inflates to `mib` MiB: `data: ` and then `a` forever, one line that never
/// ends. Deflate blocks after a sync flush only look back 32 KiB, all `a`, so one block of 1
/// MiB of `a` can be repeated: ~1 KiB on the wire per MiB inflated. Then an event `end`, to
/// show it was all read; no trailer: the stream never ends.
fn gzip_bomb(mib: usize) -> Vec<u8> {
    use flate2::{Compression, write::DeflateEncoder};
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut deflate = DeflateEncoder::new(Vec::new(), Compression::best());
    deflate.write_all(b"data: ").unwrap();
    deflate.write_all(&[b'a'; 64 * 1024]).unwrap();
    deflate.flush().unwrap();
    out.append(deflate.get_mut());
    deflate.write_all(&vec![b'a'; 1 << 20]).unwrap();
    deflate.flush().unwrap();
    let block = std::mem::take(deflate.get_mut());
    for _ in 0..mib {
        out.extend_from_slice(&block);
    }
    deflate.write_all(b"\n\ndata: end\n\n").unwrap();
    deflate.flush().unwrap();
    out.append(deflate.get_mut());
    out
}

#[test]
fn a_gzip_bomb_is_bounded_by_max_event_size() {
    const MIB: usize = 128;
    let bomb = gzip_bomb(MIB);
    assert!(bomb.len() < MIB * 4096, "{} bytes on the wire", bomb.len());
    let peer = Peer::start(move |mut c| {
        c.send(&sse_head("Content-Encoding: gzip\r\n\r\n"));
        c.send(&bomb);
        c.hold(WAIT);
    });
    let started = std::time::Instant::now();
    let mut run = ssecat(["listen", &peer.url(), "--max-event-size", "1MiB"]).spawn();
    run.wait_stdout("end", 6 * WAIT);
    let peak = run.peak_rss().expect("VmHWM");
    assert!(
        peak < 100 << 20,
        "{MIB} MiB inflated, --max-event-size 1MiB: peak RSS {} MiB",
        peak >> 20
    );
    assert!(run.stderr_so_far().contains("--max-event-size"));
    eprintln!("{MIB} MiB inflated in {:?}", started.elapsed());
}

#[test]
fn a_huge_event_id_is_sent_back_as_browsers_do_but_shown_clipped() {
    // A 1 MiB ID (within --max-event-size) goes back as Last-Event-ID, as a browser's would;
    // hyper's server, like nginx, refuses a head that big (431). listen says so in one line,
    // and its "reconnecting … with Last-Event-ID" line shows the ID clipped, not 1 MiB of it.
    let id = "i".repeat(1 << 20);
    let srv = ScriptServer::start(move |n, _| match n {
        0 => Script::sse().send(format!("id: {id}\ndata: a\n\n")).close(),
        _ => Script::status(204),
    });
    let out = ssecat(["listen", &srv.url(), "--retry-delay", "0"]).run();
    out.code(1);
    assert!(
        out.stderr.len() < 2000,
        "{} bytes on stderr",
        out.stderr.len()
    );
    assert!(
        out.stderr.contains("431")
            && out
                .stderr
                .contains("Last-Event-ID sent back was 1048576 bytes"),
        "{}",
        out.dump()
    );
}

// ---------------------------------------------------------------------------------------------
// Hostile flags
// ---------------------------------------------------------------------------------------------

#[test]
fn zero_timeouts_are_usage_errors() {
    // A zero timeout fails every attempt at once (--connect-timeout) or reconnects forever
    // (--idle-timeout).
    let srv = ScriptServer::start(|_, _| Script::status(204));
    for flag in ["--connect-timeout", "--idle-timeout"] {
        let out = ssecat(["listen", &srv.url(), flag, "0"]).run();
        out.code(2);
        assert!(out.stderr.contains("more than 0"), "{flag}: {}", out.dump());
    }
    assert_eq!(srv.request_count(), 0);
}

#[test]
fn a_header_flag_with_a_line_break_is_a_usage_error() {
    let srv = ScriptServer::start(|_, _| Script::status(204));
    for header in ["X-A: a\r\nX-B: b", "X-A: a\nX-B: b", "Bad Name: x", ": x"] {
        ssecat(["listen", &srv.url(), "-H", header]).run().code(2);
    }
    assert_eq!(srv.request_count(), 0, "nothing sent");
}

#[test]
fn an_endless_request_body_is_refused_not_read_forever() {
    // -d @/dev/zero was read to the end of memory; the body is held to be re-sent on every
    // reconnect, so it is bounded: 64 MiB.
    let srv = ScriptServer::start(|_, _| Script::status(204));
    let run = ssecat(["listen", &srv.url(), "-d", "@/dev/zero"]).spawn();
    let out = run.finish(WAIT);
    out.code(1);
    assert!(
        out.stderr.contains("is larger than 64 MiB"),
        "{}",
        out.dump()
    );
    assert_eq!(srv.request_count(), 0, "nothing sent");
}
