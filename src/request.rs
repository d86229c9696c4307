//! The request: what `listen` (and later `bench`) send. One builder for both, so they accept
//! the same flags and send the same bytes.
//!
//! Always `Accept: text/event-stream` and `Cache-Control: no-cache` (unless the user set those
//! headers), `Last-Event-ID` when the caller has one, and the same body on every attempt.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use reqwest::header::{
    ACCEPT, CACHE_CONTROL, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, USER_AGENT,
};
use reqwest::{Method, Url};

use crate::cli::RequestArgs;
use crate::exit::UsageError;
use crate::input::{read_bounded, read_file_bounded};
use crate::output::shown;

/// A header from `-H 'Name: value'`.
pub type Header = (HeaderName, HeaderValue);

/// Parses `Name: value` (the value may be empty).
pub fn parse_header(text: &str) -> Result<Header, String> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| format!("expected 'Name: value', got '{text}'"))?;
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| format!("invalid header name '{}'", name.trim()))?;
    let value = HeaderValue::from_str(value.trim())
        .map_err(|_| format!("invalid value for header '{name}'"))?;
    Ok((name, value))
}

/// Whether `id` can be sent back as a `Last-Event-ID` header. The parser never yields NUL, CR
/// or LF in an ID, but an HTTP field value cannot carry the other control characters either
/// (RFC 9110 §5.5: tab is the one allowed; DEL is not), so an ID with one cannot resume a
/// stream: the caller reconnects without it and says so.
pub fn resumable(id: &str) -> bool {
    HeaderValue::from_str(id).is_ok()
}

/// Parses `--last-event-id`: an ID that HTTP can carry (see [`resumable`]).
pub fn parse_last_event_id(text: &str) -> Result<String, String> {
    if resumable(text) {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "{} has a control character, which an HTTP header cannot carry",
            shown(text)
        ))
    }
}

/// Parses an http or https URL.
pub fn parse_url(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("{e} (expected e.g. http://host/events)"))?;
    match url.scheme() {
        "http" | "https" if url.has_host() => Ok(url),
        "http" | "https" => Err("the URL has no host".to_owned()),
        other => Err(format!("unsupported scheme '{other}' (use http or https)")),
    }
}

/// Authentication, from `-u` or `--bearer`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// `-u USER:PASS`.
    Basic { user: String, password: String },
    /// `--bearer TOKEN` or `SSECAT_BEARER`.
    Bearer(String),
}

/// Everything needed to open the stream, decided once from the flags.
#[derive(Debug, Clone)]
pub struct RequestSpec {
    /// Where.
    pub url: Url,
    /// GET, or POST when there is a body, unless `-X` says otherwise.
    pub method: Method,
    /// The user's headers, after the defaults (so they can replace them).
    pub headers: HeaderMap,
    /// The body, re-sent on every attempt.
    pub body: Option<Bytes>,
    /// Authentication, if any.
    pub auth: Option<Auth>,
    /// Accept invalid certificates.
    pub insecure: bool,
    /// Extra trusted CA certificates, from `--cacert`.
    pub cacerts: Vec<reqwest::Certificate>,
    /// The same certificates as DER, for bench's own rustls connections.
    pub cacerts_der: Vec<rustls::pki_types::CertificateDer<'static>>,
    /// Connection attempt time limit.
    pub connect_timeout: Duration,
}

impl RequestSpec {
    /// Turns the flags into a spec: reads the body (`@FILE`, `@-`) and the CA file now, so
    /// their errors come before any connection.
    pub fn from_args(args: &RequestArgs) -> anyhow::Result<Self> {
        let (body, json) = match (&args.data, &args.json_body) {
            (Some(data), _) => (Some(read_body(data)?), false),
            (None, Some(data)) => (Some(read_body(data)?), true),
            (None, None) => (None, false),
        };
        let method = match &args.method {
            Some(m) => Method::from_bytes(m.to_ascii_uppercase().as_bytes())
                .map_err(|_| UsageError(format!("invalid method '{m}'")))?,
            None if body.is_some() => Method::POST,
            None => Method::GET,
        };
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("text/event-stream"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("ssecat/", env!("CARGO_PKG_VERSION"))),
        );
        if json {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        let mut replaced = Vec::new();
        for (name, value) in &args.headers {
            // A user header replaces a default of the same name; repeated -H add values.
            if !replaced.contains(name) {
                headers.remove(name);
                replaced.push(name.clone());
            }
            headers.append(name.clone(), value.clone());
        }
        let auth = match (&args.user, &args.bearer) {
            (Some(user), _) => {
                let (user, password) = user.split_once(':').unwrap_or((user, ""));
                Some(Auth::Basic {
                    user: user.to_owned(),
                    password: password.to_owned(),
                })
            }
            (None, Some(token)) => Some(Auth::Bearer(token.clone())),
            (None, None) => None,
        };
        let (cacerts, cacerts_der) = match &args.cacert {
            Some(path) => read_cacerts(path)?,
            None => (Vec::new(), Vec::new()),
        };
        Ok(RequestSpec {
            url: args
                .url
                .clone()
                .ok_or_else(|| UsageError("a URL is needed".into()))?,
            method,
            headers,
            body,
            auth,
            insecure: args.insecure,
            cacerts,
            cacerts_der,
            connect_timeout: args.connect_timeout,
        })
    }

