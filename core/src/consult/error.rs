//! Errors of consult routing, ranking and the consult lifecycle.

use crate::calendar::Instant;
use crate::domain::{ConsultMode, ConsultStatus};

/// Why a consult question or a change to a consult record was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConsultError {
    /// A patient id not in the data.
    #[error("unknown patient '{id}' (患者 '{id}' が見つかりません)")]
    UnknownPatient {
        /// The id.
        id: String,
    },
    /// A specialist id not in the data.
    #[error("unknown specialist '{id}' (協力医 '{id}' が見つかりません)")]
    UnknownSpecialist {
        /// The id.
        id: String,
    },
    /// A symptom the table does not route, even forgivingly.
    #[error("unknown symptom '{symptom}' (症状 '{symptom}' は症状表にありません{})", suggest(suggestions))]
    UnknownSymptom {
        /// As typed.
        symptom: String,
        /// The closest symptoms of the table, closest first (at most a few).
        suggestions: Vec<String>,
    },
    /// A specialty neither the symptom table nor any specialist has.
    #[error("unknown specialty '{specialty}' (専門科 '{specialty}' はありません{})", suggest(known))]
    UnknownSpecialty {
        /// As typed.
        specialty: String,
        /// Every specialty known, in table order.
        known: Vec<String>,
    },
    /// An empty symptom.
    #[error("the symptom is empty (症状を入力してください)")]
    EmptySymptom,
    /// A consult id that cannot be an id, or is taken.
    #[error("consult id '{id}': {reason} (相談IDが不正です)")]
    BadId {
        /// The id.
        id: String,
        /// Why.
        reason: String,
    },
    /// No 専門医相談 consent in force names the specialist.
    #[error(
        "patient '{patient}' has no consent in force to consult specialist '{specialist}' \
         (患者 '{patient}' の専門医相談の同意で協力医 '{specialist}' を名指しする有効なものがありません: \
         相談・往診の前に本人または家族の同意を得てください)"
    )]
    NoConsent {
        /// Patient id.
        patient: String,
        /// Specialist id.
        specialist: String,
    },
    /// The specialist does not offer the mode asked for.
    #[error("specialist '{specialist}' does not offer {} (協力医 '{specialist}' は{}に対応していません)", mode.code(), mode.label())]
    ModeNotOffered {
        /// Specialist id.
        specialist: String,
        /// The mode.
        mode: ConsultMode,
    },
    /// The specialist already has as many open consults as their capacity.
    #[error(
        "specialist '{specialist}' is full: {open} open consults, capacity {capacity} \
         (協力医 '{specialist}' は満員です: 対応中 {open} 件 / 上限 {capacity} 件)"
    )]
    SpecialistFull {
        /// Specialist id.
        specialist: String,
        /// Open consults.
        open: u32,
        /// Capacity.
        capacity: u32,
    },
    /// A change the consult's status does not allow.
    #[error(
        "consult '{id}' cannot be {} while {} (相談 '{id}' は「{}」の状態から「{}」にできません)",
        to.code(), from.code(), from.label(), to.label()
    )]
    IllegalTransition {
        /// Consult id.
        id: String,
        /// The current status.
        from: ConsultStatus,
        /// The status asked for.
        to: ConsultStatus,
    },
    /// 往診済 on a consult whose mode is not a home visit.
    #[error("consult '{id}' is {}, not a home visit (相談 '{id}' は{}のため往診済にできません)", mode.code(), mode.label())]
    NotHomeVisit {
        /// Consult id.
        id: String,
        /// Its mode.
        mode: ConsultMode,
    },
    /// 報告済 without a report.
    #[error("consult '{id}' needs the report text to be reported (相談 '{id}' の報告内容を入力してください)")]
    EmptyReport {
        /// Consult id.
        id: String,
    },
    /// A change dated before the record's last change.
    #[error(
        "consult '{id}': {} is before its last change at {} (相談 '{id}' の最終更新より前の日時です)",
        jst(*at), jst(*last)
    )]
    BeforeLastChange {
        /// Consult id.
        id: String,
        /// The instant of the change asked for.
        at: Instant,
        /// The record's last change.
        last: Instant,
    },
}

/// An instant as JST text.
fn jst(instant: Instant) -> String {
    crate::calendar::to_jst(instant).format("%Y-%m-%d %H:%M JST").to_string()
}

/// `; 候補: a, b` or nothing.
fn suggest(names: &[String]) -> String {
    if names.is_empty() { String::new() } else { format!("; 候補: {}", names.join(", ")) }
}
