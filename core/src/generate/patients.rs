//! Home-care patients and their consents.

use chrono::{Datelike, Duration, Months, NaiveDate};

use super::config::digits;
use super::draw::{Draw, numbered, push_padded};
use super::names::{self, ADULT_ACP, ADULT_CONDITIONS, CHILD_ACP, CHILD_CONDITIONS};
use super::{AreaIndex, Builder};
use crate::domain::{
    Capability, Consent, ConsentScope, Device, Doctor, Hospital, HospitalFunction, Idx, KeyPerson, Patient, Table,
};

/// Devices of 医療的ケア児.
const CHILD_DEVICES: &[(Device, u32)] = &[
    (Device::TubeFeeding, 5),
    (Device::Suction, 4),
    (Device::Tracheostomy, 3),
    (Device::Ventilator, 2),
    (Device::HomeOxygen, 2),
];

/// Devices of adult patients, with relative frequency.
const ADULT_DEVICES: &[(Device, u32)] = &[
    (Device::HomeOxygen, 4),
    (Device::TubeFeeding, 3),
    (Device::UrinaryCatheter, 3),
    (Device::Suction, 2),
    (Device::CentralVenous, 1),
    (Device::Stoma, 1),
    (Device::PeritonealDialysis, 1),
];

/// キーパーソン relations for adults: (relation, female).
const ADULT_RELATIONS: &[((&str, bool), u32)] = &[
    (("妻", true), 5),
    (("夫", false), 2),
    (("長女", true), 5),
    (("長男", false), 4),
    (("次女", true), 2),
    (("次男", false), 1),
    (("嫁", true), 2),
    (("姉", true), 1),
    (("弟", false), 1),
];

/// How far before the first generated month consents may have been given.
const CONSENT_HISTORY_DAYS: i64 = 720;

