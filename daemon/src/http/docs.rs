//! The documentation pages: `/docs` (Swagger UI, with "Try it out" and the bearer schemes
//! of `/openapi.json` under "Authorize") and `/redoc` (ReDoc), and the files they load,
//! all built into the binary: the pages work with no network access.
//!
//! Swagger UI's files come from `utoipa-swagger-ui` (feature `vendored`: its release zip is
//! a crate, nothing is downloaded at build time); ReDoc's one script is committed under
//! `daemon/assets/redoc/` (from the npm package `redoc`, MIT). Both are served under
//! `/docs/{file}`; the pages name them relatively (`docs/...`), like `openapi.json`, so
//! they work behind a proxy that mounts the daemon under a prefix.

use std::sync::{Arc, OnceLock};

use utoipa_swagger_ui::Config;

/// The `/docs` page: Swagger UI's own `index.html`, with our title and the file paths
/// relative to `/docs` (the page is served at `/docs`, not `/docs/`).
pub const DOCS_HTML: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CityPulse Live API</title>
<link rel="stylesheet" type="text/css" href="docs/swagger-ui.css">
<link rel="stylesheet" type="text/css" href="docs/index.css">
<link rel="icon" type="image/png" href="docs/favicon-32x32.png" sizes="32x32">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js" charset="UTF-8"></script>
<script src="docs/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
<script src="docs/swagger-initializer.js" charset="UTF-8"></script>
</body>
</html>
"#;

/// The `/redoc` page: ReDoc renders `openapi.json`.
pub const REDOC_HTML: &str = r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>CityPulse Live API (ReDoc)</title>
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<redoc spec-url="openapi.json"></redoc>
<script src="docs/redoc.standalone.js" charset="UTF-8"></script>
</body>
</html>
"#;

/// ReDoc's standalone bundle (npm `redoc` 2.5.4, `bundles/redoc.standalone.js`).
const REDOC_JS: &[u8] = include_bytes!("../../assets/redoc/redoc.standalone.js");

/// The name ReDoc's bundle is served under, in `/docs/`.
pub const REDOC_JS_NAME: &str = "redoc.standalone.js";

/// The names `/docs/{file}` serves are of these characters (the OpenAPI parameter's pattern).
pub const FILE_PATTERN: &str = r"^[A-Za-z0-9._-]+$";

/// Whether `name` fits [`FILE_PATTERN`].
pub fn is_file_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// A file of a documentation page: its bytes and `Content-Type`.
pub struct Asset {
    /// The file.
    pub bytes: std::borrow::Cow<'static, [u8]>,
    /// Its media type.
    pub content_type: String,
}

/// Swagger UI's settings, written into its `swagger-initializer.js`: the document, "Try it
/// out" open on every operation, the token kept across reloads, and no validator badge
/// (that would fetch an image from swagger.io).
fn swagger_config() -> Arc<Config<'static>> {
    static CONFIG: OnceLock<Arc<Config<'static>>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            Arc::new(
                Config::new(["openapi.json"])
                    .try_it_out_enabled(true)
                    .persist_authorization(true)
                    .display_request_duration(true)
                    .filter(true)
                    .validator_url("none"),
            )
        })
        .clone()
}

/// The file `name` of `/docs/{name}`, or `None` when there is none by that name.
pub fn asset(name: &str) -> Option<Asset> {
    if name == REDOC_JS_NAME {
        return Some(Asset {
            bytes: REDOC_JS.into(),
            content_type: "text/javascript; charset=utf-8".into(),
        });
    }
    // `index.html` is Swagger UI's own page, which names its files relative to itself:
    // the page is `/docs`, above.
    if name.is_empty() || name == "index.html" || name.contains('/') {
        return None;
    }
    match utoipa_swagger_ui::serve(name, swagger_config()) {
        Ok(Some(file)) => Some(Asset {
            bytes: file.bytes,
            content_type: with_charset(file.content_type),
        }),
        Ok(None) => None,
        Err(e) => {
            // Only the initializer is rewritten (the settings into it); a failure is a bug.
            tracing::error!("Swagger UI file {name}: {e}");
            None
        }
    }
}

/// Text types get `charset=utf-8` (the files are UTF-8; nosniff leaves no guessing).
fn with_charset(content_type: String) -> String {
    if content_type.starts_with("text/") || content_type.ends_with("javascript") {
        format!("{content_type}; charset=utf-8")
    } else {
        content_type
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// Every script, stylesheet and icon the pages name is a file of `/docs/`, and none
    /// is on another host.
    #[test]
    fn pages_load_only_files_the_daemon_serves() {
        for page in [DOCS_HTML, REDOC_HTML] {
            let lower = page.to_ascii_lowercase();
            for banned in ["http:", "https:", "src=\"//", "href=\"//", "@import"] {
                assert!(!lower.contains(banned), "{banned}");
            }
            for part in page.split(['"']).filter(|p| p.starts_with("docs/")) {
                let name = &part["docs/".len()..];
                assert!(asset(name).is_some(), "{name} is not served");
            }
        }
        let init = asset("swagger-initializer.js").unwrap();
        let init = String::from_utf8(init.bytes.to_vec()).unwrap();
        assert!(init.contains("\"openapi.json\""), "{init}");
        assert!(init.contains("tryItOutEnabled"), "{init}");
        assert!(init.contains("\"none\""), "{init}");
        assert!(!init.contains("petstore"), "{init}");
    }

    #[test]
    fn assets_have_their_media_types() {
        assert_eq!(
            asset("swagger-ui.css").unwrap().content_type,
            "text/css; charset=utf-8"
        );
        assert!(asset("swagger-ui-bundle.js")
            .unwrap()
            .content_type
            .contains("javascript"));
        assert_eq!(
            asset("favicon-32x32.png").unwrap().content_type,
            "image/png"
        );
        assert!(asset("nope.js").is_none());
        assert!(asset("../Cargo.toml").is_none());
        assert!(asset("").is_none());
        assert!(is_file_name("swagger-ui.css"));
        for bad in ["", "a/b", "%2e%2e", "a b"] {
            assert!(!is_file_name(bad), "{bad}");
        }
    }
}
