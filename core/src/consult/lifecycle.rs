//! The consult lifecycle, from the 主治医's request to the report back: pure
//! transitions from one consult record to the next, so the service can apply them to
//! stored rows of `consults.csv`.
//!
//! ```text
//! 依頼 ─accept→ 受付 ─advise→ 助言済 ─report→ 報告済
//!                  └─visit (往診 only)→ 往診済 ─report→ 報告済
//!  (助言済 ─visit→ 往診済 for a home-visit consult advised first;
//!   受付 ─report→ 報告済 for an outpatient referral, seen in the clinic)
//! any open status ─decline→ 辞退, ─cancel→ 取消
//! ```

use super::error::ConsultError;
use super::records::{consent_for, jst_date, open_load};
use crate::calendar::Instant;
use crate::dataset::Dataset;
use crate::domain::{Consult, ConsultMode, ConsultStatus, Id};

/// A new consult as the 主治医 asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsultRequest {
    /// The new consult's id, e.g. from [`next_consult_id`].
    pub id: String,
    /// Patient id.
    pub patient: String,
    /// Specialist id.
    pub specialist: String,
    /// The symptom that prompted it, as written.
    pub symptom: String,
    /// How the specialist is to help.
    pub mode: ConsultMode,
    /// When requested.
    pub at: Instant,
}

/// 依頼: a new consult record in status 依頼. Refused unless the id is free, the patient
/// and specialist exist, the specialist offers the mode and has room under their
/// capacity, and a consent of the patient in force on the request's JST date names
/// the specialist ([`ConsultError::NoConsent`] otherwise).
pub fn request(dataset: &Dataset, request: &ConsultRequest) -> Result<Consult, ConsultError> {
    let id = Id::parse(&request.id).map_err(|reason| ConsultError::BadId { id: request.id.clone(), reason })?;
    if dataset.consults.lookup(id.as_str()).is_some() {
        let reason = "already taken (使用済み)".to_owned();
        return Err(ConsultError::BadId { id: request.id.clone(), reason });
    }
    let patient = dataset
        .patients
        .lookup(&request.patient)
        .ok_or_else(|| ConsultError::UnknownPatient { id: request.patient.clone() })?;
    let specialist = dataset
        .specialists
        .lookup(&request.specialist)
        .ok_or_else(|| ConsultError::UnknownSpecialist { id: request.specialist.clone() })?;
    let symptom = request.symptom.trim();
    if symptom.is_empty() {
        return Err(ConsultError::EmptySymptom);
    }
    let s = &dataset.specialists[specialist];
    if !s.offers(request.mode) {
        return Err(ConsultError::ModeNotOffered { specialist: s.id.to_string(), mode: request.mode });
    }
    let consent = consent_for(dataset, patient, specialist, jst_date(request.at)).ok_or_else(|| {
        ConsultError::NoConsent { patient: request.patient.clone(), specialist: request.specialist.clone() }
    })?;
    let open = open_load(dataset, specialist);
    if let Some(capacity) = s.capacity.filter(|&capacity| open >= capacity) {
        return Err(ConsultError::SpecialistFull { specialist: s.id.to_string(), open, capacity });
    }
    Ok(Consult {
        id,
        patient,
        specialist,
        symptom: symptom.to_owned(),
        mode: request.mode,
        consent,
        status: ConsultStatus::Requested,
        requested_at: request.at,
        updated_at: request.at,
        report: String::new(),
    })
}

/// An id for the next consult: `CS` and one more than the largest number among the
/// ids of that shape, zero-padded to six digits (CS000001 for the first).
pub fn next_consult_id(dataset: &Dataset) -> String {
    let largest = dataset
        .consults
        .iter()
        .filter_map(|c| c.id.as_str().strip_prefix("CS").and_then(crate::domain::id_number))
        .max()
        .unwrap_or(0);
    format!("CS{:06}", largest + 1)
}

