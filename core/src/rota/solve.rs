//! Solving a rota problem: lexicographic stages on HiGHS, then the independent
//! validator's report of the result.
//!
//! Stage 1 (`coverage`) minimises the units of coverage left unmet. Stage 2
//! (`fairness`) minimises the soft objective with coverage held at stage 1's optimum
//! (as hard constraints when it is zero), warm-started from stage 1's rota. Repair
//! ([`super::repair`]) adds a stage between them that minimises changes.

use std::sync::atomic::AtomicBool;
use std::time::Instant as Clock;

use good_lp::constraint;
use serde::Serialize;

use super::assignment::Rota;
use super::error::RotaError;
use super::explain::{Explanation, explain};
use super::highs::{MipResult, MipRun, MipStatus, ProgressSink, solve_mip};
use super::model::RotaModel;
use super::problem::RotaProblem;
use super::validate::{Report, validate};

/// How to solve.
#[derive(Clone, Copy)]
pub struct SolveOptions<'a> {
    /// Wall-clock budget for all stages together, in seconds.
    pub time_limit: f64,
    /// Receives progress about twice a second.
    pub progress: Option<ProgressSink<'a>>,
    /// Set to stop the solve; the best rota so far is returned.
    pub cancel: Option<&'a AtomicBool>,
}

impl Default for SolveOptions<'_> {
    fn default() -> Self {
        Self { time_limit: 30.0, progress: None, cancel: None }
    }
}

impl std::fmt::Debug for SolveOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SolveOptions").field("time_limit", &self.time_limit).finish_non_exhaustive()
    }
}

/// A solved rota with its proof status, the validator's report and, when coverage
/// falls short, why.
#[derive(Debug, Clone, Serialize)]
pub struct Solution {
    /// The rota (best effort when coverage falls short).
    pub rota: Rota,
    /// Optimal, or the best found with its bound and gap.
    pub status: ProofStatus,
    /// The independent validator's report: tallies, objective by term, penalties.
    pub report: Report,
    /// One entry per shortfall: what is missing and what blocks each member.
    pub explanations: Vec<Explanation>,
    /// Each solver stage.
    pub stages: Vec<StageStats>,
}

impl Solution {
    /// Whether every slot, capability need, 16 km set and absence is covered.
    pub fn is_complete(&self) -> bool {
        self.report.shortfalls.is_empty()
    }
}

/// How sure the result is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ProofStatus {
    /// Proven optimal at every stage.
    Optimal,
    /// The best found when time ran out (or the solve was cancelled), with the proven
    /// bound of the last stage and the relative gap.
    BestFound {
        /// The stage that did not finish.
        stage: &'static str,
        /// Its objective.
        objective: f64,
        /// Its proven bound.
        bound: f64,
        /// Relative gap.
        gap: f64,
    },
}

/// One solver stage.
#[derive(Debug, Clone, Serialize)]
pub struct StageStats {
    /// `coverage`, `changes` or `fairness`.
    pub stage: &'static str,
    /// Proven optimal.
    pub optimal: bool,
    /// Objective reached.
    pub objective: f64,
    /// Proven bound.
    pub bound: f64,
    /// Seconds.
    pub seconds: f64,
    /// Branch-and-bound nodes.
    pub nodes: i64,
    /// Binary variables.
    pub binaries: usize,
}

impl StageStats {
    fn from(stage: &'static str, result: &MipResult, binaries: usize) -> Self {
        Self {
            stage,
            optimal: result.status == MipStatus::Optimal,
            objective: result.objective,
            bound: result.bound,
            seconds: result.seconds,
            nodes: result.nodes,
            binaries,
        }
    }
}

/// Relative gap between an objective and its bound (0 when equal).
pub(crate) fn relative_gap(objective: f64, bound: f64) -> f64 {
    if !bound.is_finite() {
        return 1.0;
    }
    let difference = (objective - bound).max(0.0);
    if difference <= 1e-9 { 0.0 } else { difference / objective.abs().max(1e-9) }
}

