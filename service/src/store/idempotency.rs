//! Idempotency keys of creating POSTs.

use sqlx::AnyConnection;

use super::StoreResult;

/// A kept response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// Hash of the method, path and body it answered.
    pub request_hash: String,
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: String,
}

/// The response kept for `key` of a token, if any.
pub async fn get(connection: &mut AnyConnection, token_hash: &str, key: &str) -> StoreResult<Option<Kept>> {
    let row: Option<(String, i64, String)> =
        sqlx::query_as("SELECT request_hash, status, body FROM idempotency WHERE token_hash = $1 AND key = $2")
            .bind(token_hash)
            .bind(key)
            .fetch_optional(connection)
            .await?;
    Ok(row.map(|(request_hash, status, body)| Kept { request_hash, status: status as u16, body }))
}

/// Keeps a response, in the transaction of the write it answers.
pub async fn put(
    connection: &mut AnyConnection,
    token_hash: &str,
    key: &str,
    kept: &Kept,
    now: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO idempotency (token_hash, key, request_hash, status, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token_hash)
    .bind(key)
    .bind(&kept.request_hash)
    .bind(i64::from(kept.status))
    .bind(&kept.body)
    .bind(now)
    .execute(connection)
    .await?;
    Ok(())
}

/// Replaces the body kept for `key` (a retry that re-keyed a secret keeps the new hash).
pub async fn replace_body(connection: &mut AnyConnection, token_hash: &str, key: &str, body: &str) -> StoreResult<()> {
    sqlx::query("UPDATE idempotency SET body = $1 WHERE token_hash = $2 AND key = $3")
        .bind(body)
        .bind(token_hash)
        .bind(key)
        .execute(connection)
        .await?;
    Ok(())
}
