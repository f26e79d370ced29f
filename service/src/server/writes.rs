//! The one write path. A write is computed from the current snapshot as a [`Write`]:
//! record changes, rota versions, swaps, audit entries and an idempotency record. The
//! next snapshot is built from it first, so invalid data is refused (422, every
//! problem named) before anything is stored; then everything is stored in one
//! transaction that starts by advancing the state version (compare-and-set), and the
//! new snapshot is swapped in. A lost compare-and-set (another instance wrote) reloads
//! and recomputes the write.

use std::sync::Arc;

use renkei_core::dataset::DataFiles;

use super::AppState;
use super::error::{ApiError, ApiResult, FieldProblem};
use crate::snapshot::{BuildError, Records, Snapshot, files_of};
use crate::store::audit::{AuditEvent, append};
use crate::store::idempotency::{self, Kept};
use crate::store::records::{self as record_store, StoredRecord};
use crate::store::rotas::{self as rota_store, RotaRow, SwapRow, VersionRow};
use crate::store::{advance_state, stamp};

/// A change to one record.
#[derive(Debug, Clone)]
pub enum RecordChange {
    /// A new record.
    Create(StoredRecord),
    /// New fields for a record that must still be at `expected` (its ETag).
    Update {
        /// The record as it will be (version already advanced).
        record: StoredRecord,
        /// The version it must have now.
        expected: i64,
    },
    /// Removal of a record that must still be at `expected`.
    Delete {
        /// Kind.
        kind: String,
        /// Id.
        id: String,
        /// The version it must have now.
        expected: i64,
    },
}

/// Everything one request changes.
#[derive(Debug, Default)]
pub struct Write {
    /// Record changes.
    pub records: Vec<RecordChange>,
    /// Replace every record (bulk import).
    pub replace_all_records: Option<Vec<StoredRecord>>,
    /// New rotas.
    pub rotas: Vec<RotaRow>,
    /// New rota versions (possibly already published).
    pub versions: Vec<VersionRow>,
    /// Versions to stamp published now: (rota, version, by).
    pub publish: Vec<(String, i64, String)>,
    /// New swaps.
    pub new_swaps: Vec<SwapRow>,
    /// Swaps moved on, each with the version it must have now.
    pub swap_updates: Vec<(SwapRow, i64)>,
    /// Job rows to record (a solve's outcome lands with the version it made).
    pub job_updates: Vec<crate::store::jobs::JobRow>,
    /// Audit entries, appended in the same transaction.
    pub audit: Vec<AuditEvent>,
    /// The response to keep for an idempotency key: (token hash, key, response).
    pub idempotency: Option<(String, String, Kept)>,
}

impl Write {
    /// Keeps `record` as the response to `key` (a creating POST's Idempotency-Key).
    pub fn keep_response(&mut self, token_hash: &str, key: Option<&String>, request_hash: &str, record: &StoredRecord) {
        self.keep_body(token_hash, key, request_hash, &super::views::RecordView::from(record));
    }

    /// Keeps a created thing's response body for an idempotency key.
    pub fn keep_body(
        &mut self,
        token_hash: &str,
        key: Option<&String>,
        request_hash: &str,
        body: &impl serde::Serialize,
    ) {
        if let Some(key) = key {
            let body = serde_json::to_string(body).expect("serialisable");
            self.idempotency = Some((
                token_hash.to_owned(),
                key.clone(),
                Kept { request_hash: request_hash.to_owned(), status: 201, body },
            ));
        }
    }

    /// Keeps only the id of what a request created, for a response the handler
    /// rebuilds from the current data when the request is replayed.
    pub fn keep_created_id(&mut self, token_hash: &str, key: Option<&String>, request_hash: &str, id: &str) {
        self.keep_body(token_hash, key, request_hash, &serde_json::json!({ "created": id }));
    }

    fn touches_snapshot(&self) -> bool {
        !self.records.is_empty()
            || self.replace_all_records.is_some()
            || !self.rotas.is_empty()
            || !self.versions.is_empty()
            || !self.publish.is_empty()
    }
}

