//! Administration: tokens, the audit trail, bulk import and export, and the OpenAPI
//! document.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::json::{Json, Query};
use renkei_core::dataset::{self, DataFiles};
use serde::Deserialize;
use serde_json::json;
use utoipa::{IntoParams, OpenApi, ToSchema};

use super::AppState;
use super::audit as audit_events;
use super::auth::{Principal, Role};
use super::error::{ApiError, ApiResult, FieldProblem};
use super::secrets::{self, Secret};
use super::views::idempotency_key;
use super::writes::{Keyed, Write, commit, mark_replay};
use crate::snapshot::{files_of, records_of};
use crate::store::audit::{self, AuditQuery};
use crate::store::tokens::{self, TokenRow};
use crate::store::{random_token, sha256_hex, stamp};

/// The largest import body: a national-scale data directory as JSON.
const IMPORT_LIMIT: usize = 1 << 30;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tokens", post(create_token))
        .route("/tokens/revoke", post(revoke_token))
        .route("/audit", get(list_audit))
        .route("/audit/verify", get(verify_audit))
        // A whole data directory: far beyond the 2 MB default of other bodies.
        .route("/import", post(import).layer(axum::extract::DefaultBodyLimit::max(IMPORT_LIMIT)))
        .route("/export", get(export))
}

fn admin_only(principal: &Principal) -> ApiResult<()> {
    if principal.is_admin() { Ok(()) } else { Err(ApiError::Forbidden) }
}

/// A new token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// Who will hold it, e.g. `中区コーディネーター 見本`.
    pub label: String,
    /// admin / coordinator / doctor / station / hospital.
    pub role: String,
    /// For a coordinator: `area` or `group`.
    #[serde(default)]
    pub scope_kind: Option<String>,
    /// The area, group, doctor, station or hospital id.
    #[serde(default)]
    pub scope: Option<String>,
}

/// Issues a token for a role (admins only). The token is shown once: a retry with the
/// same `Idempotency-Key` gets the same token under a new secret (the first stops
/// working), marked `idempotent-replay`.
#[utoipa::path(post, path = "/tokens", tag = "admin", request_body = NewToken,
    params(("Idempotency-Key" = Option<String>, Header, description = "a retry re-keys the token made by the first request")),
    responses((status = 201, description = "the token, shown once")))]
pub async fn create_token(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    headers: HeaderMap,
    Json(body): Json<NewToken>,
) -> ApiResult<Response> {
    admin_only(&principal)?;
    let key = idempotency_key(&headers)?;
    let request_hash = sha256_hex(&format!("POST /tokens\n{body:?}"));
    let snapshot = state.snapshot();
    let d = snapshot.dataset();
    let scope = body.scope.clone().unwrap_or_default();
    let role = match (body.role.as_str(), body.scope_kind.as_deref()) {
        ("admin", _) => Role::Admin,
        ("coordinator", Some("area")) => Role::AreaCoordinator(scope.clone()),
        ("coordinator", Some("group")) => Role::GroupCoordinator(scope.clone()),
        ("doctor", _) => Role::Doctor(scope.clone()),
        ("station", _) => Role::Station(scope.clone()),
        ("hospital", _) => Role::Hospital(scope.clone()),
        _ => {
            return Err(ApiError::invalid(
                "role",
                "role は admin / coordinator (scope_kind area|group) / doctor / station / hospital です (unknown role)",
            ));
        }
    };
    let known = match &role {
        Role::Admin => true,
        Role::AreaCoordinator(id) => d.areas.lookup(id).is_some(),
        Role::GroupCoordinator(id) => d.groups.lookup(id).is_some(),
        Role::Doctor(id) => d.doctors.lookup(id).is_some(),
        Role::Station(id) => d.nurse_stations.lookup(id).is_some(),
        Role::Hospital(id) => d.hospitals.lookup(id).is_some(),
    };
    if !known {
        return Err(ApiError::invalid("scope", format!("'{scope}' がデータにありません (unknown scope id)")));
    }
    if body.label.trim().is_empty() {
        return Err(ApiError::invalid("label", "label が必要です (label is required)"));
    }
    let token = random_token();
    let (role_code, scope_kind, scope_id) = role.to_columns();
    let row = TokenRow {
        hash: sha256_hex(&token),
        label: body.label.trim().to_owned(),
        role: role_code.to_owned(),
        scope_kind: scope_kind.to_owned(),
        scope_id,
    };
    let keyed = Keyed { token_hash: &principal.token_hash, key: key.as_ref(), request_hash: &request_hash };
    let detail = format!("{} {}", row.label, role.audit_label());
    let rekeyed =
        secrets::store(&state, &principal, keyed, Secret::Token(&row), Some(("token_create", "/tokens", detail)))
            .await?;
    state.reload_tokens().await?;
    let mut response =
        (StatusCode::CREATED, Json(json!({"token": token, "label": row.label, "role": role}))).into_response();
    if rekeyed {
        mark_replay(&mut response);
    }
    Ok(response)
}

