//! Configuration, read once at start-up from an optional TOML file and the
//! environment (which wins), then passed down.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

/// A value that must not be printed (a database URL may hold a password).
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// The service's settings.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// `sqlite://FILE` (created on first start) or `postgres://…`.
    pub database_url: Secret,
    /// Log format.
    pub log_format: LogFormat,
    /// The URL clients reach the service at (for calendar-feed links); default
    /// `http://{listen}`.
    pub public_url: Option<String>,
    /// Default time limit of a rota solve, seconds.
    pub solve_time_limit: f64,
    /// How often another instance's writes are picked up, milliseconds.
    pub reload_interval_ms: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: Secret::new("sqlite://renkei.sqlite"),
            log_format: LogFormat::Text,
            public_url: None,
            solve_time_limit: 30.0,
            reload_interval_ms: 1000,
        }
    }
}

impl Config {
    /// Reads the file (if given, or `RENKEI_CONFIG`), then the environment:
    /// `RENKEI_LISTEN`, `DATABASE_URL`, `RENKEI_LOG_FORMAT`, `RENKEI_PUBLIC_URL`.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let env = |key: &str| std::env::var(key).ok().filter(|value| !value.is_empty());
        let file = file.map(Path::to_path_buf).or_else(|| env("RENKEI_CONFIG").map(Into::into));
        let mut config = match &file {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| {
                    format!("設定ファイル {} を読めません (cannot read the config file)", path.display())
                })?;
                toml::from_str(&text).map_err(|error| {
                    anyhow::anyhow!("{}: {} (設定ファイルの形式が不正です)", path.display(), error.message())
                })?
            }
            None => Self::default(),
        };
        if let Some(listen) = env("RENKEI_LISTEN") {
            config.listen = listen
                .parse()
                .with_context(|| format!("RENKEI_LISTEN='{listen}' はアドレスではありません (not host:port)"))?;
        }
        if let Some(url) = env("DATABASE_URL") {
            config.database_url = Secret::new(url);
        }
        if let Some(format) = env("RENKEI_LOG_FORMAT") {
            config.log_format = match format.as_str() {
                "json" => LogFormat::Json,
                "text" => LogFormat::Text,
                _ => anyhow::bail!("RENKEI_LOG_FORMAT='{format}': text か json です (text or json)"),
            };
        }
        if let Some(url) = env("RENKEI_PUBLIC_URL") {
            config.public_url = Some(url);
        }
        if !(config.solve_time_limit.is_finite() && config.solve_time_limit > 0.0) {
            anyhow::bail!("solve_time_limit は正の秒数です (must be positive seconds)");
        }
        Ok(config)
    }

    /// The URL clients reach the service at.
    pub fn public_url(&self) -> String {
        self.public_url.clone().unwrap_or_else(|| format!("http://{}", self.listen)).trim_end_matches('/').to_owned()
    }
}
