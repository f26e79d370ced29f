//! Rotas, their immutable versions, and duty swaps.

use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{StoreError, StoreResult};

/// A rota: one month of some groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotaRow {
    /// Id, e.g. `2026-12-city`.
    pub id: String,
    /// `YYYY-MM`.
    pub month: String,
    /// Group ids.
    pub groups: Vec<String>,
    /// When created.
    pub created_at: String,
    /// By whom.
    pub created_by: String,
}

/// One version of a rota.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRow {
    /// Rota id.
    pub rota: String,
    /// 1, 2, …
    pub version: i64,
    /// solve / repair / swap / edit / import.
    pub origin: String,
    /// Free note (e.g. the swap or absence behind it).
    pub note: String,
    /// `RotaRecords` as JSON text.
    pub records: String,
    /// The validator's figures when it was made.
    pub summary: Value,
    /// When made.
    pub created_at: String,
    /// By whom.
    pub created_by: String,
    /// When published, if it was.
    pub published_at: Option<String>,
    /// By whom.
    pub published_by: Option<String>,
}

fn json(text: String, what: &'static str) -> StoreResult<Value> {
    serde_json::from_str(&text).map_err(|_| StoreError::Corrupt { what, detail: text })
}

fn rota_from_row(row: &AnyRow) -> StoreResult<RotaRow> {
    let groups: String = row.try_get("groups")?;
    Ok(RotaRow {
        id: row.try_get("id")?,
        month: row.try_get("month")?,
        groups: serde_json::from_str(&groups)
            .map_err(|_| StoreError::Corrupt { what: "rotas.groups", detail: groups })?,
        created_at: row.try_get("created_at")?,
        created_by: row.try_get("created_by")?,
    })
}

fn version_from_row(row: &AnyRow) -> StoreResult<VersionRow> {
    Ok(VersionRow {
        rota: row.try_get("rota")?,
        version: row.try_get("version")?,
        origin: row.try_get("origin")?,
        note: row.try_get("note")?,
        records: row.try_get("records")?,
        summary: json(row.try_get("summary")?, "rota_versions.summary")?,
        created_at: row.try_get("created_at")?,
        created_by: row.try_get("created_by")?,
        published_at: row.try_get("published_at")?,
        published_by: row.try_get("published_by")?,
    })
}

const VERSION_COLUMNS: &str =
    "rota, version, origin, note, records, summary, created_at, created_by, published_at, published_by";

/// Creates a rota; a taken id is a unique violation.
pub async fn insert_rota(connection: &mut AnyConnection, rota: &RotaRow) -> StoreResult<()> {
    sqlx::query("INSERT INTO rotas (id, month, groups, created_at, created_by) VALUES ($1, $2, $3, $4, $5)")
        .bind(&rota.id)
        .bind(&rota.month)
        .bind(serde_json::to_string(&rota.groups).expect("strings serialise"))
        .bind(&rota.created_at)
        .bind(&rota.created_by)
        .execute(connection)
        .await?;
    Ok(())
}

/// Every rota, by month and id.
pub async fn list_rotas(connection: &mut AnyConnection) -> StoreResult<Vec<RotaRow>> {
    let rows = sqlx::query("SELECT id, month, groups, created_at, created_by FROM rotas ORDER BY month, id")
        .fetch_all(connection)
        .await?;
    rows.iter().map(rota_from_row).collect()
}

/// Every version of every rota, by rota and version.
pub async fn all_versions(connection: &mut AnyConnection) -> StoreResult<Vec<VersionRow>> {
    let rows = sqlx::query(&format!("SELECT {VERSION_COLUMNS} FROM rota_versions ORDER BY rota, version"))
        .fetch_all(connection)
        .await?;
    rows.iter().map(version_from_row).collect()
}

/// The number the next version of `rota` gets.
pub async fn next_version(connection: &mut AnyConnection, rota: &str) -> StoreResult<i64> {
    let row: (Option<i64>,) = sqlx::query_as("SELECT MAX(version) FROM rota_versions WHERE rota = $1")
        .bind(rota)
        .fetch_one(connection)
        .await?;
    Ok(row.0.unwrap_or(0) + 1)
}

