//! `cpl simulate --scenario city-day` against a real daemon (issue 20): a small, short
//! day whose report's numbers must match what the daemon's `/metrics` counted (chat
//! messages and their deliveries, drops, claims won and lost, one winner per drop), with
//! no errors. Nothing here depends on timings: the run is bounded by its --duration, and
//! the counts are exact by construction (the generator lets no one leave a room while a
//! chat in it is being delivered, and sends nothing into a room that is ending).

#![allow(clippy::unwrap_used)]

use std::process::Command;
use std::time::Duration;

use citypulse_tests::{binary, Daemon};
use serde_json::Value;

/// `cpl` with an isolated home, pointed at `url`; exit code, stdout, stderr.
fn cpl(url: &str, home: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(binary("cpl"))
        .env_clear()
        .current_dir(home)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("xdg-config"))
        .env("XDG_DATA_HOME", home.join("xdg-data"))
        .env("CPL_CONFIG_DIR", home.join("cpl-config"))
        .env("CPL_URL", url)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_city_day_matches_what_the_daemon_counted() {
    let d = Daemon::builder()
        .env("CPL_DROP_INTERVAL", "1")
        .start()
        .await;
    let home = tempfile::tempdir().unwrap();
    let report_file = home.path().join("day.json");
    let url = d.url.clone();
    let dir = home.path().to_path_buf();
    let report_arg = report_file.to_str().unwrap().to_string();
    let (page, chart) = (home.path().join("day.html"), home.path().join("day.png"));
    let page_arg = page.to_str().unwrap().to_string();
    let chart_arg = chart.to_str().unwrap().to_string();
    // cpl blocks; the daemon is another process. Bounded: the day lasts 30 s, the answers
    // still due after it at most 10 s more, registering 150 users a few seconds.
    let run = tokio::task::spawn_blocking(move || {
        cpl(
            &url,
            &dir,
            &[
                "--json",
                "simulate",
                "--scenario",
                "city-day",
                "--users",
                "150",
                "--duration",
                "30s",
                "--events",
                "10",
                "--seed",
                "1",
                "--source-addresses",
                "2",
                "--report-json",
                &report_arg,
                "--report",
                &page_arg,
                "--report-png",
                &chart_arg,
            ],
        )
    });
    let (code, stdout, stderr) = tokio::time::timeout(Duration::from_secs(240), run)
        .await
        .expect("the run ends within 4 minutes")
        .unwrap();
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    let r: Value = serde_json::from_str(&stdout).unwrap();
    let saved: Value = serde_json::from_slice(&std::fs::read(&report_file).unwrap()).unwrap();
    assert_eq!(saved, r, "--report-json saves what --json prints");
    // The page and the picture of this run (tests/tests/report.rs opens such a page in
    // Chromium): every chart is there, and the PNG is the documented 1200x600.
    let html = std::fs::read_to_string(&page).unwrap();
    for id in [
        "throughput",
        "latency-chat_delivery",
        "connections",
        "memory",
        "cpu",
    ] {
        assert!(
            html.contains(&format!("<figure id=\"chart-{id}\"")),
            "no chart {id}"
        );
    }
    assert!(
        html.contains("data-series=\"daemon_rss_mb\""),
        "no daemon memory series"
    );
    let png = std::fs::read(&chart).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let (w, h) = (&png[16..20], &png[20..24]);
    assert_eq!(
        (
            u32::from_be_bytes(w.try_into().unwrap()),
            u32::from_be_bytes(h.try_into().unwrap())
        ),
        (1200, 600)
    );
    let show = format!("{r:#}");
    eprintln!("totals: {}", r["totals"]);

    assert_eq!(r["scenario"], "city-day");
    assert_eq!(r["seed"], 1);
    assert_eq!(r["bounds"]["users"], 150);
    assert_eq!(r["bounds"]["events"], 10);
    assert_eq!(
        r["bounds"]["source_addresses"],
        serde_json::json!(["127.0.0.1", "127.0.0.2"])
    );
    assert!(r["failures"].as_array().unwrap().is_empty(), "{show}");
    let buckets = (30.0 / r["bucket_s"].as_f64().unwrap()).ceil() as usize;
    for op in r["operations"].as_array().unwrap() {
        let name = op["name"].as_str().unwrap();
        assert_eq!(op["errors"], 0, "{name}: {show}");
        assert!(op["count"].as_u64().unwrap() > 0, "{name} happened: {show}");
        let points = op["points"].as_array().unwrap();
        assert_eq!(points.len(), buckets, "{name}");
        let summed: u64 = points.iter().map(|p| p["count"].as_u64().unwrap()).sum();
        assert_eq!(summed, op["count"].as_u64().unwrap(), "{name}");
        assert!(points.iter().any(|p| p["p99_ms"].is_f64()), "{name}");
        assert_eq!(
            op["latency_ms"]["samples"].as_u64(),
            op["count"].as_u64(),
            "{name}"
        );
    }
    let names: Vec<&str> = r["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["location_update", "join", "chat_delivery", "claim"]);
    assert!(!r["client"].as_array().unwrap().is_empty());
    assert!(r["client"][0]["cpu_cores"].is_f64(), "{show}");
    let daemon = r["daemon"].as_array().unwrap();
    assert!(!daemon.is_empty(), "{show}");
    assert!(daemon.iter().all(|p| p["rss_bytes"].as_u64().unwrap() > 0));
    assert!(daemon.iter().skip(1).any(|p| p["cpu_cores"].is_f64()));
    assert!(daemon
        .iter()
        .any(|p| p["ws_connections"].as_i64().unwrap() > 0));

    let t = &r["totals"];
    let n = |k: &str| {
        t[k].as_u64()
            .unwrap_or_else(|| panic!("totals.{k}: {show}"))
    };
    let dc = |k: &str| {
        t["daemon_counted"][k]
            .as_u64()
            .unwrap_or_else(|| panic!("totals.daemon_counted.{k}: {show}"))
    };
    assert_eq!(n("events_created"), 10, "{show}");
    assert_eq!(
        n("events_ended"),
        10,
        "every event ends, at its time or at the end"
    );
    assert!(n("users_online") > 0 && n("peak_online") <= 150);
    assert!(n("chat_sent") > 0, "{show}");
    assert_eq!(n("chat_sent"), dc("chat_messages"), "{show}");
    assert_eq!(n("chat_delivered"), dc("chat_deliveries"), "{show}");
    assert!(n("drops_seen") > 0, "{show}");
    assert!(n("drops_seen") <= dc("drops"), "{show}");
    assert!(n("claims") > 0, "{show}");
    assert_eq!(n("claims"), n("claims_won") + n("claims_lost"));
    assert_eq!(n("claims_won"), dc("claims_won"), "{show}");
    assert_eq!(n("claims_lost"), dc("claims_lost"), "{show}");
    assert_eq!(
        n("claims_won"),
        n("drops_claimed"),
        "one winner per drop claimed: {show}"
    );
    assert_eq!(n("max_winners_per_drop"), 1, "{show}");

    // Nobody is left online: the daemon counts a socket out once its task ends, a moment
    // after the close (waited for, bounded).
    let mut open = d.metric("citypulse_ws_connections").await;
    for _ in 0..100 {
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        open = d.metric("citypulse_ws_connections").await;
    }
    assert_eq!(open, 0, "sockets left open");
}

#[tokio::test]
async fn scenario_files_are_checked_and_the_template_prints() {
    let home = tempfile::tempdir().unwrap();
    let url = "http://127.0.0.1:9";
    let (code, template, _) = cpl(
        url,
        home.path(),
        &["simulate", "--print-scenario", "city-day"],
    );
    assert_eq!(code, 0);
    assert!(template.contains("name = \"city-day\"") && template.contains("[[places]]"));

    let file = home.path().join("my-day.toml");
    std::fs::write(
        &file,
        template.replace("join_probability = 0.3", "join_probability = 3"),
    )
    .unwrap();
    let (code, _, stderr) = cpl(
        url,
        home.path(),
        &["simulate", "--scenario", file.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("behaviour.join_probability = 3") && stderr.contains("0 to 1"),
        "{stderr}"
    );
    let (code, _, stderr) = cpl(url, home.path(), &["simulate", "--scenario", "city-night"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("city-day"), "{stderr}");
    let (code, _, stderr) = cpl(
        url,
        home.path(),
        &[
            "--url",
            "http://10.1.2.3:8000",
            "simulate",
            "--scenario",
            "city-day",
            "--source-addresses",
            "2",
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("IPv4 loopback"), "{stderr}");
    let (code, _, stderr) = cpl(
        url,
        home.path(),
        &["simulate", "--scenario", "city-day", "--rate", "2"],
    );
    assert_eq!(code, 2, "{stderr}");
}
