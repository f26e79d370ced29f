//! A local search that turns a feasible rota into a fair one before the fairness MIP
//! runs, so HiGHS starts from a strong incumbent: when the search reaches the optimum
//! (common, since the fairness bound is tight), the MIP only has to prove it at the root.
//!
//! Moves keep every hard rule and every coverage requirement the rota already meets:
//! hand a duty to another member, swap two duties between doctors, or hand an absence
//! cover to another candidate. The soft objective's terms are per doctor (fairness
//! bands, requests, unmet patients), so a move's effect is computed from the two
//! doctors it touches. Simulated annealing over random moves escapes the plateaus of
//! the fairness bands: it may pass through rotas that break the rest rules (date
//! windows, consecutive nights, overlaps, monthly caps) at a penalty per conflict, and
//! keeps the best rota that breaks none; membership, absences and coverage it never
//! breaks. A final descent takes every remaining improving move that breaks nothing.
//! Deterministic: a fixed seed and scan order.

use std::collections::HashMap;

use chrono::Datelike;

use super::assignment::{Assignment, CoverAssignment, Rota};
use super::problem::{RotaProblem, holiday_band, points_band};
use crate::domain::{RequestKind, Role};

/// Passes over all moves before giving up (each pass is cheap; most searches settle in a few).
const MAX_PASSES: usize = 50;

/// Cost of one broken rest rule while annealing (a fairness point costs 10).
const CONFLICT_PENALTY: f64 = 40.0;

/// Random moves tried per duty of the rota during annealing.
const MOVES_PER_DUTY: usize = 600;

/// Improves `rota`'s soft objective by local moves; never breaks a rule or coverage it meets.
pub(crate) fn improve(problem: &RotaProblem, rota: &Rota) -> Rota {
    let annealed = anneal(problem, rota, MOVES_PER_DUTY, 60.0, 0.5);
    descend(problem, &annealed)
}

/// Simulated annealing from `rota` with `moves_per_duty` moves and a geometric cooling
/// from `hot` to `cold`; returns the best rota seen.
pub(crate) fn anneal(problem: &RotaProblem, rota: &Rota, moves_per_duty: usize, hot: f64, cold: f64) -> Rota {
    use rand::{RngExt, SeedableRng};
    let mut state = State::new(problem, rota);
    let entries: usize = state.on_slot.iter().map(Vec::len).sum();
    if entries < 2 {
        return rota.clone();
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x7265_6e6b_6569);
    let mut conflicts: u32 = 0;
    let mut current = state.total_cost();
    let mut best = current;
    let mut best_rota = rota.clone();
    let moves = entries * moves_per_duty;
    let slots_with_duty: Vec<usize> = (0..state.on_slot.len()).filter(|&s| !state.on_slot[s].is_empty()).collect();
    for step in 0..moves {
        let temperature = hot * (cold / hot).powf(step as f64 / moves as f64);
        let s1 = slots_with_duty[rng.random_range(0..slots_with_duty.len())];
        let p1 = rng.random_range(0..state.on_slot[s1].len());
        let (r1, a) = state.on_slot[s1][p1];
        let delta = if rng.random_bool(0.5) {
            let members = &problem.groups[problem.slots[s1].group].members;
            let to = members[rng.random_range(0..members.len())];
            match state.relaxed_reassign(s1, r1, a, to) {
                Some((delta, more)) if accept(delta + CONFLICT_PENALTY * f64::from(more), temperature, &mut rng) => {
                    state.replace(s1, a, to);
                    conflicts = conflicts.checked_add_signed(more).expect("never negative");
                    delta
                }
                _ => continue,
            }
        } else {
            let s2 = slots_with_duty[rng.random_range(0..slots_with_duty.len())];
            if s2 == s1 || problem.slots[s1].group != problem.slots[s2].group {
                continue;
            }
            let (r2, b) = state.on_slot[s2][rng.random_range(0..state.on_slot[s2].len())];
            match state.relaxed_swap(s1, r1, a, s2, r2, b) {
                Some((delta, more)) if accept(delta + CONFLICT_PENALTY * f64::from(more), temperature, &mut rng) => {
                    state.replace(s1, a, b);
                    state.replace(s2, b, a);
                    conflicts = conflicts.checked_add_signed(more).expect("never negative");
                    delta
                }
                _ => continue,
            }
        };
        current += delta;
        if conflicts == 0 && current < best - 1e-9 {
            best = current;
            best_rota = state.rota();
        }
    }
    best_rota
}

