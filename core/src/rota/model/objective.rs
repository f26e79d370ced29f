//! The soft objective, term by term, exactly as the validator scores it: fairness bands
//! with convex costs beyond them, holiday-duty bands, requests, and unmet 顔合わせ.

use good_lp::{Expression, constraint, variable};

use super::RotaModel;
use crate::domain::RequestKind;
use crate::rota::problem::{ProblemDoctor, ProblemSlot, holiday_band, points_band};

/// An objective term: an expression and a constant (which HiGHS would drop).
pub(crate) struct Term {
    pub(crate) expression: Expression,
    pub(crate) constant: f64,
}

impl RotaModel<'_> {
    /// The soft objective: fairness + holiday and night fairness + requests + unmet patients.
    pub(crate) fn soft_objective(&mut self) -> Term {
        let mut expression = Expression::from(0.0);
        let mut constant = 0.0;
        let terms = [
            self.fairness_term(),
            self.count_term(|slot| slot.is_holiday_duty(), |d| d.holiday_target, self.problem.weights.holiday_fairness),
            self.count_term(|slot| slot.kind.is_night(), |d| d.night_target, self.problem.weights.night_fairness),
            self.requests_term(),
            self.unmet_patients_term(),
        ];
        for term in terms {
            expression += term.expression;
            constant += term.constant;
        }
        Term { expression, constant }
    }

    /// Each doctor's points `L` against the band `[target − h, target + h]`:
    /// `L − target = e + Σ over − Σ under`, `e ∈ [−h, h]` free, the over/under pieces
    /// priced by increasing segment costs (so they fill cheapest first).
    fn fairness_term(&mut self) -> Term {
        let problem = self.problem;
        let weights = problem.weights;
        let mut cost = Expression::from(0.0);
        for doctor in 0..problem.doctors.len() {
            let mut load = Expression::from(0.0);
            for &i in &self.x_by_doctor[doctor] {
                let x = &self.x[i];
                load.add_mul(problem.slots[x.slot].points_of(x.role), x.var);
            }
            for y in self.y.iter().filter(|y| y.doctor == doctor) {
                load.add_mul(problem.cover_demands[y.demand].points, y.var);
            }
            let target = problem.doctors[doctor].target;
            let (low, high) = points_band(target, weights.band_half_width);
            let (free, _) = self.new_var(variable().min(low - target).max(high - target));
            let mut deviation = Expression::from(free);
            let widths = [Some(weights.segment_width), Some(weights.segment_width), None];
            for (segment, width) in widths.into_iter().enumerate() {
                for sign in [1.0, -1.0] {
                    let definition = match width {
                        Some(width) => variable().min(0).max(width),
                        None => variable().min(0),
                    };
                    let (piece, _) = self.new_var(definition);
                    deviation.add_mul(sign, piece);
                    cost.add_mul(weights.fairness[segment], piece);
                }
            }
            self.constraints.push(constraint!(load - deviation == target));
        }
        Term { expression: cost, constant: 0.0 }
    }

    /// Each doctor's count of the duties `counted` (休日 duties, nights) against the
    /// integer band `[floor, ceil]` of their target: the first duty beyond costs
    /// `costs[0]`, each further one `costs[1]`.
    fn count_term(
        &mut self,
        counted: impl Fn(&ProblemSlot) -> bool,
        target_of: impl Fn(&ProblemDoctor) -> f64,
        costs: [f64; 2],
    ) -> Term {
        let problem = self.problem;
        let mut cost = Expression::from(0.0);
        for doctor in 0..problem.doctors.len() {
            let count: Expression = self.x_by_doctor[doctor]
                .iter()
                .filter(|&&i| counted(&problem.slots[self.x[i].slot]))
                .map(|&i| self.x[i].var)
                .sum();
            let target = target_of(&problem.doctors[doctor]);
            let (low, high) = holiday_band(target);
            let (free, _) = self.new_var(variable().min(low - target).max(high - target));
            let mut deviation = Expression::from(free);
            for (segment, width) in [Some(1.0), None].into_iter().enumerate() {
                for sign in [1.0, -1.0] {
                    let definition = match width {
                        Some(width) => variable().min(0).max(width),
                        None => variable().min(0),
                    };
                    let (piece, _) = self.new_var(definition);
                    deviation.add_mul(sign, piece);
                    cost.add_mul(costs[segment], piece);
                }
            }
            self.constraints.push(constraint!(count - deviation == target));
        }
        Term { expression: cost, constant: 0.0 }
    }

    /// Avoid: the weight for each requested slot taken. Want: the weight unless one of
    /// the requested slots is taken (`w − w·met`, `met ≤ Σ x`, `met ≤ 1`).
    fn requests_term(&mut self) -> Term {
        let problem = self.problem;
        let unit = problem.weights.request;
        let mut cost = Expression::from(0.0);
        let mut constant = 0.0;
        for request in &problem.requests {
            let weight = unit * f64::from(request.weight);
            let taken: Expression = request
                .slots
                .iter()
                .flat_map(|&slot| self.x_by_slot[slot].iter().copied())
                .filter(|&i| self.x[i].doctor == request.doctor)
                .map(|i| self.x[i].var)
                .sum();
            match request.kind {
                RequestKind::Avoid => cost.add_mul(weight, taken),
                RequestKind::Want => {
                    let (met, _) = self.new_var(variable().min(0).max(1));
                    self.constraints.push(constraint!(met <= taken));
                    constant += weight;
                    cost.add_mul(-weight, met);
                }
            }
        }
        Term { expression: cost, constant }
    }

    /// Patients of an absent doctor whom the covering doctor has not met.
    fn unmet_patients_term(&mut self) -> Term {
        let unit = self.problem.weights.unmet_patient;
        let mut cost = Expression::from(0.0);
        for y in &self.y {
            cost.add_mul(unit * f64::from(y.unmet), y.var);
        }
        Term { expression: cost, constant: 0.0 }
    }
}
