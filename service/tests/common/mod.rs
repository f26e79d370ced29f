//! The service test harness: an `app()` over a real SQLite file or a real PostgreSQL
//! database, driven with `tower::ServiceExt::oneshot`, and the demo city loaded with a
//! token for each kind of user.
//!
//! PostgreSQL: `RENKEI_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/postgres`)
//! is the server's maintenance database; each test creates `renkei_t_<secs>_<random>`
//! and drops it when the `TestApp` is dropped (also after a failure), and databases of
//! this kind left over for more than a day are dropped too. If the server does not
//! answer, the harness tries `pg_ctlcluster … main start` once, then fails with a clear
//! message: the PostgreSQL tests are never skipped.

#![allow(dead_code, unreachable_pub)]

use std::sync::OnceLock;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use renkei_service::config::Config;
use renkei_service::server::{AppState, app};
use renkei_service::store::{Backend, Store, audit};
use serde_json::Value;
use sqlx::Connection;
use tower::ServiceExt;

mod demo;

pub use demo::{Demo, demo_city, labels, load_demo, okayama, rota_file};

/// The default maintenance database of the test server.
const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Test databases are named with this prefix, then the creation time in seconds.
const PREFIX: &str = "renkei_t_";

/// A response: status, headers, the body as JSON (`Null` if it is not JSON) and as text.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub json: Value,
    pub text: String,
}

impl Resp {
    /// A header as text, if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }

    /// The ETag header (panics if absent).
    pub fn etag(&self) -> String {
        self.header("etag").unwrap_or_else(|| panic!("no ETag: {self:?}")).to_owned()
    }

    /// Asserts the status, showing the body on failure.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(self.status.as_u16(), status, "unexpected status; body: {}", self.text);
        self
    }

    /// The `error.code` of an error body.
    pub fn error_code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or_default()
    }
}

/// Where the test's data lives; dropping it removes it.
enum Place {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for Place {
    fn drop(&mut self) {
        if let Place::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime (or while unwinding): use a thread of
            // our own with its own runtime. FORCE ends the app's pooled connections.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                runtime.block_on(async {
                    let mut admin = sqlx::PgConnection::connect(&admin_url).await.ok()?;
                    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .execute(&mut admin)
                        .await
                        .ok()
                })
            })
            .join();
        }
    }
}

/// One service over one fresh database.
pub struct TestApp {
    pub state: AppState,
    pub router: Router,
    pub backend: Backend,
    /// The database URL (to open a second instance on it).
    pub url: String,
    place: Place,
}

/// The test server's maintenance URL.
pub fn postgres_admin_url() -> String {
    std::env::var("RENKEI_TEST_POSTGRES").ok().filter(|url| !url.is_empty()).unwrap_or_else(|| DEFAULT_POSTGRES.into())
}