/// The token to revoke.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeToken {
    /// The token itself.
    pub token: String,
}

/// Revokes a token (admins only).
#[utoipa::path(post, path = "/tokens/revoke", tag = "admin", request_body = RevokeToken,
    responses((status = 204, description = "revoked"), (status = 404, description = "no such active token")))]
pub async fn revoke_token(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Json(body): Json<RevokeToken>,
) -> ApiResult<Response> {
    admin_only(&principal)?;
    let revoked = {
        let _gate = state.gate().await;
        let mut tx = state.store().begin_write().await?;
        let hash = sha256_hex(&body.token);
        let revoked = tokens::revoke(&mut tx, &hash, &stamp(chrono::Utc::now())).await?;
        // Which token was meant, by the start of its hash (never the token), and
        // whether it was revoked.
        let detail = format!("token sha256 {}…", &hash[..12]);
        let status = if revoked { 204 } else { 404 };
        let event = audit_events::event(&principal, "token_revoke", "/tokens/revoke", "", detail, status);
        audit::append(&mut tx, &[event]).await?;
        tx.commit().await.map_err(crate::store::StoreError::from)?;
        revoked
    };
    if !revoked {
        return Err(ApiError::not_found("有効なトークン"));
    }
    state.reload_tokens().await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Filters of the audit trail.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AuditFilter {
    /// Only this patient.
    patient: Option<String>,
    /// Only this action (read, create, update, delete, provide, …).
    action: Option<String>,
    /// Entries after this number.
    #[serde(default)]
    after: i64,
    /// At most this many (default 200, at most 5,000).
    limit: Option<i64>,
}

/// The audit trail (admins only), in order.
#[utoipa::path(get, path = "/audit", tag = "admin", params(AuditFilter),
    responses((status = 200, description = "entries")))]
pub async fn list_audit(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Query(filter): Query<AuditFilter>,
) -> ApiResult<Response> {
    admin_only(&principal)?;
    state.audit_sink().flush(&state).await?;
    let query = AuditQuery {
        patient: filter.patient.clone(),
        action: filter.action.clone(),
        after: filter.after,
        limit: filter.limit.unwrap_or(200).clamp(1, 5000),
    };
    let mut connection = state.store().pool().acquire().await.map_err(crate::store::StoreError::from)?;
    let entries = audit::list(&mut connection, &query).await?;
    drop(connection);
    audit_events::read(
        &state,
        &principal,
        "GET /audit",
        filter.patient.as_deref().unwrap_or_default(),
        format!("audit trail after {} ({} entries)", filter.after, entries.len()),
        200,
    );
    Ok(Json(json!({"entries": entries})).into_response())
}

/// Recomputes the hash chain (admins only).
#[utoipa::path(get, path = "/audit/verify", tag = "admin", responses((status = 200, description = "the chain check")))]
pub async fn verify_audit(State(state): State<AppState>, principal: Arc<Principal>) -> ApiResult<Response> {
    admin_only(&principal)?;
    state.audit_sink().flush(&state).await?;
    let mut connection = state.store().pool().acquire().await.map_err(crate::store::StoreError::from)?;
    let verification = audit::verify(&mut connection).await?;
    Ok(Json(json!({
        "intact": verification.first_broken.is_none() && verification.index_intact,
        "entries": verification.entries,
        "first_broken": verification.first_broken,
        "index_intact": verification.index_intact,
    }))
    .into_response())
}

/// A data directory as JSON: file name → contents.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Import {
    /// `patients.csv` → its text, and so on (docs/data-format.md).
    pub files: BTreeMap<String, String>,
}

