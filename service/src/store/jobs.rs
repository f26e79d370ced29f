//! Background jobs (rota solves and repairs).

use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{StoreError, StoreResult};

/// One job.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    /// Id.
    pub id: String,
    /// solve / repair.
    pub kind: String,
    /// The rota.
    pub rota: String,
    /// queued / running / cancelling / succeeded / failed / cancelled.
    pub state: String,
    /// The solver's last progress report.
    pub progress: Value,
    /// The version the job wrote.
    pub result_version: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
    /// When created.
    pub created_at: String,
    /// By whom.
    pub created_by: String,
    /// Last change.
    pub updated_at: String,
}

const COLUMNS: &str = "id, kind, rota, state, progress, result_version, error, created_at, created_by, updated_at";

fn from_row(row: &AnyRow) -> StoreResult<JobRow> {
    let progress: String = row.try_get("progress")?;
    Ok(JobRow {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        rota: row.try_get("rota")?,
        state: row.try_get("state")?,
        progress: serde_json::from_str(&progress)
            .map_err(|_| StoreError::Corrupt { what: "jobs.progress", detail: progress })?,
        result_version: row.try_get("result_version")?,
        error: row.try_get("error")?,
        created_at: row.try_get("created_at")?,
        created_by: row.try_get("created_by")?,
        updated_at: row.try_get("updated_at")?,
    })
}

/// Writes a new job.
pub async fn insert(connection: &mut AnyConnection, job: &JobRow) -> StoreResult<()> {
    sqlx::query(&format!("INSERT INTO jobs ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"))
        .bind(&job.id)
        .bind(&job.kind)
        .bind(&job.rota)
        .bind(&job.state)
        .bind(job.progress.to_string())
        .bind(job.result_version)
        .bind(&job.error)
        .bind(&job.created_at)
        .bind(&job.created_by)
        .bind(&job.updated_at)
        .execute(connection)
        .await?;
    Ok(())
}

/// One job.
pub async fn get(connection: &mut AnyConnection, id: &str) -> StoreResult<Option<JobRow>> {
    let row =
        sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE id = $1")).bind(id).fetch_optional(connection).await?;
    row.as_ref().map(from_row).transpose()
}

/// Records a job's state, progress and outcome.
pub async fn update(connection: &mut AnyConnection, job: &JobRow) -> StoreResult<()> {
    sqlx::query(
        "UPDATE jobs SET state = $1, progress = $2, result_version = $3, error = $4, updated_at = $5 WHERE id = $6",
    )
    .bind(&job.state)
    .bind(job.progress.to_string())
    .bind(job.result_version)
    .bind(&job.error)
    .bind(&job.updated_at)
    .bind(&job.id)
    .execute(connection)
    .await?;
    Ok(())
}

/// Asks a queued or running job to stop, whichever instance runs it: the state becomes
/// `cancelling` and the running instance sees it at its next progress report. `false`
/// when the job has already finished.
pub async fn request_cancel(connection: &mut AnyConnection, id: &str, now: &str) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE jobs SET state = 'cancelling', updated_at = $1 \
         WHERE id = $2 AND state IN ('queued', 'running', 'cancelling')",
    )
    .bind(now)
    .bind(id)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// Moves a queued job to running; `false` when it was cancelled while it waited.
pub async fn start_running(connection: &mut AnyConnection, id: &str, now: &str) -> StoreResult<bool> {
    let result = sqlx::query("UPDATE jobs SET state = 'running', updated_at = $1 WHERE id = $2 AND state = 'queued'")
        .bind(now)
        .bind(id)
        .execute(connection)
        .await?;
    Ok(result.rows_affected() > 0)
}

/// Records a running job's progress, leaving its state alone; returns the state, so the
/// runner sees a cancel asked through another instance.
pub async fn record_progress(
    connection: &mut AnyConnection,
    id: &str,
    progress: &Value,
    now: &str,
) -> StoreResult<Option<String>> {
    sqlx::query("UPDATE jobs SET progress = $1, updated_at = $2 WHERE id = $3")
        .bind(progress.to_string())
        .bind(now)
        .bind(id)
        .execute(&mut *connection)
        .await?;
    let state: Option<(String,)> =
        sqlx::query_as("SELECT state FROM jobs WHERE id = $1").bind(id).fetch_optional(connection).await?;
    Ok(state.map(|(state,)| state))
}

/// Jobs left queued or running by a process that stopped: they will not finish. A
/// running job records its progress every few seconds, so one silent since `stale_before`
/// has no process behind it (another instance's live jobs are left alone).
pub async fn abandon_unfinished(connection: &mut AnyConnection, now: &str, stale_before: &str) -> StoreResult<u64> {
    let result = sqlx::query(
        "UPDATE jobs SET state = 'failed', error = $1, updated_at = $2 \
         WHERE state IN ('queued', 'running', 'cancelling') AND updated_at < $3",
    )
    .bind("サービスの再起動で中断されました (interrupted by a service restart)")
    .bind(now)
    .bind(stale_before)
    .execute(connection)
    .await?;
    Ok(result.rows_affected())
}
