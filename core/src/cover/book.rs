//! The rotas in force: each group's duties in time order, and who covers which absence.
//!
//! A book can hold several published versions of a rota ([`RotaBook::add_version`]):
//! a duty superseded by a later version stays in the book with the instant it stopped
//! being in force, so a question about a past instant is answered from the version that
//! was in force then, and history is never rewritten.

use std::collections::HashMap;

use super::error::CoverError;
use super::starts::DayIndex;
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
    /// When the version holding this duty came into force; `None` for the rota's first
    /// published version, which answers for any instant before it too (nothing else
    /// was ever in force).
    pub in_force_from: Option<Instant>,
    /// When a later version superseded this duty, if one did.
    pub superseded_at: Option<Instant>,
}

impl Duty {
    /// Whether the duty was part of the rota in force at `instant`.
    pub fn in_force_at(&self, instant: Instant) -> bool {
        in_force(self.in_force_from, self.superseded_at, instant)
    }
}

/// Whether a version in force from `from` (`None`: always before) until `until`
/// (`None`: still) was in force at `instant`.
fn in_force(from: Option<Instant>, until: Option<Instant>, instant: Instant) -> bool {
    from.is_none_or(|from| from <= instant) && until.is_none_or(|until| instant < until)
}

/// A duty's 当番 and 副当番.
pub type DutyDoctors<'a> = (&'a [Idx<Doctor>], &'a [Idx<Doctor>]);

/// Which duties a new version of a rota replaces: the groups it staffs over `[from, to)`
/// (by slot start).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionScope {
    /// The rota's groups.
    pub groups: Vec<Idx<Group>>,
    /// First instant of the period (inclusive).
    pub from: Instant,
    /// End of the period (exclusive).
    pub to: Instant,
}

/// Who covers an absence under one version of a rota.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CoverEntry {
    doctor: Idx<Doctor>,
    group: Idx<Group>,
    in_force_from: Option<Instant>,
    superseded_at: Option<Instant>,
}

impl CoverEntry {
    fn in_force_at(&self, instant: Instant) -> bool {
        in_force(self.in_force_from, self.superseded_at, instant)
    }
}

/// What a lookup reads of a group's duties, laid out for it: per duty one cache line
/// holding what decides whether it is running (its start, end, the latest end so far,
/// when its version was in force, all in nanoseconds) and its doctors, found through an
/// index by day. A lookup then reads the index and a line or two, not a list of starts,
/// the `Duty` records and their doctor lists.
#[derive(Debug, Clone, Default)]
struct GroupLookup {
    days: DayIndex,
    hot: Vec<HotDuty>,
    /// The doctors of the duties with more than fit in their record, one after another.
    more_doctors: Vec<Idx<Doctor>>,
    /// Whether every instant of the group's duties is one of [`nanos`]'s (within
    /// 1677–2262); if not, lookups read the `Duty` records.
    exact: bool,
}

/// Doctors a duty's record holds itself.
const INLINE_DOCTORS: usize = 5;

/// A duty as a lookup reads it: one cache line.
#[derive(Debug, Clone, Copy)]
#[repr(align(64))]
struct HotDuty {
    start: i64,
    end: i64,
    /// The latest `end` of this duty and every earlier-started one of the group (in any
    /// version): a search back from an instant stops where this has passed.
    reach: i64,
    /// When its version came into force; `i64::MIN` for the first version.
    in_force_from: i64,
    /// When a later version superseded it; `i64::MAX` if none has.
    superseded_at: i64,
    /// Its 当番 then 副当番, if they fit; else where they start in
    /// [`GroupLookup::more_doctors`] (the first entry).
    doctors: [Idx<Doctor>; INLINE_DOCTORS],
    primary: u16,
    secondary: u16,
}

const _: () = assert!(std::mem::size_of::<HotDuty>() == 64, "a duty's lookup record is one cache line");

