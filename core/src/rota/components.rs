//! Splitting a problem into its independent components (groups linked by shared
//! doctors), so each is solved on its own — in parallel — and the rotas merged. Exact:
//! the objective is a sum over doctors, requests and covers, each inside one component,
//! and targets are already normalised per component.

use super::assignment::{Assignment, CoverAssignment, Rota};
use super::problem::{Blocked, CoverCandidate, CoverExclusion, RotaProblem};

/// A component as a problem of its own, with the maps back to the whole.
pub(crate) struct Part {
    pub(crate) problem: RotaProblem,
    slots: Vec<usize>,
    doctors: Vec<usize>,
    demands: Vec<usize>,
}

impl Part {
    /// The part's rota in the whole problem's indices.
    pub(crate) fn lift(&self, rota: &Rota) -> (Vec<Assignment>, Vec<CoverAssignment>) {
        let assignments = rota
            .assignments
            .iter()
            .map(|a| Assignment { slot: self.slots[a.slot], role: a.role, doctor: self.doctors[a.doctor] })
            .collect();
        let covers = rota
            .covers
            .iter()
            .map(|c| CoverAssignment { demand: self.demands[c.demand], doctor: self.doctors[c.doctor] })
            .collect();
        (assignments, covers)
    }

    /// A measure of the part's size, to solve the largest first.
    pub(crate) fn size(&self) -> usize {
        self.problem.slots.iter().map(|slot| self.problem.groups[slot.group].members.len()).sum::<usize>()
            + self.problem.cover_demands.iter().map(|d| d.candidates.len()).sum::<usize>()
    }
}

/// The problem's components as parts; a single component gives `None` (solve it whole).
pub(crate) fn split(problem: &RotaProblem) -> Option<Vec<Part>> {
    let components = problem.components();
    (components.len() > 1).then(|| components.iter().map(|groups| part(problem, groups)).collect())
}

fn part(whole: &RotaProblem, groups: &[usize]) -> Part {
    let remap = |keep: &dyn Fn(usize) -> bool, n: usize| -> (Vec<usize>, Vec<Option<usize>>) {
        let kept: Vec<usize> = (0..n).filter(|&i| keep(i)).collect();
        let mut new_index = vec![None; n];
        for (new, &old) in kept.iter().enumerate() {
            new_index[old] = Some(new);
        }
        (kept, new_index)
    };
    let (group_list, group_of) = remap(&|g| groups.contains(&g), whole.groups.len());
    let (doctor_list, doctor_of) =
        remap(&|d| whole.doctors[d].groups.iter().any(|g| groups.contains(g)), whole.doctors.len());
    let (slot_list, slot_of) = remap(&|s| groups.contains(&whole.slots[s].group), whole.slots.len());
    let (set_list, set_of) = remap(&|c| groups.contains(&whole.cover_sets[c].group), whole.cover_sets.len());
    let (demand_list, _) = remap(&|a| groups.contains(&whole.cover_demands[a].group), whole.cover_demands.len());
    let g = |old: usize| group_of[old].expect("in the component");
    let d = |old: usize| doctor_of[old].expect("in the component");

    let mut problem = whole.clone();
    problem.groups = group_list.iter().map(|&old| whole.groups[old].clone()).collect();
    for group in &mut problem.groups {
        group.members = group.members.iter().map(|&m| d(m)).collect();
    }
    problem.doctors = doctor_list.iter().map(|&old| whole.doctors[old].clone()).collect();
    for doctor in &mut problem.doctors {
        doctor.groups = doctor.groups.iter().map(|&old| g(old)).collect();
    }
    problem.slots = slot_list.iter().map(|&old| whole.slots[old].clone()).collect();
    for slot in &mut problem.slots {
        slot.group = g(slot.group);
        slot.blocked = slot.blocked.iter().map(|b| Blocked { doctor: d(b.doctor), reason: b.reason.clone() }).collect();
        slot.cover_sets = slot.cover_sets.iter().map(|&c| set_of[c].expect("same group")).collect();
    }
    problem.cover_sets = set_list.iter().map(|&old| whole.cover_sets[old].clone()).collect();
    for set in &mut problem.cover_sets {
        set.group = g(set.group);
        set.doctors = set.doctors.iter().map(|&m| d(m)).collect();
    }
    problem.requests = whole
        .requests
        .iter()
        .filter(|request| doctor_of[request.doctor].is_some())
        .cloned()
        .map(|mut request| {
            request.doctor = d(request.doctor);
            request.slots = request.slots.iter().map(|&s| slot_of[s].expect("the doctor's groups")).collect();
            request
        })
        .collect();
    problem.cover_demands = demand_list.iter().map(|&old| whole.cover_demands[old].clone()).collect();
    for demand in &mut problem.cover_demands {
        demand.group = g(demand.group);
        demand.doctor = d(demand.doctor);
        demand.candidates =
            demand.candidates.iter().map(|c| CoverCandidate { doctor: d(c.doctor), unmet: c.unmet }).collect();
        demand.excluded =
            demand.excluded.iter().map(|e| CoverExclusion { doctor: d(e.doctor), reason: e.reason.clone() }).collect();
    }
    problem.notes = Vec::new();
    Part { problem, slots: slot_list, doctors: doctor_list, demands: demand_list }
}
