//! ssecat: curl and websocat, but for Server-Sent Events.
//!
//! The map of the house (the twin of shared/ARCHITECTURE.md; change both together):
//!
//! ```text
//! main.rs       thin: parse the flags, call run, map the outcome to an exit code
//! lib.rs        this map; run() dispatches to the subcommands
//! cli.rs        clap derive definitions and value parsers only
//! exit.rs       exit codes (0 ok, 1 runtime error, 2 usage) and error reporting
//! units.rs      sizes on the command line (16MiB) and their display
//! generate.rs   shell completions and man pages from the clap definitions (committed in
//!               completions/ and man/, kept fresh by tests/generated.rs)
//! event.rs      Event {event, data, id, retry}, owned, and its wire encoding
//! parse/        the streaming parser: bytes in, items out (Event | Comment | Retry | Error);
//!               no I/O, no async. parse/fuzz.rs holds its invariants for fuzzing
//! output/       the printers shared by listen and parse: pretty (coloured), json (NDJSON)
//! parse_cmd.rs  `ssecat parse`: file or stdin → parser → printer
//! ```
//!
//! Data flow of `parse`: file/stdin bytes → [`parse::Parser`] → [`output::Printer`] → stdout;
//! size errors → stderr.

pub mod cli;
pub mod event;
pub mod exit;
pub mod generate;
pub mod output;
pub mod parse;
pub mod parse_cmd;
pub mod units;

use cli::{Cli, Command};

/// Runs the subcommand the flags name.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Parse(args) => parse_cmd::run(&args),
    }
}
