use super::*;
use crate::event::Event;
use crate::serve::queue::Room;
use std::task::Waker;

fn config(history: usize, queue: usize) -> HubConfig {
    HubConfig {
        history,
        history_bytes: usize::MAX,
        history_ttl: None,
        client_queue: queue,
        client_queue_bytes: usize::MAX,
        slow_timeout: Duration::from_millis(200),
        event_memory: usize::MAX,
        max_event_size: usize::MAX,
        line_ending: "\n",
    }
}

fn hub(history: usize, queue: usize) -> Hub {
    Hub::new(config(history, queue))
}

fn msg(topic: &str, data: &str) -> Publish {
    Publish {
        topic: topic.into(),
        data: data.into(),
        ..Publish::default()
    }
}

fn topics(list: &[&str]) -> Topics {
    Topics::Some(list.iter().map(|t| Arc::from(*t)).collect())
}

/// Everything the stream would write now (replay, then queue), as text; the frames are taken
/// as written.
fn drain(hub: &Hub, sub: &Subscriber) -> String {
    let mut out = String::new();
    loop {
        match hub.next(sub, Waker::noop()) {
            Poll::Ready(chunks) => {
                for c in chunks {
                    out.push_str(std::str::from_utf8(&c.bytes).unwrap());
                }
            }
            Poll::Pending => return out,
            Poll::Closed(why) => return format!("{out}closed {why:?}"),
        }
    }
}

#[tokio::test]
async fn ids_are_assigned_across_topics_and_delivery_follows_topics() {
    let hub = hub(10, 10);
    let (a, _) = hub.subscribe(topics(&["a"]), None, Arc::default()).unwrap();
    let (all, _) = hub.subscribe(Topics::All, None, Arc::default()).unwrap();
    let p = hub
        .publish(vec![msg("a", "1"), msg("b", "2")])
        .await
        .unwrap();
    assert_eq!(p.id, "2");
    assert_eq!(p.delivered, 2);
    assert_eq!(drain(&hub, &a), "id: 1\ndata: 1\n\n");
    assert_eq!(drain(&hub, &all), "id: 1\ndata: 1\n\nid: 2\ndata: 2\n\n");
}

#[tokio::test]
async fn replay_is_after_the_id_on_the_topics_then_live() {
    let hub = hub(10, 10);
    hub.publish(vec![msg("a", "1"), msg("b", "2"), msg("a", "3")])
        .await
        .unwrap();
    let (sub, replay) = hub
        .subscribe(topics(&["a"]), Some("1"), Arc::default())
        .unwrap();
    assert_eq!(replay.events, 1);
    assert!(replay.note.is_none());
    hub.publish(vec![msg("a", "4")]).await.unwrap();
    assert_eq!(drain(&hub, &sub), "id: 3\ndata: 3\n\nid: 4\ndata: 4\n\n");
}

#[tokio::test]
async fn an_unknown_id_replays_everything_with_a_note() {
    let hub = hub(2, 10);
    hub.publish(vec![msg("a", "1"), msg("a", "2"), msg("a", "3")])
        .await
        .unwrap();
    let (sub, replay) = hub
        .subscribe(topics(&["a"]), Some("1"), Arc::default())
        .unwrap();
    assert_eq!(replay.events, 2);
    let note = replay.note.unwrap();
    assert!(note.contains("\"1\" is not in the history"), "{note}");
    assert!(note.contains("\"2\" to \"3\""), "{note}");
    assert_eq!(drain(&hub, &sub), "id: 2\ndata: 2\n\nid: 3\ndata: 3\n\n");
}

#[tokio::test]
async fn a_replay_the_history_outruns_ends_as_slow() {
    let hub = hub(3, 10);
    hub.publish(vec![msg("a", "1"), msg("a", "2")])
        .await
        .unwrap();
    let (sub, _) = hub
        .subscribe(Topics::All, Some("x"), Arc::default())
        .unwrap();
    // Three more events push 1 and 2 out before the stream has sent them.
    hub.publish(vec![msg("a", "3"), msg("a", "4"), msg("a", "5")])
        .await
        .unwrap();
    assert_eq!(drain(&hub, &sub), "closed Slow");
}

