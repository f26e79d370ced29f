//! Errors of the registration workflow and the admission record. Messages are Japanese
//! with English alongside, so the command line, the service and the data-format check
//! can show them as they are.

use chrono::NaiveDate;

use crate::calendar::{Instant, to_jst};
use crate::domain::RegistrationStatus;

fn jst(instant: &Instant) -> String {
    to_jst(*instant).format("%Y-%m-%d %H:%M").to_string()
}

/// Why a registration step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistrationError {
    /// The patient has no backup-hospital consent (後方支援病院登録) in force.
    #[error(
        "患者 '{patient}' には後方支援病院登録の同意がありません: 同意なしに登録はできません (no backup-hospital consent in force for patient '{patient}': no consent, no registration)"
    )]
    NoConsent {
        /// Patient id.
        patient: String,
    },
    /// The consent does not name the hospital.
    #[error(
        "同意 '{consent}' は病院 '{hospital}' を名指ししていません (consent '{consent}' does not name hospital '{hospital}': no consent, no registration)"
    )]
    ConsentDoesNotName {
        /// Consent id.
        consent: String,
        /// Hospital id.
        hospital: String,
    },
    /// The consent is another patient's, or not for backup-hospital registration.
    #[error(
        "同意 '{consent}' はこの患者の後方支援病院登録の同意ではありません (consent '{consent}' is not this patient's backup-hospital consent)"
    )]
    WrongConsent {
        /// Consent id.
        consent: String,
    },
    /// The consent was withdrawn (or not yet given) on the date.
    #[error(
        "同意 '{consent}' は {on} に有効ではありません（撤回済みまたは同意日前） (consent '{consent}' is not in force on {on}: withdrawn or not yet given)"
    )]
    ConsentNotInForce {
        /// Consent id.
        consent: String,
        /// The date of the step.
        on: NaiveDate,
    },
    /// The consent was withdrawn already.
    #[error(
        "同意 '{consent}' は {withdrawn_on} に撤回済みです (consent '{consent}' was already withdrawn on {withdrawn_on})"
    )]
    AlreadyWithdrawn {
        /// Consent id.
        consent: String,
        /// When it was withdrawn.
        withdrawn_on: NaiveDate,
    },
    /// The formal registration asked at a hospital without 在宅療養後方支援病院 status.
    #[error(
        "病院 '{hospital}' は在宅療養後方支援病院ではないため正式登録できません (hospital '{hospital}' is not a 在宅療養後方支援病院, so it cannot hold the formal registration)"
    )]
    NotBackupSupport {
        /// Hospital id.
        hospital: String,
    },
    /// The patient already has an active formal registration.
    #[error(
        "患者 '{patient}' はすでに正式登録 '{existing}' があります: 正式登録は1人1か所です (patient '{patient}' already has the formal registration '{existing}'; one per patient)"
    )]
    SecondFormal {
        /// Patient id.
        patient: String,
        /// The active formal registration.
        existing: String,
    },
    /// The patient is already registered (requested or confirmed) with the hospital.
    #[error(
        "患者 '{patient}' は病院 '{hospital}' にすでに登録 '{existing}' があります (patient '{patient}' is already registered with hospital '{hospital}' as '{existing}')"
    )]
    AlreadyRegistered {
        /// Patient id.
        patient: String,
        /// Hospital id.
        hospital: String,
        /// The active registration.
        existing: String,
    },
    /// The rank is another active registration's.
    #[error(
        "患者 '{patient}' の登録順位 {rank} はすでに登録 '{existing}' (病院 '{hospital}') のものです (rank {rank} of patient '{patient}' is taken by registration '{existing}' at hospital '{hospital}'; one hospital per rank)"
    )]
    RankTaken {
        /// Patient id.
        patient: String,
        /// The rank asked for.
        rank: u8,
        /// The active registration holding it.
        existing: String,
        /// Its hospital id.
        hospital: String,
    },
    /// The rank is outside 1–[`crate::backup::MAX_RANK`].
    #[error("登録順位 {rank} は 1〜{max} の範囲外です (rank {rank} is not in 1–{max})", max = crate::backup::MAX_RANK)]
    RankOutOfRange {
        /// The rank asked for.
        rank: u8,
    },
    /// The step is not allowed from the registration's status.
    #[error("登録 '{registration}' は「{}」のため{action}できません (cannot {} registration '{registration}': it is {})", from.label(), action_en(action), from.code())]
    IllegalTransition {
        /// Registration id.
        registration: String,
        /// Its status.
        from: RegistrationStatus,
        /// The step, in Japanese (確定, 辞退, 情報共有の記録, 撤回).
        action: &'static str,
    },
    /// The step is dated before an earlier step of the same registration.
    #[error(
        "{on} は{earlier_what} ({earlier}) より前です (the date {on} is before the {} on {earlier})",
        what_en(earlier_what)
    )]
    DateBefore {
        /// The step's date.
        on: NaiveDate,
        /// The earlier step.
        earlier_what: &'static str,
        /// Its date.
        earlier: NaiveDate,
    },
    /// A decline needs a reason.
    #[error("辞退の理由を書いてください（例: 満床） (a decline needs a reason, e.g. 満床)")]
    MissingReason,
}

