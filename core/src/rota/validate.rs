//! The independent validator: checks every hard rule of a rota against its problem and
//! recomputes the objective from scratch, without sharing code with the MIP model.
//!
//! Three outcomes per rota:
//! - [`Violation`]s: hard rules broken (a valid rota has none);
//! - [`Shortfall`]s: coverage the rota leaves unmet (unfilled roles, no capable doctor
//!   on duty, a 16 km cover set with nobody on duty, an absence nobody covers). A
//!   best-effort rota for an infeasible month has some; their count is the first,
//!   lexicographically dominant level of the objective;
//! - the soft objective ([`ObjectiveBreakdown`]), with each penalty and a Japanese
//!   reason, and per-doctor [`Tally`]s.

use serde::Serialize;

use super::assignment::{Assignment, CoverAssignment, Rota};
use super::problem::RotaProblem;
use crate::domain::Role;

mod coverage;
mod hard;
mod objective;
#[cfg(test)]
mod tests;

/// What the validator found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Hard rules broken.
    pub violations: Vec<Violation>,
    /// Coverage left unmet.
    pub shortfalls: Vec<Shortfall>,
    /// The soft objective by term.
    pub objective: ObjectiveBreakdown,
    /// Every nonzero soft penalty, with its reason.
    pub penalties: Vec<Penalty>,
    /// Per doctor, in problem order.
    pub tallies: Vec<Tally>,
}

impl Report {
    /// Valid (no violations) and complete (no shortfalls).
    pub fn is_perfect(&self) -> bool {
        self.violations.is_empty() && self.shortfalls.is_empty()
    }

    /// The first objective level: units of unmet coverage (each missing role member,
    /// each slot without a capable doctor, each unmet 16 km set, each uncovered absence).
    pub fn shortfall_units(&self) -> u32 {
        self.shortfalls.iter().map(Shortfall::units).sum()
    }
}

/// A hard rule broken by a rota.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Violation {
    /// An index outside the problem.
    BadIndex {
        /// What is out of range.
        what: String,
    },
    /// A doctor on a slot of a group they are not a member of.
    NotMember {
        /// Slot index.
        slot: usize,
        /// Doctor index.
        doctor: usize,
    },
    /// A doctor on a slot they are blocked from (absence, unavailability).
    Blocked {
        /// Slot index.
        slot: usize,
        /// Doctor index.
        doctor: usize,
    },
    /// More doctors in a role than it needs.
    OverFilled {
        /// Slot index.
        slot: usize,
        /// Role.
        role: Role,
    },
    /// The same doctor twice in one slot (both roles, or twice in a role).
    TwiceInSlot {
        /// Slot index.
        slot: usize,
        /// Doctor index.
        doctor: usize,
    },
    /// Two duties of one doctor overlap in time.
    Overlap {
        /// Doctor index.
        doctor: usize,
        /// The two slots.
        slots: [usize; 2],
    },
    /// Nights on consecutive dates where a group forbids it.
    ConsecutiveNights {
        /// Doctor index.
        doctor: usize,
        /// The two slots.
        slots: [usize; 2],
    },
    /// Two duties closer than the doctor's `min_days_between`.
    TooClose {
        /// Doctor index.
        doctor: usize,
        /// The two slots.
        slots: [usize; 2],
    },
    /// More duties in a group in a calendar month than its cap.
    MaxDuties {
        /// Doctor index.
        doctor: usize,
        /// Group index.
        group: usize,
        /// Duties counted.
        count: u32,
        /// The cap.
        max: u32,
    },
    /// More weekend/holiday duties in a group in a month than its cap.
    MaxHolidayDuties {
        /// Doctor index.
        doctor: usize,
        /// Group index.
        group: usize,
        /// Duties counted.
        count: u32,
        /// The cap.
        max: u32,
    },
    /// An absence covered by someone not among its candidates.
    NotCoverCandidate {
        /// Cover demand index.
        demand: usize,
        /// Doctor index.
        doctor: usize,
    },
    /// An absence covered by more than one doctor.
    CoveredTwice {
        /// Cover demand index.
        demand: usize,
    },
}

