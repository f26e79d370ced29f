//! Running a MIP on HiGHS with what good_lp does not expose: the proven bound and gap,
//! progress reports, cancellation, and a MIP start on the integer variables only.
//!
//! This is the one module with `unsafe` code: the HiGHS C callback and sparse-solution
//! calls through highs-sys. The callback state outlives the solve (it is dropped after
//! `try_solve` returns), panics never cross the C boundary (they are caught and turn
//! into an interrupt), and bindgen's layout assertions in highs-sys stop the build if
//! HiGHS's callback structs change.
#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant as Clock;

use good_lp::solvers::highs::HighsProblem;
use highs::{HighsModelStatus, HighsSolutionStatus};

use super::error::RotaError;

/// A snapshot of a running solve, for progress displays.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Progress {
    /// Which stage: `coverage`, `changes` or `fairness`.
    pub stage: &'static str,
    /// Seconds since the stage started.
    pub seconds: f64,
    /// Objective of the best rota so far, if any.
    pub incumbent: Option<f64>,
    /// Proven bound: no rota can do better.
    pub bound: f64,
    /// Relative gap between the two (0 when proven optimal).
    pub gap: f64,
}

/// Receives progress reports (about twice a second).
pub type ProgressSink<'a> = &'a (dyn Fn(&Progress) + Sync);

/// How one MIP run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MipStatus {
    /// Proven optimal (within a 1e-6 relative gap).
    Optimal,
    /// Stopped at the time limit.
    TimeLimit,
    /// Stopped by the cancel flag.
    Cancelled,
    /// No solution exists.
    Infeasible,
}

/// The outcome of one MIP run.
#[derive(Debug, Clone)]
pub(crate) struct MipResult {
    pub(crate) status: MipStatus,
    /// Column values in variable-creation order, if a solution was found.
    pub(crate) values: Option<Vec<f64>>,
    /// Objective of the solution (including `constant`).
    pub(crate) objective: f64,
    /// Proven bound (including `constant`).
    pub(crate) bound: f64,
    pub(crate) nodes: i64,
    pub(crate) seconds: f64,
}

/// What one run may do.
pub(crate) struct MipRun<'a> {
    pub(crate) stage: &'static str,
    pub(crate) time_limit: f64,
    /// Constant term of the objective, which HiGHS drops.
    pub(crate) constant: f64,
    /// A MIP start: (column, value) of integer variables; HiGHS completes the rest.
    pub(crate) start: Vec<(usize, f64)>,
    pub(crate) progress: Option<ProgressSink<'a>>,
    pub(crate) cancel: Option<&'a AtomicBool>,
}

struct CallbackState<'a> {
    stage: &'static str,
    constant: f64,
    progress: Option<ProgressSink<'a>>,
    cancel: Option<&'a AtomicBool>,
    last_report: Mutex<f64>,
}

