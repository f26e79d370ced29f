//! Rotas and their versions: solve (a job), edit, publish, repair, swap.
//!
//! A rota is a month of some groups. Each version is immutable; publishing stamps
//! the instant it came into force, and every later change (a swap, a repair after a
//! sudden absence, a manual edit) is a new version, so lookups at a past instant use
//! the version in force then.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::json::Json;
use chrono::NaiveDate;
use renkei_core::calendar::{DateRange, Instant, Month, SlotKind, expand_slots, parse_instant};
use renkei_core::dataset::Dataset;
use renkei_core::domain::Role as DutyRole;
use renkei_core::rota::{
    CoverRecord, DutyRecord, ProblemSpec, Report, RotaProblem, RotaRecords, build_problem, validate,
};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use super::AppState;
use super::audit;
use super::auth::{Principal, Role};
use super::error::{ApiError, ApiResult, FieldProblem};
use super::jobs::{self, Task};
use super::views::{etag, idempotency_key, if_match};
use super::writes::{Keyed, Write, commit, commit_keyed, created_id, replayed, replayed_id};
use crate::snapshot::Snapshot;
use crate::store::rotas::{self as rota_store, RotaRow, SwapRow, VersionRow};
use crate::store::stamp;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/rotas", get(list).post(create))
        .route("/rotas/{id}", get(read))
        .route("/rotas/{id}/solve", post(solve))
        .route("/rotas/{id}/repair", post(repair))
        .route("/rotas/{id}/versions", post(edit))
        .route("/rotas/{id}/versions/{version}", get(read_version))
        .route("/rotas/{id}/versions/{version}/publish", post(publish))
        .route("/rotas/{id}/swaps", get(list_swaps).post(request_swap))
        .route("/swaps/{id}", get(read_swap))
        .route("/swaps/{id}/{action}", post(move_swap))
}

/// Whether the caller coordinates every group of the rota.
pub fn manages(principal: &Principal, d: &Dataset, rota: &RotaRow) -> bool {
    principal.is_admin()
        || (!rota.groups.is_empty()
            && rota.groups.iter().all(|id| d.groups.lookup(id).is_some_and(|g| principal.coordinates_group(d, g))))
}

/// Whether the caller may see the rota (a coordinator of one of its groups, or a member).
fn sees(principal: &Principal, d: &Dataset, rota: &RotaRow) -> bool {
    rota.groups.iter().any(|id| d.groups.lookup(id).is_some_and(|g| principal.sees_group(d, g)))
}

/// The rota problem of a rota on the current data.
pub fn problem_for(d: &Dataset, rota: &RotaRow) -> ApiResult<RotaProblem> {
    let month: Month = rota.month.parse().map_err(|_| ApiError::Internal(anyhow::anyhow!("stored month")))?;
    let mut groups = Vec::new();
    for id in &rota.groups {
        groups.push(d.groups.lookup(id).ok_or_else(|| {
            ApiError::invalid("groups", format!("グループ '{id}' はもうありません (the group no longer exists)"))
        })?);
    }
    build_problem(d, &ProblemSpec { groups, days: month.days() })
        .map_err(|error| ApiError::invalid("rota", format!("当番表の問題を作れません ({error})")))
}

/// The validator's figures, as stored with a version.
pub fn summary_of(problem: &RotaProblem, report: &Report) -> Value {
    json!({
        "shortfall_units": report.shortfall_units(),
        "violations": report.violations.iter().map(|v| v.describe(problem)).collect::<Vec<_>>(),
        "objective": report.objective,
        "penalties": report.penalties.len(),
    })
}

/// A version as the API shows it. Only those who manage the rota see the explanations
/// of what could not be filled, which name the patients a 16 km set is for.
fn version_view(snapshot: &Snapshot, version: &VersionRow, with_records: bool, manager: bool) -> Value {
    let in_force = snapshot.published(&version.rota).is_some_and(|p| p.version == version.version);
    let mut view = json!({
        "rota": version.rota,
        "version": version.version,
        "origin": version.origin,
        "note": version.note,
        "created_at": version.created_at,
        "created_by": version.created_by,
        "published_at": version.published_at,
        "published_by": version.published_by,
        "state": if version.published_at.is_none() { "draft" } else if in_force { "in_force" } else { "superseded" },
        "summary": version.summary,
    });
    if with_records {
        view["records"] = serde_json::from_str(&version.records).unwrap_or(Value::Null);
    }
    if !manager && let Some(summary) = view["summary"].as_object_mut() {
        summary.remove("explanations");
    }
    view
}

fn rota_view(snapshot: &Snapshot, rota: &RotaRow, manager: bool) -> Value {
    let versions: Vec<Value> =
        snapshot.versions_of(&rota.id).map(|v| version_view(snapshot, v, false, manager)).collect();
    json!({
        "id": rota.id,
        "month": rota.month,
        "groups": rota.groups,
        "created_at": rota.created_at,
        "created_by": rota.created_by,
        "published_version": snapshot.published(&rota.id).map(|v| v.version),
        "latest_version": snapshot.versions_of(&rota.id).map(|v| v.version).max(),
        "versions": versions,
    })
}