/// A running lexicographic solve: each stage's model is rebuilt with the earlier
/// stages' optima as constraints and warm-started from the best rota so far.
pub(crate) struct Stages<'p, 'o> {
    pub(crate) problem: &'p RotaProblem,
    pub(crate) options: &'o SolveOptions<'o>,
    started: Clock,
    pub(crate) stats: Vec<StageStats>,
    pub(crate) best: Option<Rota>,
    /// The first stage that stopped before proving optimality.
    pub(crate) unproven: Option<ProofStatus>,
    /// Coverage shortfall of the best rota, once stage 1 has run.
    pub(crate) shortfall: Option<f64>,
    /// For repair: the published rota and the instant before which it stands.
    pub(crate) reference: Option<(&'p Rota, crate::calendar::Instant)>,
    /// For repair: the fewest changes, once the changes stage has run.
    pub(crate) changes: Option<f64>,
}

impl<'p, 'o> Stages<'p, 'o> {
    pub(crate) fn new(problem: &'p RotaProblem, options: &'o SolveOptions<'o>) -> Self {
        Self {
            problem,
            options,
            started: Clock::now(),
            stats: Vec::new(),
            best: None,
            unproven: None,
            shortfall: None,
            reference: None,
            changes: None,
        }
    }

    fn remaining(&self) -> f64 {
        (self.options.time_limit - self.started.elapsed().as_secs_f64()).max(0.05)
    }

    /// A model with every earlier stage's optimum as a constraint: coverage hard when
    /// nothing fell short (or slack capped at the shortfall), changes capped at the
    /// fewest, and, for repair, the published rota fixed before its instant.
    pub(crate) fn model(&self) -> (RotaModel<'p>, Vec<good_lp::Constraint>) {
        let shortfall = self.shortfall;
        let allow_shortfall = shortfall.is_none_or(|units| units > 0.5);
        let mut model = RotaModel::new(self.problem, allow_shortfall);
        let mut extra = Vec::new();
        if let Some(units) = shortfall.filter(|&units| units > 0.5) {
            let total = model.shortfall();
            extra.push(constraint!(total <= units.round()));
        }
        if let Some((reference, from)) = self.reference {
            model.fix_before(reference, from);
            if let Some(changes) = self.changes {
                let (expression, constant) = model.changes_from(reference);
                extra.push(constraint!(expression + constant <= changes.round()));
            }
        }
        (model, extra)
    }

    /// Runs one stage; keeps its rota if it found one.
    pub(crate) fn run(
        &mut self,
        stage: &'static str,
        model: RotaModel<'p>,
        objective: good_lp::Expression,
        constant: f64,
        extra: Vec<good_lp::Constraint>,
    ) -> Result<Option<MipResult>, RotaError> {
        let start = self.best.as_ref().map(|rota| model.start_from(rota)).unwrap_or_default();
        let binaries = model.n_binaries();
        let reader = ModelReader::of(&model);
        let highs_problem = model.into_highs(objective, extra);
        let run = MipRun {
            stage,
            time_limit: self.remaining(),
            constant,
            start,
            progress: self.options.progress,
            cancel: self.options.cancel,
        };
        let result = solve_mip(highs_problem, &run)?;
        self.stats.push(StageStats::from(stage, &result, binaries));
        if result.status == MipStatus::Infeasible {
            return Err(RotaError::Solver(format!("stage {stage} is infeasible although earlier stages were not")));
        }
        if result.status != MipStatus::Optimal && self.unproven.is_none() {
            let objective = if result.values.is_some() { result.objective } else { f64::NAN };
            self.unproven = Some(ProofStatus::BestFound {
                stage,
                objective,
                bound: result.bound,
                gap: relative_gap(result.objective, result.bound),
            });
        }
        if let Some(values) = &result.values {
            self.best = Some(reader.rota(values));
        }
        Ok(Some(result))
    }

