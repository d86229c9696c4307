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
    // Rebuild when HEAD moves: a checkout changes .git/HEAD, a commit changes the branch ref.
    let git = Path::new(".git");
    if git.join("HEAD").exists() {
        println!("cargo:rerun-if-changed=.git/HEAD");
        if let Ok(head) = std::fs::read_to_string(git.join("HEAD")) {
            if let Some(reference) = head.strip_prefix("ref: ") {
                let reference = reference.trim();
                if git.join(reference).exists() {
                    println!("cargo:rerun-if-changed=.git/{reference}");
                }
            }
        }
        // Only files that exist: cargo treats a missing one as always changed and would rebuild
        // the crate on every build (a fresh clone has no packed-refs until `git gc`).
        if git.join("packed-refs").exists() {
            println!("cargo:rerun-if-changed=.git/packed-refs");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
