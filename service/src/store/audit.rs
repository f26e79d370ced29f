//! The audit trail: append-only and hash-chained, stored in blocks.
//!
//! Entry `n`'s hash is SHA-256 over entry `n−1`'s hash and every field of entry `n`,
//! so altering, removing or inserting an entry breaks every later hash. Each append is
//! one block row (`audit_block`): a write's own entry, or a batch of queued reads, as a
//! JSON array compressed with zstd, with the hash before its first entry and the hash of
//! its last; one row per batch rather than one per entry is what lets a busy service
//! record every read, and compressing the batch (its entries repeat the same actor,
//! role, action and resource) makes it about 14 times smaller to write and to keep.
//! Blocks are numbered by their first entry inside the writer's transaction; two
//! writers starting from the same head collide on that key and one retries.
//!
//! `audit_posting` indexes the blocks by patient: one posting per patient and run of
//! [`index_pending`], listing the run's blocks the patient's entries are in. It is
//! derived from the blocks' patient lists in large runs (the service runs it in the
//! background, and every query by patient catches it up first): an index ordered by
//! patient, written with every append, would rewrite pages all over itself each time,
//! and a row per patient and block would cost nearly a row per read.

use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use sha2::{Digest, Sha256};

use super::{Backend, StoreError, StoreResult, begin_write};

/// The hash before the first entry.
pub const GENESIS: &str = "renkei-audit-genesis";

/// One event to record. The parts a busy reader repeats on every entry (who, role,
/// action, resource, result) are shared or static, so queueing a read copies only
/// the time, the patient and the detail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// When (stored time).
    pub at: String,
    /// Who: the token's label.
    pub actor: Arc<str>,
    /// Role and scope, e.g. `hospital:H-NAKA-01`.
    pub role: Arc<str>,
    /// read / create / update / delete / provide / …
    pub action: Cow<'static, str>,
    /// Method and path.
    pub resource: Cow<'static, str>,
    /// The patient concerned, or empty.
    pub patient: String,
    /// What was read, written or provided.
    pub detail: String,
    /// HTTP status.
    pub result: Cow<'static, str>,
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

/// An entry's fields as stored, in order: when, who, role, action, resource, patient,
/// detail, result.
pub type Fields<'a> = [&'a str; 8];

impl AuditEvent {
    /// The fields in stored order.
    pub fn fields(&self) -> Fields<'_> {
        [&self.at, &self.actor, &self.role, &self.action, &self.resource, &self.patient, &self.detail, &self.result]
    }

    fn from_fields([at, actor, role, action, resource, patient, detail, result]: [String; 8]) -> Self {
        Self {
            at,
            actor: actor.into(),
            role: role.into(),
            action: action.into(),
            resource: resource.into(),
            patient,
            detail,
            result: result.into(),
        }
    }
}

/// The hash of an entry.
pub fn entry_hash(seq: i64, event: &AuditEvent, prev_hash: &str) -> String {
    std::str::from_utf8(&entry_hex(seq, &event.fields(), prev_hash)).expect("hex digits").to_owned()
}

/// The hash of an entry, its hex digits written on the stack (a chain of entries needs
/// each one only as the next one's input).
fn entry_hex(seq: i64, fields: &Fields<'_>, prev_hash: &str) -> [u8; 64] {
    // SHA-256 of the previous hash, the number and the fields, joined by a unit
    // separator, which no field contains (ids, labels and paths are printable; detail
    // is JSON, which escapes control characters).
    let mut hasher = Sha256::new();
    hasher.update(prev_hash);
    hasher.update("\u{1f}");
    hasher.update(itoa::Buffer::new().format(seq));
    for field in fields {
        hasher.update("\u{1f}");
        hasher.update(field);
    }
    let mut hex = [0; 64];
    hex::encode_to_slice(hasher.finalize(), &mut hex).expect("32 bytes are 64 hex digits");
    hex
}

/// The last entry's number and hash.
async fn head(connection: &mut AnyConnection) -> StoreResult<(i64, String)> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT last_seq, hash FROM audit_block ORDER BY first_seq DESC LIMIT 1")
            .fetch_optional(connection)
            .await?;
    Ok(row.unwrap_or_else(|| (0, GENESIS.to_owned())))
}

/// Entries per block at most: a batch of reads is split into blocks this long, so a
/// query by patient decodes little more than it shows.
pub const ENTRIES_PER_BLOCK: usize = 512;

/// Appends events in order, in the caller's transaction.
pub async fn append(connection: &mut AnyConnection, events: &[AuditEvent]) -> StoreResult<()> {
    let entries: Vec<Fields<'_>> = events.iter().map(AuditEvent::fields).collect();
    append_fields(connection, &entries).await
}

