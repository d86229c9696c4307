//! Shell completions and man pages, generated from the clap definitions in cli.rs. The
//! committed copies in completions/ and man/ are kept fresh by tests/generated.rs.

use clap::CommandFactory;
use clap_complete::Shell;

use std::io::Write;

use anyhow::Context as _;

use crate::cli::{Cli, GenerateCommand};

/// The shells we ship completions for, with the file name each is committed under.
pub const SHELLS: [(Shell, &str); 5] = [
    (Shell::Bash, "ssecat.bash"),
    (Shell::Zsh, "_ssecat"),
    (Shell::Fish, "ssecat.fish"),
    (Shell::Elvish, "ssecat.elv"),
    (Shell::PowerShell, "_ssecat.ps1"),
];

/// The completion script for `shell`.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "ssecat", &mut out);
    out
}

/// The man pages: `ssecat.1`, then one `ssecat-SUBCOMMAND.1` per visible subcommand.
pub fn man_pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    // The plain version, not the git one: the committed pages must not change with each commit.
    let mut cmd = Cli::command().long_version(None::<&str>);
    cmd.build();
    let mut pages = Vec::new();
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
    pages.push(("ssecat.1".to_owned(), page));
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let name = format!("ssecat-{}", sub.get_name());
        let mut page = Vec::new();
        clap_mangen::Man::new(sub.clone().name(name.clone())).render(&mut page)?;
        pages.push((format!("{name}.1"), page));
    }
    Ok(pages)
}

/// Runs `ssecat generate …`.
pub fn run(command: &GenerateCommand) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match command {
        GenerateCommand::Completions { shell } => stdout.write_all(&completions(*shell))?,
        GenerateCommand::Man { dir: None } => {
            let pages = man_pages()?;
            if let Some((_, page)) = pages.first() {
                stdout.write_all(page)?;
            }
        }
        GenerateCommand::Man { dir: Some(dir) } => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for (name, page) in man_pages()? {
                let path = dir.join(&name);
                std::fs::write(&path, page)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                eprintln!("wrote {}", path.display());
            }
        }
    }
    stdout.flush()?;
    Ok(())
}
