//! The questions asked at 3 a.m.: who is on duty in a group, who covers a patient,
//! where a patient goes if admitted; a ward's registered patients and face sheets; a
//! doctor's duties.

use std::sync::Arc;

use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::json::{Json, Query, RESPONSE_CAPACITY, parse_query, written};
use chrono::{Datelike, NaiveTime};
use renkei_core::calendar::{DayType, Instant, Month, jst_date, jst_instant, to_jst};
use renkei_core::cover::CoverIndex;
use renkei_core::dataset::Dataset;
use renkei_core::domain::{ConsentKind, Doctor, Idx, Patient, Role as DutyRole};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::audit;
use super::auth::{PatientView, Principal, Role};
use super::error::{ApiError, ApiResult};
use super::views::{instant_param, jst};
use crate::json_text::push_strs;
use crate::time_text::push_jst_secs;

/// The routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/groups/{id}/on-duty", get(on_duty))
        .route("/patients/{id}/cover", get(cover))
        .route("/patients/{id}/face-sheet", get(face_sheet))
        .route("/hospitals/{id}/registered-patients", get(registered_patients))
        .route("/doctors/{id}/duties", get(duties))
}

/// `?at=`: a JST time such as `2026-12-10T03:00` (default now).
#[derive(Debug, Deserialize, IntoParams)]
pub struct At {
    /// JST time; an explicit offset is honoured.
    at: Option<String>,
}

impl At {
    /// Reads the query string as [`Query`] would, without serde's machinery, which cost
    /// a cover lookup more than its one parameter is worth: the other parameters are
    /// ignored, and a query serde would refuse (`at` twice) goes through [`Query`] for
    /// its error.
    fn from_query(query: &str) -> ApiResult<Self> {
        let mut at = None;
        // Whether the pair can be read (`at` only once).
        let mut take = |key: &str, value: std::borrow::Cow<'_, str>| {
            if key != "at" {
                return true;
            }
            let first = at.is_none();
            at.get_or_insert_with(|| value.into_owned());
            first
        };
        // Split by hand when nothing is encoded (`+`, `%XX`), as a lookup's `at` nearly
        // always is: the same pairs form_urlencoded gives, for a tenth of its work.
        let all_read = if query.bytes().any(|byte| byte == b'%' || byte == b'+') {
            form_urlencoded::parse(query.as_bytes()).all(|(key, value)| take(&key, value))
        } else {
            query
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| pair.split_once('=').unwrap_or((pair, "")))
                .all(|(key, value)| take(key, value.into()))
        };
        if all_read { Ok(Self { at }) } else { parse_query(query) }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for At {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> ApiResult<Self> {
        Self::from_query(parts.uri.query().unwrap_or_default())
    }
}

/// A doctor to call.
#[derive(Debug, Serialize, ToSchema)]
pub struct DoctorContact {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Clinic.
    pub clinic: String,
    /// Number to call first (mobile if known).
    pub phone: String,
}

fn contact(d: &Dataset, doctor: Idx<Doctor>) -> DoctorContact {
    let doc = &d.doctors[doctor];
    DoctorContact {
        id: doc.id.to_string(),
        name: doc.name.clone(),
        clinic: d.clinics[doc.clinic].name.clone(),
        phone: doc.best_phone().to_string(),
    }
}

/// Refuses a patient lookup outside the caller's scope, recording the attempt.
pub(crate) fn patient_or_deny(
    state: &AppState,
    principal: &Principal,
    index: &CoverIndex<'_>,
    id: &str,
    resource: &'static str,
    needed: PatientView,
) -> ApiResult<(Idx<Patient>, PatientView)> {
    let d = index.dataset();
    let today = jst_date(chrono::Utc::now());
    let found = index.patient(id).and_then(|patient| {
        principal.patient_view(d, patient, today).filter(|&view| view >= needed).map(|view| (patient, view))
    });
    match found {
        Some(found) => Ok(found),
        None => {
            audit::read(state, principal, resource, id, "refused", 403);
            // Absent and out of scope look the same, except to the admin.
            Err(if principal.is_admin() { ApiError::not_found(format!("患者 '{id}'")) } else { ApiError::Forbidden })
        }
    }
}