fn find_rota(snapshot: &Snapshot, principal: &Principal, id: &str) -> ApiResult<RotaRow> {
    let rota = snapshot.rota(id).ok_or_else(|| ApiError::not_found(format!("当番表 '{id}'")))?;
    if !sees(principal, snapshot.dataset(), rota) && !manages(principal, snapshot.dataset(), rota) {
        return Err(ApiError::Forbidden);
    }
    Ok(rota.clone())
}

#[utoipa::path(get, path = "/rotas", tag = "rotas", responses((status = 200, description = "the rotas the caller sees")))]
/// The rotas the caller may see.
pub async fn list(State(state): State<AppState>, principal: Arc<Principal>) -> ApiResult<Response> {
    let snapshot = state.snapshot();
    let d = snapshot.dataset();
    let rotas: Vec<Value> = snapshot
        .rotas
        .iter()
        .filter(|rota| manages(&principal, d, rota) || sees(&principal, d, rota))
        .map(|rota| rota_view(&snapshot, rota, manages(&principal, d, rota)))
        .collect();
    Ok(Json(json!({ "rotas": rotas })).into_response())
}

/// A new rota.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRota {
    /// Id (default `{month}-{group ids joined by _}`, or `{month}-{first group}-{n}g`
    /// when that is longer than an id may be).
    pub id: Option<String>,
    /// `YYYY-MM`.
    pub month: String,
    /// Group ids; every group sharing a doctor with one of them must be included, so no
    /// doctor is booked twice.
    pub groups: Vec<String>,
}

/// The groups linked to `start` by shared doctors.
fn linked_groups(d: &Dataset, start: &[renkei_core::domain::Idx<renkei_core::domain::Group>]) -> BTreeSet<String> {
    let mut seen: Vec<_> = start.to_vec();
    let mut next = 0;
    while next < seen.len() {
        let group = seen[next];
        for &member in &d.groups[group].members {
            for &other in d.groups_of_doctor(member) {
                if !seen.contains(&other) {
                    seen.push(other);
                }
            }
        }
        next += 1;
    }
    seen.into_iter().map(|g| d.groups[g].id.to_string()).collect()
}

#[utoipa::path(post, path = "/rotas", tag = "rotas", request_body = NewRota,
    responses((status = 201, description = "created"), (status = 422, body = super::error::ErrorBody)))]
/// Creates a rota for a month and groups.
pub async fn create(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    headers: HeaderMap,
    Json(body): Json<NewRota>,
) -> ApiResult<Response> {
    let month: Month = body.month.parse().map_err(|_| {
        ApiError::invalid(
            "month",
            format!("month='{}' は YYYY-MM ではありません (not a month, e.g. 2027-01)", body.month),
        )
    })?;
    let key = idempotency_key(&headers)?;
    let request_hash = crate::store::sha256_hex(&format!("POST /rotas\n{body:?}"));
    if let Some(id) = replayed_id(&state, &principal.token_hash, key.as_ref(), &request_hash).await? {
        return replay_created(&state, &principal, &id);
    }
    let keyed = Keyed { token_hash: &principal.token_hash, key: key.as_ref(), request_hash: &request_hash };
    let (principal_for_plan, key_for_plan, hash_for_plan) = (principal.clone(), key.clone(), request_hash.clone());
    let committed = commit_keyed(&state, keyed, move |snapshot| {
        let principal = &principal_for_plan;
        let d = snapshot.dataset();
        let mut problems = Vec::new();
        let mut groups = Vec::new();
        for id in &body.groups {
            match d.groups.lookup(id) {
                Some(group) if !d.groups[group].policy.rotation() && !d.groups[group].policy.absence_cover() => {}
                Some(group) => groups.push(group),
                None => problems.push(FieldProblem {
                    file: None,
                    record: None,
                    field: Some("groups".to_owned()),
                    line: None,
                    message: format!("グループ '{id}' がありません (unknown group)"),
                }),
            }
        }
        if groups.is_empty() && problems.is_empty() {
            problems.push(FieldProblem {
                file: None,
                record: None,
                field: Some("groups".to_owned()),
                line: None,
                message: "グループを1つ以上指定してください (at least one group)".to_owned(),
            });
        }
        if !problems.is_empty() {
            return Err(ApiError::Invalid { problems });
        }
        if !groups.iter().all(|&g| principal.coordinates_group(d, g)) {
            return Err(ApiError::Forbidden);
        }
        let given: BTreeSet<String> = groups.iter().map(|&g| d.groups[g].id.to_string()).collect();
        let missing: Vec<String> = linked_groups(d, &groups).difference(&given).cloned().collect();
        if !missing.is_empty() {
            return Err(ApiError::invalid(
                "groups",
                format!(
                    "医師を共有するグループ {} も含めてください。二重の当番を防ぐため一緒に作成します (groups sharing doctors must be solved together)",
                    missing.join(", ")
                ),
            ));
        }
        for other in snapshot.rotas.iter().filter(|r| r.month == month.to_string()) {
            if let Some(shared) = other.groups.iter().find(|g| given.contains(*g)) {
                return Err(ApiError::conflict(format!(
                    "{month} の {shared} は当番表 '{}' にあります (the group already has a rota this month)",
                    other.id
                )));
            }
        }
        let ids: Vec<String> = given.iter().cloned().collect();
        let id = body.id.clone().unwrap_or_else(|| {
            let all_rotation = d.groups.iter().filter(|g| g.policy.rotation() || g.policy.absence_cover()).count();
            let joined = format!("{month}-{}", ids.join("_"));
            if ids.len() == all_rotation {
                format!("{month}-city")
            } else if joined.len() <= renkei_core::domain::Id::MAX_LEN {
                joined
            } else {
                format!("{month}-{}-{}g", ids[0], ids.len())
            }
        });
        if snapshot.rota(&id).is_some() {
            return Err(ApiError::conflict(format!("当番表 '{id}' は既にあります (the rota exists)")));
        }
        renkei_core::domain::Id::parse(&id).map_err(|error| ApiError::invalid("id", error))?;
        let rota = RotaRow {
            id,
            month: month.to_string(),
            groups: ids,
            created_at: stamp(chrono::Utc::now()),
            created_by: principal.label.to_string(),
        };
        let event = audit::event(principal, "create", format!("/rotas/{}", rota.id), "", rota.month.clone(), 201);
        let mut write = Write { rotas: vec![rota.clone()], audit: vec![event], ..Write::default() };
        write.keep_created_id(&principal.token_hash, key_for_plan.as_ref(), &hash_for_plan, &rota.id);
        Ok((write, rota))
    })
    .await;
    let rota = match committed {
        // The same request, raced by a retry: answered as the first.
        Err(ApiError::Replayed { body, .. }) => return replay_created(&state, &principal, &created_id(&body)?),
        other => other?.1,
    };
    let snapshot = state.snapshot();
    Ok((StatusCode::CREATED, Json(rota_view(&snapshot, &rota, true))).into_response())
}

