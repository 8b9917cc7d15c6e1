//! Progress bars for the steps of `cpl race` and `cpl simulate` that take more than a moment
//! (registering thousands of users, joining them, opening their sockets, the run itself,
//! the clean-up). Drawn on stderr only when it is a terminal, and never under `--quiet` or
//! `--json`: the data on stdout stays clean and a script's stderr stays quiet.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::context::Context;

/// A bar counting to `total` `what` (e.g. "users registered"), or a hidden one when nobody
/// would see it.
pub fn bar(ctx: &Context, total: u64, what: &str) -> ProgressBar {
    if ctx.quiet || ctx.out.is_json() || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let template = format!(
        "{{spinner}} {{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {what} ({{per_sec}}) {{msg}}"
    );
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}
