//! `ssecat listen` over TLS, HTTP/2 and gzip, end to end: what the README promises ("TLS is
//! rustls; HTTP/2 is used when the server offers it; gzip is decoded"; `-k`, `--cacert`).
//!
//! The TLS server here is a tiny hyper 1 server behind tokio-rustls (ring), on 127.0.0.1 port
//! 0 and its own tokio runtime thread, stopped when dropped. Its certificate is made at test
//! time: a throwaway CA signs a leaf for `127.0.0.1` and `localhost`. It answers every request
//! with the same two events, offers ALPN `h2` and `http/1.1`, and records each request's HTTP
//! version and the ALPN protocol its connection negotiated. gzip uses the scripted plain-HTTP
//! server from tests/common.

mod common;

use std::io::Write;
use std::time::Duration;

use flate2::Compression;
use flate2::write::GzEncoder;

use common::listen::*;
use common::tls::*;
use common::*;

/// What the TLS server sends, and the `--json` lines ssecat must print for it.
const JSON: &str = concat!(
    r#"{"event":"message","data":"a","id":""}"#,
    "\n",
    r#"{"event":"t","data":"b","id":"1"}"#,
    "\n",
);

// ---------------------------------------------------------------------------------------------
// TLS
// ---------------------------------------------------------------------------------------------

#[test]
fn an_untrusted_certificate_is_a_one_line_error() {
    let srv = TlsServer::start();
    for extra in [&["--no-reconnect"][..], &["--retry-delay", "50ms"]] {
        let out = ssecat(["listen", &srv.url()]).args(extra).run();
        out.code(1);
        assert!(out.elapsed < Duration::from_secs(5), "{:?}", out.elapsed);
        assert_eq!(out.out(), "");
        assert_eq!(out.stderr.lines().count(), 1, "{extra:?}\n{}", out.dump());
        let line = out.stderr.trim_end();
        assert!(line.starts_with("ssecat: error: "), "{}", out.dump());
        assert!(line.contains(&srv.url()), "{}", out.dump());
        assert!(
            line.to_lowercase().contains("certificate"),
            "the error does not mention the certificate\n{}",
            out.dump()
        );
    }
    assert_eq!(
        srv.seen(),
        [],
        "a request went through an untrusted TLS session"
    );
}

#[test]
fn insecure_accepts_an_untrusted_certificate() {
    let srv = TlsServer::start();
    for flag in ["-k", "--insecure"] {
        let out = ssecat(["listen", &srv.url(), flag, "--json", "--no-reconnect"]).run();
        out.code(0);
        assert_eq!(out.out(), JSON, "{flag}\n{}", out.dump());
        json_lines(&out);
        assert_stderr_is_lifecycle(&out);
    }
    assert_eq!(srv.seen().len(), 2);
}

#[test]
fn cacert_trusts_the_ca_that_signed_the_server() {
    let srv = TlsServer::start();
    let (_ca, ca) = ca_file();
    let out = ssecat([
        "listen",
        &srv.url(),
        "--json",
        "--no-reconnect",
        "--cacert",
        &ca,
    ])
    .run();
    out.code(0);
    assert_eq!(out.out(), JSON, "{}", out.dump());
    assert_stderr_is_lifecycle(&out);
    assert_eq!(srv.seen().len(), 1);
}

#[test]
fn a_missing_cacert_file_is_a_clear_error() {
    let srv = TlsServer::start();
    let out = ssecat(["listen", &srv.url(), "--cacert", "/nonexistent/ca.pem"]).run();
    out.code(1);
    assert_eq!(out.out(), "");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.dump());
    assert!(
        out.stderr
            .starts_with("ssecat: error: cannot read --cacert /nonexistent/ca.pem"),
        "{}",
        out.dump()
    );
    assert!(out.stderr.contains("No such file"), "{}", out.dump());
    assert_eq!(srv.seen(), [], "it connected before reading --cacert");
}

#[test]
fn a_cacert_file_without_a_certificate_is_a_clear_error() {
    let srv = TlsServer::start();
    let file = tempfile::NamedTempFile::new().expect("temp file");
    std::fs::write(file.path(), "this is not a certificate\n").expect("write");
    let path = file.path().to_str().expect("utf-8 path").to_owned();
    let out = ssecat(["listen", &srv.url(), "--cacert", &path]).run();
    out.code(1);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.dump());
    assert!(out.stderr.contains("no PEM certificate"), "{}", out.dump());
    assert_eq!(srv.seen(), [], "it connected with an empty --cacert");
}

// ---------------------------------------------------------------------------------------------
// HTTP/2
// ---------------------------------------------------------------------------------------------

#[test]
fn http2_is_negotiated_by_alpn_when_the_server_offers_it() {
    let srv = TlsServer::start();
    let out = ssecat(["listen", &srv.url(), "-k", "--json", "--no-reconnect"]).run();
    out.code(0);
    assert_eq!(out.out(), JSON, "{}", out.dump());
    let connected: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("ssecat: connected to "))
        .collect();
    assert_eq!(
        connected,
        [format!(
            "ssecat: connected to {} (200 OK, HTTP/2.0)",
            srv.url()
        )],
        "{}",
        out.dump()
    );
    assert_eq!(
        srv.seen(),
        [Seen {
            alpn: Some("h2".to_owned()),
            version: "HTTP/2.0".to_owned(),
        }]
    );
}

// ---------------------------------------------------------------------------------------------
// gzip
// ---------------------------------------------------------------------------------------------

/// One gzip stream, cut after each part (each part sync-flushed, so it decodes on its own),
/// plus the trailer.
fn gzip(parts: &[&str]) -> Vec<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    let mut chunks = Vec::new();
    for part in parts {
        enc.write_all(part.as_bytes()).expect("compress");
        enc.flush().expect("sync flush");
        chunks.push(std::mem::take(enc.get_mut()));
    }
    chunks.push(enc.finish().expect("gzip trailer"));
    chunks
}

#[test]
fn a_gzip_stream_is_decoded() {
    let chunks = gzip(&["data: a\n\nevent: t\nid: 1\n", "data: b\n\n"]);
    let srv = ScriptServer::start(move |_, _| {
        let mut script = Script::sse().header("content-encoding", "gzip");
        for chunk in &chunks {
            script = script.send(chunk.clone()).sleep(ms(20));
        }
        script.close()
    });
    let out = listen(&srv).args(["--json", "--no-reconnect"]).run();
    out.code(0);
    assert_eq!(out.out(), JSON, "{}", out.dump());
    assert_stderr_is_lifecycle(&out);
    let r = &srv.requests()[0];
    let accept = r.header("accept-encoding").unwrap_or_default();
    assert!(
        accept.split(',').any(|c| c.trim() == "gzip"),
        "Accept-Encoding: {accept:?}"
    );
}

#[test]
fn a_gzip_stream_is_decoded_as_it_comes() {
    // The first event arrives compressed and flushed; the gzip stream then stays open. ssecat
    // must print it without waiting for the rest of the stream.
    let chunks = gzip(&["data: a\n\n"]);
    let srv = ScriptServer::start(move |_, _| {
        Script::sse()
            .header("content-encoding", "gzip")
            .send(chunks[0].clone())
            .hang()
    });
    let out = listen(&srv)
        .args(["--json", "-n", "1"])
        .run_within(Duration::from_secs(5));
    out.code(0);
    assert_eq!(
        out.out(),
        "{\"event\":\"message\",\"data\":\"a\",\"id\":\"\"}\n"
    );
}