/// The rota a keyed request created the first time, as it stands now.
fn replay_created(state: &AppState, principal: &Principal, id: &str) -> ApiResult<Response> {
    let snapshot = state.snapshot();
    let rota = find_rota(&snapshot, principal, id)?;
    let manager = manages(principal, snapshot.dataset(), &rota);
    let mut response = (StatusCode::CREATED, Json(rota_view(&snapshot, &rota, manager))).into_response();
    super::writes::mark_replay(&mut response);
    Ok(response)
}

#[utoipa::path(get, path = "/rotas/{id}", tag = "rotas", params(("id" = String, Path, description = "rota id")),
    responses((status = 200, description = "the rota and its versions")))]
/// A rota and its versions.
pub async fn read(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let snapshot = state.snapshot();
    let rota = find_rota(&snapshot, &principal, &id)?;
    let manager = manages(&principal, snapshot.dataset(), &rota);
    let mut response = Json(rota_view(&snapshot, &rota, manager)).into_response();
    if let Some(latest) = snapshot.versions_of(&rota.id).map(|v| v.version).max() {
        response.headers_mut().insert(header::ETAG, etag(latest));
    }
    Ok(response)
}

fn parse_version(text: &str) -> ApiResult<i64> {
    let text = text.strip_prefix('v').unwrap_or(text);
    text.parse()
        .map_err(|_| ApiError::bad("version", format!("版 '{text}' は番号ではありません (not a version number)")))
}

#[utoipa::path(get, path = "/rotas/{id}/versions/{version}", tag = "rotas",
    params(("id" = String, Path, description = "rota id"), ("version" = String, Path, description = "version number, or `current` for the one in force")),
    responses((status = 200, description = "the version with its duties")))]
/// One version with its duties and covers (`current`: the version in force).
pub async fn read_version(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path((id, version)): Path<(String, String)>,
) -> ApiResult<Response> {
    let snapshot = state.snapshot();
    let rota = find_rota(&snapshot, &principal, &id)?;
    let found = if version == "current" {
        snapshot.published(&rota.id)
    } else {
        let number = parse_version(&version)?;
        snapshot.versions_of(&rota.id).find(|v| v.version == number)
    };
    let found = found.ok_or_else(|| ApiError::not_found(format!("当番表 '{id}' の版 {version}")))?;
    let d = snapshot.dataset();
    let manager = manages(&principal, d, &rota);
    let mut view = version_view(&snapshot, found, true, manager);
    if !manager {
        // A member sees the duties and covers of the groups they belong to.
        for list in ["duties", "covers"] {
            if let Some(rows) = view["records"][list].as_array_mut() {
                rows.retain(|row| {
                    row["group"].as_str().and_then(|g| d.groups.lookup(g)).is_some_and(|g| principal.sees_group(d, g))
                });
            }
        }
    }
    let mut response = Json(view).into_response();
    response.headers_mut().insert(header::ETAG, etag(found.version));
    Ok(response)
}

/// How long to solve.
#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SolveRequest {
    /// Seconds (default: the service's setting; at most 600).
    pub time_limit: Option<f64>,
}

fn time_limit(state: &AppState, requested: Option<f64>) -> ApiResult<f64> {
    match requested {
        None => Ok(state.config().solve_time_limit),
        Some(limit) if limit.is_finite() && limit > 0.0 && limit <= 600.0 => Ok(limit),
        Some(_) => Err(ApiError::invalid("time_limit", "time_limit は 0〜600 秒です (0 < seconds ≤ 600)")),
    }
}

fn job_accepted(job: &crate::store::jobs::JobRow) -> Response {
    let mut response = (
        StatusCode::ACCEPTED,
        Json(json!({"job": job.id, "state": job.state, "status_url": format!("/jobs/{}", job.id)})),
    )
        .into_response();
    if let Ok(location) = format!("/jobs/{}", job.id).parse() {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

#[utoipa::path(post, path = "/rotas/{id}/solve", tag = "rotas", params(("id" = String, Path, description = "rota id")),
    request_body = SolveRequest, responses((status = 202, description = "the solve job")))]