    /// An HTTP client for this spec: rustls, HTTP/2 by ALPN, gzip, proxies from the
    /// environment, at most [`MAX_REDIRECTS`] redirects ([`redirect_policy`]), no overall
    /// timeout (streams are long).
    ///
    /// Like curl: no `Referer` (after a cross-origin redirect it would hand the original URL,
    /// query token included, to the other host), and reqwest drops `Authorization` (from `-u`,
    /// `--bearer`, `-H` or the URL's user:password), `Cookie` and `Proxy-Authorization` on a
    /// redirect to another host or port; other `-H` headers follow. No connection is kept idle
    /// for reuse: a connection the server closed without `Connection: close` would otherwise be
    /// reused by the next redirect or reconnect and fail as a reset.
    pub fn client(&self) -> anyhow::Result<reqwest::Client> {
        let mut builder = reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .redirect(redirect_policy(&self.method))
            .referer(false)
            .pool_max_idle_per_host(0)
            .danger_accept_invalid_certs(self.insecure)
            .tcp_nodelay(true);
        for cert in &self.cacerts {
            builder = builder.add_root_certificate(cert.clone());
        }
        builder.build().context("cannot set up the HTTP client")
    }

    /// The request for one attempt, with `Last-Event-ID` when `last_event_id` is not empty
    /// (and [`resumable`]: the caller checks, to say why it resumes without it).
    pub fn request(
        &self,
        client: &reqwest::Client,
        last_event_id: &str,
    ) -> reqwest::RequestBuilder {
        let mut req = client
            .request(self.method.clone(), self.url.clone())
            .headers(self.headers.clone());
        if !last_event_id.is_empty() {
            req = req.header("Last-Event-ID", last_event_id);
        }
        req = match &self.auth {
            Some(Auth::Basic { user, password }) => req.basic_auth(user, Some(password)),
            Some(Auth::Bearer(token)) => req.bearer_auth(token),
            None => req,
        };
        if let Some(body) = &self.body {
            req = req.body(body.clone());
        }
        req
    }
}

/// The longest redirect chain followed (reqwest's default; curl's is 50).
pub const MAX_REDIRECTS: usize = 10;

/// Follows at most [`MAX_REDIRECTS`] redirects, and none back to the URL just requested: an
/// empty `Location` resolves to that URL, so without this check a server answering
/// `302` + `Location:` (empty) would be asked 10 times and reported as a redirect loop, its
/// cause unnamed. A redirect to itself that turns a POST into a GET (301, 302, 303) is the
/// post/redirect/get pattern and is followed.
fn redirect_policy(method: &Method) -> reqwest::redirect::Policy {
    let may_become_get = !matches!(*method, Method::GET | Method::HEAD);
    let limit = reqwest::redirect::Policy::limited(MAX_REDIRECTS);
    reqwest::redirect::Policy::custom(move |attempt| {
        let status = attempt.status();
        let to_itself = attempt.previous().last() == Some(attempt.url());
        let becomes_get = may_become_get && matches!(status.as_u16(), 301..=303);
        if to_itself && !becomes_get {
            attempt.error(format!(
                "{status} with an empty Location, or one naming the URL just requested: a redirect loop"
            ))
        } else {
            limit.redirect(attempt)
        }
    })
}

#[cfg(test)]
impl RequestSpec {
    /// A GET of `url` with no headers, body, authentication or CA files, for unit tests.
    pub(crate) fn get(url: &str) -> RequestSpec {
        RequestSpec {
            url: url.parse().expect("a URL"),
            method: reqwest::Method::GET,
            headers: HeaderMap::new(),
            body: None,
            auth: None,
            insecure: false,
            cacerts: Vec::new(),
            cacerts_der: Vec::new(),
            connect_timeout: std::time::Duration::from_secs(1),
        }
    }
}

