//! The committed `man/cpld.8` is what the current `cpld` generates.

use citypulse_tests::{binary, workspace_root};

#[test]
fn cpld_man_page_is_up_to_date() {
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
    let fresh = std::fs::read(dir.path().join("cpld.8")).unwrap();
    let committed = std::fs::read(workspace_root().join("man/cpld.8")).unwrap_or_default();
    assert!(
        fresh == committed,
        "man/cpld.8 is out of date; regenerate it with `cargo run -q --bin cpld -- man man` and commit it"
    );
}
