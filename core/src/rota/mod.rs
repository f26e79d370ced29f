//! The rota engine: fair monthly on-call rotas (輪番表) for 主治医/グループ医 groups.
//!
//! [`build_problem`] compiles a [`RotaProblem`] from a dataset; [`validate`] checks any
//! rota against it, independently of the solver.

#[cfg(test)]
mod brute_force;
mod build;
mod error;
mod problem;
// `rota::rota` holds the `Rota` type itself; the name is the domain's.
#[allow(clippy::module_inception)]
mod rota;
mod targets;
#[cfg(test)]
mod testing;
mod validate;

pub use build::{ProblemSpec, build_problem};
pub use error::RotaError;
pub use problem::{
    BlockReason, Blocked, CoverCandidate, CoverDemand, CoverExclusion, CoverSet, ObjectiveWeights, PROBLEM_FORMAT,
    ProblemDoctor, ProblemGroup, ProblemRequest, ProblemSlot, RotaProblem, holiday_band, points_band,
};
pub use rota::{Assignment, CoverAssignment, Rota};
pub use validate::{ObjectiveBreakdown, Penalty, Report, Shortfall, Tally, Violation, validate};
#[cfg(test)]
mod tests;