impl Violation {
    /// The rule broken, in Japanese, naming the doctor and duties.
    pub fn describe(&self, problem: &RotaProblem) -> String {
        let doctor = |d: usize| problem.doctors.get(d).map_or_else(|| format!("#{d}"), |doc| doc.name.clone());
        let slot = |s: usize| problem.slots.get(s).map_or_else(|| format!("#{s}"), |slot| slot.label());
        match self {
            Self::BadIndex { what } => format!("問題にない番号です (index outside the problem: {what})"),
            Self::NotMember { slot: s, doctor: d } => {
                format!("{} はグループ外なのに {} の当番です (not a member of the group)", doctor(*d), slot(*s))
            }
            Self::Blocked { slot: s, doctor: d } => {
                format!(
                    "{} は {} に入れません: 不在・勤務不可 (blocked by an absence or unavailability)",
                    doctor(*d),
                    slot(*s)
                )
            }
            Self::OverFilled { slot: s, role } => {
                format!("{} の{}が多すぎます (more {} than the slot needs)", slot(*s), role.label(), role.code())
            }
            Self::TwiceInSlot { slot: s, doctor: d } => {
                format!("{} が {} に二重に入っています (twice in one slot)", doctor(*d), slot(*s))
            }
            Self::Overlap { doctor: d, slots: [a, b] } => {
                format!("{} の {} と {} が時間で重なります (overlapping duties)", doctor(*d), slot(*a), slot(*b))
            }
            Self::ConsecutiveNights { doctor: d, slots: [a, b] } => {
                format!("{} の夜間当番 {} と {} が連続します (consecutive nights)", doctor(*d), slot(*a), slot(*b))
            }
            Self::TooClose { doctor: d, slots: [a, b] } => format!(
                "{} の {} と {} の間が {} 日空いていません (duties too close together)",
                doctor(*d),
                slot(*a),
                slot(*b),
                problem.doctors.get(*d).map_or(0, |doc| doc.min_days_between)
            ),
            Self::MaxDuties { doctor: d, count, max, .. } => {
                format!("{} の当番が月 {count} 回で上限 {max} 回を超えます (over the monthly cap)", doctor(*d))
            }
            Self::MaxHolidayDuties { doctor: d, count, max, .. } => {
                format!(
                    "{} の土日祝の当番が月 {count} 回で上限 {max} 回を超えます (over the weekend/holiday cap)",
                    doctor(*d)
                )
            }
            Self::NotCoverCandidate { demand, doctor: d } => {
                format!(
                    "{} は不在 {} の代診候補ではありません (not a cover candidate)",
                    doctor(*d),
                    cover_label(problem, *demand)
                )
            }
            Self::CoveredTwice { demand } => {
                format!("不在 {} の代診が二重です (covered twice)", cover_label(problem, *demand))
            }
        }
    }
}

fn cover_label(problem: &RotaProblem, demand: usize) -> String {
    problem.cover_demands.get(demand).map_or_else(|| format!("#{demand}"), |d| d.absence.clone())
}

/// Coverage a rota leaves unmet.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Shortfall {
    /// A role with fewer doctors than it needs.
    Unfilled {
        /// Slot index.
        slot: usize,
        /// Role.
        role: Role,
        /// How many are missing.
        missing: u32,
    },
    /// No 医療的ケア児-capable doctor on duty where one is needed.
    NoCapableDoctor {
        /// Slot index.
        slot: usize,
    },
    /// Nobody of a 16 km cover set on duty.
    NoNearbyDoctor {
        /// Slot index.
        slot: usize,
        /// Cover set index.
        cover_set: usize,
    },
    /// An absence nobody covers.
    AbsenceUncovered {
        /// Cover demand index.
        demand: usize,
    },
}

impl Shortfall {
    /// Units counted in the first objective level.
    pub fn units(&self) -> u32 {
        match self {
            Self::Unfilled { missing, .. } => *missing,
            _ => 1,
        }
    }
}

