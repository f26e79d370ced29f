//! The records of the data format as resources: `/{kind}` and `/{kind}/{id}` for
//! areas, groups, doctors, clinics, hospitals, nurse_stations, specialists, patients,
//! consents, absences, requests, unavailability, ledger, registrations, symptoms,
//! consults. A record's body is its row: the columns of docs/data-format.md (numbers,
//! booleans and lists are accepted and stored as the format writes them); groups are
//! the `[[group]]` table of groups.toml as JSON.
//!
//! Every change is validated with the whole dataset (the same parse as files) before
//! it is stored, so a request that would leave the data invalid gets 422 with every
//! problem named, and nothing is written.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::json::{Json, Query};
use renkei_core::calendar::to_jst;
use renkei_core::dataset::{Dataset, table_columns};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::AppState;
use super::audit;
use super::auth::{PatientView, Principal, Role};
use super::error::{ApiError, ApiResult, FieldProblem};
use super::views::{RecordView, idempotency_key, if_match, next_id, record_response};
use super::writes::{Keyed, RecordChange, Write, commit, commit_keyed, replayed};
use crate::snapshot::{DATASET_RECORD, Snapshot, cell_text, file_of};
use crate::store::records::StoredRecord;
use crate::store::{sha256_hex, stamp};

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{kind}", get(list).post(create))
        .route("/{kind}/{id}", get(read).put(replace).patch(patch).delete(remove))
}

/// What a record's access depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Reference data (areas, clinics, doctors, groups, hospitals, stations,
    /// specialists, symptoms): any caller reads; admins and area coordinators edit.
    Reference,
    /// Patient data (patients, consents, registrations, consults): by patient.
    Patient,
    /// A doctor's schedule (absences, requests, unavailability, ledger): the doctor and
    /// their coordinators.
    Schedule,
    /// dataset.toml: admins edit.
    Settings,
}

fn class(kind: &str) -> Class {
    match kind {
        "patients" | "consents" | "registrations" | "consults" | "admissions" | "admission_attempts"
        | "discharge_tasks" => Class::Patient,
        "absences" | "requests" | "unavailability" | "ledger" => Class::Schedule,
        "dataset" => Class::Settings,
        _ => Class::Reference,
    }
}

/// Registrations, consults and admissions change through their workflows (which
/// check each step and record provision to the hospital or specialist); only an admin
/// corrects their rows directly.
fn check_direct_write(principal: &Principal, kind: &str) -> ApiResult<()> {
    let workflow = match kind {
        "registrations" => {
            "POST /patients/{id}/registrations, /registrations/{id}/confirm|decline|info-shared|withdraw"
        }
        "consults" => "POST /patients/{id}/consults, /consults/{id}/accept|advise|visit|report|decline|cancel",
        "admissions" | "admission_attempts" | "discharge_tasks" => {
            "POST /patients/{id}/admissions, /admissions/{id}/attempts, /admissions/{id}/discharge"
        }
        _ => return Ok(()),
    };
    if principal.is_admin() {
        return Ok(());
    }
    Err(ApiError::bad(
        "kind",
        format!(
            "{kind} は手続きの API で変更してください: {workflow} ({kind} change through their workflow: {workflow})"
        ),
    ))
}

fn check_kind(kind: &str) -> ApiResult<()> {
    file_of(kind).map(|_| ()).ok_or_else(|| ApiError::not_found(format!("資源 '{kind}'")))
}

/// The id of the patient a patient-class record is about.
fn patient_id(d: &Dataset, kind: &str, id: &str, fields: &Map<String, Value>) -> Option<String> {
    let text = |name: &str| fields.get(name).and_then(Value::as_str);
    match kind {
        "patients" => Some(id.to_owned()),
        // Calls and tasks belong to an admission, which belongs to a patient.
        "admission_attempts" | "discharge_tasks" => {
            let admission = d.admissions.lookup(text("admission")?)?;
            Some(d.patients[d.admissions[admission].patient].id.to_string())
        }
        _ => text("patient").map(str::to_owned),
    }
}

