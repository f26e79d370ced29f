//! The admission order at an acute worsening (急性増悪時の入院調整): whom to call, in
//! order, and where an admission stands.
//!
//! The order: a severe case (重症) goes to the 急性期 hospitals of the patient's area and
//! its neighbours, nearest first. Otherwise the patient's active registrations in their
//! rank order; a patient with none gets the ranked list ([`super::rank`]) instead; and
//! after either, the three nearest 急性期 hospitals not yet listed, as the last resort.
//! Hospitals that declined during this admission are skipped, and once one accepts
//! there is no next.

use chrono::NaiveDate;
use serde::Serialize;

use super::admission::{accepted, attempts_of, open_admission};
use super::rank::{RankOptions, rank_with};
use super::score::Candidates;
use crate::calendar::to_jst;
use crate::dataset::Dataset;
use crate::domain::{
    AdmissionAttempt, AttemptOutcome, Hospital, HospitalFunction, Idx, Patient, RegistrationStatus, TaskKind,
};

/// At most this many 急性期 hospitals follow a backup list (all of them for a severe case).
const ACUTE_FALLBACK: usize = 3;

/// Why a hospital is on the admission list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CandidateSource {
    /// A registered backup hospital.
    Registered {
        /// Position in the patient's list.
        rank: u8,
        /// Requested or confirmed.
        status: RegistrationStatus,
        /// The formal registration.
        formal: bool,
    },
    /// Not registered: from the ranked list, for a patient with no registrations.
    Recommended {
        /// Position in the ranked list.
        position: usize,
    },
    /// A 急性期 hospital of the area or a neighbour.
    Acute {
        /// After the backup list (not a severe case).
        fallback: bool,
    },
}

/// One hospital to call.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdmissionCandidate {
    /// 1-based order.
    pub order: usize,
    /// The hospital.
    #[serde(skip)]
    pub hospital: Idx<Hospital>,
    /// Hospital id.
    pub hospital_id: String,
    /// Name.
    pub hospital_name: String,
    /// 24-hour phone.
    pub phone_24h: String,
    /// Why on the list.
    pub source: CandidateSource,
    /// Straight-line km from home.
    pub distance_km: f64,
    /// Why, in Japanese.
    pub reason: String,
}

/// The hospitals to call for `patient`, in order, skipping those in `tried` that
/// declined; empty once one of `tried` accepted (see the module doc for the order).
pub fn next_hospitals(
    dataset: &Dataset,
    patient: Idx<Patient>,
    severe: bool,
    tried: &[&AdmissionAttempt],
    options: &RankOptions,
) -> Vec<AdmissionCandidate> {
    if accepted(tried).is_some() {
        return Vec::new();
    }
    let p = &dataset.patients[patient];
    let candidates = Candidates::new(dataset);
    let declined: Vec<Idx<Hospital>> =
        tried.iter().filter(|a| a.outcome == AttemptOutcome::Declined).map(|a| a.hospital).collect();
    let mut list: Vec<(Idx<Hospital>, CandidateSource, String)> = Vec::new();
    if !severe {
        for &r in dataset.registrations_of_patient(patient) {
            let r = &dataset.registrations[r];
            if r.is_active() {
                let formal = if r.formal { "・正式登録" } else { "" };
                let reason = format!("登録順位 {} ({}{formal})", r.rank, r.status.label());
                let source = CandidateSource::Registered { rank: r.rank, status: r.status, formal: r.formal };
                list.push((r.hospital, source, reason));
            }
        }
        if list.is_empty() {
            for entry in rank_with(dataset, &candidates, patient, options).entries {
                let reason = format!("未登録・推奨順位 {}: {}", entry.position, entry.reason);
                list.push((entry.hospital, CandidateSource::Recommended { position: entry.position }, reason));
            }
        }
    }
    // The 急性期 hospitals of the area and its neighbours, nearest first: the set the
    // cover chain's `CareNetwork::acute_hospitals_near` gives, without building the graph.
    let mut acute: Vec<(Idx<Hospital>, f64)> = candidates
        .of_area(dataset.area_of_patient(patient))
        .iter()
        .filter(|&&h| dataset.hospitals[h].has(HospitalFunction::Acute))
        .map(|&h| (h, dataset.hospitals[h].location.distance_km(p.home)))
        .collect();
    acute.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    let acute = acute
        .into_iter()
        .filter(|(hospital, _)| !list.iter().any(|(h, _, _)| h == hospital))
        .take(if severe { usize::MAX } else { ACUTE_FALLBACK })
        .collect::<Vec<_>>();
    for (hospital, km) in acute {
        let area_name = &dataset.areas[dataset.hospitals[hospital].area].name;
        let reason = if severe {
            format!("重症: 急性期病院 ({area_name}, 近い順, {km:.1}km)")
        } else {
            format!("登録病院がすべて断った場合の急性期病院 ({area_name}, {km:.1}km)")
        };
        list.push((hospital, CandidateSource::Acute { fallback: !severe }, reason));
    }
    list.into_iter()
        .filter(|(hospital, _, _)| !declined.contains(hospital))
        .enumerate()
        .map(|(position, (hospital, source, reason))| {
            let h = &dataset.hospitals[hospital];
            AdmissionCandidate {
                order: position + 1,
                hospital,
                hospital_id: h.id.to_string(),
                hospital_name: h.name.clone(),
                phone_24h: h.phone_24h.to_string(),
                source,
                distance_km: (h.location.distance_km(p.home) * 10.0).round() / 10.0,
                reason,
            }
        })
        .collect()
}

