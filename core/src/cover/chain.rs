//! The escalation chain for a patient at an instant: whom to call, in order, and why.
//!
//! Steps are built from indices only (no text) so a lookup costs a few microseconds;
//! [`CoverChain::describe`] renders names, phones and Japanese reasons on demand.

use chrono::{Datelike, Timelike};
use serde::Serialize;

use super::book::RotaBook;
use super::cards::{Card, CardParts, Cards};
use super::starts::Starts;
use crate::calendar::{DateRange, Instant, Month, SlotKind, expand_slots, jst_date, jst_naive, to_jst};
use crate::dataset::Dataset;
use crate::domain::{
    Absence, ConsentKind, Doctor, Group, HOME_VISIT_LIMIT_KM, Hospital, Idx, LatLon, NurseStation, Patient,
    RegistrationStatus, Role, Site,
};
use crate::network::CareNetwork;

/// At most this many doctors of neighbouring groups are listed.
const NEIGHBOURS_LISTED: usize = 3;
/// At most this many group doctors who know the patient are listed.
const KNOWN_LISTED: usize = 3;
/// At most this many acute hospitals are listed.
const ACUTE_LISTED: usize = 2;
/// Nearby groups searched for on-duty doctors: the nearest this many (by the centre of
/// their members' clinics), same area first. Farther groups' doctors would not make the
/// nearest few.
const NEARBY_GROUPS: usize = 6;

/// Who a step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "type", content = "index", rename_all = "snake_case")]
pub enum Contact {
    /// A doctor.
    Doctor(#[serde(skip)] Idx<Doctor>),
    /// A visiting nurse station.
    Station(#[serde(skip)] Idx<NurseStation>),
    /// A hospital.
    Hospital(#[serde(skip)] Idx<Hospital>),
}

/// Why a step is where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// 主治医: present and within clinic hours.
    PrimaryInHours,
    /// 主治医 after the on-duty doctors: off hours under the rotation.
    PrimaryOffHours,
    /// The doctor covering the 主治医's absence.
    CoversAbsence(Idx<Absence>),
    /// On duty in the patient's group.
    OnDuty {
        /// Role.
        role: Role,
        /// Slot kind.
        kind: SlotKind,
        /// Until when.
        until: Instant,
    },
    /// A group doctor who has met the patient (顔合わせ), when no one is assigned.
    KnowsPatient,
    /// On duty in a nearby group.
    NearbyOnDuty {
        /// The group.
        group: Idx<Group>,
        /// Role.
        role: Role,
        /// Area hops (0: same area).
        hops: u32,
    },
    /// The patient's visiting nurse station, 24 hours.
    Station,
    /// A registered backup hospital.
    Backup {
        /// Position in the patient's list.
        rank: u8,
        /// Registration status.
        status: RegistrationStatus,
        /// The formal 在宅療養後方支援病院 registration.
        formal: bool,
    },
    /// An acute hospital for severe cases.
    Acute,
}

/// One step of the chain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// Who.
    pub contact: Contact,
    /// Why here.
    pub reason: Reason,
    /// Straight-line km from the patient's home.
    pub distance_km: f32,
}

/// A note the caller should see (e.g. an on-duty doctor who turns out to be absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warning {
    /// The 主治医 is absent and nobody is assigned to cover.
    AbsentWithoutCover(Idx<Absence>),
    /// A doctor of the rota is absent at the instant (rota not yet repaired).
    OnDutyButAbsent(Idx<Doctor>, Idx<Absence>),
    /// A duty slot is running but nobody is on it.
    SlotUnstaffed(SlotKind),
    /// The patient has no group-cover consent in force: group doctors may not see the record.
    NoGroupCoverConsent,
}

/// The escalation chain for one patient at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverChain {
    /// The patient.
    pub patient: Idx<Patient>,
    /// The instant asked about.
    pub at: Instant,
    /// Whom to call, in order.
    pub steps: Vec<Step>,
    /// What the caller should know.
    pub warnings: Vec<Warning>,
}

/// Everything a cover lookup reads, prepared once.
#[derive(Debug, Clone)]
pub struct CoverIndex<'d> {
    dataset: &'d Dataset,
    book: &'d RotaBook,
    /// Per group: groups to fall back on (same area, then neighbouring areas).
    nearby: Vec<Vec<(Idx<Group>, u32)>>,
    /// Per rotation group: its slots (from its calendar, whatever the rota staffs) over
    /// the months the book spans, by start.
    schedules: Vec<Vec<(Instant, Instant, SlotKind)>>,
    /// The schedules' starts, indexed by day.
    schedule_starts: Vec<Starts>,
    /// Per area: the 急性期 hospitals of the area and its neighbours.
    acute: Vec<Vec<Idx<Hospital>>>,
    /// Per doctor, side by side: what a lookup reads of every doctor it considers.
    doctors: Vec<DoctorFacts>,
    /// Every doctor's absences, doctor by doctor (runs in [`DoctorFacts::absences`]),
    /// each doctor's by start.
    absences: Vec<AbsenceSpan>,
    /// Per hospital: its site.
    hospitals: Vec<Site>,
    /// Per patient, what a lookup reads of them, and the id table that finds them.
    cards: Cards,
}

