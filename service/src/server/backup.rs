//! Backup hospitals over HTTP: a patient's ranked list, the registration workflow
//! (consent-gated, each step a core function applied to the stored row), consent
//! withdrawal, an area's quota assignment, and admissions at an acute worsening (calls
//! in order, discharge with its tasks). Registering a patient, and an admission call,
//! provide patient data to the hospital: the audit trail records each provision.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::json::{Json, Query};
use chrono::NaiveDate;
use renkei_core::backup::{
    self, AdmissionError, NewAttempt, QuotaOptions, RankOptions, RegistrationError, RegistrationRequest,
};
use renkei_core::calendar::to_jst;
use renkei_core::dataset::{admission_cells, attempt_cells, consent_cells, registration_cells, task_cells};
use renkei_core::domain::{Admission, AttemptOutcome, Id, Idx, Patient};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::audit;
use super::auth::{PatientView, Principal, Role};
use super::error::{ApiError, ApiResult};
use super::lookups::patient_or_deny;
use super::views::{RecordView, cell_fields, etag, idempotency_key, if_match, instant_param, next_id, record_response};
use super::writes::{Keyed, RecordChange, Write, commit, commit_keyed, created_id, replayed, replayed_id};
use crate::snapshot::Snapshot;
use crate::store::records::StoredRecord;
use crate::store::{sha256_hex, stamp};

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/patients/{id}/backup-hospitals", get(list))
        .route("/patients/{id}/admission-plan", get(admission_plan))
        .route("/patients/{id}/registrations", post(register))
        .route("/registrations/{id}/{action}", post(registration_step))
        .route("/consents/{id}/withdraw", post(withdraw_consent))
        .route("/areas/{id}/quotas", get(quotas))
        .route("/patients/{id}/admissions", post(admit))
        .route("/admissions/{id}/attempts", post(attempt))
        .route("/admissions/{id}/discharge", post(discharge))
}

fn today() -> NaiveDate {
    to_jst(chrono::Utc::now()).date_naive()
}

/// Refuses a step dated after today (JST), naming `field`: a step is recorded once it
/// happened, and a date ahead would take effect at once (a consent withdrawn
/// "tomorrow" would withdraw its registrations today).
fn not_after_today(field: &str, on: NaiveDate) -> ApiResult<()> {
    let today = today();
    if on > today {
        return Err(ApiError::invalid(
            field,
            format!(
                "{on} は今日 ({today}) より後の日付です: 済んだことを記録します (the date {on} is after today, {today}; record a step once it happened)"
            ),
        ));
    }
    Ok(())
}

fn registration_error(error: RegistrationError) -> ApiError {
    let field = match &error {
        RegistrationError::NoConsent { .. }
        | RegistrationError::ConsentDoesNotName { .. }
        | RegistrationError::WrongConsent { .. }
        | RegistrationError::ConsentNotInForce { .. } => "consent",
        RegistrationError::AlreadyWithdrawn { .. } => "consent",
        RegistrationError::NotBackupSupport { .. } | RegistrationError::SecondFormal { .. } => "formal",
        RegistrationError::AlreadyRegistered { .. } => "hospital",
        RegistrationError::RankTaken { .. } | RegistrationError::RankOutOfRange { .. } => "rank",
        RegistrationError::MissingReason => "reason",
        RegistrationError::DateBefore { .. } => "on",
        RegistrationError::IllegalTransition { .. } => return ApiError::conflict(error.to_string()),
    };
    ApiError::invalid(field, error.to_string())
}

fn admission_error(error: AdmissionError) -> ApiError {
    let field = match &error {
        AdmissionError::MissingReason => "reason",
        AdmissionError::BeforeRequest { .. } | AdmissionError::OutOfOrder { .. } => "at",
        AdmissionError::InFuture { .. } => "at",
        AdmissionError::AfterAcceptance { .. }
        | AdmissionError::AlreadyDischarged { .. }
        | AdmissionError::AlreadyOpen { .. } => {
            return ApiError::conflict(error.to_string());
        }
        AdmissionError::NotAdmitted | AdmissionError::DischargeBeforeAdmission { .. } => "on",
    };
    ApiError::invalid(field, error.to_string())
}

