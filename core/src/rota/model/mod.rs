//! The rota as a MIP (good_lp, solved by HiGHS): one model struct, one function per
//! rule family. good_lp types stay in this module and `super::highs`.
//!
//! Variables: `x[d, s, r]` (doctor d takes role r of slot s; only for members not
//! blocked), `y[a, d]` (doctor d covers absence a; only for candidates), and continuous
//! helpers for fairness bands, requests and shortfall slacks. The hard rules are
//! written as clique constraints (one duty per window of dates, overlapping slots), so
//! the LP relaxation stays tight; fairness uses free bands around each target with
//! convex piecewise costs beyond them, so the bound is strong (see ARCHITECTURE.md).

mod objective;
mod rules;

use good_lp::{Expression, ProblemVariables, Variable, constraint, variable};

use super::assignment::{Assignment, CoverAssignment, Rota};
use super::problem::RotaProblem;
use crate::domain::Role;

/// One assignment variable.
pub(super) struct XVar {
    pub(super) slot: usize,
    pub(super) role: Role,
    pub(super) doctor: usize,
    pub(super) var: Variable,
    pub(super) column: usize,
}

/// One cover variable.
pub(super) struct YVar {
    pub(super) demand: usize,
    pub(super) doctor: usize,
    pub(super) unmet: u32,
    pub(super) var: Variable,
    pub(super) column: usize,
}

/// What the shortfall slacks stand for, to read them back.
pub(super) struct Slack {
    pub(super) var: Variable,
}

/// The model under construction.
pub(crate) struct RotaModel<'p> {
    pub(super) problem: &'p RotaProblem,
    vars: ProblemVariables,
    columns: usize,
    pub(super) x: Vec<XVar>,
    pub(super) x_by_slot: Vec<Vec<usize>>,
    pub(super) x_by_doctor: Vec<Vec<usize>>,
    pub(super) y: Vec<YVar>,
    pub(super) y_by_demand: Vec<Vec<usize>>,
    pub(super) slacks: Vec<Slack>,
    pub(super) constraints: Vec<good_lp::Constraint>,
    /// Whether coverage may fall short (with slack variables) or is required.
    pub(super) allow_shortfall: bool,
}

impl<'p> RotaModel<'p> {
    /// The variables of `problem` and every hard rule. With `allow_shortfall`, coverage
    /// constraints get slacks (summed by [`RotaModel::shortfall`]); without, they are hard.
    pub(crate) fn new(problem: &'p RotaProblem, allow_shortfall: bool) -> Self {
        let mut model = Self {
            problem,
            vars: ProblemVariables::new(),
            columns: 0,
            x: Vec::new(),
            x_by_slot: vec![Vec::new(); problem.slots.len()],
            x_by_doctor: vec![Vec::new(); problem.doctors.len()],
            y: Vec::new(),
            y_by_demand: vec![Vec::new(); problem.cover_demands.len()],
            slacks: Vec::new(),
            constraints: Vec::new(),
            allow_shortfall,
        };
        model.add_assignment_variables();
        model.add_cover_variables();
        model.add_demand();
        model.add_one_role_per_slot();
        model.add_one_duty_per_window();
        model.add_no_overlap();
        model.add_no_consecutive_nights();
        model.add_monthly_caps();
        model.add_capability_on_duty();
        model.add_sixteen_km();
        model.add_absence_cover();
        model
    }

    /// A new variable with its column number (HiGHS numbers columns in creation order).
    pub(super) fn new_var(&mut self, definition: good_lp::VariableDefinition) -> (Variable, usize) {
        let column = self.columns;
        self.columns += 1;
        (self.vars.add(definition), column)
    }

    fn add_assignment_variables(&mut self) {
        let problem = self.problem;
        for (slot_index, slot) in problem.slots.iter().enumerate() {
            let members = &problem.groups[slot.group].members;
            for role in Role::ALL.iter().copied() {
                if slot.demand.get(role) == 0 {
                    continue;
                }
                for &doctor in members {
                    if slot.blocked_reason(doctor).is_some() {
                        continue;
                    }
                    let (var, column) = self.new_var(variable().binary());
                    let index = self.x.len();
                    self.x.push(XVar { slot: slot_index, role, doctor, var, column });
                    self.x_by_slot[slot_index].push(index);
                    self.x_by_doctor[doctor].push(index);
                }
            }
        }
    }