/// What a lookup needs of a doctor, in one small record (not a `Doctor`'s cache lines
/// and its clinic's).
#[derive(Debug, Clone, Copy)]
struct DoctorFacts {
    /// The doctor's clinic's site.
    clinic: Site,
    /// Where the doctor's absences start and end in [`CoverIndex::absences`].
    absences: (u32, u32),
}

/// An absence as a lookup reads it: its span, and the latest end of it and every
/// absence of the doctor that started before it, so a search back from the instant
/// stops at the first absence whose predecessors have all ended.
#[derive(Debug, Clone, Copy)]
struct AbsenceSpan {
    start: Instant,
    end: Instant,
    /// The latest `end` of this absence and the doctor's earlier-started ones.
    reach: Instant,
    absence: Idx<Absence>,
}

impl<'d> CoverIndex<'d> {
    /// Prepares lookups over `dataset` with the rotas in `book`.
    pub fn new(dataset: &'d Dataset, book: &'d RotaBook) -> Self {
        let network = CareNetwork::new(dataset);
        let centre = |group: Idx<Group>| {
            let members = &dataset.groups[group].members;
            let n = members.len().max(1) as f64;
            let (lat, lon) = members.iter().fold((0.0, 0.0), |(lat, lon), &m| {
                let at = dataset.clinics[dataset.doctors[m].clinic].location;
                (lat + at.lat(), lon + at.lon())
            });
            LatLon::new(lat / n, lon / n).unwrap_or(dataset.areas[dataset.groups[group].area].location)
        };
        let centres: Vec<LatLon> = dataset.groups.indices().map(centre).collect();
        let nearby = dataset
            .groups
            .indices()
            .map(|group| {
                let mut near: Vec<(Idx<Group>, u32)> = network
                    .nearby_groups(group, 1)
                    .into_iter()
                    .filter(|nearby| dataset.groups[nearby.group].policy.rotation())
                    .map(|nearby| (nearby.group, nearby.hops))
                    .collect();
                let from = centres[group.index()];
                near.sort_by(|a, b| {
                    a.1.cmp(&b.1)
                        .then(from.distance_km(centres[a.0.index()]).total_cmp(&from.distance_km(centres[b.0.index()])))
                        .then(a.0.cmp(&b.0))
                });
                near.truncate(NEARBY_GROUPS);
                near
            })
            .collect();
        let schedules: Vec<Vec<(Instant, Instant, SlotKind)>> = dataset
            .groups
            .enumerate()
            .map(|(g, group)| {
                if !group.policy.rotation() {
                    return Vec::new();
                }
                let duties = book.all_duties(g);
                let (Some(first), Some(last)) = (duties.first(), duties.last()) else { return Vec::new() };
                let month_of = |instant: Instant| Month::containing(to_jst(instant).date_naive());
                let (Some(first), Some(last)) = (month_of(first.start), month_of(last.start)) else {
                    return Vec::new();
                };
                let days = DateRange::new(first.first_day(), last.last_day()).expect("ordered");
                expand_slots(days, &group.calendar, &group.slots)
                    .into_iter()
                    .map(|slot| (slot.start, slot.end, slot.kind))
                    .collect()
            })
            .collect();
        let acute = dataset
            .areas
            .indices()
            .map(|area| {
                network
                    .acute_hospitals_near(dataset, area, dataset.areas[area].location)
                    .into_iter()
                    .map(|(h, _)| h)
                    .collect()
            })
            .collect();
        let mut absences: Vec<AbsenceSpan> = Vec::with_capacity(dataset.absences.len());
        let doctors = dataset
            .doctors
            .enumerate()
            .map(|(id, doctor)| {
                let first = u32::try_from(absences.len()).expect("fits");
                let mut reach = Instant::MIN_UTC;
                // The dataset lists each doctor's absences by start.
                for &absence in dataset.absences_of_doctor(id) {
                    let a = &dataset.absences[absence];
                    reach = reach.max(a.end);
                    absences.push(AbsenceSpan { start: a.start, end: a.end, reach, absence });
                }
                DoctorFacts {
                    clinic: Site::of(dataset.clinics[doctor.clinic].location),
                    absences: (first, u32::try_from(absences.len()).expect("fits")),
                }
            })
            .collect();
        let hospitals = dataset.hospitals.iter().map(|hospital| Site::of(hospital.location)).collect();
        let schedule_starts = schedules.iter().map(|schedule| Starts::of(schedule.iter().map(|slot| slot.0))).collect();
        let mut index = Self {
            dataset,
            book,
            nearby,
            schedules,
            schedule_starts,
            acute,
            doctors,
            absences,
            hospitals,
            cards: Cards::with_capacity(0),
        };
        let mut cards = Cards::with_capacity(dataset.patients.len());
        let (mut tail, mut consents) = (Vec::new(), Vec::new());
        for patient in dataset.patients.indices() {
            let p = &dataset.patients[patient];
            let home = Site::of(p.home);
            tail.clear();
            index.push_tail(patient, home, &mut tail);
            consents.clear();
            consents.extend(
                dataset
                    .consents_of_patient(patient)
                    .iter()
                    .map(|&consent| &dataset.consents[consent])
                    .filter(|consent| consent.kind() == ConsentKind::GroupCover)
                    .map(|consent| consent.in_force()),
            );
            let head = serde_json::to_vec(&PatientHead::of(dataset, patient)).expect("strings serialise");
            cards.push(CardParts {
                id: p.id.as_str(),
                home,
                group: p.group,
                primary: p.primary_doctor,
                tail: &tail,
                consents: &consents,
                head: &head,
            });
        }
        index.cards = cards;
        index
    }