#[tokio::test]
async fn the_history_is_bounded_in_bytes_too() {
    let hub = Hub::new(HubConfig {
        history_bytes: 1000,
        ..config(100, 10)
    });
    for _ in 0..10 {
        hub.publish(vec![msg("a", &"x".repeat(300))]).await.unwrap();
    }
    // Each entry costs its ~320 encoded bytes and a fixed 128 + 2 × its ID.
    assert_eq!(hub.history_len(), 2);
}

#[tokio::test]
async fn a_full_queue_makes_the_publisher_wait_and_cuts_the_subscriber_after_the_timeout() {
    let hub = hub(0, 2);
    let kill = Arc::new(Notify::new());
    let (slow, _) = hub.subscribe(Topics::All, None, kill.clone()).unwrap();
    let (fast, _) = hub.subscribe(Topics::All, None, Arc::default()).unwrap();
    for i in 0..2 {
        hub.publish(vec![msg("x", &i.to_string())]).await.unwrap();
        drain(&hub, &fast);
    }
    // The third event does not fit the slow one's queue: it waits, then cuts it off.
    let started = tokio::time::Instant::now();
    let p = hub.publish(vec![msg("x", "2")]).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!((p.delivered, p.slow), (1, 1));
    assert_eq!(drain(&hub, &slow), "closed Slow");
    assert_eq!(hub.counters.slow_disconnects.load(Ordering::Relaxed), 1);
    assert_eq!(hub.subscribers().0, 1);
    assert_eq!(drain(&hub, &fast), "id: 3\ndata: 2\n\n");
}

#[tokio::test]
async fn a_batch_larger_than_the_queue_reaches_a_subscriber_that_keeps_reading() {
    let hub = Arc::new(hub(0, 4));
    let (sub, _) = hub.subscribe(Topics::All, None, Arc::default()).unwrap();
    let publisher = {
        let hub = hub.clone();
        tokio::spawn(async move {
            let batch = (0..50).map(|i| msg("x", &i.to_string())).collect();
            hub.publish(batch).await.unwrap()
        })
    };
    let mut got = 0;
    while got < 50 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        got += drain(&hub, &sub).matches("data: ").count();
    }
    let p = publisher.await.unwrap();
    assert_eq!((p.delivered, p.slow, p.id.as_str()), (1, 0, "50"));
}

#[tokio::test]
async fn the_queue_is_bounded_in_bytes_but_takes_one_large_event_when_empty() {
    let hub = Hub::new(HubConfig {
        client_queue_bytes: 1000,
        ..config(0, 100)
    });
    let (sub, _) = hub.subscribe(Topics::All, None, Arc::default()).unwrap();
    let big = "x".repeat(5000);
    hub.publish(vec![msg("x", &big)]).await.unwrap();
    // The next one does not fit while the first is queued or being written.
    assert!(matches!(
        sub.room(10, Instant::now(), &hub.limits),
        Room::Full(_)
    ));
    assert_eq!(
        drain(&hub, &sub).len(),
        big.len() + "id: 1\ndata: \n\n".len()
    );
    assert!(matches!(
        sub.room(10, Instant::now(), &hub.limits),
        Room::Yes
    ));
}

#[tokio::test]
async fn events_over_max_event_size_once_encoded_are_refused_whole() {
    let hub = Hub::new(HubConfig {
        max_event_size: 100,
        ..config(10, 10)
    });
    // 20 empty lines: 20 × "data: \n" plus the ID line.
    let err = hub
        .publish(vec![msg("a", "ok"), msg("a", &"\n".repeat(19))])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Refused::TooLarge {
                index: 1,
                of: 2,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("--max-event-size"), "{err}");
    assert_eq!(hub.history_len(), 0);
}