/// Solves the rota's month as a background job; the result is a draft version.
pub async fn solve(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
    body: Option<Json<SolveRequest>>,
) -> ApiResult<Response> {
    let snapshot = state.snapshot();
    let rota = find_rota(&snapshot, &principal, &id)?;
    if !manages(&principal, snapshot.dataset(), &rota) {
        return Err(ApiError::Forbidden);
    }
    problem_for(snapshot.dataset(), &rota)?;
    let limit = time_limit(&state, body.and_then(|Json(b)| b.time_limit))?;
    let base = snapshot.published(&rota.id).map(|v| v.version);
    let job = jobs::start(&state, &principal, &rota, Task::Solve { time_limit: limit, base }).await?;
    Ok(job_accepted(&job))
}

/// A repair after a sudden absence.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepairRequest {
    /// The absence (already recorded in `/absences`).
    pub absence: String,
    /// Slots starting before this JST time stay as published (default: now).
    pub from: Option<String>,
    /// Seconds.
    pub time_limit: Option<f64>,
}

#[utoipa::path(post, path = "/rotas/{id}/repair", tag = "rotas", params(("id" = String, Path, description = "rota id")),
    request_body = RepairRequest, responses((status = 202, description = "the repair job")))]
/// Repairs the version in force after an absence, changing as little as possible.
pub async fn repair(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
    Json(body): Json<RepairRequest>,
) -> ApiResult<Response> {
    let snapshot = state.snapshot();
    let rota = find_rota(&snapshot, &principal, &id)?;
    if !manages(&principal, snapshot.dataset(), &rota) {
        return Err(ApiError::Forbidden);
    }
    if snapshot.dataset().absences.lookup(&body.absence).is_none() {
        return Err(ApiError::invalid(
            "absence",
            format!("不在 '{}' がありません。先に /absences に登録してください (unknown absence)", body.absence),
        ));
    }
    let base = snapshot
        .published(&rota.id)
        .ok_or_else(|| ApiError::conflict("公開された版がありません (nothing is published to repair)"))?
        .version;
    let from = match body.from.as_deref() {
        None => chrono::Utc::now(),
        Some(text) => parse_instant(text)
            .map_err(|error| ApiError::invalid("from", format!("from='{text}' を日時として読めません ({error})")))?,
    };
    let limit = time_limit(&state, body.time_limit)?;
    let task = Task::Repair { absence: body.absence, from, base, time_limit: limit };
    let job = jobs::start(&state, &principal, &rota, task).await?;
    Ok(job_accepted(&job))
}

/// A manual edit: the whole rota as it should be.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditRequest {
    /// Why.
    #[serde(default)]
    pub note: String,
    /// Every duty.
    #[schema(value_type = Vec<Object>)]
    pub duties: Vec<DutyRecord>,
    /// Every absence cover.
    #[serde(default)]
    #[schema(value_type = Vec<Object>)]
    pub covers: Vec<CoverRecord>,
}

/// Checks records against the rota's problem: the version's summary, or 422.
fn check_records(d: &Dataset, rota: &RotaRow, records: &RotaRecords) -> ApiResult<(RotaProblem, Report)> {
    let problem = problem_for(d, rota)?;
    let report = report_of(&problem, records)?;
    Ok((problem, report))
}

/// The validator's report on records of `problem`, or 422 if they do not fit it.
fn report_of(problem: &RotaProblem, records: &RotaRecords) -> ApiResult<Report> {
    let assignment = records
        .to_rota(problem)
        .map_err(|error| ApiError::invalid("duties", format!("当番表の記録が問題と合いません ({error})")))?;
    Ok(validate(problem, &assignment))
}

#[utoipa::path(post, path = "/rotas/{id}/versions", tag = "rotas", params(("id" = String, Path, description = "rota id")),
    request_body = EditRequest, responses((status = 201, description = "a new draft version"), (status = 409, description = "If-Match is not the latest version")))]
/// A manual edit, saved as a new draft version. `If-Match` names the latest version
/// the edit starts from.
pub async fn edit(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<EditRequest>,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    let records = RotaRecords { duties: body.duties, covers: body.covers };
    let (snapshot, number) = commit(&state, move |snapshot| {
        let d = snapshot.dataset();
        let rota = find_rota(snapshot, &principal, &id)?;
        if !manages(&principal, d, &rota) {
            return Err(ApiError::Forbidden);
        }
        let latest = snapshot.versions_of(&rota.id).map(|v| v.version).max().unwrap_or(0);
        if latest != expected {
            return Err(ApiError::conflict(format!(
                "当番表は第{latest}版に更新されています (the latest version is {latest}; ETag \"{latest}\")"
            )));
        }
        let (problem, report) = check_records(d, &rota, &records)?;
        let mut summary = summary_of(&problem, &report);
        summary["base_version"] = json!(snapshot.published(&rota.id).map(|v| v.version));
        let version = VersionRow {
            rota: rota.id.clone(),
            version: latest + 1,
            origin: "edit".to_owned(),
            note: body.note.clone(),
            records: serde_json::to_string(&records).map_err(|error| ApiError::Internal(error.into()))?,
            summary,
            created_at: stamp(chrono::Utc::now()),
            created_by: principal.label.to_string(),
            published_at: None,
            published_by: None,
        };
        let event =
            audit::event(&principal, "edit", format!("/rotas/{}", rota.id), "", format!("v{}", latest + 1), 201);
        Ok((Write { versions: vec![version], audit: vec![event], ..Write::default() }, (latest + 1, rota.id.clone())))
    })
    .await?;
    let (number, rota_id) = number;
    let version = snapshot.versions.iter().find(|v| v.version == number && v.rota == rota_id);
    let view = version.map(|v| version_view(&snapshot, v, false, true)).unwrap_or(Value::Null);
    let mut response = (StatusCode::CREATED, Json(view)).into_response();
    response.headers_mut().insert(header::ETAG, etag(number));
    Ok(response)
}

