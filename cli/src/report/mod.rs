//! Scenario runs as data (`model`) and as pages and pictures: a self-contained HTML page
//! with SVG charts (`html`, `svg`), a PNG of the main chart (`png`), and the JSON itself.
//! The scenario engine and `cpl report` both go through [`write`].

pub mod escape;
pub mod font;
pub mod html;
pub mod model;
pub mod png;
pub mod series;
pub mod svg;

use std::io;
use std::path::Path;

use model::RunReport;

/// Writes the report as an HTML page, a PNG of its main chart and JSON, each where asked.
pub fn write(
    report: &RunReport,
    html: Option<&Path>,
    png: Option<&Path>,
    json: Option<&Path>,
) -> anyhow::Result<()> {
    if let Some(path) = json {
        let mut text = serde_json::to_string_pretty(report)?;
        text.push('\n');
        write_file(path, "the JSON report", text.as_bytes())?;
    }
    if let Some(path) = html {
        write_file(path, "the HTML report", html::html(report).as_bytes())?;
    }
    if let Some(path) = png {
        png::png(report, path)?;
    }
    Ok(())
}

/// Writes `bytes` to `path`; a failure is a usage error naming the file, why, and what to do.
fn write_file(path: &Path, what: &str, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(path, bytes).map_err(|e| {
        let why = match e.kind() {
            io::ErrorKind::NotFound => "its directory does not exist".to_string(),
            io::ErrorKind::PermissionDenied => "permission denied".to_string(),
            io::ErrorKind::IsADirectory => "it is a directory".to_string(),
            _ => e.to_string(),
        };
        crate::error::usage(format!(
            "cannot write {what} to {}: {why}; give a path in a directory you can write to",
            path.display()
        ))
    })
}