fn accept(delta: f64, temperature: f64, rng: &mut impl rand::RngExt) -> bool {
    delta <= 0.0 || rng.random_bool((-delta / temperature).exp().clamp(0.0, 1.0))
}

/// Takes improving moves until none is left.
pub(crate) fn descend(problem: &RotaProblem, rota: &Rota) -> Rota {
    let mut state = State::new(problem, rota);
    for _ in 0..MAX_PASSES {
        let moved = state.reassign_pass() | state.swap_pass() | state.cover_pass();
        if !moved {
            break;
        }
    }
    state.rota()
}

/// Per-doctor totals the objective reads.
#[derive(Clone, Copy, Default)]
struct Totals {
    points: f64,
    holidays: u32,
    nights: u32,
}

struct State<'p> {
    problem: &'p RotaProblem,
    /// Per slot: who is on duty in which role.
    on_slot: Vec<Vec<(Role, usize)>>,
    /// Per doctor: their slots.
    duties: Vec<Vec<usize>>,
    totals: Vec<Totals>,
    /// Per cover demand: the covering doctor.
    cover: Vec<Option<usize>>,
    /// (doctor, group, year, month, weekend-only) → duties counted against that cap.
    month_counts: HashMap<(usize, usize, i32, u32, bool), u32>,
    requests_of: Vec<Vec<usize>>,
}

impl<'p> State<'p> {
    fn new(problem: &'p RotaProblem, rota: &Rota) -> Self {
        let mut state = Self {
            problem,
            on_slot: vec![Vec::new(); problem.slots.len()],
            duties: vec![Vec::new(); problem.doctors.len()],
            totals: vec![Totals::default(); problem.doctors.len()],
            cover: vec![None; problem.cover_demands.len()],
            month_counts: HashMap::new(),
            requests_of: vec![Vec::new(); problem.doctors.len()],
        };
        for (index, request) in problem.requests.iter().enumerate() {
            state.requests_of[request.doctor].push(index);
        }
        for a in &rota.assignments {
            state.add(a.slot, a.role, a.doctor);
        }
        for c in &rota.covers {
            state.cover[c.demand] = Some(c.doctor);
            state.totals[c.doctor].points += problem.cover_demands[c.demand].points;
        }
        state
    }

    fn rota(&self) -> Rota {
        let assignments = self
            .on_slot
            .iter()
            .enumerate()
            .flat_map(|(slot, duty)| duty.iter().map(move |&(role, doctor)| Assignment { slot, role, doctor }))
            .collect();
        let covers = self
            .cover
            .iter()
            .enumerate()
            .filter_map(|(demand, doctor)| doctor.map(|doctor| CoverAssignment { demand, doctor }))
            .collect();
        Rota::new(assignments, covers)
    }

    fn month_keys(&self, slot: usize, doctor: usize) -> [(usize, usize, i32, u32, bool); 2] {
        let s = &self.problem.slots[slot];
        [
            (doctor, s.group, s.date.year(), s.date.month(), false),
            (doctor, s.group, s.date.year(), s.date.month(), true),
        ]
    }

    /// Puts `doctor` in `role` of `slot`.
    fn add(&mut self, slot: usize, role: Role, doctor: usize) {
        self.on_slot[slot].push((role, doctor));
        self.book(slot, role, doctor, true);
    }

