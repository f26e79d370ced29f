//! The `renkei` subcommands.

pub(crate) mod backup;
pub(crate) mod check;
pub(crate) mod consult;
pub(crate) mod cover;
pub(crate) mod generate;
pub(crate) mod holidays;
pub(crate) mod rota;
mod rotas;
pub(crate) mod serve;
pub(crate) mod text_table;

/// Output format of commands that print results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Aligned text for people.
    Table,
    /// JSON for machines.
    Json,
}

/// What a command prints on stdout, and its exit code.
pub(crate) struct Outcome {
    pub(crate) text: String,
    pub(crate) code: u8,
}

impl Outcome {
    /// Success with `text`.
    pub(crate) fn ok(text: String) -> Self {
        Self { text, code: 0 }
    }
}
