//! Rota solves and repairs as background jobs: `POST` answers 202 with a job id; the
//! solve runs on a blocking thread (never on the async executor), one at a time per
//! instance, reporting progress; `POST /jobs/{id}/cancel` (through any instance: the job
//! row says `cancelling`, and the runner reads it with each progress report) stops it
//! with the best rota so far. The outcome is a draft rota version, stored in the same
//! transaction that marks the job done.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::json::Json;
use renkei_core::calendar::Instant;
use renkei_core::rota::{Progress, ProgressSink, RotaRecords, SolveOptions};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use super::AppState;
use super::auth::Principal;
use super::error::{ApiError, ApiResult};
use super::rotas::{problem_for, summary_of};
use super::writes::{Write, commit};
use crate::store::jobs::{self as job_store, JobRow};
use crate::store::rotas::{RotaRow, VersionRow};
use crate::store::stamp;

/// Jobs running or queued in this instance.
#[derive(Debug)]
pub struct Jobs {
    running: Mutex<HashMap<String, Arc<Handle>>>,
    /// Solves at once: HiGHS runs single-threaded; the machine's other core serves.
    permits: Semaphore,
}

impl Default for Jobs {
    fn default() -> Self {
        Self { running: Mutex::new(HashMap::new()), permits: Semaphore::new(1) }
    }
}

/// A job of this instance.
#[derive(Debug, Default)]
pub struct Handle {
    cancel: AtomicBool,
    progress: Mutex<Value>,
}

impl Jobs {
    /// Stops every job (at shutdown): each keeps its best rota so far.
    pub fn cancel_all(&self) {
        for handle in self.running.lock().expect("jobs").values() {
            handle.cancel.store(true, Ordering::Relaxed);
        }
    }

    fn get(&self, id: &str) -> Option<Arc<Handle>> {
        self.running.lock().expect("jobs").get(id).cloned()
    }
}

/// What a job does.
#[derive(Debug, Clone)]
pub enum Task {
    /// Solve the rota's month from scratch.
    Solve {
        /// Seconds.
        time_limit: f64,
        /// The version in force when the solve was asked for (none before the first).
        base: Option<i64>,
    },
    /// Repair the published version after a new absence, keeping slots before `from`.
    Repair {
        /// The absence behind it.
        absence: String,
        /// Slots starting before this stay as published.
        from: Instant,
        /// The version in force when the repair was asked for: the one repaired.
        base: i64,
        /// Seconds.
        time_limit: f64,
    },
}

impl Task {
    /// The version in force when the job was asked for: its draft may only be
    /// published while that version is still the one in force.
    fn base(&self) -> Option<i64> {
        match self {
            Task::Solve { base, .. } => *base,
            Task::Repair { base, .. } => Some(*base),
        }
    }
}

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/jobs/{id}", get(status)).route("/jobs/{id}/cancel", post(cancel))
}

/// A job's row as JSON, with this instance's live progress.
fn view(state: &AppState, job: &JobRow) -> Value {
    let progress = state
        .jobs()
        .get(&job.id)
        .map(|handle| handle.progress.lock().expect("progress").clone())
        .filter(|progress| !progress.is_null())
        .unwrap_or_else(|| job.progress.clone());
    json!({
        "id": job.id,
        "kind": job.kind,
        "rota": job.rota,
        "state": job.state,
        "progress": progress,
        "result_version": job.result_version,
        "error": job.error,
        "created_at": job.created_at,
        "created_by": job.created_by,
        "updated_at": job.updated_at,
    })
}

async fn load(state: &AppState, principal: &Principal, id: &str) -> ApiResult<JobRow> {
    let mut connection = state.store().pool().acquire().await.map_err(crate::store::StoreError::from)?;
    let job =
        job_store::get(&mut connection, id).await?.ok_or_else(|| ApiError::not_found(format!("ジョブ '{id}'")))?;
    let snapshot = state.snapshot();
    let rota = snapshot.rota(&job.rota);
    if !rota.is_some_and(|rota| super::rotas::manages(principal, snapshot.dataset(), rota)) {
        return Err(ApiError::Forbidden);
    }
    Ok(job)
}

/// A job's state and progress.
#[utoipa::path(get, path = "/jobs/{id}", tag = "rotas", params(("id" = String, Path, description = "job id")),
    responses((status = 200, description = "the job")))]
pub async fn status(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let job = load(&state, &principal, &id).await?;
    Ok(Json(view(&state, &job)).into_response())
}

/// Stops a job; a solve keeps the best rota found so far.
#[utoipa::path(post, path = "/jobs/{id}/cancel", tag = "rotas", params(("id" = String, Path, description = "job id")),
    responses((status = 202, description = "cancelling, on whichever instance runs it"), (status = 409, description = "already finished")))]
