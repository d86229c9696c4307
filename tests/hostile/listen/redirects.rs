//! Redirects: what listen hands the next host (no Referer, no credentials, like curl), and the
//! errors for a loop or a `Location` that leads nowhere.

use super::peer::{Peer, header};
use crate::common::*;

/// A server that answers every request with a 302 to `target`.
fn redirecting_to(target: String) -> ScriptServer {
    ScriptServer::start(move |_, _| Script::status(302).header("location", &target))
}

#[test]
fn a_cross_origin_redirect_gets_no_referer_and_no_credentials() {
    // Another port of the same address is another origin (curl and reqwest agree).
    let other = ScriptServer::start(|_, _| Script::status(204));
    let first = redirecting_to(other.url());
    let url = format!("{}?token=secret", first.url());
    let out = ssecat([
        "listen",
        &url,
        "--bearer",
        "tok",
        "-H",
        "Cookie: session=1",
        "-H",
        "X-Api-Key: key",
    ])
    .run();
    out.code(0);
    let r = other.requests();
    assert_eq!(r.len(), 1, "{}", out.dump());
    assert_eq!(r[0].header("referer"), None, "the original URL leaked");
    assert_eq!(r[0].header("authorization"), None, "--bearer leaked");
    assert_eq!(r[0].header("cookie"), None, "-H Cookie leaked");
    // Like curl: other custom headers follow the redirect.
    assert_eq!(r[0].header("x-api-key"), Some("key"));
    assert_eq!(
        first.requests()[0].header("authorization"),
        Some("Bearer tok")
    );
}

#[test]
fn a_redirect_to_another_host_gets_no_user_credentials() {
    let other = Peer::start_on("127.0.0.2", |mut c| {
        c.send(b"HTTP/1.1 204 No Content\r\n\r\n");
    });
    let first = redirecting_to(other.url());
    let with_userinfo = first.url().replace("http://", "http://bob:hunter2@");
    for args in [
        vec![first.url(), "-u".into(), "bob:hunter2".into()],
        vec![
            first.url(),
            "-H".into(),
            "Authorization: Basic Ym9iOmh1bnRlcjI=".into(),
        ],
        vec![with_userinfo],
    ] {
        let out = ssecat(["listen".to_owned()].into_iter().chain(args.clone())).run();
        out.code(0);
        let heads = other.heads();
        let head = heads.last().expect("the redirect reached 127.0.0.2");
        assert_eq!(
            header(head, "authorization"),
            None,
            "{args:?} leaked: {head}"
        );
        assert_eq!(header(head, "referer"), None, "{head}");
    }
    for r in first.requests() {
        assert!(
            r.header("authorization").is_some(),
            "sent to the first host: {r:?}"
        );
    }
}

#[test]
fn a_same_origin_redirect_keeps_the_credentials() {
    let srv = ScriptServer::start(|n, _| match n {
        0 => Script::status(307).header("location", "/moved"),
        _ => Script::status(204),
    });
    ssecat(["listen", &srv.url(), "--bearer", "tok"])
        .run()
        .code(0);
    let r = srv.requests();
    assert_eq!(r.len(), 2);
    assert_eq!(r[1].uri, "/moved");
    assert_eq!(r[1].header("authorization"), Some("Bearer tok"));
}

/// A raw 302 to `location`, on a connection then closed without `Connection: close`.
fn redirect_and_close(location: &str) -> impl Fn(peer::Conn) + Send + Sync + 'static {
    let head = format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n");
    move |mut c| {
        c.send(head.as_bytes());
    }
}

use super::peer;

#[test]
fn a_redirect_loop_on_closed_connections_says_too_many_redirects() {
    let peer = Peer::start(|mut c| {
        let next = if c.target() == "/a" { "/b" } else { "/a" };
        let head = format!("HTTP/1.1 302 Found\r\nLocation: {next}\r\nContent-Length: 0\r\n\r\n");
        c.send(head.as_bytes());
    });
    let url = format!("{}/a", peer.origin());
    let out = ssecat(["listen", &url]).run();
    out.code(1);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.dump());
    assert!(out.stderr.contains("too many redirects"), "{}", out.dump());
}

#[test]
fn an_empty_location_is_named_as_the_cause() {
    let peer = Peer::start(redirect_and_close(""));
    let out = ssecat(["listen", &peer.url()]).run();
    out.code(1);
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.dump());
    assert!(out.stderr.contains("empty Location"), "{}", out.dump());
    assert!(peer.accepted() <= 2, "{} requests", peer.accepted());
}

#[test]
fn a_redirect_without_a_location_is_named_as_the_cause() {
    let srv = ScriptServer::start(|_, _| Script::status(302));
    let out = ssecat(["listen", &srv.url()]).run();
    out.code(1);
    assert!(out.stderr.contains("no Location"), "{}", out.dump());
}

#[test]
fn a_redirect_to_another_scheme_is_refused_clearly() {
    for location in ["file:///etc/passwd", "ftp://127.0.0.1/x", "http://"] {
        let peer = Peer::start(redirect_and_close(location));
        let out = ssecat(["listen", &peer.url()]).run();
        out.code(1);
        assert_eq!(out.stderr.lines().count(), 1, "{location}: {}", out.dump());
        assert!(
            out.stderr.contains("ssecat: error"),
            "{location}: {}",
            out.dump()
        );
    }
}