fn random_suffix() -> String {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).expect("random");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Starts the local cluster (Debian's pg_ctlcluster), once per process.
fn try_start_cluster() {
    static TRIED: OnceLock<()> = OnceLock::new();
    TRIED.get_or_init(|| {
        let Ok(versions) = std::fs::read_dir("/etc/postgresql") else { return };
        for version in versions.flatten() {
            let _ = std::process::Command::new("pg_ctlcluster")
                .args(["--skip-systemctl-redirect", &version.file_name().to_string_lossy(), "main", "start"])
                .output();
        }
        std::thread::sleep(Duration::from_secs(2));
    });
}

async fn connect_admin(admin_url: &str) -> sqlx::PgConnection {
    match sqlx::PgConnection::connect(admin_url).await {
        Ok(connection) => connection,
        Err(_) => {
            try_start_cluster();
            sqlx::PgConnection::connect(admin_url).await.unwrap_or_else(|error| {
                panic!(
                    "PostgreSQL is required for these tests and does not answer at {admin_url} ({error}). \
                     Start it (e.g. `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`) \
                     or point RENKEI_TEST_POSTGRES at a server where this user may CREATE DATABASE."
                )
            })
        }
    }
}

/// Drops test databases created more than a day ago (left by killed runs).
async fn drop_leftovers(admin: &mut sqlx::PgConnection) {
    let now = chrono::Utc::now().timestamp();
    let names: Vec<(String,)> = sqlx::query_as("SELECT datname FROM pg_database WHERE datname LIKE 'renkei\\_t\\_%'")
        .fetch_all(&mut *admin)
        .await
        .unwrap_or_default();
    for (name,) in names {
        let created = name.strip_prefix(PREFIX).and_then(|rest| rest.split('_').next()).and_then(|s| s.parse().ok());
        if created.is_some_and(|created: i64| now - created > 24 * 3600) {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(&mut *admin).await;
        }
    }
}

/// The database of a PostgreSQL URL replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(base, query)| (base, Some(query)));
    let base = base.rsplit_once('/').map_or(base, |(server, _)| server);
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

impl TestApp {
    /// A service over a fresh SQLite file.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("t.sqlite").display());
        Self::open(url, Place::Sqlite(dir)).await
    }

    /// A service over a fresh PostgreSQL database.
    pub async fn postgres() -> Self {
        let admin_url = postgres_admin_url();
        let mut admin = connect_admin(&admin_url).await;
        static CLEANED: OnceLock<()> = OnceLock::new();
        if CLEANED.set(()).is_ok() {
            drop_leftovers(&mut admin).await;
        }
        let name = format!("{PREFIX}{}_{}", chrono::Utc::now().timestamp(), random_suffix());
        sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&mut admin).await.expect("CREATE DATABASE");
        drop(admin);
        let url = with_database(&admin_url, &name);
        Self::open(url, Place::Postgres { admin_url, name }).await
    }

    async fn open(url: String, place: Place) -> Self {
        let state = Self::instance(&url).await;
        let backend = state.store().backend();
        Self { router: app(state.clone()), state, backend, url, place }
    }

    /// Another service instance over the same database.
    pub async fn instance(url: &str) -> AppState {
        let store = Store::open(url).await.expect("open the store");
        AppState::new(store, Config::default()).await.expect("app state")
    }

    /// Sends a request with an optional bearer token, JSON body and extra headers.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        send_to(&self.router, method, path, token, body, headers).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.send(Method::GET, path, Some(token), None, &[]).await
    }

    pub async fn get_anonymous(&self, path: &str) -> Resp {
        self.send(Method::GET, path, None, None, &[]).await
    }

    pub async fn post_json(&self, path: &str, token: &str, body: &Value, headers: &[(&str, &str)]) -> Resp {
        self.send(Method::POST, path, Some(token), Some(body), headers).await
    }

    pub async fn put_json(&self, path: &str, token: &str, body: &Value, headers: &[(&str, &str)]) -> Resp {
        self.send(Method::PUT, path, Some(token), Some(body), headers).await
    }

    pub async fn patch_json(&self, path: &str, token: &str, body: &Value, headers: &[(&str, &str)]) -> Resp {
        self.send(Method::PATCH, path, Some(token), Some(body), headers).await
    }

    pub async fn delete(&self, path: &str, token: &str, headers: &[(&str, &str)]) -> Resp {
        self.send(Method::DELETE, path, Some(token), None, headers).await
    }

    /// Runs one SQL statement directly on the store (to tamper with it).
    pub async fn execute_sql(&self, sql: &str) -> u64 {
        sqlx::query(sql).execute(self.state.store().pool()).await.expect("SQL").rows_affected()
    }

    /// Runs one SQL query of a single number directly on the store (None for no row or NULL).
    pub async fn query_i64(&self, sql: &str) -> Option<i64> {
        sqlx::query_scalar::<_, Option<i64>>(sql)
            .fetch_optional(self.state.store().pool())
            .await
            .expect("SQL")
            .flatten()
    }

    /// The entries of the audit block starting at `first_seq`, as their JSON (stored
    /// compressed).
    pub async fn block_entries(&self, first_seq: i64) -> String {
        let stored: Vec<u8> = sqlx::query_scalar("SELECT entries_zstd FROM audit_block WHERE first_seq = $1")
            .bind(first_seq)
            .fetch_one(self.state.store().pool())
            .await
            .expect("the block");
        String::from_utf8(audit::decompress_entries(&stored).expect("zstd")).expect("UTF-8")
    }

    /// Replaces the entries of the audit block starting at `first_seq` directly on the
    /// store (to tamper with it).
    pub async fn set_block_entries(&self, first_seq: i64, json: &str) {
        let stored = audit::compress_entries(json.as_bytes()).expect("zstd");
        let changed = sqlx::query("UPDATE audit_block SET entries_zstd = $1 WHERE first_seq = $2")
            .bind(stored)
            .bind(first_seq)
            .execute(self.state.store().pool())
            .await
            .expect("SQL")
            .rows_affected();
        assert_eq!(changed, 1, "block {first_seq}");
    }

    /// The data version lookups read.
    pub fn data_version(&self) -> i64 {
        self.state.snapshot().version
    }
}

/// Sends a request to a router.
pub async fn send_to(
    router: &Router,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Resp {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = match body {
        Some(body) => request.header("content-type", "application/json").body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .expect("request");
    let response = router.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.expect("body").to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp { status, headers, json, text }
}

/// Runs each named scenario `async fn name(app: TestApp)` on both backends, as the
/// tests `name::sqlite` and `name::postgres`.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::common::TestApp::sqlite().await).await;
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::common::TestApp::postgres().await).await;
                }
            }
        )*
    };
}
