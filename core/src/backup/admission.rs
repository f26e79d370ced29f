//! Admission at an acute worsening (急性増悪時の入院調整): whom to call, in order; each call
//! recorded with its answer; and the tasks a discharge creates.
//!
//! The order: a severe case (重症) goes to the 急性期 hospitals of the patient's area and
//! its neighbours, nearest first. Otherwise the patient's active registrations in their
//! rank order; a patient with none gets the ranked list ([`super::rank`]) instead; and
//! after either, the three nearest 急性期 hospitals not yet listed, as the last resort.
//! Hospitals that declined during this admission are skipped, and once one accepts
//! there is no next.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use super::error::AdmissionError;
use super::rank::{RankOptions, rank};
use crate::calendar::{Instant, to_jst};
use crate::dataset::Dataset;
use crate::domain::{
    Admission, AdmissionAttempt, AttemptOutcome, DischargeTask, Hospital, Id, Idx, Patient, RegistrationStatus,
    TaskKind,
};
use crate::network::CareNetwork;

/// At most this many 急性期 hospitals follow a backup list (all of them for a severe case).
const ACUTE_FALLBACK: usize = 3;

/// A call to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttempt {
    /// Id of the new record.
    pub id: Id,
    /// The hospital called.
    pub hospital: Idx<Hospital>,
    /// When it answered.
    pub at: Instant,
    /// Its answer.
    pub outcome: AttemptOutcome,
    /// Why it declined (required then), e.g. 満床.
    pub reason: String,
}

/// Checks a call against its admission and the calls before it (in order): not before
/// the admission was requested, not before the previous call, none after an acceptance,
/// and a reason for every decline.
pub fn check_attempt(
    admission: &Admission,
    previous: &[&AdmissionAttempt],
    at: Instant,
    outcome: AttemptOutcome,
    reason: &str,
) -> Result<(), AdmissionError> {
    if at < admission.requested_at {
        return Err(AdmissionError::BeforeRequest { at, requested_at: admission.requested_at });
    }
    if let Some(accepted) = previous.iter().find(|a| a.outcome == AttemptOutcome::Accepted) {
        return Err(AdmissionError::AfterAcceptance { accepted_at: accepted.at });
    }
    if let Some(last) = previous.last()
        && at < last.at
    {
        return Err(AdmissionError::OutOfOrder { at, previous: last.at });
    }
    if outcome == AttemptOutcome::Declined && reason.trim().is_empty() {
        return Err(AdmissionError::MissingReason);
    }
    Ok(())
}

fn attempts_of(dataset: &Dataset, admission: Idx<Admission>) -> Vec<&AdmissionAttempt> {
    dataset.attempts_of_admission(admission).iter().map(|&a| &dataset.admission_attempts[a]).collect()
}

/// Records a call for an admission of the dataset, after the calls already recorded.
pub fn record_attempt(
    dataset: &Dataset,
    admission: Idx<Admission>,
    attempt: NewAttempt,
) -> Result<AdmissionAttempt, AdmissionError> {
    let previous = attempts_of(dataset, admission);
    check_attempt(&dataset.admissions[admission], &previous, attempt.at, attempt.outcome, &attempt.reason)?;
    Ok(AdmissionAttempt {
        id: attempt.id,
        admission,
        hospital: attempt.hospital,
        at: attempt.at,
        outcome: attempt.outcome,
        reason: attempt.reason.trim().to_owned(),
    })
}

/// The accepting call, if any.
fn accepted<'a>(attempts: &[&'a AdmissionAttempt]) -> Option<&'a AdmissionAttempt> {
    attempts.iter().copied().find(|a| a.outcome == AttemptOutcome::Accepted)
}

/// Checks a discharge on `on`: some hospital accepted the patient, on or before `on`.
pub fn check_discharge(
    _admission: &Admission,
    attempts: &[&AdmissionAttempt],
    on: NaiveDate,
) -> Result<(), AdmissionError> {
    let accepted = accepted(attempts).ok_or(AdmissionError::NotAdmitted)?;
    let admitted_on = to_jst(accepted.at).date_naive();
    if on < admitted_on {
        return Err(AdmissionError::DischargeBeforeAdmission { on, admitted_on });
    }
    Ok(())
}

/// What a discharge changes: the admission with its date, and the two tasks.
#[derive(Debug, Clone)]
pub struct Discharge {
    /// The admission with `discharge_on` set.
    pub admission: Admission,
    /// 主治医への退院連絡 and 退院前カンファレンス.
    pub tasks: Vec<DischargeTask>,
}

/// 退院: decides the discharge on `on`, creating the 主治医 notification (due on the
/// day) and the pre-discharge conference (the day before, or the admission day if that
/// is later). `task_ids` name the two tasks.
pub fn discharge(
    dataset: &Dataset,
    admission: Idx<Admission>,
    on: NaiveDate,
    task_ids: [Id; 2],
) -> Result<Discharge, AdmissionError> {
    let a = &dataset.admissions[admission];
    if let Some(recorded) = a.discharge_on {
        return Err(AdmissionError::AlreadyDischarged { on: recorded });
    }
    let attempts = attempts_of(dataset, admission);
    check_discharge(a, &attempts, on)?;
    let accepted = accepted(&attempts).expect("checked");
    let tasks = discharge_tasks(dataset, admission, accepted, on, task_ids);
    Ok(Discharge { admission: Admission { discharge_on: Some(on), ..a.clone() }, tasks })
}

/// The two tasks of a discharge on `on` from the hospital of `accepted`.
pub(crate) fn discharge_tasks(
    dataset: &Dataset,
    admission: Idx<Admission>,
    accepted: &AdmissionAttempt,
    on: NaiveDate,
    [notify_id, conference_id]: [Id; 2],
) -> Vec<DischargeTask> {
    let hospital = &dataset.hospitals[accepted.hospital];
    let admitted_on = to_jst(accepted.at).date_naive();
    let p = &dataset.patients[dataset.admissions[admission].patient];
    let doctor = &dataset.doctors[p.primary_doctor];
    let station = p.nurse_station.map(|s| dataset.nurse_stations[s].name.as_str());
    let notify = DischargeTask {
        id: notify_id,
        admission,
        kind: TaskKind::NotifyPrimaryDoctor,
        due_on: on,
        done_on: None,
        note: format!(
            "{}から主治医 {} ({}) へ退院日 {on} と退院時の情報を連絡",
            hospital.name,
            doctor.name,
            doctor.best_phone()
        ),
    };
    let conference = DischargeTask {
        id: conference_id,
        admission,
        kind: TaskKind::PreDischargeConference,
        due_on: (on - Duration::days(1)).max(admitted_on),
        done_on: None,
        note: format!(
            "{}・主治医 {}{} で退院前カンファレンス",
            hospital.name,
            doctor.name,
            station.map(|s| format!("・{s}")).unwrap_or_default()
        ),
    };
    vec![notify, conference]
}

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
            for entry in rank(dataset, patient, options).entries {
                let reason = format!("未登録・推奨順位 {}: {}", entry.position, entry.reason);
                list.push((entry.hospital, CandidateSource::Recommended { position: entry.position }, reason));
            }
        }
    }
    let network = CareNetwork::new(dataset);
    let area = dataset.area_of_patient(patient);
    let acute = network
        .acute_hospitals_near(dataset, area, p.home)
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
    let open = dataset
        .admissions_of_patient(patient)
        .iter()
        .rev()
        .copied()
        .find(|&a| dataset.admissions[a].discharge_on.is_none_or(|on| on >= options.on));
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