/// Appends entries, given by their fields, in order, in the caller's transaction.
pub async fn append_fields(connection: &mut AnyConnection, entries: &[Fields<'_>]) -> StoreResult<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let (mut seq, mut hash) = head(connection).await?;
    for block in entries.chunks(ENTRIES_PER_BLOCK) {
        let first = seq + 1;
        let prev_hash = hash.clone();
        for fields in block {
            seq += 1;
            let next = entry_hex(seq, fields, &hash);
            hash.clear();
            hash.push_str(std::str::from_utf8(&next).expect("hex digits"));
        }
        let entries = entries_json(block);
        let patients = serde_json::to_string(&block_patients(block))
            .map_err(|error| StoreError::Corrupt { what: "audit_block", detail: error.to_string() })?;
        sqlx::query(
            "INSERT INTO audit_block (first_seq, last_seq, prev_hash, hash, entries, entries_zstd, patients) \
             VALUES ($1, $2, $3, $4, '', $5, $6)",
        )
        .bind(first)
        .bind(seq)
        .bind(prev_hash)
        .bind(hash.clone())
        .bind(compress_entries(&entries)?)
        .bind(patients)
        .execute(&mut *connection)
        .await?;
    }
    Ok(())
}

/// A block's entries as a JSON array of their fields: the bytes serde_json writes for
/// it (tested), with the strings that need no escaping, nearly all, copied as they are.
fn entries_json(block: &[Fields<'_>]) -> Vec<u8> {
    let mut json = Vec::with_capacity(block.len() * 192);
    json.push(b'[');
    for (position, fields) in block.iter().enumerate() {
        if position > 0 {
            json.push(b',');
        }
        crate::json_text::push_strs(&mut json, fields.iter().copied());
    }
    json.push(b']');
    json
}

/// zstd's level for the blocks: its fastest standard level, which on a sample block of
/// 512 reads also compressed best (75 KB to 5.5 KB; the default level 3 gave 6.0 KB).
const ZSTD_LEVEL: i32 = 1;

/// A block's entries (their JSON array) as stored.
pub fn compress_entries(json: &[u8]) -> StoreResult<Vec<u8>> {
    thread_local! {
        // One compression context per thread, reused: a new one per block would set up
        // (and clear) its tables every time.
        static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    let failed =
        |error: std::io::Error| StoreError::Corrupt { what: "audit_block", detail: format!("compressing: {error}") };
    COMPRESSOR.with_borrow_mut(|compressor| {
        let compressor = match compressor {
            Some(compressor) => compressor,
            None => compressor.insert(zstd::bulk::Compressor::new(ZSTD_LEVEL).map_err(failed)?),
        };
        compressor.compress(json).map_err(failed)
    })
}

/// A block's entries (their JSON array) from what is stored.
pub fn decompress_entries(stored: &[u8]) -> std::io::Result<Vec<u8>> {
    zstd::stream::decode_all(stored)
}

/// Blocks per batch of [`index_pending`] at most: one posting per patient per batch. A
/// batch of 4,096 blocks (up to 2 million reads) holds their patient lists in memory:
/// about 20 MB for 100,000 patients with the demo's ids, at most about 90 MB (every
/// entry another patient, every id 40 characters).
const INDEX_BLOCKS_PER_BATCH: i64 = 4096;

/// How a posting's blocks are joined to the blocks, per backend.
fn posting_blocks(backend: Backend) -> &'static str {
    if backend == Backend::Sqlite {
        "audit_posting p, json_each(p.blocks) j JOIN audit_block b ON b.first_seq = j.value"
    } else {
        "audit_posting p CROSS JOIN LATERAL json_array_elements_text(p.blocks::json) j \
         JOIN audit_block b ON b.first_seq = CAST(j.value AS BIGINT)"
    }
}

/// Adds the blocks appended since the last run to the patient index, and returns how
/// many it added: one posting per patient, listing the run's blocks the patient is in.
/// Safe to run from several places at once: a run that finds the mark moved by another
/// since it read it undoes its own and goes on from there.
pub async fn index_pending(connection: &mut AnyConnection) -> StoreResult<usize> {
    let mut added = 0;
    loop {
        let mut tx = begin_write(&mut *connection).await?;
        let (through,): (i64,) = sqlx::query_as("SELECT through FROM audit_indexed").fetch_one(&mut *tx).await?;
        let (last, blocks): (Option<i64>, i64) = sqlx::query_as(
            "SELECT MAX(first_seq), COUNT(*) FROM \
             (SELECT first_seq FROM audit_block WHERE first_seq > $1 ORDER BY first_seq LIMIT $2) pending",
        )
        .bind(through)
        .bind(INDEX_BLOCKS_PER_BATCH)
        .fetch_one(&mut *tx)
        .await?;
        let Some(last) = last else { return Ok(added) };
        // Moves the mark only from where this run read it. Taken before the postings:
        // on PostgreSQL a run that read the same mark waits here for this one to end,
        // then finds the mark moved and undoes its own (its postings would repeat
        // blocks under other keys).
        let moved = sqlx::query("UPDATE audit_indexed SET through = $1 WHERE through = $2")
            .bind(last)
            .bind(through)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if moved != 1 {
            tx.rollback().await?;
            continue;
        }
        let pending: Vec<(i64, String)> = sqlx::query_as(
            "SELECT first_seq, patients FROM audit_block WHERE first_seq > $1 AND first_seq <= $2 ORDER BY first_seq",
        )
        .bind(through)
        .bind(last)
        .fetch_all(&mut *tx)
        .await?;
        for chunk in postings(&pending)?.chunks(POSTINGS_PER_INSERT) {
            let sql = posting_insert(chunk.len());
            let mut insert = sqlx::query(&sql);
            for (patient, blocks) in chunk {
                insert = insert
                    .bind(patient.as_ref())
                    .bind(blocks.last().copied().unwrap_or_default())
                    .bind(serde_json::to_string(blocks).expect("numbers serialise"));
            }
            insert.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        added += blocks as usize;
        if blocks < INDEX_BLOCKS_PER_BATCH {
            return Ok(added);
        }
    }
}

/// Postings per `INSERT` (three parameters each, within both backends' limits).
const POSTINGS_PER_INSERT: usize = 512;

/// A run's postings, in index order: each patient of the `(first_seq, patients)` blocks
/// (in chain order) with the blocks it is in. Made here rather than by the database
/// from the blocks' JSON lists: grouping hundreds of thousands of (patient, block)
/// pairs cost SQLite's sorter about a microsecond each.
fn postings(blocks: &[(i64, String)]) -> StoreResult<Vec<(Cow<'_, str>, Vec<i64>)>> {
    /// A patient id in a block's list, borrowed unless it had escapes.
    #[derive(serde::Deserialize)]
    struct Patient<'a>(#[serde(borrow)] Cow<'a, str>);
    let mut by_patient: std::collections::HashMap<Cow<'_, str>, Vec<i64>> = std::collections::HashMap::new();
    for (first_seq, patients) in blocks {
        let patients: Vec<Patient<'_>> = serde_json::from_str(patients).map_err(|error| StoreError::Corrupt {
            what: "audit_block",
            detail: format!("block {first_seq}: patients: {error}"),
        })?;
        for Patient(patient) in patients {
            by_patient.entry(patient).or_default().push(*first_seq);
        }
    }
    let mut postings: Vec<_> = by_patient.into_iter().collect();
    postings.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(postings)
}