/// Writes a version; a taken number is a unique violation.
pub async fn insert_version(connection: &mut AnyConnection, version: &VersionRow) -> StoreResult<()> {
    sqlx::query(&format!(
        "INSERT INTO rota_versions ({VERSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    ))
    .bind(&version.rota)
    .bind(version.version)
    .bind(&version.origin)
    .bind(&version.note)
    .bind(&version.records)
    .bind(version.summary.to_string())
    .bind(&version.created_at)
    .bind(&version.created_by)
    .bind(&version.published_at)
    .bind(&version.published_by)
    .execute(connection)
    .await?;
    Ok(())
}

/// Stamps a version published; `false` when it already was (a version is published
/// once and never changed).
pub async fn publish_version(
    connection: &mut AnyConnection,
    rota: &str,
    version: i64,
    at: &str,
    by: &str,
) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE rota_versions SET published_at = $1, published_by = $2 \
         WHERE rota = $3 AND version = $4 AND published_at IS NULL",
    )
    .bind(at)
    .bind(by)
    .bind(rota)
    .bind(version)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// A duty swap.
#[derive(Debug, Clone, PartialEq)]
pub struct SwapRow {
    /// Id.
    pub id: String,
    /// Rota id.
    pub rota: String,
    /// The published version it was asked against.
    pub base_version: i64,
    /// requested / accepted / approved / rejected / cancelled.
    pub state: String,
    /// The duties and people (JSON).
    pub body: Value,
    /// The version approval published.
    pub result_version: Option<i64>,
    /// When asked.
    pub created_at: String,
    /// Last change.
    pub updated_at: String,
    /// ETag version.
    pub version: i64,
}

fn swap_from_row(row: &AnyRow) -> StoreResult<SwapRow> {
    Ok(SwapRow {
        id: row.try_get("id")?,
        rota: row.try_get("rota")?,
        base_version: row.try_get("base_version")?,
        state: row.try_get("state")?,
        body: json(row.try_get("body")?, "swaps.body")?,
        result_version: row.try_get("result_version")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
    })
}

const SWAP_COLUMNS: &str = "id, rota, base_version, state, body, result_version, created_at, updated_at, version";

/// Writes a new swap.
pub async fn insert_swap(connection: &mut AnyConnection, swap: &SwapRow) -> StoreResult<()> {
    sqlx::query(&format!("INSERT INTO swaps ({SWAP_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
        .bind(&swap.id)
        .bind(&swap.rota)
        .bind(swap.base_version)
        .bind(&swap.state)
        .bind(swap.body.to_string())
        .bind(swap.result_version)
        .bind(&swap.created_at)
        .bind(&swap.updated_at)
        .bind(swap.version)
        .execute(connection)
        .await?;
    Ok(())
}

/// One swap.
pub async fn get_swap(connection: &mut AnyConnection, id: &str) -> StoreResult<Option<SwapRow>> {
    let row = sqlx::query(&format!("SELECT {SWAP_COLUMNS} FROM swaps WHERE id = $1"))
        .bind(id)
        .fetch_optional(connection)
        .await?;
    row.as_ref().map(swap_from_row).transpose()
}

/// A rota's swaps, oldest first.
pub async fn swaps_of(connection: &mut AnyConnection, rota: &str) -> StoreResult<Vec<SwapRow>> {
    let rows = sqlx::query(&format!("SELECT {SWAP_COLUMNS} FROM swaps WHERE rota = $1 ORDER BY created_at, id"))
        .bind(rota)
        .fetch_all(connection)
        .await?;
    rows.iter().map(swap_from_row).collect()
}

/// Moves a swap on if it still has `expected_version`; `false` otherwise.
pub async fn update_swap(connection: &mut AnyConnection, swap: &SwapRow, expected_version: i64) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE swaps SET state = $1, body = $2, result_version = $3, updated_at = $4, version = $5 \
         WHERE id = $6 AND version = $7",
    )
    .bind(&swap.state)
    .bind(swap.body.to_string())
    .bind(swap.result_version)
    .bind(&swap.updated_at)
    .bind(swap.version)
    .bind(&swap.id)
    .bind(expected_version)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}
