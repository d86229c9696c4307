//! The HTTP API of `ssecat serve`, end to end against an in-process server on 127.0.0.1 port 0:
//!
//! - topics: one, several, `*`, the `default` topic, isolation between topics;
//! - publishing: raw bodies with query fields, JSON objects and batches, the reply, the 400s;
//! - replay: Last-Event-ID (header and `?lastEventId=`) with no gap and no duplicate, also while
//!   concurrent publishers race a subscriber that keeps dropping and resuming; evicted, unknown
//!   and expired ids (`--history`, `--history-ttl`);
//! - stream framing: headers, the opening comment, `--retry`, `--keepalive`, HTTP/2 cleartext;
//! - CORS, the publish and subscribe tokens, `--max-body`, `--max-connections`;
//! - the other routes: 404, 405, `/health`, `/stats`, the viewer page.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::serve::{Serve, Sub, publish, publish_json, serve};
use common::{WAIT, ms};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use ssecat::event::Event;
use ssecat::parse::{Item, Parser};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;

// ---------------------------------------------------------------------------------------------
// Topics
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_topic_subscriber_gets_only_that_topic() {
    let srv = serve(&[]);
    let mut sub = Sub::open(&srv.url("/events?topic=a")).await;
    srv.wait_subscribers(1).await;
    let reply = publish_to(&srv, "b", "not for a").await;
    assert_eq!(reply, json!({"id": "1", "delivered": 0}));
    let reply = publish_to(&srv, "a", "for a").await;
    assert_eq!(reply, json!({"id": "2", "delivered": 1}));
    // The event on b was published first: had it leaked, it would arrive first.
    let e = sub.next_event().await.unwrap();
    assert_eq!((e.id.as_str(), e.data.as_str()), ("2", "for a"));
}

#[tokio::test]
async fn several_topics_arrive_together_in_publish_order() {
    let srv = serve(&[]);
    let mut sub = Sub::open(&srv.url("/events?topic=a&topic=b")).await;
    srv.wait_subscribers(1).await;
    for (topic, data) in [
        ("a", "a1"),
        ("b", "b2"),
        ("c", "c3"),
        ("b", "b4"),
        ("a", "a5"),
    ] {
        publish_to(&srv, topic, data).await;
    }
    let events = sub.events(4).await;
    assert_eq!(
        id_data(&events),
        [("1", "a1"), ("2", "b2"), ("4", "b4"), ("5", "a5")]
    );
}

#[tokio::test]
async fn the_wildcard_topic_gets_every_topic() {
    let srv = serve(&[]);
    let mut sub = Sub::open(&srv.url("/events?topic=*")).await;
    assert_eq!(sub.next_item().await, Some(opening("*")));
    srv.wait_subscribers(1).await;
    publish_to(&srv, "a", "to a").await;
    publish_to(&srv, "b", "to b").await;
    publish(&srv.url("/events"), "to default").await;
    let events = sub.events(3).await;
    assert_eq!(
        id_data(&events),
        [("1", "to a"), ("2", "to b"), ("3", "to default")]
    );
}

#[tokio::test]
async fn no_topic_means_the_default_topic() {
    let srv = serve(&[]);
    let mut sub = Sub::open(&srv.url("/events")).await;
    assert_eq!(sub.next_item().await, Some(opening("default")));
    srv.wait_subscribers(1).await;
    publish_to(&srv, "other", "other").await;
    publish(&srv.url("/events"), "implicit").await;
    publish_to(&srv, "default", "explicit").await;
    let events = sub.events(2).await;
    assert_eq!(id_data(&events), [("2", "implicit"), ("3", "explicit")]);
}

// ---------------------------------------------------------------------------------------------
// Publishing
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_raw_publish_takes_its_fields_from_the_query_and_splits_lines() {
    let srv = serve(&[]);
    let mut sub = Sub::open(&srv.url("/events?topic=t")).await;
    srv.wait_subscribers(1).await;
    let url = srv.url("/events?topic=t&event=greet&id=abc&retry=3000");
    let (status, reply) = publish(&url, "one\ntwo\r\nthree").await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply, json!({"id": "abc", "delivered": 1}));
    let e = sub.next_event().await.unwrap();
    assert_eq!(
        e,
        Event {
            event: "greet".into(),
            data: "one\ntwo\nthree".into(),
            id: "abc".into(),
            retry: Some(3000),
        }
    );
    assert_eq!(
        String::from_utf8_lossy(&sub.raw),
        ":ssecat serve: subscribed to t\n\n\
         event: greet\nid: abc\nretry: 3000\ndata: one\ndata: two\ndata: three\n\n"
    );
}

#[tokio::test]
async fn the_publish_reply_counts_the_subscribers_reached() {
    let srv = serve(&[]);
    let _t1 = Sub::open(&srv.url("/events?topic=t")).await;
    let _t2 = Sub::open(&srv.url("/events?topic=t&topic=u")).await;
    let _all = Sub::open(&srv.url("/events?topic=*")).await;
    let _u = Sub::open(&srv.url("/events?topic=u")).await;
    srv.wait_subscribers(4).await;
    let delivered = |reply: Value| reply["delivered"].clone();
    assert_eq!(
        delivered(publish(&srv.url("/events?topic=t"), "x").await.1),
        3
    );
    assert_eq!(
        delivered(publish(&srv.url("/events?topic=u"), "x").await.1),
        3
    );
    assert_eq!(
        delivered(publish(&srv.url("/events?topic=v"), "x").await.1),
        1
    );
    let batch = json!([{"topic": "t", "data": "x"}, {"topic": "u", "data": "y"}]);
    assert_eq!(
        delivered(publish_json(&srv.url("/events"), &batch).await.1),
        4
    );
}

