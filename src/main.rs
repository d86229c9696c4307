use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = ssecat::cli::Cli::parse();
    ssecat::exit::report(ssecat::run(cli))
}