#[test]
fn encoded_len_is_the_size_on_the_wire() {
    for eol in ["\n", "\r\n", "\r"] {
        let hub = Hub::new(HubConfig {
            line_ending: eol,
            ..config(10, 10)
        });
        for p in [
            msg("a", ""),
            msg("a", "x\r\ny\rz\n\n"),
            Publish {
                event: "e\nv".into(),
                id: Some("i\rd".into()),
                retry: Some(1500),
                data: "d".into(),
                ..Publish::default()
            },
            Publish {
                event: "message".into(),
                id: Some(String::new()),
                ..Publish::default()
            },
        ] {
            let with_id = Publish {
                id: Some(p.id.clone().unwrap_or_else(|| "1".repeat(20))),
                ..p.clone()
            };
            let event = Event {
                event: with_id.event.clone(),
                data: with_id.data.clone(),
                id: with_id.id.clone().unwrap(),
                retry: with_id.retry,
            };
            assert_eq!(
                hub.encoded_len(&p),
                hub.encode(&event).len(),
                "{p:?} {eol:?}"
            );
        }
    }
}

#[tokio::test]
async fn over_event_memory_the_history_goes_first_then_the_publisher_waits() {
    let hub = Arc::new(Hub::new(HubConfig {
        event_memory: 10_000,
        ..config(100, 100)
    }));
    for _ in 0..5 {
        hub.publish(vec![msg("a", &"x".repeat(3000))])
            .await
            .unwrap();
    }
    assert!(hub.event_memory() <= 10_000, "{}", hub.event_memory());
    assert!(hub.history_len() < 5);
    // A subscriber holding events pins them: a publisher waits for it to write them.
    let (sub, _) = hub.subscribe(Topics::All, None, Arc::default()).unwrap();
    hub.publish(vec![msg("a", &"y".repeat(4000))])
        .await
        .unwrap();
    hub.publish(vec![msg("a", &"y".repeat(4000))])
        .await
        .unwrap();
    let publisher = {
        let hub = hub.clone();
        tokio::spawn(async move { hub.publish(vec![msg("a", &"z".repeat(4000))]).await })
    };
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!publisher.is_finished());
    drain(&hub, &sub);
    assert_eq!(drain(&hub, &sub), "");
    let p = publisher.await.unwrap().unwrap();
    assert_eq!(p.delivered, 1);
}

#[tokio::test]
async fn line_endings_apply_to_the_encoded_bytes() {
    let hub = Hub::new(HubConfig {
        line_ending: "\r\n",
        ..config(0, 4)
    });
    let (s, _) = hub.subscribe(Topics::All, None, Arc::default()).unwrap();
    hub.publish(vec![msg("a", "x\ny")]).await.unwrap();
    assert_eq!(drain(&hub, &s), "id: 1\r\ndata: x\r\ndata: y\r\n\r\n");
}

#[tokio::test]
async fn close_ends_every_stream_after_its_queue_and_refuses_more() {
    let hub = hub(1, 4);
    let (s, _) = hub.subscribe(topics(&["a"]), None, Arc::default()).unwrap();
    hub.publish(vec![msg("a", "x")]).await.unwrap();
    hub.close();
    assert_eq!(hub.undelivered(), (1, 1));
    assert_eq!(drain(&hub, &s), "id: 1\ndata: x\n\nclosed Shutdown");
    assert_eq!(hub.undelivered(), (0, 0));
    let err = hub.publish(vec![msg("a", "x")]).await.unwrap_err();
    assert_eq!(err, Refused::ShuttingDown { published: 0 });
}

#[tokio::test]
async fn keepalives_go_only_to_idle_streams() {
    let hub = hub(0, 4);
    let (s, _) = hub.subscribe(Topics::All, None, Arc::default()).unwrap();
    hub.publish(vec![msg("a", "x")]).await.unwrap();
    for _ in 0..10 {
        assert_eq!(hub.comment("keep-alive"), 1);
    }
    assert_eq!(drain(&hub, &s), "id: 1\ndata: x\n\n");
    hub.comment("keep-alive");
    hub.comment("keep-alive");
    assert_eq!(drain(&hub, &s), ":keep-alive\n");
}