/// The next snapshot's records, files and rotas after `write`.
fn next_snapshot(current: &Snapshot, write: &Write, now: &str) -> ApiResult<Snapshot> {
    let (records, files): (Records, DataFiles) = match &write.replace_all_records {
        Some(all) => {
            let records = crate::snapshot::group_records(all.clone());
            let files = files_of(&records);
            (records, files)
        }
        None => {
            let mut records = current.records.clone();
            let mut touched: Vec<String> = Vec::new();
            for change in &write.records {
                match change {
                    RecordChange::Create(record) => {
                        let list = records.entry(record.kind.clone()).or_default();
                        if list.iter().any(|r| r.id == record.id) {
                            return Err(ApiError::conflict(format!(
                                "ID '{}' は {} で使われています (id taken)",
                                record.id, record.kind
                            )));
                        }
                        list.push(record.clone());
                        touched.push(record.kind.clone());
                    }
                    RecordChange::Update { record, expected } => {
                        let list = records.entry(record.kind.clone()).or_default();
                        let slot = list
                            .iter_mut()
                            .find(|r| r.id == record.id)
                            .ok_or_else(|| ApiError::not_found(format!("{} '{}'", record.kind, record.id)))?;
                        if slot.version != *expected {
                            return Err(stale(&record.kind, &record.id, slot.version));
                        }
                        *slot = record.clone();
                        touched.push(record.kind.clone());
                    }
                    RecordChange::Delete { kind, id, expected } => {
                        let list = records.entry(kind.clone()).or_default();
                        let position = list
                            .iter()
                            .position(|r| &r.id == id)
                            .ok_or_else(|| ApiError::not_found(format!("{kind} '{id}'")))?;
                        if list[position].version != *expected {
                            return Err(stale(kind, id, list[position].version));
                        }
                        list.remove(position);
                        touched.push(kind.clone());
                    }
                }
            }
            let mut files = current.files.clone();
            touched.sort();
            touched.dedup();
            for kind in &touched {
                let Some(file) = crate::snapshot::file_of(kind) else { continue };
                let only: Records = records.get(kind).map(|list| (kind.clone(), list.clone())).into_iter().collect();
                match files_of(&only).remove(file) {
                    Some(text) => files.insert(file.to_owned(), text),
                    None => files.remove(file),
                };
            }
            (records, files)
        }
    };
    let mut rotas = current.rotas.clone();
    rotas.extend(write.rotas.iter().cloned());
    let mut versions = current.versions.clone();
    versions.extend(write.versions.iter().cloned());
    for (rota, number, by) in &write.publish {
        let version = versions
            .iter_mut()
            .find(|v| &v.rota == rota && v.version == *number)
            .ok_or_else(|| ApiError::not_found(format!("当番表 {rota} 第{number}版")))?;
        if version.published_at.is_some() {
            return Err(ApiError::conflict(format!(
                "当番表 {rota} 第{number}版は公開済みです (already published; a change makes a new version)"
            )));
        }
        version.published_at = Some(now.to_owned());
        version.published_by = Some(by.clone());
    }
    Snapshot::build_with_files(current.version + 1, records, files, rotas, versions).map_err(|error| match error {
        BuildError::Invalid(problems) | BuildError::Rota(problems) => {
            ApiError::Invalid { problems: problems.into_iter().map(FieldProblem::from).collect() }
        }
        BuildError::Store(error) => error.into(),
    })
}

fn stale(kind: &str, id: &str, version: i64) -> ApiError {
    ApiError::conflict(format!(
        "{kind} '{id}' は他で更新されています。最新の版 (ETag \"{version}\") を読み直してください (changed meanwhile; current ETag \"{version}\")"
    ))
}

/// Computes a write from the current snapshot with `plan`, validates it into the next
/// snapshot, stores it in one transaction and installs the snapshot. `plan` runs again
/// on fresh data if another instance wrote first. Returns the snapshot in force after
/// the write and what `plan` returned.
pub async fn commit<T: Send + 'static>(
    state: &AppState,
    plan: impl Fn(&Snapshot) -> ApiResult<(Write, T)> + Send + Sync + 'static,
) -> ApiResult<(Arc<Snapshot>, T)> {
    commit_keyed(state, Keyed { token_hash: "", key: None, request_hash: "" }, plan).await
}

/// The idempotency key of a creating request (if it has one), with who sent it and
/// what it asked.
#[derive(Debug, Clone, Copy)]
pub struct Keyed<'a> {
    /// The caller's token hash.
    pub token_hash: &'a str,
    /// The key, if the request had one.
    pub key: Option<&'a String>,
    /// Hash of the request.
    pub request_hash: &'a str,
}

/// [`commit`] for a request with an idempotency key: each attempt first looks for the
/// key's kept response under the write gate, so a duplicate that raced the first
/// request (here or on another instance) is answered with the first response
/// ([`ApiError::Replayed`]) instead of a conflict.
pub async fn commit_keyed<T: Send + 'static>(
    state: &AppState,
    keyed: Keyed<'_>,
    plan: impl Fn(&Snapshot) -> ApiResult<(Write, T)> + Send + Sync + 'static,
) -> ApiResult<(Arc<Snapshot>, T)> {
    let plan = Arc::new(plan);
    for _attempt in 0..3 {
        let gate = state.gate().await;
        if let Some(kept) = kept(state, keyed.token_hash, keyed.key, keyed.request_hash).await? {
            return Err(ApiError::Replayed { status: kept.status, body: kept.body });
        }
        let current = state.snapshot();
        let now = stamp(chrono::Utc::now());
        let (plan_now, base, stamp_now) = (plan.clone(), current.clone(), now.clone());
        // Validating a whole dataset is CPU work: never on the async executor.
        let (write, value, next) = tokio::task::spawn_blocking(move || -> ApiResult<_> {
            let (write, value) = plan_now(&base)?;
            let next = if write.touches_snapshot() { Some(next_snapshot(&base, &write, &stamp_now)?) } else { None };
            Ok((write, value, next))
        })
        .await
        .map_err(|error| ApiError::Internal(error.into()))??;

        let mut tx = state.store().begin_write().await?;
        // Writes that change what lookups read advance the state version first; the
        // others (swap steps) are guarded by their own row versions.
        if next.is_some() && !advance_state(&mut *tx, current.version, &now).await? {
            drop(tx);
            drop(gate);
            state.reload_if_changed().await?;
            continue;
        }
        match store(&mut tx, &write, &now).await {
            Ok(()) => {}
            Err(error) if error.is_conflict() => {
                drop(tx);
                drop(gate);
                state.reload_if_changed().await?;
                continue;
            }
            Err(error) => return Err(error.into()),
        }
        tx.commit().await.map_err(crate::store::StoreError::from)?;
        let installed = match next {
            Some(next) => {
                let next = Arc::new(next);
                state.install(next.clone());
                next
            }
            None => current,
        };
        return Ok((installed, value));
    }
    Err(ApiError::conflict(
        "同時に他の更新があり反映できませんでした。もう一度お試しください (concurrent writes; try again)",
    ))
}

