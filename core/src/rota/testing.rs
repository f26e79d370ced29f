//! Tiny hand-built problems for the rota engine's tests.

use chrono::{NaiveDate, NaiveTime};

use super::assignment::{Assignment, CoverAssignment};
use super::problem::{
    BlockReason, Blocked, CoverCandidate, CoverDemand, CoverSet, ObjectiveWeights, PROBLEM_FORMAT, ProblemDoctor,
    ProblemGroup, ProblemRequest, ProblemSlot, RotaProblem,
};
use crate::calendar::{SlotKind, jst_instant};
use crate::domain::{PointsTable, RequestKind, Role, RoleCounts, RotaRules};

/// Names of the tiny problems' doctors, by index.
pub(crate) const NAMES: [&str; 6] = ["見本 一郎", "見本 次郎", "見本 三郎", "見本 四郎", "見本 五郎", "見本 六郎"];

/// The date of day `day` of a tiny problem (day 0 is 2026-12-01).
pub(crate) fn day(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap() + chrono::Days::new(u64::from(day))
}

/// A problem of `n_doctors` doctors, all in one group, with one slot per `(day, kind)`
/// (day 0 is 2026-12-01; negative days fall in November), each needing one 当番 and no
/// 副当番, at the default points. No rule is on (no consecutive-night ban, no gap between
/// duties, no caps), nobody is blocked, every target is 0, and there are no requests,
/// cover sets or cover demands: tests switch on what they exercise.
pub(crate) fn tiny(n_doctors: usize, slots: &[(i64, SlotKind)]) -> RotaProblem {
    assert!(n_doctors <= NAMES.len());
    let first = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let points = PointsTable::default();
    let slots: Vec<ProblemSlot> = slots
        .iter()
        .map(|&(offset, kind)| {
            let date = first + chrono::TimeDelta::days(offset);
            let at = |date: NaiveDate, hour: u32, minute: u32| {
                jst_instant(date, NaiveTime::from_hms_opt(hour, minute, 0).unwrap())
            };
            let next = date.succ_opt().unwrap();
            let (start, end) = match kind {
                SlotKind::WeekdayNight | SlotKind::HolidayNight => (at(date, 18, 0), at(next, 8, 30)),
                SlotKind::HolidayDay => (at(date, 8, 30), at(date, 18, 0)),
                SlotKind::SaturdayAfternoon | SlotKind::HalfDayAfternoon => (at(date, 12, 0), at(date, 18, 0)),
            };
            ProblemSlot {
                group: 0,
                date,
                kind,
                start,
                end,
                day_label: if kind == SlotKind::WeekdayNight { "平日" } else { "日曜" }.to_owned(),
                weekend_or_holiday: kind != SlotKind::WeekdayNight,
                year_end: false,
                demand: RoleCounts { primary: 1, secondary: 0 },
                points: [points.points(kind, Role::Primary, false), points.points(kind, Role::Secondary, false)],
                blocked: Vec::new(),
                needs_medical_care_child: false,
                cover_sets: Vec::new(),
            }
        })
        .collect();
    let doctors = (0..n_doctors)
        .map(|doctor| ProblemDoctor {
            id: format!("D{doctor}"),
            name: NAMES[doctor].to_owned(),
            groups: vec![0],
            participation: 1.0,
            medical_care_child: false,
            carry_over: 0.0,
            base_target: 0.0,
            target: 0.0,
            holiday_target: 0.0,
            night_target: 0.0,
            min_days_between: 0,
            no_consecutive_nights: false,
        })
        .collect();
    let rules = RotaRules {
        max_duties_per_month: None,
        max_holiday_duties_per_month: None,
        no_consecutive_nights: false,
        min_days_between: 0,
        sixteen_km: false,
        medical_care_child: false,
    };
    RotaProblem {
        format: PROBLEM_FORMAT,
        name: "G-TINY".to_owned(),
        first_date: first,
        last_date: slots.iter().map(|slot| slot.date).max().unwrap_or(first),
        groups: vec![ProblemGroup {
            id: "G-TINY".to_owned(),
            name: "見本グループ".to_owned(),
            rules,
            points,
            members: (0..n_doctors).collect(),
        }],
        doctors,
        slots,
        cover_sets: Vec::new(),
        requests: Vec::new(),
        cover_demands: Vec::new(),
        // The night band is switched off like the rules: tests that exercise it set its weights.
        weights: ObjectiveWeights { night_fairness: [0.0, 0.0], ..ObjectiveWeights::default() },
        notes: Vec::new(),
    }
}

/// Sets the group's rules and the doctors' copies of them.
pub(crate) fn set_rules(problem: &mut RotaProblem, rules: RotaRules) {
    problem.groups[0].rules = rules;
    for doctor in &mut problem.doctors {
        doctor.min_days_between = rules.min_days_between;
        doctor.no_consecutive_nights = rules.no_consecutive_nights;
    }
}

/// Blocks `doctor` from `slot` (a recurring unavailability).
pub(crate) fn block(problem: &mut RotaProblem, slot: usize, doctor: usize) {
    let reason = BlockReason::Unavailable { id: format!("U-{slot}-{doctor}"), note: "テスト".to_owned() };
    problem.slots[slot].blocked.push(Blocked { doctor, reason });
}

/// Adds a 16 km cover set of `doctors` needed at every slot.
pub(crate) fn add_cover_set(problem: &mut RotaProblem, doctors: Vec<usize>) {
    let index = problem.cover_sets.len();
    problem.cover_sets.push(CoverSet { group: 0, doctors, patients: vec![format!("P{index}")] });
    for slot in &mut problem.slots {
        slot.cover_sets.push(index);
    }
}

/// Adds a request of `doctor` about `slots`.
pub(crate) fn add_request(problem: &mut RotaProblem, doctor: usize, kind: RequestKind, weight: u8, slots: Vec<usize>) {
    let slot = &problem.slots[slots[0]];
    let label = format!("{} {}", slot.date.format("%-m/%-d"), slot.kind.label());
    let id = format!("R{}", problem.requests.len() + 1);
    problem.requests.push(ProblemRequest { id, doctor, kind, weight, slots, label });
}

/// Adds a one-day absence of `absent` (from day 0, 09:00) with `patients` patients, to be
/// covered by one of `candidates` (doctor, patients not met), worth `points`.
pub(crate) fn add_cover_demand(
    problem: &mut RotaProblem,
    absent: usize,
    patients: usize,
    candidates: &[(usize, u32)],
    points: f64,
) {
    let start = jst_instant(day(0), NaiveTime::from_hms_opt(9, 0, 0).unwrap());
    problem.cover_demands.push(CoverDemand {
        absence: format!("AB{:05}", problem.cover_demands.len() + 1),
        group: 0,
        doctor: absent,
        start,
        end: start + chrono::TimeDelta::days(1),
        points,
        patients,
        candidates: candidates.iter().map(|&(doctor, unmet)| CoverCandidate { doctor, unmet }).collect(),
        excluded: Vec::new(),
    });
}

/// A 当番 assignment.
pub(crate) fn primary(slot: usize, doctor: usize) -> Assignment {
    Assignment { slot, role: Role::Primary, doctor }
}

/// A 副当番 assignment.
pub(crate) fn secondary(slot: usize, doctor: usize) -> Assignment {
    Assignment { slot, role: Role::Secondary, doctor }
}

/// A cover of `demand` by `doctor`.
pub(crate) fn cover(demand: usize, doctor: usize) -> CoverAssignment {
    CoverAssignment { demand, doctor }
}
