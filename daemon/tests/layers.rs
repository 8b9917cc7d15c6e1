//! The daemon's folders are layers and imports point down only (README, "Layout"): this
//! test reads the sources and fails on an upward or sideways import, naming the file, the
//! line and the layer it may not use, so the shape does not erode one convenient import
//! at a time.

use std::fs;
use std::path::{Path, PathBuf};

/// What the top layers (`http`, `jobs`, `commands`) may import: everything below them.
const BELOW_TOP: &[&str] = &[
    "domain",
    "realtime",
    "clients",
    "store",
    "config",
    "metrics",
    "ratelimit",
    "host",
];

/// What `domain` may import: the same without itself.
const BELOW_DOMAIN: &[&str] = match BELOW_TOP.split_first() {
    Some((_, rest)) => rest,
    None => &[],
};

/// Each layer (a folder or leaf module under `daemon/src/`) and the layers it may import.
/// `server`, `main` and `seed` wire everything and may use anything.
const RULES: &[(&str, &[&str])] = &[
    ("http", BELOW_TOP),
    ("jobs", BELOW_TOP),
    ("commands", BELOW_TOP),
    ("domain", BELOW_DOMAIN),
    ("realtime", &["store", "config", "metrics", "ratelimit"]),
    ("clients", &["config", "metrics", "ratelimit"]),
    ("store", &["config", "metrics"]),
    ("config", &[]),
    ("metrics", &[]),
    ("ratelimit", &[]),
    ("host", &[]),
];

/// The modules that wire the layers together: named by no layer.
const WIRING: &[&str] = &["server", "seed"];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("daemon/src is readable") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The layer a file belongs to: its first folder under src/, or its own name for a leaf.
fn layer_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).expect("under src");
    let first = rel.components().next().expect("a first component");
    first
        .as_os_str()
        .to_string_lossy()
        .trim_end_matches(".rs")
        .to_string()
}

/// The layers a line of code names as `crate::<layer>` (comments are skipped).
fn named_layers(line: &str) -> Vec<&'static str> {
    let code = line.split("//").next().unwrap_or("");
    let mut found = Vec::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        // `use crate::{a, b::c}` names several.
        let names: Vec<&str> = if let Some(group) = rest.strip_prefix('{') {
            group
                .split('}')
                .next()
                .unwrap_or("")
                .split(',')
                .map(|n| n.trim().split("::").next().unwrap_or(""))
                .collect()
        } else {
            vec![rest
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .next()
                .unwrap_or("")]
        };
        for name in names {
            let known = RULES.iter().map(|(l, _)| *l).chain(WIRING.iter().copied());
            if let Some(layer) = known.into_iter().find(|l| *l == name) {
                found.push(layer);
            }
        }
    }
    found
}

#[test]
fn imports_point_down_only() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let mut wrong = Vec::new();
    for file in &files {
        let layer = layer_of(&src, file);
        let Some((_, allowed)) = RULES.iter().find(|(l, _)| *l == layer) else {
            continue;
        };
        let text = fs::read_to_string(file).expect("a readable source file");
        for (n, line) in text.lines().enumerate() {
            // Unit tests (at the end of a file, by convention) may use fixtures from anywhere.
            if line.trim() == "#[cfg(test)]" {
                break;
            }
            if line.trim_start().starts_with("//") {
                continue;
            }
            for used in named_layers(line) {
                if used != layer && !allowed.contains(&used) {
                    wrong.push(format!(
                        "{}:{}: {layer} may not use {used} (allowed: {})",
                        file.strip_prefix(&src).unwrap_or(file).display(),
                        n + 1,
                        allowed.join(", ")
                    ));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports that point up or sideways; move the code to the layer that may use \
         both, or pass what is needed down:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_checker_sees_grouped_and_plain_imports() {
    assert_eq!(named_layers("use crate::http::error::ApiError;"), ["http"]);
    assert_eq!(
        named_layers("use crate::{domain::rooms, store::Store};"),
        ["domain", "store"]
    );
    assert!(named_layers("// see crate::http").is_empty());
    assert!(named_layers("let x = 1;").is_empty());
}
