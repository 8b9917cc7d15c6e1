//! The README's curl walk-through runs as written against a real daemon.

use citypulse_tests::{workspace_root, Daemon, ADMIN_TOKEN};

fn walkthrough() -> String {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    let start = readme
        .find("<!-- walkthrough:start -->")
        .expect("start marker");
    let end = readme.find("<!-- walkthrough:end -->").expect("end marker");
    readme[start..end]
        .lines()
        .filter(|l| !l.starts_with("```") && !l.starts_with("<!--"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn the_curl_walkthrough_runs_as_written() {
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_err()
    {
        panic!("curl is needed for the README walk-through test");
    }
    let d = Daemon::start().await;
    let script = walkthrough();
    let out = tokio::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .env("CPL_URL", &d.url)
        .env("CPL_ADMIN_TOKEN", ADMIN_TOKEN)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "walk-through failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("registered "), "{stdout}");
    assert!(
        stdout.contains("\"distance_m\":"),
        "nearby lists the event: {stdout}"
    );
    assert!(
        stdout.contains("\"success\":true"),
        "the claim wins: {stdout}"
    );
    assert!(
        stdout.contains("\"collectible_id\":"),
        "the inventory shows it: {stdout}"
    );
}
