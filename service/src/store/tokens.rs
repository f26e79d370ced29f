//! API tokens and calendar-feed tokens; only their SHA-256 is stored.

use sqlx::{AnyConnection, Row};

use super::StoreResult;

/// One API token (without the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    /// SHA-256 of the token.
    pub hash: String,
    /// Who holds it, e.g. `中区コーディネーター`.
    pub label: String,
    /// admin / coordinator / doctor / station / hospital.
    pub role: String,
    /// '' / area / group / doctor / station / hospital.
    pub scope_kind: String,
    /// The scope's id.
    pub scope_id: String,
}

/// Writes a token.
pub async fn insert(connection: &mut AnyConnection, token: &TokenRow, now: &str) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO tokens (hash, label, role, scope_kind, scope_id, created_at, revoked_at) \
         VALUES ($1, $2, $3, $4, $5, $6, NULL)",
    )
    .bind(&token.hash)
    .bind(&token.label)
    .bind(&token.role)
    .bind(&token.scope_kind)
    .bind(&token.scope_id)
    .bind(now)
    .execute(connection)
    .await?;
    Ok(())
}

/// Every token not revoked.
pub async fn active(connection: &mut AnyConnection) -> StoreResult<Vec<TokenRow>> {
    let rows = sqlx::query("SELECT hash, label, role, scope_kind, scope_id FROM tokens WHERE revoked_at IS NULL")
        .fetch_all(connection)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(TokenRow {
                hash: row.try_get("hash")?,
                label: row.try_get("label")?,
                role: row.try_get("role")?,
                scope_kind: row.try_get("scope_kind")?,
                scope_id: row.try_get("scope_id")?,
            })
        })
        .collect()
}

/// A fingerprint of the token table that changes whenever a token is issued or
/// revoked, whichever instance did it: cheap to read every second.
pub async fn fingerprint(connection: &mut AnyConnection) -> StoreResult<String> {
    let (count, created, revoked): (i64, String, String) =
        sqlx::query_as("SELECT COUNT(*), COALESCE(MAX(created_at), ''), COALESCE(MAX(revoked_at), '') FROM tokens")
            .fetch_one(connection)
            .await?;
    Ok(format!("{count}/{created}/{revoked}"))
}

/// Revokes a token; `false` when no active token has that hash.
pub async fn revoke(connection: &mut AnyConnection, hash: &str, now: &str) -> StoreResult<bool> {
    let result = sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE hash = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(hash)
        .execute(connection)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Writes a calendar feed token for a doctor or group.
pub async fn insert_feed(
    connection: &mut AnyConnection,
    hash: &str,
    subject_kind: &str,
    subject_id: &str,
    now: &str,
    by: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO feeds (hash, subject_kind, subject_id, created_at, created_by) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash)
    .bind(subject_kind)
    .bind(subject_id)
    .bind(now)
    .bind(by)
    .execute(connection)
    .await?;
    Ok(())
}

/// Gives a feed a new token (the old one stops working); `false` when no feed has
/// the old one.
pub async fn rekey_feed(connection: &mut AnyConnection, old_hash: &str, new_hash: &str) -> StoreResult<bool> {
    let result = sqlx::query("UPDATE feeds SET hash = $1 WHERE hash = $2")
        .bind(new_hash)
        .bind(old_hash)
        .execute(connection)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// The subject (kind, id) of a feed token's hash.
pub async fn feed(connection: &mut AnyConnection, hash: &str) -> StoreResult<Option<(String, String)>> {
    let row: Option<(String, String)> = sqlx::query_as("SELECT subject_kind, subject_id FROM feeds WHERE hash = $1")
        .bind(hash)
        .fetch_optional(connection)
        .await?;
    Ok(row)
}

/// Deletes a calendar feed: its URL stops working.
pub async fn delete_feed(connection: &mut AnyConnection, hash: &str) -> StoreResult<bool> {
    let result = sqlx::query("DELETE FROM feeds WHERE hash = $1").bind(hash).execute(connection).await?;
    Ok(result.rows_affected() == 1)
}
