//! The README cannot rot: its shell examples are checked against the real CLI.
//!
//! README.md is read at test time. The blocks checked are the fenced code blocks (```` ``` ````
//! or `~~~`) with no language or with `sh`, `bash`, `shell` or `console` (the first word of the
//! info string); `text`, `json` and every other block are left alone. In a checked block:
//!
//! - lines ending in `\` are joined with the next (a command keeps the number of its first line);
//!   a leading `$ ` prompt is dropped;
//! - each line is cut into simple commands at `|`, `&`, `;`, `<`, `>`, `(`, `)` outside quotes
//!   (so `&&`, `||`, `>>`, `2>` and a trailing `&` too), and a `#` starting a word outside quotes
//!   ends the line (a comment);
//! - `$VAR`, `${VAR}` and `"$VAR"` outside single quotes become a placeholder: a URL
//!   (`https://example.com/events`) when the name contains `URL`, else `VALUE`;
//! - a simple command is an ssecat command when its first word, after `NAME=value` assignments
//!   and `time`/`sudo`/`env`/`nohup`/`exec`, is `ssecat` (or a path ending in `/ssecat`). Every
//!   other command (cargo, curl, cp, jq, tail, …) is ignored. The command is split with `shlex`.
//!
//! The tests:
//!
//! 1. every ssecat command parses with `ssecat::cli::Cli` (clap); `--help` and `--version`
//!    count as parsing; at least 15 commands must be found;
//! 2. every `ssecat parse FILE` whose FILE exists in the repository runs through the binary
//!    (relative paths made absolute against the crate root) and exits 0; stdin and missing
//!    files are skipped;
//! 3. every `ssecat listen URL` whose URL is `http://127.0.0.1…` (or `localhost`) runs against an
//!    in-process `ssecat serve --tick 50ms` on a free port (same path and query; the ticks carry
//!    the first `-e`/`--until-event` type and go to the first `?topic=`), with `--duration 2s`
//!    (a backstop, replacing any `--duration`; `-n`/`--until-event` still apply) and
//!    `--color never`; it must exit 0 and print something. Commands with a `$VAR` (a token) or
//!    a body from stdin (`@-`) are skipped;
//! 4. every `ssecat bench URL` on 127.0.0.1 (not `--merge`) runs the same way, shortened to
//!    `-c 2 --duration 1s --no-progress`, without `--threshold`, with `-o` pointed at a
//!    temporary file; it must exit 0. Skipped when the CLI has no `bench`.
//!
//! Commands run concurrently, each under a hard timeout, and nothing leaves 127.0.0.1.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::{CommandFactory, Parser as _};
use common::process::{Outcome, Running};
use common::serve::{Serve, serve};
use common::ssecat;
use ssecat::cli::Cli;

/// The crate root, where README.md and the sample files are.
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// What a `$VAR` becomes when its name contains `URL`.
const URL_PLACEHOLDER: &str = "https://example.com/events";

/// What any other `$VAR` becomes.
const VALUE_PLACEHOLDER: &str = "VALUE";

/// How long a run (or a batch of runs side by side) may take before it is killed and the test
/// fails.
const RUN_LIMIT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// Extracting the commands
// ---------------------------------------------------------------------------------------------

/// One ssecat command found in a README code block.
#[derive(Debug)]
struct ReadmeCommand {
    /// 1-based line of README.md where the command starts.
    line: usize,
    /// The command as written (the ssecat part of its line, continuation lines joined).
    text: String,
    /// Its words, `ssecat` first, or why shlex could not split it.
    argv: Result<Vec<String>, String>,
    /// It mentions a `$VAR` (replaced by a placeholder) or sets an environment variable.
    uses_env: bool,
}

impl ReadmeCommand {
    /// `README.md:LINE: TEXT`, for messages.
    fn at(&self) -> String {
        format!("README.md:{}: {}", self.line, self.text)
    }

    /// Clap's matches for its words; `None` when they do not parse (test 1 reports that).
    fn matches(&self) -> Option<clap::ArgMatches> {
        let argv = self.argv.as_ref().ok()?;
        Cli::command().try_get_matches_from(argv).ok()
    }
}

