//! Fair shares: each doctor's target points and holiday duties, proportional to
//! participation and availability, adjusted by the carry-over ledger.

use super::problem::{CoverDemand, ProblemDoctor, ProblemGroup, ProblemSlot};

/// Sets `base_target`, `target` and `holiday_target` of every doctor.
///
/// Each group's total points (all roles of all slots, plus absence covers) are shared
/// among its members in proportion to participation × availability, where availability
/// is the fraction of the group's primary points the member is not blocked from. A
/// doctor's target is the sum over their groups, less their carry-over balance; the
/// balances' net is spread back in proportion to the shares, so the targets still add
/// up to the work there is.
pub(super) fn set_targets(
    groups: &[ProblemGroup],
    slots: &[ProblemSlot],
    cover_demands: &[CoverDemand],
    doctors: &mut [ProblemDoctor],
) {
    for doctor in doctors.iter_mut() {
        doctor.base_target = 0.0;
        doctor.holiday_target = 0.0;
    }
    for (g, group) in groups.iter().enumerate() {
        let group_slots: Vec<&ProblemSlot> = slots.iter().filter(|slot| slot.group == g).collect();
        let total_points: f64 = group_slots
            .iter()
            .map(|slot| {
                f64::from(slot.demand.primary) * slot.points[0] + f64::from(slot.demand.secondary) * slot.points[1]
            })
            .sum::<f64>()
            + cover_demands.iter().filter(|demand| demand.group == g).map(|demand| demand.points).sum::<f64>();
        let holiday_slots: Vec<&&ProblemSlot> = group_slots.iter().filter(|slot| slot.is_holiday_duty()).collect();
        let total_holiday: f64 =
            holiday_slots.iter().map(|slot| f64::from(slot.demand.primary) + f64::from(slot.demand.secondary)).sum();

        let share = |doctor: usize, of: &[&ProblemSlot]| -> f64 {
            let total: f64 = of.iter().map(|slot| slot.points[0].max(1e-9)).sum();
            let open: f64 = of
                .iter()
                .filter(|slot| slot.blocked_reason(doctor).is_none())
                .map(|slot| slot.points[0].max(1e-9))
                .sum();
            let availability = if total > 0.0 { open / total } else { 1.0 };
            doctors[doctor].participation * availability
        };
        let holiday_refs: Vec<&ProblemSlot> = holiday_slots.iter().map(|slot| **slot).collect();
        let shares: Vec<f64> = group.members.iter().map(|&d| share(d, &group_slots)).collect();
        let holiday_shares: Vec<f64> = group.members.iter().map(|&d| share(d, &holiday_refs)).collect();
        let sum: f64 = shares.iter().sum();
        let holiday_sum: f64 = holiday_shares.iter().sum();
        for (position, &member) in group.members.iter().enumerate() {
            if sum > 0.0 {
                doctors[member].base_target += total_points * shares[position] / sum;
            }
            if holiday_sum > 0.0 {
                doctors[member].holiday_target += total_holiday * holiday_shares[position] / holiday_sum;
            }
        }
    }
    apply_carry_over(doctors);
}

/// `target = base − carry + net × base/Σbase`, clamped at 0 and rescaled so the targets
/// add up to the bases.
fn apply_carry_over(doctors: &mut [ProblemDoctor]) {
    let total_base: f64 = doctors.iter().map(|d| d.base_target).sum();
    if total_base <= 0.0 {
        for doctor in doctors.iter_mut() {
            doctor.target = 0.0;
        }
        return;
    }
    let net: f64 = doctors.iter().map(|d| d.carry_over).sum();
    for doctor in doctors.iter_mut() {
        doctor.target = (doctor.base_target - doctor.carry_over + net * doctor.base_target / total_base).max(0.0);
    }
    let total_target: f64 = doctors.iter().map(|d| d.target).sum();
    if total_target > 0.0 {
        for doctor in doctors.iter_mut() {
            doctor.target *= total_base / total_target;
        }
    }
    for doctor in doctors.iter_mut() {
        // Round for readable output; the band absorbs the difference.
        doctor.base_target = round2(doctor.base_target);
        doctor.target = round2(doctor.target);
        doctor.holiday_target = round2(doctor.holiday_target);
    }
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
