//! The soft objective's terms, with exact values and reasons.

use super::*;
use crate::domain::RequestKind;
use crate::rota::testing::add_request;

/// The penalties of a report as (term, doctor, cost, reason).
fn penalties(report: &Report) -> Vec<(&'static str, usize, f64, &str)> {
    report.penalties.iter().map(|p| (p.term, p.doctor, p.cost, p.reason.as_str())).collect()
}

/// A problem whose points band is so wide that fairness costs nothing.
fn without_fairness(mut problem: RotaProblem) -> RotaProblem {
    problem.weights.band_half_width = 100.0;
    problem
}

#[test]
fn fairness_costs_points_beyond_the_band_by_segment() {
    let mut problem = tiny(4, &[night(0), night(1), (2, HolidayNight), night(3)]);
    add_cover_demand(&mut problem, 3, 2, &[(1, 0)], 0.5);
    for (doctor, target) in problem.doctors.iter_mut().zip([1.5, 3.0, 3.0, 0.25]) {
        doctor.target = target;
    }
    problem.doctors[0].holiday_target = 1.0;
    problem.doctors[0].carry_over = 0.25;
    problem.doctors[0].base_target = 1.75;
    let report = check(&problem, vec![primary(0, 0), primary(1, 0), primary(2, 0), primary(3, 1)], vec![cover(0, 1)]);
    assert!(report.is_perfect(), "{report:?}");
    assert_eq!(
        penalties(&report),
        vec![
            // 1 point at 10, 0.5 at 30.
            ("fairness", 0, 25.0, "見本 一郎: 3.5点 (目標 1.5点, 許容 1.0〜2.0) → 1.5点超過"),
            // A cover's points count.
            ("fairness", 1, 10.0, "見本 次郎: 1.5点 (目標 3.0点, 許容 2.5〜3.5) → 1.0点不足"),
            // 1 at 10, 1 at 30, 0.5 at 60.
            ("fairness", 2, 70.0, "見本 三郎: 0.0点 (目標 3.0点, 許容 2.5〜3.5) → 2.5点不足"),
        ]
    );
    assert_eq!(
        report.objective,
        ObjectiveBreakdown {
            fairness: 105.0,
            holiday_fairness: 0.0,
            night_fairness: 0.0,
            requests: 0.0,
            unmet_patients: 0.0,
            total: 105.0
        }
    );
    let tally = &report.tallies[0];
    assert_eq!(
        (tally.duties, tally.primary, tally.secondary, tally.nights, tally.holiday_duties, tally.covers),
        (3, 3, 0, 3, 1, 0)
    );
    assert_eq!((tally.points, tally.target, tally.base_target, tally.carry_over), (3.5, 1.5, 1.75, 0.25));
    assert_eq!(tally.new_balance, 2.0);
    assert_eq!((report.tallies[1].duties, report.tallies[1].covers, report.tallies[1].points), (1, 1, 1.5));
}

#[test]
fn holiday_fairness_costs_duties_outside_the_integer_band() {
    let slots = [(0, HolidayDay), (0, HolidayNight), (1, HolidayDay), (1, HolidayNight), (2, HolidayDay), night(3)];
    let mut problem = without_fairness(tiny(3, &slots));
    for (doctor, target) in problem.doctors.iter_mut().zip([0.4, 2.5, 1.0]) {
        doctor.holiday_target = target;
    }
    let rota = vec![primary(0, 0), primary(1, 0), primary(2, 0), primary(3, 1), primary(4, 2), primary(5, 2)];
    let report = check(&problem, rota, vec![]);
    assert_eq!(
        penalties(&report),
        vec![
            // The first duty beyond the band at 5, each further at 15.
            ("holiday_fairness", 0, 20.0, "見本 一郎: 休日当番 3回 (目標 0.4回, 許容 0〜1) → 2回超過"),
            ("holiday_fairness", 1, 5.0, "見本 次郎: 休日当番 1回 (目標 2.5回, 許容 2〜3) → 1回不足"),
        ]
    );
    assert_eq!(report.tallies[2].holiday_duties, 1, "a weekday night is no holiday duty");
    assert_eq!((report.objective.holiday_fairness, report.objective.total), (25.0, 25.0));
}

