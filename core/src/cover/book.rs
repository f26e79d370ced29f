//! The rotas in force: each group's duties in time order, and who covers which absence.

use std::collections::HashMap;

use super::error::CoverError;
use crate::calendar::{Instant, SlotKind, expand_slots};
use crate::dataset::Dataset;
use crate::domain::{Absence, Doctor, Group, Idx, Role};
use crate::rota::RotaRecords;

/// One staffed duty slot of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duty {
    /// Start.
    pub start: Instant,
    /// End.
    pub end: Instant,
    /// Slot kind.
    pub kind: SlotKind,
    /// 当番.
    pub primary: Vec<Idx<Doctor>>,
    /// 副当番.
    pub secondary: Vec<Idx<Doctor>>,
}

/// The start and end of a group's slot of `kind` on `date`, from its calendar.
fn slot_times(
    dataset: &Dataset,
    group: Idx<Group>,
    date: chrono::NaiveDate,
    kind: SlotKind,
) -> Option<(Instant, Instant)> {
    let g = &dataset.groups[group];
    let days = crate::calendar::DateRange::new(date, date)?;
    expand_slots(days, &g.calendar, &g.slots)
        .into_iter()
        .find(|slot| slot.kind == kind)
        .map(|slot| (slot.start, slot.end))
}

/// The published rotas: per group, duties by start time; and absence covers.
#[derive(Debug, Clone, Default)]
pub struct RotaBook {
    duties: Vec<Vec<Duty>>,
    covers: HashMap<Idx<Absence>, Idx<Doctor>>,
}

impl RotaBook {
    /// An empty book for `dataset`'s groups.
    pub fn new(dataset: &Dataset) -> Self {
        Self { duties: vec![Vec::new(); dataset.groups.len()], covers: HashMap::new() }
    }

    /// Adds a rota file's records. A duty for a slot already in the book replaces it
    /// (a later version of the rota). Slot times come from the records or, when absent,
    /// from the group's calendar.
    pub fn add(&mut self, dataset: &Dataset, records: &RotaRecords) -> Result<(), CoverError> {
        let doctor =
            |id: &str| dataset.doctors.lookup(id).ok_or_else(|| CoverError::UnknownDoctor { id: id.to_owned() });
        // The new version's duties, keyed by slot.
        let mut fresh: HashMap<(Idx<Group>, Instant, SlotKind), Duty> = HashMap::new();
        for duty in &records.duties {
            let group = dataset
                .groups
                .lookup(&duty.group)
                .ok_or_else(|| CoverError::UnknownGroup { id: duty.group.clone() })?;
            let (start, end) = match (duty.start, duty.end) {
                (Some(start), Some(end)) => (start, end),
                _ => slot_times(dataset, group, duty.date, duty.slot).ok_or_else(|| CoverError::NoSuchSlot {
                    group: duty.group.clone(),
                    date: duty.date,
                    kind: duty.slot,
                })?,
            };
            let doctor = doctor(&duty.doctor)?;
            let entry = fresh.entry((group, start, duty.slot)).or_insert_with(|| Duty {
                start,
                end,
                kind: duty.slot,
                primary: Vec::new(),
                secondary: Vec::new(),
            });
            let list = match duty.role {
                Role::Primary => &mut entry.primary,
                Role::Secondary => &mut entry.secondary,
            };
            if !list.contains(&doctor) {
                list.push(doctor);
            }
        }
        for (g, duties) in self.duties.iter_mut().enumerate() {
            let group = Idx::new(g);
            duties.retain(|duty| !fresh.contains_key(&(group, duty.start, duty.kind)));
        }
        for ((group, ..), duty) in fresh {
            self.duties[group.index()].push(duty);
        }
        for duties in &mut self.duties {
            duties.sort_by_key(|duty| (duty.start, duty.kind));
        }
        for cover in &records.covers {
            let absence = dataset
                .absences
                .lookup(&cover.absence)
                .ok_or_else(|| CoverError::UnknownAbsence { id: cover.absence.clone() })?;
            self.covers.insert(absence, doctor(&cover.doctor)?);
        }
        Ok(())
    }

    /// The group's duty at `at`, if a slot of its rota is running then.
    pub fn duty_at(&self, group: Idx<Group>, at: Instant) -> Option<&Duty> {
        let duties = &self.duties[group.index()];
        let after = duties.partition_point(|duty| duty.start <= at);
        duties[..after].iter().rev().take(2).find(|duty| at < duty.end)
    }

    /// The next time the group's on-duty doctors change after `at`: the end of the
    /// running slot, or the start of the next one.
    pub fn next_change(&self, group: Idx<Group>, at: Instant) -> Option<Instant> {
        if let Some(duty) = self.duty_at(group, at) {
            return Some(duty.end);
        }
        let duties = &self.duties[group.index()];
        duties.get(duties.partition_point(|duty| duty.start <= at)).map(|duty| duty.start)
    }

    /// Who covers an absence (主治医・副主治医制), if the rota names someone.
    pub fn cover_of(&self, absence: Idx<Absence>) -> Option<Idx<Doctor>> {
        self.covers.get(&absence).copied()
    }

    /// The group's duties, by start.
    pub fn duties(&self, group: Idx<Group>) -> &[Duty] {
        &self.duties[group.index()]
    }

    /// Whether the book has any duty of `group` in `[from, to)`.
    pub fn has_duties_between(&self, group: Idx<Group>, from: Instant, to: Instant) -> bool {
        self.duties[group.index()].iter().any(|duty| duty.start < to && from < duty.end)
    }
}
