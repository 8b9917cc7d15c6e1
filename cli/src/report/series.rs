//! What each chart of a report plots: the run's numbers as named series of points over the
//! run's seconds. The HTML page (SVG) and the PNG draw from these, so both show the same
//! numbers under the same names.

use super::model::{OperationPoint, OperationSeries, RunReport, OPERATIONS};

/// One chart: an id for the page, a title, a unit and its series.
pub struct Chart {
    /// The `id` of the chart's `<figure>` (`chart-throughput`, `chart-latency-join`, ...).
    pub id: String,
    /// What the chart shows.
    pub title: String,
    /// The y axis' unit.
    pub unit: &'static str,
    /// The x axis runs from 0 to this many seconds.
    pub x_max: f64,
    /// The lines, in legend order (a series' colour is its position here).
    pub series: Vec<Series>,
    /// Said instead of the chart when no series has a point.
    pub no_data: &'static str,
}

/// One line of a chart.
pub struct Series {
    /// The name the page marks the line with (`data-series`) and its legend shows.
    pub name: String,
    /// `(seconds, value)` per bucket; `None` where the bucket has no value (no operation
    /// completed, no scrape), which breaks the line rather than drawing a zero.
    pub values: Vec<(f64, Option<f64>)>,
}

impl Series {
    fn new(name: &str, values: impl IntoIterator<Item = (f64, Option<f64>)>) -> Series {
        Series {
            name: name.to_string(),
            values: values.into_iter().collect(),
        }
    }

    /// The points that have a value.
    pub fn points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.values.iter().filter_map(|&(t, v)| v.map(|v| (t, v)))
    }

    /// How many points have a value.
    pub fn len(&self) -> usize {
        self.points().count()
    }

    /// The stretches of consecutive points with values, each drawn as one line.
    pub fn runs(&self) -> Vec<Vec<(f64, f64)>> {
        let mut runs = Vec::new();
        let mut current = Vec::new();
        for &(t, v) in &self.values {
            match v {
                Some(v) => current.push((t, v)),
                None if !current.is_empty() => runs.push(std::mem::take(&mut current)),
                None => {}
            }
        }
        if !current.is_empty() {
            runs.push(current);
        }
        runs
    }
}

impl Chart {
    /// True when there is nothing to draw.
    pub fn is_empty(&self) -> bool {
        self.series.iter().all(|s| s.len() == 0)
    }

    /// The top of the y axis: a little above the largest value, never 0.
    pub fn y_max(&self) -> f64 {
        let max = self
            .series
            .iter()
            .flat_map(|s| s.points().map(|(_, v)| v))
            .fold(0.0_f64, f64::max);
        if max > 0.0 {
            max * 1.1
        } else {
            1.0
        }
    }
}

/// Every chart of the page, in page order.
pub fn charts(report: &RunReport) -> Vec<Chart> {
    let mut out = vec![throughput(report)];
    for op in operations(report) {
        out.push(latency(report, op));
    }
    out.extend([
        errors(report),
        connections(report),
        memory(report),
        cpu(report),
    ]);
    out
}

/// The run's operations: those of [`OPERATIONS`] first, in that order (an empty series
/// for one the run did not time), then any others the run named.
pub fn operations(report: &RunReport) -> Vec<OperationSeries> {
    let empty = |name: &str| OperationSeries {
        name: name.to_string(),
        count: 0,
        errors: 0,
        latency_ms: None,
        points: Vec::new(),
    };
    let mut out: Vec<OperationSeries> = OPERATIONS
        .iter()
        .map(|name| {
            report
                .operations
                .iter()
                .find(|o| o.name == *name)
                .cloned()
                .unwrap_or_else(|| empty(name))
        })
        .collect();
    out.extend(
        report
            .operations
            .iter()
            .filter(|o| !OPERATIONS.contains(&o.name.as_str()))
            .cloned(),
    );
    out
}

/// Operations per second, per operation.
pub fn throughput(report: &RunReport) -> Chart {
    per_operation(
        report,
        "chart-throughput",
        "Throughput per operation",
        "ops/s",
        |p| Some(per_second(report, p.count)),
    )
}

