//! The records of the data format, one row each.

use serde_json::{Map, Value};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{StoreError, StoreResult};

/// One stored record.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    /// The table, e.g. `patients` (the data-format file without its extension).
    pub kind: String,
    /// Id.
    pub id: String,
    /// Order within the table.
    pub position: i64,
    /// Column → cell (text, or for `groups` the TOML table as JSON).
    pub fields: Map<String, Value>,
    /// ETag version.
    pub version: i64,
    /// Last change.
    pub updated_at: String,
    /// Who made it.
    pub updated_by: String,
}

fn from_row(row: &AnyRow) -> StoreResult<StoredRecord> {
    let text: String = row.try_get("fields")?;
    let fields = match serde_json::from_str(&text) {
        Ok(Value::Object(fields)) => fields,
        _ => return Err(StoreError::Corrupt { what: "records.fields", detail: text }),
    };
    Ok(StoredRecord {
        kind: row.try_get("kind")?,
        id: row.try_get("id")?,
        position: row.try_get("position")?,
        fields,
        version: row.try_get("version")?,
        updated_at: row.try_get("updated_at")?,
        updated_by: row.try_get("updated_by")?,
    })
}

/// Every record, by kind and position.
pub async fn load_all(connection: &mut AnyConnection) -> StoreResult<Vec<StoredRecord>> {
    let rows = sqlx::query(
        "SELECT kind, id, position, fields, version, updated_at, updated_by FROM records ORDER BY kind, position, id",
    )
    .fetch_all(connection)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Inserts a new record; a taken id is a unique violation.
pub async fn insert(connection: &mut AnyConnection, record: &StoredRecord) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO records (kind, id, position, fields, version, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&record.kind)
    .bind(&record.id)
    .bind(record.position)
    .bind(Value::Object(record.fields.clone()).to_string())
    .bind(record.version)
    .bind(&record.updated_at)
    .bind(&record.updated_by)
    .execute(connection)
    .await?;
    Ok(())
}

/// Replaces a record's fields if it still has `expected_version`; `false` otherwise.
pub async fn update(connection: &mut AnyConnection, record: &StoredRecord, expected_version: i64) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE records SET fields = $1, version = $2, updated_at = $3, updated_by = $4 \
         WHERE kind = $5 AND id = $6 AND version = $7",
    )
    .bind(Value::Object(record.fields.clone()).to_string())
    .bind(record.version)
    .bind(&record.updated_at)
    .bind(&record.updated_by)
    .bind(&record.kind)
    .bind(&record.id)
    .bind(expected_version)
    .execute(connection)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Deletes a record if it still has `expected_version`; `false` otherwise.
pub async fn delete(connection: &mut AnyConnection, kind: &str, id: &str, expected_version: i64) -> StoreResult<bool> {
    let result = sqlx::query("DELETE FROM records WHERE kind = $1 AND id = $2 AND version = $3")
        .bind(kind)
        .bind(id)
        .bind(expected_version)
        .execute(connection)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Removes every record (a bulk import replaces the data as a whole).
pub async fn delete_all(connection: &mut AnyConnection) -> StoreResult<()> {
    sqlx::query("DELETE FROM records").execute(connection).await?;
    Ok(())
}
