//! Fair shares: each doctor's target points, holiday duties and night duties,
//! proportional to participation and availability, adjusted by the carry-over ledger.

use super::problem::{ProblemDoctor, ProblemGroup, ProblemSlot, RotaProblem};

/// Sets `base_target`, `target`, `holiday_target` and `night_target` of every doctor.
///
/// Each group's work is shared among its members in proportion to participation ×
/// availability, where availability is the fraction of the relevant slots (weighted by
/// primary points) the member is not blocked from. Points cover all roles of all slots
/// plus absence covers; holiday and night targets share the counts of 休日 and night
/// duties likewise. A doctor's target sums their groups' shares, less their carry-over
/// balance; within each component of the problem (groups linked by shared doctors) the
/// balances' net is spread back in proportion to the shares, so targets add up to the
/// work there is and do not depend on unrelated groups solved alongside.
pub(super) fn set_targets(problem: &mut RotaProblem) {
    let RotaProblem { groups, slots, cover_demands, doctors, .. } = problem;
    for doctor in doctors.iter_mut() {
        doctor.base_target = 0.0;
        doctor.holiday_target = 0.0;
        doctor.night_target = 0.0;
    }
    for (g, group) in groups.iter().enumerate() {
        let group_slots: Vec<&ProblemSlot> = slots.iter().filter(|slot| slot.group == g).collect();
        let duties = |slot: &ProblemSlot| f64::from(slot.demand.primary) + f64::from(slot.demand.secondary);
        let points = |slot: &ProblemSlot| {
            f64::from(slot.demand.primary) * slot.points[0] + f64::from(slot.demand.secondary) * slot.points[1]
        };
        let covers: f64 = cover_demands.iter().filter(|demand| demand.group == g).map(|demand| demand.points).sum();
        share(doctors, group, &group_slots, points, covers, |doctor, value| doctor.base_target += value);
        let holidays: Vec<&ProblemSlot> = group_slots.iter().copied().filter(|slot| slot.is_holiday_duty()).collect();
        share(doctors, group, &holidays, duties, 0.0, |doctor, value| doctor.holiday_target += value);
        let nights: Vec<&ProblemSlot> = group_slots.iter().copied().filter(|slot| slot.kind.is_night()).collect();
        share(doctors, group, &nights, duties, 0.0, |doctor, value| doctor.night_target += value);
    }
    let components = problem.components();
    for component in components {
        let mut members: Vec<usize> =
            component.iter().flat_map(|&g| problem.groups[g].members.iter().copied()).collect();
        members.sort_unstable();
        members.dedup();
        apply_carry_over(&mut problem.doctors, &members);
    }
    for doctor in &mut problem.doctors {
        // Rounded for readable output; the free bands absorb the difference.
        doctor.base_target = round2(doctor.base_target);
        doctor.target = round2(doctor.target);
        doctor.holiday_target = round2(doctor.holiday_target);
        doctor.night_target = round2(doctor.night_target);
    }
}

/// Shares `Σ amount(slot) + extra` of a group's `slots` among its members by
/// participation × availability on those slots, adding each share through `add`.
fn share(
    doctors: &mut [ProblemDoctor],
    group: &ProblemGroup,
    slots: &[&ProblemSlot],
    amount: impl Fn(&ProblemSlot) -> f64,
    extra: f64,
    add: impl Fn(&mut ProblemDoctor, f64),
) {
    let total: f64 = slots.iter().map(|slot| amount(slot)).sum::<f64>() + extra;
    if total <= 0.0 {
        return;
    }
    let weight = |slot: &ProblemSlot| slot.points[0].max(1e-9);
    let all: f64 = slots.iter().map(|slot| weight(slot)).sum();
    let shares: Vec<f64> = group
        .members
        .iter()
        .map(|&doctor| {
            let open: f64 =
                slots.iter().filter(|slot| slot.blocked_reason(doctor).is_none()).map(|slot| weight(slot)).sum();
            let availability = if all > 0.0 { open / all } else { 1.0 };
            doctors[doctor].participation * availability
        })
        .collect();
    let sum: f64 = shares.iter().sum();
    if sum <= 0.0 {
        return;
    }
    for (position, &member) in group.members.iter().enumerate() {
        add(&mut doctors[member], total * shares[position] / sum);
    }
}

/// Within `members`: `target = base − carry + net × base/Σbase`, clamped at 0 and
/// rescaled so the targets add up to the bases.
fn apply_carry_over(doctors: &mut [ProblemDoctor], members: &[usize]) {
    let total_base: f64 = members.iter().map(|&d| doctors[d].base_target).sum();
    if total_base <= 0.0 {
        for &d in members {
            doctors[d].target = 0.0;
        }
        return;
    }
    let net: f64 = members.iter().map(|&d| doctors[d].carry_over).sum();
    for &d in members {
        let doctor = &mut doctors[d];
        doctor.target = (doctor.base_target - doctor.carry_over + net * doctor.base_target / total_base).max(0.0);
    }
    let total_target: f64 = members.iter().map(|&d| doctors[d].target).sum();
    if total_target > 0.0 {
        for &d in members {
            doctors[d].target *= total_base / total_target;
        }
    }
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