/// The 99th-percentile latency per operation (the PNG's lower panel).
pub fn latency_p99(report: &RunReport) -> Chart {
    per_operation(
        report,
        "chart-latency-p99",
        "Latency p99 per operation",
        "p99 latency, ms",
        |p| p.p99_ms,
    )
}

fn errors(report: &RunReport) -> Chart {
    per_operation(
        report,
        "chart-errors",
        "Errors per operation",
        "errors/s",
        |p| Some(per_second(report, p.errors)),
    )
}

fn per_operation(
    report: &RunReport,
    id: &str,
    title: &str,
    unit: &'static str,
    value: impl Fn(&OperationPoint) -> Option<f64>,
) -> Chart {
    Chart {
        id: id.to_string(),
        title: title.to_string(),
        unit,
        x_max: x_max(report),
        series: operations(report)
            .iter()
            .map(|op| Series::new(&op.name, op.points.iter().map(|p| (p.t, value(p)))))
            .collect(),
        no_data: "No data: the run timed no operations.",
    }
}

/// p50, p95 and p99 of one operation over the run.
fn latency(report: &RunReport, op: OperationSeries) -> Chart {
    let pick = |f: fn(&OperationPoint) -> Option<f64>| op.points.iter().map(move |p| (p.t, f(p)));
    Chart {
        id: format!("chart-latency-{}", op.name),
        title: format!("Latency of {}", op.name),
        unit: "ms",
        x_max: x_max(report),
        series: vec![
            Series::new("p50", pick(|p| p.p50_ms)),
            Series::new("p95", pick(|p| p.p95_ms)),
            Series::new("p99", pick(|p| p.p99_ms)),
        ],
        no_data: "No data: no operation of this kind completed.",
    }
}

fn connections(report: &RunReport) -> Chart {
    let client = |f: fn(&super::model::ClientPoint) -> Option<f64>| {
        report.client.iter().map(move |p| (p.t, f(p)))
    };
    Chart {
        id: "chart-connections".into(),
        title: "Connections and users online".into(),
        unit: "count",
        x_max: x_max(report),
        series: vec![
            Series::new("connections", client(|p| Some(p.connections as f64))),
            Series::new("online_users", client(|p| Some(p.online_users as f64))),
            Series::new(
                "daemon_ws_connections",
                report
                    .daemon
                    .iter()
                    .map(|p| (p.t, p.ws_connections.map(|c| c as f64))),
            ),
        ],
        no_data: "No data: the run recorded no client or daemon samples.",
    }
}

fn memory(report: &RunReport) -> Chart {
    Chart {
        id: "chart-memory".into(),
        title: "Daemon resident memory".into(),
        unit: "MB",
        x_max: x_max(report),
        series: vec![Series::new(
            "daemon_rss_mb",
            report
                .daemon
                .iter()
                .map(|p| (p.t, p.rss_bytes.map(|b| b as f64 / 1_000_000.0))),
        )],
        no_data: "No data: the daemon's /metrics was not read during this run.",
    }
}

fn cpu(report: &RunReport) -> Chart {
    Chart {
        id: "chart-cpu".into(),
        title: "CPU use of the daemon and of the load generator".into(),
        unit: "cores",
        x_max: x_max(report),
        series: vec![
            Series::new(
                "daemon_cpu",
                report.daemon.iter().map(|p| (p.t, p.cpu_cores)),
            ),
            Series::new(
                "client_cpu",
                report.client.iter().map(|p| (p.t, p.cpu_cores)),
            ),
        ],
        no_data: "No data: neither the daemon's nor the generator's CPU was sampled.",
    }
}

/// A bucket's count as a rate (a bucket width of 0, which no run writes, counts as 1 s).
fn per_second(report: &RunReport, count: u64) -> f64 {
    if report.bucket_s > 0.0 {
        count as f64 / report.bucket_s
    } else {
        count as f64
    }
}

/// The end of the x axis: the run's length, or its last sample if that is later.
fn x_max(report: &RunReport) -> f64 {
    let last = report
        .operations
        .iter()
        .flat_map(|o| o.points.iter().map(|p| p.t))
        .chain(report.client.iter().map(|p| p.t))
        .chain(report.daemon.iter().map(|p| p.t))
        .fold(report.duration_s, f64::max);
    if last > 0.0 {
        last
    } else {
        1.0
    }
}
