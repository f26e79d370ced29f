//! Operations: health, readiness, Prometheus metrics, the OpenAPI document and its
//! browsable page.

use std::sync::OnceLock;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::json::Json;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde_json::json;

use super::AppState;

/// The Prometheus recorder, installed once per process.
#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    /// The process's recorder (installed on first use).
    pub fn new() -> Self {
        static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
        let handle = HANDLE
            .get_or_init(|| {
                let recorder = PrometheusBuilder::new()
                    .set_buckets(&[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0])
                    .expect("buckets")
                    .build_recorder();
                let handle = recorder.handle();
                // Another recorder (e.g. in a test harness) keeps ours local; rendering still works.
                let _ = metrics::set_global_recorder(recorder);
                handle
            })
            .clone();
        Self { handle }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(prometheus))
        .merge(utoipa_swagger_ui::SwaggerUi::new("/docs").url("/openapi.json", super::admin::api_doc()))
}

/// Counts and times every request by route.
pub async fn track(State(_state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("renkei_http_requests_total", "route" => route.clone(), "method" => method, "status" => status)
        .increment(1);
    metrics::histogram!("renkei_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "the process is alive")))]
/// The process is alive.
pub async fn healthz() -> Response {
    Json(json!({"status": "ok"})).into_response()
}

#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "ready"), (status = 503, description = "the store does not answer")))]
/// The store answers and the data is loaded.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let snapshot = state.snapshot();
    let database = state.store().ping().await;
    let body = json!({
        "status": if database { "ready" } else { "unavailable" },
        "database": if database { "ok" } else { "unreachable" },
        "backend": format!("{:?}", state.store().backend()).to_lowercase(),
        "data_version": snapshot.version,
        "patients": snapshot.dataset().patients.len(),
        "rotas": snapshot.rotas.len(),
    });
    let status = if database { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body)).into_response()
}

/// Prometheus metrics.
pub async fn prometheus(State(state): State<AppState>) -> Response {
    let snapshot = state.snapshot();
    metrics::gauge!("renkei_data_version").set(snapshot.version as f64);
    metrics::gauge!("renkei_patients").set(snapshot.dataset().patients.len() as f64);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], state.metrics().handle.render()).into_response()
}