fn area_of_reference(d: &Dataset, kind: &str, id: &str, fields: &Map<String, Value>) -> Vec<String> {
    let field = |name: &str| fields.get(name).map(cell_text).unwrap_or_default();
    match kind {
        "areas" => vec![id.to_owned()],
        "clinics" | "groups" | "hospitals" | "nurse_stations" => vec![field("area")],
        "doctors" => d
            .clinics
            .lookup(&field("clinic"))
            .map(|clinic| vec![d.areas[d.clinics[clinic].area].id.to_string()])
            .unwrap_or_default(),
        "specialists" => field("areas").split(';').map(|area| area.trim().to_owned()).collect(),
        _ => Vec::new(),
    }
}

/// Whether `principal` may read this record.
fn may_read(principal: &Principal, snapshot: &Snapshot, kind: &str, id: &str, fields: &Map<String, Value>) -> bool {
    let d = snapshot.dataset();
    let today = to_jst(chrono::Utc::now()).date_naive();
    match class(kind) {
        Class::Reference | Class::Settings => true,
        Class::Patient => patient_id(d, kind, id, fields)
            .and_then(|patient| d.patients.lookup(&patient))
            .is_some_and(|patient| principal.patient_view(d, patient, today) == Some(PatientView::Full)),
        Class::Schedule => fields
            .get("doctor")
            .and_then(Value::as_str)
            .and_then(|doctor| d.doctors.lookup(doctor))
            .is_some_and(|doctor| principal.manages_doctor(d, doctor)),
    }
}

/// A patient record's 主治医 and group as its writer is judged by them: a missing or
/// unknown one is a problem of the request (422 naming the field), not a refusal; and
/// its birth date is not after today (JST).
fn check_patient_refs(d: &Dataset, kind: &str, fields: &Map<String, Value>) -> ApiResult<()> {
    if kind != "patients" {
        return Ok(());
    }
    let field = |name: &str| fields.get(name).map(cell_text).unwrap_or_default();
    let doctor = field("primary_doctor");
    if doctor.trim().is_empty() {
        return Err(ApiError::invalid(
            "primary_doctor",
            "主治医 (primary_doctor) は必須です (primary_doctor is required)",
        ));
    }
    if d.doctors.lookup(&doctor).is_none() {
        return Err(ApiError::invalid(
            "primary_doctor",
            format!("医師 '{doctor}' は登録されていません (no doctor has this id)"),
        ));
    }
    // A birth date after today is a typing error (the data format cannot say so: its
    // files are checked without a today).
    let today = to_jst(chrono::Utc::now()).date_naive();
    let birth = field("birth_date");
    if chrono::NaiveDate::parse_from_str(birth.trim(), "%Y-%m-%d").is_ok_and(|birth| birth > today) {
        return Err(ApiError::invalid(
            "birth_date",
            format!("生年月日 {birth} が今日 ({today}) より後です (the birth date is in the future)"),
        ));
    }
    let group = field("group");
    if !group.trim().is_empty() && d.groups.lookup(&group).is_none() {
        return Err(ApiError::invalid(
            "group",
            format!("グループ '{group}' は登録されていません (no group has this id)"),
        ));
    }
    Ok(())
}

