//! The rota engine: fair monthly on-call rotas (輪番表) for 主治医/グループ医 groups.
//!
//! [`build_problem`] compiles a [`RotaProblem`] from a dataset; [`validate`] checks any
//! rota against it, independently of the solver.

mod build;
mod error;
mod problem;
mod rota;
mod targets;
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