    /// Replaces `from` by `to` in the same place of `slot`.
    fn replace(&mut self, slot: usize, from: usize, to: usize) {
        let entry = self.on_slot[slot].iter_mut().find(|(_, d)| *d == from).expect("on duty");
        let role = entry.0;
        entry.1 = to;
        self.book(slot, role, from, false);
        self.book(slot, role, to, true);
    }

    /// Updates a doctor's duties, totals and month counts for a duty gained or lost.
    fn book(&mut self, slot: usize, role: Role, doctor: usize, gained: bool) {
        let s = &self.problem.slots[slot];
        if gained {
            self.duties[doctor].push(slot);
        } else {
            self.duties[doctor].retain(|&other| other != slot);
        }
        let sign = if gained { 1.0 } else { -1.0 };
        let step = |count: &mut u32, counts: bool| {
            if counts {
                if gained { *count += 1 } else { *count -= 1 }
            }
        };
        let totals = &mut self.totals[doctor];
        totals.points += sign * s.points_of(role);
        step(&mut totals.holidays, s.is_holiday_duty());
        step(&mut totals.nights, s.kind.is_night());
        let [all, weekend] = self.month_keys(slot, doctor);
        step(self.month_counts.entry(all).or_default(), true);
        step(self.month_counts.entry(weekend).or_default(), s.weekend_or_holiday);
    }

    /// Whether `doctor` may take `slot` given their current duties, ignoring `except`.
    fn can_take(&self, doctor: usize, slot: usize, except: Option<usize>) -> bool {
        let problem = self.problem;
        let s = &problem.slots[slot];
        let group = &problem.groups[s.group];
        if !group.members.contains(&doctor) || s.blocked_reason(doctor).is_some() {
            return false;
        }
        if self.on_slot[slot].iter().any(|&(_, d)| d == doctor) {
            return false;
        }
        let rules = &problem.doctors[doctor];
        let window = i64::from(rules.min_days_between);
        for &other in self.duties[doctor].iter().filter(|&&other| Some(other) != except) {
            let o = &problem.slots[other];
            let days = (o.date - s.date).num_days().abs();
            if days < window || (o.start < s.end && s.start < o.end) {
                return false;
            }
            if rules.no_consecutive_nights && days == 1 && o.kind.is_night() && s.kind.is_night() {
                return false;
            }
        }
        let [all, weekend] = self.month_keys(slot, doctor);
        let freed = |weekend_only: bool| {
            except.is_some_and(|other| {
                let o = &problem.slots[other];
                o.group == s.group
                    && (o.date.year(), o.date.month()) == (s.date.year(), s.date.month())
                    && (!weekend_only || o.weekend_or_holiday)
            })
        };
        let count = |key| self.month_counts.get(&key).copied().unwrap_or(0);
        if let Some(max) = group.rules.max_duties_per_month
            && count(all) - u32::from(freed(false)) + 1 > max
        {
            return false;
        }
        if s.weekend_or_holiday
            && let Some(max) = group.rules.max_holiday_duties_per_month
            && count(weekend) - u32::from(freed(true)) + 1 > max
        {
            return false;
        }
        true
    }

    /// Whether the slot's capability and 16 km needs hold with `leaving` replaced by `joining`.
    fn coverage_holds(&self, slot: usize, leaving: usize, joining: usize) -> bool {
        let problem = self.problem;
        let s = &problem.slots[slot];
        let on_duty = || self.on_slot[slot].iter().map(|&(_, d)| if d == leaving { joining } else { d });
        let had_capable = self.on_slot[slot].iter().any(|&(_, d)| problem.doctors[d].medical_care_child);
        if s.needs_medical_care_child && had_capable && !on_duty().any(|d| problem.doctors[d].medical_care_child) {
            return false;
        }
        s.cover_sets.iter().all(|&set| {
            let near = &problem.cover_sets[set].doctors;
            let had = self.on_slot[slot].iter().any(|&(_, d)| near.binary_search(&d).is_ok());
            !had || on_duty().any(|d| near.binary_search(&d).is_ok())
        })
    }