#[utoipa::path(post, path = "/rotas/{id}/versions/{version}/publish", tag = "rotas",
    params(("id" = String, Path, description = "rota id"), ("version" = i64, Path, description = "version number")),
    responses((status = 200, description = "published: in force from now"), (status = 422, body = super::error::ErrorBody)))]
/// Publishes a draft: it comes into force now and is never changed again. Refused
/// (409) unless the version it was made from is still the one in force, and (422)
/// while it breaks a hard rule on the current data; shortfalls are allowed and listed.
pub async fn publish(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path((id, version)): Path<(String, String)>,
) -> ApiResult<Response> {
    let number = parse_version(&version)?;
    let (snapshot, rota_id) = commit(&state, move |snapshot| {
        let d = snapshot.dataset();
        let rota = find_rota(snapshot, &principal, &id)?;
        if !manages(&principal, d, &rota) {
            return Err(ApiError::Forbidden);
        }
        let found = snapshot
            .versions_of(&rota.id)
            .find(|v| v.version == number)
            .ok_or_else(|| ApiError::not_found(format!("当番表 '{id}' の版 {number}")))?;
        if found.published_at.is_some() {
            return Err(ApiError::conflict(format!(
                "第{number}版は公開済みです (version {number} is already published; a change makes a new version)"
            )));
        }
        // A draft (solve, repair or edit) starts from the version in force when it was
        // asked for; published over a later one (a swap approved meanwhile, say) it
        // would silently undo that.
        let in_force = snapshot.published(&rota.id).map(|v| v.version);
        let base = found.summary.get("base_version").and_then(Value::as_i64);
        if base != in_force {
            let ja = |v: Option<i64>| v.map_or_else(|| "公開版のない状態".to_owned(), |v| format!("第{v}版"));
            let en = |v: Option<i64>| v.map_or_else(|| "no published version".to_owned(), |v| format!("version {v}"));
            return Err(ApiError::conflict(format!(
                "第{number}版は{}をもとに作られましたが、現在は{}が公開されています。現在の版から修復・編集をやり直してください \
                 (version {number} was made from {}, but {} is now in force; run the repair or edit again from the current version)",
                ja(base),
                ja(in_force),
                en(base),
                en(in_force),
            )));
        }
        let records: RotaRecords =
            serde_json::from_str(&found.records).map_err(|error| ApiError::Internal(error.into()))?;
        let (problem, report) = check_records(d, &rota, &records)?;
        if !report.violations.is_empty() {
            return Err(ApiError::Invalid {
                problems: report
                    .violations
                    .iter()
                    .map(|violation| FieldProblem {
                        file: None,
                        record: Some(format!("{} v{number}", rota.id)),
                        field: None,
                        line: None,
                        message: violation.describe(&problem),
                    })
                    .collect(),
            });
        }
        let event = audit::event(&principal, "publish", format!("/rotas/{}", rota.id), "", format!("v{number}"), 200);
        Ok((
            Write {
                publish: vec![(rota.id.clone(), number, principal.label.to_string())],
                audit: vec![event],
                ..Write::default()
            },
            rota.id.clone(),
        ))
    })
    .await?;
    let published = snapshot.versions_of(&rota_id).find(|v| v.version == number && v.published_at.is_some());
    let view = published.map(|v| version_view(&snapshot, v, false, true)).unwrap_or(Value::Null);
    Ok(Json(view).into_response())
}

// --- Swaps -------------------------------------------------------------------------

/// One duty, as named in a swap.
#[derive(Debug, Clone, Deserialize, serde::Serialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct DutyRef {
    /// Group id.
    pub group: String,
    /// The date the slot starts on.
    pub date: NaiveDate,
    /// Slot kind code or label (e.g. `weekday_night`, 平日夜間).
    #[schema(value_type = String)]
    pub slot: SlotKind,
    /// `primary` (当番) or `secondary` (副当番).
    #[schema(value_type = String)]
    pub role: DutyRole,
}

/// A swap request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SwapRequest {
    /// The doctor giving the duty away.
    pub doctor: String,
    /// The duty.
    pub duty: DutyRef,
    /// The doctor taking it.
    pub counterpart: String,
    /// The counterpart's duty taken in exchange, if it is an exchange.
    pub exchange: Option<DutyRef>,
    /// Why.
    #[serde(default)]
    pub note: String,
}