/// Whether the caller may open an admission for `patient` and record its calls: whoever
/// edits the patient (the 主治医, the group's coordinators, the admin), and a clinic
/// doctor who sees the patient in full, that is a doctor of the patient's group under
/// the patient's group-cover consent in force: the group doctor who examines the
/// patient while the 主治医 is away decides the admission and calls the hospital
/// (docs: the 主治医 or group doctor). Not the visiting nurse, who calls a doctor.
fn decides_admission(principal: &Principal, d: &renkei_core::dataset::Dataset, patient: Idx<Patient>) -> bool {
    principal.edits_patient(d, patient)
        || (principal.doctor(d).is_some() && principal.patient_view(d, patient, today()) == Some(PatientView::Full))
}

fn new_record(snapshot: &Snapshot, kind: &str, id: &str, fields: Map<String, Value>, by: &str) -> StoredRecord {
    StoredRecord {
        kind: kind.to_owned(),
        id: id.to_owned(),
        position: snapshot.records.get(kind).and_then(|l| l.last()).map_or(0, |r| r.position + 1),
        fields,
        version: 1,
        updated_at: stamp(chrono::Utc::now()),
        updated_by: by.to_owned(),
    }
}

fn changed(old: &StoredRecord, fields: Map<String, Value>, by: &str) -> RecordChange {
    RecordChange::Update {
        record: StoredRecord {
            fields,
            version: old.version + 1,
            updated_at: stamp(chrono::Utc::now()),
            updated_by: by.to_owned(),
            ..old.clone()
        },
        expected: old.version,
    }
}

/// `?on=` (date) and `?list_len=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ListQuery {
    /// The date asked about (default today, JST).
    on: Option<NaiveDate>,
    /// Entries (default: the area's backup_list_len).
    list_len: Option<u8>,
}

/// A patient's backup hospitals, ranked with reasons, registration status, consent and
/// the formal 在宅療養後方支援病院 mark; the information exchanges due.
#[utoipa::path(get, path = "/patients/{id}/backup-hospitals", tag = "backup",
    params(("id" = String, Path, description = "patient id"), ListQuery),
    responses((status = 200, description = "the ranked list"), (status = 403, body = super::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
    Query(query): Query<ListQuery>,
) -> ApiResult<Response> {
    let snapshot = state.snapshot();
    let d = snapshot.dataset();
    let resource = "GET /patients/{id}/backup-hospitals";
    let (patient, _) = patient_or_deny(&state, &principal, snapshot.index(), &id, resource, PatientView::Full)?;
    if query.list_len.is_some_and(|n| !(1..=10).contains(&n)) {
        return Err(ApiError::bad("list_len", "list_len は 1〜10 です (1–10)"));
    }
    let options = RankOptions { on: query.on.unwrap_or_else(today), list_len: query.list_len, travel: None };
    let list = backup::rank(d, patient, &options);
    let registered = d.registrations_of_patient(patient).iter().filter(|&&r| d.registrations[r].is_active()).count();
    audit::read(&state, &principal, resource, &id, "backup hospitals", 200);
    let mut body = serde_json::to_value(&list).map_err(|error| ApiError::Internal(error.into()))?;
    body["registered"] = json!(registered);
    Ok(Json(body).into_response())
}

/// `?severe=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PlanQuery {
    /// A severe case (default: the open admission's severity, else false).
    severe: Option<bool>,
}

/// Whom to call if the patient must be admitted now, in order; the calls already made
/// for an open admission; the discharge tasks.
#[utoipa::path(get, path = "/patients/{id}/admission-plan", tag = "backup",
    params(("id" = String, Path, description = "patient id"), PlanQuery),
    responses((status = 200, description = "the admission order")))]
pub async fn admission_plan(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
    Query(query): Query<PlanQuery>,
) -> ApiResult<Response> {
    let snapshot = state.snapshot();
    let d = snapshot.dataset();
    let resource = "GET /patients/{id}/admission-plan";
    let (patient, _) = patient_or_deny(&state, &principal, snapshot.index(), &id, resource, PatientView::Full)?;
    let plan = backup::admission_plan(d, patient, query.severe, &RankOptions::on(today()));
    audit::read(&state, &principal, resource, &id, "admission plan", 200);
    Ok(Json(plan).into_response())
}