unsafe extern "C" fn callback(
    kind: c_int,
    _message: *const c_char,
    out: *const highs_sys::HighsCallbackDataOut,
    input: *mut highs_sys::HighsCallbackDataIn,
    user: *mut c_void,
) {
    if user.is_null() || out.is_null() {
        return;
    }
    // SAFETY: `user` is the `CallbackState` registered in `solve_mip`, alive until
    // `try_solve` returns; `out` is valid for the duration of the call.
    let (state, out) = unsafe { (&*(user as *const CallbackState<'_>), &*out) };
    let stop = catch_unwind(AssertUnwindSafe(|| {
        if kind == highs_sys::kHighsCallbackMipInterrupt || kind == highs_sys::kHighsCallbackMipImprovingSolution {
            report(state, out, kind == highs_sys::kHighsCallbackMipImprovingSolution);
        }
        state.cancel.is_some_and(|flag| flag.load(Ordering::Relaxed))
    }))
    .unwrap_or(true);
    if stop && kind == highs_sys::kHighsCallbackMipInterrupt && !input.is_null() {
        // SAFETY: HiGHS passes a valid input struct to the interrupt callback.
        unsafe { (*input).user_interrupt = 1 };
    }
}

fn report(state: &CallbackState<'_>, out: &highs_sys::HighsCallbackDataOut, improved: bool) {
    let Some(sink) = state.progress else { return };
    let mut last = state.last_report.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if !improved && out.running_time - *last < 0.5 {
        return;
    }
    *last = out.running_time;
    let incumbent = out.mip_primal_bound.is_finite().then_some(out.mip_primal_bound + state.constant);
    sink(&Progress {
        stage: state.stage,
        seconds: out.running_time,
        incumbent,
        bound: out.mip_dual_bound + state.constant,
        gap: if out.mip_gap.is_finite() { out.mip_gap } else { 1.0 },
    });
}

/// Solves `problem` (a minimisation) on HiGHS, single-threaded with a fixed seed so
/// that an unhurried solve is reproducible.
pub(crate) fn solve_mip(problem: HighsProblem, run: &MipRun<'_>) -> Result<MipResult, RotaError> {
    let started = Clock::now();
    let solver_error = |what: &str| RotaError::Solver(what.to_owned());
    let mut model = problem.try_into_inner().map_err(|error| RotaError::Solver(error.to_string()))?;
    let options: [(&str, f64); 3] =
        [("time_limit", run.time_limit.max(0.01)), ("mip_rel_gap", 1e-6), ("mip_abs_gap", 1e-6)];
    for (name, value) in options {
        model.try_set_option(name, value).map_err(|_| solver_error(name))?;
    }
    model.try_set_option("threads", 1).map_err(|_| solver_error("threads"))?;
    model.try_set_option("random_seed", 0).map_err(|_| solver_error("random_seed"))?;
    model.try_set_option("output_flag", false).map_err(|_| solver_error("output_flag"))?;

    let state = Box::new(CallbackState {
        stage: run.stage,
        constant: run.constant,
        progress: run.progress,
        cancel: run.cancel,
        last_report: Mutex::new(0.0),
    });
    let indices: Vec<highs_sys::HighsInt> =
        run.start.iter().map(|&(column, _)| highs_sys::HighsInt::try_from(column).unwrap_or(0)).collect();
    let values: Vec<f64> = run.start.iter().map(|&(_, value)| value).collect();
    // SAFETY: the model pointer is valid; the state box outlives the solve (dropped
    // below, after `try_solve`); index and value slices are as long as `num_entries`.
    unsafe {
        let highs = model.as_mut_ptr();
        highs_sys::Highs_setCallback(highs, Some(callback), &*state as *const CallbackState<'_> as *mut c_void);
        highs_sys::Highs_startCallback(highs, highs_sys::kHighsCallbackMipInterrupt);
        highs_sys::Highs_startCallback(highs, highs_sys::kHighsCallbackMipImprovingSolution);
        if !indices.is_empty() {
            let count = highs_sys::HighsInt::try_from(indices.len()).unwrap_or(0);
            highs_sys::Highs_setSparseSolution(highs, count, indices.as_ptr(), values.as_ptr());
        }
    }
    let columns = model.num_cols();
    let solved = model.try_solve().map_err(|status| RotaError::Solver(format!("{status:?}")))?;
    let empty = solved.status() == HighsModelStatus::ModelEmpty;
    let feasible = empty || solved.primal_solution_status() == HighsSolutionStatus::Feasible;
    let cancelled = run.cancel.is_some_and(|flag| flag.load(Ordering::Relaxed));
    let status = match solved.status() {
        HighsModelStatus::Optimal | HighsModelStatus::ModelEmpty => MipStatus::Optimal,
        HighsModelStatus::Infeasible => MipStatus::Infeasible,
        // A cancel reports ReachedInterrupt (older HiGHS builds report Unknown).
        HighsModelStatus::ReachedInterrupt
        | HighsModelStatus::ReachedTimeLimit
        | HighsModelStatus::ReachedIterationLimit
        | HighsModelStatus::ReachedSolutionLimit
        | HighsModelStatus::ObjectiveBound
        | HighsModelStatus::ObjectiveTarget
        | HighsModelStatus::Unknown => {
            if cancelled {
                MipStatus::Cancelled
            } else {
                MipStatus::TimeLimit
            }
        }
        other => return Err(RotaError::Solver(format!("unexpected HiGHS status {other:?}"))),
    };
    let objective = if empty { 0.0 } else { solved.objective_value() } + run.constant;
    let bound = match solved.double_info_value(c"mip_dual_bound") {
        _ if empty => objective,
        Ok(value) if value.is_finite() => value + run.constant,
        _ if status == MipStatus::Optimal => objective,
        _ => f64::NEG_INFINITY,
    };
    let nodes = solved.int_info_value(c"mip_node_count").unwrap_or(0);
    let values = feasible.then(|| if empty { vec![0.0; columns] } else { solved.get_solution().columns().to_vec() });
    drop(solved);
    drop(state);
    Ok(MipResult { status, values, objective, bound, nodes, seconds: started.elapsed().as_secs_f64() })
}
