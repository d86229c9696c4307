//! What clients send, decoded and checked before it reaches the hub: query strings, topic
//! names, JSON publish bodies, and the fields of an event.
//!
//! Everything here is peer-controlled and some of it is written into other clients' streams
//! (a subscriber's topics into its opening comment), so the rules are strict where a lenient
//! reading would let one client speak for the server or for another client:
//! - a query string must decode to UTF-8 (decoded lossily, `%FE` and `%FF` were both U+FFFD,
//!   two topics that received each other's events);
//! - a topic has no control character (a line break in one wrote a whole event into the
//!   opening comment);
//! - numbers in a JSON body keep their text (an ID of 30 digits became `1.2345678901234568e29`).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::value::RawValue;

use super::hub::{Publish, Topics};

/// Most distinct topics one stream may follow.
pub const MAX_TOPICS: usize = 64;
/// Longest topic name, in bytes.
pub const MAX_TOPIC_LEN: usize = 256;
/// Longest event type, in bytes: the hub remembers 256 types for `/stats` for the server's
/// life, and 256 types of 1 MiB held 260 MB.
pub const MAX_EVENT_LEN: usize = 1024;
/// Longest event ID, in bytes: a client resuming sends it back in a request head, which is at
/// most 32 KiB.
pub const MAX_ID_LEN: usize = 4096;

/// A query string, checked once, then decoded on demand: a request's query (up to a whole head,
/// 32 KiB: some 16,000 parameters) is never copied into a list of strings, which a publish with
/// a slow body or a subscriber waiting out `--latency` would hold.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<'a>(&'a str);

impl<'a> Query<'a> {
    /// Checks `a=1&b=x+y&c=%C3%A9` (form encoding: `+` is a space): an error when a name or a
    /// value is not UTF-8 once decoded.
    pub fn parse(query: Option<&'a str>) -> Result<Self, String> {
        let query = Query(query.unwrap_or(""));
        for (name, value) in query.pairs() {
            percent_decode(name)?;
            percent_decode(value)?;
        }
        Ok(query)
    }

    /// The raw `name=value` pairs, in order.
    fn pairs(self) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.0
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| p.split_once('=').unwrap_or((p, "")))
    }

    /// Every value of `key`, decoded, in order.
    pub fn all(self, key: &'a str) -> impl Iterator<Item = String> + 'a {
        self.pairs()
            .filter(move |(name, _)| percent_decode(name).is_ok_and(|n| n == key))
            .filter_map(|(_, value)| percent_decode(value).ok())
    }

    /// The first value of `key`, decoded.
    pub fn first(self, key: &'a str) -> Option<String> {
        self.all(key).next()
    }
}

/// `%XX` escapes and `+` decoded; a `%` not followed by two hex digits is kept as it is (as
/// browsers and `form_urlencoded` do).
fn percent_decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: Option<&u8>| b.and_then(|&b| char::from(b).to_digit(16));
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                (Some(hi), Some(lo)) => {
                    out.push((hi * 16 + lo) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out)
        .map_err(|_| "the query string is not UTF-8 text once %-decoded".to_owned())
}

/// The topics a subscriber asked for (`?topic=`, repeatable; `*` is all; none is `default`),
/// each named once.
pub fn topics(query: Query) -> Result<Topics, String> {
    let mut all = false;
    let mut list: Vec<Arc<str>> = Vec::new();
    for name in query.all("topic") {
        if name == "*" {
            all = true;
            continue;
        }
        if list.iter().any(|t| **t == name) {
            continue;
        }
        check_topic(&name)?;
        if list.len() == MAX_TOPICS {
            return Err(format!("at most {MAX_TOPICS} topics per stream"));
        }
        list.push(Arc::from(name));
    }
    if all {
        return Ok(Topics::All);
    }
    if list.is_empty() {
        list.push(Arc::from("default"));
    }
    Ok(Topics::Some(list))
}

/// A topic name is 1 to [`MAX_TOPIC_LEN`] bytes without control characters.
pub fn check_topic(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_TOPIC_LEN {
        return Err(format!("a topic name is 1 to {MAX_TOPIC_LEN} bytes"));
    }
    if name.chars().any(char::is_control) {
        return Err(
            "a topic name cannot hold a control character (a line break, NUL, ESC…)".into(),
        );
    }
    Ok(())
}

