//! The report page: one self-contained HTML document (inline CSS, inline SVG charts, no
//! scripts, fonts or anything fetched), so it opens from a file, an artifact store or a mail
//! attachment exactly as it was written. Every string from the run is escaped.

use std::fmt::Write as _;

use super::escape::escape;
use super::model::{RunReport, Totals};
use super::series::{self, Chart};
use super::svg;

const STYLE: &str = "
body { font-family: sans-serif; margin: 2em auto; max-width: 960px; color: #222; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ddd; padding: 0.3em 0.6em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th.text, td.text { text-align: left; }
dl.run { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dl.run dt { font-weight: bold; } dl.run dd { margin: 0; }
figure { margin: 1.5em 0; } figcaption { font-weight: bold; margin-bottom: 0.3em; }
figure svg { max-width: 100%; height: auto; border: 1px solid #eee; }
ul.legend { list-style: none; padding: 0; margin: 0.3em 0; }
ul.legend li { display: inline-block; margin-right: 1.2em; }
ul.legend .swatch { display: inline-block; width: 1.4em; height: 0.35em; margin-right: 0.4em; vertical-align: middle; }
.no-data { color: #8a6d3b; background: #fcf8e3; padding: 0.6em; border: 1px solid #faebcc; }
";

/// The report as a complete HTML document.
pub fn html(report: &RunReport) -> String {
    let mut page = String::new();
    let title = format!(
        "CityPulse Live run: {}, seed {}",
        escape(&report.scenario),
        report.seed
    );
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n"
    );
    header(&mut page, report);
    operations(&mut page, report);
    totals(&mut page, &report.totals);
    page.push_str("<h2>Charts</h2>\n");
    for chart in series::charts(report) {
        figure(&mut page, &chart);
    }
    failures(&mut page, report);
    page.push_str("</body>\n</html>\n");
    page
}

fn header(page: &mut String, r: &RunReport) {
    let b = &r.bounds;
    let sources = if b.source_addresses.is_empty() {
        "(the system's choice)".to_string()
    } else {
        escape(&b.source_addresses.join(", "))
    };
    let rows = [
        ("Scenario", escape(&r.scenario)),
        ("Seed", r.seed.to_string()),
        ("Started", escape(&r.started_at)),
        ("Duration", format!("{:.1} s", r.duration_s)),
        ("Daemon", escape(&r.daemon_url)),
        (
            "Simulated day",
            format!("{} h per second", num(r.day_hours_per_s)),
        ),
        ("Bucket", format!("{} s", num(r.bucket_s))),
        ("Users (at most)", b.users.to_string()),
        ("Events", b.events.to_string()),
        ("Duration bound", format!("{} s", num(b.duration_s))),
        (
            "Rate bound",
            format!("{} per second", num(b.max_rate_per_s)),
        ),
        ("Source addresses", sources),
    ];
    page.push_str("<dl class=\"run\">\n");
    for (name, value) in rows {
        let _ = writeln!(page, "<dt>{name}</dt><dd>{value}</dd>");
    }
    page.push_str("</dl>\n");
}

fn operations(page: &mut String, r: &RunReport) {
    page.push_str(
        "<h2>Operations</h2>\n<table id=\"operations\">\n<tr><th>operation</th><th>count</th>\
         <th>errors</th><th>mean ops/s</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th>\
         <th>max ms</th></tr>\n",
    );
    for op in series::operations(r) {
        let rate = if r.duration_s > 0.0 {
            num(op.count as f64 / r.duration_s)
        } else {
            "-".into()
        };
        let [p50, p95, p99, max] = match &op.latency_ms {
            Some(l) => [l.p50, l.p95, l.p99, l.max].map(num),
            None => ["-".to_string(), "-".into(), "-".into(), "-".into()],
        };
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{rate}</td><td>{p50}</td><td>{p95}</td>\
             <td>{p99}</td><td>{max}</td></tr>",
            escape(&op.name),
            op.count,
            op.errors
        );
    }
    page.push_str("</table>\n");
}

fn totals(page: &mut String, t: &Totals) {
    let d = t.daemon_counted.as_ref();
    let rows: [(&str, u64, Option<u64>); 11] = [
        ("users online (at least once)", t.users_online, None),
        ("peak users online", t.peak_online, None),
        ("events created", t.events_created, None),
        ("events ended", t.events_ended, None),
        (
            "chat messages sent",
            t.chat_sent,
            d.map(|d| d.chat_messages),
        ),
        (
            "chat messages delivered",
            t.chat_delivered,
            d.map(|d| d.chat_deliveries),
        ),
        ("drops seen", t.drops_seen, d.map(|d| d.drops)),
        ("claims made", t.claims, None),
        ("claims won", t.claims_won, d.map(|d| d.claims_won)),
        ("claims lost", t.claims_lost, d.map(|d| d.claims_lost)),
        ("most winners of one drop", t.max_winners_per_drop, None),
    ];
    page.push_str(
        "<h2>Totals</h2>\n<table id=\"totals\">\n<tr><th>what</th><th>the run counted</th>\
         <th>the daemon counted</th></tr>\n",
    );
    for (name, run, daemon) in rows {
        let daemon = daemon.map_or("-".to_string(), |n| n.to_string());
        let _ = writeln!(
            page,
            "<tr><td>{name}</td><td>{run}</td><td>{daemon}</td></tr>"
        );
    }
    page.push_str("</table>\n");
    if d.is_none() {
        page.push_str(
            "<p class=\"no-data\">The daemon's counters are missing: its /metrics could not be \
             read during this run.</p>\n",
        );
    }
}

/// A chart with its caption and legend; a note instead when nothing was measured.
fn figure(page: &mut String, chart: &Chart) {
    let _ = writeln!(
        page,
        "<figure id=\"{}\">\n<figcaption>{} ({})</figcaption>",
        escape(&chart.id),
        escape(&chart.title),
        escape(chart.unit)
    );
    if chart.is_empty() {
        let _ = writeln!(page, "<p class=\"no-data\">{}</p>", escape(chart.no_data));
    } else {
        match svg::svg(chart) {
            Ok(svg) => page.push_str(&svg),
            // A chart plotters could not draw should not cost the rest of the report.
            Err(e) => {
                let _ = writeln!(
                    page,
                    "<p class=\"no-data\">This chart could not be drawn: {}</p>",
                    escape(&format!("{e:#}"))
                );
            }
        }
        page.push_str("<ul class=\"legend\">\n");
        for (i, series) in chart.series.iter().enumerate() {
            let empty = if series.len() == 0 { " (no data)" } else { "" };
            let _ = writeln!(
                page,
                "<li data-series=\"{name}\"><span class=\"swatch\" style=\"background:{}\">\
                 </span>{name}{empty}</li>",
                svg::hex(svg::colour(i)),
                name = escape(&series.name),
            );
        }
        page.push_str("</ul>\n");
    }
    page.push_str("</figure>\n");
}

fn failures(page: &mut String, r: &RunReport) {
    page.push_str("<h2>Failures</h2>\n");
    if r.failures.is_empty() {
        page.push_str("<p id=\"failures\">No failures.</p>\n");
        return;
    }
    page.push_str(
        "<table id=\"failures\">\n<tr><th>operation</th><th class=\"text\">what went wrong</th>\
         <th>times</th></tr>\n",
    );
    for f in &r.failures {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td class=\"text\">{}</td><td>{}</td></tr>",
            escape(&f.operation),
            escape(&f.message),
            f.count
        );
    }
    page.push_str("</table>\n");
}

/// A number with as many decimals as it needs to be read (0.25 ms, 12.3 ms, 4000 ops/s).
fn num(x: f64) -> String {
    let digits = if x.abs() >= 100.0 || x.fract() == 0.0 {
        0
    } else if x.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{x:.digits$}")
}

#[cfg(test)]
mod tests {
    use super::html;
    use crate::report::fixture;
    use crate::report::model::OPERATIONS;

    /// The markup of `<figure id="ID">`.
    fn figure<'a>(page: &'a str, id: &str) -> &'a str {
        let start = page
            .find(&format!("<figure id=\"{id}\">"))
            .unwrap_or_else(|| panic!("no figure {id}"));
        let len = page[start..].find("</figure>").unwrap();
        &page[start..start + len]
    }

    /// The points drawn for `series` in a figure: the circles of its `<g>`.
    fn points(figure: &str, series: &str) -> usize {
        let start = figure
            .find(&format!("<g class=\"series\" data-series=\"{series}\""))
            .unwrap_or_else(|| panic!("no series {series}"));
        let len = figure[start..].find("</g>").unwrap();
        figure[start..start + len].matches("<circle").count()
    }

    #[test]
    fn the_throughput_chart_has_every_operation_with_a_point_per_bucket() {
        let page = html(&fixture::run(60));
        let chart = figure(&page, "chart-throughput");
        assert!(chart.contains("<svg"));
        for op in OPERATIONS {
            assert_eq!(points(chart, op), 60, "{op}");
        }
        for id in [
            "chart-errors",
            "chart-connections",
            "chart-memory",
            "chart-cpu",
        ] {
            assert!(figure(&page, id).contains("<svg"), "{id}");
        }
        let join = figure(&page, "chart-latency-join");
        for p in ["p50", "p95", "p99"] {
            assert_eq!(points(join, p), 60, "{p}");
        }
        assert!(!page.contains("no data"), "every series has points");
    }

    #[test]
    fn buckets_without_a_value_are_not_points() {
        let mut run = fixture::run(20);
        for p in run.operations[1].points.iter_mut().skip(5).take(5) {
            p.p99_ms = None;
        }
        let page = html(&run);
        let join = figure(&page, "chart-latency-join");
        assert_eq!(points(join, "p99"), 15);
        assert_eq!(points(join, "p50"), 20);
    }

    #[test]
    fn a_run_without_daemon_samples_says_no_data() {
        let mut run = fixture::run(30);
        run.daemon.clear();
        run.totals.daemon_counted = None;
        let page = html(&run);
        let memory = figure(&page, "chart-memory");
        assert!(
            memory.contains("No data") && !memory.contains("<svg"),
            "{memory}"
        );
        // The CPU chart still draws the generator, and says the daemon has nothing.
        let cpu = figure(&page, "chart-cpu");
        assert_eq!(points(cpu, "client_cpu"), 30);
        assert!(cpu.contains("daemon_cpu (no data)"), "{cpu}");
        assert!(page.contains("counters are missing"));
    }

    #[test]
    fn a_run_with_nothing_measured_is_all_notes() {
        let page = html(&fixture::run(0));
        assert!(!page.contains("<svg"));
        for id in ["chart-throughput", "chart-latency-claim", "chart-memory"] {
            assert!(figure(&page, id).contains("No data"), "{id}");
        }
    }

    #[test]
    fn strings_from_the_run_are_escaped() {
        let mut run = fixture::run(5);
        run.scenario = "<script>alert(1)</script>".into();
        run.daemon_url = "http://x/?a=1&b=<2>".into();
        run.operations[0].name = "op\"><img src=x>".into();
        let page = html(&run);
        assert!(!page.contains("<script>") && !page.contains("<img") && !page.contains("<b>"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("http://x/?a=1&amp;b=&lt;2&gt;"));
        assert!(page.contains("&lt;b&gt;refused&lt;/b&gt; &amp; &quot;closed&quot;"));
        assert!(page.contains("data-series=\"op&quot;&gt;&lt;img src=x&gt;\""));
    }

    #[test]
    fn the_page_fetches_nothing() {
        let page = html(&fixture::run(5));
        for remote in [
            "<script",
            "<link",
            "src=\"http",
            "href=\"http",
            "@import",
            "url(",
        ] {
            assert!(!page.contains(remote), "{remote}");
        }
    }
}
