//! The rota engine: fair monthly on-call rotas (輪番表) for 主治医/グループ医 groups.
//!
//! [`build_problem`] compiles a [`RotaProblem`] from a dataset; [`solve`] finds the
//! rota with the least coverage shortfall and then the fairest one, proven optimal or
//! with its bound; [`validate`] checks any rota against the problem, independently of
//! the solver; [`explain`] says why coverage falls short.

mod assignment;
#[cfg(test)]
mod brute_force;
mod build;
mod components;
mod error;
mod explain;
mod highs;
mod improve;
mod model;
mod problem;
mod records;
mod repair;
mod solve;
mod targets;
#[cfg(test)]
mod testing;
mod validate;

pub use assignment::{Assignment, CoverAssignment, Rota};
pub use build::{ProblemSpec, build_problem};
pub use error::RotaError;
pub use explain::{Explanation, MemberReason, explain};
pub use highs::{Progress, ProgressSink};
pub use problem::{
    BlockReason, Blocked, CoverCandidate, CoverDemand, CoverExclusion, CoverSet, ObjectiveWeights, PROBLEM_FORMAT,
    ProblemDoctor, ProblemGroup, ProblemRequest, ProblemSlot, RotaProblem, holiday_band, points_band,
};
pub use records::{CoverRecord, DutyRecord, RotaRecords};
pub use repair::{Repair, repair};
pub use solve::{ProofStatus, Solution, SolveOptions, StageStats, solve};
pub use validate::{ObjectiveBreakdown, Penalty, Report, Shortfall, Tally, Violation, validate};
#[cfg(test)]
mod tests;