    /// The steps of the patient's chain that do not depend on the instant, as the
    /// chain lists them after the doctors: the visiting nurse station, the active
    /// backup registrations by rank, and the area's acute hospitals not listed already,
    /// ranked by the cheap planar distance with the listed few given the exact one.
    fn push_tail(&self, patient: Idx<Patient>, home: Site, tail: &mut Vec<Step>) {
        let d = self.dataset;
        let p = &d.patients[patient];
        let from = tail.len();
        if let Some(station) = p.nurse_station {
            tail.push(Step {
                contact: Contact::Station(station),
                reason: Reason::Station,
                distance_km: self.km(Contact::Station(station), home),
            });
        }
        for &registration in d.registrations_of_patient(patient) {
            let r = &d.registrations[registration];
            if r.is_active() {
                tail.push(Step {
                    contact: Contact::Hospital(r.hospital),
                    reason: Reason::Backup { rank: r.rank, status: r.status, formal: r.formal },
                    distance_km: self.km(Contact::Hospital(r.hospital), home),
                });
            }
        }
        let before_acute = tail.len();
        for &hospital in &self.acute[d.groups[p.group].area.index()] {
            if !tail[from..before_acute].iter().any(|step| step.contact == Contact::Hospital(hospital)) {
                tail.push(Step {
                    contact: Contact::Hospital(hospital),
                    reason: Reason::Acute,
                    distance_km: self.site_of(Contact::Hospital(hospital)).planar_km(home) as f32,
                });
            }
        }
        self.keep_nearest(tail, before_acute, ACUTE_LISTED, home);
    }

    /// The group's slots by its calendar (staffed or not) that start on a date of `days`.
    pub fn slots_on(&self, group: Idx<Group>, days: DateRange) -> Vec<(Instant, Instant, SlotKind)> {
        let g = &self.dataset.groups[group];
        if !g.policy.rotation() {
            return Vec::new();
        }
        expand_slots(days, &g.calendar, &g.slots).into_iter().map(|slot| (slot.start, slot.end, slot.kind)).collect()
    }

    /// The group's slot running at `at` by its calendar, staffed or not.
    pub fn slot_at(&self, group: Idx<Group>, at: Instant) -> Option<(Instant, Instant, SlotKind)> {
        let g = &self.dataset.groups[group];
        if !g.policy.rotation() {
            return None;
        }
        let schedule = &self.schedules[group.index()];
        let inside =
            schedule.first().is_some_and(|first| first.0 <= at) && schedule.last().is_some_and(|last| at < last.1);
        if inside {
            let after = self.schedule_starts[group.index()].started_by(at, |i| schedule[i].0);
            return schedule[..after].iter().rev().take(2).find(|slot| at < slot.1).copied();
        }
        // Outside the published months: read the calendar (a night may start the day before).
        let date = jst_date(at);
        let days = DateRange::new(date.pred_opt()?, date)?;
        expand_slots(days, &g.calendar, &g.slots)
            .into_iter()
            .find(|slot| slot.start <= at && at < slot.end)
            .map(|slot| (slot.start, slot.end, slot.kind))
    }