/// A registration to request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRegistration {
    /// Id (default: the next R number).
    pub id: Option<String>,
    /// Hospital id.
    pub hospital: String,
    /// Position in the patient's list, 1 first (1–10); not another active
    /// registration's.
    pub rank: u8,
    /// The one formal 在宅療養後方支援病院 registration.
    #[serde(default)]
    pub formal: bool,
    /// The consent naming the hospital (default: the one in force that names it).
    pub consent: Option<String>,
}

/// Requests a registration. Refused (422, field `consent`) without a consent in
/// force that names the hospital; (422, field `rank`) at a rank outside 1–10 or held
/// by another of the patient's active registrations.
#[utoipa::path(post, path = "/patients/{id}/registrations", tag = "backup", request_body = NewRegistration,
    params(("id" = String, Path, description = "patient id"), ("Idempotency-Key" = Option<String>, Header, description = "replays the first response")),
    responses((status = 201, body = RecordView), (status = 422, body = super::error::ErrorBody, description = "no consent, or it does not name the hospital; the rank outside 1–10 or taken")))]
pub async fn register(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(patient_id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<NewRegistration>,
) -> ApiResult<Response> {
    let key = idempotency_key(&headers)?;
    let request_hash = sha256_hex(&format!(
        "POST /patients/{patient_id}/registrations\n{:?}\n{}\n{}\n{}\n{:?}",
        body.id, body.hospital, body.rank, body.formal, body.consent
    ));
    if let Some(response) = replayed(&state, &principal.token_hash, key.as_ref(), &request_hash).await? {
        return Ok(response);
    }
    let (token_outer, key_outer, hash_outer) = (principal.token_hash.clone(), key.clone(), request_hash.clone());
    let keyed = Keyed { token_hash: &token_outer, key: key_outer.as_ref(), request_hash: &hash_outer };
    let (_, record) = commit_keyed(&state, keyed, move |snapshot| {
        let d = snapshot.dataset();
        let patient = d.patients.lookup(&patient_id).ok_or(ApiError::Forbidden)?;
        if !principal.edits_patient(d, patient) {
            return Err(ApiError::Forbidden);
        }
        let hospital = d.hospitals.lookup(&body.hospital).ok_or_else(|| {
            ApiError::invalid("hospital", format!("病院 '{}' がありません (unknown hospital)", body.hospital))
        })?;
        let consent =
            match &body.consent {
                None => None,
                Some(id) => Some(d.consents.lookup(id).ok_or_else(|| {
                    ApiError::invalid("consent", format!("同意 '{id}' がありません (unknown consent)"))
                })?),
            };
        let id_text = body.id.clone().unwrap_or_else(|| next_id(snapshot, "registrations", "R"));
        let id = Id::parse(&id_text).map_err(|error| ApiError::invalid("id", error))?;
        if d.registrations.lookup(&id_text).is_some() {
            return Err(ApiError::conflict(format!("登録 '{id_text}' は既にあります (id taken)")));
        }
        let request = RegistrationRequest { id, patient, hospital, rank: body.rank, formal: body.formal, consent };
        let registration = backup::request(d, request, today()).map_err(registration_error)?;
        let record = new_record(
            snapshot,
            "registrations",
            &id_text,
            cell_fields(registration_cells(d, &registration)),
            &principal.label,
        );
        let h = &d.hospitals[hospital];
        let mut write = Write { records: vec![RecordChange::Create(record.clone())], ..Write::default() };
        write.audit.push(audit::event(
            &principal,
            "create",
            "/patients/{id}/registrations",
            &patient_id,
            format!("registration {id_text}"),
            201,
        ));
        write.audit.push(audit::event(
            &principal,
            "provide",
            "/patients/{id}/registrations",
            &patient_id,
            format!(
                "recipient hospital {} ({}): registration {id_text} — face sheet, 主治医, consent {}",
                h.id, h.name, d.consents[registration.consent].id
            ),
            201,
        ));
        write.keep_response(&principal.token_hash, key.as_ref(), &request_hash, &record);
        Ok((write, record))
    })
    .await?;
    Ok(record_response(StatusCode::CREATED, &record))
}

/// A step's date and reason.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    /// The date of the step (default today, JST; not later).
    pub on: Option<NaiveDate>,
    /// Why (required to decline), e.g. 満床.
    #[serde(default)]
    pub reason: String,
}

