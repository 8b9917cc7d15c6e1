//! Reading the daemon's `/metrics` during a scenario run.

use std::time::Duration;

/// A `GET /metrics` of one daemon, with its metrics token when one is configured.
#[derive(Clone)]
pub struct Scraper {
    http: reqwest::Client,
    url: reqwest::Url,
    token: Option<String>,
}

impl Scraper {
    /// A scraper of the daemon at `base` (its URL as `cpl` was given it).
    pub fn new(base: &str, token: Option<String>) -> anyhow::Result<Scraper> {
        let mut url = reqwest::Url::parse(base)
            .map_err(|e| crate::error::usage(format!("daemon URL {base:?} is not a URL ({e})")))?;
        url.set_path("/metrics");
        url.set_query(None);
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        Ok(Scraper { http, url, token })
    }

    /// The Prometheus text, or why it could not be had.
    pub async fn scrape(&self) -> Result<String, String> {
        let mut req = self.http.get(self.url.clone());
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.map_err(|e| e.to_string())?;
        let status = resp.status();
        if !status.is_success() {
            return Err(format!("{} answered {status}", self.url));
        }
        resp.text().await.map_err(|e| e.to_string())
    }
}