    /// The soft cost that belongs to `doctor` with `totals`, and a slot given or taken.
    fn cost(&self, doctor: usize, totals: Totals, gained: Option<usize>, lost: Option<usize>) -> f64 {
        let problem = self.problem;
        let weights = &problem.weights;
        let d = &problem.doctors[doctor];
        let excess = |value: f64, (low, high): (f64, f64)| (value - high).max(0.0) + (low - value).max(0.0);
        let mut cost = weights.fairness_cost(excess(totals.points, points_band(d.target, weights.band_half_width)))
            + weights.holiday_cost(excess(f64::from(totals.holidays), holiday_band(d.holiday_target)))
            + weights.night_cost(excess(f64::from(totals.nights), holiday_band(d.night_target)));
        let on = |slot: usize| (self.duties[doctor].contains(&slot) && Some(slot) != lost) || Some(slot) == gained;
        for &index in &self.requests_of[doctor] {
            let request = &problem.requests[index];
            let weight = weights.request * f64::from(request.weight);
            let taken = request.slots.iter().filter(|&&slot| on(slot)).count();
            cost += match request.kind {
                RequestKind::Avoid => weight * taken as f64,
                RequestKind::Want => {
                    if taken == 0 {
                        weight
                    } else {
                        0.0
                    }
                }
            };
        }
        cost
    }

    fn with(&self, doctor: usize, gained: Option<(usize, Role)>, lost: Option<(usize, Role)>) -> Totals {
        let mut totals = self.totals[doctor];
        for (entry, sign) in [(gained, 1.0), (lost, -1.0)] {
            if let Some((slot, role)) = entry {
                let s = &self.problem.slots[slot];
                totals.points += sign * s.points_of(role);
                let step = |count: u32, counts: bool| {
                    if !counts {
                        count
                    } else if sign > 0.0 {
                        count + 1
                    } else {
                        count - 1
                    }
                };
                totals.holidays = step(totals.holidays, s.is_holiday_duty());
                totals.nights = step(totals.nights, s.kind.is_night());
            }
        }
        totals
    }

    /// The soft objective of the current rota.
    fn total_cost(&self) -> f64 {
        let doctors: f64 = (0..self.totals.len()).map(|d| self.cost(d, self.totals[d], None, None)).sum();
        let unmet: f64 = self
            .cover
            .iter()
            .enumerate()
            .filter_map(|(index, doctor)| {
                let demand = &self.problem.cover_demands[index];
                doctor.and_then(|d| demand.candidates.iter().find(|c| c.doctor == d))
            })
            .map(|candidate| f64::from(candidate.unmet) * self.problem.weights.unmet_patient)
            .sum();
        doctors + unmet
    }

    /// Whether `doctor` could be on `slot` at all: a member, not blocked, not already on it.
    fn may_hold(&self, doctor: usize, slot: usize) -> bool {
        let s = &self.problem.slots[slot];
        self.problem.groups[s.group].members.contains(&doctor)
            && s.blocked_reason(doctor).is_none()
            && !self.on_slot[slot].iter().any(|&(_, d)| d == doctor)
    }

