//! `ssecat bench`.
pub mod metrics;
pub mod threshold;

use crate::cli::BenchArgs;

/// Runs `ssecat bench`.
pub fn run(_args: &BenchArgs) -> anyhow::Result<()> {
    anyhow::bail!("bench is not built yet")
}