/// Moves a registration on: `confirm` (登録済), `decline` (辞退, with a reason),
/// `info-shared` (an information exchange; for the formal registration it moves the
/// 3-monthly due date), `withdraw` (撤回). `If-Match` names the record's version. The
/// hospital's ward may confirm, decline and record exchanges for its own registrations.
#[utoipa::path(post, path = "/registrations/{id}/{action}", tag = "backup",
    params(("id" = String, Path, description = "registration id"), ("action" = String, Path, description = "confirm / decline / info-shared / withdraw"), ("If-Match" = String, Header, description = "the ETag read")),
    request_body = StepBody,
    responses((status = 200, body = RecordView), (status = 409, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody, description = "`on` after today, or before an earlier step")))]
pub async fn registration_step(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
    body: Option<Json<StepBody>>,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    if !matches!(action.as_str(), "confirm" | "decline" | "info-shared" | "withdraw") {
        return Err(ApiError::not_found(format!("操作 '{action}'")));
    }
    let body = body.map(|Json(b)| b).unwrap_or_default();
    let (_, record) = commit(&state, move |snapshot| {
        let d = snapshot.dataset();
        let index = d.registrations.lookup(&id).ok_or(ApiError::Forbidden)?;
        let current = &d.registrations[index];
        let by_ward = matches!(&principal.role, Role::Hospital(h) if d.hospitals[current.hospital].id.as_str() == h)
            && action != "withdraw";
        if !by_ward && !principal.edits_patient(d, current.patient) {
            return Err(ApiError::Forbidden);
        }
        let old = snapshot.record("registrations", &id).ok_or(ApiError::Forbidden)?;
        if old.version != expected {
            return Err(ApiError::conflict(format!(
                "登録 {id} は更新されています (changed meanwhile; current ETag \"{}\")",
                old.version
            )));
        }
        let on = body.on.unwrap_or_else(today);
        not_after_today("on", on)?;
        let moved = match action.as_str() {
            "confirm" => backup::confirm(d, current, on),
            "decline" => backup::decline(current, on, &body.reason),
            "info-shared" => backup::record_info_shared(current, on),
            _ => backup::withdraw(current, on, &body.reason),
        }
        .map_err(registration_error)?;
        let change = changed(old, cell_fields(registration_cells(d, &moved)), &principal.label);
        let patient = d.patients[current.patient].id.to_string();
        let event = audit::event(
            &principal,
            "update",
            format!("/registrations/{id}/{action}"),
            &patient,
            format!("registration {id}: {}", moved.status.label()),
            200,
        );
        let RecordChange::Update { record, .. } = &change else { unreachable!() };
        let record = record.clone();
        Ok((Write { records: vec![change], audit: vec![event], ..Write::default() }, record))
    })
    .await?;
    Ok(record_response(StatusCode::OK, &record))
}

/// Withdraws a consent, and with it every active registration resting on it, in one
/// transaction. `If-Match` names the consent's version.
#[utoipa::path(post, path = "/consents/{id}/withdraw", tag = "backup",
    params(("id" = String, Path, description = "consent id"), ("If-Match" = String, Header, description = "the ETag read")),
    request_body = StepBody,
    responses((status = 200, description = "the consent and the registrations withdrawn"), (status = 422, body = super::error::ErrorBody, description = "`on` after today, or before the consent or a registration's earlier step")))]
