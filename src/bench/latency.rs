//! Delivery latency: the send timestamp inside an event's data, found by a JSON pointer.
//!
//! The pointer is followed while the data is deserialized, skipping everything else, so finding
//! `/ts_ms` in a small JSON object allocates nothing and reads each byte once: cheap enough to
//! run on every event at a million events a second.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::cli::LatencyUnit;

/// Where the timestamp is and what unit it is in.
#[derive(Debug, Clone)]
pub struct LatencyField {
    /// The pointer as given.
    pointer: String,
    /// The pointer's reference tokens, unescaped (`~1` → `/`, `~0` → `~`).
    tokens: Vec<String>,
    /// The unit; `None` detects it by magnitude.
    unit: Option<LatencyUnit>,
}

/// Epoch microseconds at and above this are read as µs, below as ms (1e14 µs is 1973; 1e14 ms
/// is the year 5138).
const US_THRESHOLD: f64 = 1e14;

impl LatencyField {
    /// Parses a JSON pointer (RFC 6901): empty, or `/`-separated tokens.
    pub fn new(pointer: &str, unit: Option<LatencyUnit>) -> Result<Self, String> {
        if pointer.is_empty() {
            return Ok(LatencyField {
                pointer: String::new(),
                tokens: Vec::new(),
                unit,
            });
        }
        let Some(rest) = pointer.strip_prefix('/') else {
            return Err(format!(
                "--latency-field {pointer:?} is not a JSON pointer (it starts with /, e.g. /ts_ms)"
            ));
        };
        let tokens = rest
            .split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect();
        Ok(LatencyField {
            pointer: pointer.to_owned(),
            tokens,
            unit,
        })
    }

    /// The pointer as given.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// The timestamp in `data`, in epoch microseconds; `None` when the data is not JSON or
    /// has no positive number there.
    pub fn timestamp_us(&self, data: &str) -> Option<f64> {
        self.timestamp(data).map(|(us, _)| us)
    }

    /// The timestamp in `data` and its resolution, both in microseconds (1,000 for a timestamp
    /// in ms: it may have been rounded up to the next millisecond).
    fn timestamp(&self, data: &str) -> Option<(f64, f64)> {
        let mut de = serde_json::Deserializer::from_str(data);
        let value = Seek {
            tokens: &self.tokens,
        }
        .deserialize(&mut de)
        .ok()??;
        if !value.is_finite() || value <= 0.0 {
            return None;
        }
        Some(match self.unit {
            Some(LatencyUnit::Ms) => (value * 1000.0, 1000.0),
            Some(LatencyUnit::Us) => (value, 1.0),
            None if value >= US_THRESHOLD => (value, 1.0),
            None => (value * 1000.0, 1000.0),
        })
    }

    /// What the timestamp in `data` says about its delivery at `now`. A timestamp ahead of
    /// `now` by less than its resolution is a delivery within it (0 µs); further ahead, the
    /// clocks disagree or the unit is wrong, and it is no latency at all.
    pub fn sample(&self, data: &str, now: SystemTime) -> Sample {
        let Some((sent, resolution)) = self.timestamp(data) else {
            return Sample::Missing;
        };
        let Ok(now) = now.duration_since(UNIX_EPOCH) else {
            return Sample::Missing;
        };
        let late = now.as_micros() as f64 - sent;
        if late <= -resolution {
            Sample::Future
        } else {
            // A float cast saturates: a timestamp from 1970 is u64::MAX µs late, not negative.
            Sample::Latency(late.max(0.0) as u64)
        }
    }
}

/// What an event's timestamp says about its delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sample {
    /// Received this many microseconds after it was sent.
    Latency(u64),
    /// Stamped later than it was received: clock skew between sender and bench, or the wrong
    /// `--latency-unit`.
    Future,
    /// No usable timestamp at the field.
    Missing,
}

/// Follows the remaining `tokens`; yields the number at the end, if there is one.
struct Seek<'p> {
    tokens: &'p [String],
}

