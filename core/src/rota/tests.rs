//! The rota engine end to end: problems from the demo city, the solver against brute
//! force on tiny problems, one test per rule family, infeasible months explained, repair.

use proptest::prelude::*;

use super::brute_force::{brute_force_best, tiny_problem};
use super::testing::{add_cover_demand, add_cover_set, add_request, block, set_rules, tiny};
use super::*;
use crate::calendar::{Month, SlotKind};
use crate::domain::{RequestKind, Role, RotaRules};
use crate::generate::{GeneratorConfig, generate};

fn okayama() -> crate::dataset::Dataset {
    generate(&GeneratorConfig::okayama())
}

#[test]
fn a_demo_group_month_compiles_with_targets_that_add_up() {
    let dataset = okayama();
    let december: Month = "2026-12".parse().unwrap();
    let spec = ProblemSpec::for_month(&dataset, &["G-NAKA-1"], december).unwrap();
    let problem = build_problem(&dataset, &spec).unwrap();
    assert_eq!(problem.groups.len(), 1);
    assert_eq!(problem.doctors.len(), problem.groups[0].members.len());
    // 31 days: every date has a night; closed days also a day slot; Saturdays an afternoon.
    let nights = problem.slots.iter().filter(|s| s.kind.is_night()).count();
    assert_eq!(nights, 31);
    assert!(problem.slots.windows(2).all(|w| w[0].start <= w[1].start));
    let work: f64 = problem
        .slots
        .iter()
        .map(|s| f64::from(s.demand.primary) * s.points[0] + f64::from(s.demand.secondary) * s.points[1])
        .sum::<f64>()
        + problem.cover_demands.iter().map(|d| d.points).sum::<f64>();
    let targets: f64 = problem.doctors.iter().map(|d| d.target).sum();
    let bases: f64 = problem.doctors.iter().map(|d| d.base_target).sum();
    assert!((targets - work).abs() < 0.1 * problem.doctors.len() as f64, "targets {targets} vs work {work}");
    assert!((bases - work).abs() < 0.1 * problem.doctors.len() as f64);
    // 年末年始 slots weigh double.
    let year_end_night = problem.slots.iter().find(|s| s.year_end && s.kind == SlotKind::HolidayNight).unwrap();
    assert_eq!(year_end_night.points, [3.0, 1.5]);
    let json = serde_json::to_string(&problem).unwrap();
    let back: RotaProblem = serde_json::from_str(&json).unwrap();
    assert_eq!(back, problem);
}

#[test]
fn unknown_or_repeated_groups_are_refused() {
    let dataset = okayama();
    let december: Month = "2026-12".parse().unwrap();
    assert_eq!(
        ProblemSpec::for_month(&dataset, &["G-NOPE"], december).unwrap_err(),
        RotaError::UnknownGroup { id: "G-NOPE".into() }
    );
    let naka = dataset.groups.lookup("G-NAKA-1").unwrap();
    let spec = ProblemSpec { groups: vec![naka, naka], days: december.days() };
    assert!(matches!(build_problem(&dataset, &spec), Err(RotaError::DuplicateGroup { .. })));
}

fn solve_tiny(problem: &RotaProblem) -> Solution {
    solve(problem, &SolveOptions::default()).expect("solves")
}