pub async fn withdraw_consent(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Option<Json<StepBody>>,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    let on = body.and_then(|Json(b)| b.on).unwrap_or_else(today);
    let (_, (consent, registrations)) = commit(&state, move |snapshot| {
        let d = snapshot.dataset();
        let index = d.consents.lookup(&id).ok_or(ApiError::Forbidden)?;
        let consent = &d.consents[index];
        if !principal.edits_patient(d, consent.patient) {
            return Err(ApiError::Forbidden);
        }
        let old = snapshot.record("consents", &id).ok_or(ApiError::Forbidden)?;
        if old.version != expected {
            return Err(ApiError::conflict(format!(
                "同意 {id} は更新されています (changed meanwhile; current ETag \"{}\")",
                old.version
            )));
        }
        not_after_today("on", on)?;
        let withdrawal = backup::withdraw_consent(d, index, on).map_err(registration_error)?;
        let mut write = Write::default();
        write.records.push(changed(old, cell_fields(consent_cells(d, &withdrawal.consent)), &principal.label));
        let mut withdrawn = Vec::new();
        for registration in &withdrawal.registrations {
            let stored = snapshot.record("registrations", registration.id.as_str()).ok_or(ApiError::Forbidden)?;
            write.records.push(changed(stored, cell_fields(registration_cells(d, registration)), &principal.label));
            withdrawn.push(registration.id.to_string());
        }
        let patient = d.patients[consent.patient].id.to_string();
        write.audit.push(audit::event(
            &principal,
            "update",
            format!("/consents/{id}/withdraw"),
            &patient,
            format!("consent {id} withdrawn on {on}; registrations withdrawn: {}", withdrawn.join(",")),
            200,
        ));
        Ok((write, (id.clone(), withdrawn)))
    })
    .await?;
    Ok(Json(json!({"consent": consent, "withdrawn_on": on, "registrations_withdrawn": registrations})).into_response())
}

/// `?on=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct QuotaQuery {
    /// The date (default today).
    on: Option<NaiveDate>,
}

/// The area's patients assigned to backup hospitals under the hospitals' quotas,
/// proven optimal: who keeps their best-ranked hospitals, who was moved down and why.
#[utoipa::path(get, path = "/areas/{id}/quotas", tag = "backup",
    params(("id" = String, Path, description = "area id"), QuotaQuery),
    responses((status = 200, description = "the assignment")))]
pub async fn quotas(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
    Query(query): Query<QuotaQuery>,
) -> ApiResult<Response> {
    let snapshot = state.snapshot();
    let area = snapshot.dataset().areas.lookup(&id).ok_or_else(|| ApiError::not_found(format!("エリア '{id}'")))?;
    if !principal.coordinates_area(snapshot.dataset(), area) {
        return Err(ApiError::Forbidden);
    }
    let on = query.on.unwrap_or_else(today);
    let work = snapshot.clone();
    let assignment =
        tokio::task::spawn_blocking(move || backup::assign_quotas(work.dataset(), area, &QuotaOptions::on(on)))
            .await
            .map_err(|error| ApiError::Internal(error.into()))?;
    // One entry per patient in the answer, so each patient's access history shows it.
    for outcome in &assignment.outcomes {
        let detail = format!("quota assignment of area {id}");
        audit::read(&state, &principal, "GET /areas/{id}/quotas", &outcome.patient_id, detail, 200);
    }
    Ok(Json(assignment).into_response())
}

/// A new admission at an acute worsening.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdmission {
    /// 重症: goes to the area's 急性期 hospitals.
    #[serde(default)]
    pub severe: bool,
    /// Clinical summary, the family's wishes.
    #[serde(default)]
    pub note: String,
}

/// Opens an admission (the 主治医 or group doctor decided the patient must be admitted)
/// and answers with whom to call, in order. The 主治医, a group doctor under the
/// patient's group-cover consent, and the group's coordinators may. Refused (409, naming
/// it) while the patient has an open admission: its calls are recorded on that one.
#[utoipa::path(post, path = "/patients/{id}/admissions", tag = "backup", request_body = NewAdmission,
    params(("id" = String, Path, description = "patient id"), ("Idempotency-Key" = Option<String>, Header, description = "replays the first request: the same admission, never a second")),
    responses((status = 201, description = "the admission and whom to call"), (status = 409, body = super::error::ErrorBody, description = "the patient has an open admission (named)")))]