/// Whether `principal` may write this record as it is (or will be).
fn may_write(principal: &Principal, snapshot: &Snapshot, kind: &str, id: &str, fields: &Map<String, Value>) -> bool {
    if principal.is_admin() {
        return true;
    }
    let d = snapshot.dataset();
    let field = |name: &str| fields.get(name).map(cell_text).unwrap_or_default();
    match class(kind) {
        Class::Settings => false,
        Class::Reference => match &principal.role {
            Role::AreaCoordinator(area) => {
                let areas = area_of_reference(d, kind, id, fields);
                !areas.is_empty() && areas.iter().all(|a| a == area) && kind != "areas"
            }
            // Their own group's record, but not which area it is in nor who its
            // members are: that would reach doctors outside their charge (the area's
            // coordinator decides those).
            Role::GroupCoordinator(group) => {
                kind == "groups"
                    && id == group
                    && snapshot.record(kind, id).is_some_and(|stored| {
                        ["area", "members"]
                            .iter()
                            .all(|&name| stored.fields.get(name).map(cell_text).unwrap_or_default() == field(name))
                    })
            }
            _ => false,
        },
        Class::Patient => {
            let Some(patient_id) = patient_id(d, kind, id, fields) else { return false };
            match d.patients.lookup(&patient_id) {
                Some(patient) if kind != "patients" => principal.edits_patient(d, patient),
                // A patient record: judged by the 主治医 and group it names.
                _ => {
                    let Some(doctor) = d.doctors.lookup(&field("primary_doctor")) else { return false };
                    let groups: Vec<_> = match d.groups.lookup(&field("group")) {
                        Some(group) => vec![group],
                        None => d.groups_of_doctor(doctor).to_vec(),
                    };
                    principal.doctor(d) == Some(doctor)
                        || (!groups.is_empty() && groups.iter().all(|&group| principal.coordinates_group(d, group)))
                }
            }
        }
        Class::Schedule => {
            let Some(doctor) = d.doctors.lookup(&field("doctor")) else { return false };
            if kind == "ledger" {
                return d.groups_of_doctor(doctor).iter().any(|&group| principal.coordinates_group(d, group));
            }
            principal.manages_doctor(d, doctor)
        }
    }
}

/// Records a patient-data access in the audit trail.
fn audit_read(state: &AppState, principal: &Principal, kind: &str, id: &str, fields: &Map<String, Value>, status: u16) {
    if class(kind) == Class::Patient {
        let patient = patient_id(state.snapshot().dataset(), kind, id, fields).unwrap_or_default();
        audit::read(state, principal, format!("GET /{kind}/{id}"), &patient, format!("{kind} {id}"), status);
    }
}

/// Paging of a list.
#[derive(Debug, Deserialize)]
pub struct Page {
    /// Records to skip.
    #[serde(default)]
    offset: usize,
    /// At most this many (default 500, at most 10,000).
    limit: Option<usize>,
}

#[utoipa::path(get, path = "/{kind}", tag = "records", params(("kind" = String, Path, description = "areas, clinics, doctors, groups, hospitals, nurse_stations, specialists, patients, consents, absences, requests, unavailability, ledger, registrations, symptoms, consults, dataset"), ("offset" = Option<usize>, Query, description = "records to skip"), ("limit" = Option<usize>, Query, description = "at most this many (500)")),
    responses((status = 200, description = "the records the caller may see")))]
/// The records of a table that the caller may see.
pub async fn list(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(kind): Path<String>,
    Query(page): Query<Page>,
) -> ApiResult<Response> {
    check_kind(&kind)?;
    if principal_sees_nothing_of(&principal, &kind) {
        return Err(ApiError::Forbidden);
    }
    let snapshot = state.snapshot();
    let limit = page.limit.unwrap_or(500).min(10_000);
    let visible: Vec<&StoredRecord> = snapshot
        .records
        .get(&kind)
        .map(|list| list.iter().filter(|r| may_read(&principal, &snapshot, &kind, &r.id, &r.fields)).collect())
        .unwrap_or_default();
    let total = visible.len();
    let items: Vec<RecordView> = visible.into_iter().skip(page.offset).take(limit).map(RecordView::from).collect();
    if class(&kind) == Class::Patient {
        // One entry per record returned, under its patient, so each patient's access
        // history shows the list read.
        let resource = format!("GET /{kind}");
        for record in &items {
            let patient = patient_id(snapshot.dataset(), &kind, &record.id, &record.fields).unwrap_or_default();
            audit::read(&state, &principal, resource.clone(), &patient, format!("{kind} {} (list)", record.id), 200);
        }
    }
    Ok(Json(serde_json::json!({ "kind": kind, "total": total, "offset": page.offset, "items": items })).into_response())
}

