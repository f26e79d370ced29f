//! The store: SQLite (an embedded file, the default) or PostgreSQL, through sqlx's Any
//! driver so both run the same migrations and the same queries. Queries are free
//! `async fn`s in one module per resource, taking a connection or transaction.

pub mod audit;
pub mod idempotency;
pub mod jobs;
pub mod records;
pub mod rotas;
pub mod tokens;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Transaction};

/// The database behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The database behind `connection`.
    pub(crate) fn of(connection: &AnyConnection) -> Self {
        if connection.backend_name().eq_ignore_ascii_case("sqlite") { Self::Sqlite } else { Self::Postgres }
    }
}

/// A failure of the store. The details are for the log, never for the client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database refused or failed.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A stored value could not be read back.
    #[error("corrupt stored value in {what}: {detail}")]
    Corrupt {
        /// Where.
        what: &'static str,
        /// What.
        detail: String,
    },
    /// A row was changed by another writer between reading and writing.
    #[error("concurrent change")]
    Conflict,
    /// The URL names no supported database.
    #[error("unsupported database URL '{0}' (sqlite:// or postgres://)")]
    UnsupportedUrl(String),
}

impl StoreError {
    /// Whether a concurrent writer got there first (a primary key or a compare-and-set
    /// lost): the write may be retried on fresh data.
    pub fn is_conflict(&self) -> bool {
        match self {
            Self::Database(sqlx::Error::Database(error)) => error.is_unique_violation(),
            Self::Conflict => true,
            _ => false,
        }
    }
}

/// Result of a store operation.
pub type StoreResult<T> = Result<T, StoreError>;

/// A connection pool with its backend, migrated.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

/// `sqlite://path` for a plain path; URLs are kept.
pub fn normalise_url(url_or_path: &str) -> String {
    if url_or_path.contains("://") || url_or_path.starts_with("sqlite:") {
        url_or_path.to_owned()
    } else {
        format!("sqlite://{url_or_path}")
    }
}

impl Store {
    /// Opens the database at `url` (`sqlite://FILE`, created if missing, or
    /// `postgres://…`) and brings its schema up to date.
    pub async fn open(url: &str) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let url = normalise_url(url);
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url,
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL: readers never wait for the writer. NORMAL is durable in WAL
                        // mode except for the last transactions at a power cut.
                        connection.execute("PRAGMA journal_mode = WAL").await?;
                        connection.execute("PRAGMA synchronous = NORMAL").await?;
                        connection.execute("PRAGMA foreign_keys = ON").await?;
                        connection.execute("PRAGMA busy_timeout = 10000").await?;
                        // 64 MB of page cache: the audit trail's inserts stay in memory.
                        connection.execute("PRAGMA cache_size = -65536").await?;
                        // Statement journals (multi-row inserts) in memory, not temp files.
                        connection.execute("PRAGMA temp_store = MEMORY").await?;
                    } else {
                        // The audit trail's blocks are large JSON values, compressed when
                        // stored: LZ4 does that in a fraction of the default pglz's time.
                        // A server built without LZ4 refuses the setting and keeps pglz.
                        if let Err(error) = connection.execute("SET default_toast_compression = 'lz4'").await {
                            tracing::debug!(%error, "keeping PostgreSQL's default TOAST compression");
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        Ok(Self { pool, backend })
    }

    /// The pool.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Begins a transaction that writes; see [`begin_write`].
    pub async fn begin_write(&self) -> StoreResult<Transaction<'static, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with(BEGIN_WRITE_SQLITE).await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

const BEGIN_WRITE_SQLITE: &str = "BEGIN IMMEDIATE";

/// Begins a transaction that writes, on `connection`. On SQLite it takes the write lock
/// at once (`BEGIN IMMEDIATE`, waiting for it under the busy timeout): a transaction that
/// reads before it writes would otherwise fail at once with "database is locked" when
/// another writer (another instance, the command line) got in between. PostgreSQL's
/// row locks and constraints need no such thing.
pub async fn begin_write(connection: &mut AnyConnection) -> StoreResult<Transaction<'_, Any>> {
    Ok(match Backend::of(connection) {
        Backend::Sqlite => connection.begin_with(BEGIN_WRITE_SQLITE).await?,
        Backend::Postgres => connection.begin().await?,
    })
}

/// The current time as stored: UTC RFC 3339 with microseconds, fixed width, so text
/// order is time order.
pub fn stamp(instant: chrono::DateTime<chrono::Utc>) -> String {
    crate::time_text::utc_micros(instant)
}

/// Reads a stored time.
pub fn parse_stamp(text: &str) -> StoreResult<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|error| StoreError::Corrupt { what: "time", detail: format!("'{text}': {error}") })
}

/// The version of everything lookups read.
pub async fn state_version<'e>(executor: impl Executor<'e, Database = sqlx::Any>) -> StoreResult<i64> {
    let row: (i64,) = sqlx::query_as("SELECT version FROM state WHERE id = 1").fetch_one(executor).await?;
    Ok(row.0)
}

/// Advances the state version from `expected` (compare-and-set); `false` when another
/// writer advanced it first. Called first in every writing transaction (begun by
/// [`Store::begin_write`]), so writers are serialised on both stores.
pub async fn advance_state<'e>(
    executor: impl Executor<'e, Database = sqlx::Any>,
    expected: i64,
    now: &str,
) -> StoreResult<bool> {
    let result = sqlx::query("UPDATE state SET version = $1, updated_at = $2 WHERE id = 1 AND version = $3")
        .bind(expected + 1)
        .bind(now)
        .bind(expected)
        .execute(executor)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// A random token: 32 bytes, URL-safe hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    hex::encode(bytes)
}

/// SHA-256 of `text`, hex.
pub fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}
