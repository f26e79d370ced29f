//! Writing a [`Dataset`] in the data directory format, the inverse of [`super::parse`].

use std::fmt::Write as _;
use std::io;

use super::csv_rows::{Columns, LIST_SEPARATOR};
use super::parse::{
    ABSENCES, AREAS, CLINICS, CONSENTS, CONSULTS, DOCTORS, HOSPITALS, LEDGER, NURSE_STATIONS, PATIENTS, REGISTRATIONS,
    REQUESTS, SPECIALISTS, SYMPTOMS, UNAVAILABILITY,
};
use super::{DataFiles, Dataset, FILE_NAMES, FORMAT_VERSION};
use crate::calendar::{Instant, SlotKind, SlotTemplates, to_jst};
use crate::domain::{Consent, ConsentScope, Consult, Entity, Idx, LatLon, Registration, Table};

/// Writes every file of the dataset.
pub fn write(dataset: &Dataset) -> DataFiles {
    FILE_NAMES
        .iter()
        .map(|&name| {
            let mut bytes = Vec::new();
            write_table(dataset, name, &mut bytes).expect("writing to memory cannot fail");
            (name.to_owned(), String::from_utf8(bytes).expect("UTF-8"))
        })
        .collect()
}

/// Writes one file of the dataset (`name` from [`FILE_NAMES`]) to `out`, streaming, so
/// large generated datasets need not be held as text.
pub fn write_table(dataset: &Dataset, name: &str, out: impl io::Write) -> io::Result<()> {
    let d = dataset;
    match name {
        "dataset.toml" => write_text(out, &meta_toml(d)),
        "groups.toml" => write_text(out, &groups_toml(d)),
        "areas.csv" => csv_table(
            out,
            &AREAS,
            d.areas.iter().map(|area| {
                vec![
                    area.id.to_string(),
                    area.name.clone(),
                    coordinate(area.location.lat()),
                    coordinate(area.location.lon()),
                    ids(&d.areas, &area.neighbours),
                    area.backup_list_len.to_string(),
                ]
            }),
        ),
        "clinics.csv" => csv_table(
            out,
            &CLINICS,
            d.clinics.iter().map(|clinic| {
                let [lat, lon] = latlon(clinic.location);
                vec![
                    clinic.id.to_string(),
                    clinic.name.clone(),
                    d.areas[clinic.area].id.to_string(),
                    clinic.code.to_string(),
                    lat,
                    lon,
                    clinic.phone.to_string(),
                    clinic.home_care_support.to_string(),
                ]
            }),
        ),
        "doctors.csv" => csv_table(
            out,
            &DOCTORS,
            d.doctors.iter().map(|doctor| {
                vec![
                    doctor.id.to_string(),
                    doctor.name.clone(),
                    d.clinics[doctor.clinic].id.to_string(),
                    doctor.employment.label().to_owned(),
                    doctor.phone.to_string(),
                    doctor.mobile.as_ref().map(ToString::to_string).unwrap_or_default(),
                    join(doctor.specialties.iter()),
                    join(doctor.capabilities.iter().map(|c| c.label())),
                    doctor.participation.to_string(),
                ]
            }),
        ),
        "hospitals.csv" => csv_table(
            out,
            &HOSPITALS,
            d.hospitals.iter().map(|hospital| {
                let [lat, lon] = latlon(hospital.location);
                vec![
                    hospital.id.to_string(),
                    hospital.name.clone(),
                    d.areas[hospital.area].id.to_string(),
                    join(hospital.functions.iter().map(|f| f.label())),
                    hospital.beds.to_string(),
                    hospital.phone_24h.to_string(),
                    lat,
                    lon,
                    join(hospital.accepts.iter()),
                    hospital.backup_support.to_string(),
                    hospital.quota.map(|q| q.to_string()).unwrap_or_default(),
                ]
            }),
        ),
        "nurse_stations.csv" => csv_table(
            out,
            &NURSE_STATIONS,
            d.nurse_stations.iter().map(|station| {
                let [lat, lon] = latlon(station.location);
                vec![
                    station.id.to_string(),
                    station.name.clone(),
                    d.areas[station.area].id.to_string(),
                    station.phone_24h.to_string(),
                    lat,
                    lon,
                ]
            }),
        ),
        "specialists.csv" => csv_table(
            out,
            &SPECIALISTS,
            d.specialists.iter().map(|specialist| {
                let [lat, lon] = latlon(specialist.location);
                vec![
                    specialist.id.to_string(),
                    specialist.name.clone(),
                    specialist.institution.clone(),
                    specialist.specialty.clone(),
                    join(specialist.modes.iter().map(|m| m.label())),
                    ids(&d.areas, &specialist.areas),
                    lat,
                    lon,
                    specialist.phone.to_string(),
                    specialist.capacity.map(|c| c.to_string()).unwrap_or_default(),
                ]
            }),
        ),
        "patients.csv" => csv_table(
            out,
            &PATIENTS,
            d.patients.iter().map(|patient| {
                let [lat, lon] = latlon(patient.home);
                let hospital = |idx: Option<Idx<_>>| idx.map(|idx| d.hospitals[idx].id.to_string()).unwrap_or_default();
                vec![
                    patient.id.to_string(),
                    patient.name.clone(),
                    patient.birth_date.to_string(),
                    d.doctors[patient.primary_doctor].id.to_string(),
                    lat,
                    lon,
                    d.groups[patient.group].id.to_string(),
                    join(patient.conditions.iter()),
                    join(patient.devices.iter().map(|device| device.label())),
                    patient.acp.clone(),
                    patient.key_person.as_ref().map(|k| k.name.clone()).unwrap_or_default(),
                    patient.key_person.as_ref().map(|k| k.phone.to_string()).unwrap_or_default(),
                    hospital(patient.discharge_hospital),
                    hospital(patient.regular_hospital),
                    ids(&d.doctors, &patient.met_doctors),
                    patient.nurse_station.map(|s| d.nurse_stations[s].id.to_string()).unwrap_or_default(),
                ]
            }),
        ),
        "consents.csv" => csv_table(out, &CONSENTS, d.consents.iter().map(|consent| consent_row(d, consent))),
        "absences.csv" => csv_table(
            out,
            &ABSENCES,
            d.absences.iter().map(|absence| {
                vec![
                    absence.id.to_string(),
                    d.doctors[absence.doctor].id.to_string(),
                    local_time(absence.start),
                    local_time(absence.end),
                    absence.reason.clone(),
                ]
            }),
        ),
        "requests.csv" => csv_table(
            out,
            &REQUESTS,
            d.requests.iter().map(|request| {
                vec![
                    request.id.to_string(),
                    d.doctors[request.doctor].id.to_string(),
                    request.kind.label().to_owned(),
                    request.date.to_string(),
                    request.slot.map(|slot| slot.label().to_owned()).unwrap_or_default(),
                    request.weight.to_string(),
                ]
            }),
        ),
        "unavailability.csv" => csv_table(
            out,
            &UNAVAILABILITY,
            d.unavailability.iter().map(|entry| {
                vec![
                    entry.id.to_string(),
                    d.doctors[entry.doctor].id.to_string(),
                    entry.weekday.map(|weekday| crate::calendar::weekday_ja(weekday).to_owned()).unwrap_or_default(),
                    entry.slot.map(|slot| slot.label().to_owned()).unwrap_or_default(),
                    entry.note.clone(),
                ]
            }),
        ),
        "ledger.csv" => csv_table(
            out,
            &LEDGER,
            d.ledger.iter().map(|entry| {
                vec![
                    entry.id.to_string(),
                    d.doctors[entry.doctor].id.to_string(),
                    entry.month.to_string(),
                    entry.balance.to_string(),
                    entry.note.clone(),
                ]
            }),
        ),
        "registrations.csv" => csv_table(out, &REGISTRATIONS, d.registrations.iter().map(|r| registration_row(d, r))),
        "symptoms.csv" => csv_table(
            out,
            &SYMPTOMS,
            d.symptom_routes.iter().map(|route| vec![route.symptom.clone(), route.specialty.clone()]),
        ),
        "consults.csv" => csv_table(out, &CONSULTS, d.consults.iter().map(|c| consult_row(d, c))),
        other => super::admissions::write_table(d, other, out).unwrap_or_else(|| {
            Err(io::Error::new(io::ErrorKind::InvalidInput, format!("unknown data file '{other}'")))
        }),
    }
}