    /// Stage 1: least coverage shortfall.
    pub(crate) fn coverage(&mut self) -> Result<(), RotaError> {
        let (model, extra) = self.model();
        let objective = model.shortfall();
        let result = self.run("coverage", model, objective, 0.0, extra)?.expect("ran");
        if result.values.is_none() {
            return Err(if result.status == MipStatus::Cancelled {
                RotaError::Cancelled
            } else {
                RotaError::NoSolutionInTime { seconds: self.started.elapsed().as_secs_f64() }
            });
        }
        self.shortfall = Some(result.objective.round());
        Ok(())
    }

    /// Repair's middle stage: fewest changes to the published rota.
    pub(crate) fn fewest_changes(&mut self) -> Result<(), RotaError> {
        let Some((reference, _)) = self.reference else { return Ok(()) };
        if self.cancelled() {
            return Ok(());
        }
        let (model, extra) = self.model();
        let (expression, constant) = model.changes_from(reference);
        if let Some(result) = self.run("changes", model, expression, constant, extra)?
            && result.values.is_some()
        {
            self.changes = Some(result.objective.round());
        }
        Ok(())
    }

    /// The last stage: the soft objective.
    pub(crate) fn fairness(&mut self) -> Result<(), RotaError> {
        if self.cancelled() {
            return Ok(());
        }
        let (mut model, extra) = self.model();
        let term = model.soft_objective();
        self.run("fairness", model, term.expression, term.constant, extra)?;
        Ok(())
    }

    /// Improves the best rota by local search, so the fairness stage starts strong.
    pub(crate) fn polish(&mut self) {
        if let Some(rota) = &self.best {
            self.best = Some(super::improve::improve(self.problem, rota));
        }
    }

    pub(crate) fn cancelled(&self) -> bool {
        self.options.cancel.is_some_and(|flag| flag.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// The solution: the best rota, validated and explained.
    pub(crate) fn finish(self) -> Solution {
        let rota = self.best.expect("stage 1 found a rota");
        let report = validate(self.problem, &rota);
        let explanations = explain(self.problem, &rota, &report);
        Solution {
            rota,
            status: self.unproven.unwrap_or(ProofStatus::Optimal),
            report,
            explanations,
            stages: self.stats,
        }
    }
}

/// Reads rotas back from column values after the model is handed to HiGHS.
struct ModelReader {
    x: Vec<(usize, super::assignment::Assignment)>,
    y: Vec<(usize, super::assignment::CoverAssignment)>,
}

impl ModelReader {
    fn of(model: &RotaModel<'_>) -> Self {
        Self {
            x: model
                .x
                .iter()
                .map(|x| (x.column, super::assignment::Assignment { slot: x.slot, role: x.role, doctor: x.doctor }))
                .collect(),
            y: model
                .y
                .iter()
                .map(|y| (y.column, super::assignment::CoverAssignment { demand: y.demand, doctor: y.doctor }))
                .collect(),
        }
    }

    fn rota(&self, values: &[f64]) -> Rota {
        Rota::new(
            self.x.iter().filter(|(column, _)| values[*column] > 0.5).map(|(_, a)| *a).collect(),
            self.y.iter().filter(|(column, _)| values[*column] > 0.5).map(|(_, c)| *c).collect(),
        )
    }
}

/// Solves `problem`: the least coverage shortfall first, then the fairest rota with
/// that coverage. Independent components (groups sharing no doctor) are solved
/// separately, in parallel, within the same time limit. The same problem gives the same
/// rota when every stage is proven optimal within the time limit.
pub fn solve(problem: &RotaProblem, options: &SolveOptions<'_>) -> Result<Solution, RotaError> {
    let Some(mut parts) = super::components::split(problem) else {
        return solve_whole(problem, options);
    };
    parts.sort_by_key(|part| std::cmp::Reverse(part.size()));
    let deadline = Clock::now() + std::time::Duration::from_secs_f64(options.time_limit.max(0.0));
    let workers = std::thread::available_parallelism().map_or(1, usize::from).min(parts.len()).max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<Result<Solution, RotaError>>>> =
        parts.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(part) = parts.get(index) else { break };
                    let remaining = deadline.saturating_duration_since(Clock::now()).as_secs_f64();
                    let limit = part_time_limit(remaining, options.time_limit, parts.len(), index, workers);
                    let part_options = SolveOptions { time_limit: limit, ..*options };
                    let result = solve_whole(&part.problem, &part_options);
                    *results[index].lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(result);
                }
            });
        }
    });
    let mut assignments = Vec::new();
    let mut covers = Vec::new();
    let mut stats = Vec::new();
    let mut status = ProofStatus::Optimal;
    for (part, result) in parts.iter().zip(results) {
        let solution = result.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()).expect("every part ran")?;
        let (part_assignments, part_covers) = part.lift(&solution.rota);
        assignments.extend(part_assignments);
        covers.extend(part_covers);
        stats.extend(solution.stages);
        if status == ProofStatus::Optimal {
            status = solution.status;
        }
    }
    let rota = Rota::new(assignments, covers);
    let report = validate(problem, &rota);
    let explanations = explain(problem, &rota, &report);
    Ok(Solution { rota, status, report, explanations, stages: stats })
}

