//! The parser's invariants (no panic, bounded buffers, chunking-independent items) on arbitrary
//! bytes; see ssecat::parse::fuzz::check for how the input is read.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    ssecat::parse::fuzz::check(data);
});