/// 受付: the specialist accepts a requested consult.
pub fn accept(consult: &Consult, at: Instant) -> Result<Consult, ConsultError> {
    step(consult, ConsultStatus::Accepted, &[ConsultStatus::Requested], at)
}

/// 助言済: the specialist has given advice on an accepted consult.
pub fn advise(consult: &Consult, at: Instant) -> Result<Consult, ConsultError> {
    step(consult, ConsultStatus::Advised, &[ConsultStatus::Accepted], at)
}

/// 往診済: the specialist has visited, on an accepted (or advised) home-visit consult.
pub fn record_visit(consult: &Consult, at: Instant) -> Result<Consult, ConsultError> {
    if consult.mode != ConsultMode::HomeVisit {
        return Err(ConsultError::NotHomeVisit { id: consult.id.to_string(), mode: consult.mode });
    }
    step(consult, ConsultStatus::Visited, &[ConsultStatus::Accepted, ConsultStatus::Advised], at)
}

/// 報告済: the result reported to the 主治医, with the report's text (closes the
/// consult). From 助言済 or 往診済; an outpatient referral also straight from 受付.
pub fn report(consult: &Consult, at: Instant, text: &str) -> Result<Consult, ConsultError> {
    let from: &[ConsultStatus] = if consult.mode == ConsultMode::Outpatient {
        &[ConsultStatus::Accepted, ConsultStatus::Advised, ConsultStatus::Visited]
    } else {
        &[ConsultStatus::Advised, ConsultStatus::Visited]
    };
    let mut next = step(consult, ConsultStatus::Reported, from, at)?;
    let text = text.trim();
    if text.is_empty() {
        return Err(ConsultError::EmptyReport { id: consult.id.to_string() });
    }
    next.report = text.to_owned();
    Ok(next)
}

/// 辞退: the specialist declines an open consult (closes it).
pub fn decline(consult: &Consult, at: Instant) -> Result<Consult, ConsultError> {
    step(consult, ConsultStatus::Declined, OPEN, at)
}

/// 取消: the 主治医 cancels an open consult (closes it).
pub fn cancel(consult: &Consult, at: Instant) -> Result<Consult, ConsultError> {
    step(consult, ConsultStatus::Cancelled, OPEN, at)
}

/// The transition to `to`, by the target status (as the service receives it);
/// `text` is the report for 報告済 and ignored otherwise. 依頼 is not a transition:
/// use [`request`].
pub fn transition(consult: &Consult, to: ConsultStatus, at: Instant, text: &str) -> Result<Consult, ConsultError> {
    match to {
        ConsultStatus::Requested => {
            Err(ConsultError::IllegalTransition { id: consult.id.to_string(), from: consult.status, to })
        }
        ConsultStatus::Accepted => accept(consult, at),
        ConsultStatus::Advised => advise(consult, at),
        ConsultStatus::Visited => record_visit(consult, at),
        ConsultStatus::Reported => report(consult, at, text),
        ConsultStatus::Declined => decline(consult, at),
        ConsultStatus::Cancelled => cancel(consult, at),
    }
}

/// The open statuses.
const OPEN: &[ConsultStatus] =
    &[ConsultStatus::Requested, ConsultStatus::Accepted, ConsultStatus::Advised, ConsultStatus::Visited];

/// The consult in status `to` at `at`, if its status is one of `from` and `at` is not
/// before its last change.
fn step(consult: &Consult, to: ConsultStatus, from: &[ConsultStatus], at: Instant) -> Result<Consult, ConsultError> {
    if !from.contains(&consult.status) {
        return Err(ConsultError::IllegalTransition { id: consult.id.to_string(), from: consult.status, to });
    }
    if at < consult.updated_at {
        return Err(ConsultError::BeforeLastChange { id: consult.id.to_string(), at, last: consult.updated_at });
    }
    Ok(Consult { status: to, updated_at: at, ..consult.clone() })
}
