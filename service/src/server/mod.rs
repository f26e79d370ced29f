//! The HTTP service: axum over the store, answering from an in-memory snapshot.
//!
//! [`app`] builds the router from an [`AppState`] (tests drive it with `oneshot`);
//! [`serve`] binds, runs the background tasks (audit flushing, reloading what other
//! instances wrote) and shuts down gracefully.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod consults;
pub mod error;
pub mod ical;
pub mod jobs;
pub mod json;
pub mod lookups;
pub mod ops;
pub mod records;
pub mod rotas;
pub mod secrets;
pub mod views;
pub mod writes;

use std::sync::Arc;
use std::time::Duration;

use arc_swap::ArcSwap;
use axum::Router;
use tokio::sync::{Mutex, MutexGuard};

use crate::config::Config;
use crate::snapshot::{BuildError, Snapshot, group_records};
use crate::store::{Store, records as record_store, rotas as rota_store, state_version, tokens};
use auth::{TokenTable, token_table};

/// Everything handlers share.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    store: Store,
    config: Config,
    snapshot: ArcSwap<Snapshot>,
    tokens: ArcSwap<TokenTable>,
    /// The token table's fingerprint when it was loaded.
    tokens_seen: std::sync::Mutex<String>,
    /// Held by every writing transaction of this instance: SQLite has one writer, and
    /// each write validates against the snapshot it will replace.
    write_gate: Mutex<()>,
    audit: audit::AuditSink,
    jobs: jobs::Jobs,
    metrics: ops::Metrics,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").field("snapshot", &self.0.snapshot.load().version).finish_non_exhaustive()
    }
}

impl AppState {
    /// Loads the store into a first snapshot.
    pub async fn new(store: Store, config: Config) -> anyhow::Result<Self> {
        let snapshot = load_snapshot(&store).await?;
        let (tokens, tokens_seen) = load_tokens(&store).await?;
        let mut connection = store.pool().acquire().await?;
        let now = chrono::Utc::now();
        let stale = crate::store::stamp(now - chrono::Duration::minutes(1));
        crate::store::jobs::abandon_unfinished(&mut connection, &crate::store::stamp(now), &stale).await?;
        drop(connection);
        Ok(Self(Arc::new(Inner {
            store,
            config,
            snapshot: ArcSwap::from_pointee(snapshot),
            tokens: ArcSwap::from_pointee(tokens),
            tokens_seen: std::sync::Mutex::new(tokens_seen),
            write_gate: Mutex::new(()),
            audit: audit::AuditSink::default(),
            jobs: jobs::Jobs::default(),
            metrics: ops::Metrics::new(),
        })))
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.0.store
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.0.snapshot.load_full()
    }

    /// The active tokens.
    pub fn tokens(&self) -> arc_swap::Guard<Arc<TokenTable>> {
        self.0.tokens.load()
    }

    pub(crate) fn install(&self, snapshot: Arc<Snapshot>) {
        self.0.snapshot.store(snapshot);
    }

    pub(crate) async fn gate(&self) -> MutexGuard<'_, ()> {
        self.0.write_gate.lock().await
    }

    pub(crate) fn audit_sink(&self) -> &audit::AuditSink {
        &self.0.audit
    }

    pub(crate) fn jobs(&self) -> &jobs::Jobs {
        &self.0.jobs
    }

    pub(crate) fn metrics(&self) -> &ops::Metrics {
        &self.0.metrics
    }

    /// Reloads the snapshot if another instance changed the data, and the tokens if
    /// any instance issued or revoked one (a revoked token stops working everywhere
    /// within a reload interval); `true` when anything was reloaded.
    pub async fn reload_if_changed(&self) -> anyhow::Result<bool> {
        let mut reloaded = false;
        let stored = state_version(self.store().pool()).await?;
        if stored != self.snapshot().version {
            let _gate = self.gate().await;
            let snapshot = load_snapshot(self.store()).await?;
            self.install(Arc::new(snapshot));
            reloaded = true;
        }
        let mut connection = self.store().pool().acquire().await?;
        let fingerprint = tokens::fingerprint(&mut connection).await?;
        drop(connection);
        if fingerprint != *self.0.tokens_seen.lock().expect("tokens") {
            self.reload_tokens().await?;
            reloaded = true;
        }
        Ok(reloaded)
    }

    /// Reloads the token table.
    pub async fn reload_tokens(&self) -> anyhow::Result<()> {
        let (table, fingerprint) = load_tokens(self.store()).await?;
        self.0.tokens.store(Arc::new(table));
        *self.0.tokens_seen.lock().expect("tokens") = fingerprint;
        Ok(())
    }
}