pub async fn admit(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(patient_id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<NewAdmission>,
) -> ApiResult<Response> {
    let key = idempotency_key(&headers)?;
    let request_hash = sha256_hex(&format!("POST /patients/{patient_id}/admissions\n{}\n{}", body.severe, body.note));
    if let Some(id) = replayed_id(&state, &principal.token_hash, key.as_ref(), &request_hash).await? {
        return replay_admission(&state, &principal, &patient_id, &id);
    }
    let keyed = Keyed { token_hash: &principal.token_hash, key: key.as_ref(), request_hash: &request_hash };
    let (principal_for_plan, patient_for_plan) = (principal.clone(), patient_id.clone());
    let (key_for_plan, hash_for_plan) = (key.clone(), request_hash.clone());
    let committed = commit_keyed(&state, keyed, move |snapshot| {
        let (principal, patient_id, key, request_hash) =
            (&principal_for_plan, &patient_for_plan, &key_for_plan, &hash_for_plan);
        let d = snapshot.dataset();
        let patient = d.patients.lookup(patient_id).ok_or(ApiError::Forbidden)?;
        if !decides_admission(principal, d, patient) {
            return Err(ApiError::Forbidden);
        }
        // One open admission per patient, or the calls recorded on the first would drop
        // out of the plan. This runs on the snapshot the write is checked against, under
        // the write gate, and the write stores only if the state version is still that
        // snapshot's (compare-and-set in its transaction, else this runs again on fresh
        // data): of two doctors pressing the button at once, on one instance or two, one
        // opens the admission and the other is told its id.
        backup::check_new_admission(d, patient, today()).map_err(admission_error)?;
        let id = next_id(snapshot, "admissions", "AD");
        let admission = Admission {
            id: Id::parse(&id).map_err(|error| ApiError::Internal(anyhow::anyhow!(error)))?,
            patient,
            severe: body.severe,
            requested_at: chrono::Utc::now(),
            discharge_on: None,
            note: body.note.clone(),
        };
        let record =
            new_record(snapshot, "admissions", &id, cell_fields(admission_cells(d, &admission)), &principal.label);
        let event =
            audit::event(principal, "create", "/patients/{id}/admissions", patient_id, format!("admission {id}"), 201);
        let mut write =
            Write { records: vec![RecordChange::Create(record.clone())], audit: vec![event], ..Write::default() };
        write.keep_created_id(&principal.token_hash, key.as_ref(), request_hash, &id);
        Ok((write, (record, patient)))
    })
    .await;
    let (snapshot, (record, patient)) = match committed {
        // The same request, raced by a retry: answered as the first.
        Err(ApiError::Replayed { body, .. }) => {
            let id = created_id(&body)?;
            return replay_admission(&state, &principal, &patient_id, &id);
        }
        other => other?,
    };
    Ok(admission_response(&snapshot, &record, patient, false))
}

/// The id in a kept `{"created": id}` body.
/// The admission a keyed request made the first time, with whom to call as things
/// stand now.
fn replay_admission(state: &AppState, principal: &Principal, patient_id: &str, id: &str) -> ApiResult<Response> {
    let snapshot = state.snapshot();
    let record = snapshot.record("admissions", id).ok_or(ApiError::Forbidden)?.clone();
    let patient = snapshot.dataset().patients.lookup(patient_id).ok_or(ApiError::Forbidden)?;
    audit::read(state, principal, "/patients/{id}/admissions", patient_id, format!("replay: admission {id}"), 201);
    Ok(admission_response(&snapshot, &record, patient, true))
}

/// An admission with whom to call, in order.
fn admission_response(snapshot: &Snapshot, record: &StoredRecord, patient: Idx<Patient>, replay: bool) -> Response {
    let plan = backup::admission_plan(snapshot.dataset(), patient, None, &RankOptions::on(today()));
    let mut response =
        (StatusCode::CREATED, Json(json!({"admission": RecordView::from(record), "plan": plan}))).into_response();
    response.headers_mut().insert(header::ETAG, etag(record.version));
    if replay {
        super::writes::mark_replay(&mut response);
    }
    response
}

/// One call to a hospital.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAttemptBody {
    /// The hospital called.
    pub hospital: String,
    /// accepted / declined (受入 / 断り).
    pub outcome: String,
    /// Why it declined (required then), e.g. 満床.
    #[serde(default)]
    pub reason: String,
    /// When it answered, JST (default now; not later than a few minutes from now).
    pub at: Option<String>,
}