/// Who is on duty in a group at an instant, with contacts and the next change.
#[utoipa::path(get, path = "/groups/{id}/on-duty", tag = "lookups",
    params(("id" = String, Path, description = "group id"), At),
    responses((status = 200, description = "on-duty doctors"), (status = 403, body = super::error::ErrorBody)))]
pub async fn on_duty(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
    query: At,
) -> ApiResult<Response> {
    let at = instant_param(query.at.as_deref(), "at")?;
    let snapshot = state.snapshot();
    let d = snapshot.dataset();
    let group = d.groups.lookup(&id).ok_or_else(|| ApiError::not_found(format!("グループ '{id}'")))?;
    if !principal.sees_group(d, group) {
        return Err(ApiError::Forbidden);
    }
    let now = snapshot.index().on_duty(group, at);
    let g = &d.groups[group];
    Ok(Json(json!({
        "group": {"id": g.id.as_str(), "name": g.name},
        "at": jst(at),
        "slot": now.kind.map(|kind| json!({"kind": kind.code(), "label": kind.label()})),
        "until": now.until.map(jst),
        "next_change": now.next_change.map(jst),
        "primary": now.primary.iter().map(|&doctor| contact(d, doctor)).collect::<Vec<_>>(),
        "secondary": now.secondary.iter().map(|&doctor| contact(d, doctor)).collect::<Vec<_>>(),
        "absent": now.absent.iter().map(|absent| {
            let absence = &d.absences[absent.absence];
            json!({
                "doctor": contact(d, absent.doctor),
                "role": absent.role.label(),
                "absence": {"id": absence.id.as_str(), "reason": absence.reason, "until": jst(absence.end)},
                "covered_by": absent.cover.map(|doctor| contact(d, doctor)),
            })
        }).collect::<Vec<_>>(),
        "message": if now.kind.is_none() {
            "当番の時間帯ではありません。主治医へ連絡してください (no duty slot is running: call the 主治医)"
        } else if now.primary.is_empty() && now.absent.iter().any(|absent| absent.role == DutyRole::Primary) {
            "当番の医師は不在です。代わりの医師 (covered_by) か副当番へ、いなければ患者ごとの連絡順 (/patients/{id}/cover) で連絡してください \
             (the on-duty doctor is absent: call whoever covers the absence or the 副当番, else follow the patient's cover chain)"
        } else if now.primary.is_empty() {
            "当番が割り当てられていません (nobody is on duty: ask the coordinator)"
        } else if !now.absent.is_empty() {
            "当番表の医師に不在の人がいます (a rostered doctor is absent: see absent)"
        } else { "" },
    }))
    .into_response())
}

/// The escalation chain for a patient at an instant: whom to call, in order, and why.
#[utoipa::path(get, path = "/patients/{id}/cover", tag = "lookups",
    params(("id" = String, Path, description = "patient id"), At),
    responses((status = 200, description = "the escalation chain"), (status = 403, body = super::error::ErrorBody)))]
pub async fn cover(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
    query: At,
) -> ApiResult<Response> {
    let at = instant_param(query.at.as_deref(), "at")?;
    let snapshot = state.snapshot();
    let d = snapshot.dataset();
    let resource = "GET /patients/{id}/cover";
    let (patient, _) = patient_or_deny(&state, &principal, snapshot.index(), &id, resource, PatientView::Full)?;
    let chain = snapshot.index().chain(patient, at);
    // {"patient": …, "at": …, "steps": […], "warnings": […]}, the head and the steps
    // written from the JSON made once per snapshot.
    let json = snapshot.cover_json();
    let mut body = Vec::with_capacity(RESPONSE_CAPACITY);
    body.extend_from_slice(b"{\"patient\":");
    body.extend_from_slice(snapshot.index().head(patient));
    body.extend_from_slice(b",\"at\":\"");
    let mut time = String::with_capacity(25);
    push_jst_secs(&mut time, at);
    body.extend_from_slice(time.as_bytes());
    body.extend_from_slice(b"\",\"steps\":");
    json.write(&chain, d, &mut body);
    body.extend_from_slice(b",\"warnings\":");
    push_strs(&mut body, chain.describe_warnings(d).iter().map(String::as_str));
    body.push(b'}');
    audit::read(&state, &principal, resource, &id, audit::Detail::CoverAt(at), 200);
    Ok(written(body))
}