/// Replaces the data with a data directory (admins only); every problem is reported
/// with file and line, and nothing is stored unless the whole directory is valid.
#[utoipa::path(post, path = "/import", tag = "admin", request_body = Import,
    responses((status = 200, description = "imported"), (status = 422, body = super::error::ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Json(body): Json<Import>,
) -> ApiResult<Response> {
    admin_only(&principal)?;
    let files: DataFiles = body.files.into_iter().collect();
    let (snapshot, ()) = commit(&state, move |before| {
        let dataset = dataset::parse(&files).map_err(|invalid| ApiError::Invalid {
            problems: invalid
                .problems
                .into_iter()
                .map(|problem| FieldProblem {
                    line: problem.line,
                    message: match problem.line {
                        Some(line) => format!("{}行目: {}", line, problem.message),
                        None => problem.message.clone(),
                    },
                    ..FieldProblem::from(problem)
                })
                .collect(),
        })?;
        let mut records = records_of(&dataset::write(&dataset), &stamp(chrono::Utc::now()), &principal.label);
        // Every record gets a version no earlier one had, so an ETag read before the
        // import matches nothing after it (a stale If-Match is a 409, not an overwrite).
        let newest = before.records.values().flatten().map(|record| record.version).max().unwrap_or(0);
        for record in &mut records {
            record.version = newest + 1;
        }
        let event = audit_events::event(&principal, "import", "/import", "", format!("{} records", records.len()), 200);
        Ok((Write { replace_all_records: Some(records), audit: vec![event], ..Write::default() }, ()))
    })
    .await?;
    Ok(Json(json!({"imported": snapshot.dataset().summary(), "data_version": snapshot.version})).into_response())
}

/// The data as a data directory (admins only).
#[utoipa::path(get, path = "/export", tag = "admin", responses((status = 200, description = "file name → contents")))]
pub async fn export(State(state): State<AppState>, principal: Arc<Principal>) -> ApiResult<Response> {
    admin_only(&principal)?;
    let snapshot = state.snapshot();
    audit_events::queue(&state, &principal, "export", "/export", "", "whole dataset", 200);
    Ok(Json(json!({"files": files_of(&snapshot.records)})).into_response())
}

#[derive(OpenApi)]
#[openapi(
    info(title = "renkei", description = "在宅医療のバックアップ体制: 当番表・連絡順・後方支援病院・専門医相談 (home-care backup: rotas, cover, backup hospitals, consults). Every request but /healthz, /readyz, /metrics, /docs and /feeds carries `Authorization: Bearer TOKEN`. Records (`/{kind}`, `/{kind}/{id}`) are the rows of the data format (docs/data-format.md); edits need `If-Match`, creating POSTs accept `Idempotency-Key`."),
    paths(
        super::ops::healthz, super::ops::readyz,
        super::lookups::on_duty, super::lookups::cover,
        super::lookups::face_sheet, super::lookups::registered_patients, super::lookups::duties,
        super::rotas::list, super::rotas::create, super::rotas::read, super::rotas::read_version,
        super::rotas::solve, super::rotas::repair, super::rotas::edit, super::rotas::publish,
        super::rotas::request_swap, super::rotas::list_swaps, super::rotas::read_swap, super::rotas::move_swap,
        super::jobs::status, super::jobs::cancel,
        super::consults::plan, super::consults::request, super::consults::step,
        super::backup::list, super::backup::admission_plan, super::backup::register, super::backup::registration_step,
        super::backup::withdraw_consent, super::backup::quotas, super::backup::admit, super::backup::attempt,
        super::backup::discharge,
        super::ical::doctor_feed, super::ical::group_feed, super::ical::feed, super::ical::revoke_feed,
        create_token, revoke_token, list_audit, verify_audit, import, export,
        super::records::list, super::records::read, super::records::create,
        super::records::replace, super::records::patch, super::records::remove,
    ),
    components(schemas(super::error::ErrorBody, super::views::RecordView, super::rotas::NewRota,
        super::rotas::SolveRequest, super::rotas::RepairRequest, super::rotas::EditRequest,
        super::rotas::SwapRequest, super::rotas::DutyRef, super::consults::NewConsult, super::consults::StepBody, super::backup::NewRegistration, super::backup::StepBody, super::backup::NewAdmission, super::backup::NewAttemptBody, super::backup::DischargeBody, NewToken, RevokeToken, Import)),
    modifiers(&BearerAuth),
    tags((name = "lookups", description = "当番・連絡順・後方支援病院 (who covers, where to go)"),
         (name = "rotas", description = "当番表 (rotas, versions, swaps, jobs)"),
         (name = "backup", description = "後方支援病院 (backup hospitals, registrations, admissions)"),
         (name = "consults", description = "専門医相談 (specialist consults)"),
         (name = "records", description = "データ (the records of the data format)"),
         (name = "calendar", description = "カレンダー配信 (iCalendar feeds)"),
         (name = "admin", description = "管理 (tokens, audit trail, import)"),
         (name = "operations", description = "運用 (health)")),
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        openapi.security = Some(vec![SecurityRequirement::new("bearer", Vec::<String>::new())]);
    }
}

/// The OpenAPI document.
pub fn api_doc() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
