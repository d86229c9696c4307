//! Interop: ssecat against software nobody here wrote, over real sockets on 127.0.0.1.
//!
//! - browser.rs: headless Debian chromium driven by playwright-core (npm): the viewer page, a
//!   page using `EventSource` (typed events, resume after `--drop-after`), CORS from a second
//!   origin; a screenshot of the viewer goes to target/interop/
//! - clients.rs: third-party clients against `ssecat serve`: npm `eventsource` (Node) and Python
//!   `httpx-sse`: receive, topics, replay after reconnect
//! - servers.rs: `ssecat listen` and `ssecat bench` against third-party servers: nginx with
//!   nchan, and a Python sse-starlette app under uvicorn
//! - terminal.rs: `ssecat listen` in tmux: coloured pretty output, and none with NO_COLOR=1
//!
//! The tools come from .ci/run (apt-get, npm ci, pip). When one is missing, a test says so on
//! stderr and passes locally, but fails in CI (`CI` set): nothing is skipped silently there.
//! Run it alone with `cargo test --test interop`; see the README's "Interop tests" section.

#[path = "../common/mod.rs"]
mod common;

mod browser;
mod clients;
mod servers;
mod terminal;
mod tools;
