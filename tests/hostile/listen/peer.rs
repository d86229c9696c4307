//! A raw TCP peer, for the bytes no HTTP library sends: a head that never comes or comes half, a
//! redirect on a connection closed without `Connection: close`, lying chunk sizes, resets. Each
//! accepted connection gets its own thread, which reads the request head and hands the
//! connection to the test's `answer`. Binds any loopback address (127.0.0.2 plays another host).

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::common::ms;

/// The largest request head the peer reads; the rest of a bigger one is left unread.
const HEAD_LIMIT: usize = 64 * 1024;

/// One accepted connection, its request head read.
pub struct Conn {
    /// 0-based order of acceptance.
    pub index: usize,
    /// The request head, lossily decoded, CRLFs included.
    pub head: String,
    stream: TcpStream,
    stop: Arc<AtomicBool>,
}

impl Conn {
    /// The request target of the head's first line (`/events?x=1`).
    pub fn target(&self) -> &str {
        self.head.split(' ').nth(1).unwrap_or("")
    }

    /// Writes these bytes; false once the client has gone.
    pub fn send(&mut self, bytes: &[u8]) -> bool {
        self.stream.write_all(bytes).is_ok() && self.stream.flush().is_ok()
    }

    /// Keeps the connection open, sending nothing, until the client closes it, the peer is
    /// dropped, or `max` has passed.
    pub fn hold(&mut self, max: Duration) {
        let deadline = Instant::now() + max;
        let _ = self.stream.set_read_timeout(Some(ms(20)));
        let mut buf = [0u8; 4096];
        while Instant::now() < deadline && !self.stop.load(Ordering::Relaxed) {
            match self.stream.read(&mut buf) {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => return,
            }
        }
    }

    /// Sends `bytes` one byte every `every`, until done or the client goes; then holds.
    pub fn drip(&mut self, bytes: &[u8], every: Duration) {
        for byte in bytes {
            if self.stop.load(Ordering::Relaxed) || !self.send(std::slice::from_ref(byte)) {
                return;
            }
            std::thread::sleep(every);
        }
        self.hold(Duration::from_secs(10));
    }

    /// Tears the connection down with a TCP reset (SO_LINGER 0), not a clean close.
    pub fn reset(self) {
        use std::os::fd::AsRawFd;
        let linger = libc::linger {
            l_onoff: 1,
            l_linger: 0,
        };
        // SAFETY: a valid socket descriptor and a correctly sized linger struct.
        unsafe {
            libc::setsockopt(
                self.stream.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_LINGER,
                (&linger as *const libc::linger).cast(),
                std::mem::size_of::<libc::linger>() as libc::socklen_t,
            );
        }
    }
}

/// The peer. Stops accepting (and tells held connections to end) when dropped.
pub struct Peer {
    addr: std::net::SocketAddr,
    accepted: Arc<AtomicUsize>,
    heads: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Peer {
    /// A peer on 127.0.0.1, port 0.
    pub fn start(answer: impl Fn(Conn) + Send + Sync + 'static) -> Peer {
        Peer::start_on("127.0.0.1", answer)
    }

    /// A peer on this loopback address, port 0.
    pub fn start_on(ip: &str, answer: impl Fn(Conn) + Send + Sync + 'static) -> Peer {
        let listener = TcpListener::bind((ip, 0)).expect("bind a loopback address");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("local address");
        let accepted = Arc::new(AtomicUsize::new(0));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let answer = Arc::new(answer);
        let (count, seen, stopped) = (accepted.clone(), heads.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                let Ok((stream, _)) = listener.accept() else {
                    std::thread::sleep(ms(2));
                    continue;
                };
                let index = count.fetch_add(1, Ordering::SeqCst);
                let (answer, seen, stop) = (answer.clone(), seen.clone(), stopped.clone());
                std::thread::spawn(move || {
                    let _ = stream.set_nonblocking(false);
                    let _ = stream.set_nodelay(true);
                    let mut stream = stream;
                    let head = read_head(&mut stream);
                    seen.lock().unwrap().push(head.clone());
                    answer(Conn {
                        index,
                        head,
                        stream,
                        stop,
                    });
                });
            }
        });
        Peer {
            addr,
            accepted,
            heads,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://ADDR/events`.
    pub fn url(&self) -> String {
        format!("http://{}/events", self.addr)
    }

    /// `http://ADDR` (no path).
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Connections accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// The request heads read so far.
    pub fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads up to the blank line ending a request head (at most [`HEAD_LIMIT`] bytes, 2 s).
fn read_head(stream: &mut TcpStream) -> String {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while head.len() < HEAD_LIMIT && !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// The header value of `name` in a raw head (name case-insensitive), if present.
pub fn header<'h>(head: &'h str, name: &str) -> Option<&'h str> {
    head.lines().skip(1).find_map(|line| {
        let (n, v) = line.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}
