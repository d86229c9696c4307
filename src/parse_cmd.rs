//! `ssecat parse [FILE]`: the parser offline, on a capture or on stdin.
//!
//! Reads in 64 KiB chunks, prints what the parser yields with the shared printer, and flushes
//! after every chunk so that `curl -N … | ssecat parse` shows events as they arrive. Size errors
//! go to stderr as they happen; the exit code is 1 when any event was dropped.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufWriter, ErrorKind, Read, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use serde_json::json;

use crate::cli::ParseArgs;
use crate::output::{Format, PrintOptions, Printer, shown, use_color};
use crate::parse::{DISCARDED_AT_END, ItemRef, Parser};
use crate::units::format_size;

/// Everything `parse` needs, decided from the flags.
#[derive(Debug, Clone)]
pub struct ParseConfig {
    /// The file to read; `None` reads stdin.
    pub file: Option<PathBuf>,
    /// Format and comments.
    pub print: PrintOptions,
    /// Print counts instead of events.
    pub count: bool,
    /// The parser's size limit.
    pub max_event_size: usize,
}

impl ParseConfig {
    /// Turns the flags into a config.
    pub fn from_args(args: &ParseArgs) -> Self {
        ParseConfig {
            file: args.file.clone().filter(|p| p.as_os_str() != "-"),
            print: PrintOptions {
                format: if args.json {
                    Format::Json
                } else {
                    Format::Pretty
                },
                comments: args.comments,
                ..PrintOptions::default()
            },
            count: args.count,
            max_event_size: args.max_event_size,
        }
    }
}

/// Runs `ssecat parse` on stdout and stderr.
pub fn run(args: &ParseArgs) -> anyhow::Result<()> {
    use_color(args.color);
    let config = ParseConfig::from_args(args);
    let stdout = io::stdout().lock();
    let stderr = io::stderr().lock();
    match &config.file {
        Some(path) => {
            let file =
                File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
            parse_stream(file, BufWriter::new(stdout), stderr, &config)
                .with_context(|| format!("parsing {}", path.display()))
        }
        None => parse_stream(io::stdin().lock(), BufWriter::new(stdout), stderr, &config),
    }
}

/// Tallies for `--count`.
#[derive(Debug, Default)]
struct Counts {
    events: u64,
    by_type: HashMap<String, u64>,
    /// The type of the last events and how many of them in a row are not in `by_type` yet:
    /// streams mostly repeat one type, and a string comparison is cheaper than hashing it.
    run_type: String,
    run: u64,
}

impl Counts {
    fn add(&mut self, event_type: &str) {
        self.events += 1;
        if self.run > 0 && self.run_type == event_type {
            self.run += 1;
            return;
        }
        self.settle();
        self.run_type.clear();
        self.run_type.push_str(event_type);
        self.run = 1;
    }

    /// Moves the current run into `by_type`.
    fn settle(&mut self) {
        if self.run > 0 {
            match self.by_type.get_mut(&self.run_type) {
                Some(n) => *n += self.run,
                None => {
                    self.by_type.insert(self.run_type.clone(), self.run);
                }
            }
            self.run = 0;
        }
    }

    fn write(&mut self, out: &mut impl Write, format: Format) -> io::Result<()> {
        self.settle();
        let mut types: Vec<(&String, &u64)> = self.by_type.iter().collect();
        types.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        match format {
            Format::Json => {
                let by_type: serde_json::Map<String, serde_json::Value> = types
                    .iter()
                    .map(|(name, n)| ((*name).clone(), json!(n)))
                    .collect();
                let doc = json!({ "events": self.events, "types": by_type });
                writeln!(out, "{doc}")
            }
            Format::Pretty | Format::Data | Format::Raw => {
                let plural = if self.events == 1 { "" } else { "s" };
                writeln!(out, "{} event{plural}", self.events)?;
                let width = types.first().map_or(1, |(_, n)| n.to_string().len());
                for (name, n) in types {
                    writeln!(out, "  {n:>width$} {}", shown(name))?;
                }
                Ok(())
            }
        }
    }
}

/// Parses `input` to the end, printing items to `out` and errors to `err`.
pub fn parse_stream(
    mut input: impl Read,
    out: impl Write,
    mut err: impl Write,
    config: &ParseConfig,
) -> anyhow::Result<()> {
    let mut parser = Parser::new().with_max_event_size(config.max_event_size);
    let mut printer = Printer::new(out, config.print);
    let mut counts = Counts::default();
    let mut dropped = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).context("reading the stream"),
        };
        let mut failed: Option<io::Error> = None;
        parser.feed(&buf[..n], |item| {
            if failed.is_some() {
                return;
            }
            let written = match &item {
                ItemRef::Error(e) => {
                    dropped += 1;
                    writeln!(err, "ssecat: error: {e}")
                }
                ItemRef::Event(event) if config.count => {
                    counts.add(event.event);
                    Ok(())
                }
                _ if config.count => Ok(()),
                _ => printer.item(&item),
            };
            failed = written.err();
        });
        if let Some(e) = failed {
            return Err(e).context("writing the output");
        }
        printer.flush().context("writing the output")?;
    }
    if parser.finish() {
        writeln!(err, "ssecat: warning: {DISCARDED_AT_END}")?;
    }
    if config.count {
        counts
            .write(printer.writer(), config.print.format)
            .context("writing the output")?;
    }
    printer.flush().context("writing the output")?;
    if dropped > 0 {
        bail!(
            "{dropped} event{} dropped for exceeding the maximum event size of {} (--max-event-size)",
            if dropped == 1 { "" } else { "s" },
            format_size(config.max_event_size as u64)
        );
    }
    Ok(())
}
