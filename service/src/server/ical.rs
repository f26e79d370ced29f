//! Calendar feeds (RFC 5545) of a doctor's or a group's duties, behind an unguessable
//! token, so duties appear in phone calendars. A feed shows duties only: no patient
//! data, so reading one is not audited as patient access.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::json::Json;
use chrono::Duration;
use icalendar::{Calendar, Component, Event, EventLike, Property};
use renkei_core::domain::Role as DutyRole;
use serde_json::json;

use super::AppState;
use super::auth::Principal;
use super::error::{ApiError, ApiResult};
use super::lookups::duties_of;
use super::secrets::{self, Secret};
use super::views::idempotency_key;
use super::writes::{Keyed, mark_replay};
use crate::snapshot::Snapshot;
use crate::store::{random_token, sha256_hex, tokens};

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/doctors/{id}/feed", post(doctor_feed))
        .route("/groups/{id}/feed", post(group_feed))
        .route("/feeds/{token}", get(feed).delete(revoke_feed))
}

async fn new_feed(
    state: &AppState,
    principal: &Principal,
    headers: &HeaderMap,
    kind: &str,
    id: &str,
) -> ApiResult<Response> {
    let key = idempotency_key(headers)?;
    let request_hash = sha256_hex(&format!("POST /{kind}s/{id}/feed"));
    let token = random_token();
    let hash = sha256_hex(&token);
    let keyed = Keyed { token_hash: &principal.token_hash, key: key.as_ref(), request_hash: &request_hash };
    let rekeyed = secrets::store(state, principal, keyed, Secret::Feed { hash: &hash, kind, id }, None).await?;
    let url = format!("{}/feeds/{token}.ics", state.config().public_url());
    let mut response = (
        StatusCode::CREATED,
        Json(json!({
            "url": url,
            "note": "この URL を知る人は当番を閲覧できます。共有しないでください (anyone with this URL sees the duties; keep it private)",
        })),
    )
        .into_response();
    if rekeyed {
        mark_replay(&mut response);
    }
    Ok(response)
}

#[utoipa::path(post, path = "/doctors/{id}/feed", tag = "calendar", params(("id" = String, Path, description = "doctor id"), ("Idempotency-Key" = Option<String>, Header, description = "a retry re-keys the feed made by the first request")),
    responses((status = 201, description = "the feed URL")))]
/// A calendar-feed URL of a doctor's duties. The URL is shown once: a retry with the same
/// `Idempotency-Key` gets the same feed under a new URL (the first stops working).
pub async fn doctor_feed(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let snapshot = state.snapshot();
    let d = snapshot.dataset();
    let doctor = d.doctors.lookup(&id).ok_or_else(|| ApiError::not_found(format!("医師 '{id}'")))?;
    if !principal.manages_doctor(d, doctor) {
        return Err(ApiError::Forbidden);
    }
    new_feed(&state, &principal, &headers, "doctor", &id).await
}

#[utoipa::path(post, path = "/groups/{id}/feed", tag = "calendar", params(("id" = String, Path, description = "group id"), ("Idempotency-Key" = Option<String>, Header, description = "a retry re-keys the feed made by the first request")),
    responses((status = 201, description = "the feed URL")))]
/// A calendar-feed URL of a group's duties (a retry with the same `Idempotency-Key` re-keys
/// the feed, as for a doctor's).
pub async fn group_feed(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let snapshot = state.snapshot();
    let d = snapshot.dataset();
    let group = d.groups.lookup(&id).ok_or_else(|| ApiError::not_found(format!("グループ '{id}'")))?;
    if !principal.sees_group(d, group) {
        return Err(ApiError::Forbidden);
    }
    new_feed(&state, &principal, &headers, "group", &id).await
}

#[utoipa::path(get, path = "/feeds/{token}", tag = "calendar", params(("token" = String, Path, description = "the feed token, optionally with .ics")),
    responses((status = 200, description = "text/calendar", content_type = "text/calendar"), (status = 404, description = "unknown feed")))]
