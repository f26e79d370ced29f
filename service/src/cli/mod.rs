//! The `renkei` subcommands.

pub(crate) mod check;
pub(crate) mod generate;
pub(crate) mod holidays;
mod text_table;

/// Output format of commands that print results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// Aligned text for people.
    Table,
    /// JSON for machines.
    Json,
}
