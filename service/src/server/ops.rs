//! Operations: health, readiness, Prometheus metrics, the OpenAPI document and its
//! browsable page.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::json::Json;
use metrics::{Counter, Histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde_json::json;

use super::AppState;

/// The Prometheus recorder, installed once per process, and the request metrics'
/// handles.
#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
    routes: Routes,
}

/// Every route's request metrics, by path pattern.
type Routes = Arc<RwLock<HashMap<Box<str>, Arc<RouteMetrics>>>>;

/// One route's request metrics, registered with the recorder once rather than looked
/// up by their labels on every request.
pub struct RouteMetrics {
    route: Box<str>,
    duration: Histogram,
    /// Requests by method and status (a route sees few pairs).
    requests: RwLock<Vec<(Method, StatusCode, Counter)>>,
}

impl RouteMetrics {
    /// Counts and times one request.
    fn record(&self, method: &Method, status: StatusCode, took: Duration) {
        self.duration.record(took.as_secs_f64());
        let known = |requests: &[(Method, StatusCode, Counter)]| {
            requests.iter().find(|(m, s, _)| m == method && *s == status).map(|(_, _, counter)| counter.clone())
        };
        let found = known(&self.requests.read().expect("metrics"));
        let counter = found.unwrap_or_else(|| {
            let mut requests = self.requests.write().expect("metrics");
            known(&requests).unwrap_or_else(|| {
                let counter = metrics::counter!("renkei_http_requests_total",
                    "route" => self.route.to_string(), "method" => method.to_string(), "status" => status.as_u16().to_string());
                requests.push((method.clone(), status, counter.clone()));
                counter
            })
        });
        counter.increment(1);
    }
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
        static ROUTES: OnceLock<Routes> = OnceLock::new();
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
        Self { handle, routes: ROUTES.get_or_init(Arc::default).clone() }
    }

    /// The metrics of a route (its path pattern), registered on its first request.
    fn route(&self, route: &str) -> Arc<RouteMetrics> {
        if let Some(found) = self.routes.read().expect("metrics").get(route) {
            return found.clone();
        }
        self.routes
            .write()
            .expect("metrics")
            .entry(route.into())
            .or_insert_with(|| {
                Arc::new(RouteMetrics {
                    route: route.into(),
                    duration: metrics::histogram!("renkei_http_request_duration_seconds", "route" => route.to_owned()),
                    requests: RwLock::default(),
                })
            })
            .clone()
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

/// The method as counted: the standard ones by name, any other as `OTHER`, so that
/// clients cannot add labels without bound.
fn counted_method(method: &Method) -> Method {
    const STANDARD: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::DELETE,
        Method::PATCH,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    if STANDARD.contains(method) {
        method.clone()
    } else {
        // A short extension method is held inline: nothing to allocate.
        Method::from_bytes(b"OTHER").expect("a method name")
    }
}

/// Counts and times every request by route.
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    // Routes are the path patterns, so the set of labels stays small.
    let route =
        state.metrics().route(request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str));
    let method = counted_method(request.method());
    let response = next.run(request).await;
    route.record(&method, response.status(), started.elapsed());
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
