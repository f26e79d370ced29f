//! Compiling a [`RotaProblem`] from a dataset: which groups, which dates.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveTime;

use super::error::RotaError;
use super::problem::{
    BlockReason, Blocked, CoverCandidate, CoverDemand, CoverExclusion, CoverSet, ObjectiveWeights, PROBLEM_FORMAT,
    ProblemDoctor, ProblemGroup, ProblemRequest, ProblemSlot, RotaProblem,
};
use super::targets;
use crate::calendar::{DateRange, DayType, Month, expand_slots, jst_instant};
use crate::dataset::Dataset;
use crate::domain::{Doctor, Group, Idx, Patient, RequestKind, Role};

/// What to build a rota for: groups solved together over a range of dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProblemSpec {
    /// The groups; a doctor in several of them is never double-booked.
    pub groups: Vec<Idx<Group>>,
    /// The dates (a night belongs to the date it starts on).
    pub days: DateRange,
}

impl ProblemSpec {
    /// Groups by id over a month.
    pub fn for_month(dataset: &Dataset, group_ids: &[&str], month: Month) -> Result<Self, RotaError> {
        let groups = group_ids
            .iter()
            .map(|id| dataset.groups.lookup(id).ok_or_else(|| RotaError::UnknownGroup { id: (*id).to_owned() }))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { groups, days: month.days() })
    }
}

/// Compiles the problem of `spec` from `dataset`.
pub fn build_problem(dataset: &Dataset, spec: &ProblemSpec) -> Result<RotaProblem, RotaError> {
    if spec.groups.is_empty() {
        return Err(RotaError::NoGroups);
    }
    let mut group_indices: Vec<Idx<Group>> = Vec::new();
    for &group in &spec.groups {
        if group_indices.contains(&group) {
            return Err(RotaError::DuplicateGroup { id: dataset.groups[group].id.to_string() });
        }
        group_indices.push(group);
    }
    let mut doctor_of: BTreeMap<Idx<Doctor>, usize> = BTreeMap::new();
    for &group in &group_indices {
        for &member in &dataset.groups[group].members {
            doctor_of.entry(member).or_insert(0);
        }
    }
    for (position, index) in doctor_of.values_mut().enumerate() {
        *index = position;
    }
    let doctor_list: Vec<Idx<Doctor>> = doctor_of.keys().copied().collect();

    let groups: Vec<ProblemGroup> = group_indices
        .iter()
        .map(|&group| {
            let group = &dataset.groups[group];
            ProblemGroup {
                id: group.id.to_string(),
                name: group.name.clone(),
                rules: group.rota.rules,
                points: group.rota.points,
                members: group.members.iter().map(|member| doctor_of[member]).collect(),
            }
        })
        .collect();

    let doctors: Vec<ProblemDoctor> = doctor_list
        .iter()
        .map(|&doctor| {
            let d = &dataset.doctors[doctor];
            let my_groups: Vec<usize> =
                (0..groups.len()).filter(|&g| dataset.groups[group_indices[g]].members.contains(&doctor)).collect();
            let rules = my_groups.iter().map(|&g| groups[g].rules);
            ProblemDoctor {
                id: d.id.to_string(),
                name: d.name.clone(),
                groups: my_groups.clone(),
                participation: d.participation,
                medical_care_child: d.can(crate::domain::Capability::MedicalCareChild),
                carry_over: Month::containing(spec.days.first())
                    .map_or(0.0, |month| dataset.ledger_balance_before(doctor, month)),
                base_target: 0.0,
                target: 0.0,
                holiday_target: 0.0,
                night_target: 0.0,
                min_days_between: rules.clone().map(|r| r.min_days_between).max().unwrap_or(1),
                no_consecutive_nights: rules.clone().any(|r| r.no_consecutive_nights),
            }
        })
        .collect();

    let mut cover_sets = Vec::new();
    let mut slots = Vec::new();
    let mut notes = Vec::new();
    for (g, &group_idx) in group_indices.iter().enumerate() {
        let group = &dataset.groups[group_idx];
        if !group.policy.rotation() {
            continue;
        }
        let group_sets = if group.rota.rules.sixteen_km {
            sixteen_km_sets(dataset, group_idx, g, &doctor_of, &mut cover_sets, &mut notes)
        } else {
            Vec::new()
        };
        let children: Vec<&Patient> = dataset
            .patients_of_group(group_idx)
            .iter()
            .map(|&p| &dataset.patients[p])
            .filter(|patient| !patient.devices.is_empty())
            .collect();
        for slot in expand_slots(spec.days, &group.calendar, &group.slots) {
            let blocked = blocked_members(dataset, group, &doctor_of, slot.date, slot.kind, slot.start, slot.end);
            let needs_medical_care_child = group.rota.rules.medical_care_child
                && children.iter().any(|patient| patient.is_medical_care_child(slot.date));
            let points = &group.rota.points;
            slots.push(ProblemSlot {
                group: g,
                date: slot.date,
                kind: slot.kind,
                start: slot.start,
                end: slot.end,
                day_label: slot.day_type.label().to_owned(),
                weekend_or_holiday: slot.day_type.is_closed() || matches!(slot.day_type, DayType::Saturday),
                year_end: slot.year_end,
                demand: group.rota.roles.get(slot.kind),
                points: [
                    points.points(slot.kind, Role::Primary, slot.year_end),
                    points.points(slot.kind, Role::Secondary, slot.year_end),
                ],
                blocked,
                needs_medical_care_child,
                cover_sets: group_sets.clone(),
            });
        }
    }
    slots.sort_by_key(|slot| (slot.start, slot.group, slot.kind));

    let requests = requests(dataset, spec, &doctor_of, &doctors, &slots, &mut notes);
    let cover_demands = cover_demands(dataset, spec, &group_indices, &doctor_of);
    let group_names: Vec<&str> = groups.iter().map(|g| g.id.as_str()).collect();
    let mut problem = RotaProblem {
        format: PROBLEM_FORMAT,
        name: format!("{} {}〜{}", group_names.join("+"), spec.days.first(), spec.days.last()),
        first_date: spec.days.first(),
        last_date: spec.days.last(),
        groups,
        doctors,
        slots,
        cover_sets,
        requests,
        cover_demands,
        weights: ObjectiveWeights::default(),
        notes,
    };
    targets::set_targets(&mut problem);
    Ok(problem)
}

