//! Errors of the cover lookup and the audit.

use chrono::NaiveDate;

use crate::calendar::SlotKind;

/// Something a rota file or a question names that the data does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoverError {
    /// A patient id not in the data.
    #[error("unknown patient '{id}' (患者 '{id}' が見つかりません)")]
    UnknownPatient {
        /// The id.
        id: String,
    },
    /// A group id not in the data.
    #[error("unknown group '{id}' (グループ '{id}' が見つかりません)")]
    UnknownGroup {
        /// The id.
        id: String,
    },
    /// A doctor id not in the data.
    #[error("unknown doctor '{id}' (医師 '{id}' が見つかりません)")]
    UnknownDoctor {
        /// The id.
        id: String,
    },
    /// An absence id not in the data.
    #[error("unknown absence '{id}' (不在 '{id}' が見つかりません)")]
    UnknownAbsence {
        /// The id.
        id: String,
    },
    /// A rota names a slot the group's calendar does not have.
    #[error("group '{group}' has no {} slot on {date} ({date} に {} の当番枠はありません)", kind.code(), kind.label())]
    NoSuchSlot {
        /// The group.
        group: String,
        /// The date.
        date: NaiveDate,
        /// The slot kind.
        kind: SlotKind,
    },
}