    /// The dataset.
    pub fn dataset(&self) -> &'d Dataset {
        self.dataset
    }

    /// The rotas.
    pub fn book(&self) -> &'d RotaBook {
        self.book
    }

    /// The doctor's absence at `at`, if any.
    pub fn absence_at(&self, doctor: Idx<Doctor>, at: Instant) -> Option<Idx<Absence>> {
        let (first, end) = self.doctors[doctor.index()].absences;
        let absences = &self.absences[first as usize..end as usize];
        // Only those started by `at` can cover it; the latest started first, back to
        // where every earlier one has ended.
        let started = absences.partition_point(|span| span.start <= at);
        absences[..started]
            .iter()
            .rev()
            .take_while(|span| at < span.reach)
            .find(|span| at < span.end)
            .map(|span| span.absence)
    }

    /// Where a contact is: a doctor's clinic, a station, a hospital.
    fn site_of(&self, contact: Contact) -> Site {
        match contact {
            Contact::Doctor(doctor) => self.doctors[doctor.index()].clinic,
            Contact::Station(station) => Site::of(self.dataset.nurse_stations[station].location),
            Contact::Hospital(hospital) => self.hospitals[hospital.index()],
        }
    }

    /// Straight-line km from a contact to the patient's home.
    fn km(&self, contact: Contact, home: Site) -> f32 {
        self.site_of(contact).distance_km(home) as f32
    }

    /// Keeps the `listed` nearest of the candidates `steps[from..]` by their planar
    /// distance, gives them their exact distance, and orders them by it. The sorts are
    /// stable, so ties keep the order the candidates were found in.
    fn keep_nearest(&self, steps: &mut Vec<Step>, from: usize, listed: usize, home: Site) {
        steps[from..].sort_by(|a, b| a.distance_km.total_cmp(&b.distance_km));
        steps.truncate(from + listed.min(steps.len() - from));
        for step in &mut steps[from..] {
            step.distance_km = self.km(step.contact, home);
        }
        steps[from..].sort_by(|a, b| a.distance_km.total_cmp(&b.distance_km));
    }

    /// The patient with id `id` (as the dataset's table finds them, through the cards'
    /// compact id table).
    pub fn patient(&self, id: &str) -> Option<Idx<Patient>> {
        self.cards.find(id)
    }

    /// The JSON of `patient`'s [`PatientHead`], written when the index was built: the
    /// head of a cover answer.
    pub fn head(&self, patient: Idx<Patient>) -> &[u8] {
        self.cards.head(self.cards.card(patient))
    }

    /// The escalation chain for `patient` at `at`.
    pub fn chain(&self, patient: Idx<Patient>, at: Instant) -> CoverChain {
        let card = self.cards.card(patient);
        let home = card.home;
        // Room for the candidates ranked in its tail (up to six nearby groups' on-duty doctors).
        let mut steps = Vec::with_capacity(32);
        let mut warnings = Vec::new();
        self.push_assigned(card, at, &mut steps, &mut warnings);
        if !steps.iter().any(|step| matches!(step.contact, Contact::Doctor(_))) {
            self.push_known_doctors(&self.dataset.patients[patient], home, at, &mut steps);
        }
        self.push_nearby_on_duty(card.group, home, at, &mut steps);
        steps.extend_from_slice(self.cards.tail(card));
        if !self.cards.consented(card, jst_date(at)) {
            warnings.push(Warning::NoGroupCoverConsent);
        }
        CoverChain { patient, at, steps, warnings }
    }

    /// The doctors assigned to the patient at `at`: the 主治医 in hours, the doctor
    /// covering the 主治医's absence, the group's on-duty doctors (and the 主治医 after
    /// them, off hours). Absent doctors of the rota are left out with a warning.
    fn push_assigned(&self, card: &Card, at: Instant, steps: &mut Vec<Step>, warnings: &mut Vec<Warning>) {
        let (primary, group, home) = (card.primary, card.group, card.home);
        let primary_absence = self.absence_at(primary, at);
        let slot = self.slot_at(group, at);
        let duty = slot.and_then(|(start, _, kind)| {
            self.book.duty_at(group, at).filter(|duty| duty.start == start && duty.kind == kind)
        });
        if let (Some((_, _, kind)), None) = (slot, duty) {
            warnings.push(Warning::SlotUnstaffed(kind));
        }
        if primary_absence.is_none() && slot.is_none() {
            steps.push(Step {
                contact: Contact::Doctor(primary),
                reason: Reason::PrimaryInHours,
                distance_km: self.km(Contact::Doctor(primary), home),
            });
        }
        if let Some(absence) = primary_absence {
            match self.book.cover_of(absence, at).filter(|&cover| self.absence_at(cover, at).is_none()) {
                Some(cover) => steps.push(Step {
                    contact: Contact::Doctor(cover),
                    reason: Reason::CoversAbsence(absence),
                    distance_km: self.km(Contact::Doctor(cover), home),
                }),
                None if slot.is_none() => warnings.push(Warning::AbsentWithoutCover(absence)),
                None => {}
            }
        }
        if let Some(duty) = duty {
            let before = steps.len();
            for (role, doctors) in [(Role::Primary, &duty.primary), (Role::Secondary, &duty.secondary)] {
                for &doctor in doctors {
                    if let Some(absence) = self.absence_at(doctor, at) {
                        warnings.push(Warning::OnDutyButAbsent(doctor, absence));
                        continue;
                    }
                    if steps.iter().any(|step| step.contact == Contact::Doctor(doctor)) {
                        continue; // already listed, e.g. as the absence cover
                    }
                    steps.push(Step {
                        contact: Contact::Doctor(doctor),
                        reason: Reason::OnDuty { role, kind: duty.kind, until: duty.end },
                        distance_km: self.km(Contact::Doctor(doctor), home),
                    });
                }
            }
            if steps.len() == before && duty.primary.is_empty() && duty.secondary.is_empty() {
                warnings.push(Warning::SlotUnstaffed(duty.kind));
            }
        }
        if slot.is_some() && primary_absence.is_none() && !steps.iter().any(|s| s.contact == Contact::Doctor(primary)) {
            steps.push(Step {
                contact: Contact::Doctor(primary),
                reason: Reason::PrimaryOffHours,
                distance_km: self.km(Contact::Doctor(primary), home),
            });
        }
    }

    /// The doctors covering `patient` at `at` by assignment (not the off-hours 主治医
    /// under a rotation, nor mere fallbacks), with the warnings found.
    pub fn assigned(&self, patient: Idx<Patient>, at: Instant) -> (Vec<Step>, Vec<Warning>) {
        let mut steps = Vec::with_capacity(4);
        let mut warnings = Vec::new();
        self.push_assigned(self.cards.card(patient), at, &mut steps, &mut warnings);
        steps.retain(|step| step.reason != Reason::PrimaryOffHours);
        (steps, warnings)
    }

    /// Group doctors who have met the patient and are not absent, nearest first.
    fn push_known_doctors(&self, p: &Patient, home: Site, at: Instant, steps: &mut Vec<Step>) {
        let mut known: Vec<(f32, Idx<Doctor>)> = p
            .met_doctors
            .iter()
            .copied()
            .filter(|&doctor| doctor != p.primary_doctor && self.absence_at(doctor, at).is_none())
            .map(|doctor| (self.km(Contact::Doctor(doctor), home), doctor))
            .collect();
        known.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (km, doctor) in known.into_iter().take(KNOWN_LISTED) {
            steps.push(Step { contact: Contact::Doctor(doctor), reason: Reason::KnowsPatient, distance_km: km });
        }
    }

    /// On-duty doctors of nearby groups, nearest to the patient's home first.
    fn push_nearby_on_duty(&self, group: Idx<Group>, home: Site, at: Instant, steps: &mut Vec<Step>) {
        // The candidates go in the chain's own tail, ranked there.
        let before = steps.len();
        for &(group, hops) in &self.nearby[group.index()] {
            let Some((primary, secondary)) = self.book.on_duty_at(group, at) else { continue };
            for (role, doctors) in [(Role::Primary, primary), (Role::Secondary, secondary)] {
                for &doctor in doctors {
                    let contact = Contact::Doctor(doctor);
                    if steps.iter().any(|step| step.contact == contact) || self.absence_at(doctor, at).is_some() {
                        continue;
                    }
                    // Ranked by a cheap planar distance; the listed few get the exact one below.
                    steps.push(Step {
                        contact,
                        reason: Reason::NearbyOnDuty { group, role, hops },
                        distance_km: self.site_of(contact).planar_km(home) as f32,
                    });
                }
            }
        }
        self.keep_nearest(steps, before, NEIGHBOURS_LISTED, home);
    }

    /// Who is on duty in `group` at `at`, and when that changes. A rostered doctor who
    /// is absent then is not listed to call but in [`OnDutyNow::absent`], with whoever
    /// covers the absence.
    pub fn on_duty(&self, group: Idx<Group>, at: Instant) -> OnDutyNow {
        let duty = self.book.duty_at(group, at);
        let slot = self.slot_at(group, at);
        let mut absent = Vec::new();
        let mut present = |role: Role, doctors: &[Idx<Doctor>]| -> Vec<Idx<Doctor>> {
            doctors
                .iter()
                .copied()
                .filter(|&doctor| match self.absence_at(doctor, at) {
                    Some(absence) => {
                        let cover = self
                            .book
                            .cover_of(absence, at)
                            .filter(|&cover| cover != doctor && self.absence_at(cover, at).is_none());
                        absent.push(AbsentOnDuty { doctor, role, absence, cover });
                        false
                    }
                    None => true,
                })
                .collect()
        };
        let primary = duty.map(|duty| present(Role::Primary, &duty.primary)).unwrap_or_default();
        let secondary = duty.map(|duty| present(Role::Secondary, &duty.secondary)).unwrap_or_default();
        OnDutyNow {
            kind: slot.map(|(_, _, kind)| kind).or(duty.map(|duty| duty.kind)),
            primary,
            secondary,
            absent,
            until: slot.map(|(_, end, _)| end).or(duty.map(|duty| duty.end)),
            next_change: self.next_change(group, at),
        }
    }
}

