//! Scenario runs as data (`model`) and as pages and pictures: a self-contained HTML page
//! with SVG charts (`html`, `svg`), a PNG of the main chart (`png`), and the JSON itself.
//! The scenario engine and `cpl report` both go through [`write`].

pub mod escape;
#[cfg(test)]
mod fixture;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_the_three_files_and_names_a_file_it_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let run = fixture::run(10);
        let (h, p, j) = (
            dir.path().join("r.html"),
            dir.path().join("r.png"),
            dir.path().join("r.json"),
        );
        write(&run, Some(&h), Some(&p), Some(&j)).unwrap();
        assert!(std::fs::read_to_string(&h)
            .unwrap()
            .starts_with("<!DOCTYPE html>"));
        assert!(std::fs::read(&p).unwrap().starts_with(b"\x89PNG"));
        let back: RunReport = serde_json::from_slice(&std::fs::read(&j).unwrap()).unwrap();
        assert_eq!(back.operations.len(), run.operations.len());

        let missing = dir.path().join("no/such/dir/r.html");
        let err = write(&run, Some(&missing), None, None).unwrap_err();
        assert_eq!(crate::error::exit_code(&err), crate::error::USAGE);
        let said = format!("{err:#}");
        assert!(
            said.contains(&missing.display().to_string()) && said.contains("does not exist"),
            "{said}"
        );
    }
}
