//! Hard rules, one function per rule family. Coverage rules take a shortfall slack when
//! the model allows one; the others are always hard.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use good_lp::{Expression, constraint};

use super::RotaModel;

impl RotaModel<'_> {
    /// Each role of each slot gets exactly the doctors it needs (less any shortfall).
    pub(super) fn add_demand(&mut self) {
        let problem = self.problem;
        for (slot_index, slot) in problem.slots.iter().enumerate() {
            for role in crate::domain::Role::ALL.iter().copied() {
                let needed = f64::from(slot.demand.get(role));
                if needed == 0.0 {
                    continue;
                }
                let filled: Expression = self.x_by_slot[slot_index]
                    .iter()
                    .filter(|&&i| self.x[i].role == role)
                    .map(|&i| self.x[i].var)
                    .sum();
                let constraint = match self.slack(needed) {
                    Some(missing) => constraint!(filled + missing == needed),
                    None => constraint!(filled == needed),
                };
                self.constraints.push(constraint);
            }
        }
    }

    /// A doctor takes at most one role of a slot. (Implied by the date windows when
    /// `min_days_between` ≥ 1, so only written for doctors without them.)
    pub(super) fn add_one_role_per_slot(&mut self) {
        let problem = self.problem;
        let mut groups = Vec::new();
        for (doctor, xs) in self.x_by_doctor.iter().enumerate() {
            if problem.doctors[doctor].min_days_between >= 1 {
                continue;
            }
            let mut by_slot: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
            for &i in xs {
                by_slot.entry(self.x[i].slot).or_default().push(i);
            }
            groups.extend(by_slot.into_values().filter(|roles| roles.len() > 1));
        }
        for roles in groups {
            let sum: Expression = roles.iter().map(|&i| self.x[i].var).sum();
            self.constraints.push(constraint!(sum <= 1));
        }
    }

    /// At most one duty per doctor in any window of `min_days_between` consecutive
    /// dates (a clique: with 1, one duty a date, which also keeps a doctor out of two
    /// roles of one slot). 0 means no window.
    pub(super) fn add_one_duty_per_window(&mut self) {
        let problem = self.problem;
        for (doctor, xs) in self.x_by_doctor.iter().enumerate() {
            let window = i64::from(problem.doctors[doctor].min_days_between);
            if window == 0 {
                continue;
            }
            let mut by_date: BTreeMap<NaiveDate, Vec<usize>> = BTreeMap::new();
            for &i in xs {
                by_date.entry(problem.slots[self.x[i].slot].date).or_default().push(i);
            }
            let dates: Vec<NaiveDate> = by_date.keys().copied().collect();
            // One constraint per window starting at each date that has duties; windows
            // holding a single variable need none.
            for &first in &dates {
                let last = first + chrono::Duration::days(window - 1);
                let in_window: Vec<usize> =
                    by_date.range(first..=last).flat_map(|(_, is)| is.iter().copied()).collect();
                if in_window.len() > 1 {
                    let sum: Expression = in_window.iter().map(|&i| self.x[i].var).sum();
                    self.constraints.push(constraint!(sum <= 1));
                }
            }
        }
    }

    /// No doctor on two slots that overlap in time (a doctor in two groups, or slot
    /// times that cross). Pairs on dates the window constraint already separates are
    /// skipped.
    pub(super) fn add_no_overlap(&mut self) {
        let problem = self.problem;
        let mut pairs = Vec::new();
        for (doctor, xs) in self.x_by_doctor.iter().enumerate() {
            let window = i64::from(problem.doctors[doctor].min_days_between);
            let mut slots: Vec<usize> = xs.iter().map(|&i| self.x[i].slot).collect();
            slots.sort_unstable();
            slots.dedup();
            for (position, &first) in slots.iter().enumerate() {
                for &second in &slots[position + 1..] {
                    let (a, b) = (&problem.slots[first], &problem.slots[second]);
                    if b.start >= a.end {
                        break; // slots are sorted by start
                    }
                    if (b.date - a.date).num_days().abs() >= window {
                        pairs.push((doctor, first, second));
                    }
                }
            }
        }
        for (doctor, first, second) in pairs {
            let both = self.on_duty(first, doctor) + self.on_duty(second, doctor);
            self.constraints.push(constraint!(both <= 1));
        }
    }

    /// No night duty on two consecutive dates, for doctors whose groups forbid it.
    pub(super) fn add_no_consecutive_nights(&mut self) {
        let problem = self.problem;
        for (doctor, xs) in self.x_by_doctor.iter().enumerate() {
            let rules = &problem.doctors[doctor];
            if !rules.no_consecutive_nights || rules.min_days_between >= 2 {
                continue; // a window of two dates already forbids it
            }
            let mut nights: BTreeMap<NaiveDate, Vec<usize>> = BTreeMap::new();
            for &i in xs {
                let slot = &problem.slots[self.x[i].slot];
                if slot.kind.is_night() {
                    nights.entry(slot.date).or_default().push(i);
                }
            }
            for (&date, tonight) in &nights {
                let Some(tomorrow) = nights.get(&(date + chrono::Duration::days(1))) else { continue };
                let sum: Expression = tonight.iter().chain(tomorrow).map(|&i| self.x[i].var).sum();
                self.constraints.push(constraint!(sum <= 1));
            }
        }
    }

    /// Each group's caps on a doctor's duties, and weekend/holiday duties, per calendar month.
    pub(super) fn add_monthly_caps(&mut self) {
        let problem = self.problem;
        for (g, group) in problem.groups.iter().enumerate() {
            let caps = [(group.rules.max_duties_per_month, false), (group.rules.max_holiday_duties_per_month, true)];
            for (cap, weekend_only) in caps {
                let Some(max) = cap else { continue };
                for &doctor in &group.members {
                    let mut by_month: BTreeMap<(i32, u32), Expression> = BTreeMap::new();
                    let mut counts: BTreeMap<(i32, u32), usize> = BTreeMap::new();
                    for &i in &self.x_by_doctor[doctor] {
                        let slot = &problem.slots[self.x[i].slot];
                        if slot.group != g || (weekend_only && !slot.weekend_or_holiday) {
                            continue;
                        }
                        let month = (slot.date.year(), slot.date.month());
                        by_month.entry(month).or_default().add_mul(1.0, self.x[i].var);
                        *counts.entry(month).or_default() += 1;
                    }
                    for (month, sum) in by_month {
                        if counts[&month] > max as usize {
                            self.constraints.push(constraint!(sum <= max));
                        }
                    }
                }
            }
        }
    }

    /// A 医療的ケア児-capable doctor on duty wherever the group has such children.
    pub(super) fn add_capability_on_duty(&mut self) {
        let problem = self.problem;
        for (slot_index, slot) in problem.slots.iter().enumerate() {
            if !slot.needs_medical_care_child {
                continue;
            }
            let capable: Expression = self.x_by_slot[slot_index]
                .iter()
                .filter(|&&i| problem.doctors[self.x[i].doctor].medical_care_child)
                .map(|&i| self.x[i].var)
                .sum();
            let constraint = match self.slack(1.0) {
                Some(missing) => constraint!(capable + missing >= 1),
                None => constraint!(capable >= 1),
            };
            self.constraints.push(constraint);
        }
    }

    /// The 16 km rule: at every slot, someone of each cover set is on duty.
    pub(super) fn add_sixteen_km(&mut self) {
        let problem = self.problem;
        for (slot_index, slot) in problem.slots.iter().enumerate() {
            for &set in &slot.cover_sets {
                let near = &problem.cover_sets[set].doctors;
                let on_duty: Expression = self.x_by_slot[slot_index]
                    .iter()
                    .filter(|&&i| near.binary_search(&self.x[i].doctor).is_ok())
                    .map(|&i| self.x[i].var)
                    .sum();
                let constraint = match self.slack(1.0) {
                    Some(missing) => constraint!(on_duty + missing >= 1),
                    None => constraint!(on_duty >= 1),
                };
                self.constraints.push(constraint);
            }
        }
    }

    /// 主治医・副主治医制: each absence is covered by exactly one candidate.
    pub(super) fn add_absence_cover(&mut self) {
        for demand in 0..self.problem.cover_demands.len() {
            let covered: Expression = self.y_by_demand[demand].iter().map(|&i| self.y[i].var).sum();
            let constraint = match self.slack(1.0) {
                Some(missing) => constraint!(covered + missing == 1),
                None => constraint!(covered == 1),
            };
            self.constraints.push(constraint);
        }
    }
}