/// The group's minimal 16 km cover sets: for each patient, the members whose clinic is
/// within 16 km of home; identical sets merge and supersets are dropped (implied).
///
/// The rule protects patients within 16 km of their own 主治医's clinic. A patient
/// already beyond it is outside the rule (their own doctor's visits are the exception
/// too): no rota can change that, so they are noted for the coordinator, and the
/// coverage audit reports them.
fn sixteen_km_sets(
    dataset: &Dataset,
    group: Idx<Group>,
    g: usize,
    doctor_of: &BTreeMap<Idx<Doctor>, usize>,
    cover_sets: &mut Vec<CoverSet>,
    notes: &mut Vec<String>,
) -> Vec<usize> {
    let members = &dataset.groups[group].members;
    let mut by_set: BTreeMap<Vec<usize>, Vec<String>> = BTreeMap::new();
    for &patient in dataset.patients_of_group(group) {
        let patient = &dataset.patients[patient];
        let home = patient.home;
        let own_clinic = dataset.clinics[dataset.doctors[patient.primary_doctor].clinic].location;
        if !own_clinic.within_home_visit_limit(home) {
            notes.push(format!(
                "患者 {} の自宅は主治医の診療所から {:.1} km で16km規則の対象外です (beyond 16 km of their own doctor; not constrained)",
                patient.id,
                own_clinic.distance_km(home)
            ));
            continue;
        }
        let mut near: Vec<usize> = members
            .iter()
            .filter(|&&member| dataset.clinics[dataset.doctors[member].clinic].location.within_home_visit_limit(home))
            .map(|member| doctor_of[member])
            .collect();
        near.sort_unstable();
        by_set.entry(near).or_default().push(patient.id.to_string());
    }
    let sets: Vec<(Vec<usize>, Vec<String>)> = by_set.into_iter().collect();
    let is_subset = |small: &[usize], large: &[usize]| small.iter().all(|d| large.binary_search(d).is_ok());
    let mut indices = Vec::new();
    for (position, (set, patients)) in sets.iter().enumerate() {
        let implied = sets
            .iter()
            .enumerate()
            .any(|(other, (smaller, _))| other != position && smaller.len() < set.len() && is_subset(smaller, set));
        if !implied {
            indices.push(cover_sets.len());
            cover_sets.push(CoverSet { group: g, doctors: set.clone(), patients: patients.clone() });
        }
    }
    indices
}

fn blocked_members(
    dataset: &Dataset,
    group: &Group,
    doctor_of: &BTreeMap<Idx<Doctor>, usize>,
    date: chrono::NaiveDate,
    kind: crate::calendar::SlotKind,
    start: crate::calendar::Instant,
    end: crate::calendar::Instant,
) -> Vec<Blocked> {
    let mut blocked = Vec::new();
    for &member in &group.members {
        let absence =
            dataset.absences_of_doctor(member).iter().map(|&a| &dataset.absences[a]).find(|a| a.overlaps(start, end));
        let reason = if let Some(absence) = absence {
            Some(BlockReason::Absence {
                id: absence.id.to_string(),
                reason: absence.reason.clone(),
                start: absence.start,
                end: absence.end,
            })
        } else {
            dataset
                .unavailability_of_doctor(member)
                .iter()
                .map(|&u| &dataset.unavailability[u])
                .find(|u| u.rules_out(date, kind))
                .map(|u| BlockReason::Unavailable { id: u.id.to_string(), note: u.note.clone() })
        };
        if let Some(reason) = reason {
            blocked.push(Blocked { doctor: doctor_of[&member], reason });
        }
    }
    blocked
}