/// Reads everything lookups need and validates it into a snapshot.
pub async fn load_snapshot(store: &Store) -> anyhow::Result<Snapshot> {
    let mut connection = store.pool().acquire().await?;
    let version = state_version(&mut *connection).await?;
    let stored = record_store::load_all(&mut connection).await?;
    let rotas = rota_store::list_rotas(&mut connection).await?;
    let versions = rota_store::all_versions(&mut connection).await?;
    drop(connection);
    let built =
        tokio::task::spawn_blocking(move || Snapshot::build(version, group_records(stored), rotas, versions)).await?;
    built.map_err(|error| match error {
        BuildError::Invalid(problems) | BuildError::Rota(problems) => anyhow::anyhow!(
            "保存されたデータが不正です (the stored data is invalid): {}",
            problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
        ),
        BuildError::Store(error) => error.into(),
    })
}

/// The active tokens, with the fingerprint read just before them (a change in between
/// shows at the next check).
async fn load_tokens(store: &Store) -> anyhow::Result<(TokenTable, String)> {
    let mut connection = store.pool().acquire().await?;
    let fingerprint = tokens::fingerprint(&mut connection).await?;
    Ok((token_table(&tokens::active(&mut connection).await?), fingerprint))
}

/// The router.
pub fn app(state: AppState) -> Router {
    Router::new()
        .merge(ops::router())
        .merge(lookups::router())
        .merge(rotas::router())
        .merge(consults::router())
        .merge(backup::router())
        .merge(jobs::router())
        .merge(ical::router())
        .merge(admin::router())
        .merge(records::router())
        // Unknown paths get the service's error too (the API is listed at /openapi.json).
        .fallback(|| async { error::ApiError::not_found("この URL (no such route; see /openapi.json)") })
        .method_not_allowed_fallback(|| async { error::ApiError::MethodNotAllowed })
        .layer(axum::middleware::from_fn_with_state(state.clone(), ops::track))
        // One span per request (method, path); at the default `info` level only
        // failures are logged, `RUST_LOG=tower_http=debug` logs every request.
        .layer(
            tower_http::trace::TraceLayer::new_for_http()
                .on_failure(tower_http::trace::DefaultOnFailure::new().level(tracing::Level::WARN)),
        )
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .with_state(state)
}

/// Serves until Ctrl-C or SIGTERM, then finishes in-flight requests, flushes the audit
/// trail and closes the store.
pub async fn serve(state: AppState, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    let background = spawn_background(state.clone());
    axum::serve(listener, app(state.clone())).with_graceful_shutdown(shutdown_signal()).await?;
    tracing::info!("shutting down: cancelling jobs, flushing the audit trail");
    state.jobs().cancel_all();
    background.abort();
    state.audit_sink().flush(&state).await?;
    state.store().close().await;
    Ok(())
}

/// The audit flusher and indexer, and the reloader.
pub fn spawn_background(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let reload_every = Duration::from_millis(state.config().reload_interval_ms.max(50));
        let mut reload = tokio::time::interval(reload_every);
        let mut flush = tokio::time::interval(audit::FLUSH_INTERVAL);
        let mut index = tokio::time::interval(audit::INDEX_INTERVAL);
        loop {
            tokio::select! {
                _ = index.tick() => {
                    if let Err(error) = audit::index(&state).await {
                        tracing::error!(error = ?error, "audit index failed; will retry");
                    }
                }
                _ = flush.tick() => {
                    if let Err(error) = state.audit_sink().flush(&state).await {
                        tracing::error!(error = ?error, "audit flush failed; will retry");
                    }
                }
                _ = state.audit_sink().wanted() => {
                    if let Err(error) = state.audit_sink().flush(&state).await {
                        tracing::error!(error = ?error, "audit flush failed; will retry");
                    }
                }
                _ = reload.tick() => {
                    if let Err(error) = state.reload_if_changed().await {
                        tracing::error!(error = ?error, "reload failed");
                    }
                }
            }
        }
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