/// What admission needs: the face sheet, the 主治医 to call, consent status.
#[utoipa::path(get, path = "/patients/{id}/face-sheet", tag = "lookups",
    params(("id" = String, Path, description = "patient id")),
    responses((status = 200, description = "the face sheet"), (status = 403, body = super::error::ErrorBody)))]
pub async fn face_sheet(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let snapshot = state.snapshot();
    let d = snapshot.dataset();
    let resource = "GET /patients/{id}/face-sheet";
    let (patient, view) = patient_or_deny(&state, &principal, snapshot.index(), &id, resource, PatientView::FaceSheet)?;
    let p = &d.patients[patient];
    let today = jst_date(chrono::Utc::now());
    let consents: Vec<_> = [ConsentKind::GroupCover, ConsentKind::BackupHospital, ConsentKind::SpecialistConsult]
        .into_iter()
        .map(|kind| {
            let in_force = d
                .consents_of_patient(patient)
                .iter()
                .map(|&c| &d.consents[c])
                .filter(|consent| consent.kind() == kind && consent.in_force_on(today))
                .map(|consent| json!({"id": consent.id.as_str(), "date": consent.date, "given_by": consent.given_by, "document": consent.document}))
                .collect::<Vec<_>>();
            json!({"kind": kind.code(), "label": kind.label(), "in_force": !in_force.is_empty(), "consents": in_force})
        })
        .collect();
    let registrations: Vec<_> = d
        .registrations_of_patient(patient)
        .iter()
        .map(|&r| &d.registrations[r])
        .filter(|registration| match &principal.role {
            Role::Hospital(hospital) => d.hospitals[registration.hospital].id.as_str() == hospital,
            _ => true,
        })
        .map(|registration| {
            json!({
                "hospital": d.hospitals[registration.hospital].id.as_str(),
                "rank": registration.rank,
                "status": registration.status.label(),
                "formal": registration.formal,
            })
        })
        .collect();
    let primary = contact(d, p.primary_doctor);
    let body = json!({
        "patient": {
            "id": p.id.as_str(),
            "name": p.name,
            "birth_date": p.birth_date,
            "age": p.age_on(today),
            "conditions": p.conditions,
            "devices": p.devices.iter().map(|device| device.label()).collect::<Vec<_>>(),
            "acp": p.acp,
            "key_person": p.key_person.as_ref().map(|k| json!({"name": k.name, "phone": k.phone.to_string()})),
        },
        "primary_doctor": primary,
        "group": {"id": d.groups[p.group].id.as_str(), "name": d.groups[p.group].name},
        "consents": consents,
        "registrations": registrations,
    });
    match (&principal.role, view) {
        (Role::Hospital(hospital), _) => audit::provide(
            &state,
            &principal,
            resource,
            &id,
            format!(
                "recipient hospital {hospital}: face sheet (name, birth date, conditions, devices, ACP, key person), 主治医, consent status"
            ),
        ),
        _ => audit::read(&state, &principal, resource, &id, "face sheet", 200),
    }
    Ok(Json(body).into_response())
}

/// The patients registered with a hospital (active registrations), for its ward.
#[utoipa::path(get, path = "/hospitals/{id}/registered-patients", tag = "lookups",
    params(("id" = String, Path, description = "hospital id")),
    responses((status = 200, description = "registered patients"), (status = 403, body = super::error::ErrorBody)))]
