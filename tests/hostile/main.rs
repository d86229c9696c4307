//! Hostile peers: every input ssecat reads, abused the way a broken or malicious peer would, over
//! real sockets on 127.0.0.1 (port 0). Each test names the attack and the bound it proves.
//!
//! - listen.rs: servers against `ssecat listen`: silent or half-sent response heads, reconnect
//!   storms (`retry: 0`, `Retry-After: 0` or in the past), huge delays, Referer after a redirect,
//!   redirect loops and empty `Location`
//! - bench.rs: servers against `ssecat bench`: reconnect storms, oversize events, timestamps in
//!   the future, unasked-for `Content-Encoding`, interim responses and framing lies, IDs that
//!   jump by 2^64; bench_inputs.rs: its flags at their extremes, crafted reports against
//!   `--merge`
//! - serve_http.rs: clients against `ssecat serve`'s HTTP front: control characters and invalid
//!   UTF-8 in topics, huge heads, missing or doubled Host, foreign Host names and Origins,
//!   pipelining, HTTP/1.0, JSON edge cases, h2c (authority, header lists, idle connections),
//!   what lands in the log, running out of file descriptors
//! - serve_memory.rs: clients against `ssecat serve`'s memory and delivery: stalled bodies,
//!   events that are big in bytes, bursts, shutdown with queued events
//! - inputs.rs: the other inputs: flags, files, captures for `--play`, stdin
//!
//! Run alone with `cargo test --test hostile`; CI runs it with every other test.

#[path = "../common/mod.rs"]
mod common;

mod bench;
mod bench_inputs;
mod inputs;
mod listen;
mod serve_http;
mod serve_memory;
