//! Specialist consults: whom to consult for a symptom, the request (gated by the
//! patient's consent naming the specialist), and its steps to the report back to the
//! 主治医. Requesting a consult provides patient data to the specialist, and is
//! recorded as such in the audit trail.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::json::{Json, Query};
use renkei_core::consult::{self, ConsultError, ConsultNeed, ConsultOptions, ConsultRequest};
use renkei_core::dataset::consult_cells;
use renkei_core::domain::{ConsultMode, ConsultStatus};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::audit;
use super::auth::{PatientView, Principal};
use super::error::{ApiError, ApiResult};
use super::lookups::patient_or_deny;
use super::views::{RecordView, cell_fields, idempotency_key, if_match, instant_param, record_response};
use super::writes::{Keyed, RecordChange, Write, commit, commit_keyed, replayed};
use crate::store::records::StoredRecord;
use crate::store::{sha256_hex, stamp};

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/patients/{id}/consult-plan", get(plan))
        .route("/patients/{id}/consults", post(request))
        .route("/consults/{id}/{action}", post(step))
}

fn consult_error(error: ConsultError) -> ApiError {
    let field = match &error {
        ConsultError::UnknownPatient { .. } => "patient",
        ConsultError::UnknownSpecialist { .. } | ConsultError::ModeNotOffered { .. } => "specialist",
        ConsultError::SpecialistFull { .. } => "specialist",
        ConsultError::UnknownSymptom { .. } | ConsultError::EmptySymptom => "symptom",
        ConsultError::UnknownSpecialty { .. } => "specialty",
        ConsultError::BadId { .. } => "id",
        ConsultError::NoConsent { .. } => "consent",
        ConsultError::IllegalTransition { .. } | ConsultError::NotHomeVisit { .. } => {
            return ApiError::conflict(error.to_string());
        }
        _ => "consult",
    };
    ApiError::invalid(field, error.to_string())
}

fn mode_param(text: Option<&str>) -> ApiResult<Option<ConsultMode>> {
    text.filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<ConsultMode>().map_err(|_| {
                ApiError::bad("mode", format!("mode='{t}': advice / home_visit / outpatient (助言 / 往診 / 外来) です"))
            })
        })
        .transpose()
}

/// `?symptom=` or `?specialty=`, with `mode` and `at`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PlanQuery {
    /// The symptom as written (e.g. 褥瘡（仙骨部）).
    symptom: Option<String>,
    /// Or the specialty directly.
    specialty: Option<String>,
    /// advice / home_visit / outpatient.
    mode: Option<String>,
    /// JST time (default now).
    at: Option<String>,
}

/// The specialists to consult for a patient's symptom, ranked with reasons and consent.
#[utoipa::path(get, path = "/patients/{id}/consult-plan", tag = "consults",
    params(("id" = String, Path, description = "patient id"), PlanQuery),
    responses((status = 200, description = "the ranked specialists"), (status = 422, body = super::error::ErrorBody, description = "unknown symptom, with suggestions")))]
pub async fn plan(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
    Query(query): Query<PlanQuery>,
) -> ApiResult<Response> {
    let at = instant_param(query.at.as_deref(), "at")?;
    let mode = mode_param(query.mode.as_deref())?;
    let snapshot = state.snapshot();
    let d = snapshot.dataset();
    let resource = "GET /patients/{id}/consult-plan";
    patient_or_deny(&state, &principal, snapshot.index(), &id, resource, PatientView::Full)?;
    let need = match (query.symptom.as_deref(), query.specialty.as_deref()) {
        (Some(symptom), None) => ConsultNeed::Symptom(symptom),
        (None, Some(specialty)) => ConsultNeed::Specialty(specialty),
        _ => {
            return Err(ApiError::bad(
                "symptom",
                "symptom か specialty のどちらかを指定してください (give one of them)",
            ));
        }
    };
    let plan = consult::rank_specialists(d, &id, need, &ConsultOptions { mode, at }).map_err(consult_error)?;
    audit::read(
        &state,
        &principal,
        resource,
        &id,
        format!("consult plan: {:?}", query.symptom.or(query.specialty)),
        200,
    );
    Ok(Json(plan).into_response())
}

/// A consult request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConsult {
    /// Id (default: the next CS number).
    pub id: Option<String>,
    /// Specialist id.
    pub specialist: String,
    /// The symptom.
    pub symptom: String,
    /// advice / home_visit / outpatient (助言 / 往診 / 外来).
    pub mode: String,
}

/// Requests a consult. Refused (422, field `consent`) unless a consent of the patient
/// in force names the specialist.
#[utoipa::path(post, path = "/patients/{id}/consults", tag = "consults", request_body = NewConsult,
    params(("id" = String, Path, description = "patient id"), ("Idempotency-Key" = Option<String>, Header, description = "replays the first response")),
    responses((status = 201, body = RecordView), (status = 422, body = super::error::ErrorBody)))]