/// A ward sees patient data only through the face sheet.
fn principal_sees_nothing_of(principal: &Principal, kind: &str) -> bool {
    matches!(principal.role, Role::Hospital(_)) && matches!(class(kind), Class::Patient | Class::Schedule)
}

#[utoipa::path(get, path = "/{kind}/{id}", tag = "records", params(("kind" = String, Path, description = "areas, clinics, doctors, groups, hospitals, nurse_stations, specialists, patients, consents, absences, requests, unavailability, ledger, registrations, symptoms, consults, dataset"), ("id" = String, Path, description = "record id")),
    responses((status = 200, body = RecordView, description = "the record; ETag is its version"), (status = 403, body = super::error::ErrorBody)))]
/// One record.
pub async fn read(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path((kind, id)): Path<(String, String)>,
) -> ApiResult<Response> {
    check_kind(&kind)?;
    let snapshot = state.snapshot();
    let record = snapshot.record(&kind, &id);
    let permitted = !principal_sees_nothing_of(&principal, &kind)
        && record.is_some_and(|r| may_read(&principal, &snapshot, &kind, &id, &r.fields));
    match record {
        Some(record) if permitted => {
            audit_read(&state, &principal, &kind, &id, &record.fields, 200);
            Ok(record_response(StatusCode::OK, record))
        }
        // Outside the caller's scope, absent and forbidden look the same.
        _ if class(&kind) == Class::Patient || class(&kind) == Class::Schedule => {
            let empty = Map::new();
            audit_read(&state, &principal, &kind, &id, record.map_or(&empty, |r| &r.fields), 403);
            Err(if principal.is_admin() { ApiError::not_found(format!("{kind} '{id}'")) } else { ApiError::Forbidden })
        }
        None => Err(ApiError::not_found(format!("{kind} '{id}'"))),
        Some(_) => Err(ApiError::Forbidden),
    }
}

/// The fields of a request body, checked against the table's columns and normalised
/// to the format's cell text.
fn fields_of(kind: &str, body: Value) -> ApiResult<(Option<String>, Map<String, Value>)> {
    let Value::Object(mut map) = body else {
        return Err(ApiError::bad("body", "本文は JSON オブジェクトです (the body must be a JSON object)"));
    };
    let id = match map.remove("id") {
        None | Some(Value::Null) => None,
        Some(Value::String(id)) => Some(id),
        Some(other) => Some(cell_text(&other)),
    };
    let file = file_of(kind).expect("checked");
    if let Some((required, optional)) = table_columns(file) {
        let mut problems = Vec::new();
        let mut fields = Map::new();
        for (key, value) in map {
            if !required.iter().chain(optional).any(|&column| column == key) {
                let columns = required.iter().chain(optional).copied().collect::<Vec<_>>().join(", ");
                problems.push(FieldProblem {
                    file: Some(file.to_owned()),
                    record: id.clone(),
                    field: Some(key),
                    line: None,
                    message: format!("不明な列です (unknown column; the columns are: {columns})"),
                });
                continue;
            }
            if let Value::Object(_) = value {
                problems.push(FieldProblem {
                    file: Some(file.to_owned()),
                    record: id.clone(),
                    field: Some(key),
                    line: None,
                    message: "値は文字列・数・真偽値・その配列です (a value is text, a number, a boolean or a list)"
                        .to_owned(),
                });
                continue;
            }
            let text = cell_text(&value);
            if !text.is_empty() {
                fields.insert(key, Value::String(text));
            }
        }
        if !problems.is_empty() {
            return Err(ApiError::Invalid { problems });
        }
        return Ok((id, fields));
    }
    Ok((id, map))
}

