//! cpl's config file: the daemon URL, the default profile, the admin token and the saved
//! users (profiles), as TOML in the platform config directory (`CPL_CONFIG_DIR` overrides
//! it). The file holds tokens, so it is written with mode 0600 in a 0700 directory, through
//! a temporary file and a rename so a crash never leaves half a file.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use citypulse::UserId;
use serde::{Deserialize, Serialize};

use crate::error::usage;

/// The file name inside the config directory.
pub const FILE_NAME: &str = "config.toml";

/// Environment variable that overrides the config directory.
pub const DIR_ENV: &str = "CPL_CONFIG_DIR";

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Daemon URL when neither --url nor CPL_URL is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Profile used when neither --profile nor CPL_PROFILE is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The daemon's admin token (CPL_ADMIN_TOKEN wins over it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_token: Option<String>,
    /// Saved users by profile name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub profiles: BTreeMap<String, Profile>,
}

/// A saved user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// The user's id.
    pub user_id: UserId,
    /// Their display name.
    pub name: String,
    /// Their bearer token.
    pub token: String,
    /// The daemon they registered with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Keys `cpl config set/unset` accepts.
pub const KEYS: [&str; 3] = ["url", "profile", "admin_token"];

/// The config directory: `CPL_CONFIG_DIR`, else the platform's (e.g. ~/.config/citypulse).
pub fn dir() -> anyhow::Result<PathBuf> {
    if let Some(d) = std::env::var_os(DIR_ENV).filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    directories::ProjectDirs::from("co", "CityPulse", "citypulse")
        .map(|p| p.config_dir().to_path_buf())
        .ok_or_else(|| {
            usage(format!(
                "cannot find a home directory for cpl's config; set {DIR_ENV} to a directory"
            ))
        })
}

/// The config file's path.
pub fn path() -> anyhow::Result<PathBuf> {
    Ok(dir()?.join(FILE_NAME))
}

impl Config {
    /// Reads the file; a missing file is an empty config.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        toml::from_str(&text).map_err(|e| {
            usage(format!(
                "{} is not a valid cpl config ({}); fix or delete it",
                path.display(),
                e.message()
            ))
        })
    }

    /// Writes the file with mode 0600 (it holds tokens).
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        let text = toml::to_string_pretty(self).context("cannot encode the config")?;
        write_private(path, text.as_bytes())
    }

    /// Sets one of [`KEYS`].
    pub fn set(&mut self, key: &str, value: &str) -> anyhow::Result<()> {
        let value = value.trim();
        if value.is_empty() {
            return Err(usage(format!(
                "the value of {key} must not be empty; use `cpl config unset {key}` to remove it"
            )));
        }
        let slot = self.slot(key)?;
        *slot = Some(value.to_string());
        Ok(())
    }

    /// Removes one of [`KEYS`].
    pub fn unset(&mut self, key: &str) -> anyhow::Result<()> {
        *self.slot(key)? = None;
        Ok(())
    }

    fn slot(&mut self, key: &str) -> anyhow::Result<&mut Option<String>> {
        match key {
            "url" => Ok(&mut self.url),
            "profile" => Ok(&mut self.profile),
            "admin_token" => Ok(&mut self.admin_token),
            other => Err(usage(format!(
                "unknown config key {other:?}; keys are {} (profiles are saved by `cpl register`)",
                KEYS.join(", ")
            ))),
        }
    }

    /// The same config with every token masked, for display.
    pub fn masked(&self) -> Config {
        let mut c = self.clone();
        c.admin_token = c.admin_token.as_deref().map(mask);
        for p in c.profiles.values_mut() {
            p.token = mask(&p.token);
        }
        c
    }
}

/// A token shown without giving it away: its first four characters and its length.
pub fn mask(token: &str) -> String {
    let n = token.chars().count();
    if n <= 8 {
        return "********".into();
    }
    let head: String = token.chars().take(4).collect();
    format!("{head}… ({n} characters)")
}

/// Writes `bytes` to `path` readable by the owner only, atomically.
pub fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        if !dir.exists() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            restrict(dir, 0o700)?;
        }
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "cpl".into());
    let tmp = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| -> anyhow::Result<()> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(&tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        f.write_all(bytes)
            .and_then(|_| f.sync_all())
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        // The mode given to open is filtered by the umask; make sure it is 0600.
        restrict(&tmp, 0o600)?;
        std::fs::rename(&tmp, path)
            .with_context(|| format!("cannot replace {}", path.display()))?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .with_context(|| format!("cannot set the permissions of {}", path.display()))
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(FILE_NAME);
        let mut c = Config::default();
        c.set("url", "http://127.0.0.1:9").unwrap();
        c.set("admin_token", "secret-admin-token").unwrap();
        c.profiles.insert(
            "default".into(),
            Profile {
                user_id: UserId::generate(),
                name: "Ana".into(),
                token: "abcdefghijklmnop".into(),
                url: None,
            },
        );
        c.save(&path).unwrap();
        assert_eq!(Config::load(&path).unwrap(), c);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(c.set("nope", "x").is_err());
        let m = c.masked();
        assert!(!toml::to_string(&m).unwrap().contains("abcdefghijklmnop"));
        assert!(!toml::to_string(&m).unwrap().contains("secret-admin-token"));
    }

    #[test]
    fn missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            Config::load(&dir.path().join("x.toml")).unwrap(),
            Config::default()
        );
    }
}