pub async fn cancel(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let job = load(&state, &principal, &id).await?;
    let asked = {
        let _gate = state.gate().await;
        let mut connection = state.store().pool().acquire().await.map_err(crate::store::StoreError::from)?;
        job_store::request_cancel(&mut connection, &id, &stamp(chrono::Utc::now())).await?
    };
    if !asked {
        return Err(ApiError::conflict(format!("ジョブは終了しています ({}; the job has finished)", job.state)));
    }
    // Here at once; on another instance at its next progress report.
    if let Some(handle) = state.jobs().get(&id) {
        handle.cancel.store(true, Ordering::Relaxed);
    }
    Ok((axum::http::StatusCode::ACCEPTED, Json(json!({"id": id, "state": "cancelling"}))).into_response())
}

/// Creates the job row and starts it; returns the row.
pub async fn start(state: &AppState, principal: &Principal, rota: &RotaRow, task: Task) -> ApiResult<JobRow> {
    let now = stamp(chrono::Utc::now());
    let job = JobRow {
        id: format!("job-{}", &crate::store::random_token()[..16]),
        kind: match task {
            Task::Solve { .. } => "solve",
            Task::Repair { .. } => "repair",
        }
        .to_owned(),
        rota: rota.id.clone(),
        state: "queued".to_owned(),
        progress: Value::Null,
        result_version: None,
        error: None,
        created_at: now.clone(),
        created_by: principal.label.to_string(),
        updated_at: now,
    };
    {
        let _gate = state.gate().await;
        let mut connection = state.store().pool().acquire().await.map_err(crate::store::StoreError::from)?;
        job_store::insert(&mut connection, &job).await?;
    }
    let handle = Arc::new(Handle::default());
    state.jobs().running.lock().expect("jobs").insert(job.id.clone(), handle.clone());
    let (state, job_for_task, rota, label) = (state.clone(), job.clone(), rota.clone(), principal.label.to_string());
    tokio::spawn(async move {
        let id = job_for_task.id.clone();
        if let Err(error) = run(&state, job_for_task.clone(), rota, task, handle.clone(), label).await {
            // Cancelled before the solver found any rota: cancelled, with no result.
            let cancelled = handle.cancel.load(Ordering::Relaxed);
            if !cancelled {
                tracing::error!(job = %id, error = ?error, "job failed");
            }
            let mut failed = job_for_task;
            failed.state = if cancelled { "cancelled" } else { "failed" }.to_owned();
            failed.error = Some(error_text(&error));
            failed.updated_at = stamp(chrono::Utc::now());
            let _gate = state.gate().await;
            if let Ok(mut connection) = state.store().pool().acquire().await {
                let _ = job_store::update(&mut connection, &failed).await;
            }
        }
        state.jobs().running.lock().expect("jobs").remove(&id);
    });
    Ok(job)
}

fn error_text(error: &ApiError) -> String {
    match error {
        ApiError::Invalid { problems } => {
            problems.iter().map(|problem| problem.message.clone()).collect::<Vec<_>>().join("; ")
        }
        ApiError::Internal(_) => "内部エラー (internal error; see the service log)".to_owned(),
        other => other.to_string(),
    }
}

async fn set_state(state: &AppState, job: &JobRow) -> ApiResult<()> {
    let _gate = state.gate().await;
    let mut connection = state.store().pool().acquire().await.map_err(crate::store::StoreError::from)?;
    job_store::update(&mut connection, job).await?;
    Ok(())
}