/// Whether `record` is `duty` held by `doctor`.
fn is_held(record: &DutyRecord, doctor: &str, duty: &DutyRef) -> bool {
    record.doctor == doctor
        && record.group == duty.group
        && record.date == duty.date
        && record.slot == duty.slot
        && record.role == duty.role
}

fn holds(records: &RotaRecords, doctor: &str, duty: &DutyRef) -> bool {
    records.duties.iter().any(|record| is_held(record, doctor, duty))
}

/// Refuses to swap a duty that has started by `now`: who was on duty then stays who
/// the rota said then. Checked at each step, since a duty can start between a swap's
/// request and its approval.
fn refuse_started(d: &Dataset, field: &str, duty: &DutyRef, now: Instant) -> ApiResult<()> {
    let Some(group) = d.groups.lookup(&duty.group) else { return Ok(()) };
    let group = &d.groups[group];
    let day = DateRange::new(duty.date, duty.date).expect("a day is a range");
    let start = expand_slots(day, &group.calendar, &group.slots).into_iter().find(|slot| slot.kind == duty.slot);
    if start.is_some_and(|slot| slot.start <= now) {
        return Err(ApiError::invalid(
            field,
            format!(
                "{} {} {}: 既に始まった当番は交代できません (the duty has already started)",
                duty.group,
                duty.date,
                duty.slot.label()
            ),
        ));
    }
    Ok(())
}

/// `records` with a swap applied: the duty goes to the counterpart and the duty taken
/// in exchange, if any, to the doctor.
fn swapped(
    d: &Dataset,
    records: &RotaRecords,
    doctor: &str,
    duty: &DutyRef,
    counterpart: &str,
    exchange: Option<&DutyRef>,
) -> RotaRecords {
    let name = |id: &str| d.doctors.lookup(id).map(|i| d.doctors[i].name.clone()).unwrap_or_default();
    let mut records = records.clone();
    for record in &mut records.duties {
        if is_held(record, doctor, duty) {
            record.doctor = counterpart.to_owned();
            record.doctor_name = name(counterpart);
        } else if exchange.is_some_and(|exchange| is_held(record, counterpart, exchange)) {
            record.doctor = doctor.to_owned();
            record.doctor_name = name(doctor);
        }
    }
    records
}

fn published_records(snapshot: &Snapshot, rota: &str) -> ApiResult<(i64, RotaRecords)> {
    let version = snapshot
        .published(rota)
        .ok_or_else(|| ApiError::conflict("公開された版がありません (nothing is published)"))?;
    let records = serde_json::from_str(&version.records).map_err(|error| ApiError::Internal(error.into()))?;
    Ok((version.version, records))
}

fn swap_view(swap: &SwapRow) -> Value {
    let mut view = swap.body.clone();
    view["id"] = json!(swap.id);
    view["rota"] = json!(swap.rota);
    view["base_version"] = json!(swap.base_version);
    view["state"] = json!(swap.state);
    view["result_version"] = json!(swap.result_version);
    view["created_at"] = json!(swap.created_at);
    view["updated_at"] = json!(swap.updated_at);
    view["version"] = json!(swap.version);
    view
}

fn swap_response(status: StatusCode, swap: &SwapRow) -> Response {
    let mut response = (status, Json(swap_view(swap))).into_response();
    response.headers_mut().insert(header::ETAG, etag(swap.version));
    response
}

/// Whether the caller coordinates every group a swap touches (the duty's and the
/// exchanged duty's): a group's coordinator handles its swaps even in a rota that spans
/// more groups, such as the city-wide one.
fn coordinates_swap(principal: &Principal, d: &Dataset, groups: &[&str]) -> bool {
    principal.is_admin()
        || (!groups.is_empty()
            && groups.iter().all(|id| d.groups.lookup(id).is_some_and(|g| principal.coordinates_group(d, g))))
}

/// The groups of a swap's duties, from its stored body.
fn swap_groups(body: &Value) -> Vec<&str> {
    ["duty", "exchange"].iter().filter_map(|key| body.get(key)?.get("group")?.as_str()).collect()
}

/// Whether the caller acts as `doctor` (the doctor, or a coordinator of the swap's
/// groups on their behalf).
fn acts_as(principal: &Principal, d: &Dataset, groups: &[&str], doctor: &str) -> Option<bool> {
    match &principal.role {
        Role::Doctor(own) if own == doctor => Some(false),
        _ if coordinates_swap(principal, d, groups) => Some(true),
        _ => None,
    }
}

#[utoipa::path(post, path = "/rotas/{id}/swaps", tag = "rotas", params(("id" = String, Path, description = "rota id"), ("Idempotency-Key" = Option<String>, Header, description = "replays the first response: one swap request")),
    request_body = SwapRequest, responses((status = 201, description = "requested")))]