#[test]
fn requests_cost_taken_avoids_per_slot_and_unmet_wants_once() {
    let mut problem = without_fairness(tiny(3, &[night(0), night(1), night(2)]));
    add_request(&mut problem, 2, RequestKind::Avoid, 1, vec![2]);
    add_request(&mut problem, 0, RequestKind::Avoid, 3, vec![0, 1]);
    add_request(&mut problem, 1, RequestKind::Want, 2, vec![2]);
    add_request(&mut problem, 2, RequestKind::Want, 1, vec![2]);
    add_request(&mut problem, 1, RequestKind::Avoid, 1, vec![0]);
    let report = check(&problem, vec![primary(0, 0), primary(1, 0), primary(2, 2)], vec![]);
    assert_eq!(
        penalties(&report),
        vec![
            ("requests", 0, 12.0, "見本 一郎: 回避希望 12/1 平日夜間 (重み3) に2枠割当"),
            ("requests", 1, 4.0, "見本 次郎: 希望 12/3 平日夜間 (重み2) が叶わず"),
            ("requests", 2, 2.0, "見本 三郎: 回避希望 12/3 平日夜間 (重み1) に割当"),
        ]
    );
    assert_eq!((report.objective.requests, report.objective.total), (18.0, 18.0));
}

#[test]
fn covers_cost_the_patients_the_covering_doctor_has_not_met() {
    let mut problem = without_fairness(tiny(3, &[night(0)]));
    add_cover_demand(&mut problem, 0, 5, &[(1, 3), (2, 0)], 0.5);
    let report = check(&problem, vec![primary(0, 0)], vec![cover(0, 1)]);
    assert_eq!(
        penalties(&report),
        vec![("unmet_patients", 1, 3.0, "見本 次郎: 不在 AB00001 (見本 一郎) の患者 5人中 3人と顔合わせなし")]
    );
    assert_eq!(report.objective.total, 3.0);
    assert_eq!(check(&problem, vec![primary(0, 0)], vec![cover(0, 2)]).penalties, vec![]);
    problem.weights.unmet_patient = 2.0;
    assert_eq!(check(&problem, vec![primary(0, 0)], vec![cover(0, 1)]).objective.unmet_patients, 6.0);
}

#[test]
fn penalties_come_by_term_then_doctor_and_the_total_is_their_sum() {
    let mut problem = tiny(2, &[(0, HolidayNight)]);
    add_request(&mut problem, 1, RequestKind::Want, 1, vec![0]);
    add_cover_demand(&mut problem, 1, 2, &[(0, 2)], 0.0);
    let report = check(&problem, vec![primary(0, 0)], vec![cover(0, 0)]);
    let terms: Vec<(&str, usize, f64)> = report.penalties.iter().map(|p| (p.term, p.doctor, p.cost)).collect();
    assert_eq!(
        terms,
        vec![("fairness", 0, 10.0), ("holiday_fairness", 0, 5.0), ("requests", 1, 2.0), ("unmet_patients", 0, 2.0)]
    );
    assert_eq!(
        report.objective,
        ObjectiveBreakdown {
            fairness: 10.0,
            holiday_fairness: 5.0,
            night_fairness: 0.0,
            requests: 2.0,
            unmet_patients: 2.0,
            total: 19.0
        }
    );
}

#[test]
fn night_fairness_costs_nights_outside_the_integer_band() {
    // Three nights and a holiday day; doctor 0 takes all three nights against a target of 1.4.
    let mut problem = tiny(
        2,
        &[
            (0, SlotKind::WeekdayNight),
            (1, SlotKind::WeekdayNight),
            (2, SlotKind::WeekdayNight),
            (3, SlotKind::HolidayDay),
        ],
    );
    problem.weights.night_fairness = [5.0, 15.0];
    problem.doctors[0].night_target = 1.4;
    problem.doctors[1].night_target = 1.6;
    let rota = Rota::new(vec![primary(0, 0), primary(1, 0), primary(2, 0), primary(3, 1)], Vec::new());
    let report = validate(&problem, &rota);
    let nights: Vec<(usize, f64, &str)> = report
        .penalties
        .iter()
        .filter(|p| p.term == "night_fairness")
        .map(|p| (p.doctor, p.cost, p.reason.as_str()))
        .collect();
    assert_eq!(
        nights,
        [
            // Band [1, 2]: one night over costs 5; doctor 1's none is one under its band [1, 2].
            (0, 5.0, "見本 一郎: 夜間当番 3回 (目標 1.4回, 許容 1〜2) → 1回超過"),
            (1, 5.0, "見本 次郎: 夜間当番 0回 (目標 1.6回, 許容 1〜2) → 1回不足"),
        ]
    );
    assert_eq!(report.objective.night_fairness, 10.0);
    let tally = &report.tallies[0];
    assert_eq!((tally.nights, tally.night_target), (3, 1.4));
}
