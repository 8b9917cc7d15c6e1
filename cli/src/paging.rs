//! Following a list's cursors (issue 18): one page, or with `--all` every page from the
//! first (or from `--cursor`) until the daemon gives no next cursor.

use std::future::Future;

use citypulse::ClientError;

use crate::context::Context;

/// Where a listing starts and whether it follows every cursor (`--cursor`, `--all`).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct CursorArgs {
    /// Start at this page: the cursor a previous listing printed
    #[arg(long, value_name = "CURSOR")]
    pub cursor: Option<String>,
    /// Follow the cursors: every page, from the first (or from --cursor) to the last
    #[arg(long)]
    pub all: bool,
}

/// The items of one page (or of every page with `all`), and the cursor of the page after
/// them (None when they reach the end). `fetch` asks for the page at a cursor.
pub async fn collect<T, F, Fut>(
    args: &CursorArgs,
    mut fetch: F,
) -> Result<(Vec<T>, Option<String>), ClientError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), ClientError>>,
{
    let mut items = Vec::new();
    let mut cursor = args.cursor.clone();
    loop {
        let (page, next) = fetch(cursor).await?;
        items.extend(page);
        match next {
            Some(next) if args.all => cursor = Some(next),
            next => return Ok((items, next)),
        }
    }
}

/// Tells the person at the terminal how to get the rest, when there is more.
pub fn more(ctx: &Context, what: &str, next: Option<&str>) {
    if let Some(next) = next {
        ctx.note(format!(
            "More {what} follow: add --cursor {next} for the next page, or --all for every page."
        ));
    }
}
