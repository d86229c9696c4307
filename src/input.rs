//! Whole files and streams the user names on the command line (`--cacert`, `-d @FILE`, `-d @-`,
//! `--play`, `--merge`), read with a bound in bytes: `/dev/zero`, a FIFO that never ends or a
//! multi-gigabyte file given by mistake is a one-line error, never unbounded memory.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, bail};

use crate::units::format_size;

/// Reads everything `from` gives, up to `limit` bytes; more is an error naming `what` and the
/// limit. Reads at most `limit + 1` bytes, so the memory it takes is bounded whatever the source.
pub fn read_bounded(from: impl Read, limit: u64, what: &str) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    from.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read {what}"))?;
    if bytes.len() as u64 > limit {
        bail!("{what} is larger than {}", format_size(limit));
    }
    Ok(bytes)
}

/// Opens and reads the file at `path` with [`read_bounded`]; `what` names it in errors (for
/// example `--cacert ca.pem`).
pub fn read_file_bounded(path: &Path, limit: u64, what: &str) -> anyhow::Result<Vec<u8>> {
    let file = std::fs::File::open(path).with_context(|| format!("cannot read {what}"))?;
    read_bounded(file, limit, what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_limit_and_refuses_more() {
        assert_eq!(read_bounded(&b"abc"[..], 3, "x").unwrap(), b"abc");
        let err = read_bounded(&b"abcd"[..], 3, "the body").unwrap_err();
        assert_eq!(err.to_string(), "the body is larger than 3 bytes");
    }

    #[test]
    fn an_endless_source_is_refused_after_limit_bytes() {
        let err = read_bounded(std::io::repeat(0), 1 << 20, "/dev/zero").unwrap_err();
        assert!(err.to_string().contains("larger than 1 MiB"), "{err}");
    }
}