/// The share of the time left that part `index` of `parts` may take, `workers` of them
/// running at once: all of it but a reserve for the parts not started yet, so a large
/// part that cannot prove its optimum does not leave the ones after it too little time
/// to find any rota (on a busy machine that failed a whole city's solve). Half the
/// time limit is set aside this way, spread evenly over the parts; a part that needs
/// less leaves the rest to those after it.
fn part_time_limit(remaining: f64, time_limit: f64, parts: usize, index: usize, workers: usize) -> f64 {
    let reserve_each = 0.5 * time_limit.max(0.0) / parts.max(1) as f64;
    let after = parts.saturating_sub(index + 1);
    let reserved = reserve_each * after.div_ceil(workers.max(1)) as f64;
    (remaining - reserved).max(reserve_each.min(remaining)).max(0.05)
}

/// Solves `problem` as one model.
fn solve_whole(problem: &RotaProblem, options: &SolveOptions<'_>) -> Result<Solution, RotaError> {
    let mut stages = Stages::new(problem, options);
    stages.coverage()?;
    stages.polish();
    stages.fairness()?;
    Ok(stages.finish())
}

#[cfg(test)]
mod tests {
    use super::part_time_limit;

    /// Twelve parts on two workers with 5 s: the first part may take most of the time,
    /// and however long the parts before take, every later one keeps a share to find a
    /// rota in (the failure this guards against: parts started near the deadline got
    /// 0.05 s and the whole solve failed).
    #[test]
    fn every_part_keeps_a_share_of_the_time() {
        let (limit, parts, workers) = (5.0, 12, 2);
        let first = part_time_limit(limit, limit, parts, 0, workers);
        assert!((3.7..=3.8).contains(&first), "{first}");
        // The first two parts take all they may; each later part then starts with what
        // the reserve left, and finds at least its own share.
        let mut remaining = limit - first;
        for index in 2..parts {
            let share = part_time_limit(remaining, limit, parts, index, workers);
            assert!(share >= 0.2 && share <= remaining + 1e-9, "part {index}: {share} of {remaining}");
            remaining -= share / workers as f64;
        }
        // The last part may take all that is left; one part alone, all of the limit.
        assert_eq!(part_time_limit(1.5, limit, parts, parts - 1, workers), 1.5);
        assert_eq!(part_time_limit(limit, limit, 1, 0, 1), limit);
        // Past the deadline, a token time (the solver needs some).
        assert_eq!(part_time_limit(0.0, limit, parts, 5, workers), 0.05);
    }
}
