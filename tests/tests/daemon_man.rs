//! The committed `man/cpld*.8` pages are what the current `cpld` generates: `cpld.8` and one
//! page per subcommand it lists, none missing, none stale.

use citypulse_tests::{binary, workspace_root};

const REGENERATE: &str = "cargo run -q --bin cpld -- man man";

fn cpld_pages(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("cpld") && n.ends_with(".8"))
        .collect();
    names.sort();
    names
}

#[test]
fn cpld_man_pages_are_up_to_date() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(binary("cpld"))
        .arg("man")
        .arg(dir.path())
        .env_clear()
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fresh = cpld_pages(dir.path());
    assert!(fresh.contains(&"cpld.8".to_string()), "{fresh:?}");
    let committed_dir = workspace_root().join("man");
    for name in &fresh {
        let page = std::fs::read(dir.path().join(name)).unwrap();
        let committed = std::fs::read(committed_dir.join(name)).unwrap_or_default();
        assert!(
            page == committed,
            "man/{name} is missing or out of date; regenerate it with `{REGENERATE}` and commit it"
        );
    }
    let stale: Vec<String> = cpld_pages(&committed_dir)
        .into_iter()
        .filter(|n| !fresh.contains(n))
        .collect();
    assert!(
        stale.is_empty(),
        "man/{stale:?} no longer match a cpld command; regenerate with `{REGENERATE}`"
    );
}

/// Every page `cpld.8` refers to is one we ship.
#[test]
fn cpld_man_page_refers_only_to_shipped_pages() {
    let root = workspace_root();
    let page = std::fs::read_to_string(root.join("man/cpld.8")).unwrap();
    for line in page.lines() {
        let Some(name) = line.strip_suffix("(8)") else {
            continue;
        };
        let file = format!("{}.8", name.replace("\\-", "-"));
        assert!(
            root.join("man").join(&file).exists(),
            "man/cpld.8 refers to {name}(8), but man/{file} does not exist"
        );
    }
}
