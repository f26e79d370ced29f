//! Backup hospitals (急性増悪時等の病院のバックアップ体制): the ranked list of backup
//! hospitals for a patient, the registration workflow with consent, hospital quotas, and
//! the admission at an acute worsening.
//!
//! - [`rank`]: a patient's backup hospitals in order, each with its reason in Japanese,
//!   the registration and consent at it, and the formal 在宅療養後方支援病院 mark (see
//!   [`score`] for the scoring).
//! - [`request`], [`confirm`], [`decline`], [`record_info_shared`], [`withdraw`],
//!   [`withdraw_consent`]: the registration steps, each a pure function from the
//!   current record to the new one; [`refresh_due`] and [`refreshes_due`] for the
//!   3-monthly information exchange of the formal registration.
//! - [`assign_quotas`]: an area's patients assigned under hospital quotas, optimally.
//! - [`next_hospitals`], [`check_new_admission`], [`record_attempt`], [`discharge`],
//!   [`admission_plan`]: whom to call at an admission (one open at a time per patient),
//!   each call's answer, and the tasks a discharge creates.
//!
//! ```
//! use renkei_core::backup::{RankOptions, rank};
//! use renkei_core::generate::{GeneratorConfig, generate};
//!
//! let dataset = generate(&GeneratorConfig::okayama());
//! let patient = dataset.patients.lookup("P000001").unwrap();
//! let on = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
//! let list = rank(&dataset, patient, &RankOptions::on(on));
//! assert_eq!(list.entries.len(), 3);
//! // P000001 was discharged from H004: it comes first, and says so.
//! assert_eq!(list.entries[0].hospital_id, "H004");
//! assert!(list.entries[0].reason.starts_with("退院元の病院"));
//! ```

mod admission;
mod error;
mod order;
mod quota;
mod rank;
pub mod score;
mod workflow;

#[cfg(test)]
mod tests;

pub(crate) use admission::discharge_tasks;
pub use admission::{
    ATTEMPT_CLOCK_SLACK, Discharge, NewAttempt, SEARCH_LAPSES_AFTER_DAYS, check_attempt, check_discharge,
    check_new_admission, discharge, open_admission, record_attempt,
};
pub use error::{AdmissionError, RegistrationError};
pub use order::{
    AdmissionCandidate, AdmissionPlan, AttemptView, CandidateSource, TaskView, admission_plan, next_hospitals,
};
pub use quota::{
    HospitalQuota, LostHospital, PatientQuota, QuotaAssignment, QuotaObjective, QuotaOptions, QuotaProof, assign_quotas,
};
pub use rank::{BackupEntry, BackupList, FormalMark, RankOptions, RegistrationView, rank};
pub use score::{Anchor, Score, TravelModel};
pub use workflow::{
    ConsentWithdrawal, FORMAL_REFRESH_MONTHS, MAX_RANK, RefreshDue, RegistrationRequest, confirm, consent_for, decline,
    record_info_shared, refresh_due, refreshes_due, request, withdraw, withdraw_consent,
};
