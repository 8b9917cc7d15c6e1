//! One chart as an inline SVG drawn by plotters, with every series findable in the page.
//!
//! plotters writes SVG elements in drawing order with nothing that says which series an
//! element belongs to. Rather than guess afterwards (by colour, by position), the axes
//! are drawn into one document and each series into a document of its own over the same
//! frame (same size, margins and ranges, so the same pixel mapping); each series' elements
//! are then moved into the axes' document inside `<g class="series" data-series="NAME"
//! data-points="N">`. Each point with a value is also drawn as a `<circle>`, so a reader
//! (or a test) can count a series' points whatever plotters does with the line.

use std::fmt::Write as _;
use std::ops::Range;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::escape::escape;
use super::font;
use super::series::Chart;

/// Width and height of every chart on the page (the page scales them to its width).
pub const SIZE: (u32, u32) = (900, 320);

/// Series colours, by position in the chart (Tableau 10: distinct, colour-blind aware).
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
];

/// The colour of the `i`th series.
pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// `#rrggbb` of a colour, for the page's legend.
pub fn hex(c: RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

type Frame<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The plotting frame of a chart: margins, room for the axis labels, and the ranges.
/// Everything drawn of one chart goes through here so the pixel mapping is the same.
pub fn frame<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    x: Range<f64>,
    y: Range<f64>,
) -> anyhow::Result<Frame<'a, DB>>
where
    DB::ErrorType: 'static,
{
    ChartBuilder::on(area)
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(64)
        .build_cartesian_2d(x, y)
        .map_err(|e| anyhow::anyhow!("cannot lay out a chart: {e}"))
}

/// The axes, grid and labels of a chart.
pub fn draw_mesh<DB: DrawingBackend>(frame: &mut Frame<'_, DB>, unit: &str) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    frame
        .configure_mesh()
        .x_desc("seconds since the start")
        .y_desc(unit)
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        // One light line between labels: a grid to read values against, not a texture.
        .max_light_lines(1)
        .light_line_style(RGBColor(0xee, 0xee, 0xee))
        .draw()
        .map_err(|e| anyhow::anyhow!("cannot draw a chart's axes: {e}"))
}

/// An axis label: `10`, `0.25`, `2.5` rather than plotters' `10.0`.
fn tick(v: &f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// One series: a line per stretch of points with values, and a dot per point.
pub fn draw_series<DB: DrawingBackend>(
    frame: &mut Frame<'_, DB>,
    series: &super::series::Series,
    colour: RGBColor,
) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let failed = |e| anyhow::anyhow!("cannot draw the series {}: {e}", series.name);
    for run in series.runs() {
        frame
            .draw_series(LineSeries::new(run, colour.stroke_width(2)))
            .map_err(failed)?;
    }
    frame
        .draw_series(series.points().map(|p| Circle::new(p, 2, colour.filled())))
        .map_err(failed)?;
    Ok(())
}

/// The chart as an `<svg>` element. A chart whose series are all empty is the caller's
/// to replace with a note (see [`Chart::is_empty`]).
pub fn svg(chart: &Chart) -> anyhow::Result<String> {
    font::register()?;
    let (x, y) = (0.0..chart.x_max, 0.0..chart.y_max());
    let mut axes = String::new();
    {
        let area = SVGBackend::with_string(&mut axes, SIZE).into_drawing_area();
        area.fill(&WHITE)?;
        draw_mesh(&mut frame(&area, x.clone(), y.clone())?, chart.unit)?;
        area.present()?;
    }
    let mut layers = String::new();
    for (i, series) in chart.series.iter().enumerate() {
        let points = series.len();
        if points == 0 {
            continue;
        }
        let mut layer = String::new();
        {
            let area = SVGBackend::with_string(&mut layer, SIZE).into_drawing_area();
            draw_series(&mut frame(&area, x.clone(), y.clone())?, series, colour(i))?;
            area.present()?;
        }
        let _ = write!(
            layers,
            "<g class=\"series\" data-series=\"{}\" data-points=\"{points}\">\n{}</g>\n",
            escape(&series.name),
            inside(&layer)?
        );
    }
    let open = axes
        .strip_suffix("</svg>\n")
        .ok_or_else(|| anyhow::anyhow!("plotters wrote an SVG document cpl cannot read"))?;
    Ok(format!("{open}{layers}</svg>\n"))
}

/// The elements of an SVG document plotters wrote: everything between its `<svg ...>` line
/// and its closing `</svg>`.
fn inside(doc: &str) -> anyhow::Result<&str> {
    doc.split_once('\n')
        .and_then(|(_, rest)| rest.strip_suffix("</svg>\n"))
        .ok_or_else(|| anyhow::anyhow!("plotters wrote an SVG document cpl cannot read"))
}