fn no_rules() -> RotaRules {
    RotaRules {
        max_duties_per_month: None,
        max_holiday_duties_per_month: None,
        no_consecutive_nights: false,
        min_days_between: 0,
        sixteen_km: false,
        medical_care_child: false,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// The MIP and exhaustive search agree on the lexicographic optimum (shortfall, then
    /// soft objective) of random tiny problems, and the MIP's rota breaks no rule.
    #[test]
    fn the_solver_matches_brute_force(mut problem in tiny_problem(), nights in any::<bool>()) {
        if nights {
            problem.weights.night_fairness = [5.0, 15.0];
        }
        let (shortfall, objective, _) = brute_force_best(&problem);
        let solution = solve_tiny(&problem);
        prop_assert!(solution.report.violations.is_empty(), "{:?}", solution.report.violations);
        prop_assert_eq!(solution.report.shortfall_units(), shortfall);
        prop_assert!((solution.report.objective.total - objective).abs() < 1e-6,
            "solver {} vs brute force {}", solution.report.objective.total, objective);
        prop_assert_eq!(solution.status, ProofStatus::Optimal);
    }
}

#[test]
fn the_same_problem_gives_the_same_rota() {
    let dataset = okayama();
    let spec = ProblemSpec::for_month(&dataset, &["G-NAKA-2"], "2026-12".parse().unwrap()).unwrap();
    let problem = build_problem(&dataset, &spec).unwrap();
    let first = solve(&problem, &SolveOptions::default()).unwrap();
    let second = solve(&problem, &SolveOptions::default()).unwrap();
    assert_eq!(first.rota, second.rota);
    assert_eq!(first.status, ProofStatus::Optimal);
    assert!(first.is_complete());
    assert!(first.report.violations.is_empty());
}

#[test]
fn a_cancelled_solve_is_cancelled_not_a_solver_failure() {
    let dataset = okayama();
    let spec = ProblemSpec::for_month(&dataset, &["G-NAKA-2"], "2026-12".parse().unwrap()).unwrap();
    let problem = build_problem(&dataset, &spec).unwrap();
    let cancel = std::sync::atomic::AtomicBool::new(true);
    match solve(&problem, &SolveOptions { cancel: Some(&cancel), ..SolveOptions::default() }) {
        // HiGHS may finish a stage before it first looks at the flag.
        Ok(solution) => assert!(solution.report.violations.is_empty()),
        Err(error) => assert!(matches!(error, RotaError::Cancelled), "{error}"),
    }
}

#[test]
fn every_demo_group_december_rota_is_complete_valid_and_optimal() {
    let dataset = okayama();
    let ids: Vec<String> = dataset.groups.iter().map(|g| g.id.to_string()).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let spec = ProblemSpec::for_month(&dataset, &ids, "2026-12".parse().unwrap()).unwrap();
    let problem = build_problem(&dataset, &spec).unwrap();
    let solution = solve(&problem, &SolveOptions { time_limit: 120.0, ..SolveOptions::default() }).unwrap();
    assert!(solution.report.violations.is_empty(), "{:?}", solution.report.violations);
    assert!(solution.is_complete(), "{:#?}", solution.explanations);
    assert_eq!(solution.status, ProofStatus::Optimal);
    // Solving the city at once equals solving each component (groups linked by shared
    // doctors) on its own.
    let component =
        problem.components().into_iter().find(|c| c.iter().any(|&g| problem.groups[g].id == "G-NAKA-1")).unwrap();
    let component_ids: Vec<&str> = component.iter().map(|&g| problem.groups[g].id.as_str()).collect();
    let alone_spec = ProblemSpec::for_month(&dataset, &component_ids, "2026-12".parse().unwrap()).unwrap();
    let alone_problem = build_problem(&dataset, &alone_spec).unwrap();
    let alone = solve(&alone_problem, &SolveOptions::default()).unwrap();
    let in_city = RotaRecords::of(&problem, &solution.rota);
    let component_duties: Vec<_> =
        in_city.duties.iter().filter(|d| component_ids.contains(&d.group.as_str())).cloned().collect();
    assert_eq!(component_duties, RotaRecords::of(&alone_problem, &alone.rota).duties);
}

/// One slot a day for `days` days, needing one 当番.
fn nights(n_doctors: usize, days: i64) -> RotaProblem {
    let slots: Vec<(i64, SlotKind)> = (0..days).map(|day| (day, SlotKind::WeekdayNight)).collect();
    tiny(n_doctors, &slots)
}

fn duties_of(solution: &Solution, doctor: usize) -> Vec<usize> {
    solution.rota.assignments.iter().filter(|a| a.doctor == doctor).map(|a| a.slot).collect()
}

#[test]
fn demand_is_filled_and_blocked_doctors_stay_off() {
    let mut problem = nights(2, 3);
    block(&mut problem, 1, 0);
    let solution = solve_tiny(&problem);
    assert!(solution.is_complete());
    assert!(!duties_of(&solution, 0).contains(&1));
    assert_eq!(solution.rota.assignments.len(), 3);
}

#[test]
fn no_consecutive_nights_and_day_windows() {
    // One doctor, two consecutive nights: with the rule, one stays short.
    let mut problem = nights(1, 2);
    set_rules(&mut problem, RotaRules { no_consecutive_nights: true, ..no_rules() });
    let solution = solve_tiny(&problem);
    assert_eq!(solution.report.shortfall_units(), 1);
    // A day window of 3: one doctor covers nights 0 and 3 but not 1 and 2.
    let mut problem = nights(1, 4);
    set_rules(&mut problem, RotaRules { min_days_between: 3, ..no_rules() });
    let solution = solve_tiny(&problem);
    assert_eq!(duties_of(&solution, 0), [0, 3]);
}

#[test]
fn overlapping_slots_never_share_a_doctor() {
    // A holiday day 08:30–18:00 and an afternoon 12:00–18:00 on the same date overlap.
    let mut problem = tiny(1, &[(0, SlotKind::HolidayDay), (0, SlotKind::HalfDayAfternoon)]);
    set_rules(&mut problem, no_rules());
    let solution = solve_tiny(&problem);
    assert_eq!(solution.report.shortfall_units(), 1);
}

#[test]
fn monthly_caps_hold() {
    let mut problem = nights(2, 4);
    set_rules(&mut problem, RotaRules { max_duties_per_month: Some(1), ..no_rules() });
    let solution = solve_tiny(&problem);
    assert_eq!(solution.report.shortfall_units(), 2, "two doctors, one duty each, four nights");
    let mut problem = tiny(2, &[(5, SlotKind::HolidayDay), (6, SlotKind::HolidayDay), (7, SlotKind::WeekdayNight)]);
    set_rules(&mut problem, RotaRules { max_holiday_duties_per_month: Some(1), ..no_rules() });
    let solution = solve_tiny(&problem);
    assert!(solution.is_complete());
    assert!(solution.report.violations.is_empty());
}

#[test]
fn a_capable_doctor_and_a_nearby_doctor_are_on_duty() {
    let mut problem = nights(3, 2);
    problem.doctors[2].medical_care_child = true;
    for slot in &mut problem.slots {
        slot.needs_medical_care_child = true;
    }
    let solution = solve_tiny(&problem);
    assert_eq!(duties_of(&solution, 2), [0, 1]);
    let mut problem = nights(3, 2);
    add_cover_set(&mut problem, vec![1]);
    let solution = solve_tiny(&problem);
    assert_eq!(duties_of(&solution, 1), [0, 1]);
}

#[test]
fn roles_are_filled_separately() {
    let mut problem = nights(3, 1);
    problem.slots[0].demand.secondary = 1;
    let solution = solve_tiny(&problem);
    let roles: Vec<Role> = solution.rota.assignments.iter().map(|a| a.role).collect();
    assert_eq!(roles, [Role::Primary, Role::Secondary]);
    assert_ne!(solution.rota.assignments[0].doctor, solution.rota.assignments[1].doctor);
}

#[test]
fn fairness_spreads_points_toward_targets() {
    let mut problem = nights(2, 4);
    problem.doctors[0].target = 3.0;
    problem.doctors[1].target = 1.0;
    let solution = solve_tiny(&problem);
    assert_eq!((duties_of(&solution, 0).len(), duties_of(&solution, 1).len()), (3, 1));
    assert_eq!(solution.report.objective.total, 0.0);
}

#[test]
fn requests_are_honoured_when_they_can_be() {
    let mut problem = nights(2, 2);
    problem.doctors[0].target = 1.0;
    problem.doctors[1].target = 1.0;
    add_request(&mut problem, 0, RequestKind::Avoid, 3, vec![0]);
    add_request(&mut problem, 1, RequestKind::Want, 2, vec![0]);
    let solution = solve_tiny(&problem);
    assert_eq!(duties_of(&solution, 0), [1]);
    assert_eq!(duties_of(&solution, 1), [0]);
    assert_eq!(solution.report.objective.requests, 0.0);
}

#[test]
fn absences_are_covered_by_a_doctor_who_knows_the_patients() {
    let mut problem = nights(3, 1);
    add_cover_demand(&mut problem, 0, 5, &[(1, 4), (2, 0)], 1.0);
    let solution = solve_tiny(&problem);
    assert_eq!(solution.rota.covers, [CoverAssignment { demand: 0, doctor: 2 }]);
}

#[test]
fn an_infeasible_month_names_its_blocking_absences() {
    let dataset = okayama();
    let december: crate::calendar::Month = "2026-12".parse().unwrap();
    let mut dataset = dataset;
    let naka = dataset.groups.lookup("G-NAKA-2").unwrap();
    let members: Vec<String> =
        dataset.groups[naka].members.iter().map(|&d| dataset.doctors[d].id.to_string()).collect();
    // Everyone but one member is away on the evening of 12/24: the night needs two.
    let start = crate::calendar::parse_instant("2026-12-24T12:00").unwrap();
    let end = crate::calendar::parse_instant("2026-12-25T12:00").unwrap();
    for (number, member) in members.iter().skip(1).enumerate() {
        dataset.add_absence(&format!("XMAS-{number}"), member, start, end, "忘年会").unwrap();
    }
    let spec = ProblemSpec::for_month(&dataset, &["G-NAKA-2"], december).unwrap();
    let problem = build_problem(&dataset, &spec).unwrap();
    let solution = solve(&problem, &SolveOptions::default()).unwrap();
    assert!(!solution.is_complete());
    assert!(solution.report.violations.is_empty());
    let night = solution
        .explanations
        .iter()
        .find(|e| matches!(e.shortfall, Shortfall::Unfilled { .. }) && e.summary.starts_with("12/24"))
        .expect("the night of 12/24 is explained");
    assert!(night.summary.contains("平日夜間"), "{}", night.summary);
    assert_eq!(night.blocking_absences.len(), members.len() - 1);
    assert!(night.members.iter().filter(|m| m.reason.contains("忘年会")).count() >= members.len() - 1);
    // The best-effort rota still fills everything else.
    let other_slots = solution.report.shortfalls.iter().all(|s| match s {
        Shortfall::Unfilled { slot, .. }
        | Shortfall::NoCapableDoctor { slot }
        | Shortfall::NoNearbyDoctor { slot, .. } => problem.slots[*slot].date.to_string() == "2026-12-24",
        Shortfall::AbsenceUncovered { .. } => true,
    });
    assert!(other_slots, "{:?}", solution.report.shortfalls);
}

#[test]
fn repair_changes_only_what_it_must() {
    let dataset = okayama();
    let december: crate::calendar::Month = "2026-12".parse().unwrap();
    let spec = ProblemSpec::for_month(&dataset, &["G-NAKA-2"], december).unwrap();
    let problem = build_problem(&dataset, &spec).unwrap();
    let published = solve(&problem, &SolveOptions::default()).unwrap().rota;
    // A doctor with duties after 12/15 falls ill from 12/15 to 12/20.
    let start = crate::calendar::parse_instant("2026-12-15T08:00").unwrap();
    let end = crate::calendar::parse_instant("2026-12-20T08:00").unwrap();
    let sick_index = published
        .assignments
        .iter()
        .find(|a| problem.slots[a.slot].start >= start && problem.slots[a.slot].end <= end)
        .map(|a| a.doctor)
        .expect("someone has a duty then");
    let sick_id = problem.doctors[sick_index].id.clone();
    let affected = published
        .assignments
        .iter()
        .filter(|a| a.doctor == sick_index && problem.slots[a.slot].start < end && start < problem.slots[a.slot].end)
        .count();
    let mut dataset = dataset;
    dataset.add_absence("SICK", &sick_id, start, end, "急病").unwrap();
    let repaired_problem = build_problem(&dataset, &spec).unwrap();
    let published = RotaRecords::of(&problem, &published).to_rota(&repaired_problem).unwrap();
    let repair = repair(&repaired_problem, &published, start, &SolveOptions::default()).unwrap();
    assert!(repair.solution.is_complete());
    assert!(repair.solution.report.violations.is_empty());
    assert!(repair.removed.iter().all(|a| repaired_problem.slots[a.slot].start >= start), "the past is kept");
    assert!(repair.removed.len() >= affected, "the sick doctor's duties go");
    // A minimal repair reassigns each lost duty and touches little else.
    assert!(repair.changes() <= 2 * affected + 4, "{} changes for {affected} lost duties", repair.changes());
    assert_eq!(repair.solution.status, ProofStatus::Optimal);
}