impl RequestSpec {
    /// The same request for a plain hyper HTTP/1.1 connection (bench): origin-form URI, a
    /// `Host` header, the headers, authentication and body of [`RequestSpec::request`].
    pub fn http1_request(
        &self,
        last_event_id: &str,
    ) -> anyhow::Result<hyper::Request<http_body_util::Full<Bytes>>> {
        use base64::Engine as _;
        let path = match self.url.query() {
            Some(q) => format!("{}?{q}", self.url.path()),
            None => self.url.path().to_owned(),
        };
        let host = match (self.url.host_str(), self.url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => anyhow::bail!("the URL has no host"),
        };
        let mut req = hyper::Request::builder()
            .method(self.method.clone())
            .uri(path)
            .header(reqwest::header::HOST, host)
            .body(http_body_util::Full::new(
                self.body.clone().unwrap_or_default(),
            ))
            .context("cannot build the request")?;
        let headers = req.headers_mut();
        // A user's Host replaces the URL's (two Host lines are a 400 by RFC 9112 §3.2).
        if self.headers.contains_key(reqwest::header::HOST) {
            headers.remove(reqwest::header::HOST);
        }
        for (name, value) in &self.headers {
            headers.append(name.clone(), value.clone());
        }
        if !last_event_id.is_empty() {
            headers.insert(
                "last-event-id",
                HeaderValue::from_str(last_event_id)
                    .context("the Last-Event-ID is not a valid header value")?,
            );
        }
        let auth = match &self.auth {
            Some(Auth::Basic { user, password }) => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            )),
            Some(Auth::Bearer(token)) => Some(format!("Bearer {token}")),
            None => None,
        };
        if let Some(auth) = auth {
            let mut value = HeaderValue::from_str(&auth).context("invalid credentials")?;
            value.set_sensitive(true);
            headers.insert(reqwest::header::AUTHORIZATION, value);
        }
        Ok(req)
    }
}

/// The certificates in a PEM file (for reqwest, and as DER for rustls); a file with none is an
/// error, not a silent no-op.
/// The largest `--cacert` file read: a CA bundle is a few hundred KiB (Mozilla's whole set is
/// about 220 KiB), so 16 MiB is generous, and `/dev/zero` given by mistake is an error.
pub const MAX_CACERT_FILE: u64 = 16 << 20;

fn read_cacerts(
    path: &Path,
) -> anyhow::Result<(
    Vec<reqwest::Certificate>,
    Vec<rustls::pki_types::CertificateDer<'static>>,
)> {
    use rustls::pki_types::pem::PemObject as _;
    let pem = read_file_bounded(
        path,
        MAX_CACERT_FILE,
        &format!("--cacert {}", path.display()),
    )?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .with_context(|| format!("--cacert {}: not a valid PEM file", path.display()))?;
    if certs.is_empty() {
        anyhow::bail!(
            "--cacert {}: no PEM certificate in it (expected -----BEGIN CERTIFICATE-----)",
            path.display()
        );
    }
    let der = rustls::pki_types::CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("--cacert {}: not a valid PEM file", path.display()))?;
    Ok((certs, der))
}

/// The largest request body read from a file or stdin: the body is held in memory and re-sent
/// on every attempt, so `-d @/dev/zero` must end in an error, not in all the memory there is.
/// (An API request with images is a few MiB; Anthropic's limit is 32 MB.)
pub const MAX_BODY: u64 = 64 * 1024 * 1024;

/// `-d` syntax: a literal string, `@FILE`, or `@-` for stdin; at most [`MAX_BODY`] bytes.
fn read_body(spec: &str) -> anyhow::Result<Bytes> {
    let body = match spec.strip_prefix('@') {
        Some("-") => read_bounded(std::io::stdin(), MAX_BODY, "the request body from stdin")?,
        Some(path) => read_file_bounded(
            Path::new(path),
            MAX_BODY,
            &format!("the request body from {path}"),
        )?,
        None => return Ok(Bytes::copy_from_slice(spec.as_bytes())),
    };
    Ok(body.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_parse_and_reject_clearly() {
        let (name, value) = parse_header("X-Test:  a b ").unwrap();
        assert_eq!((name.as_str(), value.to_str().unwrap()), ("x-test", "a b"));
        assert!(parse_header("X-Empty:").is_ok());
        assert!(parse_header("nocolon").unwrap_err().contains("Name: value"));
        assert!(
            parse_header("bad name: x")
                .unwrap_err()
                .contains("invalid header name")
        );
    }

    #[test]
    fn urls_must_be_http_with_a_host() {
        assert!(parse_url("http://127.0.0.1:8080/events").is_ok());
        assert!(parse_url("https://example.com").is_ok());
        assert!(
            parse_url("ftp://x")
                .unwrap_err()
                .contains("unsupported scheme 'ftp'")
        );
        assert!(parse_url("notaurl").is_err());
        assert!(parse_url("http://").is_err());
    }
}