/// Adds each area's patients, each followed by their consents.
pub(super) fn add_patients(builder: &mut Builder<'_>, draw: &mut Draw) {
    let config = builder.config;
    let total: usize = config.areas.iter().map(|spec| spec.patients).sum();
    let patient_width = digits(total).max(6);
    let consent_width = digits(total * 3).max(6);
    for (position, spec) in config.areas.iter().enumerate() {
        let area = &builder.areas[position];
        if area.groups.is_empty() {
            continue; // no groups (no doctors): nobody to be 主治医
        }
        // Doctors weighted by their patient load, for drawing by binary search.
        let mut cumulative = Vec::with_capacity(area.doctors.len());
        let mut running = 0.0;
        for &doctor in &area.doctors {
            running += builder.patient_load[doctor.index()];
            cumulative.push(running);
        }
        let child_doctors: Vec<Idx<Doctor>> = (area.doctors.iter().copied())
            .filter(|&doctor| builder.dataset.doctors[doctor].can(Capability::MedicalCareChild))
            .collect();
        let pediatric: Vec<Idx<Hospital>> = (area.hospitals.iter().copied())
            .filter(|&hospital| builder.dataset.hospitals[hospital].has(HospitalFunction::Pediatric))
            .collect();
        for _ in 0..spec.patients {
            let child = draw.chance(0.015);
            let primary = if child && !child_doctors.is_empty() && draw.chance(0.85) {
                draw.pick(&child_doctors)
            } else {
                let ticket = draw.unit() * running;
                area.doctors[cumulative.partition_point(|&c| c <= ticket).min(area.doctors.len() - 1)]
            };
            let groups = &builder.groups_of_doctor[primary.index()];
            let group = draw.pick(groups);
            let members = &builder.dataset.groups[group].members;
            let clinic_location = builder.dataset.clinics[builder.dataset.doctors[primary].clinic].location;
            let (age, conditions, devices) = if child { draw_child(draw) } else { draw_adult(draw) };
            let birth_date = birth_date(draw, builder.reference_date, age);
            let surname = names::surname(draw);
            let female = draw.chance(if child { 0.5 } else { 0.6 });
            let key_person = if child {
                Some(if draw.chance(0.8) { ("母", true) } else { ("父", false) })
            } else {
                draw.chance(0.85).then(|| key_relation(draw, female))
            }
            .map(|(relation, female)| (relation, names::full_name(surname, names::given_name(draw, female, false))));
            let acp = if child {
                draw.chance(0.2).then(|| draw.pick(CHILD_ACP))
            } else {
                draw.chance(0.4).then(|| draw.pick(ADULT_ACP))
            };
            let hospital = |draw: &mut Draw| {
                if child && !pediatric.is_empty() { draw.pick(&pediatric) } else { draw.pick(&area.hospitals) }
            };
            let has_hospitals = !area.hospitals.is_empty();
            let discharge_hospital = (has_hospitals && draw.chance(0.6)).then(|| hospital(draw));
            let regular_hospital = (has_hospitals && draw.chance(0.3)).then(|| hospital(draw));
            let met_doctors = if draw.chance(0.8) {
                let count = draw_count(draw, 1, 3);
                draw.distinct(members, count, Some(primary))
            } else {
                Vec::new()
            };
            let nurse_station = (!area.stations.is_empty() && draw.chance(if child { 0.95 } else { 0.7 }))
                .then(|| draw.pick(&area.stations));
            // About 1% live 16–20 km away, beyond the 16 km rule, to exercise it.
            let home = if draw.chance(0.01) {
                draw.point_near(clinic_location, 16.3, 19.7)
            } else {
                draw.point_near(clinic_location, 0.0, 6.0)
            };
            let patient = Patient {
                id: numbered("P", builder.dataset.patients.len() + 1, patient_width),
                name: names::full_name(surname, names::given_name(draw, female, child)),
                birth_date,
                primary_doctor: primary,
                group,
                home,
                conditions,
                devices,
                acp: acp.unwrap_or_default().to_owned(),
                key_person: key_person.as_ref().map(|(relation, name)| KeyPerson {
                    name: [name.as_str(), "（", relation, "）"].concat(),
                    phone: draw.mobile(),
                }),
                discharge_hospital,
                regular_hospital,
                met_doctors,
                nurse_station,
            };
            let patient = builder.dataset.patients.insert(patient).expect("fresh id");
            let given_by = match &key_person {
                Some((relation, name)) if child || age >= 90 || draw.chance(0.5) => [relation, " ", name].concat(),
                _ => "本人".to_owned(),
            };
            let drawn = DrawnConsents {
                patient,
                birth_date,
                given_by,
                discharge_hospital,
                backup_list_len: usize::from(builder.dataset.areas[Idx::new(position)].backup_list_len),
            };
            add_consents(&mut builder.dataset.consents, area, builder.reference_date, draw, &drawn, consent_width);
        }
    }
}

/// An adult's key person: (relation, female). A wife only for men, a husband only for
/// women.
fn key_relation(draw: &mut Draw, patient_female: bool) -> (&'static str, bool) {
    loop {
        let (relation, female) = draw.weighted(ADULT_RELATIONS);
        let spouse_mismatch = matches!((relation, patient_female), ("妻", true) | ("夫", false));
        if !spouse_mismatch {
            return (relation, female);
        }
    }
}

/// A whole number in `low..=high`, smaller ones likelier (weights span, span − 1, …, 1).
fn draw_count(draw: &mut Draw, low: usize, high: usize) -> usize {
    let span = (high - low + 1) as u32;
    let mut ticket = draw.between(0, span * (span + 1) / 2 - 1);
    let mut count = low;
    let mut weight = span;
    while ticket >= weight {
        ticket -= weight;
        weight -= 1;
        count += 1;
    }
    count
}

/// Age, conditions and devices of a 医療的ケア児.
fn draw_child(draw: &mut Draw) -> (u32, Vec<String>, Vec<Device>) {
    let age = draw.between(0, 17);
    let conditions = vec![draw.pick(CHILD_CONDITIONS).to_owned()];
    let mut devices: Vec<Device> = (0..draw_count(draw, 1, 3)).map(|_| draw.weighted(CHILD_DEVICES)).collect();
    devices.sort_unstable();
    devices.dedup();
    (age, conditions, devices)
}

