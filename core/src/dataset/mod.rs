//! A validated dataset: every entity of a city's backup system, read once from the data
//! directory format (see `docs/data-format.md`) and written back in it.
//!
//! The format is a directory of UTF-8 files: `dataset.toml` and `groups.toml` for
//! settings, CSV tables for everything else, so coordinators can edit them in a
//! spreadsheet. Core does no I/O: callers pass the files' contents in ([`DataFiles`])
//! and get either a [`Dataset`] or every [`Problem`] found.

mod admissions;
mod csv_rows;
mod parse;
mod problem;
mod toml_groups;
mod write;

use std::collections::BTreeMap;

use crate::domain::{
    Absence, Admission, AdmissionAttempt, Area, Clinic, Consent, Consult, DischargeTask, Doctor, Group, Hospital, Idx,
    LedgerEntry, NurseStation, Patient, Registration, Request, Specialist, SymptomRoute, Table, Unavailability,
};

pub use admissions::{admission_cells, attempt_cells, task_cells};
pub use parse::parse;
pub use problem::{InvalidDataset, Problem};
pub use write::{consent_cells, consult_cells, registration_cells, write, write_table};

/// The files of a data directory: file name → contents.
pub type DataFiles = BTreeMap<String, String>;

/// The version of the data directory format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// The files of the format, in the order they are read (each may refer to the ones
/// before it). `dataset.toml` is required; a missing table is an empty table.
pub const FILE_NAMES: [&str; 20] = [
    "dataset.toml",
    "areas.csv",
    "clinics.csv",
    "doctors.csv",
    "groups.toml",
    "hospitals.csv",
    "nurse_stations.csv",
    "specialists.csv",
    "patients.csv",
    "consents.csv",
    "absences.csv",
    "requests.csv",
    "unavailability.csv",
    "ledger.csv",
    "registrations.csv",
    "symptoms.csv",
    "consults.csv",
    "admissions.csv",
    "admission_attempts.csv",
    "discharge_tasks.csv",
];

/// The columns of one CSV table of the format, as `(required, optional)` in the order
/// files are written; `None` for a file that is not a CSV table (`dataset.toml`,
/// `groups.toml`) or not of the format. Every table but `symptoms.csv` has an `id`.
pub fn table_columns(file: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    use parse::*;
    let columns = match file {
        "areas.csv" => &AREAS,
        "clinics.csv" => &CLINICS,
        "doctors.csv" => &DOCTORS,
        "hospitals.csv" => &HOSPITALS,
        "nurse_stations.csv" => &NURSE_STATIONS,
        "specialists.csv" => &SPECIALISTS,
        "patients.csv" => &PATIENTS,
        "consents.csv" => &CONSENTS,
        "absences.csv" => &ABSENCES,
        "requests.csv" => &REQUESTS,
        "unavailability.csv" => &UNAVAILABILITY,
        "ledger.csv" => &LEDGER,
        "registrations.csv" => &REGISTRATIONS,
        "symptoms.csv" => &SYMPTOMS,
        "consults.csv" => &CONSULTS,
        "admissions.csv" => &admissions::ADMISSIONS,
        "admission_attempts.csv" => &admissions::ATTEMPTS,
        "discharge_tasks.csv" => &admissions::TASKS,
        _ => return None,
    };
    Some((columns.required, columns.optional))
}