impl CoverIndex<'_> {
    /// The next time the group's duty changes after `at`: the end of the running slot,
    /// or the start of the next one (by its calendar, staffed or not).
    fn next_change(&self, group: Idx<Group>, at: Instant) -> Option<Instant> {
        if let Some((_, end, _)) = self.slot_at(group, at) {
            return Some(end);
        }
        let schedule = &self.schedules[group.index()];
        if let Some(next) = schedule
            .get(self.schedule_starts[group.index()].started_by(at, |i| schedule[i].0))
            .filter(|_| schedule.first().is_some_and(|first| first.0 <= at))
        {
            return Some(next.0);
        }
        // Outside the published months: the next slot by the calendar.
        let g = &self.dataset.groups[group];
        if !g.policy.rotation() {
            return None;
        }
        let date = jst_date(at);
        let days = DateRange::new(date, date.succ_opt()?.succ_opt()?)?;
        expand_slots(days, &g.calendar, &g.slots).into_iter().map(|slot| slot.start).find(|&start| start > at)
    }
}

/// Who is on duty in a group at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnDutyNow {
    /// The running slot's kind, if a slot is running.
    pub kind: Option<SlotKind>,
    /// 当番.
    pub primary: Vec<Idx<Doctor>>,
    /// 副当番.
    pub secondary: Vec<Idx<Doctor>>,
    /// Rostered doctors who are absent at the instant (left out of `primary` and
    /// `secondary`).
    pub absent: Vec<AbsentOnDuty>,
    /// End of the running slot.
    pub until: Option<Instant>,
    /// The next time the on-duty doctors change.
    pub next_change: Option<Instant>,
}