/// Records a hospital's answer; answers with whom to call next (nobody once one
/// accepted).
#[utoipa::path(post, path = "/admissions/{id}/attempts", tag = "backup",
    params(("id" = String, Path, description = "admission id"), ("Idempotency-Key" = Option<String>, Header, description = "replays the first request: the call is recorded once")), request_body = NewAttemptBody,
    responses((status = 201, description = "recorded; the next hospitals"), (status = 422, body = super::error::ErrorBody, description = "a bad call, e.g. `at` in the future")))]
pub async fn attempt(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<NewAttemptBody>,
) -> ApiResult<Response> {
    let key = idempotency_key(&headers)?;
    let request_hash = sha256_hex(&format!(
        "POST /admissions/{id}/attempts\n{}\n{}\n{}\n{:?}",
        body.hospital, body.outcome, body.reason, body.at
    ));
    if let Some(attempt) = replayed_id(&state, &principal.token_hash, key.as_ref(), &request_hash).await? {
        return replay_attempt(&state, &principal, &id, &attempt);
    }
    let at = instant_param(body.at.as_deref(), "at")?;
    let outcome: AttemptOutcome = body.outcome.parse().map_err(|_| {
        ApiError::invalid(
            "outcome",
            "outcome は accepted / declined (受入 / 断り) です (outcome is accepted or declined)",
        )
    })?;
    let keyed = Keyed { token_hash: &principal.token_hash, key: key.as_ref(), request_hash: &request_hash };
    let (principal_for_plan, id_for_plan) = (principal.clone(), id.clone());
    let (key_for_plan, hash_for_plan) = (key.clone(), request_hash.clone());
    let committed = commit_keyed(&state, keyed, move |snapshot| {
        let (principal, id, key, request_hash) = (&principal_for_plan, &id_for_plan, &key_for_plan, &hash_for_plan);
        let d = snapshot.dataset();
        let admission = d.admissions.lookup(id).ok_or(ApiError::Forbidden)?;
        let patient = d.admissions[admission].patient;
        if !decides_admission(principal, d, patient) {
            return Err(ApiError::Forbidden);
        }
        let hospital = d
            .hospitals
            .lookup(&body.hospital)
            .ok_or_else(|| ApiError::invalid("hospital", format!("病院 '{}' がありません (unknown hospital)", body.hospital)))?;
        let attempt_id = next_id(snapshot, "admission_attempts", "AA");
        let new = NewAttempt {
            id: Id::parse(&attempt_id).map_err(|error| ApiError::Internal(anyhow::anyhow!(error)))?,
            hospital,
            at,
            outcome,
            reason: body.reason.clone(),
        };
        let recorded = backup::record_attempt(d, admission, new, chrono::Utc::now()).map_err(admission_error)?;
        let record = new_record(snapshot, "admission_attempts", &attempt_id, cell_fields(attempt_cells(d, &recorded)), &principal.label);
        let patient_id = d.patients[patient].id.to_string();
        let h = &d.hospitals[hospital];
        let audit_events = vec![
            audit::event(principal, "create", format!("/admissions/{id}/attempts"), &patient_id, format!("attempt {attempt_id}: {}", outcome.label()), 201),
            audit::event(principal, "provide", format!("/admissions/{id}/attempts"), &patient_id,
                format!("recipient hospital {} ({}): admission request — clinical information, the patient's and family's wishes", h.id, h.name), 201),
        ];
        let mut write = Write { records: vec![RecordChange::Create(record)], audit: audit_events, ..Write::default() };
        write.keep_created_id(&principal.token_hash, key.as_ref(), request_hash, &attempt_id);
        Ok((write, patient))
    })
    .await;
    let (snapshot, patient) = match committed {
        // The same request, raced by a retry: answered as the first.
        Err(ApiError::Replayed { body, .. }) => return replay_attempt(&state, &principal, &id, &created_id(&body)?),
        other => other?,
    };
    let plan = backup::admission_plan(snapshot.dataset(), patient, None, &RankOptions::on(today()));
    Ok((StatusCode::CREATED, Json(plan)).into_response())
}