async fn run(
    state: &AppState,
    mut job: JobRow,
    rota: RotaRow,
    task: Task,
    handle: Arc<Handle>,
    by: String,
) -> ApiResult<()> {
    let _permit = state.jobs().permits.acquire().await.map_err(|error| ApiError::Internal(error.into()))?;
    if handle.cancel.load(Ordering::Relaxed) {
        job.state = "cancelled".to_owned();
        job.updated_at = stamp(chrono::Utc::now());
        return set_state(state, &job).await;
    }
    let started = {
        let _gate = state.gate().await;
        let mut connection = state.store().pool().acquire().await.map_err(crate::store::StoreError::from)?;
        job_store::start_running(&mut connection, &job.id, &stamp(chrono::Utc::now())).await?
    };
    if !started {
        // Cancelled through another instance while it waited.
        handle.cancel.store(true, Ordering::Relaxed);
        job.state = "cancelled".to_owned();
        job.updated_at = stamp(chrono::Utc::now());
        return set_state(state, &job).await;
    }
    job.state = "running".to_owned();

    // Persist progress every second, so other instances can show it too, and pick up
    // a cancel asked through any instance.
    let persister = {
        let (state, handle, id) = (state.clone(), handle.clone(), job.id.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                let progress = handle.progress.lock().expect("progress").clone();
                let now = stamp(chrono::Utc::now());
                let _gate = state.gate().await;
                let Ok(mut connection) = state.store().pool().acquire().await else { continue };
                if let Ok(Some(stored)) = job_store::record_progress(&mut connection, &id, &progress, &now).await
                    && stored == "cancelling"
                {
                    handle.cancel.store(true, Ordering::Relaxed);
                }
            }
        })
    };
    let snapshot = state.snapshot();
    let base = task.base();
    let (worker_handle, worker_task, worker_rota) = (handle.clone(), task.clone(), rota.clone());
    let outcome = tokio::task::spawn_blocking(move || -> ApiResult<(RotaRecords, Value, String)> {
        let d = snapshot.dataset();
        let problem = problem_for(d, &worker_rota)?;
        let sink = |progress: &Progress| {
            *worker_handle.progress.lock().expect("progress") = json!({
                "stage": progress.stage,
                "seconds": (progress.seconds * 10.0).round() / 10.0,
                "incumbent": progress.incumbent,
                "bound": progress.bound,
                "gap": progress.gap,
            });
        };
        let sink: ProgressSink<'_> = &sink;
        match worker_task {
            Task::Solve { time_limit, .. } => {
                let options = SolveOptions { time_limit, progress: Some(sink), cancel: Some(&worker_handle.cancel) };
                let solution = renkei_core::rota::solve(&problem, &options).map_err(rota_error)?;
                let records = RotaRecords::of(&problem, &solution.rota);
                let mut summary = summary_of(&problem, &solution.report);
                summary["status"] = serde_json::to_value(solution.status).unwrap_or(Value::Null);
                summary["explanations"] = serde_json::to_value(&solution.explanations).unwrap_or(Value::Null);
                let note = if solution.is_complete() {
                    "自動作成 (solved)".to_owned()
                } else {
                    format!("自動作成: {} 件の不足あり (solved with shortfalls)", solution.report.shortfall_units())
                };
                Ok((records, summary, note))
            }
            Task::Repair { absence, from, base, time_limit } => {
                let published = snapshot
                    .versions_of(&worker_rota.id)
                    .find(|version| version.version == base)
                    .ok_or_else(|| ApiError::conflict("修復する公開版がありません (no published version to repair)"))?;
                let records: RotaRecords = serde_json::from_str(&published.records)
                    .map_err(|error| ApiError::Internal(anyhow::anyhow!("stored rota: {error}")))?;
                let rota = records.to_rota(&problem).map_err(rota_error)?;
                let options = SolveOptions { time_limit, progress: Some(sink), cancel: Some(&worker_handle.cancel) };
                let repaired = renkei_core::rota::repair(&problem, &rota, from, &options).map_err(rota_error)?;
                let new_records = RotaRecords::of(&problem, &repaired.solution.rota);
                let mut summary = summary_of(&problem, &repaired.solution.report);
                summary["status"] = serde_json::to_value(repaired.solution.status).unwrap_or(Value::Null);
                summary["explanations"] = serde_json::to_value(&repaired.solution.explanations).unwrap_or(Value::Null);
                let describe = |a: &renkei_core::rota::Assignment| {
                    format!("{} {} {}", problem.slots[a.slot].label(), a.role.label(), problem.doctors[a.doctor].name)
                };
                summary["repair"] = json!({
                    "absence": absence,
                    "base_version": base,
                    "kept_before": super::views::jst(from),
                    "changes": repaired.changes(),
                    "removed": repaired.removed.iter().map(describe).collect::<Vec<_>>(),
                    "added": repaired.added.iter().map(describe).collect::<Vec<_>>(),
                });
                let note = format!("不在 {absence} による修復: 変更 {} 件 (repair)", repaired.changes());
                Ok((new_records, summary, note))
            }
        }
    })
    .await
    .map_err(|error| ApiError::Internal(error.into()));
    persister.abort();
    let (records, mut summary, note) = outcome??;
    summary["base_version"] = json!(base);
    let cancelled = handle.cancel.load(Ordering::Relaxed);
    let progress = handle.progress.lock().expect("progress").clone();
    let records_text = serde_json::to_string(&records).map_err(|error| ApiError::Internal(error.into()))?;
    let origin = job.kind.clone();
    commit(state, move |snapshot| {
        let number = snapshot.versions_of(&rota.id).map(|v| v.version).max().unwrap_or(0) + 1;
        let now = stamp(chrono::Utc::now());
        let version = VersionRow {
            rota: rota.id.clone(),
            version: number,
            origin: origin.clone(),
            note: if cancelled { format!("{note} (中断; cancelled)") } else { note.clone() },
            records: records_text.clone(),
            summary: summary.clone(),
            created_at: now.clone(),
            created_by: by.clone(),
            published_at: None,
            published_by: None,
        };
        let mut done = job.clone();
        done.state = if cancelled { "cancelled" } else { "succeeded" }.to_owned();
        done.progress = progress.clone();
        done.result_version = Some(number);
        done.updated_at = now;
        Ok((Write { versions: vec![version], job_updates: vec![done], ..Write::default() }, ()))
    })
    .await?;
    Ok(())
}

fn rota_error(error: renkei_core::rota::RotaError) -> ApiError {
    ApiError::invalid("rota", format!("当番表を作れません ({error})"))
}
