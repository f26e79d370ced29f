//! The soft objective, one function per term, and the per-doctor tallies it reads.
//!
//! Each term is returned as its nonzero [`Penalty`]s, ordered by doctor; the term's value
//! is the sum of their costs.

use super::{Duties, Penalty, Tally};
use crate::domain::{RequestKind, Role};
use crate::rota::problem::{RotaProblem, holiday_band, points_band};

/// Deviations smaller than this are float noise, not a penalty.
const NOISE: f64 = 1e-9;

/// Every doctor's load, in problem order.
pub(super) fn tallies(problem: &RotaProblem, duties: &Duties) -> Vec<Tally> {
    let mut tallies: Vec<Tally> = problem
        .doctors
        .iter()
        .enumerate()
        .map(|(doctor, d)| Tally {
            doctor,
            duties: 0,
            primary: 0,
            secondary: 0,
            nights: 0,
            holiday_duties: 0,
            covers: 0,
            points: 0.0,
            target: d.target,
            base_target: d.base_target,
            carry_over: d.carry_over,
            holiday_target: d.holiday_target,
            night_target: d.night_target,
            new_balance: 0.0,
        })
        .collect();
    for assignment in &duties.assignments {
        let slot = &problem.slots[assignment.slot];
        let tally = &mut tallies[assignment.doctor];
        tally.duties += 1;
        match assignment.role {
            Role::Primary => tally.primary += 1,
            Role::Secondary => tally.secondary += 1,
        }
        tally.nights += u32::from(slot.kind.is_night());
        tally.holiday_duties += u32::from(slot.is_holiday_duty());
        tally.points += slot.points_of(assignment.role);
    }
    for cover in &duties.covers {
        let tally = &mut tallies[cover.doctor];
        tally.covers += 1;
        tally.points += problem.cover_demands[cover.demand].points;
    }
    for tally in &mut tallies {
        tally.new_balance = round2(tally.carry_over + tally.points - tally.base_target);
    }
    tallies
}

/// Points beyond the band around each doctor's target, above or below, at
/// [`crate::rota::ObjectiveWeights::fairness_cost`].
pub(super) fn fairness_term(problem: &RotaProblem, tallies: &[Tally]) -> Vec<Penalty> {
    let weights = &problem.weights;
    let mut penalties = Vec::new();
    for tally in tallies {
        let (low, high) = points_band(tally.target, weights.band_half_width);
        let (over, under) = (excess(tally.points - high), excess(low - tally.points));
        let cost = weights.fairness_cost(over + under);
        if cost > 0.0 {
            let (amount, side) = if over > 0.0 { (over, "超過") } else { (under, "不足") };
            penalties.push(Penalty {
                term: "fairness",
                doctor: tally.doctor,
                cost,
                reason: format!(
                    "{}: {}点 (目標 {}点, 許容 {}〜{}) → {}点{side}",
                    problem.doctors[tally.doctor].name,
                    number(tally.points),
                    number(tally.target),
                    number(low),
                    number(high),
                    number(amount),
                ),
            });
        }
    }
    penalties
}

/// Holiday duties (休日日中・休日夜間) outside the integer band around each doctor's
/// holiday target, at [`crate::rota::ObjectiveWeights::holiday_cost`].
pub(super) fn holiday_term(problem: &RotaProblem, tallies: &[Tally]) -> Vec<Penalty> {
    let mut penalties = Vec::new();
    for tally in tallies {
        let (low, high) = holiday_band(tally.holiday_target);
        let count = f64::from(tally.holiday_duties);
        let (over, under) = (excess(count - high), excess(low - count));
        let cost = problem.weights.holiday_cost(over + under);
        if cost > 0.0 {
            let (amount, side) = if over > 0.0 { (over, "超過") } else { (under, "不足") };
            penalties.push(Penalty {
                term: "holiday_fairness",
                doctor: tally.doctor,
                cost,
                reason: format!(
                    "{}: 休日当番 {}回 (目標 {}回, 許容 {low}〜{high}) → {amount}回{side}",
                    problem.doctors[tally.doctor].name,
                    tally.holiday_duties,
                    number(tally.holiday_target),
                ),
            });
        }
    }
    penalties
}