/// A doctor the rota has on duty who is absent at the instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AbsentOnDuty {
    /// The doctor.
    pub doctor: Idx<Doctor>,
    /// Their role on the duty.
    pub role: Role,
    /// The absence.
    pub absence: Idx<Absence>,
    /// Who covers the absence under the rota in force, if the rota names someone
    /// present.
    pub cover: Option<Idx<Doctor>>,
}

/// One step for people and machines: names, phones and reasons in Japanese, borrowed
/// from the dataset and composed only when written (a lookup allocates nothing for
/// its text).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepView<'d> {
    /// 1-based order.
    pub order: usize,
    /// Role label, e.g. 主治医, 当番, 後方支援病院.
    pub role: Text<'d>,
    /// `doctor`, `station` or `hospital`.
    pub kind: &'static str,
    /// Id.
    pub id: &'d str,
    /// Name (and institution).
    pub name: Text<'d>,
    /// Phone to call.
    pub phone: &'d str,
    /// Why this step, in Japanese.
    pub reason: Text<'d>,
    /// Straight-line km from home.
    pub distance_km: f64,
    /// Beyond the 16 km home-visit limit (doctors only).
    pub beyond_16km: bool,
}

/// Japanese text of a step, composed from the dataset when displayed or serialised
/// (as a JSON string).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Text<'d> {
    /// As it is.
    Plain(&'d str),
    /// Two parts written together, e.g. `近隣グループの` + `当番`.
    Joined(&'static str, &'static str),
    /// `name (institution)`.
    Named {
        /// The person.
        name: &'d str,
        /// Where they work.
        institution: &'d str,
    },
    /// `主治医 不在中の代診 (reason 12/5 08:30〜12/6 08:30, id)`.
    Absence {
        /// Why the 主治医 is away.
        reason: &'d str,
        /// From.
        start: Instant,
        /// Until.
        end: Instant,
        /// The absence's id.
        id: &'d str,
    },
    /// `グループの当番 (平日夜間, 12/5 08:30まで)`.
    OnDuty {
        /// 当番 or 副当番.
        role: &'static str,
        /// The slot's kind.
        kind: &'static str,
        /// The slot's end.
        until: Instant,
    },
    /// `隣接エリアの 中区第1グループ の副当番`.
    Nearby {
        /// 同じエリア or 隣接エリア.
        place: &'static str,
        /// The group's name.
        group: &'d str,
        /// 当番 or 副当番.
        role: &'static str,
    },
    /// `登録順位 1 (登録済・在宅療養後方支援病院の正式登録)`.
    Backup {
        /// Rank in the patient's list.
        rank: u8,
        /// The registration's status.
        status: &'static str,
        /// Formally registered as 在宅療養後方支援病院.
        formal: bool,
    },
}

/// Where a [`Text`] is composed: a formatter, or the bytes of a JSON answer.
pub(super) trait Compose {
    /// Appends text.
    fn put(&mut self, text: &str) -> std::fmt::Result;
    /// Appends a number in decimal, zero-padded to `width` digits.
    fn number(&mut self, n: u32, width: usize) -> std::fmt::Result;
}