fn action_en(action: &str) -> &'static str {
    match action {
        "確定" => "confirm",
        "辞退" => "decline",
        "情報共有の記録" => "record an information exchange on",
        "撤回" => "withdraw",
        _ => "change",
    }
}

fn what_en(what: &str) -> &'static str {
    match what {
        "申請日" => "request",
        "確定日" => "confirmation",
        "同意日" => "consent",
        "前回の情報共有" => "last information exchange",
        _ => "earlier step",
    }
}

/// Why an admission step is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdmissionError {
    /// The attempt is timed before the admission was requested.
    #[error(
        "連絡の時刻 {} が入院依頼 {} より前です (the attempt is before the admission was requested)",
        jst(at),
        jst(requested_at)
    )]
    BeforeRequest {
        /// The attempt's time.
        at: Instant,
        /// The admission's request time.
        requested_at: Instant,
    },
    /// The attempt is timed before the previous one.
    #[error(
        "連絡の時刻 {} が前回の連絡 {} より前です: 連絡は時刻順に記録します (attempts are recorded in time order)",
        jst(at),
        jst(previous)
    )]
    OutOfOrder {
        /// The attempt's time.
        at: Instant,
        /// The previous attempt's time.
        previous: Instant,
    },
    /// A hospital has accepted the patient already.
    #[error(
        "すでに受け入れ先が決まっています ({}): これ以上の連絡は記録できません (already accepted at {}; no attempt after acceptance)",
        jst(accepted_at),
        jst(accepted_at)
    )]
    AfterAcceptance {
        /// When the patient was accepted.
        accepted_at: Instant,
    },
    /// The attempt is timed in the future.
    #[error(
        "連絡の時刻 {} は現在 {} より後です: 連絡は済んでから記録します (the attempt is timed in the future; record a call once made)",
        jst(at),
        jst(now)
    )]
    InFuture {
        /// The attempt's time.
        at: Instant,
        /// The time it was recorded.
        now: Instant,
    },
    /// The patient has an open admission already.
    #[error(
        "入院 '{admission}' ({} 依頼) が継続中です: 連絡はその入院に記録してください (admission '{admission}' is still open; add the calls to it)",
        jst(requested_at)
    )]
    AlreadyOpen {
        /// The open admission's id.
        admission: String,
        /// When it was requested.
        requested_at: Instant,
    },
    /// A declined attempt needs a reason.
    #[error("断りの理由を書いてください（例: 満床） (a declined attempt needs a reason, e.g. 満床)")]
    MissingReason,
    /// Discharge of a patient no hospital has accepted.
    #[error(
        "受け入れた病院がないため退院を記録できません (no hospital has accepted the patient, so there is no discharge)"
    )]
    NotAdmitted,
    /// Discharge dated before the admission.
    #[error("退院日 {on} が入院日 {admitted_on} より前です (discharge before admission)")]
    DischargeBeforeAdmission {
        /// The discharge date.
        on: NaiveDate,
        /// The date the patient was accepted (JST).
        admitted_on: NaiveDate,
    },
    /// The discharge is recorded already.
    #[error("退院日 {on} が記録済みです (the discharge on {on} is recorded already)")]
    AlreadyDischarged {
        /// The recorded date.
        on: NaiveDate,
    },
}
