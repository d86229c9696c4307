//! Puts the git commit into `ssecat --version` when built from a git checkout:
//! `SSECAT_LONG_VERSION` is `0.1.0 (git 1a2b3c4d5)`, or just the version without git.

use std::path::Path;
use std::process::Command;

fn main() {
    let version = env!("CARGO_PKG_VERSION");
    let hash = Command::new("git")
        .args(["rev-parse", "--short=9", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let long = match hash {
        Some(hash) => format!("{version} (git {hash})"),
        None => version.to_owned(),
    };
    println!("cargo:rustc-env=SSECAT_LONG_VERSION={long}");
    // Rebuild when HEAD moves: a checkout changes .git/HEAD, a commit changes the branch ref
    // (a loose file under refs/, or a line of packed-refs after `git pack-refs`) and the reflog.
    // Only paths that exist are named: cargo treats a missing one as always changed and would
    // rebuild the crate on every build. A branch whose ref is packed gets a loose file again at
    // its next commit, so then its directory is watched (cargo scans a directory's contents).
    let git = Path::new(".git");
    if git.join("HEAD").exists() {
        println!("cargo:rerun-if-changed=.git/HEAD");
        if let Ok(head) = std::fs::read_to_string(git.join("HEAD")) {
            if let Some(reference) = head.strip_prefix("ref: ") {
                let reference = Path::new(reference.trim());
                let watched = std::iter::successors(Some(reference), |p| p.parent())
                    .find(|p| !p.as_os_str().is_empty() && git.join(p).exists());
                if let Some(path) = watched {
                    println!("cargo:rerun-if-changed=.git/{}", path.display());
                }
            }
        }
        for file in ["packed-refs", "logs/HEAD"] {
            if git.join(file).exists() {
                println!("cargo:rerun-if-changed=.git/{file}");
            }
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
