//! The committed completions/ and man/ files match what the clap definitions generate.
//! Run with `SSECAT_BLESS=1` to rewrite them after changing the CLI.

use std::path::Path;

use ssecat::generate::{SHELLS, completions, man_pages};

fn check(path: &Path, fresh: &[u8], stale: &mut Vec<String>) {
    if std::env::var_os("SSECAT_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().expect("a parent dir")).expect("create dir");
        std::fs::write(path, fresh).expect("write generated file");
        return;
    }
    match std::fs::read(path) {
        Ok(committed) if committed == fresh => {}
        Ok(_) => stale.push(format!("{} is stale", path.display())),
        Err(e) => stale.push(format!("{} is missing ({e})", path.display())),
    }
}

#[test]
fn completions_and_man_pages_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stale = Vec::new();
    for (shell, file) in SHELLS {
        check(
            &root.join("completions").join(file),
            &completions(shell),
            &mut stale,
        );
    }
    for (file, page) in man_pages().expect("render man pages") {
        check(&root.join("man").join(file), &page, &mut stale);
    }
    assert!(
        stale.is_empty(),
        "{}\nregenerate with: SSECAT_BLESS=1 cargo test --test generated",
        stale.join("\n")
    );
}
