//! Backup-hospital registrations and specialist consults, drawn from the consents, and
//! the default symptom table.

use chrono::{Duration, NaiveTime};

use super::Builder;
use super::draw::{Draw, numbered};
use crate::calendar::jst_instant;
use crate::domain::{ConsentScope, Consult, ConsultStatus, Registration, RegistrationStatus, SymptomRoute};

/// One registration per hospital a backup-hospital consent names, in its order: mostly
/// confirmed, some still requested, a few declined (満床); the first 在宅療養後方支援病院
/// is the formal registration, its information exchange a few due. Withdrawn consents
/// give withdrawn registrations. A hospital with a quota declines (満床) once it holds
/// that many. About half the specialist consents have a consult.
pub(super) fn add_registrations_and_consults(builder: &mut Builder<'_>, draw: &mut Draw) {
    let reference = builder.reference_date;
    let dataset = &mut builder.dataset;
    dataset.symptom_routes = SymptomRoute::defaults();
    let n = dataset.consents.len();
    let width = n.to_string().len().max(6);
    let mut registrations = Vec::new();
    let mut consults = Vec::new();
    // Active registrations per hospital, against its quota.
    let mut held = vec![0u32; dataset.hospitals.len()];
    for consent_idx in dataset.consents.indices() {
        let consent = &dataset.consents[consent_idx];
        match &consent.scope {
            ConsentScope::BackupHospital { hospitals } => {
                let mut formal_taken = false;
                for (position, &hospital) in hospitals.iter().enumerate() {
                    let status = if consent.withdrawn_on.is_some() {
                        RegistrationStatus::Withdrawn
                    } else if draw.chance(0.02) {
                        RegistrationStatus::Declined
                    } else if draw.chance(0.08) {
                        RegistrationStatus::Requested
                    } else {
                        RegistrationStatus::Confirmed
                    };
                    let formal = !formal_taken
                        && dataset.hospitals[hospital].backup_support
                        && matches!(status, RegistrationStatus::Confirmed | RegistrationStatus::Requested);
                    formal_taken |= formal;
                    let decided_on = (status != RegistrationStatus::Requested)
                        .then(|| consent.date + Duration::days(i64::from(draw.between(3, 20))));
                    // The formal registration exchanges information every 3 months; a few are overdue.
                    let info_shared_on = (formal && status == RegistrationStatus::Confirmed).then(|| {
                        reference
                            - Duration::days(i64::from(if draw.chance(0.1) {
                                draw.between(95, 150)
                            } else {
                                draw.between(5, 80)
                            }))
                    });
                    // The draws above are made whatever the quota, so the stream (and
                    // every later record) does not depend on it.
                    let full = dataset.hospitals[hospital].quota.is_some_and(|quota| held[hospital.index()] >= quota);
                    let (status, formal, decided_on, info_shared_on) = if full && status.is_active() {
                        let decided = decided_on.unwrap_or(consent.date + Duration::days(7));
                        (RegistrationStatus::Declined, false, Some(decided), None)
                    } else {
                        (status, formal, decided_on, info_shared_on)
                    };
                    held[hospital.index()] += u32::from(status.is_active());
                    let note = if status == RegistrationStatus::Declined { "満床のため辞退" } else { "" };
                    registrations.push(Registration {
                        id: numbered("RG", registrations.len() + 1, width),
                        patient: consent.patient,
                        hospital,
                        rank: u8::try_from(position + 1).unwrap_or(u8::MAX),
                        formal,
                        consent: consent_idx,
                        status,
                        requested_on: consent.date,
                        decided_on,
                        info_shared_on,
                        withdrawn_on: consent.withdrawn_on,
                        note: note.to_owned(),
                    });
                }
            }
            ConsentScope::SpecialistConsult { specialists } if consent.withdrawn_on.is_none() && draw.chance(0.5) => {
                let specialist = specialists[0];
                let s = &dataset.specialists[specialist];
                let symptoms: Vec<&str> = SymptomRoute::DEFAULTS
                    .iter()
                    .filter(|(_, specialty)| *specialty == s.specialty)
                    .map(|(symptom, _)| *symptom)
                    .collect();
                let symptom = if symptoms.is_empty() { s.specialty.as_str() } else { draw.pick(&symptoms) };
                let mode = draw.pick(&s.modes);
                let status = draw.weighted(&[
                    (ConsultStatus::Requested, 2),
                    (ConsultStatus::Accepted, 2),
                    (ConsultStatus::Visited, 1),
                    (ConsultStatus::Reported, 5),
                ]);
                let day = reference - Duration::days(i64::from(draw.between(1, 40)));
                let requested_at = jst_instant(day, NaiveTime::from_hms_opt(10, 0, 0).expect("time"));
                let updated_at = requested_at + Duration::days(i64::from(draw.between(0, 7)));
                let report = if status == ConsultStatus::Reported {
                    "診察のうえ処方を提案。経過観察。"
                } else {
                    ""
                };
                consults.push(Consult {
                    id: numbered("CS", consults.len() + 1, width),
                    patient: consent.patient,
                    specialist,
                    symptom: symptom.to_owned(),
                    mode,
                    consent: consent_idx,
                    status,
                    requested_at,
                    updated_at,
                    report: report.to_owned(),
                });
            }
            _ => {}
        }
    }
    dataset.registrations.reserve(registrations.len());
    for registration in registrations {
        dataset.registrations.insert(registration).expect("fresh id");
    }
    for consult in consults {
        dataset.consults.insert(consult).expect("fresh id");
    }
}
