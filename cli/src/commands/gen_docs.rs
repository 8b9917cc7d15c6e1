//! `cpl gen-docs` (hidden, for maintainers): regenerates the committed `completions/` and
//! `man/` of the repository, or with `--check` says which are out of date (exit 1).
//!
//! Run from the workspace root: `cargo run -p citypulse-cli -- gen-docs`. Only `cpl` files
//! are managed here; other pages in `man/` (the daemon's `cpld.8`) are left alone.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::docs;
use crate::error::refused;

/// Arguments of `cpl gen-docs`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The repository root holding completions/ and man/
    #[arg(long, default_value = ".")]
    pub root: PathBuf,
    /// Change nothing; fail if any file differs from what would be generated
    #[arg(long)]
    pub check: bool,
}

/// Every generated file, relative to the root.
fn files() -> anyhow::Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut out = Vec::new();
    for shell in docs::SHELLS {
        let (name, script) = docs::completion(shell);
        out.push((Path::new("completions").join(name), script));
    }
    for (name, roff) in docs::man_pages()? {
        out.push((Path::new("man").join(name), roff));
    }
    Ok(out)
}

/// Committed cpl man pages that no longer correspond to a command.
fn stale(root: &Path, wanted: &[(PathBuf, Vec<u8>)]) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root.join("man")) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .flatten()
        .map(|e| Path::new("man").join(e.file_name()))
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            (name == "cpl.1" || name.starts_with("cpl-")) && name.ends_with(".1")
        })
        .filter(|p| !wanted.iter().any(|(w, _)| w == p))
        .collect();
    out.sort();
    out
}

/// Writes or checks.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let files = files()?;
    let stale = stale(&args.root, &files);
    if args.check {
        let mut wrong: Vec<String> = files
            .iter()
            .filter(|(p, bytes)| std::fs::read(args.root.join(p)).ok().as_ref() != Some(bytes))
            .map(|(p, _)| p.display().to_string())
            .collect();
        wrong.extend(stale.iter().map(|p| format!("{} (stale)", p.display())));
        if !wrong.is_empty() {
            return Err(refused(format!(
                "out of date: {}; regenerate with `cargo run -p citypulse-cli -- gen-docs`",
                wrong.join(", ")
            )));
        }
        return Ok(());
    }
    for dir in ["completions", "man"] {
        let d = args.root.join(dir);
        std::fs::create_dir_all(&d).with_context(|| format!("cannot create {}", d.display()))?;
    }
    for (p, bytes) in &files {
        let path = args.root.join(p);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
    }
    for p in &stale {
        let path = args.root.join(p);
        std::fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
    }
    crate::context::eprintln_safe(&format!(
        "Wrote {} files into completions/ and man/ of {}{}",
        files.len(),
        args.root.display(),
        if stale.is_empty() {
            String::new()
        } else {
            format!(", removed {} stale man pages", stale.len())
        }
    ));
    Ok(())
}