/// An instant in nanoseconds since the Unix epoch: exact and in order over 1677–2262
/// (the service reads instants in 1900–2200), `None` outside; never `i64::MIN` or
/// `i64::MAX`, which stand for "always" in [`HotDuty`].
fn nanos(instant: Instant) -> Option<i64> {
    instant.timestamp_nanos_opt().filter(|&nanos| nanos != i64::MIN && nanos != i64::MAX)
}

impl HotDuty {
    /// Whether the duty is running at `at` under the version in force then.
    fn runs_at(&self, at: i64) -> bool {
        at < self.end && self.in_force_from <= at && at < self.superseded_at
    }

    /// Its 当番 and 副当番.
    fn doctors<'a>(&'a self, more: &'a [Idx<Doctor>]) -> DutyDoctors<'a> {
        let (primary, secondary) = (usize::from(self.primary), usize::from(self.secondary));
        let all = if primary + secondary <= INLINE_DOCTORS {
            &self.doctors[..primary + secondary]
        } else {
            let first = self.doctors[0].index();
            &more[first..first + primary + secondary]
        };
        all.split_at(primary)
    }
}

impl GroupLookup {
    fn new(duties: &[Duty]) -> Self {
        let exact = duties.iter().all(|duty| {
            [Some(duty.start), Some(duty.end), duty.in_force_from, duty.superseded_at]
                .into_iter()
                .flatten()
                .all(|instant| nanos(instant).is_some())
        });
        if !exact {
            return Self::default();
        }
        let mut more_doctors = Vec::new();
        let mut reach = i64::MIN;
        let hot: Vec<HotDuty> = duties
            .iter()
            .map(|duty| {
                let at = |instant: Instant| nanos(instant).expect("checked above");
                reach = reach.max(at(duty.end));
                let mut doctors = [Idx::new(0); INLINE_DOCTORS];
                let count = duty.primary.len() + duty.secondary.len();
                if count <= INLINE_DOCTORS {
                    for (slot, &doctor) in doctors.iter_mut().zip(duty.primary.iter().chain(&duty.secondary)) {
                        *slot = doctor;
                    }
                } else {
                    doctors[0] = Idx::new(more_doctors.len());
                    more_doctors.extend(duty.primary.iter().chain(&duty.secondary));
                }
                HotDuty {
                    start: at(duty.start),
                    end: at(duty.end),
                    reach,
                    in_force_from: duty.in_force_from.map_or(i64::MIN, at),
                    superseded_at: duty.superseded_at.map_or(i64::MAX, at),
                    doctors,
                    primary: u16::try_from(duty.primary.len()).expect("fewer than 2^16 当番 in a slot"),
                    secondary: u16::try_from(duty.secondary.len()).expect("fewer than 2^16 副当番 in a slot"),
                }
            })
            .collect();
        let starts: Vec<i64> = hot.iter().map(|duty| duty.start).collect();
        Self { days: DayIndex::new(&starts, NANOS_A_DAY), hot, more_doctors, exact }
    }

    /// How many of the duties start at or before `at`.
    fn started_by(&self, at: i64) -> usize {
        let day = self.days.day_of(at, self.hot.len());
        day.start + self.hot[day].partition_point(|duty| duty.start <= at)
    }

    /// The position of the duty running at `at`, from the version in force then.
    fn running(&self, at: i64) -> Option<usize> {
        // The latest started first, back to where every earlier duty has ended.
        self.hot[..self.started_by(at)]
            .iter()
            .rposition(|duty| at >= duty.reach || duty.runs_at(at))
            .filter(|&i| self.hot[i].runs_at(at))
    }
}

/// Nanoseconds in a day.
const NANOS_A_DAY: i64 = 86_400 * 1_000_000_000;

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
    /// Per group, derived from `duties`: what a lookup reads.
    lookup: Vec<GroupLookup>,
    covers: HashMap<Idx<Absence>, Vec<CoverEntry>>,
}

impl RotaBook {
    /// An empty book for `dataset`'s groups.
    pub fn new(dataset: &Dataset) -> Self {
        let groups = dataset.groups.len();
        Self { duties: vec![Vec::new(); groups], lookup: vec![GroupLookup::default(); groups], covers: HashMap::new() }
    }

