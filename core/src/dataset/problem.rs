//! Problems found in a data directory, each naming where and what.

use std::fmt;

/// One thing wrong with the data: where (file, line, record, field) and what, in
/// Japanese with English alongside.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// File name within the data directory.
    pub file: String,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// The record's id, when known.
    pub record: Option<String>,
    /// The column or key.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(record) = &self.record {
            write!(f, " [{record}]")?;
        }
        if let Some(field) = &self.field {
            write!(f, " {field}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The data could not be read: every problem found, in file and line order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid dataset: {} problem(s), first: {}", problems.len(), problems.first().map(ToString::to_string).unwrap_or_default())]
pub struct InvalidDataset {
    /// The problems.
    pub problems: Vec<Problem>,
}