/// The id a new record gets: the body's, the fixed one of dataset.toml, or the next
/// free `S<n>` for symptoms.
fn new_id(kind: &str, id: Option<String>, snapshot: &Snapshot) -> ApiResult<String> {
    match (kind, id) {
        ("dataset", _) => Ok(DATASET_RECORD.to_owned()),
        ("symptoms", None) => {
            let taken = snapshot.records.get(kind).map_or(0, Vec::len);
            Ok((taken + 1..)
                .map(|n| format!("S{n}"))
                .find(|id| snapshot.record(kind, id).is_none())
                .expect("unbounded"))
        }
        (_, Some(id)) if !id.is_empty() => Ok(id),
        // Patient records are numbered by the service.
        ("patients", _) => Ok(next_id(snapshot, kind, "P")),
        ("consents", _) => Ok(next_id(snapshot, kind, "CN")),
        _ => Err(ApiError::invalid("id", "id が必要です (id is required)")),
    }
}

#[utoipa::path(post, path = "/{kind}", tag = "records", params(("kind" = String, Path, description = "areas, clinics, doctors, groups, hospitals, nurse_stations, specialists, patients, consents, absences, requests, unavailability, ledger, registrations, symptoms, consults, dataset"), ("Idempotency-Key" = Option<String>, Header, description = "replays the first response")),
    request_body(content = Object, description = "the row: id and columns"),
    responses((status = 201, body = RecordView), (status = 422, body = super::error::ErrorBody, description = "every problem the change would cause")))]
/// Creates a record, validated with the whole dataset.
pub async fn create(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(kind): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    check_kind(&kind)?;
    check_direct_write(&principal, &kind)?;
    let key = idempotency_key(&headers)?;
    let request_hash = sha256_hex(&format!("POST /{kind}\n{body}"));
    if let Some(response) = replayed(&state, &principal.token_hash, key.as_ref(), &request_hash).await? {
        return Ok(response);
    }
    let (id, fields) = fields_of(&kind, body)?;
    if class(&kind) == Class::Patient && id.as_ref().is_some_and(|id| !id.is_empty()) && !principal.is_admin() {
        // A chosen id would tell whether a patient record exists outside one's scope.
        return Err(ApiError::bad(
            "id",
            format!(
                "{kind} の id はサービスが付けます。id を省いてください (the service numbers {kind}; leave id out)"
            ),
        ));
    }
    let principal_for_plan = principal.clone();
    let (asked_id, asked_fields) = (id.clone().unwrap_or_default(), fields.clone());
    let kind_asked = kind.clone();
    let (key_outer, hash_outer) = (key.clone(), request_hash.clone());
    let keyed = Keyed { token_hash: &principal.token_hash, key: key_outer.as_ref(), request_hash: &hash_outer };
    let result = commit_keyed(&state, keyed, move |snapshot| {
        let id = new_id(&kind, id.clone(), snapshot)?;
        check_patient_refs(snapshot.dataset(), &kind, &fields)?;
        if !may_write(&principal_for_plan, snapshot, &kind, &id, &fields) {
            return Err(ApiError::Forbidden);
        }
        let now = stamp(chrono::Utc::now());
        let position = snapshot.records.get(&kind).and_then(|list| list.last()).map_or(0, |last| last.position + 1);
        let record = StoredRecord {
            kind: kind.clone(),
            id: id.clone(),
            position,
            fields: fields.clone(),
            version: 1,
            updated_at: now,
            updated_by: principal_for_plan.label.to_string(),
        };
        let mut write = Write { records: vec![RecordChange::Create(record.clone())], ..Write::default() };
        write.audit.push(write_event(snapshot.dataset(), &principal_for_plan, "create", &record, 201));
        write.keep_response(&principal_for_plan.token_hash, key.as_ref(), &request_hash, &record);
        Ok((write, (StatusCode::CREATED, record)))
    })
    .await;
    audit_refusal(&state, &principal, "create", &kind_asked, &asked_id, &asked_fields, &result);
    let (_, (status, record)) = result?;
    let mut response = record_response(status, &record);
    if let Ok(location) = format!("/{}/{}", record.kind, record.id).parse() {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

fn write_event(
    d: &Dataset,
    principal: &Principal,
    action: &'static str,
    record: &StoredRecord,
    status: u16,
) -> crate::store::audit::AuditEvent {
    let patient = if class(&record.kind) == Class::Patient {
        patient_id(d, &record.kind, &record.id, &record.fields).unwrap_or_default()
    } else {
        String::new()
    };
    let mut columns: Vec<&str> = record.fields.keys().map(String::as_str).collect();
    columns.sort_unstable();
    audit::event(
        principal,
        action,
        format!("/{}/{}", record.kind, record.id),
        &patient,
        format!("{} {} v{} [{}]", record.kind, record.id, record.version, columns.join(",")),
        status,
    )
}

#[utoipa::path(put, path = "/{kind}/{id}", tag = "records", params(("kind" = String, Path, description = "areas, clinics, doctors, groups, hospitals, nurse_stations, specialists, patients, consents, absences, requests, unavailability, ledger, registrations, symptoms, consults, dataset"), ("id" = String, Path, description = "record id"), ("If-Match" = String, Header, description = "the ETag read")),
    request_body(content = Object, description = "every column"),
    responses((status = 200, body = RecordView), (status = 409, body = super::error::ErrorBody, description = "changed meanwhile"), (status = 422, body = super::error::ErrorBody)))]