/// Every entity of a city's backup system, validated: references resolve, values are
/// in range, and the derived indexes are consistent with the tables.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// Name of the dataset, e.g. the city.
    pub name: String,
    /// Free description.
    pub description: String,
    /// Areas.
    pub areas: Table<Area>,
    /// Clinics.
    pub clinics: Table<Clinic>,
    /// Doctors.
    pub doctors: Table<Doctor>,
    /// Groups.
    pub groups: Table<Group>,
    /// Hospitals.
    pub hospitals: Table<Hospital>,
    /// Visiting nurse stations.
    pub nurse_stations: Table<NurseStation>,
    /// Cooperating specialists.
    pub specialists: Table<Specialist>,
    /// Patients.
    pub patients: Table<Patient>,
    /// Consents.
    pub consents: Table<Consent>,
    /// Absences.
    pub absences: Table<Absence>,
    /// Rota requests.
    pub requests: Table<Request>,
    /// Recurring unavailabilities.
    pub unavailability: Table<Unavailability>,
    /// The fairness carry-over ledger.
    pub ledger: Table<LedgerEntry>,
    /// Backup-hospital registrations.
    pub registrations: Table<Registration>,
    /// The symptom table for routing consults, in file order.
    pub symptom_routes: Vec<SymptomRoute>,
    /// Specialist consults.
    pub consults: Table<Consult>,
    /// Admissions at an acute worsening.
    pub admissions: Table<Admission>,
    /// The hospitals called for each admission, in file order (which is call order).
    pub admission_attempts: Table<AdmissionAttempt>,
    /// Tasks created by discharges.
    pub discharge_tasks: Table<DischargeTask>,
    index: Indexes,
}

/// Lookups derived from the tables once.
#[derive(Debug, Clone, Default)]
struct Indexes {
    groups_of_doctor: Vec<Vec<Idx<Group>>>,
    patients_of_doctor: Vec<Vec<Idx<Patient>>>,
    patients_of_group: Vec<Vec<Idx<Patient>>>,
    consents_of_patient: Vec<Vec<Idx<Consent>>>,
    absences_of_doctor: Vec<Vec<Idx<Absence>>>,
    unavailability_of_doctor: Vec<Vec<Idx<Unavailability>>>,
    ledger_of_doctor: Vec<Vec<Idx<LedgerEntry>>>,
    registrations_of_patient: Vec<Vec<Idx<Registration>>>,
    registrations_of_hospital: Vec<Vec<Idx<Registration>>>,
    consults_of_specialist: Vec<Vec<Idx<Consult>>>,
    admissions_of_patient: Vec<Vec<Idx<Admission>>>,
    attempts_of_admission: Vec<Vec<Idx<AdmissionAttempt>>>,
    tasks_of_admission: Vec<Vec<Idx<DischargeTask>>>,
}

impl Dataset {
    /// Derives the indexes; call after the tables are filled.
    pub(crate) fn index(mut self) -> Self {
        let mut index = Indexes {
            groups_of_doctor: vec![Vec::new(); self.doctors.len()],
            patients_of_doctor: vec![Vec::new(); self.doctors.len()],
            patients_of_group: vec![Vec::new(); self.groups.len()],
            consents_of_patient: vec![Vec::new(); self.patients.len()],
            absences_of_doctor: vec![Vec::new(); self.doctors.len()],
            unavailability_of_doctor: vec![Vec::new(); self.doctors.len()],
            ledger_of_doctor: vec![Vec::new(); self.doctors.len()],
            registrations_of_patient: vec![Vec::new(); self.patients.len()],
            registrations_of_hospital: vec![Vec::new(); self.hospitals.len()],
            consults_of_specialist: vec![Vec::new(); self.specialists.len()],
            admissions_of_patient: vec![Vec::new(); self.patients.len()],
            attempts_of_admission: vec![Vec::new(); self.admissions.len()],
            tasks_of_admission: vec![Vec::new(); self.admissions.len()],
        };
        for (group_idx, group) in self.groups.enumerate() {
            for member in &group.members {
                index.groups_of_doctor[member.index()].push(group_idx);
            }
        }
        for (patient_idx, patient) in self.patients.enumerate() {
            index.patients_of_doctor[patient.primary_doctor.index()].push(patient_idx);
            index.patients_of_group[patient.group.index()].push(patient_idx);
        }
        for (consent_idx, consent) in self.consents.enumerate() {
            index.consents_of_patient[consent.patient.index()].push(consent_idx);
        }
        for (absence_idx, absence) in self.absences.enumerate() {
            index.absences_of_doctor[absence.doctor.index()].push(absence_idx);
        }
        for (idx, entry) in self.unavailability.enumerate() {
            index.unavailability_of_doctor[entry.doctor.index()].push(idx);
        }
        for (idx, entry) in self.ledger.enumerate() {
            index.ledger_of_doctor[entry.doctor.index()].push(idx);
        }
        for (idx, registration) in self.registrations.enumerate() {
            index.registrations_of_patient[registration.patient.index()].push(idx);
            index.registrations_of_hospital[registration.hospital.index()].push(idx);
        }
        for registrations in &mut index.registrations_of_patient {
            registrations.sort_by_key(|&idx| self.registrations[idx].rank);
        }
        for (idx, consult) in self.consults.enumerate() {
            index.consults_of_specialist[consult.specialist.index()].push(idx);
        }
        for (idx, admission) in self.admissions.enumerate() {
            index.admissions_of_patient[admission.patient.index()].push(idx);
        }
        for (idx, attempt) in self.admission_attempts.enumerate() {
            index.attempts_of_admission[attempt.admission.index()].push(idx);
        }
        for (idx, task) in self.discharge_tasks.enumerate() {
            index.tasks_of_admission[task.admission.index()].push(idx);
        }
        for entries in &mut index.ledger_of_doctor {
            entries.sort_by_key(|&idx| self.ledger[idx].month);
        }
        for absences in &mut index.absences_of_doctor {
            absences.sort_by_key(|&idx| (self.absences[idx].start, self.absences[idx].end));
        }
        self.index = index;
        self
    }