    /// How many rest rules `doctor` holding `slot` breaks against their other duties
    /// (except `except`): date window, consecutive nights, overlap, and each monthly cap
    /// already full.
    fn conflicts(&self, doctor: usize, slot: usize, except: &[usize]) -> i32 {
        let problem = self.problem;
        let s = &problem.slots[slot];
        let rules = &problem.doctors[doctor];
        let window = i64::from(rules.min_days_between);
        let mut count = 0;
        for &other in self.duties[doctor].iter().filter(|o| **o != slot && !except.contains(o)) {
            let o = &problem.slots[other];
            let days = (o.date - s.date).num_days().abs();
            count += i32::from(days < window)
                + i32::from(o.start < s.end && s.start < o.end)
                + i32::from(rules.no_consecutive_nights && days == 1 && o.kind.is_night() && s.kind.is_night());
        }
        let group = &problem.groups[s.group];
        let [all, weekend] = self.month_keys(slot, doctor);
        let in_month = |weekend_only: bool| {
            self.duties[doctor]
                .iter()
                .filter(|o| **o != slot && !except.contains(o))
                .map(|&o| &problem.slots[o])
                .filter(|o| {
                    o.group == s.group
                        && (o.date.year(), o.date.month()) == (s.date.year(), s.date.month())
                        && (!weekend_only || o.weekend_or_holiday)
                })
                .count() as u32
        };
        let _ = (all, weekend);
        if group.rules.max_duties_per_month.is_some_and(|max| in_month(false) >= max) {
            count += 1;
        }
        if s.weekend_or_holiday && group.rules.max_holiday_duties_per_month.is_some_and(|max| in_month(true) >= max) {
            count += 1;
        }
        count
    }

    /// Objective and conflict changes if `to` takes `from`'s duty, conflicts allowed;
    /// `None` if membership, absences or coverage forbid it.
    fn relaxed_reassign(&self, slot: usize, role: Role, from: usize, to: usize) -> Option<(f64, i32)> {
        if to == from || !self.may_hold(to, slot) || !self.coverage_holds(slot, from, to) {
            return None;
        }
        let more = self.conflicts(to, slot, &[]) - self.conflicts(from, slot, &[]);
        let delta = self.cost(from, self.with(from, None, Some((slot, role))), None, Some(slot))
            - self.cost(from, self.totals[from], None, None)
            + self.cost(to, self.with(to, Some((slot, role)), None), Some(slot), None)
            - self.cost(to, self.totals[to], None, None);
        Some((delta, more))
    }

    /// Objective and conflict changes if `a` and `b` swap duties, conflicts allowed.
    fn relaxed_swap(&self, s1: usize, r1: Role, a: usize, s2: usize, r2: Role, b: usize) -> Option<(f64, i32)> {
        if a == b || !self.may_hold(b, s1) || !self.may_hold(a, s2) {
            return None;
        }
        if !self.coverage_holds(s1, a, b) || !self.coverage_holds(s2, b, a) {
            return None;
        }
        let more = self.conflicts(b, s1, &[s2]) + self.conflicts(a, s2, &[s1])
            - self.conflicts(a, s1, &[])
            - self.conflicts(b, s2, &[]);
        let before = self.cost(a, self.totals[a], None, None) + self.cost(b, self.totals[b], None, None);
        let after_a = self.cost(a, self.with(a, Some((s2, r2)), Some((s1, r1))), Some(s2), Some(s1));
        let after_b = self.cost(b, self.with(b, Some((s1, r1)), Some((s2, r2))), Some(s1), Some(s2));
        Some((after_a + after_b - before, more))
    }

    /// The change of the objective if `to` takes `from`'s duty (slot, role), or `None`
    /// if a rule or coverage forbids it.
    fn reassign_delta(&self, slot: usize, role: Role, from: usize, to: usize) -> Option<f64> {
        if to == from || !self.can_take(to, slot, None) || !self.coverage_holds(slot, from, to) {
            return None;
        }
        Some(
            self.cost(from, self.with(from, None, Some((slot, role))), None, Some(slot))
                - self.cost(from, self.totals[from], None, None)
                + self.cost(to, self.with(to, Some((slot, role)), None), Some(slot), None)
                - self.cost(to, self.totals[to], None, None),
        )
    }