#[tokio::test]
async fn server_ids_count_up_across_topics_and_given_ids_are_kept() {
    let srv = serve(&[]);
    let mut all = Sub::open(&srv.url("/events?topic=*")).await;
    srv.wait_subscribers(1).await;
    let mut replies = Vec::new();
    for topic in ["a", "b", "a", "c"] {
        let reply = publish_to(&srv, topic, topic).await;
        replies.push(reply["id"].clone());
    }
    assert_eq!(replies, ["1", "2", "3", "4"]);
    let (_, reply) = publish(&srv.url("/events?topic=a&id=order-77"), "mine").await;
    assert_eq!(reply["id"], "order-77");
    let ids: Vec<String> = all.events(5).await.into_iter().map(|e| e.id).collect();
    assert_eq!(ids, ["1", "2", "3", "4", "order-77"]);
}

#[tokio::test]
async fn a_json_object_publishes_one_event_with_compact_non_string_data() {
    let srv = serve(&[]);
    let mut sub = Sub::open(&srv.url("/events?topic=j")).await;
    srv.wait_subscribers(1).await;
    let body =
        json!({"topic": "j", "event": "obj", "data": {"a": [1, 2]}, "id": "k1", "retry": 750});
    let (status, reply) = publish_json(&srv.url("/events"), &body).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply, json!({"id": "k1", "delivered": 1}));
    let e = sub.next_event().await.unwrap();
    assert_eq!(
        e,
        Event {
            event: "obj".into(),
            data: r#"{"a":[1,2]}"#.into(),
            id: "k1".into(),
            retry: Some(750),
        }
    );
}

#[tokio::test]
async fn a_json_array_publishes_a_batch_in_order() {
    let srv = serve(&[]);
    let mut sub = Sub::open(&srv.url("/events?topic=j")).await;
    srv.wait_subscribers(1).await;
    // Items without a topic take the query's; a numeric id becomes its text.
    let batch = json!([
        {"data": "first"},
        {"data": 2, "event": "num"},
        {"data": [true, null], "id": 7},
        {"data": "last"},
    ]);
    let (status, reply) = publish_json(&srv.url("/events?topic=j"), &batch).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply, json!({"id": "4", "delivered": 1}));
    let events = sub.events(4).await;
    let got: Vec<(&str, &str, &str)> = events
        .iter()
        .map(|e| (e.id.as_str(), e.event.as_str(), e.data.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("1", "message", "first"),
            ("2", "num", "2"),
            ("7", "message", "[true,null]"),
            ("4", "message", "last"),
        ]
    );
}