impl<'de> DeserializeSeed<'de> for Seek<'_> {
    type Value = Option<f64>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seek<'_> {
    type Value = Option<f64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(self.tokens.is_empty().then_some(v as f64))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(self.tokens.is_empty().then_some(v as f64))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(self.tokens.is_empty().then_some(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        // A timestamp sent as a string of digits counts too.
        Ok(if self.tokens.is_empty() {
            v.trim().parse::<f64>().ok()
        } else {
            None
        })
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        let wanted = self.tokens.first().map(String::as_str);
        while let Some(matches) = map.next_key_seed(KeyIs(wanted))? {
            if matches && found.is_none() {
                found = map.next_value_seed(Seek {
                    tokens: &self.tokens[1..],
                })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let index = self.tokens.first().and_then(|t| t.parse::<usize>().ok());
        let mut found = None;
        let mut i = 0;
        loop {
            if Some(i) == index {
                match seq.next_element_seed(Seek {
                    tokens: &self.tokens[1..],
                })? {
                    Some(v) => found = v,
                    None => break,
                }
            } else if seq.next_element::<IgnoredAny>()?.is_none() {
                break;
            }
            i += 1;
        }
        Ok(found)
    }
}

/// Compares a map key with the wanted token without allocating it.
struct KeyIs<'p>(Option<&'p str>);

impl<'de> DeserializeSeed<'de> for KeyIs<'_> {
    type Value = bool;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeyIs<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        Ok(self.0 == Some(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn pointers_find_numbers_and_nothing_else() {
        let f = LatencyField::new("/ts_ms", None).unwrap();
        assert_eq!(
            f.timestamp_us(r#"{"n":1,"ts_ms":1700000000000}"#),
            Some(1.7e15)
        );
        assert_eq!(
            f.timestamp_us(r#"{"x":{"ts_ms":5},"ts_ms":"1700000000000"}"#),
            Some(1.7e15)
        );
        assert_eq!(f.timestamp_us(r#"{"ts_ms":true}"#), None);
        assert_eq!(f.timestamp_us("not json"), None);
        assert_eq!(f.timestamp_us(r#"{"other":1}"#), None);
        let nested = LatencyField::new("/meta/sent~1at/1", Some(LatencyUnit::Us)).unwrap();
        assert_eq!(
            nested.timestamp_us(r#"{"meta":{"sent/at":[9, 1700000000000123]}}"#),
            Some(1700000000000123.0)
        );
        assert!(
            LatencyField::new("ts_ms", None)
                .unwrap_err()
                .contains("JSON pointer")
        );
    }

    #[test]
    fn units_are_detected_by_magnitude_unless_given() {
        let f = LatencyField::new("/t", None).unwrap();
        assert_eq!(f.timestamp_us(r#"{"t":1700000000000000}"#), Some(1.7e15));
        assert_eq!(f.timestamp_us(r#"{"t":1700000000000}"#), Some(1.7e15));
        let ms = LatencyField::new("/t", Some(LatencyUnit::Ms)).unwrap();
        assert_eq!(ms.timestamp_us(r#"{"t":2}"#), Some(2000.0));
        let now = UNIX_EPOCH + Duration::from_micros(1_700_000_000_250_000);
        assert_eq!(
            f.sample(r#"{"t":1700000000000}"#, now),
            Sample::Latency(250_000)
        );
    }

    #[test]
    fn timestamps_ahead_of_the_clock_are_no_latency() {
        let now = UNIX_EPOCH + Duration::from_micros(1_700_000_000_000_500);
        let f = LatencyField::new("/t", None).unwrap();
        // Up to a millisecond ahead is a millisecond timestamp rounded up.
        assert_eq!(f.sample(r#"{"t":1700000000001}"#, now), Sample::Latency(0));
        assert_eq!(f.sample(r#"{"t":1700000000002}"#, now), Sample::Future);
        assert_eq!(f.sample(r#"{"t":1700000000000501}"#, now), Sample::Future);
        assert_eq!(f.sample(r#"{"t":1e308}"#, now), Sample::Future);
        assert_eq!(f.sample(r#"{"t":"1e999"}"#, now), Sample::Missing);
        assert_eq!(f.sample(r#"{"t":"NaN"}"#, now), Sample::Missing);
        assert_eq!(f.sample(r#"{"t":-5}"#, now), Sample::Missing);
        assert_eq!(f.sample(r#"{"t":"soon"}"#, now), Sample::Missing);
        // One millisecond after the epoch: 54 years late, for the histogram to clamp.
        let ms = LatencyField::new("/t", Some(LatencyUnit::Ms)).unwrap();
        assert_eq!(
            ms.sample(r#"{"t":1}"#, now),
            Sample::Latency(1_699_999_999_999_500)
        );
    }
}