pub async fn registered_patients(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let snapshot = state.snapshot();
    let d = snapshot.dataset();
    let hospital = d.hospitals.lookup(&id).ok_or_else(|| ApiError::not_found(format!("病院 '{id}'")))?;
    let is_ward = matches!(&principal.role, Role::Hospital(own) if own == &id);
    if !is_ward && !principal.coordinates_area(d, d.hospitals[hospital].area) {
        return Err(ApiError::Forbidden);
    }
    let resource = "GET /hospitals/{id}/registered-patients";
    let today = jst_date(chrono::Utc::now());
    let mut patients = Vec::new();
    for &r in d.registrations_of_hospital(hospital) {
        let registration = &d.registrations[r];
        if !registration.is_active() {
            continue;
        }
        // The ward sees every patient registered with it; a coordinator of the
        // hospital's area only those they may see otherwise (a patient of another
        // area registered here is not theirs).
        if !is_ward && principal.patient_view(d, registration.patient, today).is_none() {
            continue;
        }
        let p = &d.patients[registration.patient];
        patients.push(json!({
            "patient": {"id": p.id.as_str(), "name": p.name, "birth_date": p.birth_date},
            "rank": registration.rank,
            "status": {"code": registration.status.code(), "label": registration.status.label()},
            "formal": registration.formal,
            "info_shared_on": registration.info_shared_on,
            "primary_doctor": contact(d, p.primary_doctor),
        }));
        let detail = format!("recipient hospital {id}: registration list entry (name, birth date, 主治医)");
        match principal.role {
            Role::Hospital(_) => audit::provide(&state, &principal, resource, p.id.as_str(), detail),
            _ => audit::read(&state, &principal, resource, p.id.as_str(), "registration list", 200),
        }
    }
    Ok(Json(json!({
        "hospital": {"id": d.hospitals[hospital].id.as_str(), "name": d.hospitals[hospital].name},
        "total": patients.len(),
        "patients": patients,
    }))
    .into_response())
}

/// `?from=&to=`: JST dates, inclusive.
#[derive(Debug, Deserialize, IntoParams)]
pub struct Period {
    /// First date (default: the first of this month).
    from: Option<String>,
    /// Last date (default: the end of next month).
    to: Option<String>,
}

/// One duty of a doctor.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DutyView {
    /// Group id.
    pub group: String,
    /// Group name.
    pub group_name: String,
    /// The date the slot starts on (JST).
    pub date: chrono::NaiveDate,
    /// Slot kind code.
    pub slot: &'static str,
    /// Slot label, e.g. 平日夜間.
    pub slot_label: &'static str,
    /// primary (当番) or secondary (副当番).
    pub role: &'static str,
    /// 当番 / 副当番.
    pub role_label: &'static str,
    /// Start (JST).
    pub start: String,
    /// End (JST).
    pub end: String,
    /// Start instant.
    #[serde(skip)]
    pub start_instant: Instant,
    /// End instant.
    #[serde(skip)]
    pub end_instant: Instant,
    /// Whether the duty's date is a day off for its group (Saturday, Sunday, a public
    /// holiday, 年末年始 and the group's other closed days).
    #[serde(skip)]
    pub day_off: bool,
}

/// A doctor's duties in `[from, to)` by slot start, from the rotas as now published.
pub fn duties_of(
    d: &Dataset,
    book: &renkei_core::cover::RotaBook,
    doctor: Idx<Doctor>,
    from: Instant,
    to: Instant,
) -> Vec<DutyView> {
    let mut duties = Vec::new();
    for &group in d.groups_of_doctor(doctor) {
        let g = &d.groups[group];
        for duty in book.current_duties(group).filter(|duty| from <= duty.start && duty.start < to) {
            for (role, doctors) in [(DutyRole::Primary, &duty.primary), (DutyRole::Secondary, &duty.secondary)] {
                if doctors.contains(&doctor) {
                    duties.push(DutyView {
                        group: g.id.to_string(),
                        group_name: g.name.clone(),
                        date: to_jst(duty.start).date_naive(),
                        slot: duty.kind.code(),
                        slot_label: duty.kind.label(),
                        role: role.code(),
                        role_label: role.label(),
                        start: jst(duty.start),
                        end: jst(duty.end),
                        start_instant: duty.start,
                        end_instant: duty.end,
                        day_off: g.calendar.day_type(to_jst(duty.start).date_naive()) != DayType::Weekday,
                    });
                }
            }
        }
    }
    duties.sort_by(|a, b| a.start_instant.cmp(&b.start_instant).then(a.group.cmp(&b.group)));
    duties
}