/// The soft objective by term; `total` is their sum.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ObjectiveBreakdown {
    /// Points deviation beyond each doctor's band.
    pub fairness: f64,
    /// Holiday duties beyond each doctor's integer band.
    pub holiday_fairness: f64,
    /// Night duties beyond each doctor's integer band.
    pub night_fairness: f64,
    /// Unmet wants and taken avoids.
    pub requests: f64,
    /// Patients of absent doctors covered by someone who has not met them.
    pub unmet_patients: f64,
    /// Sum of the terms.
    pub total: f64,
}

/// One nonzero soft penalty.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Penalty {
    /// Which term: `fairness`, `holiday_fairness`, `night_fairness`, `requests`, `unmet_patients`.
    pub term: &'static str,
    /// The doctor it concerns.
    pub doctor: usize,
    /// Its cost.
    pub cost: f64,
    /// Why, in Japanese, e.g. `見本 一郎: 目標 6.5 点に対し 8.5 点 (帯 6.0〜7.0 を 1.5 点超過)`.
    pub reason: String,
}

/// One doctor's load.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tally {
    /// Doctor index.
    pub doctor: usize,
    /// Duties (both roles).
    pub duties: u32,
    /// 当番 duties.
    pub primary: u32,
    /// 副当番 duties.
    pub secondary: u32,
    /// Night duties.
    pub nights: u32,
    /// 休日日中・休日夜間 duties.
    pub holiday_duties: u32,
    /// Absences covered.
    pub covers: u32,
    /// Points, duties and covers together.
    pub points: f64,
    /// The target points (fair share less carry-over).
    pub target: f64,
    /// The fair share before the carry-over.
    pub base_target: f64,
    /// Carry-over balance before the range.
    pub carry_over: f64,
    /// The holiday duty target.
    pub holiday_target: f64,
    /// The night duty target.
    pub night_target: f64,
    /// Balance after the range: `carry_over + points − base_target`.
    pub new_balance: f64,
}

/// Validates `rota` against `problem`: every hard rule, the coverage it leaves unmet, and
/// the soft objective recomputed from scratch.
///
/// The problem is trusted (it comes from [`super::build_problem`]); only the rota is
/// checked. Each rule is checked on its own, so one fault can break several rules (two
/// duties on one date can be an [`Violation::Overlap`] and a [`Violation::TooClose`]).
/// Entries with an index outside the problem are reported as [`Violation::BadIndex`]
/// and otherwise ignored; a repeated entry is reported (as [`Violation::TwiceInSlot`]
/// or [`Violation::CoveredTwice`]) and otherwise counted once. Every other entry counts
/// towards coverage and the objective even if it breaks a rule: a violation is a
/// violation, and a filled role is filled.
pub fn validate(problem: &RotaProblem, rota: &Rota) -> Report {
    let mut violations = Vec::new();
    let duties = Duties::new(problem, rota, &mut violations);
    hard::check_membership(problem, &duties, &mut violations);
    hard::check_blocked(problem, &duties, &mut violations);
    hard::check_over_filled(problem, &duties, &mut violations);
    hard::check_twice_in_slot(&duties, &mut violations);
    hard::check_overlaps(problem, &duties, &mut violations);
    hard::check_consecutive_nights(problem, &duties, &mut violations);
    hard::check_min_days_between(problem, &duties, &mut violations);
    hard::check_monthly_caps(problem, &duties, &mut violations);
    hard::check_covers(problem, &duties, &mut violations);

    let mut shortfalls = Vec::new();
    coverage::unfilled_roles(problem, &duties, &mut shortfalls);
    coverage::missing_capability(problem, &duties, &mut shortfalls);
    coverage::missing_nearby_doctor(problem, &duties, &mut shortfalls);
    coverage::uncovered_absences(problem, &duties, &mut shortfalls);

    let tallies = objective::tallies(problem, &duties);
    let terms = [
        objective::fairness_term(problem, &tallies),
        objective::holiday_term(problem, &tallies),
        objective::night_term(problem, &tallies),
        objective::requests_term(problem, &duties),
        objective::unmet_patients_term(problem, &duties),
    ];
    // Folded from +0.0: an empty `sum()` of floats is −0.0, which would print as `-0`.
    let sum = |penalties: &[Penalty]| penalties.iter().fold(0.0, |sum, penalty| sum + penalty.cost);
    let (fairness, holiday_fairness, night_fairness, requests, unmet_patients) =
        (sum(&terms[0]), sum(&terms[1]), sum(&terms[2]), sum(&terms[3]), sum(&terms[4]));
    let objective = ObjectiveBreakdown {
        fairness,
        holiday_fairness,
        night_fairness,
        requests,
        unmet_patients,
        total: fairness + holiday_fairness + night_fairness + requests + unmet_patients,
    };
    let penalties = terms.into_iter().flatten().collect();
    Report { violations, shortfalls, objective, penalties, tallies }
}