impl Compose for std::fmt::Formatter<'_> {
    fn put(&mut self, text: &str) -> std::fmt::Result {
        self.write_str(text)
    }

    fn number(&mut self, n: u32, width: usize) -> std::fmt::Result {
        write!(self, "{n:0width$}")
    }
}

impl Compose for Vec<u8> {
    fn put(&mut self, text: &str) -> std::fmt::Result {
        self.extend_from_slice(text.as_bytes());
        Ok(())
    }

    fn number(&mut self, n: u32, width: usize) -> std::fmt::Result {
        let mut digits = itoa::Buffer::new();
        let digits = digits.format(n);
        self.extend(std::iter::repeat_n(b'0', width.saturating_sub(digits.len())));
        self.extend_from_slice(digits.as_bytes());
        Ok(())
    }
}

/// `12/5 08:30`, JST.
fn short_time(out: &mut impl Compose, instant: Instant) -> std::fmt::Result {
    let t = jst_naive(instant);
    out.number(t.month(), 1)?;
    out.put("/")?;
    out.number(t.day(), 1)?;
    out.put(" ")?;
    out.number(t.hour(), 2)?;
    out.put(":")?;
    out.number(t.minute(), 2)
}

impl Text<'_> {
    /// Writes the text into `out`.
    pub(super) fn compose(&self, out: &mut impl Compose) -> std::fmt::Result {
        match *self {
            Self::Plain(text) => out.put(text),
            Self::Joined(first, second) => {
                out.put(first)?;
                out.put(second)
            }
            Self::Named { name, institution } => {
                out.put(name)?;
                out.put(" (")?;
                out.put(institution)?;
                out.put(")")
            }
            Self::Absence { reason, start, end, id } => {
                out.put("主治医 不在中の代診 (")?;
                out.put(reason)?;
                out.put(" ")?;
                short_time(out, start)?;
                out.put("〜")?;
                short_time(out, end)?;
                out.put(", ")?;
                out.put(id)?;
                out.put(")")
            }
            Self::OnDuty { role, kind, until } => {
                out.put("グループの")?;
                out.put(role)?;
                out.put(" (")?;
                out.put(kind)?;
                out.put(", ")?;
                short_time(out, until)?;
                out.put("まで)")
            }
            Self::Nearby { place, group, role } => {
                out.put(place)?;
                out.put("の ")?;
                out.put(group)?;
                out.put(" の")?;
                out.put(role)
            }
            Self::Backup { rank, status, formal } => {
                out.put("登録順位 ")?;
                out.number(u32::from(rank), 1)?;
                out.put(" (")?;
                out.put(status)?;
                out.put(if formal { "・在宅療養後方支援病院の正式登録)" } else { ")" })
            }
        }
    }
}

impl std::fmt::Display for Text<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.compose(f)
    }
}

impl Serialize for Text<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match *self {
            Self::Plain(text) => serializer.serialize_str(text),
            _ => serializer.collect_str(self),
        }
    }
}

/// Who the patient is, for the caller to check: the head of a cover answer.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct PatientHead<'d> {
    /// Id.
    pub id: &'d str,
    /// Name.
    pub name: &'d str,
    /// The group's id.
    pub group: &'d str,
    /// The 主治医's id.
    pub primary_doctor: &'d str,
    /// キーパーソン.
    pub key_person: Option<KeyPersonHead<'d>>,
    /// ACP: the patient's recorded wishes.
    pub acp: &'d str,
}

/// キーパーソン: whom to call in the family.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct KeyPersonHead<'d> {
    /// Name and relation.
    pub name: &'d str,
    /// Phone.
    pub phone: &'d str,
}

impl<'d> PatientHead<'d> {
    /// The head of `patient`.
    pub fn of(dataset: &'d Dataset, patient: Idx<Patient>) -> Self {
        let p = &dataset.patients[patient];
        Self {
            id: p.id.as_str(),
            name: &p.name,
            group: dataset.groups[p.group].id.as_str(),
            primary_doctor: dataset.doctors[p.primary_doctor].id.as_str(),
            key_person: p.key_person.as_ref().map(|k| KeyPersonHead { name: &k.name, phone: k.phone.as_str() }),
            acp: &p.acp,
        }
    }
}

/// Who a step is, for people: kind, id, name and phone.
#[derive(Debug, Clone, Copy, Serialize)]
pub(super) struct ContactView<'d> {
    pub kind: &'static str,
    pub id: &'d str,
    pub name: Text<'d>,
    pub phone: &'d str,
}