async fn store(tx: &mut sqlx::AnyConnection, write: &Write, now: &str) -> crate::store::StoreResult<()> {
    if let Some(all) = &write.replace_all_records {
        record_store::delete_all(tx).await?;
        for record in all {
            record_store::insert(tx, record).await?;
        }
    }
    for change in &write.records {
        let applied = match change {
            RecordChange::Create(record) => record_store::insert(tx, record).await.map(|()| true)?,
            RecordChange::Update { record, expected } => record_store::update(tx, record, *expected).await?,
            RecordChange::Delete { kind, id, expected } => record_store::delete(tx, kind, id, *expected).await?,
        };
        if !applied {
            return Err(lost_race());
        }
    }
    for rota in &write.rotas {
        rota_store::insert_rota(tx, rota).await?;
    }
    for version in &write.versions {
        rota_store::insert_version(tx, version).await?;
    }
    for (rota, version, by) in &write.publish {
        if !rota_store::publish_version(tx, rota, *version, now, by).await? {
            return Err(lost_race());
        }
    }
    for swap in &write.new_swaps {
        rota_store::insert_swap(tx, swap).await?;
    }
    for (swap, expected) in &write.swap_updates {
        if !rota_store::update_swap(tx, swap, *expected).await? {
            return Err(lost_race());
        }
    }
    for job in &write.job_updates {
        crate::store::jobs::update(tx, job).await?;
    }
    append(tx, &write.audit).await?;
    if let Some((token_hash, key, kept)) = &write.idempotency {
        idempotency::put(tx, token_hash, key, kept, now).await?;
    }
    Ok(())
}

/// A row changed under us: another writer got there first.
fn lost_race() -> crate::store::StoreError {
    crate::store::StoreError::Conflict
}

/// The kept response to a repeated creating POST, if `key` was used before by the same
/// token: replayed when the request is the same, refused (422) when it is not.
pub async fn replayed(
    state: &AppState,
    token_hash: &str,
    key: Option<&String>,
    request_hash: &str,
) -> ApiResult<Option<axum::response::Response>> {
    use axum::response::IntoResponse;
    let Some(kept) = kept(state, token_hash, key, request_hash).await? else { return Ok(None) };
    Ok(Some(ApiError::Replayed { status: kept.status, body: kept.body }.into_response()))
}

/// The response kept for an idempotency key (refused when the key answered a different
/// request).
pub async fn kept(
    state: &AppState,
    token_hash: &str,
    key: Option<&String>,
    request_hash: &str,
) -> ApiResult<Option<Kept>> {
    let Some(key) = key else { return Ok(None) };
    let mut connection = state.store().pool().acquire().await.map_err(crate::store::StoreError::from)?;
    let Some(kept) = idempotency::get(&mut connection, token_hash, key).await? else { return Ok(None) };
    if kept.request_hash != request_hash {
        return Err(ApiError::invalid(
            "Idempotency-Key",
            "この Idempotency-Key は別の要求に使われています (the key was used for a different request)",
        ));
    }
    Ok(Some(kept))
}

/// Marks a response as the answer to a request already made with the same key.
pub fn mark_replay(response: &mut axum::response::Response) {
    response.headers_mut().insert("idempotent-replay", axum::http::HeaderValue::from_static("true"));
}

/// The id in a body kept by [`Write::keep_created_id`].
pub fn created_id(body: &str) -> ApiResult<String> {
    let value: serde_json::Value = serde_json::from_str(body).map_err(|error| ApiError::Internal(error.into()))?;
    value["created"].as_str().map(str::to_owned).ok_or_else(|| ApiError::Internal(anyhow::anyhow!("kept body {body}")))
}

/// The id a replayed request created (see [`Write::keep_created_id`]).
pub async fn replayed_id(
    state: &AppState,
    token_hash: &str,
    key: Option<&String>,
    request_hash: &str,
) -> ApiResult<Option<String>> {
    let Some(kept) = kept(state, token_hash, key, request_hash).await? else { return Ok(None) };
    created_id(&kept.body).map(Some)
}
