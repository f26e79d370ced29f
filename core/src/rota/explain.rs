//! Why coverage falls short: for each shortfall, the members who could have filled it
//! and what keeps each of them off — an absence, a recurring unavailability, or the
//! hard rule that adding them would break (found by asking the validator). Never just
//! "infeasible": the coordinator sees whom to ask.

use serde::Serialize;

use super::assignment::{Assignment, Rota};
use super::problem::{BlockReason, RotaProblem};
use super::validate::{Report, Shortfall, Violation, validate};
use crate::domain::Role;

/// What one shortfall lacks and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The shortfall.
    pub shortfall: Shortfall,
    /// One line in Japanese, e.g. `12/31(木) 休日夜間 [年末年始]: 副当番が1人足りません`.
    pub summary: String,
    /// The members who could fill it, each with what keeps them off.
    pub members: Vec<MemberReason>,
    /// Ids of absences among those reasons: whom to ask first.
    pub blocking_absences: Vec<String>,
}

/// One member and what keeps them off a slot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberReason {
    /// Doctor index.
    pub doctor: usize,
    /// Doctor name.
    pub name: String,
    /// Why, in Japanese.
    pub reason: String,
}

/// Explains every shortfall of `report` (the validator's report of `rota`).
pub fn explain(problem: &RotaProblem, rota: &Rota, report: &Report) -> Vec<Explanation> {
    report.shortfalls.iter().map(|shortfall| explain_one(problem, rota, report, shortfall)).collect()
}

fn explain_one(problem: &RotaProblem, rota: &Rota, report: &Report, shortfall: &Shortfall) -> Explanation {
    let (summary, candidates, slot, role): (String, Vec<usize>, Option<usize>, Option<Role>) = match *shortfall {
        Shortfall::Unfilled { slot, role, missing } => {
            let s = &problem.slots[slot];
            let members = problem.groups[s.group].members.clone();
            (format!("{}: {}が{missing}人足りません", s.label(), role.label()), members, Some(slot), Some(role))
        }
        Shortfall::NoCapableDoctor { slot } => {
            let s = &problem.slots[slot];
            let capable: Vec<usize> = problem.groups[s.group]
                .members
                .iter()
                .copied()
                .filter(|&d| problem.doctors[d].medical_care_child)
                .collect();
            let summary = if capable.is_empty() {
                format!("{}: 医療的ケア児に対応できる医師がグループにいません", s.label())
            } else {
                format!("{}: 医療的ケア児に対応できる医師が当番にいません", s.label())
            };
            (summary, capable, Some(slot), None)
        }
        Shortfall::NoNearbyDoctor { slot, cover_set } => {
            let s = &problem.slots[slot];
            let set = &problem.cover_sets[cover_set];
            let shown: Vec<&str> = set.patients.iter().take(3).map(String::as_str).collect();
            let more =
                if set.patients.len() > 3 { format!(" ほか{}人", set.patients.len() - 3) } else { String::new() };
            let summary =
                format!("{}: 患者 {}{more} の自宅から16km以内の医師が当番にいません", s.label(), shown.join(", "));
            (summary, set.doctors.clone(), Some(slot), None)
        }
        Shortfall::AbsenceUncovered { demand } => {
            let d = &problem.cover_demands[demand];
            let summary = format!(
                "不在 {} ({}) の患者{}人を代わりに診る医師がいません",
                d.absence, problem.doctors[d.doctor].name, d.patients
            );
            let members = d
                .excluded
                .iter()
                .map(|excluded| MemberReason {
                    doctor: excluded.doctor,
                    name: problem.doctors[excluded.doctor].name.clone(),
                    reason: excluded.reason.clone(),
                })
                .collect();
            return Explanation { shortfall: shortfall.clone(), summary, members, blocking_absences: Vec::new() };
        }
    };
    let slot = slot.expect("slot shortfalls have a slot");
    let mut blocking_absences = Vec::new();
    let members = candidates
        .into_iter()
        .map(|doctor| {
            let reason = match problem.slots[slot].blocked_reason(doctor) {
                Some(blocked) => {
                    if let BlockReason::Absence { id, .. } = blocked
                        && !blocking_absences.contains(id)
                    {
                        blocking_absences.push(id.clone());
                    }
                    blocked.describe()
                }
                None => why_not(problem, rota, report, slot, role, doctor),
            };
            MemberReason { doctor, name: problem.doctors[doctor].name.clone(), reason }
        })
        .collect();
    Explanation { shortfall: shortfall.clone(), summary, members, blocking_absences }
}

/// What adding `doctor` to `slot` would break, according to the validator.
fn why_not(
    problem: &RotaProblem,
    rota: &Rota,
    report: &Report,
    slot: usize,
    role: Option<Role>,
    doctor: usize,
) -> String {
    if rota.assignments.iter().any(|a| a.slot == slot && a.doctor == doctor) {
        return "この枠の当番です".to_owned();
    }
    let roles: Vec<Role> = match role {
        Some(role) => vec![role],
        None => Role::ALL.iter().copied().filter(|&r| problem.slots[slot].demand.get(r) > 0).collect(),
    };
    let mut reasons: Vec<String> = Vec::new();
    for role in roles {
        let mut trial = rota.clone();
        trial.assignments.push(Assignment { slot, role, doctor });
        trial = Rota::new(trial.assignments, trial.covers);
        let after = validate(problem, &trial);
        // A full role is only a reason when no rule stands in the way (a swap would then do).
        let new_violations: Vec<&Violation> =
            after.violations.iter().filter(|v| !report.violations.contains(v)).collect();
        let blocking: Vec<&&Violation> =
            new_violations.iter().filter(|v| !matches!(v, Violation::OverFilled { .. })).collect();
        let shown: Vec<&Violation> =
            if blocking.is_empty() { new_violations.clone() } else { blocking.into_iter().copied().collect() };
        for violation in shown {
            let text = describe(problem, violation, slot);
            if !reasons.contains(&text) {
                reasons.push(text);
            }
        }
    }
    if reasons.is_empty() {
        "規則上は入れますが、他の枠が不足します (could take it only by leaving another slot short)".to_owned()
    } else {
        reasons.join("; ")
    }
}

/// A violation the trial assignment caused, in Japanese, naming the other duty.
fn describe(problem: &RotaProblem, violation: &Violation, slot: usize) -> String {
    let other = |pair: &[usize; 2]| {
        let other = if pair[0] == slot { pair[1] } else { pair[0] };
        problem.slots[other].label()
    };
    match violation {
        Violation::Overlap { slots, .. } => format!("{} の当番と時間が重なります", other(slots)),
        Violation::ConsecutiveNights { slots, .. } => format!("{} の夜間当番と連続します", other(slots)),
        Violation::TooClose { slots, doctor } => {
            format!("{} の当番から {} 日空いていません", other(slots), problem.doctors[*doctor].min_days_between)
        }
        Violation::MaxDuties { count, max, .. } => format!("今月の当番が上限 {max} 回を超えます ({count} 回目)"),
        Violation::MaxHolidayDuties { count, max, .. } => {
            format!("今月の土日祝の当番が上限 {max} 回を超えます ({count} 回目)")
        }
        Violation::OverFilled { role, .. } => format!("{}は他の医師で埋まっています", role.label()),
        Violation::TwiceInSlot { .. } => "この枠の当番です".to_owned(),
        other => format!("{other:?}"),
    }
}
