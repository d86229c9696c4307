//! A first end-to-end check of serve: publish and receive.
mod common;
use common::serve::{Sub, publish, serve};

#[tokio::test]
async fn publish_reaches_a_subscriber() {
    let srv = serve(&[]);
    let mut sub = Sub::open(&srv.url("/events?topic=a")).await;
    assert_eq!(sub.status, 200);
    srv.wait_subscribers(1).await;
    let (status, reply) = publish(&srv.url("/events?topic=a&event=greet"), "hi\nthere").await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["id"], "1");
    assert_eq!(reply["delivered"], 1);
    let e = sub.next_event().await.unwrap();
    assert_eq!(
        (e.event.as_str(), e.data.as_str(), e.id.as_str()),
        ("greet", "hi\nthere", "1")
    );
}
