//! Exit codes, in one place, and how an error is reported.
//!
//! | code | meaning |
//! |------|---------|
//! | 0    | success; also a closed stdout (`ssecat … \| head`) |
//! | 1    | runtime error (I/O, network, events dropped for size) |
//! | 2    | usage error (bad flags or values) |
//! | 3    | `bench`: a `--threshold` failed (the report is printed in full first) |

use std::io;
use std::process::ExitCode;

/// Success.
pub const SUCCESS: u8 = 0;
/// A runtime error.
pub const FAILURE: u8 = 1;
/// A usage error: bad flags, bad values. clap exits with this code itself.
pub const USAGE: u8 = 2;

/// `bench`: at least one `--threshold` failed.
pub const THRESHOLDS: u8 = 3;

/// `bench` thresholds that failed; the report has already been printed.
#[derive(Debug, thiserror::Error)]
#[error("{failed} of {total} thresholds failed")]
pub struct ThresholdsFailed {
    /// How many failed.
    pub failed: usize,
    /// How many there were.
    pub total: usize,
}

/// A usage error found after the flags were parsed (a bad combination, say).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The exit code for the outcome of a subcommand.
pub fn code(result: &anyhow::Result<()>) -> u8 {
    match result {
        Ok(()) => SUCCESS,
        Err(err) if is_broken_pipe(err) => SUCCESS,
        Err(err) if err.downcast_ref::<UsageError>().is_some() => USAGE,
        Err(err) if err.downcast_ref::<ThresholdsFailed>().is_some() => THRESHOLDS,
        Err(_) => FAILURE,
    }
}

/// Prints the error, if any (`ssecat: error: …` with its causes), and returns the exit code.
/// A broken pipe is a quiet success: the reader has all it wanted.
pub fn report(result: anyhow::Result<()>) -> ExitCode {
    let code = code(&result);
    if let Err(err) = &result {
        if !is_broken_pipe(err) {
            eprintln!("ssecat: error: {err:#}");
        }
    }
    ExitCode::from(code)
}

/// Whether the error comes from writing to a closed pipe.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn maps_outcomes_to_codes() {
        assert_eq!(code(&Ok(())), SUCCESS);
        let pipe: anyhow::Result<()> =
            Err(io::Error::from(io::ErrorKind::BrokenPipe)).context("writing to stdout");
        assert_eq!(code(&pipe), SUCCESS);
        let usage: anyhow::Result<()> = Err(UsageError("bad".into()).into());
        assert_eq!(code(&usage), USAGE);
        let other: anyhow::Result<()> = Err(anyhow::anyhow!("boom"));
        assert_eq!(code(&other), FAILURE);
        let failed: anyhow::Result<()> = Err(ThresholdsFailed {
            failed: 1,
            total: 2,
        }
        .into());
        assert_eq!(code(&failed), THRESHOLDS);
    }
}
