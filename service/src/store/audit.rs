//! The audit trail: append-only and hash-chained.
//!
//! Entry `n`'s hash is SHA-256 over entry `n−1`'s hash and every field of entry `n`,
//! so altering, removing or inserting an entry breaks every later hash. Entries are
//! numbered by the writer inside its transaction; two writers taking the same number
//! collide on the primary key and one retries.

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{StoreResult, sha256_hex};

/// The hash before the first entry.
pub const GENESIS: &str = "renkei-audit-genesis";

/// One event to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// When (stored time).
    pub at: String,
    /// Who: the token's label.
    pub actor: String,
    /// Role and scope, e.g. `hospital:H-NAKA-01`.
    pub role: String,
    /// read / create / update / delete / provide / …
    pub action: String,
    /// Method and path.
    pub resource: String,
    /// The patient concerned, or empty.
    pub patient: String,
    /// What was read, written or provided.
    pub detail: String,
    /// HTTP status.
    pub result: String,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// The event.
    #[serde(flatten)]
    pub event: AuditEvent,
    /// The previous entry's hash.
    pub prev_hash: String,
    /// This entry's hash.
    pub hash: String,
}

/// The hash of an entry.
pub fn entry_hash(seq: i64, event: &AuditEvent, prev_hash: &str) -> String {
    // Fields joined by a unit separator, which no field contains (ids, labels and
    // paths are printable; detail is JSON, which escapes control characters).
    let e = event;
    let text = [
        prev_hash,
        &seq.to_string(),
        &e.at,
        &e.actor,
        &e.role,
        &e.action,
        &e.resource,
        &e.patient,
        &e.detail,
        &e.result,
    ]
    .join("\u{1f}");
    sha256_hex(&text)
}

/// The last entry's number and hash.
async fn head(connection: &mut AnyConnection) -> StoreResult<(i64, String)> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetch_optional(connection).await?;
    Ok(row.unwrap_or_else(|| (0, GENESIS.to_owned())))
}

/// Rows per INSERT statement: one statement per row would cost more than the row.
/// 64 rows of 11 columns stay under SQLite's oldest parameter limit (999).
const ROWS_PER_INSERT: usize = 64;

/// Appends events in order, in the caller's transaction.
pub async fn append(connection: &mut AnyConnection, events: &[AuditEvent]) -> StoreResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    // SQLite looks a numbered parameter up by a linear scan, so a statement of many
    // `$n` costs quadratic time there; its anonymous `?` are bound in order for free.
    let numbered = !connection.backend_name().eq_ignore_ascii_case("sqlite");
    let (mut seq, mut prev) = head(connection).await?;
    for chunk in events.chunks(ROWS_PER_INSERT) {
        let mut sql = String::from(
            "INSERT INTO audit_log (seq, at, actor, role, action, resource, patient, detail, result, prev_hash, hash) VALUES ",
        );
        for row in 0..chunk.len() {
            let base = row * 11;
            if row > 0 {
                sql.push(',');
            }
            sql.push('(');
            for column in 1..=11 {
                if column > 1 {
                    sql.push(',');
                }
                if numbered {
                    sql.push('$');
                    sql.push_str(&(base + column).to_string());
                } else {
                    sql.push('?');
                }
            }
            sql.push(')');
        }
        let mut query = sqlx::query(&sql);
        for event in chunk {
            seq += 1;
            let hash = entry_hash(seq, event, &prev);
            query = query
                .bind(seq)
                .bind(event.at.clone())
                .bind(event.actor.clone())
                .bind(event.role.clone())
                .bind(event.action.clone())
                .bind(event.resource.clone())
                .bind(event.patient.clone())
                .bind(event.detail.clone())
                .bind(event.result.clone())
                .bind(prev)
                .bind(hash.clone());
            prev = hash;
        }
        query.execute(&mut *connection).await?;
    }
    Ok(())
}

fn from_row(row: &AnyRow) -> StoreResult<AuditEntry> {
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        event: AuditEvent {
            at: row.try_get("at")?,
            actor: row.try_get("actor")?,
            role: row.try_get("role")?,
            action: row.try_get("action")?,
            resource: row.try_get("resource")?,
            patient: row.try_get("patient")?,
            detail: row.try_get("detail")?,
            result: row.try_get("result")?,
        },
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

const COLUMNS: &str = "seq, at, actor, role, action, resource, patient, detail, result, prev_hash, hash";

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only this patient's entries.
    pub patient: Option<String>,
    /// Only this action.
    pub action: Option<String>,
    /// Entries after this number.
    pub after: i64,
    /// At most this many.
    pub limit: i64,
}

/// Entries in chain order.
pub async fn list(connection: &mut AnyConnection, query: &AuditQuery) -> StoreResult<Vec<AuditEntry>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM audit_log WHERE seq > $1 AND ($2 = '' OR patient = $2) AND ($3 = '' OR action = $3) \
         ORDER BY seq LIMIT $4"
    ))
    .bind(query.after)
    .bind(query.patient.clone().unwrap_or_default())
    .bind(query.action.clone().unwrap_or_default())
    .bind(query.limit)
    .fetch_all(connection)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Entries checked.
    pub entries: i64,
    /// The first entry whose number, link or hash is wrong, if any.
    pub first_broken: Option<i64>,
}

/// Recomputes the whole chain.
pub async fn verify(connection: &mut AnyConnection) -> StoreResult<Verification> {
    let mut prev = GENESIS.to_owned();
    let mut expected_seq = 1;
    let mut after = 0;
    loop {
        let batch = list(connection, &AuditQuery { after, limit: 10_000, ..AuditQuery::default() }).await?;
        if batch.is_empty() {
            return Ok(Verification { entries: expected_seq - 1, first_broken: None });
        }
        for entry in &batch {
            let broken = entry.seq != expected_seq
                || entry.prev_hash != prev
                || entry.hash != entry_hash(entry.seq, &entry.event, &entry.prev_hash);
            if broken {
                return Ok(Verification { entries: expected_seq - 1, first_broken: Some(expected_seq) });
            }
            prev = entry.hash.clone();
            expected_seq += 1;
        }
        after = batch.last().map_or(after, |entry| entry.seq);
    }
}