    fn add_cover_variables(&mut self) {
        let problem = self.problem;
        for (demand_index, demand) in problem.cover_demands.iter().enumerate() {
            for candidate in &demand.candidates {
                let (var, column) = self.new_var(variable().binary());
                let index = self.y.len();
                self.y.push(YVar {
                    demand: demand_index,
                    doctor: candidate.doctor,
                    unmet: candidate.unmet,
                    var,
                    column,
                });
                self.y_by_demand[demand_index].push(index);
            }
        }
    }

    /// A shortfall slack in `[0, max]` when shortfalls are allowed; `None` otherwise.
    pub(super) fn slack(&mut self, max: f64) -> Option<Variable> {
        if !self.allow_shortfall {
            return None;
        }
        let (var, _) = self.new_var(variable().integer().min(0).max(max));
        self.slacks.push(Slack { var });
        Some(var)
    }

    /// Units of coverage left unmet: the first objective level.
    pub(crate) fn shortfall(&self) -> Expression {
        self.slacks.iter().map(|slack| slack.var).sum()
    }

    /// Sum of a doctor's assignment variables in `slot` (any role).
    pub(super) fn on_duty(&self, slot: usize, doctor: usize) -> Expression {
        self.x_by_slot[slot].iter().filter(|&&i| self.x[i].doctor == doctor).map(|&i| self.x[i].var).sum()
    }

    /// Number of changed assignments relative to `reference` (for repair): each
    /// assignment of the reference dropped, and each new one, counts one.
    pub(crate) fn changes_from(&self, reference: &Rota) -> (Expression, f64) {
        let mut expression = Expression::from(0.0);
        let mut constant = 0.0;
        for x in &self.x {
            let was = reference
                .assignments
                .binary_search(&Assignment { slot: x.slot, role: x.role, doctor: x.doctor })
                .is_ok();
            if was {
                constant += 1.0;
                expression.add_mul(-1.0, x.var);
            } else {
                expression.add_mul(1.0, x.var);
            }
        }
        // Reference assignments with no variable (now blocked) are changes whatever we do.
        for assignment in &reference.assignments {
            let has_var = self.x_by_slot.get(assignment.slot).is_some_and(|xs| {
                xs.iter().any(|&i| self.x[i].doctor == assignment.doctor && self.x[i].role == assignment.role)
            });
            if !has_var {
                constant += 1.0;
            }
        }
        (expression, constant)
    }

    /// Fixes assignments of slots starting before `from` to the reference rota's.
    pub(crate) fn fix_before(&mut self, reference: &Rota, from: crate::calendar::Instant) {
        let fixed: Vec<(Variable, f64)> = self
            .x
            .iter()
            .filter(|x| self.problem.slots[x.slot].start < from)
            .map(|x| {
                let kept = reference
                    .assignments
                    .binary_search(&Assignment { slot: x.slot, role: x.role, doctor: x.doctor })
                    .is_ok();
                (x.var, if kept { 1.0 } else { 0.0 })
            })
            .collect();
        for (var, value) in fixed {
            self.constraints.push(constraint!(var == value));
        }
    }

    /// A MIP start on the integer variables from `rota`.
    pub(crate) fn start_from(&self, rota: &Rota) -> Vec<(usize, f64)> {
        let mut start: Vec<(usize, f64)> = self
            .x
            .iter()
            .map(|x| {
                let on = rota
                    .assignments
                    .binary_search(&Assignment { slot: x.slot, role: x.role, doctor: x.doctor })
                    .is_ok();
                (x.column, if on { 1.0 } else { 0.0 })
            })
            .collect();
        start.extend(self.y.iter().map(|y| {
            let on = rota.covers.binary_search(&CoverAssignment { demand: y.demand, doctor: y.doctor }).is_ok();
            (y.column, if on { 1.0 } else { 0.0 })
        }));
        start
    }

    /// The HiGHS problem minimising `objective`, with every constraint plus `extra`.
    pub(crate) fn into_highs(
        self,
        objective: Expression,
        extra: Vec<good_lp::Constraint>,
    ) -> good_lp::solvers::highs::HighsProblem {
        use good_lp::SolverModel;
        let mut highs_problem = self.vars.minimise(objective).using(good_lp::highs);
        for constraint in self.constraints.into_iter().chain(extra) {
            highs_problem.add_constraint(constraint);
        }
        highs_problem
    }

    /// Number of binary assignment and cover variables.
    pub(crate) fn n_binaries(&self) -> usize {
        self.x.len() + self.y.len()
    }
}