pub async fn request(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(patient_id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<NewConsult>,
) -> ApiResult<Response> {
    let key = idempotency_key(&headers)?;
    let request_hash = sha256_hex(&format!(
        "POST /patients/{patient_id}/consults\n{}\n{}\n{}\n{:?}",
        body.specialist, body.symptom, body.mode, body.id
    ));
    if let Some(response) = replayed(&state, &principal.token_hash, key.as_ref(), &request_hash).await? {
        return Ok(response);
    }
    let mode = mode_param(Some(&body.mode))?.ok_or_else(|| {
        ApiError::invalid("mode", "mode が必要です: 助言 / 往診 / 外来 (mode is required: advice, visit or outpatient)")
    })?;
    let (token_outer, key_outer, hash_outer) = (principal.token_hash.clone(), key.clone(), request_hash.clone());
    let keyed = Keyed { token_hash: &token_outer, key: key_outer.as_ref(), request_hash: &hash_outer };
    let (_, record) = commit_keyed(&state, keyed, move |snapshot| {
        let d = snapshot.dataset();
        let patient = d.patients.lookup(&patient_id).ok_or(ApiError::Forbidden)?;
        if !principal.edits_patient(d, patient) {
            return Err(ApiError::Forbidden);
        }
        let at = chrono::Utc::now();
        let id = body.id.clone().unwrap_or_else(|| consult::next_consult_id(d));
        let consult = consult::request(
            d,
            &ConsultRequest {
                id: id.clone(),
                patient: patient_id.clone(),
                specialist: body.specialist.clone(),
                symptom: body.symptom.clone(),
                mode,
                at,
            },
        )
        .map_err(consult_error)?;
        let now = stamp(at);
        let record = StoredRecord {
            kind: "consults".to_owned(),
            id,
            position: snapshot.records.get("consults").and_then(|l| l.last()).map_or(0, |r| r.position + 1),
            fields: cell_fields(consult_cells(d, &consult)),
            version: 1,
            updated_at: now,
            updated_by: principal.label.to_string(),
        };
        let specialist = &d.specialists[consult.specialist];
        let mut write = Write { records: vec![RecordChange::Create(record.clone())], ..Write::default() };
        write.audit.push(audit::event(
            &principal,
            "create",
            "/patients/{id}/consults",
            &patient_id,
            format!("consult {}", record.id),
            201,
        ));
        write.audit.push(audit::event(
            &principal,
            "provide",
            "/patients/{id}/consults",
            &patient_id,
            format!(
                "recipient specialist {} ({}): consult {} — symptom, face sheet, 主治医; consent {}",
                specialist.id, specialist.institution, record.id, d.consents[consult.consent].id
            ),
            201,
        ));
        write.keep_response(&principal.token_hash, key.as_ref(), &request_hash, &record);
        Ok((write, record))
    })
    .await?;
    Ok(record_response(StatusCode::CREATED, &record))
}

/// The report, for `report`.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    /// The specialist's report to the 主治医 (for `report`).
    #[serde(default)]
    pub report: String,
}

/// Moves a consult on: `accept` (受付), `advise` (助言済), `visit` (往診済), `report`
/// (報告済, with the report), `decline` (辞退), `cancel` (取消). `If-Match` names the
/// record's version.
#[utoipa::path(post, path = "/consults/{id}/{action}", tag = "consults",
    params(("id" = String, Path, description = "consult id"), ("action" = String, Path, description = "accept / advise / visit / report / decline / cancel"), ("If-Match" = String, Header, description = "the ETag read")),
    request_body = StepBody,
    responses((status = 200, body = RecordView), (status = 409, body = super::error::ErrorBody, description = "not possible from the current status, or changed meanwhile")))]
pub async fn step(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Option<Json<StepBody>>,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    let to = match action.as_str() {
        "accept" => ConsultStatus::Accepted,
        "advise" => ConsultStatus::Advised,
        "visit" => ConsultStatus::Visited,
        "report" => ConsultStatus::Reported,
        "decline" => ConsultStatus::Declined,
        "cancel" => ConsultStatus::Cancelled,
        _ => return Err(ApiError::not_found(format!("操作 '{action}'"))),
    };
    let text = body.map(|Json(b)| b.report).unwrap_or_default();
    let (_, record) = commit(&state, move |snapshot| {
        let d = snapshot.dataset();
        let Some(index) = d.consults.lookup(&id) else { return Err(ApiError::Forbidden) };
        let current = &d.consults[index];
        if !principal.edits_patient(d, current.patient) {
            return Err(ApiError::Forbidden);
        }
        let old = snapshot.record("consults", &id).ok_or(ApiError::Forbidden)?;
        if old.version != expected {
            return Err(ApiError::conflict(format!(
                "相談 {id} は更新されています (changed meanwhile; current ETag \"{}\")",
                old.version
            )));
        }
        let moved = consult::transition(current, to, chrono::Utc::now(), &text).map_err(consult_error)?;
        let record = StoredRecord {
            fields: cell_fields(consult_cells(d, &moved)),
            version: old.version + 1,
            updated_at: stamp(chrono::Utc::now()),
            updated_by: principal.label.to_string(),
            ..old.clone()
        };
        let patient = d.patients[current.patient].id.to_string();
        let event = audit::event(
            &principal,
            "update",
            format!("/consults/{id}/{action}"),
            &patient,
            format!("consult {id}: {}", to.label()),
            200,
        );
        Ok((
            Write {
                records: vec![RecordChange::Update { record: record.clone(), expected }],
                audit: vec![event],
                ..Write::default()
            },
            record,
        ))
    })
    .await?;
    Ok(record_response(StatusCode::OK, &record))
}