/// Asks to give a duty to a colleague (or exchange duties); a coordinator may ask on a
/// doctor's behalf.
pub async fn request_swap(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<SwapRequest>,
) -> ApiResult<Response> {
    let key = idempotency_key(&headers)?;
    let request_hash = crate::store::sha256_hex(&format!("POST /rotas/{id}/swaps\n{body:?}"));
    if let Some(response) = replayed(&state, &principal.token_hash, key.as_ref(), &request_hash).await? {
        return Ok(response);
    }
    let snapshot = state.snapshot();
    let d = snapshot.dataset();
    let rota = find_rota(&snapshot, &principal, &id)?;
    let groups: Vec<&str> =
        std::iter::once(body.duty.group.as_str()).chain(body.exchange.as_ref().map(|ex| ex.group.as_str())).collect();
    let on_behalf = acts_as(&principal, d, &groups, &body.doctor).ok_or(ApiError::Forbidden)?;
    let (base, records) = published_records(&snapshot, &rota.id)?;
    if !holds(&records, &body.doctor, &body.duty) {
        return Err(ApiError::invalid(
            "duty",
            format!(
                "{} はこの当番に入っていません (the doctor does not hold that duty in version {base})",
                body.doctor
            ),
        ));
    }
    if body.counterpart == body.doctor {
        return Err(ApiError::invalid(
            "counterpart",
            "交代相手が本人です。別の医師を指定してください (the counterpart is the doctor themselves)",
        ));
    }
    let counterpart = d.doctors.lookup(&body.counterpart).ok_or_else(|| {
        ApiError::invalid("counterpart", format!("医師 '{}' がいません (unknown doctor)", body.counterpart))
    })?;
    let group = d.groups.lookup(&body.duty.group).expect("held duties name known groups");
    if !d.groups[group].members.contains(&counterpart) {
        return Err(ApiError::invalid("counterpart", "交代相手はグループ外です (the counterpart is not in the group)"));
    }
    if let Some(exchange) = &body.exchange
        && !holds(&records, &body.counterpart, exchange)
    {
        return Err(ApiError::invalid(
            "exchange",
            "交代相手はその当番に入っていません (the counterpart does not hold that duty)",
        ));
    }
    let now = chrono::Utc::now();
    refuse_started(d, "duty", &body.duty, now)?;
    if let Some(exchange) = &body.exchange {
        refuse_started(d, "exchange", exchange, now)?;
    }
    let now = stamp(now);
    let swap = SwapRow {
        id: format!("swap-{}", &crate::store::random_token()[..12]),
        rota: rota.id.clone(),
        base_version: base,
        state: "requested".to_owned(),
        body: json!({
            "doctor": body.doctor,
            "duty": body.duty,
            "counterpart": body.counterpart,
            "exchange": body.exchange,
            "note": body.note,
            "history": [{"at": now, "by": principal.label, "action": "requested", "on_behalf": on_behalf}],
        }),
        result_version: None,
        created_at: now.clone(),
        updated_at: now,
        version: 1,
    };
    let event = audit::event(&principal, "swap_request", format!("/rotas/{}/swaps", rota.id), "", swap.id.clone(), 201);
    let stored = swap.clone();
    let keyed = Keyed { token_hash: &principal.token_hash, key: key.as_ref(), request_hash: &request_hash };
    let (token_for_plan, key_for_plan, hash_for_plan) =
        (principal.token_hash.clone(), key.clone(), request_hash.clone());
    commit_keyed(&state, keyed, move |_| {
        let mut write = Write { new_swaps: vec![stored.clone()], audit: vec![event.clone()], ..Write::default() };
        write.keep_body(&token_for_plan, key_for_plan.as_ref(), &hash_for_plan, &swap_view(&stored));
        Ok((write, ()))
    })
    .await?;
    Ok(swap_response(StatusCode::CREATED, &swap))
}

#[utoipa::path(get, path = "/rotas/{id}/swaps", tag = "rotas", params(("id" = String, Path, description = "rota id")),
    responses((status = 200, description = "the rota's swaps")))]
/// A rota's swaps.
pub async fn list_swaps(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let snapshot = state.snapshot();
    let rota = find_rota(&snapshot, &principal, &id)?;
    let mut connection = state.store().pool().acquire().await.map_err(crate::store::StoreError::from)?;
    let swaps = rota_store::swaps_of(&mut connection, &rota.id).await?;
    Ok(Json(json!({"swaps": swaps.iter().map(swap_view).collect::<Vec<_>>()})).into_response())
}

async fn load_swap(state: &AppState, principal: &Principal, id: &str) -> ApiResult<(SwapRow, RotaRow)> {
    let mut connection = state.store().pool().acquire().await.map_err(crate::store::StoreError::from)?;
    let swap =
        rota_store::get_swap(&mut connection, id).await?.ok_or_else(|| ApiError::not_found(format!("交代 '{id}'")))?;
    let snapshot = state.snapshot();
    let rota = find_rota(&snapshot, principal, &swap.rota)?;
    Ok((swap, rota))
}

#[utoipa::path(get, path = "/swaps/{id}", tag = "rotas", params(("id" = String, Path, description = "swap id")),
    responses((status = 200, description = "the swap")))]
/// One swap.
pub async fn read_swap(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let (swap, _) = load_swap(&state, &principal, &id).await?;
    Ok(swap_response(StatusCode::OK, &swap))
}

#[utoipa::path(post, path = "/swaps/{id}/{action}", tag = "rotas",
    params(("id" = String, Path, description = "swap id"), ("action" = String, Path, description = "accept (the counterpart), approve or reject (a coordinator; the counterpart may reject), cancel (the requester)")),
    responses((status = 200, description = "the swap moved on"), (status = 409, description = "stale ETag or wrong state")))]