/// Every ssecat command in README.md.
fn readme_commands() -> Vec<ReadmeCommand> {
    let path = Path::new(ROOT).join("README.md");
    let readme =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    commands_in(&readme)
}

/// Every ssecat command in the checked code blocks of a Markdown text.
fn commands_in(markdown: &str) -> Vec<ReadmeCommand> {
    let mut out = Vec::new();
    for (line, text) in shell_lines(markdown) {
        let text = text.trim();
        let text = text.strip_prefix("$ ").unwrap_or(text);
        for simple in simple_commands(text) {
            if let Some(command) = ssecat_command(line, &simple) {
                out.push(command);
            }
        }
    }
    out
}

/// Whether a fence's info string marks a block of shell commands.
fn is_shell_block(info: &str) -> bool {
    let lang = info
        .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
        .next()
        .unwrap_or("");
    matches!(lang, "" | "sh" | "bash" | "shell" | "console")
}

/// The logical lines (continuations joined) of the checked code blocks, each with the 1-based
/// number of its first line.
fn shell_lines(markdown: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    // The open fence (its character and length) and whether its block is checked.
    let mut open: Option<(char, usize, bool)> = None;
    // A line continued with `\`: where it started and the text so far.
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in markdown.lines().enumerate() {
        let trimmed = raw.trim();
        let fence_char = trimmed.chars().next().filter(|c| matches!(c, '`' | '~'));
        let fence_len = fence_char.map_or(0, |c| trimmed.chars().take_while(|&x| x == c).count());
        match open {
            None => {
                if let Some(c) = fence_char.filter(|_| fence_len >= 3) {
                    let info = trimmed[fence_len * c.len_utf8()..].trim();
                    open = Some((c, fence_len, is_shell_block(info)));
                }
                continue;
            }
            Some((c, len, _)) if fence_char == Some(c) && fence_len >= len => {
                let rest = &trimmed[fence_len * c.len_utf8()..];
                if rest.trim().is_empty() {
                    if let Some(p) = pending.take() {
                        out.push(p);
                    }
                    open = None;
                    continue;
                }
            }
            _ => {}
        }
        if !matches!(open, Some((_, _, true))) {
            continue;
        }
        let (start, mut text) = pending.take().unwrap_or((i + 1, String::new()));
        let line = raw.trim_end();
        match line.strip_suffix('\\') {
            Some(head) => {
                text.push_str(head);
                text.push(' ');
                pending = Some((start, text));
            }
            None => {
                text.push_str(line);
                out.push((start, text));
            }
        }
    }
    out.extend(pending);
    out
}

/// The simple commands of one shell line, as raw text: cut at `|`, `&`, `;`, `<`, `>`, `(`, `)`
/// outside quotes, and at a `#` that starts a word (a comment: the rest is dropped). A file
/// descriptor before a redirection (`2>`) goes with the redirection, and what follows a
/// redirection is its target, not a command.
fn simple_commands(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut cur_is_target = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some('\''), '\'') | (Some('"'), '"') => {
                quote = None;
                cur.push(c);
            }
            (Some('\''), _) => cur.push(c),
            (_, '\\') => {
                cur.push(c);
                cur.extend(chars.next());
            }
            (Some(_), _) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                cur.push(c);
            }
            (None, '#') if cur.is_empty() || cur.ends_with(char::is_whitespace) => break,
            (None, '|' | '&' | ';' | '<' | '>' | '(' | ')') => {
                if matches!(c, '<' | '>') {
                    let kept = cur.trim_end_matches(|d: char| d.is_ascii_digit()).len();
                    if kept == 0 || cur[..kept].ends_with(char::is_whitespace) {
                        cur.truncate(kept);
                    }
                }
                out.push((std::mem::take(&mut cur), cur_is_target));
                cur_is_target = matches!(c, '<' | '>');
            }
            (None, _) => cur.push(c),
        }
    }
    out.push((cur, cur_is_target));
    out.into_iter()
        .filter(|(s, target)| !target && !s.trim().is_empty())
        .map(|(s, _)| s.trim().to_owned())
        .collect()
}