/// `INSERT INTO audit_posting … VALUES ($1, $2, $3), …` for `rows` postings.
fn posting_insert(rows: usize) -> String {
    let values: Vec<String> =
        (0..rows).map(|row| format!("(${}, ${}, ${})", 3 * row + 1, 3 * row + 2, 3 * row + 3)).collect();
    format!("INSERT INTO audit_posting (patient, last_block, blocks) VALUES {}", values.join(", "))
}

/// The patients a block's entries are about, each once, in order.
fn block_patients<'a>(block: &[Fields<'a>]) -> Vec<&'a str> {
    let mut patients: Vec<&str> = block.iter().map(|fields| fields[5]).filter(|patient| !patient.is_empty()).collect();
    patients.sort_unstable();
    patients.dedup();
    patients
}

/// A stored block.
struct Block {
    first_seq: i64,
    last_seq: i64,
    prev_hash: String,
    hash: String,
    /// The entries' JSON: compressed (`entries_zstd`), or as text in blocks written
    /// before migration 3.
    entries: Entries,
    patients: String,
}

/// How a block's entries are stored.
enum Entries {
    Text(String),
    Zstd(Vec<u8>),
}

impl Block {
    fn from_row(row: &AnyRow) -> StoreResult<Self> {
        Ok(Self {
            first_seq: row.try_get("first_seq")?,
            last_seq: row.try_get("last_seq")?,
            prev_hash: row.try_get("prev_hash")?,
            hash: row.try_get("hash")?,
            entries: match row.try_get::<Option<Vec<u8>>, _>("entries_zstd")? {
                Some(compressed) => Entries::Zstd(compressed),
                None => Entries::Text(row.try_get("entries")?),
            },
            patients: row.try_get("patients")?,
        })
    }

