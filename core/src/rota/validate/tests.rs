//! The validator on tiny hand-built problems, one test per rule family (both sides:
//! broken and kept), and on a month of the demo city.

use super::*;
use crate::calendar::SlotKind::{self, HolidayDay, HolidayNight, SaturdayAfternoon, WeekdayNight};
use crate::domain::RotaRules;
use crate::rota::testing::{add_cover_demand, add_cover_set, block, cover, primary, secondary, set_rules, tiny};

mod objective;
mod real;

fn check(problem: &RotaProblem, assignments: Vec<Assignment>, covers: Vec<CoverAssignment>) -> Report {
    validate(problem, &Rota::new(assignments, covers))
}

fn violations(problem: &RotaProblem, assignments: Vec<Assignment>) -> Vec<Violation> {
    check(problem, assignments, Vec::new()).violations
}

fn with_rules(mut problem: RotaProblem, change: impl FnOnce(&mut RotaRules)) -> RotaProblem {
    let mut rules = problem.groups[0].rules;
    change(&mut rules);
    set_rules(&mut problem, rules);
    problem
}

fn night(day: i64) -> (i64, SlotKind) {
    (day, WeekdayNight)
}

#[test]
fn entries_outside_the_problem_are_bad_indices_and_otherwise_ignored() {
    let problem = tiny(2, &[night(0)]);
    let rota = Rota { assignments: vec![primary(0, 5), primary(3, 0)], covers: vec![cover(0, 0)] };
    let report = validate(&problem, &rota);
    assert_eq!(report.violations.len(), 3);
    assert!(report.violations.iter().all(|v| matches!(v, Violation::BadIndex { .. })), "{:?}", report.violations);
    assert_eq!(report.shortfalls, vec![Shortfall::Unfilled { slot: 0, role: Role::Primary, missing: 1 }]);
    assert!(report.tallies.iter().all(|tally| tally.duties == 0 && tally.covers == 0));

    assert!(check(&problem, vec![primary(0, 1)], vec![]).is_perfect());
}

#[test]
fn only_members_of_the_slots_group_may_take_it() {
    let mut problem = tiny(3, &[night(0)]);
    problem.groups[0].members = vec![0, 1];
    assert_eq!(violations(&problem, vec![primary(0, 2)]), vec![Violation::NotMember { slot: 0, doctor: 2 }]);
    assert_eq!(violations(&problem, vec![primary(0, 1)]), vec![]);
}

#[test]
fn blocked_doctors_may_not_take_the_slot_but_still_fill_it() {
    let mut problem = tiny(2, &[night(0)]);
    block(&mut problem, 0, 1);
    let report = check(&problem, vec![primary(0, 1)], vec![]);
    assert_eq!(report.violations, vec![Violation::Blocked { slot: 0, doctor: 1 }]);
    assert_eq!(report.shortfalls, vec![]);
    assert_eq!(violations(&problem, vec![primary(0, 0)]), vec![]);
}

#[test]
fn a_role_takes_no_more_doctors_than_it_needs() {
    let mut problem = tiny(3, &[night(0)]);
    assert_eq!(
        violations(&problem, vec![primary(0, 0), primary(0, 1), primary(0, 2)]),
        vec![Violation::OverFilled { slot: 0, role: Role::Primary }]
    );
    assert_eq!(
        violations(&problem, vec![primary(0, 0), secondary(0, 1)]),
        vec![Violation::OverFilled { slot: 0, role: Role::Secondary }]
    );
    problem.slots[0].demand.secondary = 1;
    assert_eq!(violations(&problem, vec![primary(0, 0), secondary(0, 1)]), vec![]);
}

#[test]
fn a_doctor_appears_once_in_a_slot() {
    let mut problem = tiny(2, &[night(0), night(1)]);
    problem.slots[0].demand.secondary = 1;
    assert_eq!(
        violations(&problem, vec![primary(0, 0), secondary(0, 0)]),
        vec![Violation::TwiceInSlot { slot: 0, doctor: 0 }]
    );
    // A repeated entry is reported, then counted once (not over-filled, no shortfall).
    let report = validate(&problem, &Rota { assignments: vec![primary(1, 1), primary(1, 1)], covers: vec![] });
    assert_eq!(report.violations, vec![Violation::TwiceInSlot { slot: 1, doctor: 1 }]);
    assert_eq!(report.tallies[1].duties, 1);
    assert_eq!(violations(&problem, vec![primary(0, 0), secondary(0, 1), primary(1, 0)]), vec![]);
}