fn write_text(mut out: impl io::Write, text: &str) -> io::Result<()> {
    out.write_all(text.as_bytes())
}

pub(super) fn csv_table(
    out: impl io::Write,
    columns: &Columns,
    rows: impl Iterator<Item = Vec<String>>,
) -> io::Result<()> {
    let mut writer = csv::WriterBuilder::new().from_writer(out);
    writer.write_record(columns.all())?;
    for row in rows {
        writer.write_record(&row)?;
    }
    writer.flush()
}

fn join<S: AsRef<str>>(items: impl Iterator<Item = S>) -> String {
    let mut text = String::new();
    for (position, item) in items.enumerate() {
        if position > 0 {
            text.push(LIST_SEPARATOR);
        }
        text.push_str(item.as_ref());
    }
    text
}

fn ids<T: Entity>(table: &Table<T>, indices: &[Idx<T>]) -> String {
    join(indices.iter().map(|&idx| table[idx].id().as_str()))
}

/// Degrees to six decimals (about 0.1 m), without trailing zeros.
fn coordinate(degrees: f64) -> String {
    ((degrees * 1e6).round() / 1e6).to_string()
}

fn latlon(location: LatLon) -> [String; 2] {
    [coordinate(location.lat()), coordinate(location.lon())]
}

pub(super) fn local_time(instant: Instant) -> String {
    to_jst(instant).format("%Y-%m-%dT%H:%M").to_string()
}

