//! Hospital quotas (受入上限): when hospitals cap how many patients they accept as a
//! registered backup hospital, assign an area's patients so that as many as possible
//! keep their best-ranked hospitals, and report who was moved down and why.
//!
//! **The problem.** Each patient of the area wants the first `n` hospitals of their
//! ranking ([`super::rank`]; `n` is the list length). A capped hospital takes at most
//! its quota, less the active registrations it holds for patients of other areas
//! (they are outside this assignment but use its places). Each patient is given at
//! most `n` hospitals of their ranking, and the assignment maximises, in this order
//! (lexicographically, each criterion absolutely before the next):
//! 1. the number of list positions filled (nobody left short who need not be);
//! 2. the number of patients who keep the hospital at position 1 of their ranking; then
//!    at position 2; and so on down the ranking;
//! 3. the number of patients who keep a capped hospital they are registered with now
//!    (fewest changes to existing registrations).
//!
//! Remaining ties between patients with the same ranked candidates (as far as it
//! matters) are broken by file order: the earlier patient keeps the contested place.
//!
//! **The method** is a minimum-cost maximum flow (source → classes of patients with the
//! same relevant candidates → capped hospitals → sink, with uncapped hospitals straight
//! to the sink), whose arc costs are vectors compared lexicographically, solved by
//! primal–dual successive shortest paths (Dijkstra, then a blocking flow over every
//! shortest path at once). We chose it over a MIP with good_lp because the problem is
//! a transportation problem: a flow is integral and exactly optimal by construction,
//! the lexicographic order needs no big-M weights (with 2,000 patients and ten
//! positions, weights of 2001¹⁰ would overflow and lose precision in a MIP), and the
//! optimality is proven by a certificate checked independently of the algorithm (no
//! augmenting path, no negative residual cycle). An area of 2,000 patients with five
//! capped hospitals takes 35–60 ms (`benches/backup.rs`). Uncapped hospitals are
//! never contested, so each patient's ranking is cut where it holds `n` of them;
//! nothing beyond can help.

mod flow;
mod solve;

#[cfg(test)]
mod tests;

use serde::Serialize;

use super::rank::{RankOptions, list_len};
use super::score::Candidates;
use crate::dataset::Dataset;
use crate::domain::{Area, Hospital, Idx, Patient};
use solve::{Slot, Wish};

/// What to assign.
#[derive(Debug, Clone, PartialEq)]
pub struct QuotaOptions {
    /// The ranking (date, list length, travel).
    pub rank: RankOptions,
    /// Caps to use instead of the hospitals' quotas (what-if, or caps not yet in the
    /// data).
    pub caps: Vec<(Idx<Hospital>, u32)>,
    /// Whether a hospital's places held by patients of other areas count against its
    /// quota (default true).
    pub count_other_areas: bool,
}

impl QuotaOptions {
    /// The defaults as of `on`.
    pub fn on(on: chrono::NaiveDate) -> Self {
        Self { rank: RankOptions::on(on), caps: Vec::new(), count_other_areas: true }
    }
}

/// Whether the assignment is proven optimal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum QuotaProof {
    /// The certificate holds: maximum positions filled and no better assignment.
    Optimal,
    /// The certificate failed (a bug): why.
    Unverified {
        /// What failed.
        reason: String,
    },
}

/// A capped hospital in the assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HospitalQuota {
    /// The hospital.
    #[serde(skip)]
    pub hospital: Idx<Hospital>,
    /// Hospital id.
    pub hospital_id: String,
    /// Name.
    pub hospital_name: String,
    /// Its cap (quota, or the override).
    pub quota: u32,
    /// Places held by patients of other areas.
    pub used_elsewhere: u32,
    /// Places for this area.
    pub capacity: u32,
    /// Patients of the area who want it (in their first `n`).
    pub wanted_by: usize,
    /// Patients assigned to it.
    pub assigned: usize,
}

/// A hospital a patient lost, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LostHospital {
    /// Hospital id.
    pub hospital_id: String,
    /// Its position in the patient's ranking.
    pub position: usize,
}