#[test]
fn duties_of_a_doctor_do_not_overlap_in_time() {
    // 休日日中 08:30–18:00 and an afternoon 12:00–18:00 of the same date overlap.
    let problem = tiny(2, &[(0, HolidayDay), (0, SaturdayAfternoon), night(1), (2, HolidayDay)]);
    assert_eq!(
        violations(&problem, vec![primary(1, 0), primary(0, 0)]),
        vec![Violation::Overlap { doctor: 0, slots: [0, 1] }]
    );
    // A night ending at 08:30 and a day starting at 08:30 only touch.
    assert_eq!(violations(&problem, vec![primary(2, 0), primary(3, 0)]), vec![]);
    assert_eq!(violations(&problem, vec![primary(0, 0), primary(1, 1)]), vec![]);
}

#[test]
fn no_nights_on_consecutive_dates_where_forbidden() {
    let slots = [night(0), (1, HolidayNight), night(2), (3, HolidayDay), night(4)];
    let every_other = vec![primary(0, 0), primary(1, 1), primary(2, 0), primary(3, 0), primary(4, 0)];
    let all_to_0 = vec![primary(0, 0), primary(1, 0), primary(2, 0)];

    let allowed = tiny(2, &slots);
    assert_eq!(violations(&allowed, all_to_0.clone()), vec![]);

    let forbidden = with_rules(tiny(2, &slots), |rules| rules.no_consecutive_nights = true);
    assert_eq!(
        violations(&forbidden, all_to_0),
        vec![
            Violation::ConsecutiveNights { doctor: 0, slots: [0, 1] },
            Violation::ConsecutiveNights { doctor: 0, slots: [1, 2] },
        ]
    );
    // Nights two dates apart, and a day between nights, are fine.
    assert_eq!(violations(&forbidden, every_other), vec![]);
}

#[test]
fn duties_keep_the_minimum_days_between() {
    let slots = [night(0), night(1), night(2)];
    let two = with_rules(tiny(2, &slots), |rules| rules.min_days_between = 2);
    assert_eq!(
        violations(&two, vec![primary(0, 0), primary(1, 0)]),
        vec![Violation::TooClose { doctor: 0, slots: [0, 1] }]
    );
    assert_eq!(violations(&two, vec![primary(0, 0), primary(1, 1), primary(2, 0)]), vec![]);

    // 1 means at most one duty a date; 0 means no rule.
    let same_date = [(0, HolidayDay), (0, HolidayNight)];
    let one = with_rules(tiny(2, &same_date), |rules| rules.min_days_between = 1);
    assert_eq!(
        violations(&one, vec![primary(0, 0), primary(1, 0)]),
        vec![Violation::TooClose { doctor: 0, slots: [0, 1] }]
    );
    assert_eq!(violations(&tiny(2, &same_date), vec![primary(0, 0), primary(1, 0)]), vec![]);
}

#[test]
fn each_rule_is_reported_on_its_own() {
    let overlapping = with_rules(tiny(1, &[(0, HolidayDay), (0, SaturdayAfternoon)]), |r| r.min_days_between = 1);
    assert_eq!(
        violations(&overlapping, vec![primary(0, 0), primary(1, 0)]),
        vec![Violation::Overlap { doctor: 0, slots: [0, 1] }, Violation::TooClose { doctor: 0, slots: [0, 1] }]
    );
    let nights = with_rules(tiny(1, &[night(0), night(1)]), |rules| {
        rules.no_consecutive_nights = true;
        rules.min_days_between = 2;
    });
    assert_eq!(
        violations(&nights, vec![primary(0, 0), primary(1, 0)]),
        vec![
            Violation::ConsecutiveNights { doctor: 0, slots: [0, 1] },
            Violation::TooClose { doctor: 0, slots: [0, 1] },
        ]
    );
}

#[test]
fn monthly_duty_caps_count_each_calendar_month() {
    // 11/30, 12/1, 12/2.
    let slots = [night(-1), night(0), (1, HolidayDay)];
    let capped = with_rules(tiny(2, &slots), |rules| rules.max_duties_per_month = Some(1));
    assert_eq!(
        violations(&capped, vec![primary(1, 0), primary(2, 0)]),
        vec![Violation::MaxDuties { doctor: 0, group: 0, count: 2, max: 1 }]
    );
    assert_eq!(violations(&capped, vec![primary(0, 0), primary(1, 0), primary(2, 1)]), vec![]);
    assert_eq!(violations(&tiny(2, &slots), vec![primary(0, 0), primary(1, 0), primary(2, 0)]), vec![]);
}

