//! Completions and man pages, generated from the clap definition: the
//! `completions` and `man` commands print or write them, and the hidden `gen-docs` writes the
//! committed copies in `completions/` and `man/` that a test compares byte for byte.

use clap::CommandFactory;
use clap_complete::{Generator, Shell};

use crate::cli::Cli;

/// The name completions and man pages are generated for.
pub const BIN: &str = "cpl";

/// Every shell we ship a completion script for.
pub const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::Elvish,
    Shell::PowerShell,
];

/// The completion script for `shell`, and its conventional file name
/// (`cpl.bash`, `_cpl`, `cpl.fish`, `cpl.elv`, `_cpl.ps1`).
pub fn completion(shell: Shell) -> (String, Vec<u8>) {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut cmd, BIN, &mut buf);
    (shell.file_name(BIN), buf)
}

/// Every man page: `cpl.1` and one per visible subcommand (`cpl-events.1`,
/// `cpl-events-create.1`, ...), as `(file name, roff)`.
pub fn man_pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut pages = Vec::new();
    collect(&cmd, &mut pages)?;
    pages.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(pages)
}

fn collect(cmd: &clap::Command, pages: &mut Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
    for sub in cmd.get_subcommands() {
        if sub.is_hide_set() || sub.get_name() == "help" {
            continue;
        }
        collect(sub, pages)?;
    }
    let man = clap_mangen::Man::new(cmd.clone())
        .source(format!("{BIN} {}", env!("CARGO_PKG_VERSION")))
        .manual("CityPulse Live");
    let mut buf = Vec::new();
    man.render(&mut buf)?;
    pages.push((man.get_filename(), buf));
    Ok(())
}