/// Whether a Content-Type is JSON: `application/json` or a `+json` type such as
/// `application/ld+json`, in any case, parameters aside (not `application/jsonx`).
pub fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    let essence = essence.to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

impl Publish {
    /// The fields given as query parameters (`topic`, `event`, `id`, `retry`).
    pub fn from_query(query: Query) -> Result<Publish, String> {
        let retry = match query.first("retry") {
            None => None,
            Some(r) => Some(
                r.parse::<u64>()
                    .map_err(|_| format!("retry={r:?} is not a number of milliseconds"))?,
            ),
        };
        Ok(Publish {
            topic: query.first("topic").unwrap_or_default(),
            event: query.first("event").unwrap_or_default(),
            data: String::new(),
            id: query.first("id"),
            retry,
        })
    }
}

/// An event object's fields, each as its JSON text, borrowed from the body (a 1 MiB body is
/// not copied again).
pub type Fields<'a> = BTreeMap<String, &'a RawValue>;

const EXPECTED_OBJECT: &str =
    "expected an object {\"data\": …} (with optional topic, event, id, retry)";

/// Events from a JSON object or an array of them; fields missing fall back to `defaults`.
pub fn events_from_json(json: &RawValue, defaults: &Publish) -> Result<Vec<Publish>, String> {
    if !json.get().starts_with('[') {
        return Ok(vec![event_from_json(json, defaults)?]);
    }
    let items: Vec<&RawValue> =
        serde_json::from_str(json.get()).map_err(|e| format!("not JSON: {e}"))?;
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| event_from_json(v, defaults).map_err(|e| format!("event {i}: {e}")))
        .collect()
}

/// One event from a JSON object `{"topic"?, "event"?, "data", "id"?, "retry"?}`.
pub fn event_from_json(json: &RawValue, defaults: &Publish) -> Result<Publish, String> {
    if !json.get().starts_with('{') {
        return Err(EXPECTED_OBJECT.into());
    }
    let fields: Fields = serde_json::from_str(json.get()).map_err(|e| format!("not JSON: {e}"))?;
    event_from_fields(fields, defaults)
}

/// One event from an object's fields. A `data` that is not a string is sent as its JSON text
/// without the spaces between tokens; a number `id` is sent as written.
pub fn event_from_fields(fields: Fields<'_>, defaults: &Publish) -> Result<Publish, String> {
    let mut p = Publish {
        data: String::new(),
        ..defaults.clone()
    };
    let mut has_data = false;
    for (key, v) in fields {
        let v = v.get();
        let text = || {
            serde_json::from_str::<String>(v)
                .map_err(|_| format!("\"{key}\" must be a string, not {}", clip(&compact(v))))
        };
        match key.as_str() {
            "data" => {
                has_data = true;
                p.data = match serde_json::from_str::<String>(v) {
                    Ok(s) => s,
                    Err(_) => compact(v),
                };
            }
            "topic" => p.topic = text()?,
            "event" => p.event = text()?,
            "id" if v.starts_with(['-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']) => {
                p.id = Some(v.to_owned());
            }
            "id" => p.id = Some(text()?),
            "retry" => {
                p.retry = Some(
                    serde_json::from_str::<u64>(v)
                        .map_err(|_| "\"retry\" must be a whole number of milliseconds")?,
                );
            }
            other => {
                return Err(format!(
                    "unknown field \"{other}\" (expected topic, event, data, id, retry)"
                ));
            }
        }
    }
    if !has_data {
        return Err("missing \"data\"".into());
    }
    Ok(p)
}

/// JSON text without the whitespace between tokens; strings are kept as written.
fn compact(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            out.push(c);
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            in_string = c == '"';
            out.push(c);
        }
    }
    out
}

