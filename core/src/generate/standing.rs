//! Standing rota data: recurring unavailabilities and the fairness carry-over ledger
//! from the month before the first generated month.

use chrono::Weekday;

use super::Builder;
use super::draw::{Draw, numbered};
use crate::calendar::{Month, SlotKind};
use crate::domain::{LedgerEntry, Unavailability};

/// About 6% of doctors have a recurring unavailability, e.g. a Wednesday clinic that
/// runs late. Kept narrow (one slot kind, at most one weekday) so rotas stay feasible.
pub(super) fn add_unavailability(builder: &mut Builder<'_>, draw: &mut Draw) {
    const KINDS: [(Option<Weekday>, Option<SlotKind>, &str); 4] = [
        (Some(Weekday::Wed), Some(SlotKind::WeekdayNight), "水曜は夜間外来のため"),
        (None, Some(SlotKind::SaturdayAfternoon), "土曜午後は病院外来応援"),
        (Some(Weekday::Fri), Some(SlotKind::WeekdayNight), "金曜は病院当直"),
        (Some(Weekday::Mon), Some(SlotKind::WeekdayNight), "月曜夜は地域の会議"),
    ];
    let n_doctors = builder.dataset.doctors.len();
    let width = n_doctors.to_string().len().max(4);
    for (number, position) in draw.share_of(n_doctors, 0.06).into_iter().enumerate() {
        let (weekday, slot, note) = draw.pick(&KINDS);
        let entry = Unavailability {
            id: numbered("UA", number + 1, width),
            doctor: crate::domain::Idx::new(position),
            weekday,
            slot,
            note: note.to_owned(),
        };
        builder.dataset.unavailability.insert(entry).expect("fresh id");
    }
}

/// Balances after the month before the first generated month, for doctors of rotation
/// groups: mostly small, a few who carried 年末年始 last year and are owed relief.
pub(super) fn add_ledger(builder: &mut Builder<'_>, draw: &mut Draw) {
    let Some(first) = builder.config.months.iter().min().copied() else { return };
    let previous = Month::containing(first.first_day().pred_opt().expect("in range")).expect("in range");
    let dataset = &mut builder.dataset;
    let in_rotation: Vec<bool> = dataset
        .doctors
        .indices()
        .map(|doctor| builder.groups_of_doctor[doctor.index()].iter().any(|&g| dataset.groups[g].policy.rotation()))
        .collect();
    let width = dataset.doctors.len().to_string().len().max(4);
    let mut number = 0;
    for (position, rotation) in in_rotation.into_iter().enumerate() {
        if !rotation {
            continue;
        }
        let (balance, note) = if draw.chance(0.08) {
            (f64::from(draw.between(2, 4)), "昨年の年末年始を担当")
        } else {
            (f64::from(draw.between(0, 6)) * 0.5 - 1.5, "")
        };
        number += 1;
        let entry = LedgerEntry {
            id: numbered("LG", number, width),
            doctor: crate::domain::Idx::new(position),
            month: previous,
            balance,
            note: note.to_owned(),
        };
        dataset.ledger.insert(entry).expect("fresh id");
    }
}