    /// Adds an absence (e.g. a doctor who falls ill mid-month), keeping the indexes
    /// current. Refuses an unknown doctor, a taken or invalid id, or an end not after
    /// the start.
    pub fn add_absence(
        &mut self,
        id: &str,
        doctor_id: &str,
        start: crate::calendar::Instant,
        end: crate::calendar::Instant,
        reason: &str,
    ) -> Result<Idx<Absence>, String> {
        let id = crate::domain::Id::parse(id)?;
        let doctor = self
            .doctors
            .lookup(doctor_id)
            .ok_or_else(|| format!("医師 '{doctor_id}' が見つかりません (no doctor with id '{doctor_id}')"))?;
        if end <= start {
            return Err("終了が開始より後ではありません (end must be after start)".to_owned());
        }
        let absence = Absence { id, doctor, start, end, reason: reason.to_owned() };
        let idx = self
            .absences
            .insert(absence)
            .map_err(|taken| format!("不在ID '{}' は使われています (absence id taken)", taken.id))?;
        let absences = &mut self.index.absences_of_doctor[doctor.index()];
        absences.push(idx);
        let table = &self.absences;
        absences.sort_by_key(|&a| (table[a].start, table[a].end));
        Ok(idx)
    }

    /// The groups a doctor belongs to.
    pub fn groups_of_doctor(&self, doctor: Idx<Doctor>) -> &[Idx<Group>] {
        &self.index.groups_of_doctor[doctor.index()]
    }

    /// The patients whose 主治医 is `doctor`.
    pub fn patients_of_doctor(&self, doctor: Idx<Doctor>) -> &[Idx<Patient>] {
        &self.index.patients_of_doctor[doctor.index()]
    }

    /// The patients a group covers.
    pub fn patients_of_group(&self, group: Idx<Group>) -> &[Idx<Patient>] {
        &self.index.patients_of_group[group.index()]
    }

    /// A patient's consents, in file order.
    pub fn consents_of_patient(&self, patient: Idx<Patient>) -> &[Idx<Consent>] {
        &self.index.consents_of_patient[patient.index()]
    }

    /// A doctor's absences, by start time.
    pub fn absences_of_doctor(&self, doctor: Idx<Doctor>) -> &[Idx<Absence>] {
        &self.index.absences_of_doctor[doctor.index()]
    }

    /// A doctor's recurring unavailabilities.
    pub fn unavailability_of_doctor(&self, doctor: Idx<Doctor>) -> &[Idx<Unavailability>] {
        &self.index.unavailability_of_doctor[doctor.index()]
    }

