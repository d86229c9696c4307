//! What listen does with each response, and how long it waits before reconnecting. Pure
//! functions, so the rules are tested without a network.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap, LOCATION, RETRY_AFTER};

use crate::output::clipped;

/// What to do with a response, from its status and headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// 200 and an event stream: read it.
    Stream,
    /// 204: the server says stop; do not reconnect.
    Stop,
    /// 5xx or 429: try again, after `Retry-After` when the server gave one.
    Retry(Option<Duration>),
    /// 200 with another content type: fail, naming it.
    WrongType(String),
    /// Any other status: fail at once.
    Fail,
}

/// Classifies a response. `any_type` accepts any content type on a 200.
pub fn classify(status: StatusCode, headers: &HeaderMap, any_type: bool) -> Verdict {
    match status {
        StatusCode::OK => {
            let content_type = headers
                .get(CONTENT_TYPE)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            let is_sse = content_type.as_deref().is_some_and(|ct| {
                let essence = ct.split(';').next().unwrap_or("").trim();
                essence.eq_ignore_ascii_case("text/event-stream")
            });
            if is_sse || any_type {
                Verdict::Stream
            } else {
                Verdict::WrongType(content_type.unwrap_or_else(|| "none".to_owned()))
            }
        }
        StatusCode::NO_CONTENT => Verdict::Stop,
        StatusCode::TOO_MANY_REQUESTS => Verdict::Retry(retry_after(headers, SystemTime::now())),
        s if s.is_server_error() => Verdict::Retry(retry_after(headers, SystemTime::now())),
        _ => Verdict::Fail,
    }
}

/// Why a redirect reached listen unfollowed, for the error: the redirect policy follows 301,
/// 302, 303, 307 and 308 whenever their `Location` resolves to a URL, so one of those arriving
/// here had no `Location`, or one that is no URL. `None` for any other status.
pub fn unfollowed_redirect(status: StatusCode, headers: &HeaderMap) -> Option<String> {
    if !matches!(status.as_u16(), 301..=303 | 307 | 308) {
        return None;
    }
    Some(match headers.get(LOCATION) {
        None => " with no Location".to_owned(),
        Some(value) => format!(
            " with a Location that is not a URL: {}",
            clipped(&String::from_utf8_lossy(value.as_bytes()), 200)
        ),
    })
}

/// `Retry-After`: delay-seconds or an HTTP date.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The shortest wait between two failed attempts in a row, whatever the server or the flags ask
/// for: a server that answers `retry: 0` or `Retry-After: 0` to every request, or a URL that
/// refuses at once, must not turn a client into a request storm.
pub const BACKOFF_FLOOR: Duration = Duration::from_millis(100);

/// The reconnect timing rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// `--retry-delay`: the delay when the server sent no `retry:` (nor `Retry-After`).
    pub retry_delay: Duration,
    /// `--max-delay`: the cap on every wait, the server's included.
    pub max_delay: Duration,
}

impl Backoff {
    /// The delay before attempt number `failures` in a row, given the delay the server asked for
    /// (`Retry-After` on this response, else its last `retry:`). `failures` is 1 for the first
    /// reconnect after a connection that delivered events: that one waits exactly the asked
    /// delay, 0 included. Later ones start from at least [`BACKOFF_FLOOR`] and double, with
    /// jitter (a random point in the upper half), never below the floor. `max_delay` caps every
    /// wait, the server's too, but never below the floor for a repeated failure.
    pub fn delay(&self, failures: u32, server: Option<Duration>) -> Duration {
        let asked = server.unwrap_or(self.retry_delay).min(self.max_delay);
        if failures <= 1 {
            return asked;
        }
        let cap = self.max_delay.max(BACKOFF_FLOOR);
        let base = asked.max(BACKOFF_FLOOR);
        let exp = failures.saturating_sub(1).min(20);
        let full = base.saturating_mul(1 << exp).min(cap);
        let half = full / 2;
        (half + half.mul_f64(fastrand::f64())).max(BACKOFF_FLOOR)
    }
}

