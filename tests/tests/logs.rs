//! `cpld`'s log on stderr when it is not a terminal: plain text without colour escapes
//! by default, one JSON object per line with `CPL_LOG_FORMAT=json`.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use citypulse_tests::binary;

/// Starts `cpld` with stderr on a pipe, waits until it serves, stops it with SIGTERM and
/// returns everything it wrote on stderr.
async fn stderr_of_a_run(extra_env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(binary("cpld"));
    cmd.env_clear()
        .current_dir(dir.path())
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("CPL_DB", dir.path().join("citypulse.db"))
        .env("CPL_LISTEN", "127.0.0.1:0")
        // Debug lines too: more lines, more chances for an escape to show.
        .env("CPL_LOG", "info,citypulse_daemon=debug")
        // An unknown setting: a warning logged with the configuration's own sentence.
        .env("CPL_NOT_A_SETTING", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in extra_env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    // Read stderr as it comes, so the daemon never blocks on a full pipe.
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        let _ = stderr.read_to_string(&mut all);
        all
    });
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("cpld did not print its address: {line:?}"));
    // Stopped once it serves, so the log has the lines of a whole run.
    let client = citypulse::client::Client::new(url).unwrap();
    let mut healthy = false;
    for _ in 0..200 {
        if client.health().await.is_ok() {
            healthy = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(healthy, "cpld at {url} never became healthy");
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let status = child.wait().unwrap();
    let log = reader.join().unwrap();
    assert!(status.success(), "cpld exited with {status}; log:\n{log}");
    log
}

#[tokio::test]
async fn text_log_through_a_pipe_has_no_colour_escapes() {
    let log = stderr_of_a_run(&[]).await;
    assert!(log.contains("cpld stopped"), "{log}");
    assert!(log.contains("CPL_NOT_A_SETTING"), "{log}");
    assert!(
        !log.contains("\x1b["),
        "colour escapes in a piped log:\n{log}"
    );
}

#[tokio::test]
async fn json_log_is_one_object_per_line() {
    let log = stderr_of_a_run(&[("CPL_LOG_FORMAT", "json")]).await;
    assert!(
        !log.contains("\x1b["),
        "colour escapes in a JSON log:\n{log}"
    );
    let lines: Vec<&str> = log.lines().collect();
    assert!(lines.len() >= 3, "{log}");
    let mut messages = Vec::new();
    for line in lines {
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line:?}"));
        assert!(v["level"].is_string(), "{line}");
        assert!(v["timestamp"].is_string(), "{line}");
        messages.push(
            v["fields"]["message"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
    }
    assert!(messages.iter().any(|m| m == "cpld stopped"), "{messages:?}");
}

#[test]
fn a_bad_log_format_is_refused_with_a_sentence_naming_it() {
    let out = Command::new(binary("cpld"))
        .env_clear()
        .env("CPL_DB", std::env::temp_dir().join("never-opened.db"))
        .env("CPL_LOG_FORMAT", "yaml")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("CPL_LOG_FORMAT=\"yaml\" (from the environment) is not a log format"),
        "{err}"
    );
}