    /// The events, in order.
    fn events(&self) -> StoreResult<Vec<AuditEvent>> {
        let corrupt = |error: &dyn std::fmt::Display| StoreError::Corrupt {
            what: "audit_block",
            detail: format!("block {}: {error}", self.first_seq),
        };
        let fields: Vec<[String; 8]> = match &self.entries {
            Entries::Text(json) => serde_json::from_str(json),
            Entries::Zstd(compressed) => {
                serde_json::from_slice(&decompress_entries(compressed).map_err(|error| corrupt(&error))?)
            }
        }
        .map_err(|error| corrupt(&error))?;
        Ok(fields.into_iter().map(AuditEvent::from_fields).collect())
    }

    /// The entries with their numbers and hashes, chained from the block's `prev_hash`.
    fn entries(&self) -> StoreResult<Vec<AuditEntry>> {
        let mut prev_hash = self.prev_hash.clone();
        let mut entries = Vec::new();
        for (seq, event) in (self.first_seq..).zip(self.events()?) {
            let hash = entry_hash(seq, &event, &prev_hash);
            entries.push(AuditEntry { seq, event, prev_hash, hash: hash.clone() });
            prev_hash = hash;
        }
        Ok(entries)
    }
}

const BLOCK_COLUMNS: &str = "b.first_seq, b.last_seq, b.prev_hash, b.hash, b.entries, b.entries_zstd, b.patients";

/// Blocks per read while listing or verifying.
const BLOCKS_PER_READ: i64 = 32;

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
    let patient = query.patient.as_deref().unwrap_or_default();
    let action = query.action.as_deref().unwrap_or_default();
    let limit = usize::try_from(query.limit).unwrap_or(0);
    if !patient.is_empty() {
        index_pending(connection).await?;
    }
    let mut entries = Vec::new();
    let mut after = query.after;
    while entries.len() < limit {
        // A block holding entries after `after` starts at most ENTRIES_PER_BLOCK
        // before it: a bound the primary key can seek to.
        let lowest = after.saturating_sub(ENTRIES_PER_BLOCK as i64);
        let rows = if patient.is_empty() {
            sqlx::query(&format!(
                "SELECT {BLOCK_COLUMNS} FROM audit_block b WHERE b.first_seq > $1 AND b.last_seq > $2 \
                 ORDER BY b.first_seq LIMIT $3"
            ))
            .bind(lowest)
            .bind(after)
            .bind(BLOCKS_PER_READ)
            .fetch_all(&mut *connection)
            .await?
        } else {
            sqlx::query(&format!(
                // A patient's postings list ever later blocks (each run indexes the
                // blocks after the last run's), so their order, then the blocks', is
                // chain order, read in the index's order.
                "SELECT {BLOCK_COLUMNS} FROM {} WHERE p.patient = $1 AND p.last_block > $2 AND b.first_seq > $2 \
                 AND b.last_seq > $3 ORDER BY p.last_block, b.first_seq LIMIT $4",
                posting_blocks(Backend::of(connection))
            ))
            .bind(patient.to_owned())
            .bind(lowest)
            .bind(after)
            .bind(BLOCKS_PER_READ)
            .fetch_all(&mut *connection)
            .await?
        };
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let block = Block::from_row(row)?;
            for entry in block.entries()? {
                let wanted = entry.seq > after
                    && (patient.is_empty() || entry.event.patient == patient)
                    && (action.is_empty() || entry.event.action == action);
                if wanted {
                    entries.push(entry);
                    if entries.len() == limit {
                        return Ok(entries);
                    }
                }
            }
            after = block.last_seq;
        }
    }
    Ok(entries)
}

/// The outcome of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Entries checked.
    pub entries: i64,
    /// The first entry whose number, link or hash is wrong, if any: the first entry of
    /// the first block that does not check out (a block's hash covers all its entries).
    pub first_broken: Option<i64>,
    /// Whether the patient index lists exactly the blocks each patient appears in
    /// (checked, once the chain is intact, up to the last block indexed).
    pub index_intact: bool,
}

/// Rows per read of the patient index while verifying.
const INDEX_ROWS_PER_READ: i64 = 10_000;