/// Replaces `$NAME`, `${NAME}` and `$1` outside single quotes with a placeholder; true when
/// there was one.
fn expand_vars(text: &str) -> (String, bool) {
    let mut out = String::with_capacity(text.len());
    let mut expanded = false;
    let (mut single, mut double) = (false, false);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '\\' if !single => {
                out.push(c);
                out.extend(chars.next());
                continue;
            }
            '$' if !single => {
                let braced = chars.next_if_eq(&'{').is_some();
                let mut name = String::new();
                while let Some(n) = chars.next_if(|n| n.is_ascii_alphanumeric() || *n == '_') {
                    name.push(n);
                }
                if braced {
                    chars.next_if_eq(&'}');
                }
                if name.is_empty() {
                    out.push('$');
                    if braced {
                        out.push('{');
                    }
                    continue;
                }
                expanded = true;
                out.push_str(if name.to_ascii_uppercase().contains("URL") {
                    URL_PLACEHOLDER
                } else {
                    VALUE_PLACEHOLDER
                });
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    (out, expanded)
}

/// The simple command as a [`ReadmeCommand`] when it runs ssecat.
fn ssecat_command(line: usize, simple: &str) -> Option<ReadmeCommand> {
    let (expanded, mut uses_env) = expand_vars(simple);
    let split = shlex::split(&expanded);
    // Unbalanced quotes: decide by plain words whether it is ours, and report it.
    let words: Vec<String> = split
        .clone()
        .unwrap_or_else(|| expanded.split_whitespace().map(str::to_owned).collect());
    let is_assignment = |w: &str| {
        w.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    let mut start = 0;
    while let Some(w) = words.get(start) {
        if is_assignment(w) {
            uses_env = true;
        } else if !matches!(w.as_str(), "time" | "sudo" | "env" | "nohup" | "exec") {
            break;
        }
        start += 1;
    }
    let program = words.get(start)?;
    if program != "ssecat" && !program.ends_with("/ssecat") {
        return None;
    }
    let argv = match split {
        Some(words) => Ok(std::iter::once("ssecat".to_owned())
            .chain(words.into_iter().skip(start + 1))
            .collect()),
        None => Err("shlex cannot split it (unbalanced quotes?)".to_owned()),
    };
    Some(ReadmeCommand {
        line,
        text: simple.to_owned(),
        argv,
        uses_env,
    })
}

// ---------------------------------------------------------------------------------------------
// Rewriting commands to run them here
// ---------------------------------------------------------------------------------------------

/// The first raw value of argument `id` in `m`, if the argument exists and was given.
fn raw(m: &clap::ArgMatches, id: &str) -> Option<String> {
    let mut values = m.try_get_raw(id).ok().flatten()?;
    values.next().map(|v| v.to_string_lossy().into_owned())
}

/// Whether argument `id` was given on the command line (not by a default or the environment).
fn given(m: &clap::ArgMatches, id: &str) -> bool {
    m.try_contains_id(id).unwrap_or(false)
        && m.value_source(id) == Some(clap::parser::ValueSource::CommandLine)
}

/// Subcommand `sub`'s argument `id` as `(long, short, takes a value)`.
fn option_spellings(sub: &str, id: &str) -> Option<(Option<String>, Option<String>, bool)> {
    let cli = Cli::command();
    let arg = cli
        .find_subcommand(sub)?
        .get_arguments()
        .find(|a| a.get_id() == id)?;
    Some((
        arg.get_long().map(|l| format!("--{l}")),
        arg.get_short().map(|s| format!("-{s}")),
        arg.get_action().takes_values(),
    ))
}

/// Removes every occurrence of `sub`'s option `id` from `args` (`--long V`, `--long=V`,
/// `-s V`, `-sV`, or the bare flag); true when it was there.
fn remove_option(sub: &str, args: &mut Vec<String>, id: &str) -> bool {
    let Some((long, short, takes_value)) = option_spellings(sub, id) else {
        return false;
    };
    let mut found = false;
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let exact = Some(a) == long.as_deref() || Some(a) == short.as_deref();
        let glued = takes_value
            && (long
                .as_ref()
                .is_some_and(|l| a.starts_with(&format!("{l}=")))
                || short
                    .as_ref()
                    .is_some_and(|s| a.starts_with(s.as_str()) && a.len() > s.len()));
        if exact {
            let n = if takes_value { 2 } else { 1 };
            args.drain(i..(i + n).min(args.len()));
            found = true;
        } else if glued {
            args.remove(i);
            found = true;
        } else {
            i += 1;
        }
    }
    found
}

/// Sets `sub`'s option `id` to `value` (or adds the flag when `value` is `None`), replacing any
/// occurrence already in `args`. Does nothing if the subcommand has no such option.
fn set_option(sub: &str, args: &mut Vec<String>, id: &str, value: Option<&str>) {
    let Some((Some(long), _, _)) = option_spellings(sub, id) else {
        return;
    };
    remove_option(sub, args, id);
    args.push(long);
    args.extend(value.map(str::to_owned));
}

/// `path` (as written in the README, relative to the crate root) when it is a file there.
fn repo_file(path: &str) -> Option<PathBuf> {
    let p = Path::new(path);
    let full = Path::new(ROOT).join(p);
    (p.is_relative() && !path.is_empty() && full.is_file()).then_some(full)
}

/// Rewrites the words that name a file of the repository (`FILE` or `@FILE`) to absolute paths,
/// since the tests run with another working directory.
fn absolutize(args: &mut [String]) {
    for a in args.iter_mut() {
        let (at, path) = match a.strip_prefix('@') {
            Some(p) => ("@", p),
            None => ("", a.as_str()),
        };
        if path.starts_with('-') {
            continue;
        }
        if let Some(full) = repo_file(path) {
            *a = format!("{at}{}", full.display());
        }
    }
}

/// The URL of a `listen`/`bench` command when it is plain HTTP on this machine.
fn local_url(m: &clap::ArgMatches) -> Option<(String, reqwest::Url)> {
    let text = raw(m, "url")?;
    let url = reqwest::Url::parse(&text).ok()?;
    let local = url.scheme() == "http" && matches!(url.host_str(), Some("127.0.0.1" | "localhost"));
    local.then_some((text, url))
}

/// Whether a request body comes from stdin (`-d @-`, `--json-body @-`).
fn body_from_stdin(m: &clap::ArgMatches) -> bool {
    ["data", "json_body"]
        .iter()
        .any(|id| raw(m, id).is_some_and(|v| v == "@-"))
}

/// `url`'s path and query on `srv`.
fn on_server(srv: &Serve, url: &reqwest::Url) -> String {
    let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
    srv.url(&format!("{}{query}", url.path()))
}

/// The words after `ssecat`, with the URL `old` replaced by `new`.
fn args_with_url(argv: &[String], old: &str, new: &str) -> Vec<String> {
    argv[1..]
        .iter()
        .map(|a| if a == old { new.to_owned() } else { a.clone() })
        .collect()
}

/// Waits for commands started concurrently, each next to the server it needs; each must exit 0,
/// and print something on stdout if `want_output`. The failures, described.
fn finish_all(
    runs: Vec<(&ReadmeCommand, Vec<String>, Serve, Running)>,
    want_output: bool,
) -> Vec<String> {
    let mut failures = Vec::new();
    // One deadline for them all: they run side by side.
    let deadline = Instant::now() + RUN_LIMIT;
    for (cmd, args, srv, running) in runs {
        // Said first, so that a run killed for its timeout (a panic) is named.
        eprintln!("waiting for {}", cmd.at());
        let out: Outcome = running.finish(deadline.saturating_duration_since(Instant::now()));
        drop(srv);
        let ok = out.code == Some(0) && !(want_output && out.stdout.is_empty());
        eprintln!(
            "{}, exit {:?}, {} bytes on stdout: ssecat {}",
            if ok { "ran" } else { "FAILED" },
            out.code,
            out.stdout.len(),
            args.join(" ")
        );
        if !ok {
            failures.push(format!(
                "{}\n  ran: ssecat {}\n  exit {:?} (want 0{})\n{}",
                cmd.at(),
                shlex::try_join(args.iter().map(String::as_str)).unwrap_or_default(),
                out.code,
                if want_output {
                    ", and something on stdout"
                } else {
                    ""
                },
                out.dump()
            ));
        }
    }
    failures
}

#[track_caller]
fn assert_no_failures(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} README command(s) {what}:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

#[test]
fn the_command_extraction_understands_shell_syntax() {
    let md = r#"
```sh
ssecat a --x 'it''s # not a comment'   # a comment
curl -s x | ssecat parse --json | jq .data
$ FOO=1 ssecat listen "$SSE_URL" \
    --bearer "${TOKEN}"&
ssecat serve --tick 1s>log 2>&1; cargo run -- parse x && ssecat parse y.sse<z >> ./ssecat
```
```text
ssecat not-a-command
```
```
echo done || ssecat bench --merge a.json
```
"#;
    let found: Vec<(usize, Vec<String>, bool)> = commands_in(md)
        .into_iter()
        .map(|c| (c.line, c.argv.unwrap(), c.uses_env))
        .collect();
    let v = |words: &[&str]| words.iter().map(|w| w.to_string()).collect::<Vec<_>>();
    assert_eq!(
        found,
        [
            (3, v(&["ssecat", "a", "--x", "its # not a comment"]), false),
            (4, v(&["ssecat", "parse", "--json"]), false),
            (
                5,
                v(&["ssecat", "listen", URL_PLACEHOLDER, "--bearer", "VALUE"]),
                true
            ),
            (7, v(&["ssecat", "serve", "--tick", "1s"]), false),
            (7, v(&["ssecat", "parse", "y.sse"]), false),
            (13, v(&["ssecat", "bench", "--merge", "a.json"]), false),
        ]
    );
}

#[test]
fn every_ssecat_command_in_the_readme_parses() {
    let commands = readme_commands();
    let mut failures = Vec::new();
    for cmd in &commands {
        let argv = match &cmd.argv {
            Ok(argv) => argv,
            Err(why) => {
                failures.push(format!("{}\n  {why}", cmd.at()));
                continue;
            }
        };
        if let Err(err) = Cli::try_parse_from(argv) {
            use clap::error::ErrorKind::{DisplayHelp, DisplayVersion};
            if !matches!(err.kind(), DisplayHelp | DisplayVersion) {
                failures.push(format!(
                    "{}\n  argv: {argv:?}\n  {}",
                    cmd.at(),
                    err.render().to_string().trim_end().replace('\n', "\n  ")
                ));
            }
        }
    }
    eprintln!(
        "checked {} ssecat commands in README.md, {} failed",
        commands.len(),
        failures.len()
    );
    assert!(
        commands.len() >= 15,
        "only {} ssecat commands found in README.md's shell blocks; is the extraction broken?\n{commands:#?}",
        commands.len()
    );
    assert_no_failures("do not parse", &failures);
}

#[test]
fn readme_parse_commands_run_on_the_shipped_samples() {
    let commands = readme_commands();
    let (mut ran, mut skipped, mut failures) = (0, 0, Vec::new());
    for cmd in &commands {
        let Some(m) = cmd.matches() else { continue };
        let Some(("parse", sub)) = m.subcommand() else {
            continue;
        };
        let file = raw(sub, "file");
        let runnable = !cmd.uses_env && file.as_deref().is_some_and(|f| repo_file(f).is_some());
        if !runnable {
            eprintln!("skipped (stdin or no such file in the repo): {}", cmd.at());
            skipped += 1;
            continue;
        }
        let mut args = cmd.argv.as_ref().unwrap()[1..].to_vec();
        absolutize(&mut args);
        let out = ssecat(&args).run_within(RUN_LIMIT);
        ran += 1;
        eprintln!("ran, exit {:?}: {}", out.code, cmd.at());
        if out.code != Some(0) {
            failures.push(format!(
                "{}\n  ran: ssecat {}\n  exit {:?} (want 0)\n{}",
                cmd.at(),
                args.join(" "),
                out.code,
                out.dump()
            ));
        }
    }
    eprintln!("`ssecat parse` commands: {ran} ran, {skipped} skipped");
    assert!(
        ran >= 1,
        "no `ssecat parse FILE` command in README.md names a file of the repository"
    );
    assert_no_failures("failed", &failures);
}

#[test]
fn readme_listen_commands_run_against_a_local_serve() {
    let commands = readme_commands();
    let (mut runs, mut skipped) = (Vec::new(), 0);
    for cmd in &commands {
        let Some(m) = cmd.matches() else { continue };
        let Some(("listen", sub)) = m.subcommand() else {
            continue;
        };
        let Some((old_url, url)) =
            local_url(sub).filter(|_| !cmd.uses_env && !body_from_stdin(sub))
        else {
            eprintln!(
                "skipped (not 127.0.0.1, a $VAR or a body from stdin): {}",
                cmd.at()
            );
            skipped += 1;
            continue;
        };
        // Ticks the command will print: of the type it filters on, on the topic it reads.
        let event = raw(sub, "events")
            .or_else(|| raw(sub, "until_event"))
            .unwrap_or_else(|| "tick".to_owned());
        let topic = url
            .query_pairs()
            .find(|(k, v)| k == "topic" && v != "*")
            .map_or_else(|| "default".to_owned(), |(_, v)| v.into_owned());
        let srv = serve(&[
            "--tick",
            "50ms",
            "--tick-event",
            &event,
            "--tick-topic",
            &topic,
        ]);
        let mut args = args_with_url(cmd.argv.as_ref().unwrap(), &old_url, &on_server(&srv, &url));
        absolutize(&mut args);
        set_option("listen", &mut args, "duration", Some("2s"));
        set_option("listen", &mut args, "color", Some("never"));
        let running = ssecat(&args).spawn();
        runs.push((cmd, args, srv, running));
    }
    let ran = runs.len();
    let failures = finish_all(runs, true);
    eprintln!("`ssecat listen` commands: {ran} ran, {skipped} skipped");
    assert!(
        ran >= 1,
        "no `ssecat listen http://127.0.0.1…` command in README.md"
    );
    assert_no_failures("failed", &failures);
}

#[test]
fn readme_bench_commands_run_against_a_local_serve() {
    if Cli::command().find_subcommand("bench").is_none() {
        eprintln!("the CLI has no `bench` subcommand: nothing to run");
        return;
    }
    let commands = readme_commands();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (mut runs, mut skipped) = (Vec::new(), 0);
    for cmd in &commands {
        let Some(m) = cmd.matches() else { continue };
        let Some(("bench", sub)) = m.subcommand() else {
            continue;
        };
        let local = local_url(sub)
            .filter(|_| !cmd.uses_env && !body_from_stdin(sub) && !given(sub, "merge"));
        let Some((old_url, url)) = local else {
            eprintln!(
                "skipped (--merge, not 127.0.0.1, a $VAR or a body from stdin): {}",
                cmd.at()
            );
            skipped += 1;
            continue;
        };
        let srv = serve(&["--tick", "50ms"]);
        let mut args = args_with_url(cmd.argv.as_ref().unwrap(), &old_url, &on_server(&srv, &url));
        absolutize(&mut args);
        set_option("bench", &mut args, "connections", Some("2"));
        set_option("bench", &mut args, "duration", Some("1s"));
        set_option("bench", &mut args, "no_progress", None);
        remove_option("bench", &mut args, "thresholds");
        if given(sub, "output") {
            let report = dir.path().join(format!("report-{}.json", cmd.line));
            set_option(
                "bench",
                &mut args,
                "output",
                Some(&report.display().to_string()),
            );
        }
        let running = ssecat(&args).spawn();
        runs.push((cmd, args, srv, running));
    }
    let ran = runs.len();
    let failures = finish_all(runs, false);
    eprintln!("`ssecat bench` commands: {ran} ran, {skipped} skipped");
    assert!(
        ran >= 1,
        "no `ssecat bench http://127.0.0.1…` command in README.md"
    );
    assert_no_failures("failed", &failures);
}