/// Moves a swap on: `accept` (the counterpart, or a coordinator on their behalf),
/// `approve` (a coordinator: publishes a new rota version), `reject`, `cancel`.
/// `If-Match` names the swap's version.
pub async fn move_swap(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path((id, action)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let expected = if_match(&headers)?;
    let (swap, rota) = load_swap(&state, &principal, &id).await?;
    if swap.version != expected {
        return Err(ApiError::conflict(format!(
            "交代 {id} は更新されています (changed meanwhile; current ETag \"{}\")",
            swap.version
        )));
    }
    let text = |key: &str| swap.body.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    let (doctor, counterpart) = (text("doctor"), text("counterpart"));
    let duty: DutyRef = serde_json::from_value(swap.body["duty"].clone()).map_err(|e| ApiError::Internal(e.into()))?;
    let exchange: Option<DutyRef> =
        serde_json::from_value(swap.body["exchange"].clone()).map_err(|e| ApiError::Internal(e.into()))?;
    let snapshot = state.snapshot();
    let d = snapshot.dataset();
    let groups = swap_groups(&swap.body);
    let (next, on_behalf) = match (action.as_str(), swap.state.as_str()) {
        ("accept", "requested") => {
            ("accepted", acts_as(&principal, d, &groups, &counterpart).ok_or(ApiError::Forbidden)?)
        }
        ("approve", "accepted") => {
            if !coordinates_swap(&principal, d, &groups) {
                return Err(ApiError::Forbidden);
            }
            ("approved", false)
        }
        ("reject", "requested" | "accepted") => {
            let by_counterpart = matches!(&principal.role, Role::Doctor(own) if own == &counterpart);
            if !by_counterpart && !coordinates_swap(&principal, d, &groups) {
                return Err(ApiError::Forbidden);
            }
            ("rejected", !by_counterpart)
        }
        ("cancel", "requested" | "accepted") => {
            ("cancelled", acts_as(&principal, d, &groups, &doctor).ok_or(ApiError::Forbidden)?)
        }
        ("accept" | "approve" | "reject" | "cancel", state) => {
            return Err(ApiError::conflict(format!(
                "交代は「{state}」のため {action} できません (not possible in state {state})"
            )));
        }
        _ => return Err(ApiError::not_found(format!("操作 '{action}'"))),
    };
    let now = stamp(chrono::Utc::now());
    let mut moved = swap.clone();
    moved.state = next.to_owned();
    moved.updated_at = now.clone();
    moved.version = swap.version + 1;
    if let Some(history) = moved.body.get_mut("history").and_then(Value::as_array_mut) {
        history.push(json!({"at": now, "by": principal.label, "action": next, "on_behalf": on_behalf}));
    }
    let event = audit::event(&principal, format!("swap_{action}"), format!("/swaps/{id}"), "", swap.id.clone(), 200);
    let approve = next == "approved";
    let (_, moved) = commit(&state, move |snapshot| {
        let mut moved = moved.clone();
        let mut write = Write { audit: vec![event.clone()], ..Write::default() };
        let d = snapshot.dataset();
        if matches!(next, "accepted" | "approved") {
            let now = chrono::Utc::now();
            refuse_started(d, "duty", &duty, now)?;
            if let Some(exchange) = &exchange {
                refuse_started(d, "exchange", exchange, now)?;
            }
        }
        if approve {
            let (base, records) = published_records(snapshot, &rota.id)?;
            if !holds(&records, &doctor, &duty) || exchange.as_ref().is_some_and(|ex| !holds(&records, &counterpart, ex)) {
                return Err(ApiError::conflict(format!(
                    "公開版 {base} では当番が変わっています。交代を出し直してください (the duties changed in version {base})"
                )));
            }
            let records_after = swapped(d, &records, &doctor, &duty, &counterpart, exchange.as_ref());
            let problem = problem_for(d, &rota)?;
            let before = report_of(&problem, &records)?;
            let report = report_of(&problem, &records_after)?;
            // Only a rule the swap itself breaks refuses it: one already broken in the
            // version in force (an absence not yet repaired, say) is not the swap's doing.
            let introduced: Vec<FieldProblem> = report
                .violations
                .iter()
                .filter(|violation| !before.violations.contains(violation))
                .map(|violation| FieldProblem {
                    file: None,
                    record: Some(moved.id.clone()),
                    field: None,
                    line: None,
                    message: format!("交代すると規則に反します (the swap breaks a rule): {}", violation.describe(&problem)),
                })
                .collect();
            if !introduced.is_empty() {
                return Err(ApiError::Invalid { problems: introduced });
            }
            let number = snapshot.versions_of(&rota.id).map(|v| v.version).max().unwrap_or(0) + 1;
            let now = stamp(chrono::Utc::now());
            write.versions.push(VersionRow {
                rota: rota.id.clone(),
                version: number,
                origin: "swap".to_owned(),
                note: format!("交代 {}: {doctor} → {counterpart}", moved.id),
                records: serde_json::to_string(&records_after).map_err(|e| ApiError::Internal(e.into()))?,
                summary: summary_of(&problem, &report),
                created_at: now.clone(),
                created_by: moved.body["history"][0]["by"].as_str().unwrap_or_default().to_owned(),
                published_at: Some(now),
                published_by: Some(principal.label.to_string()),
            });
            moved.result_version = Some(number);
        }
        write.swap_updates.push((moved.clone(), expected));
        Ok((write, moved))
    })
    .await?;
    Ok(swap_response(StatusCode::OK, &moved))
}
