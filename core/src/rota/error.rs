//! Errors of the rota engine.

/// What went wrong building or solving a rota. An infeasible month is not an error: it
/// gives a best-effort rota with the uncovered slots explained.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RotaError {
    /// A group id that is not in the dataset.
    #[error("unknown group '{id}' (グループ '{id}' が見つかりません)")]
    UnknownGroup {
        /// The id.
        id: String,
    },
    /// No group was given.
    #[error("no group given (グループを指定してください)")]
    NoGroups,
    /// A group was given twice.
    #[error("group '{id}' given twice (グループ '{id}' が重複しています)")]
    DuplicateGroup {
        /// The id.
        id: String,
    },
    /// The rota does not fit the problem (unknown doctor, slot, role).
    #[error("rota does not match the problem: {reason} (当番表が問題と一致しません)")]
    RotaMismatch {
        /// What does not match.
        reason: String,
    },
    /// The solver stopped (time limit, cancel) before finding any rota.
    #[error("no rota found within the time limit ({seconds:.1} s) (時間内に当番表が見つかりませんでした)")]
    NoSolutionInTime {
        /// Seconds spent.
        seconds: f64,
    },
    /// The solve was cancelled before any rota was found.
    #[error("cancelled (中止されました)")]
    Cancelled,
    /// The solver failed unexpectedly.
    #[error("solver failure: {0} (ソルバーの内部エラー)")]
    Solver(String),
}