    /// A doctor's fairness balance before `month`: the latest ledger entry of an
    /// earlier month, or 0 when there is none.
    pub fn ledger_balance_before(&self, doctor: Idx<Doctor>, month: crate::calendar::Month) -> f64 {
        self.index.ledger_of_doctor[doctor.index()]
            .iter()
            .map(|&idx| &self.ledger[idx])
            .take_while(|entry| entry.month < month)
            .last()
            .map_or(0.0, |entry| entry.balance)
    }

    /// A patient's backup-hospital registrations, by rank.
    pub fn registrations_of_patient(&self, patient: Idx<Patient>) -> &[Idx<Registration>] {
        &self.index.registrations_of_patient[patient.index()]
    }

    /// The registrations with a hospital.
    pub fn registrations_of_hospital(&self, hospital: Idx<Hospital>) -> &[Idx<Registration>] {
        &self.index.registrations_of_hospital[hospital.index()]
    }

    /// A specialist's consults.
    pub fn consults_of_specialist(&self, specialist: Idx<Specialist>) -> &[Idx<Consult>] {
        &self.index.consults_of_specialist[specialist.index()]
    }

    /// A patient's admissions, in file order.
    pub fn admissions_of_patient(&self, patient: Idx<Patient>) -> &[Idx<Admission>] {
        &self.index.admissions_of_patient[patient.index()]
    }

    /// The hospitals called for an admission, in the order called.
    pub fn attempts_of_admission(&self, admission: Idx<Admission>) -> &[Idx<AdmissionAttempt>] {
        &self.index.attempts_of_admission[admission.index()]
    }

    /// The tasks an admission's discharge created.
    pub fn tasks_of_admission(&self, admission: Idx<Admission>) -> &[Idx<DischargeTask>] {
        &self.index.tasks_of_admission[admission.index()]
    }

    /// The area a patient belongs to (their group's).
    pub fn area_of_patient(&self, patient: Idx<Patient>) -> Idx<Area> {
        self.groups[self.patients[patient].group].area
    }

    /// The area a doctor works in (their clinic's).
    pub fn area_of_doctor(&self, doctor: Idx<Doctor>) -> Idx<Area> {
        self.clinics[self.doctors[doctor].clinic].area
    }

    /// Counts per area, in area order.
    pub fn summary(&self) -> Vec<AreaSummary> {
        let mut rows: Vec<AreaSummary> = self
            .areas
            .iter()
            .map(|area| AreaSummary { area: area.id.to_string(), name: area.name.clone(), ..AreaSummary::default() })
            .collect();
        for group in &self.groups {
            rows[group.area.index()].groups += 1;
        }
        for doctor in self.doctors.indices() {
            rows[self.area_of_doctor(doctor).index()].doctors += 1;
        }
        for hospital in &self.hospitals {
            rows[hospital.area.index()].hospitals += 1;
            if hospital.backup_support {
                rows[hospital.area.index()].backup_support_hospitals += 1;
            }
        }
        for station in &self.nurse_stations {
            rows[station.area.index()].nurse_stations += 1;
        }
        for specialist in &self.specialists {
            for area in &specialist.areas {
                rows[area.index()].specialists += 1;
            }
        }
        for patient in &self.patients {
            rows[self.groups[patient.group].area.index()].patients += 1;
        }
        rows
    }
}

/// What a dataset holds in one area.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AreaSummary {
    /// Area id.
    pub area: String,
    /// Area name.
    pub name: String,
    /// Groups of the area.
    pub groups: usize,
    /// Doctors whose clinic is in the area.
    pub doctors: usize,
    /// Hospitals in the area.
    pub hospitals: usize,
    /// Of those, 在宅療養後方支援病院.
    pub backup_support_hospitals: usize,
    /// Visiting nurse stations in the area.
    pub nurse_stations: usize,
    /// Specialists serving the area.
    pub specialists: usize,
    /// Patients covered by the area's groups.
    pub patients: usize,
}

#[cfg(test)]
mod tests;
