//! The validator on a month of the demo city, with a greedy rota: the report must add up.

use super::*;
use crate::calendar::Month;
use crate::generate::{GeneratorConfig, generate};
use crate::rota::{ProblemSlot, ProblemSpec, build_problem};

/// For each slot and role, the first members not blocked and not already in the slot;
/// each absence covered by its first candidate.
fn greedy(problem: &RotaProblem) -> Rota {
    let mut assignments = Vec::new();
    for (slot_idx, slot) in problem.slots.iter().enumerate() {
        let mut taken: Vec<usize> = Vec::new();
        for &role in Role::ALL {
            let free: Vec<usize> = problem.groups[slot.group]
                .members
                .iter()
                .copied()
                .filter(|&doctor| slot.blocked_reason(doctor).is_none() && !taken.contains(&doctor))
                .take(usize::from(slot.demand.get(role)))
                .collect();
            for &doctor in &free {
                assignments.push(Assignment { slot: slot_idx, role, doctor });
            }
            taken.extend(free);
        }
    }
    let covers = (problem.cover_demands.iter().enumerate())
        .filter_map(|(demand, d)| d.candidates.first().map(|c| CoverAssignment { demand, doctor: c.doctor }))
        .collect();
    Rota::new(assignments, covers)
}

#[test]
fn a_greedy_rota_of_a_demo_month_gives_a_report_that_adds_up() {
    let dataset = generate(&GeneratorConfig::okayama());
    let spec = ProblemSpec::for_month(&dataset, &["G-NAKA-2"], "2026-12".parse::<Month>().unwrap()).unwrap();
    let problem = build_problem(&dataset, &spec).unwrap();
    let rota = greedy(&problem);
    let report = validate(&problem, &rota);

    // Greedy never picks a non-member, a blocked doctor, or one doctor twice.
    for violation in &report.violations {
        assert!(
            matches!(
                violation,
                Violation::Overlap { .. }
                    | Violation::ConsecutiveNights { .. }
                    | Violation::TooClose { .. }
                    | Violation::MaxDuties { .. }
                    | Violation::MaxHolidayDuties { .. }
            ),
            "{violation:?}"
        );
    }

    // Tallies add up to the rota.
    let tallies = &report.tallies;
    assert_eq!(tallies.len(), problem.doctors.len());
    let sum = |count: fn(&Tally) -> u32| tallies.iter().map(count).sum::<u32>() as usize;
    assert_eq!(sum(|t| t.duties), rota.assignments.len());
    assert!(tallies.iter().all(|t| t.duties == t.primary + t.secondary));
    assert_eq!(sum(|t| t.covers), rota.covers.len());
    let in_slots =
        |pick: fn(&ProblemSlot) -> bool| rota.assignments.iter().filter(|a| pick(&problem.slots[a.slot])).count();
    assert_eq!(sum(|t| t.nights), in_slots(|slot| slot.kind.is_night()));
    assert_eq!(sum(|t| t.holiday_duties), in_slots(ProblemSlot::is_holiday_duty));
    let points: f64 = rota.assignments.iter().map(|a| problem.slots[a.slot].points_of(a.role)).sum::<f64>()
        + rota.covers.iter().map(|c| problem.cover_demands[c.demand].points).sum::<f64>();
    assert!((tallies.iter().map(|t| t.points).sum::<f64>() - points).abs() < 1e-6);
    for (tally, doctor) in tallies.iter().zip(&problem.doctors) {
        assert_eq!(
            (tally.target, tally.holiday_target, tally.night_target),
            (doctor.target, doctor.holiday_target, doctor.night_target)
        );
        assert!((tally.new_balance - (doctor.carry_over + tally.points - doctor.base_target)).abs() <= 0.005);
    }

    // The total is the sum of the terms, each the sum of its penalties, in order.
    let objective = report.objective;
    let term = |name: &str| report.penalties.iter().filter(|p| p.term == name).map(|p| p.cost).sum::<f64>();
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
    assert!(close(objective.fairness, term("fairness")));
    assert!(close(objective.holiday_fairness, term("holiday_fairness")));
    assert!(close(objective.night_fairness, term("night_fairness")));
    assert!(close(objective.requests, term("requests")));
    assert!(close(objective.unmet_patients, term("unmet_patients")));
    assert!(close(
        objective.total,
        objective.fairness
            + objective.holiday_fairness
            + objective.night_fairness
            + objective.requests
            + objective.unmet_patients
    ));
    assert!(objective.fairness > 0.0, "a greedy rota is not fair");
    let order = ["fairness", "holiday_fairness", "night_fairness", "requests", "unmet_patients"];
    let keys: Vec<(usize, usize)> =
        report.penalties.iter().map(|p| (order.iter().position(|&t| t == p.term).unwrap(), p.doctor)).collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]));
    assert!(report.penalties.iter().all(|p| p.cost > 0.0 && p.reason.starts_with(&problem.doctors[p.doctor].name)));

    // Shortfall units, counted independently.
    let mut units = 0;
    for (slot_idx, slot) in problem.slots.iter().enumerate() {
        let on_duty: Vec<usize> = rota.assignments.iter().filter(|a| a.slot == slot_idx).map(|a| a.doctor).collect();
        for &role in Role::ALL {
            let filled = rota.on_duty(slot_idx, role).count();
            units += usize::from(slot.demand.get(role)).saturating_sub(filled);
        }
        if slot.needs_medical_care_child && !on_duty.iter().any(|&d| problem.doctors[d].medical_care_child) {
            units += 1;
        }
        units += slot
            .cover_sets
            .iter()
            .filter(|&&set| !problem.cover_sets[set].doctors.iter().any(|d| on_duty.contains(d)))
            .count();
    }
    units += (0..problem.cover_demands.len()).filter(|&demand| !rota.covers.iter().any(|c| c.demand == demand)).count();
    assert_eq!(report.shortfall_units() as usize, units);
}
