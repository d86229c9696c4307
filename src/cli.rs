//! The command line, as clap derive definitions and value parsers only. Each subcommand's
//! arguments are turned into a plain config by the module that runs it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::output::ColorChoice;
use crate::units::parse_mem_size;

/// curl and websocat, but for Server-Sent Events.
#[derive(Debug, Parser)]
#[command(name = "ssecat", version, about, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse a captured event stream (a file or stdin) and print its events.
    #[command(after_long_help = PARSE_EXAMPLES)]
    Parse(ParseArgs),
}

const PARSE_EXAMPLES: &str = "\
Examples:
  ssecat parse samples/chat.sse
  curl -sN https://example.com/events | ssecat parse --json | jq .data
  ssecat parse --count capture.sse";

/// `ssecat parse [FILE]`.
#[derive(Debug, Args)]
pub struct ParseArgs {
    /// The event stream to read; `-` or nothing reads stdin.
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Print NDJSON: one {"event", "data", "id"[, "retry"]} object per event.
    #[arg(long)]
    pub json: bool,

    /// Print only how many events there are, in all and per event type.
    #[arg(long, conflicts_with = "comments")]
    pub count: bool,

    /// Print comments too (as `: text`, or {"comment": text} with --json).
    #[arg(long)]
    pub comments: bool,

    /// Largest event (and line) to accept; larger ones are reported and dropped. Bytes, or with
    /// a unit: 64KiB, 16MiB, 1GiB (KB, MB, GB are powers of 1000).
    #[arg(long, value_name = "SIZE", default_value = "16MiB", value_parser = parse_mem_size)]
    pub max_event_size: usize,

    /// When to colour the output.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definitions_are_consistent() {
        Cli::command().debug_assert();
    }
}