#[test]
fn monthly_holiday_caps_count_weekend_and_holiday_slots_only() {
    let slots = [(0, HolidayDay), (1, HolidayDay), night(2)];
    let capped = with_rules(tiny(2, &slots), |rules| rules.max_holiday_duties_per_month = Some(1));
    assert_eq!(
        violations(&capped, vec![primary(0, 0), primary(1, 0), primary(2, 1)]),
        vec![Violation::MaxHolidayDuties { doctor: 0, group: 0, count: 2, max: 1 }]
    );
    assert_eq!(violations(&capped, vec![primary(0, 0), primary(1, 1), primary(2, 0)]), vec![]);
}

#[test]
fn absences_are_covered_once_by_a_candidate() {
    let mut problem = tiny(3, &[night(0)]);
    add_cover_demand(&mut problem, 0, 4, &[(1, 2)], 0.5);
    let covers = |covers: Vec<CoverAssignment>| check(&problem, vec![primary(0, 0)], covers);
    let by_stranger = covers(vec![cover(0, 2)]);
    assert_eq!(by_stranger.violations, vec![Violation::NotCoverCandidate { demand: 0, doctor: 2 }]);
    assert_eq!(by_stranger.shortfalls, vec![], "a cover is a cover, even by a non-candidate");
    assert_eq!(
        covers(vec![cover(0, 1), cover(0, 2)]).violations,
        vec![Violation::NotCoverCandidate { demand: 0, doctor: 2 }, Violation::CoveredTwice { demand: 0 }]
    );
    assert!(covers(vec![cover(0, 1)]).is_perfect());
}

#[test]
fn unfilled_roles_count_each_missing_doctor() {
    let mut problem = tiny(3, &[night(0), night(1)]);
    problem.slots[0].demand = crate::domain::RoleCounts { primary: 2, secondary: 1 };
    let report = check(&problem, vec![primary(0, 0), primary(1, 1)], vec![]);
    assert_eq!(
        report.shortfalls,
        vec![
            Shortfall::Unfilled { slot: 0, role: Role::Primary, missing: 1 },
            Shortfall::Unfilled { slot: 0, role: Role::Secondary, missing: 1 },
        ]
    );
    assert_eq!(check(&problem, vec![], vec![]).shortfall_units(), 2 + 1 + 1);
    assert!(check(&problem, vec![primary(0, 0), primary(0, 1), secondary(0, 2), primary(1, 1)], vec![]).is_perfect());
}

#[test]
fn slots_that_need_it_have_a_capable_doctor_in_any_role() {
    let mut problem = tiny(2, &[night(0)]);
    problem.slots[0].needs_medical_care_child = true;
    problem.slots[0].demand.secondary = 1;
    problem.doctors[1].medical_care_child = true;
    assert_eq!(
        check(&problem, vec![primary(0, 0)], vec![]).shortfalls,
        vec![
            Shortfall::Unfilled { slot: 0, role: Role::Secondary, missing: 1 },
            Shortfall::NoCapableDoctor { slot: 0 },
        ]
    );
    assert!(check(&problem, vec![primary(0, 0), secondary(0, 1)], vec![]).is_perfect());
    problem.slots[0].needs_medical_care_child = false;
    assert_eq!(check(&problem, vec![primary(0, 0)], vec![]).shortfall_units(), 1);
}

#[test]
fn every_cover_set_has_a_doctor_on_duty() {
    let mut problem = tiny(3, &[night(0), night(1)]);
    add_cover_set(&mut problem, vec![1, 2]);
    add_cover_set(&mut problem, vec![0, 2]);
    let report = check(&problem, vec![primary(0, 0), primary(1, 2)], vec![]);
    assert_eq!(report.shortfalls, vec![Shortfall::NoNearbyDoctor { slot: 0, cover_set: 0 }]);
    assert_eq!(report.shortfall_units(), 1);
    assert!(check(&problem, vec![primary(0, 2), primary(1, 2)], vec![]).is_perfect());
}

#[test]
fn every_absence_is_covered() {
    let mut problem = tiny(3, &[night(0)]);
    add_cover_demand(&mut problem, 0, 4, &[(1, 2), (2, 0)], 0.5);
    add_cover_demand(&mut problem, 1, 2, &[(0, 0)], 0.5);
    let report = check(&problem, vec![primary(0, 0)], vec![cover(1, 0)]);
    assert_eq!(report.shortfalls, vec![Shortfall::AbsenceUncovered { demand: 0 }]);
    assert!(check(&problem, vec![primary(0, 0)], vec![cover(0, 2), cover(1, 0)]).is_perfect());
}
