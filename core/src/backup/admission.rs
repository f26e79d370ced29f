//! The record of an admission at an acute worsening (急性増悪時の入院): each call to a
//! hospital with its answer, checked in order, and the tasks a discharge creates.

use chrono::{Duration, NaiveDate};

use super::error::AdmissionError;
use crate::calendar::{Instant, jst_date, to_jst};
use crate::dataset::Dataset;
use crate::domain::{Admission, AdmissionAttempt, AttemptOutcome, DischargeTask, Hospital, Id, Idx, Patient, TaskKind};

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

/// How far ahead of the clock a call may be timed: a clock a little fast, or a time
/// typed to the minute, is not a call in the future.
pub const ATTEMPT_CLOCK_SLACK: Duration = Duration::minutes(5);

/// The patient's open admission on `on`: one not discharged, or discharged on or after
/// `on` (the patient is still in hospital, or leaves that day). A search no hospital
/// accepted lapses after [`SEARCH_LAPSES_AFTER_DAYS`] days without a call (the patient
/// stayed home, or the episode ended), so a later worsening starts a new admission and
/// its calls start afresh. A patient has at most one; the latest is returned if the
/// data holds more.
pub fn open_admission(dataset: &Dataset, patient: Idx<Patient>, on: NaiveDate) -> Option<Idx<Admission>> {
    dataset.admissions_of_patient(patient).iter().rev().copied().find(|&a| {
        let admission = &dataset.admissions[a];
        if let Some(discharge) = admission.discharge_on {
            return discharge >= on;
        }
        let attempts = attempts_of(dataset, a);
        if accepted(&attempts).is_some() {
            return true;
        }
        let last = attempts
            .iter()
            .map(|attempt| attempt.at)
            .max()
            .unwrap_or(admission.requested_at)
            .max(admission.requested_at);
        (on - jst_date(last)).num_days() <= SEARCH_LAPSES_AFTER_DAYS
    })
}

/// Days after its last call that a search for a hospital no hospital accepted stays
/// open: the day of the call and the next.
pub const SEARCH_LAPSES_AFTER_DAYS: i64 = 1;

/// Checks that `patient` may have a new admission on `on`: none is open (calls go to
/// the open one, so the admission plan keeps them).
pub fn check_new_admission(dataset: &Dataset, patient: Idx<Patient>, on: NaiveDate) -> Result<(), AdmissionError> {
    match open_admission(dataset, patient, on) {
        Some(open) => {
            let a = &dataset.admissions[open];
            Err(AdmissionError::AlreadyOpen { admission: a.id.to_string(), requested_at: a.requested_at })
        }
        None => Ok(()),
    }
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

pub(super) fn attempts_of(dataset: &Dataset, admission: Idx<Admission>) -> Vec<&AdmissionAttempt> {
    dataset.attempts_of_admission(admission).iter().map(|&a| &dataset.admission_attempts[a]).collect()
}

/// Records a call for an admission of the dataset, after the calls already recorded and
/// not after `now` (give or take [`ATTEMPT_CLOCK_SLACK`]): a call is recorded once made.
pub fn record_attempt(
    dataset: &Dataset,
    admission: Idx<Admission>,
    attempt: NewAttempt,
    now: Instant,
) -> Result<AdmissionAttempt, AdmissionError> {
    if attempt.at > now + ATTEMPT_CLOCK_SLACK {
        return Err(AdmissionError::InFuture { at: attempt.at, now });
    }
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
pub(super) fn accepted<'a>(attempts: &[&'a AdmissionAttempt]) -> Option<&'a AdmissionAttempt> {
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