/// A call a keyed request recorded the first time: whom to call next, as things stand
/// now.
fn replay_attempt(state: &AppState, principal: &Principal, admission_id: &str, attempt: &str) -> ApiResult<Response> {
    let snapshot = state.snapshot();
    let d = snapshot.dataset();
    let admission = d.admissions.lookup(admission_id).ok_or(ApiError::Forbidden)?;
    let patient = d.admissions[admission].patient;
    let detail = format!("replay: attempt {attempt}");
    audit::read(state, principal, "/admissions/{id}/attempts", d.patients[patient].id.as_str(), detail, 201);
    let plan = backup::admission_plan(d, patient, None, &RankOptions::on(today()));
    let mut response = (StatusCode::CREATED, Json(plan)).into_response();
    super::writes::mark_replay(&mut response);
    Ok(response)
}

/// The discharge date.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DischargeBody {
    /// 退院日.
    pub on: NaiveDate,
}

/// Decides the discharge: the 主治医 notification and the pre-discharge conference
/// (退院前カンファレンス) become tasks. The accepting hospital's ward may record it.
#[utoipa::path(post, path = "/admissions/{id}/discharge", tag = "backup",
    params(("id" = String, Path, description = "admission id")), request_body = DischargeBody,
    responses((status = 200, description = "the admission and its tasks")))]
pub async fn discharge(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
    Json(body): Json<DischargeBody>,
) -> ApiResult<Response> {
    let ward = matches!(principal.role, Role::Hospital(_));
    let (snapshot, patient) = commit(&state, move |snapshot| {
        let d = snapshot.dataset();
        let admission = d.admissions.lookup(&id).ok_or(ApiError::Forbidden)?;
        let patient = d.admissions[admission].patient;
        let accepted_here = match &principal.role {
            Role::Hospital(h) => d
                .attempts_of_admission(admission)
                .iter()
                .map(|&a| &d.admission_attempts[a])
                .any(|a| a.outcome == AttemptOutcome::Accepted && d.hospitals[a.hospital].id.as_str() == h),
            _ => false,
        };
        if !accepted_here && !principal.edits_patient(d, patient) {
            return Err(ApiError::Forbidden);
        }
        let first = next_id(snapshot, "discharge_tasks", "DT");
        let number: u64 = first.trim_start_matches("DT").parse().unwrap_or(1);
        let ids = [format!("DT{number:06}"), format!("DT{:06}", number + 1)];
        let task_ids = [
            Id::parse(&ids[0]).map_err(|error| ApiError::Internal(anyhow::anyhow!(error)))?,
            Id::parse(&ids[1]).map_err(|error| ApiError::Internal(anyhow::anyhow!(error)))?,
        ];
        let done = backup::discharge(d, admission, body.on, task_ids).map_err(admission_error)?;
        let old = snapshot.record("admissions", &id).ok_or(ApiError::Forbidden)?;
        let mut write = Write::default();
        write.records.push(changed(old, cell_fields(admission_cells(d, &done.admission)), &principal.label));
        for task in &done.tasks {
            let mut record = new_record(
                snapshot,
                "discharge_tasks",
                task.id.as_str(),
                cell_fields(task_cells(d, task)),
                &principal.label,
            );
            record.position += write.records.len() as i64;
            write.records.push(RecordChange::Create(record));
        }
        let patient_id = d.patients[patient].id.to_string();
        write.audit.push(audit::event(
            &principal,
            "update",
            format!("/admissions/{id}/discharge"),
            &patient_id,
            format!("discharge on {}; tasks {}", body.on, ids.join(",")),
            200,
        ));
        Ok((write, patient))
    })
    .await?;
    let plan = backup::admission_plan(snapshot.dataset(), patient, None, &RankOptions::on(today()));
    if ward {
        // The ward sees what it recorded and the tasks, not the other hospitals' calls.
        let view = json!({
            "patient_id": plan.patient_id,
            "admission_id": plan.admission_id,
            "discharge_on": plan.discharge_on,
            "tasks": plan.tasks,
        });
        return Ok(Json(view).into_response());
    }
    Ok(Json(plan).into_response())
}
