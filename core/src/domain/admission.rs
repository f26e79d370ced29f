//! Admissions at an acute worsening (急性増悪時の入院): the request, each hospital called
//! in order with its answer, and the tasks a discharge creates.

use chrono::NaiveDate;

use super::facilities::Hospital;
use super::ids::{Id, Idx};
use super::patient::Patient;
use crate::calendar::Instant;

/// 入院調整: a patient who must be admitted, from the decision to admit to discharge.
#[derive(Debug, Clone)]
pub struct Admission {
    /// Id.
    pub id: Id,
    /// The patient.
    pub patient: Idx<Patient>,
    /// 重症: a severe case, which goes to the area's 急性期 hospitals rather than the
    /// patient's backup list.
    pub severe: bool,
    /// When the 主治医 or group doctor decided the patient must be admitted.
    pub requested_at: Instant,
    /// 退院日: the discharge date, once decided (planned or actual).
    pub discharge_on: Option<NaiveDate>,
    /// Free note (clinical summary, the family's wishes).
    pub note: String,
}

crate::labels::labelled_enum! {
    /// What a hospital answered when asked to admit.
    pub enum AttemptOutcome ("受入結果") {
        /// 受入: accepted.
        Accepted = "accepted", "受入" | "受入可";
        /// 断り: declined (the reason says why, e.g. 満床).
        Declined = "declined", "断り" | "受入不可";
    }
}

/// One call to a hospital during an admission, in the order made.
#[derive(Debug, Clone)]
pub struct AdmissionAttempt {
    /// Id.
    pub id: Id,
    /// The admission.
    pub admission: Idx<Admission>,
    /// The hospital called.
    pub hospital: Idx<Hospital>,
    /// When it answered.
    pub at: Instant,
    /// Accepted or declined.
    pub outcome: AttemptOutcome,
    /// Why it declined (満床, 専門外, 対応医師不在, …); empty when accepted.
    pub reason: String,
}

impl AdmissionAttempt {
    /// 満床: the reason hospitals give most.
    pub const FULL: &'static str = "満床";
}

crate::labels::labelled_enum! {
    /// What a discharge asks of the hospital and the home-care side.
    pub enum TaskKind ("退院時の業務") {
        /// 主治医への退院連絡: the hospital tells the 主治医 the discharge date and summary.
        NotifyPrimaryDoctor = "notify_primary_doctor", "主治医への退院連絡";
        /// 退院前カンファレンス: the hospital, the 主治医 and the visiting nurse meet before
        /// discharge.
        PreDischargeConference = "pre_discharge_conference", "退院前カンファレンス";
    }
}

/// A task a discharge creates.
#[derive(Debug, Clone)]
pub struct DischargeTask {
    /// Id.
    pub id: Id,
    /// The admission.
    pub admission: Idx<Admission>,
    /// What to do.
    pub kind: TaskKind,
    /// By when.
    pub due_on: NaiveDate,
    /// When done, if done.
    pub done_on: Option<NaiveDate>,
    /// Free note.
    pub note: String,
}