    /// Adds a rota file's records. A duty for a slot already in the book replaces it
    /// (a later version of the rota). Slot times come from the records or, when absent,
    /// from the group's calendar.
    pub fn add(&mut self, dataset: &Dataset, records: &RotaRecords) -> Result<(), CoverError> {
        let (fresh, covers) = Self::read(dataset, records, None)?;
        for (g, duties) in self.duties.iter_mut().enumerate() {
            let group = Idx::new(g);
            duties.retain(|duty| !fresh.contains_key(&(group, duty.start, duty.kind)));
        }
        for (absence, entry) in covers {
            self.covers.insert(absence, vec![entry]);
        }
        self.insert(fresh);
        Ok(())
    }

    /// Adds a published version of a rota that came into force at `in_force_from`
    /// (`None` for the rota's first version). The duties and absence covers of `scope`
    /// in force before it are superseded at that instant, not removed: questions about
    /// earlier instants still see them.
    pub fn add_version(
        &mut self,
        dataset: &Dataset,
        records: &RotaRecords,
        scope: &VersionScope,
        in_force_from: Option<Instant>,
    ) -> Result<(), CoverError> {
        let (fresh, covers) = Self::read(dataset, records, in_force_from)?;
        let since = in_force_from.unwrap_or(Instant::MIN_UTC);
        for &group in &scope.groups {
            for duty in &mut self.duties[group.index()] {
                if duty.superseded_at.is_none() && scope.from <= duty.start && duty.start < scope.to {
                    duty.superseded_at = Some(since);
                }
            }
        }
        for (&absence, entries) in &mut self.covers {
            let a = &dataset.absences[absence];
            for entry in entries.iter_mut() {
                if entry.superseded_at.is_none()
                    && scope.groups.contains(&entry.group)
                    && a.overlaps(scope.from, scope.to)
                {
                    entry.superseded_at = Some(since);
                }
            }
        }
        for (absence, entry) in covers {
            self.covers.entry(absence).or_default().push(entry);
        }
        self.insert(fresh);
        Ok(())
    }