impl<'d> ContactView<'d> {
    pub(super) fn of(dataset: &'d Dataset, contact: Contact) -> Self {
        match contact {
            Contact::Doctor(doctor) => {
                let d = &dataset.doctors[doctor];
                let institution = &dataset.clinics[d.clinic].name;
                Self {
                    kind: "doctor",
                    id: d.id.as_str(),
                    name: Text::Named { name: &d.name, institution },
                    phone: d.best_phone().as_str(),
                }
            }
            Contact::Station(station) => {
                let s = &dataset.nurse_stations[station];
                Self { kind: "station", id: s.id.as_str(), name: Text::Plain(&s.name), phone: s.phone_24h.as_str() }
            }
            Contact::Hospital(hospital) => {
                let h = &dataset.hospitals[hospital];
                Self { kind: "hospital", id: h.id.as_str(), name: Text::Plain(&h.name), phone: h.phone_24h.as_str() }
            }
        }
    }
}

/// A step's distance as shown: km to one decimal.
pub(super) fn shown_km(km: f32) -> f64 {
    (f64::from(km) * 10.0).round() / 10.0
}

/// A step's role label and reason.
pub(super) fn texts(dataset: &Dataset, reason: Reason) -> (Text<'_>, Text<'_>) {
    let reason_text = match reason {
        Reason::PrimaryInHours => Text::Plain("主治医が対応可能 (不在なし・当番時間外)"),
        Reason::PrimaryOffHours => Text::Plain("輪番の時間帯のため当番医の後に連絡 (時間外)"),
        Reason::CoversAbsence(absence) => {
            let a = &dataset.absences[absence];
            Text::Absence { reason: &a.reason, start: a.start, end: a.end, id: a.id.as_str() }
        }
        Reason::OnDuty { role, kind, until } => Text::OnDuty { role: role.label(), kind: kind.label(), until },
        Reason::KnowsPatient => Text::Plain("代診が決まっていないため、顔合わせ済みの医師"),
        Reason::NearbyOnDuty { group, role, hops } => Text::Nearby {
            place: if hops == 0 { "同じエリア" } else { "隣接エリア" },
            group: &dataset.groups[group].name,
            role: role.label(),
        },
        Reason::Station => Text::Plain("24時間対応の連絡先"),
        Reason::Backup { rank, status, formal } => Text::Backup { rank, status: status.label(), formal },
        Reason::Acute => Text::Plain("重症の場合の搬送先候補 (近い順)"),
    };
    (role_text(reason), reason_text)
}

/// A step's role label, which depends only on the kind of reason.
pub(super) fn role_text(reason: Reason) -> Text<'static> {
    match reason {
        Reason::PrimaryInHours | Reason::PrimaryOffHours => Text::Plain("主治医"),
        Reason::CoversAbsence(_) => Text::Plain("代診医"),
        Reason::OnDuty { role, .. } => Text::Plain(role.label()),
        Reason::KnowsPatient => Text::Plain("顔合わせ済みのグループ医"),
        Reason::NearbyOnDuty { role, .. } => Text::Joined("近隣グループの", role.label()),
        Reason::Station => Text::Plain("訪問看護ステーション"),
        Reason::Backup { .. } => Text::Plain("後方支援病院"),
        Reason::Acute => Text::Plain("急性期病院（重症時）"),
    }
}

impl CoverChain {
    /// The steps with names, phones and Japanese reasons.
    pub fn describe<'d>(&self, dataset: &'d Dataset) -> Vec<StepView<'d>> {
        self.steps
            .iter()
            .enumerate()
            .map(|(position, step)| {
                let ContactView { kind, id, name, phone } = ContactView::of(dataset, step.contact);
                let (role, reason) = texts(dataset, step.reason);
                StepView {
                    order: position + 1,
                    role,
                    kind,
                    id,
                    name,
                    phone,
                    reason,
                    distance_km: shown_km(step.distance_km),
                    beyond_16km: kind == "doctor" && f64::from(step.distance_km) > HOME_VISIT_LIMIT_KM,
                }
            })
            .collect()
    }

    /// The warnings in Japanese.
    pub fn describe_warnings(&self, dataset: &Dataset) -> Vec<String> {
        self.warnings
            .iter()
            .map(|warning| match *warning {
                Warning::AbsentWithoutCover(absence) => {
                    let a = &dataset.absences[absence];
                    format!("主治医が不在 ({}, {}) で代診医が決まっていません", a.reason, a.id)
                }
                Warning::OnDutyButAbsent(doctor, absence) => format!(
                    "当番表の {} は不在です ({}): 当番表の修正が必要です",
                    dataset.doctors[doctor].name, dataset.absences[absence].id
                ),
                Warning::SlotUnstaffed(kind) => format!("{} の当番が割り当てられていません", kind.label()),
                Warning::NoGroupCoverConsent => {
                    "グループ医診療の同意がありません: グループ医が診療する前に同意を得てください".to_owned()
                }
            })
            .collect()
    }
}
