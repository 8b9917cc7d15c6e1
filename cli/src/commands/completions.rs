//! `cpl completions SHELL`: prints a completion script.

use std::io::Write;

use clap_complete::Shell;

/// Arguments of `cpl completions`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Install, for example:\n  \
bash:  cpl completions bash > ~/.local/share/bash-completion/completions/cpl\n  \
zsh:   cpl completions zsh > ~/.zfunc/_cpl   (with fpath+=~/.zfunc)\n  \
fish:  cpl completions fish > ~/.config/fish/completions/cpl.fish")]
pub struct Args {
    /// The shell
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Prints the script.
pub fn run(args: &Args) -> anyhow::Result<()> {
    let (_, script) = crate::docs::completion(args.shell);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(())
}
