//! Lookups over the consult records and consents that ranking and the lifecycle share,
//! and the view of a consult for people and machines.

use chrono::NaiveDate;
use serde::Serialize;

use crate::calendar::{Instant, to_jst};
use crate::dataset::Dataset;
use crate::domain::{Consent, Consult, ConsultMode, ConsultStatus, Idx, Patient, Specialist};

/// The patient's first consent in force on `date` that names `specialist` (a 専門医相談
/// consent: the consultation and a possible home visit by that specialist).
pub fn consent_for(
    dataset: &Dataset,
    patient: Idx<Patient>,
    specialist: Idx<Specialist>,
    date: NaiveDate,
) -> Option<Idx<Consent>> {
    dataset.consents_of_patient(patient).iter().copied().find(|&c| {
        let consent = &dataset.consents[c];
        consent.names_specialist(specialist) && consent.in_force_on(date)
    })
}

/// The JST date of an instant, the date consents are judged on.
pub(crate) fn jst_date(at: Instant) -> NaiveDate {
    to_jst(at).date_naive()
}

/// A specialist's open consults (依頼・受付・助言済・往診済), their current load.
pub fn open_load(dataset: &Dataset, specialist: Idx<Specialist>) -> u32 {
    let open = dataset.consults_of_specialist(specialist).iter().filter(|&&c| dataset.consults[c].status.is_open());
    u32::try_from(open.count()).unwrap_or(u32::MAX)
}

/// A patient's consults, open first, then by request time (newest first).
pub fn consults_of_patient(dataset: &Dataset, patient: Idx<Patient>) -> Vec<Idx<Consult>> {
    let mut consults: Vec<Idx<Consult>> =
        dataset.consults.enumerate().filter(|(_, c)| c.patient == patient).map(|(idx, _)| idx).collect();
    consults.sort_by_key(|&c| {
        let consult = &dataset.consults[c];
        (!consult.status.is_open(), std::cmp::Reverse(consult.requested_at), c)
    });
    consults
}

/// A consult for people and machines: ids as strings, times in JST.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsultView {
    /// Id.
    pub id: String,
    /// Patient id.
    pub patient: String,
    /// Specialist id.
    pub specialist: String,
    /// Specialist's name and institution.
    pub specialist_name: String,
    /// The specialty.
    pub specialty: String,
    /// Specialist's phone.
    pub phone: String,
    /// The symptom.
    pub symptom: String,
    /// How the specialist helps.
    pub mode: ConsultMode,
    /// Where it stands.
    pub status: ConsultStatus,
    /// Whether it is still open.
    pub open: bool,
    /// The consent id.
    pub consent: String,
    /// When requested, JST (RFC 3339).
    pub requested_at: String,
    /// When last changed, JST (RFC 3339).
    pub updated_at: String,
    /// The report, once given.
    pub report: String,
}

/// The view of a consult.
pub fn describe_consult(dataset: &Dataset, consult: &Consult) -> ConsultView {
    let specialist = &dataset.specialists[consult.specialist];
    ConsultView {
        id: consult.id.to_string(),
        patient: dataset.patients[consult.patient].id.to_string(),
        specialist: specialist.id.to_string(),
        specialist_name: format!("{} ({})", specialist.name, specialist.institution),
        specialty: specialist.specialty.clone(),
        phone: specialist.phone.to_string(),
        symptom: consult.symptom.clone(),
        mode: consult.mode,
        status: consult.status,
        open: consult.status.is_open(),
        consent: dataset.consents[consult.consent].id.to_string(),
        requested_at: to_jst(consult.requested_at).to_rfc3339(),
        updated_at: to_jst(consult.updated_at).to_rfc3339(),
        report: consult.report.clone(),
    }
}