/// Night duties (平日夜間・休日夜間, both roles) outside the integer band around each
/// doctor's night target, at [`crate::rota::ObjectiveWeights::night_cost`].
pub(super) fn night_term(problem: &RotaProblem, tallies: &[Tally]) -> Vec<Penalty> {
    let mut penalties = Vec::new();
    for tally in tallies {
        let (low, high) = holiday_band(tally.night_target);
        let count = f64::from(tally.nights);
        let (over, under) = (excess(count - high), excess(low - count));
        let cost = problem.weights.night_cost(over + under);
        if cost > 0.0 {
            let (amount, side) = if over > 0.0 { (over, "超過") } else { (under, "不足") };
            penalties.push(Penalty {
                term: "night_fairness",
                doctor: tally.doctor,
                cost,
                reason: format!(
                    "{}: 夜間当番 {}回 (目標 {}回, 許容 {low}〜{high}) → {amount}回{side}",
                    problem.doctors[tally.doctor].name,
                    tally.nights,
                    number(tally.night_target),
                ),
            });
        }
    }
    penalties
}

/// Requests: each slot of an avoid request the doctor takes (any role) costs its
/// weight; a want request none of whose slots the doctor takes costs its weight once.
pub(super) fn requests_term(problem: &RotaProblem, duties: &Duties) -> Vec<Penalty> {
    let mut penalties = Vec::new();
    for request in &problem.requests {
        let name = &problem.doctors[request.doctor].name;
        let weight = problem.weights.request * f64::from(request.weight);
        let taken = request.slots.iter().filter(|&&slot| duties.is_on_duty(slot, request.doctor)).count();
        let (cost, reason) = match request.kind {
            RequestKind::Avoid if taken > 0 => {
                let times = if taken > 1 { format!("{taken}枠") } else { String::new() };
                (
                    weight * taken as f64,
                    format!("{name}: 回避希望 {} (重み{}) に{times}割当", request.label, request.weight),
                )
            }
            RequestKind::Want if taken == 0 => {
                (weight, format!("{name}: 希望 {} (重み{}) が叶わず", request.label, request.weight))
            }
            _ => continue,
        };
        if cost > 0.0 {
            penalties.push(Penalty { term: "requests", doctor: request.doctor, cost, reason });
        }
    }
    penalties.sort_by_key(|penalty| penalty.doctor);
    penalties
}

/// Each cover costs the absent doctor's patients the covering doctor has not met (顔合わせ).
/// A cover by a non-candidate costs nothing here: it is a violation already.
pub(super) fn unmet_patients_term(problem: &RotaProblem, duties: &Duties) -> Vec<Penalty> {
    let mut penalties = Vec::new();
    for cover in &duties.covers {
        let demand = &problem.cover_demands[cover.demand];
        let unmet = demand.candidates.iter().find(|c| c.doctor == cover.doctor).map_or(0, |c| c.unmet);
        let cost = problem.weights.unmet_patient * f64::from(unmet);
        if cost > 0.0 {
            penalties.push(Penalty {
                term: "unmet_patients",
                doctor: cover.doctor,
                cost,
                reason: format!(
                    "{}: 不在 {} ({}) の患者 {}人中 {unmet}人と顔合わせなし",
                    problem.doctors[cover.doctor].name,
                    demand.absence,
                    problem.doctors[demand.doctor].name,
                    demand.patients,
                ),
            });
        }
    }
    penalties.sort_by_key(|penalty| penalty.doctor);
    penalties
}

/// A deviation, with float noise and the wrong side counted as none.
fn excess(deviation: f64) -> f64 {
    if deviation > NOISE { deviation } else { 0.0 }
}

/// A number with two decimals, less a trailing zero: `10.0`, `12.5`, `9.75`.
fn number(value: f64) -> String {
    let text = format!("{value:.2}");
    match text.strip_suffix('0') {
        Some(shorter) if !shorter.ends_with('.') => shorter.to_owned(),
        _ => text,
    }
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