/// Replaces a record's columns.
pub async fn replace(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path((kind, id)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    check_kind(&kind)?;
    check_direct_write(&principal, &kind)?;
    let expected = if_match(&headers)?;
    let (body_id, fields) = fields_of(&kind, body)?;
    if body_id.as_ref().is_some_and(|body_id| body_id != &id) {
        return Err(ApiError::invalid("id", "本文の id がパスと異なります (the body's id differs from the path)"));
    }
    update(&state, principal, kind, id, expected, move |_| fields.clone()).await
}

#[utoipa::path(patch, path = "/{kind}/{id}", tag = "records", params(("kind" = String, Path, description = "areas, clinics, doctors, groups, hospitals, nurse_stations, specialists, patients, consents, absences, requests, unavailability, ledger, registrations, symptoms, consults, dataset"), ("id" = String, Path, description = "record id"), ("If-Match" = String, Header, description = "the ETag read")),
    request_body(content = Object, description = "columns to change; null removes one"),
    responses((status = 200, body = RecordView), (status = 409, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody)))]
/// Changes some columns of a record.
pub async fn patch(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path((kind, id)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    check_kind(&kind)?;
    check_direct_write(&principal, &kind)?;
    let expected = if_match(&headers)?;
    // null removes a field; anything else replaces it.
    let Value::Object(map) = &body else {
        return Err(ApiError::bad("body", "本文は JSON オブジェクトです (the body must be a JSON object)"));
    };
    let removed: Vec<String> = map.iter().filter(|(_, v)| v.is_null()).map(|(k, _)| k.clone()).collect();
    let (body_id, changes) = fields_of(&kind, body)?;
    if body_id.as_ref().is_some_and(|body_id| body_id != &id) {
        return Err(ApiError::invalid("id", "本文の id がパスと異なります (the body's id differs from the path)"));
    }
    update(&state, principal, kind, id, expected, move |old| {
        let mut fields = old.clone();
        for key in &removed {
            fields.remove(key);
        }
        fields.extend(changes.clone());
        fields
    })
    .await
}

async fn update(
    state: &AppState,
    principal: Arc<Principal>,
    kind: String,
    id: String,
    expected: i64,
    new_fields: impl Fn(&Map<String, Value>) -> Map<String, Value> + Send + Sync + 'static,
) -> ApiResult<Response> {
    let (who, kind_asked, id_asked) = (principal.clone(), kind.clone(), id.clone());
    let result = commit(state, move |snapshot| {
        let Some(old) = snapshot.record(&kind, &id) else {
            return Err(hidden(&principal, &kind, &id));
        };
        if !may_read(&principal, snapshot, &kind, &id, &old.fields) && !principal.is_admin() {
            return Err(ApiError::Forbidden);
        }
        let fields = new_fields(&old.fields);
        if may_write(&principal, snapshot, &kind, &id, &old.fields) {
            // (Only to one who may change the record: its problems are theirs to see.)
            check_patient_refs(snapshot.dataset(), &kind, &fields)?;
        }
        if !may_write(&principal, snapshot, &kind, &id, &old.fields)
            || !may_write(&principal, snapshot, &kind, &id, &fields)
        {
            return Err(ApiError::Forbidden);
        }
        let record = StoredRecord {
            fields,
            version: old.version + 1,
            updated_at: stamp(chrono::Utc::now()),
            updated_by: principal.label.to_string(),
            ..old.clone()
        };
        let mut write =
            Write { records: vec![RecordChange::Update { record: record.clone(), expected }], ..Write::default() };
        write.audit.push(write_event(snapshot.dataset(), &principal, "update", &record, 200));
        Ok((write, record))
    })
    .await;
    audit_refusal(state, &who, "update", &kind_asked, &id_asked, &Map::new(), &result);
    let (_, record) = result?;
    Ok(record_response(StatusCode::OK, &record))
}

/// Records a refused write of patient data (403) in the audit trail, under the patient
/// it was about (from the stored record, else from the request's fields).
fn audit_refusal<T>(
    state: &AppState,
    principal: &Principal,
    action: &'static str,
    kind: &str,
    id: &str,
    fields: &Map<String, Value>,
    result: &ApiResult<T>,
) {
    if !matches!(result, Err(ApiError::Forbidden)) || class(kind) != Class::Patient {
        return;
    }
    let snapshot = state.snapshot();
    let d = snapshot.dataset();
    let patient = snapshot
        .record(kind, id)
        .and_then(|record| patient_id(d, kind, id, &record.fields))
        .or_else(|| if kind == "patients" { None } else { patient_id(d, kind, id, fields) })
        .unwrap_or_default();
    audit::queue(state, principal, action, format!("/{kind}/{id}"), &patient, "refused", 403);
}

/// Not found for admins; for others, what is outside their scope and what does not
/// exist look the same.
fn hidden(principal: &Principal, kind: &str, id: &str) -> ApiError {
    if principal.is_admin() || class(kind) == Class::Reference {
        ApiError::not_found(format!("{kind} '{id}'"))
    } else {
        ApiError::Forbidden
    }
}

#[utoipa::path(delete, path = "/{kind}/{id}", tag = "records", params(("kind" = String, Path, description = "areas, clinics, doctors, groups, hospitals, nurse_stations, specialists, patients, consents, absences, requests, unavailability, ledger, registrations, symptoms, consults, dataset"), ("id" = String, Path, description = "record id"), ("If-Match" = String, Header, description = "the ETag read")),
    responses((status = 204, description = "deleted"), (status = 409, body = super::error::ErrorBody), (status = 422, body = super::error::ErrorBody, description = "other records still refer to it")))]
/// Deletes a record (refused while others refer to it).
pub async fn remove(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path((kind, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    check_kind(&kind)?;
    check_direct_write(&principal, &kind)?;
    let expected = if_match(&headers)?;
    let (who, kind_asked, id_asked) = (principal.clone(), kind.clone(), id.clone());
    let result = commit(&state, move |snapshot| {
        let Some(old) = snapshot.record(&kind, &id) else {
            return Err(hidden(&principal, &kind, &id));
        };
        if !may_write(&principal, snapshot, &kind, &id, &old.fields) {
            return Err(ApiError::Forbidden);
        }
        let mut write = Write {
            records: vec![RecordChange::Delete { kind: kind.clone(), id: id.clone(), expected }],
            ..Write::default()
        };
        write.audit.push(write_event(snapshot.dataset(), &principal, "delete", old, 204));
        Ok((write, ()))
    })
    .await;
    audit_refusal(&state, &who, "delete", &kind_asked, &id_asked, &Map::new(), &result);
    result?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