#[tokio::test]
async fn bad_publishes_get_400_with_a_json_error_and_publish_nothing() {
    let srv = serve(&[]);
    let mut sub = Sub::open(&srv.url("/events?topic=*")).await;
    srv.wait_subscribers(1).await;
    let json_bodies = [
        (r#"{"data": "#, "the body is not valid JSON"),
        (r#"{"dta": "x"}"#, r#"unknown field "dta""#),
        (r#"{"event": "x"}"#, r#"missing "data""#),
        (
            r#"{"topic": "*", "data": "x"}"#,
            r#"cannot publish to topic "*""#,
        ),
        ("[]", "nothing to publish: the array is empty"),
        (
            r#"[{"data": "ok"}, {"dta": 1}]"#,
            r#"event 1: unknown field "dta""#,
        ),
        (
            r#"{"event": "a\nb", "data": "x"}"#,
            "an event type cannot contain a line break",
        ),
    ];
    for (body, message) in json_bodies {
        let req = client()
            .post(srv.url("/events"))
            .header("content-type", "application/json")
            .body(body);
        assert_400(req, message).await;
    }
    let raw_bodies: [(&str, &[u8], &str); 4] = [
        ("/events?topic=*", b"x", r#"cannot publish to topic "*""#),
        (
            "/events?event=a%0Ab",
            b"x",
            "an event type cannot contain a line break",
        ),
        ("/events", b"caf\xe9", "the body is not UTF-8 text"),
        (
            "/events?retry=abc",
            b"x",
            r#"retry="abc" is not a number of milliseconds"#,
        ),
    ];
    for (path, body, message) in raw_bodies {
        assert_400(client().post(srv.url(path)).body(body.to_vec()), message).await;
    }
    assert_eq!(srv.stats().await["events_published"], 0);
    // The first event the subscriber gets is the first good one.
    let (_, reply) = publish(&srv.url("/events"), "good").await;
    assert_eq!(reply, json!({"id": "1", "delivered": 1}));
    let e = sub.next_event().await.unwrap();
    assert_eq!((e.id.as_str(), e.data.as_str()), ("1", "good"));
}

// ---------------------------------------------------------------------------------------------
// Replay
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn last_event_id_header_replays_the_rest_of_the_topic_then_live() {
    let srv = serve(&[]);
    for (topic, data) in [
        ("a", "a1"),
        ("a", "a2"),
        ("b", "b3"),
        ("a", "a4"),
        ("a", "a5"),
    ] {
        publish_to(&srv, topic, data).await;
    }
    let mut sub = Sub::open_with(&srv.url("/events?topic=a"), &[("Last-Event-ID", "2")]).await;
    assert_eq!(sub.status, 200);
    assert_eq!(sub.next_item().await, Some(opening("a")));
    let replayed = sub.events(2).await;
    assert_eq!(id_data(&replayed), [("4", "a4"), ("5", "a5")]);
    publish_to(&srv, "a", "a6").await;
    let live = sub.events(1).await;
    assert_eq!(id_data(&live), [("6", "a6")]);
    let stats = srv.stats().await;
    assert_eq!(
        (&stats["replays"], &stats["events_replayed"]),
        (&json!(1), &json!(2))
    );
}

#[tokio::test]
async fn last_event_id_query_parameter_resumes_like_the_header() {
    let srv = serve(&[]);
    for data in ["x1", "x2", "x3"] {
        publish_to(&srv, "x", data).await;
    }
    let mut sub = Sub::open(&srv.url("/events?topic=x&lastEventId=1")).await;
    assert_eq!(sub.status, 200);
    let replayed = sub.events(2).await;
    assert_eq!(id_data(&replayed), [("2", "x2"), ("3", "x3")]);
    srv.wait_subscribers(1).await;
    publish_to(&srv, "x", "x4").await;
    assert_eq!(id_data(&sub.events(1).await), [("4", "x4")]);
}

/// Four publishers race a subscriber that reads a few events, drops the connection and resumes
/// with the last id it saw, over and over: it must see every event exactly once, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn resuming_while_publishers_race_sees_every_event_once_in_order() {
    const PUBLISHERS: usize = 4;
    const EACH: usize = 500;
    const TOTAL: usize = PUBLISHERS * EACH;
    let srv = serve(&["--history", "10000"]);
    let url = srv.url("/events?topic=r");
    let mut sub = Sub::open(&url).await;
    srv.wait_subscribers(1).await;
    let published = Arc::new(AtomicUsize::new(0));
    let mut publishers = JoinSet::new();
    for p in 0..PUBLISHERS {
        let (url, published) = (url.clone(), published.clone());
        publishers.spawn(async move {
            let client = reqwest::Client::new();
            for i in 0..EACH {
                let resp = client.post(&url).body(format!("{p}-{i}")).send().await;
                assert_eq!(resp.expect("POST").status(), 200);
                published.fetch_add(1, Ordering::Relaxed);
            }
        });
    }
    let mut rng = fastrand::Rng::with_seed(0x55e);
    let mut seen: Vec<Event> = Vec::with_capacity(TOTAL);
    let (mut resumes, mut racing) = (0, 0);
    loop {
        let take = rng.usize(1..=150);
        for _ in 0..take {
            match sub.next_event().await {
                Some(e) => seen.push(e),
                None => break,
            }
            if seen.len() == TOTAL {
                break;
            }
        }
        if seen.len() == TOTAL {
            break;
        }
        drop(sub);
        let last = seen.last().map(|e| e.id.clone()).expect("an event seen");
        sub = Sub::open_with(&url, &[("Last-Event-ID", &last)]).await;
        assert_eq!(sub.status, 200);
        resumes += 1;
        racing += usize::from(published.load(Ordering::Relaxed) < TOTAL);
    }
    while let Some(done) = publishers.join_next().await {
        done.expect("publisher");
    }
    let ids: Vec<String> = seen.iter().map(|e| e.id.clone()).collect();
    let expected: Vec<String> = (1..=TOTAL).map(|n| n.to_string()).collect();
    assert_eq!(ids, expected, "after {resumes} resumes");
    // Each publisher's events arrive in the order it published them.
    let mut per_publisher: HashMap<&str, Vec<usize>> = HashMap::new();
    for e in &seen {
        let (p, i) = e.data.split_once('-').expect("data is P-I");
        per_publisher.entry(p).or_default().push(i.parse().unwrap());
    }
    assert_eq!(per_publisher.len(), PUBLISHERS);
    for (p, indices) in per_publisher {
        assert_eq!(indices, (0..EACH).collect::<Vec<_>>(), "publisher {p}");
    }
    // The resumes did race the publishers.
    assert!(
        racing >= 10,
        "{racing} of {resumes} resumes while publishing"
    );
    let stats = srv.stats().await;
    assert_eq!(stats["replays"], resumes);
    assert_eq!(stats["events_published"], TOTAL);
    assert_eq!(stats["slow_disconnects"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_multi_topic_stream_has_strictly_increasing_ids_live_and_replayed() {
    const EACH: usize = 200;
    let srv = serve(&[]);
    let mut sub = Sub::open(&srv.url("/events?topic=a&topic=b")).await;
    srv.wait_subscribers(1).await;
    let mut publishers = JoinSet::new();
    for topic in ["a", "b", "c"] {
        let url = srv.url(&format!("/events?topic={topic}"));
        publishers.spawn(async move {
            let client = reqwest::Client::new();
            for i in 0..EACH {
                let resp = client.post(&url).body(format!("{topic}-{i}")).send().await;
                assert_eq!(resp.expect("POST").status(), 200);
            }
        });
    }
    let live = sub.events(2 * EACH).await;
    while let Some(done) = publishers.join_next().await {
        done.expect("publisher");
    }
    let ids: Vec<u64> = live.iter().map(|e| e.id.parse().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids not increasing: {ids:?}"
    );
    for topic in ["a", "b"] {
        let indices: Vec<usize> = live
            .iter()
            .filter_map(|e| e.data.strip_prefix(&format!("{topic}-")))
            .map(|i| i.parse().unwrap())
            .collect();
        assert_eq!(indices, (0..EACH).collect::<Vec<_>>(), "topic {topic}");
    }
    // Nothing from c slipped in after them: the next event is this marker.
    let reply = publish_to(&srv, "b", "marker").await;
    assert_eq!(reply["id"], (3 * EACH + 1).to_string());
    assert_eq!(sub.next_event().await.unwrap().data, "marker");
    // A resume from the first id replays the same sequence.
    let first = live[0].id.clone();
    let mut again = Sub::open_with(
        &srv.url("/events?topic=b&topic=a"),
        &[("Last-Event-ID", &first)],
    )
    .await;
    let replayed = again.events(2 * EACH).await;
    assert_eq!(replayed[..2 * EACH - 1], live[1..]);
    assert_eq!(replayed[2 * EACH - 1].data, "marker");
}

#[tokio::test]
async fn an_evicted_id_gets_a_warning_comment_then_the_retained_events() {
    let srv = serve(&["--history", "3"]);
    for n in 1..=5 {
        publish_to(&srv, "a", &format!("e{n}")).await;
    }
    let mut sub = Sub::open_with(&srv.url("/events?topic=a"), &[("Last-Event-ID", "1")]).await;
    let items = items(&mut sub, 5).await;
    assert_eq!(
        items,
        [
            opening("a"),
            Item::Comment(
                "last-event-id \"1\" is not in the history (ids \"3\" to \"5\"); events may have \
                 been missed; replaying all 3 retained events on these topics"
                    .into()
            ),
            Item::Event(message("3", "e3")),
            Item::Event(message("4", "e4")),
            Item::Event(message("5", "e5")),
        ]
    );
}

#[tokio::test]
async fn an_id_never_seen_gets_the_same_warning() {
    let srv = serve(&["--history", "3"]);
    for n in 1..=5 {
        publish_to(&srv, "a", &format!("e{n}")).await;
    }
    let mut sub = Sub::open_with(&srv.url("/events?topic=a"), &[("Last-Event-ID", "nope")]).await;
    let items = items(&mut sub, 5).await;
    assert_eq!(
        items[1..],
        [
            Item::Comment(
                "last-event-id \"nope\" is not in the history (ids \"3\" to \"5\"); events may \
                 have been missed; replaying all 3 retained events on these topics"
                    .into()
            ),
            Item::Event(message("3", "e3")),
            Item::Event(message("4", "e4")),
            Item::Event(message("5", "e5")),
        ]
    );
}

#[tokio::test]
async fn resuming_on_an_empty_history_warns_that_it_is_empty() {
    let srv = serve(&["--history", "0"]);
    publish_to(&srv, "a", "gone").await;
    let mut sub = Sub::open_with(&srv.url("/events?topic=a"), &[("Last-Event-ID", "1")]).await;
    let first = items(&mut sub, 2).await;
    assert_eq!(
        first[1],
        Item::Comment(
            "last-event-id \"1\" is not in the history (it is empty); events may have been missed"
                .into()
        )
    );
    srv.wait_subscribers(1).await;
    publish_to(&srv, "a", "live").await;
    assert_eq!(
        sub.next_item().await,
        Some(Item::Event(message("2", "live")))
    );
}

#[tokio::test]
async fn history_ttl_expires_old_events() {
    let srv = serve(&["--history-ttl", "500ms"]);
    for data in ["x1", "x2", "x3"] {
        publish_to(&srv, "x", data).await;
    }
    assert_eq!(srv.stats().await["events_in_history"], 3);
    let stats = srv
        .wait_stats("the history to expire", |s| s["events_in_history"] == 0)
        .await;
    assert_eq!(stats["events_published"], 3);
    let mut sub = Sub::open_with(&srv.url("/events?topic=x"), &[("Last-Event-ID", "1")]).await;
    let first = items(&mut sub, 2).await;
    assert_eq!(
        first[1],
        Item::Comment(
            "last-event-id \"1\" is not in the history (it is empty); events may have been missed"
                .into()
        )
    );
    srv.wait_subscribers(1).await;
    publish_to(&srv, "x", "x4").await;
    assert_eq!(sub.next_item().await, Some(Item::Event(message("4", "x4"))));
}

// ---------------------------------------------------------------------------------------------
// Stream framing
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_stream_has_event_stream_headers() {
    let srv = serve(&[]);
    let sub = Sub::open(&srv.url("/events")).await;
    assert_eq!(sub.status, 200);
    assert_eq!(
        header(&sub.headers, "content-type"),
        Some("text/event-stream; charset=utf-8")
    );
    let cache = header(&sub.headers, "cache-control").unwrap_or_default();
    assert!(cache.contains("no-cache"), "cache-control: {cache}");
    assert_eq!(header(&sub.headers, "x-accel-buffering"), Some("no"));
    assert_eq!(header(&sub.headers, "connection"), Some("keep-alive"));
    assert_eq!(header(&sub.headers, "content-length"), None);
}

#[tokio::test]
async fn the_opening_comment_comes_before_any_event() {
    let srv = serve(&[]);
    let mut sub = Sub::open(&srv.url("/events?topic=a&topic=b&topic=a")).await;
    // Nothing has been published: this arrives on its own.
    assert_eq!(sub.next_item().await, Some(opening("a,b")));
    assert_eq!(
        String::from_utf8_lossy(&sub.raw),
        ":ssecat serve: subscribed to a,b\n\n"
    );
}

#[tokio::test]
async fn the_retry_flag_sends_retry_before_the_events() {
    let srv = serve(&["--retry", "2500"]);
    let mut sub = Sub::open(&srv.url("/events?topic=a")).await;
    srv.wait_subscribers(1).await;
    publish_to(&srv, "a", "hello").await;
    assert_eq!(
        items(&mut sub, 3).await,
        [
            opening("a"),
            Item::Retry(2500),
            Item::Event(message("1", "hello")),
        ]
    );
}

#[tokio::test]
async fn keepalive_comments_arrive_at_the_set_cadence() {
    let srv = serve(&["--keepalive", "100ms"]);
    let mut sub = Sub::open(&srv.url("/events")).await;
    assert_eq!(sub.next_item().await, Some(opening("default")));
    let items = items_for(&mut sub, ms(600)).await;
    assert!(
        items
            .iter()
            .all(|i| *i == Item::Comment("keep-alive".into())),
        "{items:?}"
    );
    assert!(
        (3..=8).contains(&items.len()),
        "{} keep-alives in 600ms",
        items.len()
    );
}

#[tokio::test]
async fn keepalive_zero_sends_no_comments() {
    let srv = serve(&["--keepalive", "0"]);
    let mut sub = Sub::open(&srv.url("/events")).await;
    assert_eq!(sub.next_item().await, Some(opening("default")));
    let items = items_for(&mut sub, ms(400)).await;
    assert_eq!(items, []);
    // The stream is still open: the next item is an event published now.
    publish(&srv.url("/events"), "after").await;
    assert_eq!(
        sub.next_item().await,
        Some(Item::Event(message("1", "after")))
    );
}

#[tokio::test]
async fn http2_prior_knowledge_subscribes_and_publishes() {
    let srv = serve(&[]);
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .expect("h2 client");
    let mut stream = within(h2.get(srv.url("/events?topic=h")).send()).await;
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.version(), reqwest::Version::HTTP_2);
    assert_eq!(header(stream.headers(), "connection"), None);
    assert_eq!(
        header(stream.headers(), "content-type"),
        Some("text/event-stream; charset=utf-8")
    );
    srv.wait_subscribers(1).await;
    // On the same connection as the open stream.
    let posted = within(h2.post(srv.url("/events?topic=h")).body("over h2").send()).await;
    assert_eq!(posted.version(), reqwest::Version::HTTP_2);
    let (status, _, reply) = reply_json(posted).await;
    assert_eq!((status, reply), (200, json!({"id": "1", "delivered": 1})));
    let events = read_events(&mut stream, 1).await;
    assert_eq!(events, [message("1", "over h2")]);
    assert_eq!(srv.stats().await["streams"], json!({"now": 1, "total": 1}));
    drop((stream, h2));
    srv.wait_stats("the h2 stream to end", |s| s["streams"]["now"] == 0)
        .await;
}

// ---------------------------------------------------------------------------------------------
// CORS
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn every_response_allows_any_origin_by_default() {
    let srv = serve(&[]);
    let c = client();
    let requests = [
        c.get(srv.url("/health")),
        c.get(srv.url("/stats")),
        c.get(srv.url("/")),
        c.get(srv.url("/nope")),
        c.put(srv.url("/events")),
        c.post(srv.url("/events")).body("x"),
        c.post(srv.url("/events?retry=x")).body("x"),
        c.request(reqwest::Method::OPTIONS, srv.url("/events")),
    ];
    for req in requests {
        let req = req
            .header("origin", "http://anywhere.test")
            .build()
            .unwrap();
        let what = format!("{} {}", req.method(), req.url().path());
        let resp = within(c.execute(req)).await;
        assert_eq!(
            header(resp.headers(), "access-control-allow-origin"),
            Some("*"),
            "{what}"
        );
        assert_eq!(header(resp.headers(), "vary"), None, "{what}");
    }
    let sub = Sub::open(&srv.url("/events")).await;
    assert_eq!(
        header(&sub.headers, "access-control-allow-origin"),
        Some("*")
    );
}

#[tokio::test]
async fn a_preflight_allows_get_post_and_last_event_id() {
    let srv = serve(&[]);
    let req = client()
        .request(reqwest::Method::OPTIONS, srv.url("/events"))
        .header("origin", "http://a.test")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "last-event-id");
    let resp = within(req.send()).await;
    assert_eq!(resp.status(), 204);
    let methods = header(resp.headers(), "access-control-allow-methods").unwrap_or_default();
    let methods: Vec<&str> = methods.split(',').map(str::trim).collect();
    assert!(
        methods.contains(&"GET") && methods.contains(&"POST"),
        "{methods:?}"
    );
    let allowed = header(resp.headers(), "access-control-allow-headers").unwrap_or_default();
    assert!(
        allowed
            .split(',')
            .any(|h| h.trim().eq_ignore_ascii_case("last-event-id")),
        "{allowed}"
    );
    assert_eq!(
        header(resp.headers(), "access-control-allow-origin"),
        Some("*")
    );
}

#[tokio::test]
async fn cors_origin_echoes_an_allowed_origin_and_refuses_others() {
    let srv = serve(&["--cors-origin", "http://a.test"]);
    let c = client();
    let get = |origin: &'static str| c.get(srv.url("/health")).header("origin", origin).send();
    let ok = within(get("http://a.test")).await;
    assert_eq!(
        header(ok.headers(), "access-control-allow-origin"),
        Some("http://a.test")
    );
    assert_eq!(header(ok.headers(), "vary"), Some("Origin"));
    let other = within(get("http://b.test")).await;
    assert_eq!(other.status(), 200);
    assert_eq!(header(other.headers(), "access-control-allow-origin"), None);
    assert_eq!(header(other.headers(), "vary"), Some("Origin"));

    let preflight = |origin: &'static str| {
        c.request(reqwest::Method::OPTIONS, srv.url("/events"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
    };
    let ok = within(preflight("http://a.test")).await;
    assert_eq!(ok.status(), 204);
    assert_eq!(
        header(ok.headers(), "access-control-allow-origin"),
        Some("http://a.test")
    );
    let (status, headers, reply) = reply_json(within(preflight("http://b.test")).await).await;
    assert_eq!(status, 403);
    assert_eq!(header(&headers, "access-control-allow-origin"), None);
    assert_eq!(
        reply,
        json!({"error": "origin not allowed (--cors-origin)"})
    );

    let sub = Sub::open_with(&srv.url("/events"), &[("Origin", "http://a.test")]).await;
    assert_eq!(
        header(&sub.headers, "access-control-allow-origin"),
        Some("http://a.test")
    );
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_publish_token_guards_publishing_but_not_subscribing() {
    let srv = serve(&["--token", "s3cret"]);
    let mut sub = Sub::open(&srv.url("/events")).await;
    assert_eq!(sub.status, 200);
    srv.wait_subscribers(1).await;
    for auth in [
        None,
        Some("Bearer nope"),
        Some("Bearer s3cre"),
        Some("Basic s3cret"),
    ] {
        let mut req = client().post(srv.url("/events")).body("refused");
        if let Some(auth) = auth {
            req = req.header("authorization", auth);
        }
        let (status, headers, reply) = send_json(req).await;
        assert_eq!(status, 401, "{auth:?}");
        assert_eq!(
            header(&headers, "www-authenticate"),
            Some("Bearer"),
            "{auth:?}"
        );
        assert_eq!(
            reply,
            json!({"error": "publishing needs the token (Authorization: Bearer TOKEN)"})
        );
    }
    let req = client()
        .post(srv.url("/events"))
        .header("authorization", "Bearer s3cret")
        .body("let in");
    let (status, _, reply) = send_json(req).await;
    assert_eq!((status, reply), (200, json!({"id": "1", "delivered": 1})));
    assert_eq!(sub.next_event().await.unwrap(), message("1", "let in"));
}

#[tokio::test]
async fn the_subscribe_token_is_taken_from_the_header_or_the_query() {
    let srv = serve(&["--subscribe-token", "t"]);
    let none = Sub::open(&srv.url("/events")).await;
    assert_eq!(none.status, 401);
    assert_eq!(header(&none.headers, "www-authenticate"), Some("Bearer"));
    let wrong = Sub::open(&srv.url("/events?token=u")).await;
    assert_eq!(wrong.status, 401);
    let wrong = Sub::open_with(&srv.url("/events"), &[("Authorization", "Bearer u")]).await;
    assert_eq!(wrong.status, 401);

    let mut by_header = Sub::open_with(&srv.url("/events"), &[("Authorization", "Bearer t")]).await;
    assert_eq!(by_header.status, 200);
    let mut by_query = Sub::open(&srv.url("/events?token=t")).await;
    assert_eq!(by_query.status, 200);
    srv.wait_subscribers(2).await;
    // Publishing needs no token.
    let (status, reply) = publish(&srv.url("/events"), "for both").await;
    assert_eq!((status, reply), (200, json!({"id": "1", "delivered": 2})));
    assert_eq!(by_header.next_event().await.unwrap().data, "for both");
    assert_eq!(by_query.next_event().await.unwrap().data, "for both");
}

// ---------------------------------------------------------------------------------------------
// Limits
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn max_body_refuses_a_larger_body_with_413() {
    let srv = serve(&["--max-body", "1KiB"]);
    let (status, reply) = publish(&srv.url("/events"), &"x".repeat(2000)).await;
    assert_eq!(status, 413);
    assert_eq!(
        reply,
        json!({"error": "the body is over --max-body (1 KiB)"})
    );
    let (status, _) = publish(&srv.url("/events"), &"x".repeat(1025)).await;
    assert_eq!(status, 413);
    assert_eq!(srv.stats().await["events_published"], 0);
}

#[tokio::test]
async fn max_body_accepts_a_body_of_exactly_the_limit() {
    let srv = serve(&["--max-body", "1KiB"]);
    let mut sub = Sub::open(&srv.url("/events")).await;
    srv.wait_subscribers(1).await;
    let body = "y".repeat(1024);
    let (status, reply) = publish(&srv.url("/events"), &body).await;
    assert_eq!((status, reply), (200, json!({"id": "1", "delivered": 1})));
    assert_eq!(sub.next_event().await.unwrap().data, body);
}

#[tokio::test]
async fn max_body_refuses_a_larger_chunked_body_with_413() {
    let srv = serve(&["--max-body", "1KiB"]);
    let chunked = |pieces: &[&str]| {
        let mut req = String::from(
            "POST /events?topic=c HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\
             Connection: close\r\n\r\n",
        );
        for p in pieces {
            req.push_str(&format!("{:x}\r\n{p}\r\n", p.len()));
        }
        req.push_str("0\r\n\r\n");
        req
    };
    let (big, small) = ("z".repeat(1000), "z".repeat(512));
    let (status_line, reply) = raw_exchange(&srv, &chunked(&[&big, &big])).await;
    assert_eq!(status_line, "HTTP/1.1 413 Payload Too Large");
    assert_eq!(
        reply,
        json!({"error": "the body is over --max-body (1 KiB)"})
    );
    // Two chunks that make exactly the limit go through.
    let (status_line, reply) = raw_exchange(&srv, &chunked(&[&small, &small])).await;
    assert_eq!(status_line, "HTTP/1.1 200 OK");
    assert_eq!(reply, json!({"id": "1", "delivered": 0}));
    assert_eq!(srv.stats().await["events_published"], 1);
}

#[tokio::test]
async fn max_connections_refuses_the_extra_stream_until_one_closes() {
    let srv = serve(&["--max-connections", "2"]);
    let first = Sub::open(&srv.url("/events")).await;
    let second = Sub::open(&srv.url("/events")).await;
    assert_eq!((first.status, second.status), (200, 200));
    let (status, headers, reply) = send_json(client().get(srv.url("/events"))).await;
    assert_eq!(status, 503);
    assert_eq!(header(&headers, "retry-after"), Some("1"));
    assert_eq!(
        reply,
        json!({"error": "too many event streams open (--max-connections)"})
    );
    drop(first);
    srv.wait_stats("a stream to close", |s| s["streams"]["now"] == 1)
        .await;
    let again = Sub::open(&srv.url("/events")).await;
    assert_eq!(again.status, 200);
    let stats = srv.stats().await;
    assert_eq!(stats["streams"], json!({"now": 2, "total": 3}));
}

/// A subscriber that gives up while `--latency` holds its response back must give its stream
/// slot back; otherwise, with `--max-connections`, the server refuses everyone forever.
#[tokio::test]
async fn a_subscriber_gone_during_latency_frees_its_stream_slot() {
    let srv = serve(&["--latency", "500ms", "--max-connections", "1"]);
    let url = srv.url("/events");
    let gives_up = tokio::spawn(async move { reqwest::Client::new().get(url).send().await });
    srv.wait_stats("the request to wait out the latency", |s| {
        s["streams"]["now"] == 1 && s["faults_injected"] == 1
    })
    .await;
    gives_up.abort();
    assert!(gives_up.await.is_err_and(|e| e.is_cancelled()));
    srv.wait_stats_within("the slot to be freed", Duration::from_secs(2), |s| {
        s["streams"]["now"] == 0
    })
    .await;
    let sub = Sub::open(&srv.url("/events")).await;
    assert_eq!(sub.status, 200);
}

// ---------------------------------------------------------------------------------------------
// Other routes
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_unknown_path_is_404_json() {
    let srv = serve(&[]);
    let (status, headers, reply) = send_json(client().get(srv.url("/nope"))).await;
    assert_eq!(status, 404);
    assert_eq!(header(&headers, "content-type"), Some("application/json"));
    let error = reply["error"].as_str().unwrap_or_default();
    assert!(error.starts_with("no route for /nope;"), "{reply}");
}

#[tokio::test]
async fn a_wrong_method_is_405_with_allow() {
    let srv = serve(&[]);
    let (status, headers, reply) = send_json(client().put(srv.url("/events")).body("x")).await;
    assert_eq!(status, 405);
    assert_eq!(header(&headers, "allow"), Some("GET, POST, OPTIONS"));
    assert_eq!(
        reply,
        json!({"error": "method not allowed here; use GET, POST, OPTIONS"})
    );
    let (status, headers, _) = send_json(client().delete(srv.url("/stats"))).await;
    assert_eq!(status, 405);
    assert_eq!(header(&headers, "allow"), Some("GET, OPTIONS"));
}

#[tokio::test]
async fn health_says_ok() {
    let srv = serve(&[]);
    let (status, headers, reply) = send_json(client().get(srv.url("/health"))).await;
    assert_eq!((status, reply), (200, json!({"status": "ok"})));
    assert_eq!(header(&headers, "content-type"), Some("application/json"));
}

#[tokio::test]
async fn stats_report_subscribers_events_replays_and_bytes() {
    let srv = serve(&[]);
    let mut a1 = Sub::open(&srv.url("/events?topic=a")).await;
    let mut a2 = Sub::open(&srv.url("/events?topic=a")).await;
    let mut all = Sub::open(&srv.url("/events?topic=*")).await;
    srv.wait_subscribers(3).await;
    let (_, reply) = publish(&srv.url("/events?topic=a&event=greet"), "hi").await;
    assert_eq!(reply["delivered"], 3);
    let reply = publish_to(&srv, "b", "plain").await;
    assert_eq!(reply["delivered"], 1);
    a1.events(1).await;
    a2.events(1).await;
    all.events(2).await;
    let stats = srv.stats().await;
    assert!(
        stats["uptime_secs"].as_f64().is_some_and(|s| s >= 0.0),
        "{stats}"
    );
    assert_eq!(stats["subscribers"], 3);
    assert_eq!(stats["subscribers_per_topic"], json!({"a": 2, "*": 1}));
    assert_eq!(stats["streams"], json!({"now": 3, "total": 3}));
    assert_eq!(stats["events_published"], 2);
    assert_eq!(stats["events_in_history"], 2);
    assert_eq!(stats["event_types"], json!(["greet", "message"]));
    let received = (a1.raw.len() + a2.raw.len() + all.raw.len()) as u64;
    assert!(received > 0);
    assert_eq!(stats["bytes_sent"], received);
    for zero in [
        "replays",
        "events_replayed",
        "slow_disconnects",
        "faults_injected",
    ] {
        assert_eq!(stats[zero], 0, "{zero}");
    }
    let mut resumed = Sub::open_with(&srv.url("/events?topic=*"), &[("Last-Event-ID", "1")]).await;
    assert_eq!(resumed.events(1).await, [message("2", "plain")]);
    let stats = srv.stats().await;
    assert_eq!(
        (&stats["replays"], &stats["events_replayed"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(stats["streams"], json!({"now": 4, "total": 4}));
    assert_eq!(stats["subscribers_per_topic"], json!({"a": 2, "*": 2}));
}

#[tokio::test]
async fn stats_count_connections_and_streams() {
    let srv = serve(&[]);
    let first = Sub::open(&srv.url("/events")).await;
    let _second = Sub::open(&srv.url("/events?topic=x")).await;
    // Each /stats call is a connection of its own; earlier ones close in the meantime.
    let deadline = Instant::now() + WAIT;
    let mut calls = 0u64;
    let stats = loop {
        calls += 1;
        let stats = srv.stats().await;
        if stats["connections"]["now"] == 3 {
            break stats;
        }
        assert!(Instant::now() < deadline, "never 3 connections: {stats}");
        tokio::time::sleep(ms(10)).await;
    };
    assert_eq!(stats["connections"]["total"], 2 + calls);
    assert_eq!(stats["streams"], json!({"now": 2, "total": 2}));
    drop(first);
    let stats = srv
        .wait_stats("one stream and its connection to close", |s| {
            s["streams"]["now"] == 1 && s["connections"]["now"] == 2
        })
        .await;
    assert_eq!(stats["streams"]["total"], 2);
    assert_eq!(stats["subscribers"], 1);
}

#[tokio::test]
async fn the_viewer_page_is_served_at_the_root() {
    let srv = serve(&[]);
    let resp = within(client().get(srv.url("/")).send()).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        header(resp.headers(), "content-type"),
        Some("text/html; charset=utf-8")
    );
    let page = resp.text().await.expect("page");
    for needle in ["EventSource", "id=\"events\"", "id=\"publish-form\""] {
        assert!(page.contains(needle), "the page lacks {needle}");
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// A new HTTP/1.1 client (a connection of its own).
fn client() -> reqwest::Client {
    reqwest::Client::new()
}

/// Awaits a request within [`WAIT`].
async fn within(
    fut: impl Future<Output = reqwest::Result<reqwest::Response>>,
) -> reqwest::Response {
    tokio::time::timeout(WAIT, fut)
        .await
        .expect("a response in time")
        .expect("the request")
}

/// Sends a request; its status, headers and JSON body.
async fn send_json(req: reqwest::RequestBuilder) -> (u16, HeaderMap, Value) {
    reply_json(within(req.send()).await).await
}

/// A response's status, headers and JSON body.
async fn reply_json(resp: reqwest::Response) -> (u16, HeaderMap, Value) {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (status, headers, value)
}

/// Publishes `data` to `topic` (raw), which must succeed; the reply.
async fn publish_to(srv: &Serve, topic: &str, data: &str) -> Value {
    let (status, reply) = publish(&srv.url(&format!("/events?topic={topic}")), data).await;
    assert_eq!(status, 200, "{reply}");
    reply
}

/// Sends a request that must get 400 with a JSON error containing `message`.
async fn assert_400(req: reqwest::RequestBuilder, message: &str) {
    let req = req.build().expect("a request");
    let what = format!("{} {:?}", req.url(), req.body().and_then(|b| b.as_bytes()));
    let (status, _, reply) = reply_json(within(client().execute(req)).await).await;
    assert_eq!(status, 400, "{what}: {reply}");
    let error = reply["error"].as_str().unwrap_or_default();
    assert!(
        error.contains(message),
        "{what}: {error:?} lacks {message:?}"
    );
}

/// A header's value as text.
fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().expect("ASCII header"))
}

/// The next `n` items (comments, retries, events); panics if the stream ends first.
async fn items(sub: &mut Sub, n: usize) -> Vec<Item> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        match sub.next_item().await {
            Some(item) => out.push(item),
            None => panic!("stream ended after {out:?}"),
        }
    }
    out
}

/// Every item that arrives within `d`.
async fn items_for(sub: &mut Sub, d: Duration) -> Vec<Item> {
    let deadline = tokio::time::Instant::now() + d;
    let mut out = Vec::new();
    // The inner wait outlasts the outer one, which cancels it between chunks: nothing is lost.
    while let Ok(Some(item)) =
        tokio::time::timeout_at(deadline, sub.next_item_within(d + WAIT)).await
    {
        out.push(item);
    }
    out
}

/// The next `n` events of a response read with a fresh parser (for streams [`Sub`] cannot open).
async fn read_events(resp: &mut reqwest::Response, n: usize) -> Vec<Event> {
    let mut parser = Parser::new();
    let mut events = Vec::new();
    while events.len() < n {
        let chunk = tokio::time::timeout(WAIT, resp.chunk())
            .await
            .expect("a chunk in time")
            .expect("the body")
            .expect("the stream to go on");
        let mut items = Vec::new();
        parser.feed_to_vec(&chunk, &mut items);
        events.extend(items.into_iter().filter_map(|i| match i {
            Item::Event(e) => Some(e),
            _ => None,
        }));
    }
    events
}

/// Writes a whole HTTP/1.1 request (with `Connection: close`) on a new TCP connection, reads
/// the response to the end; its status line and JSON body.
async fn raw_exchange(srv: &Serve, request: &str) -> (String, Value) {
    let exchange = async {
        let mut tcp = TcpStream::connect(srv.addr).await.expect("connect");
        tcp.write_all(request.as_bytes()).await.expect("write");
        let mut response = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => response.extend_from_slice(&buf[..n]),
                // A reset after the whole response (the server closed with input unread).
                Err(_) if !response.is_empty() => break,
                Err(e) => panic!("read: {e}"),
            }
        }
        String::from_utf8(response).expect("UTF-8 response")
    };
    let response = tokio::time::timeout(WAIT, exchange)
        .await
        .expect("the response in time");
    let (head, body) = response
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of head: {response:?}"));
    let status_line = head.lines().next().unwrap_or_default().to_owned();
    let body = serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {response}"));
    (status_line, body)
}

/// The comment that opens every stream.
fn opening(topics: &str) -> Item {
    Item::Comment(format!("ssecat serve: subscribed to {topics}"))
}

/// An event of type `message`.
fn message(id: &str, data: &str) -> Event {
    Event {
        event: "message".into(),
        data: data.into(),
        id: id.into(),
        retry: None,
    }
}

/// Each event's id and data.
fn id_data(events: &[Event]) -> Vec<(&str, &str)> {
    events
        .iter()
        .map(|e| (e.id.as_str(), e.data.as_str()))
        .collect()
}