/// The wait before the next connection, given the `delay` the rules chose and how long ago the
/// last connection started: connections start at least [`BACKOFF_FLOOR`] apart, so at most 10
/// a second. A reconnect after a connection that delivered events honours `retry: 0` (the
/// [`Backoff::delay`] rule) yet a server that sends one event and closes, every time, gets
/// 10 requests a second, not one per round trip.
pub fn paced(delay: Duration, since_start: Duration) -> Duration {
    delay.max(BACKOFF_FLOOR.saturating_sub(since_start))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn statuses_and_content_types() {
        let sse = headers(&[("content-type", "text/event-stream; charset=utf-8")]);
        let html = headers(&[("content-type", "text/html")]);
        assert_eq!(classify(StatusCode::OK, &sse, false), Verdict::Stream);
        assert_eq!(
            classify(
                StatusCode::OK,
                &headers(&[("content-type", "Text/Event-Stream")]),
                false
            ),
            Verdict::Stream
        );
        assert_eq!(
            classify(StatusCode::OK, &html, false),
            Verdict::WrongType("text/html".into())
        );
        assert_eq!(
            classify(StatusCode::OK, &HeaderMap::new(), false),
            Verdict::WrongType("none".into())
        );
        assert_eq!(classify(StatusCode::OK, &html, true), Verdict::Stream);
        assert_eq!(classify(StatusCode::NO_CONTENT, &sse, false), Verdict::Stop);
        assert_eq!(
            classify(StatusCode::SERVICE_UNAVAILABLE, &HeaderMap::new(), false),
            Verdict::Retry(None)
        );
        assert_eq!(
            classify(
                StatusCode::TOO_MANY_REQUESTS,
                &headers(&[("retry-after", "7")]),
                false
            ),
            Verdict::Retry(Some(Duration::from_secs(7)))
        );
        for status in [
            StatusCode::NOT_FOUND,
            StatusCode::UNAUTHORIZED,
            StatusCode::CREATED,
        ] {
            assert_eq!(classify(status, &sse, false), Verdict::Fail, "{status}");
        }
    }

    #[test]
    fn retry_after_as_seconds_or_date() {
        let now = httpdate::parse_http_date("Sun, 22 Nov 2026 03:00:00 GMT").unwrap();
        let date = headers(&[("retry-after", "Sun, 22 Nov 2026 03:00:05 GMT")]);
        assert_eq!(retry_after(&date, now), Some(Duration::from_secs(5)));
        let past = headers(&[("retry-after", "Sun, 22 Nov 2026 02:00:00 GMT")]);
        assert_eq!(retry_after(&past, now), Some(Duration::ZERO));
        assert_eq!(retry_after(&headers(&[("retry-after", "soon")]), now), None);
    }

    #[test]
    fn backoff_starts_at_the_base_then_doubles_with_jitter_up_to_the_cap() {
        let b = Backoff {
            retry_delay: Duration::from_secs(3),
            max_delay: Duration::from_secs(30),
        };
        assert_eq!(b.delay(1, None), Duration::from_secs(3));
        assert_eq!(
            b.delay(1, Some(Duration::from_millis(300))),
            Duration::from_millis(300)
        );
        for _ in 0..100 {
            let d = b.delay(2, None);
            assert!(
                d >= Duration::from_secs(3) && d <= Duration::from_secs(6),
                "{d:?}"
            );
            let d = b.delay(10, None);
            assert!(
                d >= Duration::from_secs(15) && d <= Duration::from_secs(30),
                "{d:?}"
            );
        }
    }

    #[test]
    fn max_delay_caps_the_server_too() {
        let b = Backoff {
            retry_delay: Duration::from_secs(3),
            max_delay: Duration::from_secs(30),
        };
        let huge = Some(Duration::from_millis(u64::MAX));
        assert_eq!(b.delay(1, huge), Duration::from_secs(30));
        for n in 2..40 {
            assert!(b.delay(n, huge) <= Duration::from_secs(30));
        }
    }

    #[test]
    fn a_zero_delay_is_honoured_once_then_failures_back_off_from_the_floor() {
        let b = Backoff {
            retry_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
        };
        let zero = Some(Duration::ZERO);
        assert_eq!(b.delay(1, zero), Duration::ZERO);
        for n in 2..40 {
            assert_eq!(b.delay(n, zero), BACKOFF_FLOOR, "failure {n}");
        }
        let b = Backoff {
            retry_delay: Duration::from_secs(3),
            max_delay: Duration::from_secs(30),
        };
        for _ in 0..100 {
            let d = b.delay(2, zero);
            assert!(d >= BACKOFF_FLOOR && d <= 2 * BACKOFF_FLOOR, "{d:?}");
            let d = b.delay(12, zero);
            assert!(d >= Duration::from_secs(15), "{d:?}");
        }
    }

    #[test]
    fn connections_start_at_least_the_floor_apart() {
        let zero = Duration::ZERO;
        assert_eq!(paced(zero, zero), BACKOFF_FLOOR);
        assert_eq!(
            paced(zero, Duration::from_millis(30)),
            Duration::from_millis(70)
        );
        assert_eq!(paced(zero, Duration::from_secs(5)), zero);
        let asked = Duration::from_millis(250);
        assert_eq!(paced(asked, zero), asked);
    }

    #[test]
    fn an_unfollowed_redirect_names_its_location() {
        let none = HeaderMap::new();
        let bad = headers(&[("location", "http://[::1")]);
        assert_eq!(
            unfollowed_redirect(StatusCode::FOUND, &none).as_deref(),
            Some(" with no Location")
        );
        assert_eq!(
            unfollowed_redirect(StatusCode::PERMANENT_REDIRECT, &bad).as_deref(),
            Some(" with a Location that is not a URL: http://[::1")
        );
        assert_eq!(unfollowed_redirect(StatusCode::NOT_MODIFIED, &none), None);
        assert_eq!(unfollowed_redirect(StatusCode::NOT_FOUND, &none), None);
    }
}