/// Age, conditions and devices of an adult, mostly 65–100 and peaking in the 80s.
fn draw_adult(draw: &mut Draw) -> (u32, Vec<String>, Vec<Device>) {
    let age =
        if draw.chance(0.04) { draw.between(40, 64) } else { 65 + ((draw.unit() + draw.unit()) / 2.0 * 36.0) as u32 };
    let mut conditions: Vec<String> = Vec::new();
    for _ in 0..draw_count(draw, 1, 3) {
        let condition = draw.weighted(ADULT_CONDITIONS);
        if !conditions.iter().any(|c| c == condition) {
            conditions.push(condition.to_owned());
        }
    }
    let mut devices: Vec<Device> = Vec::new();
    if draw.chance(0.3) {
        devices.extend((0..draw_count(draw, 1, 2)).map(|_| draw.weighted(ADULT_DEVICES)));
    }
    if conditions.iter().any(|c| c == "COPD") && draw.chance(0.5) {
        devices.push(Device::HomeOxygen);
    }
    devices.sort_unstable();
    devices.dedup();
    (age, conditions, devices)
}

/// A birth date making the patient `age` on `reference`, at least a month before it.
fn birth_date(draw: &mut Draw, reference: NaiveDate, age: u32) -> NaiveDate {
    let birthday = reference.checked_sub_months(Months::new(12 * age)).expect("in range");
    birthday - Duration::days(i64::from(draw.between(30, 364)))
}

/// What a patient's consents are drawn from.
struct DrawnConsents {
    patient: Idx<Patient>,
    birth_date: NaiveDate,
    given_by: String,
    discharge_hospital: Option<Idx<Hospital>>,
    backup_list_len: usize,
}

/// Adds a patient's consents (同意書): group cover for ~90%, backup hospitals for ~85%
/// (the discharge hospital first), a specialist consult for ~10%; a few withdrawn. All
/// are dated before `reference`, the first generated day.
fn add_consents(
    consents: &mut Table<Consent>,
    area: &AreaIndex,
    reference: NaiveDate,
    draw: &mut Draw,
    drawn: &DrawnConsents,
    width: usize,
) {
    // Days from `date` to the day before `reference`.
    let days_left = |date: NaiveDate| u32::try_from((reference - date).num_days() - 1).expect("before the reference");
    let earliest = (drawn.birth_date + Duration::days(1)).max(reference - Duration::days(CONSENT_HISTORY_DAYS));
    let signed = earliest + Duration::days(i64::from(draw.between(0, days_left(earliest))));
    let mut scopes = Vec::with_capacity(3);
    if draw.chance(0.9) {
        scopes.push((signed, ConsentScope::GroupCover { doctors: Vec::new() }));
    }
    if !area.hospitals.is_empty() && draw.chance(0.85) {
        let count = draw_count(draw, 1, 3).min(drawn.backup_list_len);
        let mut hospitals: Vec<Idx<Hospital>> = drawn.discharge_hospital.into_iter().collect();
        let others = draw.distinct(&area.hospitals, count.saturating_sub(hospitals.len()), drawn.discharge_hospital);
        hospitals.extend(others);
        scopes.push((signed, ConsentScope::BackupHospital { hospitals }));
    }
    if !area.specialists.is_empty() && draw.chance(0.1) {
        let count = draw_count(draw, 1, 2);
        let specialists = draw.distinct(&area.specialists, count, None);
        let later = signed + Duration::days(i64::from(draw.between(0, days_left(signed))));
        scopes.push((later, ConsentScope::SpecialistConsult { specialists }));
    }
    for (date, scope) in scopes {
        let number = consents.len() + 1;
        let consent = Consent {
            id: numbered("CN", number, width),
            patient: drawn.patient,
            scope,
            date,
            given_by: drawn.given_by.clone(),
            document: document_reference(date.year(), number),
            withdrawn_on: draw.chance(0.02).then(|| date + Duration::days(i64::from(draw.between(0, days_left(date))))),
        };
        consents.insert(consent).expect("fresh id");
    }
}

/// A consent document's reference, e.g. `同意書-2026-00123`.
fn document_reference(year: i32, number: usize) -> String {
    let mut text = String::with_capacity(32);
    text.push_str("同意書-");
    push_padded(&mut text, usize::try_from(year).expect("a year AD"), 4);
    text.push('-');
    push_padded(&mut text, number, 5);
    text
}