/// A call as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttemptView {
    /// Attempt id.
    pub id: String,
    /// Hospital id.
    pub hospital_id: String,
    /// Hospital name.
    pub hospital_name: String,
    /// JST time, `YYYY-MM-DDTHH:MM`.
    pub at: String,
    /// Outcome code.
    pub outcome: AttemptOutcome,
    /// Reason given.
    pub reason: String,
}

/// A patient's admission: the open one from the data (or a new one), the calls made so
/// far, and whom to call next.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdmissionPlan {
    /// Patient id.
    pub patient_id: String,
    /// The open admission in the data, if any.
    pub admission_id: Option<String>,
    /// Severe case.
    pub severe: bool,
    /// Its discharge date, once decided.
    pub discharge_on: Option<NaiveDate>,
    /// Calls made, in order.
    pub attempts: Vec<AttemptView>,
    /// The accepting call, if any.
    pub accepted: Option<AttemptView>,
    /// Whom to call next, in order (empty once accepted).
    pub next: Vec<AdmissionCandidate>,
    /// Tasks of its discharge.
    pub tasks: Vec<TaskView>,
}

/// A discharge task as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskView {
    /// Task id.
    pub id: String,
    /// Kind code.
    pub kind: TaskKind,
    /// Kind label.
    pub label: &'static str,
    /// Due date.
    pub due_on: NaiveDate,
    /// Done date.
    pub done_on: Option<NaiveDate>,
    /// Note.
    pub note: String,
}

/// The admission order for `patient`: from their latest open admission (not discharged,
/// or discharged on or after `options.on`), with its severity unless `severe` overrides
/// it; or for a new admission (`severe` or not).
pub fn admission_plan(
    dataset: &Dataset,
    patient: Idx<Patient>,
    severe: Option<bool>,
    options: &RankOptions,
) -> AdmissionPlan {
    let open = open_admission(dataset, patient, options.on);
    let attempts = open.map(|a| attempts_of(dataset, a)).unwrap_or_default();
    let severe = severe.unwrap_or_else(|| open.is_some_and(|a| dataset.admissions[a].severe));
    let view = |a: &AdmissionAttempt| AttemptView {
        id: a.id.to_string(),
        hospital_id: dataset.hospitals[a.hospital].id.to_string(),
        hospital_name: dataset.hospitals[a.hospital].name.clone(),
        at: to_jst(a.at).format("%Y-%m-%dT%H:%M").to_string(),
        outcome: a.outcome,
        reason: a.reason.clone(),
    };
    let tasks = open
        .map(|a| {
            dataset
                .tasks_of_admission(a)
                .iter()
                .map(|&t| {
                    let t = &dataset.discharge_tasks[t];
                    TaskView {
                        id: t.id.to_string(),
                        kind: t.kind,
                        label: t.kind.label(),
                        due_on: t.due_on,
                        done_on: t.done_on,
                        note: t.note.clone(),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    AdmissionPlan {
        patient_id: dataset.patients[patient].id.to_string(),
        admission_id: open.map(|a| dataset.admissions[a].id.to_string()),
        severe,
        discharge_on: open.and_then(|a| dataset.admissions[a].discharge_on),
        attempts: attempts.iter().map(|a| view(a)).collect(),
        accepted: accepted(&attempts).map(view),
        next: next_hospitals(dataset, patient, severe, &attempts, options),
        tasks,
    }
}