    /// The change of the objective if `a` and `b` swap duties (s1, r1) and (s2, r2), or
    /// `None` if a rule or coverage forbids it.
    fn swap_delta(&self, s1: usize, r1: Role, a: usize, s2: usize, r2: Role, b: usize) -> Option<f64> {
        if a == b || !self.can_take(b, s1, Some(s2)) || !self.can_take(a, s2, Some(s1)) {
            return None;
        }
        if !self.coverage_holds(s1, a, b) || !self.coverage_holds(s2, b, a) {
            return None;
        }
        let before = self.cost(a, self.totals[a], None, None) + self.cost(b, self.totals[b], None, None);
        let after_a = self.cost(a, self.with(a, Some((s2, r2)), Some((s1, r1))), Some(s2), Some(s1));
        let after_b = self.cost(b, self.with(b, Some((s1, r1)), Some((s2, r2))), Some(s1), Some(s2));
        Some(after_a + after_b - before)
    }

    /// Hands single duties to other members when that lowers the objective.
    fn reassign_pass(&mut self) -> bool {
        let mut moved = false;
        for slot in 0..self.on_slot.len() {
            for position in 0..self.on_slot[slot].len() {
                let (role, from) = self.on_slot[slot][position];
                let mut best: Option<(f64, usize)> = None;
                for &to in &self.problem.groups[self.problem.slots[slot].group].members {
                    let Some(delta) = self.reassign_delta(slot, role, from, to) else { continue };
                    if delta < -1e-9 && best.is_none_or(|(best_delta, _)| delta < best_delta) {
                        best = Some((delta, to));
                    }
                }
                if let Some((_, to)) = best {
                    self.replace(slot, from, to);
                    moved = true;
                }
            }
        }
        moved
    }

    /// Swaps two duties of one group between two doctors when that lowers the objective.
    fn swap_pass(&mut self) -> bool {
        let mut moved = false;
        let n_slots = self.on_slot.len();
        for s1 in 0..n_slots {
            for p1 in 0..self.on_slot[s1].len() {
                for s2 in s1 + 1..n_slots {
                    if self.problem.slots[s1].group != self.problem.slots[s2].group {
                        continue;
                    }
                    for p2 in 0..self.on_slot[s2].len() {
                        let (r1, a) = self.on_slot[s1][p1];
                        let (r2, b) = self.on_slot[s2][p2];
                        if self.swap_delta(s1, r1, a, s2, r2, b).is_some_and(|delta| delta < -1e-9) {
                            self.replace(s1, a, b);
                            self.replace(s2, b, a);
                            moved = true;
                        }
                    }
                }
            }
        }
        moved
    }

    /// Hands absence covers to other candidates when that lowers the objective.
    fn cover_pass(&mut self) -> bool {
        let problem = self.problem;
        let mut moved = false;
        for (index, demand) in problem.cover_demands.iter().enumerate() {
            let Some(from) = self.cover[index] else { continue };
            let unmet = |doctor: usize| {
                demand.candidates.iter().find(|c| c.doctor == doctor).map_or(0.0, |c| f64::from(c.unmet))
                    * problem.weights.unmet_patient
            };
            let cost_with = |state: &Self, doctor: usize, delta: f64| {
                let mut totals = state.totals[doctor];
                totals.points += delta;
                state.cost(doctor, totals, None, None)
            };
            let before_from = cost_with(self, from, 0.0) + unmet(from);
            let mut best: Option<(f64, usize)> = None;
            for candidate in &demand.candidates {
                let to = candidate.doctor;
                if to == from {
                    continue;
                }
                let delta = cost_with(self, from, -demand.points) - before_from + cost_with(self, to, demand.points)
                    - cost_with(self, to, 0.0)
                    + unmet(to);
                if delta < -1e-9 && best.is_none_or(|(best_delta, _)| delta < best_delta) {
                    best = Some((delta, to));
                }
            }
            if let Some((_, to)) = best {
                self.totals[from].points -= demand.points;
                self.totals[to].points += demand.points;
                self.cover[index] = Some(to);
                moved = true;
            }
        }
        moved
    }
}