fn requests(
    dataset: &Dataset,
    spec: &ProblemSpec,
    doctor_of: &BTreeMap<Idx<Doctor>, usize>,
    doctors: &[ProblemDoctor],
    slots: &[ProblemSlot],
    notes: &mut Vec<String>,
) -> Vec<ProblemRequest> {
    let mut out = Vec::new();
    for request in &dataset.requests {
        let Some(&doctor) = doctor_of.get(&request.doctor) else { continue };
        if !spec.days.contains(request.date) {
            continue;
        }
        let matching: Vec<usize> = slots
            .iter()
            .enumerate()
            .filter(|(_, slot)| {
                slot.date == request.date
                    && request.slot.is_none_or(|kind| kind == slot.kind)
                    && doctors[doctor].groups.contains(&slot.group)
            })
            .map(|(index, _)| index)
            .collect();
        let label = format!(
            "{}{}",
            request.date.format("%-m/%-d"),
            request.slot.map(|kind| format!(" {}", kind.label())).unwrap_or_default()
        );
        if matching.is_empty() {
            notes.push(format!(
                "希望 {} ({} {} {}) に当たる当番枠がないため考慮しません (no slot matches this request)",
                request.id,
                doctors[doctor].name,
                label,
                request.kind.label()
            ));
            continue;
        }
        out.push(ProblemRequest {
            id: request.id.to_string(),
            doctor,
            kind: request.kind,
            weight: request.weight,
            slots: matching,
            label,
        });
    }
    out.sort_by_key(|r| (r.doctor, r.slots.first().copied(), r.kind == RequestKind::Want));
    out
}

fn cover_demands(
    dataset: &Dataset,
    spec: &ProblemSpec,
    group_indices: &[Idx<Group>],
    doctor_of: &BTreeMap<Idx<Doctor>, usize>,
) -> Vec<CoverDemand> {
    let range_start = jst_instant(spec.days.first(), NaiveTime::MIN);
    let range_end = jst_instant(spec.days.last().succ_opt().expect("in range"), NaiveTime::MIN);
    let mut demands = Vec::new();
    for (g, &group_idx) in group_indices.iter().enumerate() {
        let group = &dataset.groups[group_idx];
        if !group.policy.absence_cover() {
            continue;
        }
        let mut patients_of: HashMap<Idx<Doctor>, Vec<Idx<Patient>>> = HashMap::new();
        for &patient in dataset.patients_of_group(group_idx) {
            patients_of.entry(dataset.patients[patient].primary_doctor).or_default().push(patient);
        }
        for &absent in &group.members {
            let Some(patients) = patients_of.get(&absent) else { continue };
            let absent_clinic = dataset.clinics[dataset.doctors[absent].clinic].location;
            for &absence_idx in dataset.absences_of_doctor(absent) {
                let absence = &dataset.absences[absence_idx];
                if !absence.overlaps(range_start, range_end) {
                    continue;
                }
                let (start, end) = (absence.start.max(range_start), absence.end.min(range_end));
                let hours = (end - start).num_minutes() as f64 / 60.0;
                let days = ((hours / 24.0) * 2.0).round().max(1.0) / 2.0;
                let mut candidates = Vec::new();
                let mut excluded = Vec::new();
                for &member in group.members.iter().filter(|&&m| m != absent) {
                    let doctor = doctor_of[&member];
                    if let Some(other) = dataset
                        .absences_of_doctor(member)
                        .iter()
                        .map(|&a| &dataset.absences[a])
                        .find(|a| a.overlaps(start, end))
                    {
                        let reason = format!("同時期に不在 ({} {})", other.id, other.reason);
                        excluded.push(CoverExclusion { doctor, reason });
                        continue;
                    }
                    let clinic = dataset.clinics[dataset.doctors[member].clinic].location;
                    // As in the rota, the rule protects the patients within 16 km of their own 主治医.
                    let far = patients
                        .iter()
                        .filter(|&&p| absent_clinic.within_home_visit_limit(dataset.patients[p].home))
                        .filter(|&&p| !clinic.within_home_visit_limit(dataset.patients[p].home))
                        .count();
                    if group.rota.rules.sixteen_km && far > 0 {
                        excluded
                            .push(CoverExclusion { doctor, reason: format!("16km を超える患者が {far} 人") });
                        continue;
                    }
                    let unmet = patients.iter().filter(|&&p| !dataset.patients[p].knows(member)).count();
                    candidates.push(CoverCandidate { doctor, unmet: u32::try_from(unmet).unwrap_or(u32::MAX) });
                }
                demands.push(CoverDemand {
                    absence: absence.id.to_string(),
                    group: g,
                    doctor: doctor_of[&absent],
                    start,
                    end,
                    points: days * group.rota.points.absence_cover_per_day,
                    patients: patients.len(),
                    candidates,
                    excluded,
                });
            }
        }
    }
    demands.sort_by_key(|demand| (demand.start, demand.group, demand.doctor));
    demands
}
