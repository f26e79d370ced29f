//! Coverage left unmet, one function per kind of shortfall. Every entry with valid
//! indices counts as coverage, even one that breaks a hard rule: the rule is reported
//! as a violation, and the role is still filled.

use super::{Duties, Shortfall, role_index};
use crate::domain::Role;
use crate::rota::problem::RotaProblem;

/// Roles with fewer distinct doctors than they need.
pub(super) fn unfilled_roles(problem: &RotaProblem, duties: &Duties, out: &mut Vec<Shortfall>) {
    for (slot_idx, slot) in problem.slots.iter().enumerate() {
        for &role in Role::ALL {
            let needed = u32::from(slot.demand.get(role));
            let filled = duties.filled[slot_idx][role_index(role)];
            if filled < needed {
                out.push(Shortfall::Unfilled { slot: slot_idx, role, missing: needed - filled });
            }
        }
    }
}

/// Slots that need a 医療的ケア児-capable doctor on duty (any role) and have none.
pub(super) fn missing_capability(problem: &RotaProblem, duties: &Duties, out: &mut Vec<Shortfall>) {
    for (slot_idx, slot) in problem.slots.iter().enumerate() {
        let capable_on_duty = duties.on_duty[slot_idx].iter().any(|&doctor| problem.doctors[doctor].medical_care_child);
        if slot.needs_medical_care_child && !capable_on_duty {
            out.push(Shortfall::NoCapableDoctor { slot: slot_idx });
        }
    }
}

/// 16 km cover sets of a slot with none of their doctors on duty (any role).
pub(super) fn missing_nearby_doctor(problem: &RotaProblem, duties: &Duties, out: &mut Vec<Shortfall>) {
    for (slot_idx, slot) in problem.slots.iter().enumerate() {
        for &cover_set in &slot.cover_sets {
            let nearby_on_duty =
                problem.cover_sets[cover_set].doctors.iter().any(|&doctor| duties.is_on_duty(slot_idx, doctor));
            if !nearby_on_duty {
                out.push(Shortfall::NoNearbyDoctor { slot: slot_idx, cover_set });
            }
        }
    }
}

/// Absences with no cover entry (a cover by a non-candidate still covers; it is a
/// violation of its own).
pub(super) fn uncovered_absences(problem: &RotaProblem, duties: &Duties, out: &mut Vec<Shortfall>) {
    for demand in 0..problem.cover_demands.len() {
        if !duties.covers.iter().any(|cover| cover.demand == demand) {
            out.push(Shortfall::AbsenceUncovered { demand });
        }
    }
}