/// One patient's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PatientQuota {
    /// The patient.
    #[serde(skip)]
    pub patient: Idx<Patient>,
    /// Patient id.
    pub patient_id: String,
    /// The first `n` hospitals of the ranking, by id.
    pub wanted: Vec<String>,
    /// The hospitals assigned, best first, by id.
    pub assigned: Vec<String>,
    /// Their positions in the ranking (1-based).
    pub positions: Vec<usize>,
    /// Whether the patient keeps every wanted hospital.
    pub kept: bool,
    /// Wanted hospitals lost to a full quota.
    pub lost: Vec<LostHospital>,
    /// Why, in Japanese: 「希望どおり」 or which hospital was full and what they got.
    pub reason: String,
}

/// The objective, criterion by criterion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotaObjective {
    /// List positions filled.
    pub positions_filled: usize,
    /// List positions wanted (Σ n over the patients).
    pub positions_wanted: usize,
    /// Patients holding the hospital at each position of their ranking (1, 2, …).
    pub kept_by_position: Vec<usize>,
    /// Registrations at capped hospitals kept.
    pub registrations_kept: usize,
    /// Patients who keep every wanted hospital.
    pub patients_kept: usize,
    /// Patients moved down.
    pub patients_moved_down: usize,
}

/// The assignment of an area's patients under the quotas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotaAssignment {
    /// Area id.
    pub area_id: String,
    /// Patients assigned.
    pub patients: usize,
    /// The capped hospitals the area's patients rank, by id.
    pub hospitals: Vec<HospitalQuota>,
    /// Every patient, in file order.
    pub outcomes: Vec<PatientQuota>,
    /// The objective.
    pub objective: QuotaObjective,
    /// Proof status.
    pub proof: QuotaProof,
}

impl QuotaAssignment {
    /// The patients moved down.
    pub fn moved_down(&self) -> impl Iterator<Item = &PatientQuota> {
        self.outcomes.iter().filter(|outcome| !outcome.kept)
    }
}

/// Assigns the patients of `area` under the hospitals' quotas (see the module doc).
pub fn assign_quotas(dataset: &Dataset, area: Idx<Area>, options: &QuotaOptions) -> QuotaAssignment {
    let candidates = Candidates::new(dataset);
    let patients: Vec<Idx<Patient>> =
        dataset.patients.indices().filter(|&p| dataset.area_of_patient(p) == area).collect();
    let cap_of = |hospital: Idx<Hospital>| {
        options.caps.iter().find(|(h, _)| *h == hospital).map(|(_, cap)| *cap).or(dataset.hospitals[hospital].quota)
    };
    // Capped hospitals in order of first appearance; each patient's ranking as slots.
    let mut capped: Vec<Idx<Hospital>> = Vec::new();
    let mut rankings: Vec<Vec<Idx<Hospital>>> = Vec::with_capacity(patients.len());
    let mut wishes: Vec<Wish> = Vec::with_capacity(patients.len());
    for &patient in &patients {
        let scored = candidates.scored(dataset, patient, options.rank.on, options.rank.travel.as_ref());
        let registered: Vec<Idx<Hospital>> = dataset
            .registrations_of_patient(patient)
            .iter()
            .map(|&r| &dataset.registrations[r])
            .filter(|r| r.is_active())
            .map(|r| r.hospital)
            .collect();
        let need = list_len(dataset, patient, &options.rank).min(scored.len());
        let slots = scored
            .iter()
            .map(|s| {
                let capped = cap_of(s.hospital).map(|_| match capped.iter().position(|&h| h == s.hospital) {
                    Some(position) => position,
                    None => {
                        capped.push(s.hospital);
                        capped.len() - 1
                    }
                });
                Slot { capped, registered: registered.contains(&s.hospital) }
            })
            .collect();
        rankings.push(scored.iter().map(|s| s.hospital).collect());
        wishes.push(Wish { need, slots });
    }
    let quotas: Vec<u32> = capped.iter().map(|&h| cap_of(h).expect("capped")).collect();
    let used_elsewhere: Vec<u32> = capped
        .iter()
        .map(|&hospital| {
            if !options.count_other_areas {
                return 0;
            }
            let count = dataset
                .registrations_of_hospital(hospital)
                .iter()
                .map(|&r| &dataset.registrations[r])
                .filter(|r| r.is_active() && dataset.area_of_patient(r.patient) != area)
                .count();
            u32::try_from(count).unwrap_or(u32::MAX)
        })
        .collect();
    let caps: Vec<u32> = quotas.iter().zip(&used_elsewhere).map(|(&quota, &used)| quota.saturating_sub(used)).collect();
    let solved = solve::solve(&wishes, &caps);
    let problem = Problem { area, patients, rankings, wishes, capped, quotas, used_elsewhere, caps };
    report(dataset, &problem, solved)
}