/// At most 40 characters of `text`, for an error message.
fn clip(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Rejects what cannot go on the wire.
pub fn validate(events: Vec<Publish>) -> Result<Vec<Publish>, String> {
    if events.is_empty() {
        return Err("nothing to publish: the array is empty".into());
    }
    for p in &events {
        if p.topic == "*" {
            return Err("cannot publish to topic \"*\"; name a topic".into());
        }
        if !p.topic.is_empty() {
            check_topic(&p.topic)?;
        }
        if p.event.contains(['\r', '\n']) {
            return Err("an event type cannot contain a line break".into());
        }
        if p.event.len() > MAX_EVENT_LEN {
            return Err(format!("an event type is at most {MAX_EVENT_LEN} bytes"));
        }
        if let Some(id) = &p.id {
            if id.contains(['\r', '\n', '\0']) {
                return Err("an id cannot contain a line break or NUL".into());
            }
            if id.len() > MAX_ID_LEN {
                return Err(format!("an id is at most {MAX_ID_LEN} bytes"));
            }
        }
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> Box<RawValue> {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn json_events_take_defaults_and_compact_non_string_data() {
        let defaults = Publish {
            topic: "t".into(),
            ..Publish::default()
        };
        let v =
            json(r#"[{"data": {"a": [1, 2], "s": "x y"}}, {"data": "x", "id": 7, "event": "e"}]"#);
        let events = events_from_json(&v, &defaults).unwrap();
        assert_eq!(events[0].data, r#"{"a":[1,2],"s":"x y"}"#);
        assert_eq!(events[0].topic, "t");
        assert_eq!(events[1].id.as_deref(), Some("7"));
        assert_eq!(events[1].event, "e");
    }

    #[test]
    fn json_numbers_keep_their_text() {
        let d = Publish::default();
        let big = "123456789012345678901234567890";
        let v = json(&format!(
            r#"{{"id": {big}, "data": [{big}, -0.10, 1E400]}}"#
        ));
        let p = event_from_json(&v, &d).unwrap();
        assert_eq!(p.id.as_deref(), Some(big));
        assert_eq!(p.data, format!("[{big},-0.10,1E400]"));
    }

    #[test]
    fn json_events_reject_typos_and_missing_data() {
        let d = Publish::default();
        let err = event_from_json(&json(r#"{"dta": "x"}"#), &d).unwrap_err();
        assert!(err.contains("unknown field \"dta\""), "{err}");
        let err = event_from_json(&json(r#"{"event": "x"}"#), &d).unwrap_err();
        assert!(err.contains("missing \"data\""), "{err}");
        let err = events_from_json(&json(r#"[{"data": 1}, 3]"#), &d).unwrap_err();
        assert!(err.starts_with("event 1:"), "{err}");
        let err = event_from_json(&json(r#"{"data": 1, "event": [1, 2]}"#), &d).unwrap_err();
        assert_eq!(err, "\"event\" must be a string, not [1,2]");
    }

    #[test]
    fn queries_decode_strictly_to_utf8() {
        let q = Query::parse(Some("a=1&b=x+y%21&c&&%61=%C3%A9&d=100%&e=%zz")).unwrap();
        assert_eq!(q.all("a").collect::<Vec<_>>(), ["1", "é"]);
        assert_eq!(q.first("b").as_deref(), Some("x y!"));
        assert_eq!(q.first("c").as_deref(), Some(""));
        assert_eq!(q.first("d").as_deref(), Some("100%"));
        assert_eq!(q.first("e").as_deref(), Some("%zz"));
        assert!(Query::parse(Some("topic=%FE")).is_err());
        assert!(Query::parse(Some("%FF=x")).is_err());
    }

    #[test]
    fn topics_are_counted_once_and_checked() {
        let text = "topic=a&".repeat(3000);
        let q = Query::parse(Some(&text)).unwrap();
        assert_eq!(topics(q), Ok(Topics::Some(vec![Arc::from("a")])));
        let many: String = (0..65).map(|i| format!("topic={i}&")).collect();
        assert!(topics(Query::parse(Some(&many)).unwrap()).is_err());
        assert!(topics(Query::parse(Some("topic=a%0Ab")).unwrap()).is_err());
        assert!(topics(Query::parse(Some("topic=*&topic=a%7F")).unwrap()).is_err());
        assert_eq!(
            topics(Query::parse(Some("topic=*&topic=a")).unwrap()),
            Ok(Topics::All)
        );
    }

    #[test]
    fn json_media_types_match_exactly() {
        for yes in [
            "application/json",
            "Application/JSON; charset=utf-8",
            " application/json ;x=y",
            "application/ld+json",
        ] {
            assert!(is_json(yes), "{yes}");
        }
        for no in [
            "application/jsonx",
            "application/json-seq",
            "text/json",
            "text/plain",
        ] {
            assert!(!is_json(no), "{no}");
        }
    }
}