/// The rota's entries with indices inside the problem, arranged the ways the checks
/// read them.
struct Duties {
    /// Assignment entries as given (repeats kept), sorted.
    entries: Vec<Assignment>,
    /// Distinct assignments, sorted by (slot, role, doctor).
    assignments: Vec<Assignment>,
    /// Cover entries as given (repeats kept), sorted.
    cover_entries: Vec<CoverAssignment>,
    /// Distinct covers, sorted by (demand, doctor).
    covers: Vec<CoverAssignment>,
    /// Per slot: the distinct doctors on duty in any role, ascending.
    on_duty: Vec<Vec<usize>>,
    /// Per slot: how many distinct doctors fill each role, `[primary, secondary]`.
    filled: Vec<[u32; 2]>,
    /// Per doctor: the distinct slots they are on duty in, ascending.
    slots_of: Vec<Vec<usize>>,
}

impl Duties {
    /// Sorts the rota's entries out, reporting those with an index outside the problem.
    fn new(problem: &RotaProblem, rota: &Rota, violations: &mut Vec<Violation>) -> Self {
        let (n_slots, n_doctors, n_demands) = (problem.slots.len(), problem.doctors.len(), problem.cover_demands.len());
        let mut entries = Vec::new();
        for &assignment in &rota.assignments {
            let Assignment { slot, role, doctor } = assignment;
            if slot >= n_slots || doctor >= n_doctors {
                violations.push(Violation::BadIndex {
                    what: format!(
                        "assignment (slot {slot}, {}, doctor {doctor}) with {n_slots} slots and {n_doctors} doctors",
                        role.code()
                    ),
                });
            } else {
                entries.push(assignment);
            }
        }
        let mut cover_entries = Vec::new();
        for &cover in &rota.covers {
            let CoverAssignment { demand, doctor } = cover;
            if demand >= n_demands || doctor >= n_doctors {
                violations.push(Violation::BadIndex {
                    what: format!(
                        "cover (demand {demand}, doctor {doctor}) with {n_demands} cover demands and {n_doctors} doctors"
                    ),
                });
            } else {
                cover_entries.push(cover);
            }
        }
        entries.sort_unstable();
        cover_entries.sort_unstable();
        let mut assignments = entries.clone();
        assignments.dedup();
        let mut covers = cover_entries.clone();
        covers.dedup();

        let mut on_duty = vec![Vec::new(); n_slots];
        let mut filled = vec![[0; 2]; n_slots];
        let mut slots_of = vec![Vec::new(); n_doctors];
        for &Assignment { slot, role, doctor } in &assignments {
            on_duty[slot].push(doctor);
            filled[slot][role_index(role)] += 1;
            slots_of[doctor].push(slot);
        }
        for list in on_duty.iter_mut().chain(slots_of.iter_mut()) {
            list.sort_unstable();
            list.dedup();
        }
        Self { entries, assignments, cover_entries, covers, on_duty, filled, slots_of }
    }

    /// Whether `doctor` is on duty in `slot` in any role.
    fn is_on_duty(&self, slot: usize, doctor: usize) -> bool {
        self.on_duty[slot].binary_search(&doctor).is_ok()
    }
}

/// Position of a role in `[primary, secondary]` pairs.
fn role_index(role: Role) -> usize {
    match role {
        Role::Primary => 0,
        Role::Secondary => 1,
    }
}
