//! An HTTPS test server (hyper 1 behind tokio-rustls, ring) on 127.0.0.1 port 0 and its own
//! runtime thread, stopped when dropped. Its certificate is made at test time: a throwaway CA
//! signs a leaf for `127.0.0.1` and `localhost`. It answers every request with [`BODY`] (two
//! events), offers ALPN `h2` and `http/1.1`, and records each request's HTTP version and the
//! ALPN protocol its connection negotiated.

#![allow(dead_code)]

use std::convert::Infallible;
use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
};
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{ServerConfig, crypto::ring};

use super::ServerThread;

/// What the TLS server sends: two events, `a` (no id) and `b` (type `t`, id 1).
pub const BODY: &str = "data: a\n\nevent: t\nid: 1\ndata: b\n\n";

// ---------------------------------------------------------------------------------------------
// Certificates and the TLS server
// ---------------------------------------------------------------------------------------------

/// A CA (PEM, for `--cacert`) and the leaf it signed for 127.0.0.1 and localhost.
pub struct Pki {
    pub ca_pem: String,
    pub leaf: CertificateDer<'static>,
    pub leaf_key: Vec<u8>,
}

pub fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca.distinguished_name
            .push(DnType::CommonName, "ssecat test CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("CA key"))
            .expect("self-signed CA");
        let key = KeyPair::generate().expect("leaf key");
        let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("leaf params");
        leaf.distinguished_name
            .push(DnType::CommonName, "ssecat test server");
        let leaf = leaf.signed_by(&key, &ca).expect("leaf signed by the CA");
        Pki {
            ca_pem: ca.pem(),
            leaf: leaf.der().clone(),
            leaf_key: key.serialize_der(),
        }
    })
}

/// The CA certificate as a PEM file, and its path.
pub fn ca_file() -> (tempfile::NamedTempFile, String) {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(pki().ca_pem.as_bytes()).expect("write PEM");
    let path = file.path().to_str().expect("a UTF-8 temp path").to_owned();
    (file, path)
}

/// One request the TLS server answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The ALPN protocol of its connection (`h2`, `http/1.1`), if any.
    pub alpn: Option<String>,
    /// `HTTP/2.0`, `HTTP/1.1`, ...
    pub version: String,
}

/// The HTTPS server: answers every request with [`BODY`]; stops when dropped.
pub struct TlsServer {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    _thread: ServerThread,
}

impl TlsServer {
    pub fn start() -> TlsServer {
        let pki = pki();
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.leaf_key.clone()));
        let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(vec![pki.leaf.clone()], key)
            .expect("server certificate");
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let acceptor = TlsAcceptor::from(Arc::new(config));

        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("local address");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let state = seen.clone();
        let thread = ServerThread::spawn(format!("tls-server-{}", addr.port()), move |stop| {
            accept_loop(listener, acceptor, state, stop)
        });
        TlsServer {
            addr,
            seen,
            _thread: thread,
        }
    }

    /// `https://127.0.0.1:PORT/events`.
    pub fn url(&self) -> String {
        format!("https://{}/events", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    seen: Arc<Mutex<Vec<Seen>>>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
    loop {
        tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => {
                let Ok((tcp, _)) = accepted else { continue };
                let (acceptor, seen) = (acceptor.clone(), seen.clone());
                tokio::spawn(async move {
                    // A client that rejects the certificate ends here.
                    let Ok(tls) = acceptor.accept(tcp).await else { return };
                    let alpn = tls
                        .get_ref()
                        .1
                        .alpn_protocol()
                        .map(|p| String::from_utf8_lossy(p).into_owned());
                    let service = service_fn(move |req: hyper::Request<Incoming>| {
                        seen.lock().unwrap().push(Seen {
                            alpn: alpn.clone(),
                            version: format!("{:?}", req.version()),
                        });
                        let response = hyper::Response::builder()
                            .header("content-type", "text/event-stream")
                            .body(Full::new(Bytes::from_static(BODY.as_bytes())))
                            .expect("a valid response");
                        async move { Ok::<_, Infallible>(response) }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        }
    }
}
