//! `cpl man [DIR]`: writes every man page into DIR, or prints `cpl.1`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context as _;

/// Arguments of `cpl man`.
#[derive(clap::Args, Debug)]
#[command(after_help = "Read one without installing: cpl man | man -l -")]
pub struct Args {
    /// Write cpl.1 and one page per subcommand here (created if missing); without it, print cpl.1
    pub dir: Option<PathBuf>,
}

/// Writes or prints the pages.
pub fn run(args: &Args, quiet: bool) -> anyhow::Result<()> {
    let pages = crate::docs::man_pages()?;
    match &args.dir {
        None => {
            let top = format!("{}.1", crate::docs::BIN);
            let mut out = std::io::stdout().lock();
            for (name, roff) in &pages {
                if *name == top {
                    out.write_all(roff)?;
                }
            }
            out.flush()?;
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            for (name, roff) in &pages {
                let path = dir.join(name);
                std::fs::write(&path, roff)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            if !quiet {
                crate::context::eprintln_safe(&format!(
                    "Wrote {} man pages to {}.",
                    pages.len(),
                    dir.display()
                ));
            }
        }
    }
    Ok(())
}
