//! Shell completions and man pages, generated from the clap definitions in cli.rs. The
//! committed copies in completions/ and man/ are kept fresh by tests/generated.rs.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::Cli;

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
    let mut cmd = Cli::command();
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