/// The feed: duties from a month ago to three months ahead.
pub async fn feed(State(state): State<AppState>, Path(token): Path<String>) -> ApiResult<Response> {
    let token = token.strip_suffix(".ics").unwrap_or(&token);
    let mut connection = state.store().pool().acquire().await.map_err(crate::store::StoreError::from)?;
    let subject = tokens::feed(&mut connection, &sha256_hex(token)).await?;
    drop(connection);
    let Some((kind, id)) = subject else { return Err(ApiError::not_found("カレンダー")) };
    let snapshot = state.snapshot();
    let now = chrono::Utc::now();
    let calendar = calendar(&snapshot, &kind, &id, now - Duration::days(31), now + Duration::days(92))
        .ok_or_else(|| ApiError::not_found("カレンダー"))?;
    Ok((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8"), (header::CACHE_CONTROL, "private, max-age=300")],
        refold(&calendar.to_string()),
    )
        .into_response())
}

#[utoipa::path(delete, path = "/feeds/{token}", tag = "calendar", params(("token" = String, Path, description = "the feed token, optionally with .ics")),
    responses((status = 204, description = "the URL no longer works"), (status = 403, body = super::error::ErrorBody), (status = 404, description = "unknown feed")))]
/// Revokes a calendar feed (its URL stops working at once), by whoever may make a feed of
/// its doctor or group. A feed does not end with the token that made it: a phone's
/// subscription outlives a rotated API token, and a leaked or unwanted URL is revoked
/// here.
pub async fn revoke_feed(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(token): Path<String>,
) -> ApiResult<Response> {
    let token = token.strip_suffix(".ics").unwrap_or(&token);
    let hash = sha256_hex(token);
    let _gate = state.gate().await;
    let mut tx = state.store().begin_write().await?;
    let Some((kind, id)) = tokens::feed(&mut tx, &hash).await? else {
        return Err(ApiError::not_found("カレンダー"));
    };
    let snapshot = state.snapshot();
    let d = snapshot.dataset();
    let permitted = match kind.as_str() {
        "doctor" => d.doctors.lookup(&id).is_some_and(|doctor| principal.manages_doctor(d, doctor)),
        "group" => d.groups.lookup(&id).is_some_and(|group| principal.sees_group(d, group)),
        _ => false,
    };
    if !permitted && !principal.is_admin() {
        return Err(ApiError::Forbidden);
    }
    tokens::delete_feed(&mut tx, &hash).await?;
    let detail = format!("{kind} {id}: feed sha256 {}…", &hash[..12]);
    let event = super::audit::event(&principal, "feed_revoke", "/feeds/{token}", "", detail, 204);
    crate::store::audit::append(&mut tx, &[event]).await?;
    tx.commit().await.map_err(crate::store::StoreError::from)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Names the calendar (`NAME`, RFC 7986, and `X-WR-CALNAME`), its text escaped as
/// RFC 5545 escapes TEXT (the library leaves `NAME` as it is).
fn name(calendar: &mut Calendar, name: &str) {
    let mut escaped = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            '\\' | ';' | ',' => {
                escaped.push('\\');
                escaped.push(c);
            }
            '\n' => escaped.push_str("\\n"),
            '\r' => {}
            _ => escaped.push(c),
        }
    }
    calendar.append_property(Property::new("NAME", escaped));
    calendar.append_property(Property::new("X-WR-CALNAME", name));
}

/// The calendar's lines folded as RFC 5545 says: at most 75 octets a line, breaking
/// between characters, each continuation starting with a space. (The library's folding
/// lets Japanese text run a line to 76 octets.)
fn refold(text: &str) -> String {
    const LIMIT: usize = 75;
    let unfolded = text.replace("\r\n ", "");
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    for line in unfolded.split_terminator("\r\n") {
        let mut rest = line;
        let mut room = LIMIT;
        while rest.len() > room {
            let mut cut = room;
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            out.push_str(&rest[..cut]);
            out.push_str("\r\n ");
            rest = &rest[cut..];
            room = LIMIT - 1;
        }
        out.push_str(rest);
        out.push_str("\r\n");
    }
    out
}

