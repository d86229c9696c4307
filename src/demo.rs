//! `ssecat demo`: the whole thing working, with nothing else to run. An in-process
//! `ssecat serve --tick` on a free 127.0.0.1 port, and `ssecat listen` printing its events, until
//! Ctrl-C or `-n N`. Both are configured from the same flags a user would type, so the demo is
//! exactly serve and listen.

use std::time::Instant;

use anyhow::Context as _;
use clap::{Parser as _, ValueEnum};
use tokio::net::TcpListener;

use crate::cli::{Cli, Command, DemoArgs};
use crate::listen::{ListenConfig, listen};
use crate::output::{FormatArg, use_color};
use crate::serve::{App, ServeConfig, serve};

/// Runs `ssecat demo`.
pub fn run(args: &DemoArgs) -> anyhow::Result<()> {
    let start = Instant::now();
    use_color(args.color);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .context("cannot listen on 127.0.0.1")?;
        let addr = listener.local_addr()?;
        let every = humantime::format_duration(args.every).to_string();
        let Command::Serve(serve_args) =
            parse(&["serve", "--port", "0", "-q", "--tick", &every])?
        else {
            unreachable!("parsed as serve")
        };
        let app = App::new(ServeConfig::from_args(&serve_args)?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(app, listener, async {
            let _ = stopped.await;
        }));

        let url = format!("http://{addr}/events");
        let format = if args.json { FormatArg::Json } else { args.format };
        let mut argv = vec!["listen".to_owned(), url.clone(), "--format".into(), name(format)];
        argv.extend(["--color".into(), name(args.color)]);
        if let Some(n) = args.count {
            argv.extend(["-n".into(), n.to_string()]);
        }
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        let Command::Listen(listen_args) = parse(&argv)? else {
            unreachable!("parsed as listen")
        };
        let config = ListenConfig::from_args(&listen_args, start)?;
        eprintln!(
            "ssecat demo: a mock server sends a tick every {every} at {url} (open http://{addr}/ in a browser to watch it there); listening to it, Ctrl-C to stop"
        );
        let stdout = std::io::BufWriter::new(std::io::stdout().lock());
        let result = listen(&config, stdout, std::io::stderr(), async {
            let _ = tokio::signal::ctrl_c().await;
        }, start)
        .await;
        let _ = stop.send(());
        let _ = server.await;
        result
    })
}

/// `ssecat ARGS…` through the real command-line definition.
fn parse(args: &[&str]) -> anyhow::Result<Command> {
    let argv = std::iter::once("ssecat").chain(args.iter().copied());
    Ok(Cli::try_parse_from(argv)
        .context("the demo's own flags do not parse")?
        .command)
}

/// A value's name on the command line.
fn name(value: impl ValueEnum) -> String {
    value
        .to_possible_value()
        .map(|v| v.get_name().to_owned())
        .unwrap_or_default()
}