fn quoted(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

fn quoted_list<S: AsRef<str>>(items: impl Iterator<Item = S>) -> String {
    let items: Vec<String> = items.map(|item| quoted(item.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

fn meta_toml(dataset: &Dataset) -> String {
    format!(
        "# renkei data directory (see docs/data-format.md)\nformat = {FORMAT_VERSION}\nname = {}\ndescription = {}\n",
        quoted(&dataset.name),
        quoted(&dataset.description)
    )
}

fn groups_toml(dataset: &Dataset) -> String {
    let mut text = String::from(
        "# グループ: members, coverage policy (輪番制 / 主治医・副主治医制), calendar and duty-slot times.\n\
         # See docs/data-format.md. Slot times are HH:MM-HH:MM (an end before the start is the next day); \"off\" disables a slot.\n",
    );
    for group in &dataset.groups {
        let _ = writeln!(text, "\n[[group]]");
        let _ = writeln!(text, "id = {}", quoted(group.id.as_str()));
        let _ = writeln!(text, "name = {}", quoted(&group.name));
        let _ = writeln!(text, "area = {}", quoted(dataset.areas[group.area].id.as_str()));
        let _ = writeln!(text, "policy = {}", quoted_list(group.policy.modes().iter().map(|m| m.label())));
        let _ =
            writeln!(text, "members = {}", quoted_list(group.members.iter().map(|&m| dataset.doctors[m].id.as_str())));
        let calendar = &group.calendar;
        let _ = writeln!(text, "\n[group.calendar]");
        let _ = writeln!(text, "year_end = {}", calendar.year_end);
        let _ = writeln!(text, "obon = {}", calendar.obon);
        let _ = writeln!(
            text,
            "half_day_closures = {}",
            quoted_list(calendar.half_day_closures.iter().map(|&c| String::from(c)))
        );
        let _ = writeln!(text, "closed_dates = {}", quoted_list(calendar.closed_dates.iter().map(|d| d.to_string())));
        let _ = writeln!(text, "\n[group.slots]");
        for kind in SlotKind::ALL {
            let value = slot_value(&group.slots, *kind);
            let _ = writeln!(text, "{} = {}", kind.code(), quoted(&value));
        }
        let rules = &group.rota.rules;
        let _ = writeln!(text, "\n[group.rules]");
        if let Some(max) = rules.max_duties_per_month {
            let _ = writeln!(text, "max_duties_per_month = {max}");
        }
        if let Some(max) = rules.max_holiday_duties_per_month {
            let _ = writeln!(text, "max_holiday_duties_per_month = {max}");
        }
        let _ = writeln!(text, "no_consecutive_nights = {}", rules.no_consecutive_nights);
        let _ = writeln!(text, "min_days_between = {}", rules.min_days_between);
        let _ = writeln!(text, "sixteen_km = {}", rules.sixteen_km);
        let _ = writeln!(text, "medical_care_child = {}", rules.medical_care_child);
        let _ = writeln!(text, "\n[group.roles]");
        for kind in SlotKind::ALL {
            let counts = group.rota.roles.get(*kind);
            let _ = writeln!(
                text,
                "{} = {{ primary = {}, secondary = {} }}",
                kind.code(),
                counts.primary,
                counts.secondary
            );
        }
        let points = &group.rota.points;
        let _ = writeln!(text, "\n[group.points]");
        for (key, value) in [
            ("weekday_night", points.weekday_night),
            ("saturday_afternoon", points.saturday_afternoon),
            ("half_day_afternoon", points.half_day_afternoon),
            ("holiday_day", points.holiday_day),
            ("holiday_night", points.holiday_night),
            ("year_end_multiplier", points.year_end_multiplier),
            ("secondary_multiplier", points.secondary_multiplier),
            ("absence_cover_per_day", points.absence_cover_per_day),
        ] {
            let _ = writeln!(text, "{key} = {value:?}");
        }
    }
    text
}

fn slot_value(slots: &SlotTemplates, kind: SlotKind) -> String {
    slots.get(kind).map_or_else(|| "off".to_owned(), |time| time.to_string())
}

fn consult_row(d: &Dataset, c: &Consult) -> Vec<String> {
    vec![
        c.id.to_string(),
        d.patients[c.patient].id.to_string(),
        d.specialists[c.specialist].id.to_string(),
        c.symptom.clone(),
        c.mode.label().to_owned(),
        d.consents[c.consent].id.to_string(),
        c.status.label().to_owned(),
        local_time(c.requested_at),
        local_time(c.updated_at),
        c.report.clone(),
    ]
}

/// A consult as the cells of its `consults.csv` row, column by column (for a caller
/// that stores rows, such as the service). `consult` need not be in `dataset`'s table
/// yet, but its patient, specialist and consent must be.
pub fn consult_cells(dataset: &Dataset, consult: &Consult) -> Vec<(&'static str, String)> {
    CONSULTS.all().zip(consult_row(dataset, consult)).collect()
}

fn consent_row(d: &Dataset, consent: &Consent) -> Vec<String> {
    let recipients = match &consent.scope {
        ConsentScope::GroupCover { doctors } => ids(&d.doctors, doctors),
        ConsentScope::BackupHospital { hospitals } => ids(&d.hospitals, hospitals),
        ConsentScope::SpecialistConsult { specialists } => ids(&d.specialists, specialists),
    };
    vec![
        consent.id.to_string(),
        d.patients[consent.patient].id.to_string(),
        consent.kind().label().to_owned(),
        consent.date.to_string(),
        consent.given_by.clone(),
        consent.document.clone(),
        recipients,
        consent.withdrawn_on.map(|date| date.to_string()).unwrap_or_default(),
    ]
}

fn registration_row(d: &Dataset, r: &Registration) -> Vec<String> {
    let date = |date: Option<chrono::NaiveDate>| date.map(|d| d.to_string()).unwrap_or_default();
    vec![
        r.id.to_string(),
        d.patients[r.patient].id.to_string(),
        d.hospitals[r.hospital].id.to_string(),
        r.rank.to_string(),
        d.consents[r.consent].id.to_string(),
        r.status.label().to_owned(),
        r.requested_on.to_string(),
        r.formal.to_string(),
        date(r.decided_on),
        date(r.info_shared_on),
        r.note.clone(),
        date(r.withdrawn_on),
    ]
}

/// A consent as the cells of its `consents.csv` row.
pub fn consent_cells(dataset: &Dataset, consent: &Consent) -> Vec<(&'static str, String)> {
    CONSENTS.all().zip(consent_row(dataset, consent)).collect()
}

/// A registration as the cells of its `registrations.csv` row (it need not be in
/// `dataset`'s table yet; its patient, hospital and consent must be).
pub fn registration_cells(dataset: &Dataset, registration: &Registration) -> Vec<(&'static str, String)> {
    REGISTRATIONS.all().zip(registration_row(dataset, registration)).collect()
}