    /// Reads records into duties keyed by slot, and absence covers.
    #[allow(clippy::type_complexity)]
    fn read(
        dataset: &Dataset,
        records: &RotaRecords,
        in_force_from: Option<Instant>,
    ) -> Result<(HashMap<(Idx<Group>, Instant, SlotKind), Duty>, Vec<(Idx<Absence>, CoverEntry)>), CoverError> {
        let doctor =
            |id: &str| dataset.doctors.lookup(id).ok_or_else(|| CoverError::UnknownDoctor { id: id.to_owned() });
        let group_of =
            |id: &str| dataset.groups.lookup(id).ok_or_else(|| CoverError::UnknownGroup { id: id.to_owned() });
        let mut fresh: HashMap<(Idx<Group>, Instant, SlotKind), Duty> = HashMap::new();
        for duty in &records.duties {
            let group = group_of(&duty.group)?;
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
                in_force_from,
                superseded_at: None,
            });
            let list = match duty.role {
                Role::Primary => &mut entry.primary,
                Role::Secondary => &mut entry.secondary,
            };
            if !list.contains(&doctor) {
                list.push(doctor);
            }
        }
        let mut covers = Vec::with_capacity(records.covers.len());
        for cover in &records.covers {
            let absence = dataset
                .absences
                .lookup(&cover.absence)
                .ok_or_else(|| CoverError::UnknownAbsence { id: cover.absence.clone() })?;
            let entry = CoverEntry {
                doctor: doctor(&cover.doctor)?,
                group: group_of(&cover.group)?,
                in_force_from,
                superseded_at: None,
            };
            covers.push((absence, entry));
        }
        Ok((fresh, covers))
    }

    fn insert(&mut self, fresh: HashMap<(Idx<Group>, Instant, SlotKind), Duty>) {
        for ((group, ..), duty) in fresh {
            self.duties[group.index()].push(duty);
        }
        for duties in &mut self.duties {
            duties.sort_by_key(|duty| (duty.start, duty.kind, duty.in_force_from));
        }
        self.lookup = self.duties.iter().map(|duties| GroupLookup::new(duties)).collect();
    }

    /// How many of the group's duties (from the first) start at or before `at`.
    fn started_by(&self, group: Idx<Group>, at: Instant) -> usize {
        let lookup = &self.lookup[group.index()];
        match nanos(at) {
            Some(at) if lookup.exact => lookup.started_by(at),
            _ => self.duties[group.index()].partition_point(|duty| duty.start <= at),
        }
    }

    /// The position of the group's duty running at `at`, from the version in force then.
    fn running(&self, group: Idx<Group>, at: Instant) -> Option<usize> {
        let lookup = &self.lookup[group.index()];
        match nanos(at) {
            Some(at) if lookup.exact => lookup.running(at),
            // Instants outside the compact copy's range: the duties themselves.
            _ => self.duties[group.index()]
                .iter()
                .rposition(|duty| duty.start <= at && at < duty.end && duty.in_force_at(at)),
        }
    }

    /// The group's duty at `at`, if a slot of its rota is running then, from the
    /// version in force at `at`.
    pub fn duty_at(&self, group: Idx<Group>, at: Instant) -> Option<&Duty> {
        self.running(group, at).map(|i| &self.duties[group.index()][i])
    }

    /// The 当番 and 副当番 of the group's duty at `at` ([`RotaBook::duty_at`]'s), read
    /// from the lookup's compact copy: what the chain asks of every nearby group.
    pub fn on_duty_at(&self, group: Idx<Group>, at: Instant) -> Option<DutyDoctors<'_>> {
        let lookup = &self.lookup[group.index()];
        match nanos(at) {
            Some(at) if lookup.exact => lookup.running(at).map(|i| lookup.hot[i].doctors(&lookup.more_doctors)),
            _ => self.duty_at(group, at).map(|duty| (duty.primary.as_slice(), duty.secondary.as_slice())),
        }
    }

    /// The next time the group's on-duty doctors change after `at`: the end of the
    /// running slot, or the start of the next one.
    pub fn next_change(&self, group: Idx<Group>, at: Instant) -> Option<Instant> {
        if let Some(duty) = self.duty_at(group, at) {
            return Some(duty.end);
        }
        self.duties[group.index()][self.started_by(group, at)..]
            .iter()
            .find(|duty| duty.in_force_at(at))
            .map(|duty| duty.start)
    }

    /// Who covers an absence (主治医・副主治医制) under the rota in force at `at`, if it
    /// names someone.
    pub fn cover_of(&self, absence: Idx<Absence>, at: Instant) -> Option<Idx<Doctor>> {
        let entries = self.covers.get(&absence)?;
        entries.iter().rev().find(|entry| entry.in_force_at(at)).map(|entry| entry.doctor)
    }

    /// The group's duties of every version, by start.
    pub fn all_duties(&self, group: Idx<Group>) -> &[Duty] {
        &self.duties[group.index()]
    }

    /// The group's duties in force at `as_of`, by start: the rota as it stood then.
    pub fn duties_as_of(&self, group: Idx<Group>, as_of: Instant) -> impl Iterator<Item = &Duty> {
        self.duties[group.index()].iter().filter(move |duty| duty.in_force_at(as_of))
    }

    /// The group's duties as the latest versions have them (none superseded), by start.
    pub fn current_duties(&self, group: Idx<Group>) -> impl Iterator<Item = &Duty> {
        self.duties[group.index()].iter().filter(|duty| duty.superseded_at.is_none())
    }

    /// Whether the book has any duty of `group` in `[from, to)`.
    pub fn has_duties_between(&self, group: Idx<Group>, from: Instant, to: Instant) -> bool {
        self.duties[group.index()].iter().any(|duty| duty.start < to && from < duty.end)
    }
}
