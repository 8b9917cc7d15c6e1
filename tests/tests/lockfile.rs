//! One HTTP stack: `Cargo.lock` holds a single release line of each crate that makes up the
//! HTTP and WebSocket stack, so the daemon, the CLI and the tests compile it once (issue 14:
//! warp 0.3 once pulled hyper 0.14, http 0.2 and tungstenite 0.21 in beside hyper 1).

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};

use citypulse_tests::workspace_root;

/// Crates that must not be compiled in two incompatible releases.
const ONE_RELEASE_LINE: &[&str] = &[
    "hyper",
    "hyper-util",
    "http",
    "http-body",
    "h2",
    "tungstenite",
    "tokio-tungstenite",
    "reqwest",
    "warp",
];

/// The part of a version that Cargo treats as breaking: the major from 1.0 on, the minor
/// before it (0.14 and 0.2 are different releases lines, 0.14.1 and 0.14.32 the same).
fn release_line(version: &str) -> String {
    let mut parts = version.split('.');
    let major = parts.next().unwrap_or_default();
    let minor = parts.next().unwrap_or_default();
    if major == "0" {
        format!("0.{minor}")
    } else {
        major.to_string()
    }
}

/// A version's numbers, for ordering (pre-release and build tags ignored).
fn numbers(version: &str) -> Vec<u64> {
    version
        .split(['-', '+'])
        .next()
        .unwrap_or_default()
        .split('.')
        .map(|n| n.parse().unwrap_or(0))
        .collect()
}

fn locked_versions() -> BTreeMap<String, BTreeSet<String>> {
    let path = workspace_root().join("Cargo.lock");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let lock: toml::Value = text
        .parse()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut versions: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for package in lock["package"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap();
        let version = package["version"].as_str().unwrap();
        versions
            .entry(name.to_string())
            .or_default()
            .insert(version.to_string());
    }
    versions
}

#[test]
fn the_http_stack_is_compiled_once() {
    let versions = locked_versions();
    let mut problems = Vec::new();
    for name in ONE_RELEASE_LINE {
        let Some(found) = versions.get(*name) else {
            continue;
        };
        let lines: BTreeSet<String> = found.iter().map(|v| release_line(v)).collect();
        if lines.len() > 1 {
            let mut listed: Vec<&str> = found.iter().map(String::as_str).collect();
            listed.sort_by_key(|v| numbers(v));
            problems.push(format!(
                "Cargo.lock has {name} in {} release lines ({}); run `cargo tree -i {name}@{}` \
                 to see which dependency pulls the older one, then move that dependency (or \
                 ours) to a release built on the newest {name}",
                lines.len(),
                listed.join(", "),
                listed[0],
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn release_lines_follow_cargo_compatibility() {
    assert_eq!(release_line("0.14.32"), "0.14");
    assert_eq!(release_line("0.2.12"), "0.2");
    assert_eq!(release_line("1.12.0"), "1");
    assert_eq!(release_line("1.5.0"), "1");
    assert_eq!(release_line("0.29.0"), "0.29");
    assert!(numbers("0.9.1") < numbers("0.10.0"));
}

#[test]
fn the_stack_is_in_the_lockfile() {
    // A renamed crate would make the first test pass by finding nothing.
    let versions = locked_versions();
    for name in ["hyper", "http", "tungstenite", "reqwest", "warp"] {
        assert!(
            versions.contains_key(name),
            "{name} is no longer in Cargo.lock; update ONE_RELEASE_LINE in tests/tests/lockfile.rs"
        );
    }
}
