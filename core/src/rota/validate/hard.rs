//! Hard rules, one function per rule family. Each appends what it finds to `out`, in
//! slot or doctor order, and checks its rule alone: a pair of duties can break several.

use std::collections::BTreeMap;

use chrono::Datelike;

use super::{Duties, Violation, role_index};
use crate::domain::Role;
use crate::rota::problem::{ProblemSlot, RotaProblem};

/// A doctor on a slot of a group they are not a member of.
pub(super) fn check_membership(problem: &RotaProblem, duties: &Duties, out: &mut Vec<Violation>) {
    for (slot, doctors) in duties.on_duty.iter().enumerate() {
        let members = &problem.groups[problem.slots[slot].group].members;
        for &doctor in doctors {
            if !members.contains(&doctor) {
                out.push(Violation::NotMember { slot, doctor });
            }
        }
    }
}

/// A doctor on a slot they are blocked from (absence, recurring unavailability).
pub(super) fn check_blocked(problem: &RotaProblem, duties: &Duties, out: &mut Vec<Violation>) {
    for (slot, doctors) in duties.on_duty.iter().enumerate() {
        for &doctor in doctors {
            if problem.slots[slot].blocked_reason(doctor).is_some() {
                out.push(Violation::Blocked { slot, doctor });
            }
        }
    }
}

/// More distinct doctors in a role of a slot than it needs; once per (slot, role).
pub(super) fn check_over_filled(problem: &RotaProblem, duties: &Duties, out: &mut Vec<Violation>) {
    for (slot, filled) in duties.filled.iter().enumerate() {
        for &role in Role::ALL {
            if filled[role_index(role)] > u32::from(problem.slots[slot].demand.get(role)) {
                out.push(Violation::OverFilled { slot, role });
            }
        }
    }
}

/// A doctor with more than one entry in a slot: in both roles, or repeated in one.
pub(super) fn check_twice_in_slot(duties: &Duties, out: &mut Vec<Violation>) {
    let mut entries_of: BTreeMap<(usize, usize), u32> = BTreeMap::new();
    for entry in &duties.entries {
        *entries_of.entry((entry.slot, entry.doctor)).or_default() += 1;
    }
    for ((slot, doctor), count) in entries_of {
        if count > 1 {
            out.push(Violation::TwiceInSlot { slot, doctor });
        }
    }
}

/// Two slots of one doctor whose `[start, end)` intervals intersect.
pub(super) fn check_overlaps(problem: &RotaProblem, duties: &Duties, out: &mut Vec<Violation>) {
    for (doctor, [first, second]) in pairs_of_duties(duties) {
        let (a, b) = (&problem.slots[first], &problem.slots[second]);
        if a.start < b.end && b.start < a.end {
            out.push(Violation::Overlap { doctor, slots: [first, second] });
        }
    }
}

/// Nights on consecutive dates, for a doctor one of whose groups forbids them.
pub(super) fn check_consecutive_nights(problem: &RotaProblem, duties: &Duties, out: &mut Vec<Violation>) {
    for (doctor, [first, second]) in pairs_of_duties(duties) {
        let (a, b) = (&problem.slots[first], &problem.slots[second]);
        if problem.doctors[doctor].no_consecutive_nights
            && a.kind.is_night()
            && b.kind.is_night()
            && days_apart(a, b) == 1
        {
            out.push(Violation::ConsecutiveNights { doctor, slots: [first, second] });
        }
    }
}

/// Two duties of a doctor whose dates are fewer than `min_days_between` days apart
/// (with 1, two duties on one date).
pub(super) fn check_min_days_between(problem: &RotaProblem, duties: &Duties, out: &mut Vec<Violation>) {
    for (doctor, [first, second]) in pairs_of_duties(duties) {
        let (a, b) = (&problem.slots[first], &problem.slots[second]);
        if days_apart(a, b) < i64::from(problem.doctors[doctor].min_days_between) {
            out.push(Violation::TooClose { doctor, slots: [first, second] });
        }
    }
}

/// Per group with a cap, a doctor's duties (both roles) in a calendar month of the
/// slots' dates: all of them against `max_duties_per_month`, those on Saturdays,
/// Sundays and holidays against `max_holiday_duties_per_month`.
pub(super) fn check_monthly_caps(problem: &RotaProblem, duties: &Duties, out: &mut Vec<Violation>) {
    for (group_idx, group) in problem.groups.iter().enumerate() {
        if let Some(max) = group.rules.max_duties_per_month {
            for ((doctor, _month), count) in monthly_counts(problem, duties, group_idx, |_| true) {
                if count > max {
                    out.push(Violation::MaxDuties { doctor, group: group_idx, count, max });
                }
            }
        }
        if let Some(max) = group.rules.max_holiday_duties_per_month {
            for ((doctor, _month), count) in monthly_counts(problem, duties, group_idx, |slot| slot.weekend_or_holiday)
            {
                if count > max {
                    out.push(Violation::MaxHolidayDuties { doctor, group: group_idx, count, max });
                }
            }
        }
    }
}

/// Covers by someone who is not a candidate, and absences with more than one cover entry.
pub(super) fn check_covers(problem: &RotaProblem, duties: &Duties, out: &mut Vec<Violation>) {
    for cover in &duties.covers {
        let candidates = &problem.cover_demands[cover.demand].candidates;
        if !candidates.iter().any(|candidate| candidate.doctor == cover.doctor) {
            out.push(Violation::NotCoverCandidate { demand: cover.demand, doctor: cover.doctor });
        }
    }
    let mut entries_of: BTreeMap<usize, u32> = BTreeMap::new();
    for cover in &duties.cover_entries {
        *entries_of.entry(cover.demand).or_default() += 1;
    }
    for (demand, count) in entries_of {
        if count > 1 {
            out.push(Violation::CoveredTwice { demand });
        }
    }
}

/// Every unordered pair of distinct slots of each doctor, as `(doctor, [lower, higher])`.
fn pairs_of_duties(duties: &Duties) -> impl Iterator<Item = (usize, [usize; 2])> + '_ {
    duties.slots_of.iter().enumerate().flat_map(|(doctor, slots)| {
        slots.iter().enumerate().flat_map(move |(position, &first)| {
            slots[position + 1..].iter().map(move |&second| (doctor, [first, second]))
        })
    })
}

/// Whole days between the dates of two slots.
fn days_apart(a: &ProblemSlot, b: &ProblemSlot) -> i64 {
    (a.date - b.date).num_days().abs()
}

/// A doctor's assignments (each role counts) in slots of `group` that pass `counted`,
/// per (doctor, (year, month)).
fn monthly_counts(
    problem: &RotaProblem,
    duties: &Duties,
    group: usize,
    counted: impl Fn(&ProblemSlot) -> bool,
) -> BTreeMap<(usize, (i32, u32)), u32> {
    let mut counts = BTreeMap::new();
    for assignment in &duties.assignments {
        let slot = &problem.slots[assignment.slot];
        if slot.group == group && counted(slot) {
            *counts.entry((assignment.doctor, (slot.date.year(), slot.date.month()))).or_default() += 1;
        }
    }
    counts
}
