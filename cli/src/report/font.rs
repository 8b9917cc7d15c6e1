//! The one font the charts are laid out and drawn with.
//!
//! plotters (feature `ab_glyph`) measures every label with a registered font, for SVG as
//! well as for the PNG, and the PNG needs glyphs to draw. The font is embedded in the
//! binary rather than looked up on the system so a report renders the same on a machine
//! without fonts (a CI container, a minimal server) and `cpl` needs no fontconfig.
//! DejaVu Sans, licence in `cli/assets/fonts/LICENSE-DejaVu.txt`.

use std::sync::OnceLock;

use plotters::style::{register_font, FontStyle};

/// The family every chart names (plotters' default for labels).
pub const FAMILY: &str = "sans-serif";

static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Registers the embedded font once per process; later calls only return the outcome.
pub fn register() -> anyhow::Result<()> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok());
    anyhow::ensure!(
        ok,
        "the embedded chart font could not be read (a broken build of cpl)"
    );
    Ok(())
}
