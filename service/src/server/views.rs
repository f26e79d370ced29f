//! Wire shapes shared by the handlers, and reading common request parts.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use renkei_core::calendar::{Instant, parse_instant};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::error::ApiError;
use super::json::Json;
use crate::snapshot::Snapshot;
use crate::store::records::StoredRecord;

/// A record of the data format.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecordView {
    /// The table, e.g. `patients`.
    pub kind: String,
    /// Id.
    pub id: String,
    /// The version, also sent as the ETag.
    pub version: i64,
    /// When last changed (UTC).
    pub updated_at: String,
    /// By whom.
    pub updated_by: String,
    /// The columns (docs/data-format.md): cell text, lists separated by `;`.
    #[schema(value_type = Object)]
    pub fields: Map<String, Value>,
}

impl From<&StoredRecord> for RecordView {
    fn from(record: &StoredRecord) -> Self {
        Self {
            kind: record.kind.clone(),
            id: record.id.clone(),
            version: record.version,
            updated_at: record.updated_at.clone(),
            updated_by: record.updated_by.clone(),
            fields: record.fields.clone(),
        }
    }
}

/// `"N"`, the ETag of version `N`.
pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).expect("digits")
}

/// The version an `If-Match` header names; 428 without one, 400 for a malformed one.
pub fn if_match(headers: &HeaderMap) -> Result<i64, ApiError> {
    let value = headers.get(header::IF_MATCH).ok_or(ApiError::PreconditionRequired)?;
    value
        .to_str()
        .ok()
        .map(|text| text.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| {
            ApiError::bad("If-Match", "If-Match は \"版番号\" の形です (If-Match must be an ETag such as \"3\")")
        })
}

/// The `at` query parameter (JST unless an offset is given), or now.
pub fn instant_param(at: Option<&str>, field: &str) -> Result<Instant, ApiError> {
    match at {
        None | Some("") => Ok(chrono::Utc::now()),
        Some(text) => parse_instant(text)
            .or_else(|error| plus_restored(text).and_then(|text| parse_instant(&text).ok()).ok_or(error))
            .map_err(|error| {
                ApiError::bad(
                    field,
                    format!("{field}='{text}' を日時として読めません ({error}; e.g. 2026-12-10T03:00)"),
                )
            }),
    }
}

/// `text` with the space before a closing `HH:MM` made a `+` again: an offset's `+`
/// written into a URL unencoded (`?at=2026-12-10T03:00+09:00`, as curl sends it) is
/// read back as a space.
fn plus_restored(text: &str) -> Option<String> {
    let (time, offset) = text.rsplit_once(' ')?;
    let b = offset.as_bytes();
    (time.len() >= 16
        && b.len() == 5
        && b[2] == b':'
        && b.iter().enumerate().all(|(i, c)| i == 2 || c.is_ascii_digit()))
    .then(|| format!("{time}+{offset}"))
}

/// An instant as JST RFC 3339 text, to the second (`2026-12-10T03:00:00+09:00`).
pub fn jst(instant: Instant) -> String {
    crate::time_text::jst_secs(instant)
}

/// The `Idempotency-Key` header, if any (1–200 printable characters).
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else { return Ok(None) };
    let key = value.to_str().ok().map(str::trim).filter(|key| !key.is_empty() && key.len() <= 200);
    key.map(|key| Some(key.to_owned())).ok_or_else(|| {
        ApiError::bad("Idempotency-Key", "Idempotency-Key は1〜200文字です (1–200 printable characters)")
    })
}

/// A record as the response body, with its ETag.
pub fn record_response(status: StatusCode, record: &StoredRecord) -> Response {
    let mut response = (status, Json(RecordView::from(record))).into_response();
    response.headers_mut().insert(header::ETAG, etag(record.version));
    response
}

/// The fields of a record from core's cells of its row (the id is the record's own,
/// empty cells are left out, as the format reads them).
pub fn cell_fields(cells: Vec<(&'static str, String)>) -> Map<String, Value> {
    cells
        .into_iter()
        .filter(|(column, text)| *column != "id" && !text.is_empty())
        .map(|(column, text)| (column.to_owned(), Value::String(text)))
        .collect()
}

/// The next free id `PREFIX000001`… of a kind.
pub fn next_id(snapshot: &Snapshot, kind: &str, prefix: &str) -> String {
    let largest = snapshot
        .records
        .get(kind)
        .map(|list| {
            list.iter()
                .filter_map(|r| r.id.strip_prefix(prefix).and_then(renkei_core::domain::id_number))
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0);
    format!("{prefix}{:06}", largest + 1)
}

#[cfg(test)]
mod tests {
    use super::instant_param;

    #[test]
    fn an_offset_sent_unencoded_is_read_as_written() {
        let at = |text: &str| instant_param(Some(text), "at").map(|instant| instant.to_rfc3339());
        let three_am = "2026-12-09T18:00:00+00:00";
        // `+09:00` unencoded in a URL arrives as ` 09:00`.
        assert_eq!(at("2026-12-10T03:00 09:00").expect("2026-12-10T03:00 09:00"), three_am);
        assert_eq!(at("2026-12-10T03:00:00 09:00").expect("2026-12-10T03:00:00 09:00"), three_am);
        assert_eq!(at("2026-12-10 03:00 09:00").expect("2026-12-10 03:00 09:00"), three_am);
        assert_eq!(at("2026-12-10T03:00+09:00").expect("2026-12-10T03:00+09:00"), three_am);
        assert_eq!(at("2026-12-10 03:00").expect("2026-12-10 03:00"), three_am);
        // Anything else after a space is still refused, naming what was given.
        for bad in ["2026-12-10T03:00 9:00", "2026-12-10T03:00 0900", "2026-12-10 09:00x", "2026-12 03:00 09:00"] {
            let error = at(bad).expect_err(bad);
            assert!(format!("{error:?}").contains(bad), "{error:?}");
        }
    }
}