/// Recomputes the whole chain, then checks the patient index against it.
pub async fn verify(connection: &mut AnyConnection) -> StoreResult<Verification> {
    index_pending(connection).await?;
    let (through,): (i64,) = sqlx::query_as("SELECT through FROM audit_indexed").fetch_one(&mut *connection).await?;
    let mut prev = GENESIS.to_owned();
    let mut expected = 1;
    let mut index = IndexDigest::default();
    loop {
        let rows = sqlx::query(&format!(
            "SELECT {BLOCK_COLUMNS} FROM audit_block b WHERE b.first_seq >= $1 ORDER BY b.first_seq LIMIT $2"
        ))
        .bind(expected)
        .bind(BLOCKS_PER_READ)
        .fetch_all(&mut *connection)
        .await?;
        if rows.is_empty() {
            break;
        }
        for row in &rows {
            let block = Block::from_row(row)?;
            let broken = Verification { entries: expected - 1, first_broken: Some(expected), index_intact: false };
            if block.first_seq != expected || block.prev_hash != prev {
                return Ok(broken);
            }
            let Ok(events) = block.events() else { return Ok(broken) };
            let count = block.last_seq - block.first_seq + 1;
            if events.is_empty() || events.len() > ENTRIES_PER_BLOCK || events.len() as i64 != count {
                return Ok(broken);
            }
            let mut hash = prev;
            for (seq, event) in (block.first_seq..).zip(&events) {
                hash = entry_hash(seq, event, &hash);
            }
            let fields: Vec<Fields<'_>> = events.iter().map(AuditEvent::fields).collect();
            let patients = block_patients(&fields);
            if hash != block.hash || serde_json::to_string(&patients).ok().as_deref() != Some(block.patients.as_str()) {
                return Ok(broken);
            }
            if block.first_seq <= through {
                for patient in patients {
                    index.add(patient, block.first_seq);
                }
            }
            prev = hash;
            expected = block.last_seq + 1;
        }
    }
    // The index as stored, in key order: every block each posting lists.
    let mut stored = IndexDigest::default();
    let (mut patient, mut last_block) = (String::new(), i64::MIN);
    loop {
        let rows: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT patient, last_block, blocks FROM audit_posting WHERE (patient, last_block) > ($1, $2) \
             ORDER BY patient, last_block LIMIT $3",
        )
        .bind(patient.clone())
        .bind(last_block)
        .bind(INDEX_ROWS_PER_READ)
        .fetch_all(&mut *connection)
        .await?;
        let Some(last) = rows.last() else { break };
        for (patient, last_block, blocks) in &rows {
            // A posting that is not a list of blocks ending at its key is not intact.
            let listed =
                serde_json::from_str::<Vec<i64>>(blocks).ok().filter(|blocks| blocks.last() == Some(last_block));
            let Some(blocks) = listed else {
                return Ok(Verification { entries: expected - 1, first_broken: None, index_intact: false });
            };
            for block in blocks.into_iter().filter(|&block| block <= through) {
                stored.add(patient, block);
            }
        }
        (patient, last_block) = (last.0.clone(), last.1);
    }
    Ok(Verification { entries: expected - 1, first_broken: None, index_intact: stored == index })
}

/// An order-independent digest of index rows: their count and the sum of their hashes.
#[derive(Debug, Default, PartialEq, Eq)]
struct IndexDigest {
    rows: u64,
    sum: u128,
}

impl IndexDigest {
    fn add(&mut self, patient: &str, first_seq: i64) {
        let mut hasher = Sha256::new();
        hasher.update(patient);
        hasher.update("\u{1f}");
        hasher.update(first_seq.to_string());
        let digest = hasher.finalize();
        let mut lane = [0; 16];
        lane.copy_from_slice(&digest[..16]);
        self.rows += 1;
        self.sum = self.sum.wrapping_add(u128::from_le_bytes(lane));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_written_as_serde_json_writes_them() {
        let event = |patient: &str, detail: &str| AuditEvent {
            at: "2026-12-04T03:00:00.000001Z".to_owned(),
            actor: "テスト \"test\" \\ (admin)".into(),
            role: "admin".into(),
            action: "read".into(),
            resource: "GET /patients/{id}/cover".into(),
            patient: patient.to_owned(),
            detail: detail.to_owned(),
            result: "200".into(),
        };
        for block in [
            vec![],
            vec![event("P000001", "cover chain at 2026-12-10T03:00:00+09:00")],
            vec![event("", "tab\there, newline\n, bell \u{7}, del \u{7f}"), event("P\"2", "吉備仮野 京子 {\"a\":1}")],
        ] {
            let expected = serde_json::to_vec(&block.iter().map(AuditEvent::fields).collect::<Vec<_>>()).expect("json");
            assert_eq!(
                String::from_utf8(entries_json(&block.iter().map(AuditEvent::fields).collect::<Vec<_>>()))
                    .expect("utf-8"),
                String::from_utf8(expected).expect("utf-8")
            );
        }
    }
}