fn date_param(text: Option<&str>, field: &str) -> ApiResult<Option<chrono::NaiveDate>> {
    text.filter(|t| !t.is_empty())
        .map(|t| {
            chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d")
                .ok()
                .filter(|date| renkei_core::calendar::INSTANT_YEARS.contains(&date.year()))
                .ok_or_else(|| {
                    ApiError::bad(
                        field,
                        format!(
                            "{field}='{t}' は 1900〜2200年の YYYY-MM-DD の日付ではありません (not a date in 1900–2200)"
                        ),
                    )
                })
        })
        .transpose()
}

/// A doctor's duties between two dates.
#[utoipa::path(get, path = "/doctors/{id}/duties", tag = "lookups",
    params(("id" = String, Path, description = "doctor id"), Period),
    responses((status = 200, description = "duties"), (status = 403, body = super::error::ErrorBody)))]
pub async fn duties(
    State(state): State<AppState>,
    principal: Arc<Principal>,
    Path(id): Path<String>,
    Query(period): Query<Period>,
) -> ApiResult<Response> {
    let snapshot = state.snapshot();
    let d = snapshot.dataset();
    let doctor = d.doctors.lookup(&id).ok_or_else(|| ApiError::not_found(format!("医師 '{id}'")))?;
    if !principal.manages_doctor(d, doctor) {
        return Err(ApiError::Forbidden);
    }
    let today = jst_date(chrono::Utc::now());
    let this_month = Month::containing(today).expect("a supported date");
    let from = date_param(period.from.as_deref(), "from")?.unwrap_or_else(|| this_month.first_day());
    let to = match date_param(period.to.as_deref(), "to")? {
        Some(to) => to,
        None => {
            let next = Month::containing(this_month.last_day().succ_opt().expect("in range")).expect("supported");
            next.last_day()
        }
    };
    if to < from {
        return Err(ApiError::bad("to", "to が from より前です (to is before from)"));
    }
    if (to - from).num_days() > 400 {
        return Err(ApiError::bad("to", "期間は400日までです (at most 400 days)"));
    }
    let start = jst_instant(from, NaiveTime::MIN);
    let end = jst_instant(to.succ_opt().expect("in range"), NaiveTime::MIN);
    let list = duties_of(d, snapshot.book(), doctor, start, end);
    let points: usize = list.len();
    Ok(Json(json!({
        "doctor": contact(d, doctor),
        "from": from,
        "to": to,
        "count": points,
        "weekend_or_holiday": list.iter().filter(|duty| duty.day_off).count(),
        "duties": list,
    }))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::At;
    use crate::server::json::parse_query;

    #[test]
    fn at_is_read_as_serde_reads_it() {
        for query in [
            "",
            "at=2026-12-10T03:00",
            "at=2026-12-10T03%3A00%2B09%3A00",
            "at=2026-12-10T03:00+09:00",
            "at=",
            "at",
            "x=1&at=2026-12-10T03:00&y",
            "AT=2026-12-10",
            "at=%E5%BD%93%E7%95%AA",
            "at=%ZZ",
            "&&at=1&",
            "at=a=b&b",
            "=x&at=+1",
            "at=2026-12-10T03:00:00+09:00&",
        ] {
            let fast = At::from_query(query).expect("read").at;
            let serde: At = parse_query(query).expect("read");
            assert_eq!(fast, serde.at, "{query}");
        }
        // Twice: serde's refusal, naming the parameter.
        let error = At::from_query("at=1&at=2").expect_err("at twice");
        let serde = parse_query::<At>("at=1&at=2").expect_err("at twice");
        assert_eq!(format!("{error:?}"), format!("{serde:?}"));
        assert!(format!("{error:?}").contains("at"), "{error:?}");
    }
}
