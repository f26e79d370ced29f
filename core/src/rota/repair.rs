//! Repair: after a sudden absence, the rota that covers the gap with as few changed
//! assignments as possible, leaving everything before a given instant as published.

use serde::Serialize;

use super::assignment::{Assignment, Rota};
use super::error::RotaError;
use super::problem::RotaProblem;
use super::solve::{Solution, SolveOptions, Stages};
use crate::calendar::Instant;

/// A repaired rota and what changed.
#[derive(Debug, Clone, Serialize)]
pub struct Repair {
    /// The repaired rota, validated and explained like any solution.
    pub solution: Solution,
    /// Assignments of the published rota that were dropped.
    pub removed: Vec<Assignment>,
    /// Assignments that are new.
    pub added: Vec<Assignment>,
}

impl Repair {
    /// Number of changed assignments (dropped plus new).
    pub fn changes(&self) -> usize {
        self.removed.len() + self.added.len()
    }
}

/// Repairs `published` for `problem` (built with the new absence): slots starting
/// before `from` stay as published; later ones change as little as possible. Stages:
/// least coverage shortfall, then fewest changes, then the fairest rota with both.
pub fn repair(
    problem: &RotaProblem,
    published: &Rota,
    from: Instant,
    options: &SolveOptions<'_>,
) -> Result<Repair, RotaError> {
    if let Some(bad) =
        published.assignments.iter().find(|a| a.slot >= problem.slots.len() || a.doctor >= problem.doctors.len())
    {
        return Err(RotaError::RotaMismatch { reason: format!("assignment {bad:?} is outside the problem") });
    }
    let mut stages = Stages::new(problem, options);
    stages.reference = Some((published, from));
    stages.coverage()?;
    stages.fewest_changes()?;
    stages.fairness()?;
    let solution = stages.finish();
    let (removed, added) = published.diff(&solution.rota);
    Ok(Repair { solution, removed, added })
}
