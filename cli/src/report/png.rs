//! The PNG export of the main chart, for READMEs and issues: throughput per operation over
//! the run (upper panel) above each operation's p99 latency (lower panel), one colour per
//! operation in both, at a fixed [`WIDTH`] x [`HEIGHT`] pixels.
//!
//! Drawn by plotters into an RGB buffer and encoded with the `png` crate (plotters' own
//! encoder would pull in the whole `image` crate for one format).

use std::path::Path;

use plotters::prelude::*;

use super::model::RunReport;
use super::series::{self, Chart};
use super::svg::{colour, draw_mesh, draw_series, frame};
use super::{font, write_file};

/// Width of the exported PNG, pixels.
pub const WIDTH: u32 = 1200;
/// Height of the exported PNG, pixels.
pub const HEIGHT: u32 = 600;

/// Renders the main chart of `report` to a PNG file at `path`.
pub fn png(report: &RunReport, path: &Path) -> anyhow::Result<()> {
    write_file(path, "the PNG chart", &encode(report)?)
}

/// The main chart as PNG bytes.
pub fn encode(report: &RunReport) -> anyhow::Result<Vec<u8>> {
    let rgb = draw(report)?;
    let mut bytes = Vec::new();
    let mut encoder = ::png::Encoder::new(&mut bytes, WIDTH, HEIGHT);
    encoder.set_color(::png::ColorType::Rgb);
    encoder.set_depth(::png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgb)?;
    writer.finish()?;
    Ok(bytes)
}

/// The chart as RGB pixels, row by row.
fn draw(report: &RunReport) -> anyhow::Result<Vec<u8>> {
    font::register()?;
    let mut rgb = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        let title = format!(
            "{}, seed {}: throughput and p99 latency per operation",
            report.scenario, report.seed
        );
        let body = root.titled(&title, (font::FAMILY, 22))?;
        let (upper, lower) = body.split_vertically(HEIGHT / 2 - 20);
        panel(&upper, &series::throughput(report), true)?;
        panel(&lower, &series::latency_p99(report), false)?;
        root.present()?;
    }
    Ok(rgb)
}

/// One panel: axes, a line per operation, and (upper panel) the legend naming them.
fn panel(
    area: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    chart: &Chart,
    legend: bool,
) -> anyhow::Result<()> {
    let mut frame = frame(area, 0.0..chart.x_max, 0.0..chart.y_max())?;
    draw_mesh(&mut frame, chart.unit)?;
    for (i, series) in chart.series.iter().enumerate() {
        let c = colour(i);
        draw_series(&mut frame, series, c)?;
        if legend {
            // An empty series only carries the legend entry.
            let label = if series.len() == 0 {
                format!("{} (no data)", series.name)
            } else {
                series.name.clone()
            };
            frame
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(3))
                });
        }
    }
    if legend {
        frame
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .label_font((font::FAMILY, 14))
            .draw()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixture;

    /// Width and height from a PNG's IHDR chunk (right after the 8-byte signature and the
    /// chunk's length and type).
    fn size(png: &[u8]) -> (u32, u32) {
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
        assert_eq!(&png[12..16], b"IHDR");
        let be = |at: usize| u32::from_be_bytes([png[at], png[at + 1], png[at + 2], png[at + 3]]);
        (be(16), be(20))
    }

    #[test]
    fn the_png_has_the_documented_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chart.png");
        png(&fixture::run(60), &path).unwrap();
        assert_eq!(size(&std::fs::read(&path).unwrap()), (WIDTH, HEIGHT));
    }

    #[test]
    fn an_empty_run_still_draws() {
        let mut run = fixture::run(0);
        run.operations.clear();
        assert_eq!(size(&encode(&run).unwrap()), (1200, 600));
    }
}