/// The calendar of a doctor's or group's duties in `[from, to)`.
pub fn calendar(
    snapshot: &Snapshot,
    kind: &str,
    id: &str,
    from: renkei_core::calendar::Instant,
    to: renkei_core::calendar::Instant,
) -> Option<Calendar> {
    let d = snapshot.dataset();
    let mut calendar = Calendar::new();
    calendar.timezone("Asia/Tokyo");
    let stamp_now = chrono::Utc::now();
    match kind {
        "doctor" => {
            let doctor = d.doctors.lookup(id)?;
            name(&mut calendar, &format!("当番 {}", d.doctors[doctor].name));
            for duty in duties_of(d, snapshot.book(), doctor, from, to) {
                calendar.push(
                    Event::new()
                        .uid(&format!("{}-{}-{}-{}-{}@renkei", duty.group, duty.date, duty.slot, duty.role, id))
                        .summary(&format!("{} {} ({})", duty.slot_label, duty.role_label, duty.group_name))
                        .description(&format!("{} {} {}", duty.group_name, duty.slot_label, duty.role_label))
                        .timestamp(stamp_now)
                        .starts(duty.start_instant)
                        .ends(duty.end_instant)
                        .done(),
                );
            }
        }
        "group" => {
            let group = d.groups.lookup(id)?;
            let g = &d.groups[group];
            name(&mut calendar, &format!("当番表 {}", g.name));
            for duty in snapshot.book().current_duties(group).filter(|duty| from <= duty.start && duty.start < to) {
                let names = |doctors: &[renkei_core::domain::Idx<renkei_core::domain::Doctor>]| {
                    doctors.iter().map(|&doc| d.doctors[doc].name.clone()).collect::<Vec<_>>().join("・")
                };
                let date = renkei_core::calendar::to_jst(duty.start).date_naive();
                let mut text = format!("{}: {}", DutyRole::Primary.label(), names(&duty.primary));
                if !duty.secondary.is_empty() {
                    text.push_str(&format!(" / {}: {}", DutyRole::Secondary.label(), names(&duty.secondary)));
                }
                calendar.push(
                    Event::new()
                        .uid(&format!("{}-{}-{}@renkei", g.id, date, duty.kind.code()))
                        .summary(&format!("{} {}", duty.kind.label(), names(&duty.primary)))
                        .description(&text)
                        .timestamp(stamp_now)
                        .starts(duty.start)
                        .ends(duty.end)
                        .done(),
                );
            }
        }
        _ => return None,
    }
    Some(calendar.done())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line is at most 75 octets, cut between characters, and unfolding gives
    /// back the lines.
    #[test]
    fn lines_are_folded_at_75_octets() {
        let long = format!("DESCRIPTION:{}", "北区中央第1グループ 平日夜間 当番 ".repeat(12));
        let text = format!("BEGIN:VCALENDAR\r\n{long}\r\nSUMMARY:{}\r\nEND:VCALENDAR\r\n", "a".repeat(200));
        let folded = refold(&text);
        assert!(folded.ends_with("\r\n"));
        for line in folded.split_terminator("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        assert_eq!(folded.replace("\r\n ", ""), text);
        // Folding what is folded changes nothing.
        assert_eq!(refold(&folded), folded);
    }

    #[test]
    fn the_calendar_name_is_escaped() {
        let mut calendar = Calendar::new();
        name(&mut calendar, "北区中央第1グループ, 在宅; 医療\\連携");
        let text = refold(&calendar.to_string());
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains("\r\nNAME:北区中央第1グループ\\, 在宅\\; 医療\\\\連携\r\n"), "{unfolded}");
        assert!(unfolded.contains("\r\nX-WR-CALNAME:北区中央第1グループ\\, 在宅\\; 医療\\\\連携\r\n"), "{unfolded}");
    }
}