/// The assignment problem of an area, as built from the dataset.
struct Problem {
    area: Idx<Area>,
    patients: Vec<Idx<Patient>>,
    /// Per patient, the ranked hospitals.
    rankings: Vec<Vec<Idx<Hospital>>>,
    wishes: Vec<Wish>,
    /// The capped hospitals; the indices of `Slot::capped`.
    capped: Vec<Idx<Hospital>>,
    quotas: Vec<u32>,
    used_elsewhere: Vec<u32>,
    /// Places for the area.
    caps: Vec<u32>,
}

fn report(dataset: &Dataset, problem: &Problem, solved: solve::Solved) -> QuotaAssignment {
    let Problem { area, patients, rankings, wishes, capped, quotas, used_elsewhere, caps } = problem;
    let id = |h: Idx<Hospital>| dataset.hospitals[h].id.to_string();
    let name = |h: Idx<Hospital>| dataset.hospitals[h].name.clone();
    let mut wanted_by = vec![0usize; capped.len()];
    let mut assigned = vec![0usize; capped.len()];
    let mut outcomes = Vec::with_capacity(patients.len());
    for (((&patient, ranking), wish), chosen) in patients.iter().zip(rankings).zip(wishes).zip(&solved.chosen) {
        for slot in &wish.slots[..wish.need] {
            if let Some(h) = slot.capped {
                wanted_by[h] += 1;
            }
        }
        for &position in chosen {
            if let Some(h) = wish.slots[position].capped {
                assigned[h] += 1;
            }
        }
        let lost: Vec<usize> = (0..wish.need).filter(|position| !chosen.contains(position)).collect();
        let gained: Vec<usize> = chosen.iter().copied().filter(|&position| position >= wish.need).collect();
        let reason = if lost.is_empty() {
            "希望どおり".to_owned()
        } else {
            let full: Vec<String> = lost.iter().map(|&position| name(ranking[position])).collect();
            let got = if gained.is_empty() {
                "代わりの病院はありません".to_owned()
            } else {
                let got: Vec<String> = gained
                    .iter()
                    .map(|&position| format!("第{}候補の{}", position + 1, name(ranking[position])))
                    .collect();
                format!("{}を割り当て", got.join("、"))
            };
            format!("{}が受入上限に達したため、{got}", full.join("・"))
        };
        outcomes.push(PatientQuota {
            patient,
            patient_id: dataset.patients[patient].id.to_string(),
            wanted: ranking[..wish.need].iter().map(|&h| id(h)).collect(),
            assigned: chosen.iter().map(|&position| id(ranking[position])).collect(),
            positions: chosen.iter().map(|&position| position + 1).collect(),
            kept: lost.is_empty(),
            lost: lost
                .iter()
                .map(|&position| LostHospital { hospital_id: id(ranking[position]), position: position + 1 })
                .collect(),
            reason,
        });
    }
    let score = solve::signature(wishes, &solved.chosen);
    let positions = score.len() - 2;
    let objective = QuotaObjective {
        positions_filled: score[0],
        positions_wanted: wishes.iter().map(|w| w.need).sum(),
        kept_by_position: score[1..=positions].to_vec(),
        registrations_kept: score[positions + 1],
        patients_kept: outcomes.iter().filter(|o| o.kept).count(),
        patients_moved_down: outcomes.iter().filter(|o| !o.kept).count(),
    };
    let hospitals = capped
        .iter()
        .enumerate()
        .map(|(h, &hospital)| HospitalQuota {
            hospital,
            hospital_id: id(hospital),
            hospital_name: name(hospital),
            quota: quotas[h],
            used_elsewhere: used_elsewhere[h],
            capacity: caps[h],
            wanted_by: wanted_by[h],
            assigned: assigned[h],
        })
        .collect();
    QuotaAssignment {
        area_id: dataset.areas[*area].id.to_string(),
        patients: patients.len(),
        hospitals,
        outcomes,
        objective,
        proof: match solved.certificate {
            Ok(()) => QuotaProof::Optimal,
            Err(reason) => QuotaProof::Unverified { reason: reason.to_owned() },
        },
    }
}
