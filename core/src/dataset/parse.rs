//! Reading a data directory into a [`Dataset`], collecting every problem.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::admissions;
use super::csv_rows::{Built, Columns, CsvTable, Row, Unresolved};
use super::problem::{InvalidDataset, Problem};
use super::toml_groups;
use super::{DataFiles, Dataset, FILE_NAMES, FORMAT_VERSION};
use crate::calendar::{self, SlotKind};
use crate::domain::{
    Absence, Area, Capability, Clinic, Consent, ConsentGap, ConsentKind, ConsentScope, Consult, ConsultMode,
    ConsultStatus, Device, Doctor, Employment, Group, Hospital, HospitalFunction, Idx, KeyPerson, LatLon, LedgerEntry,
    MedicalInstitutionCode, NurseStation, Patient, Phone, Registration, RegistrationStatus, Request, RequestKind,
    Specialist, SymptomRoute, Unavailability,
};

pub(crate) const AREAS: Columns =
    Columns { required: &["id", "name", "lat", "lon"], optional: &["neighbours", "backup_list_len"] };
pub(crate) const CLINICS: Columns =
    Columns { required: &["id", "name", "area", "code", "lat", "lon", "phone"], optional: &["home_care_support"] };
pub(crate) const DOCTORS: Columns = Columns {
    required: &["id", "name", "clinic", "employment", "phone"],
    optional: &["mobile", "specialties", "capabilities", "participation"],
};
pub(crate) const HOSPITALS: Columns = Columns {
    required: &["id", "name", "area", "functions", "beds", "phone_24h", "lat", "lon"],
    optional: &["accepts", "backup_support", "quota"],
};
pub(crate) const NURSE_STATIONS: Columns =
    Columns { required: &["id", "name", "area", "phone_24h", "lat", "lon"], optional: &[] };
pub(crate) const SPECIALISTS: Columns = Columns {
    required: &["id", "name", "institution", "specialty", "modes", "areas", "lat", "lon", "phone"],
    optional: &["capacity"],
};
pub(crate) const PATIENTS: Columns = Columns {
    required: &["id", "name", "birth_date", "primary_doctor", "lat", "lon"],
    optional: &[
        "group",
        "conditions",
        "devices",
        "acp",
        "key_person",
        "key_person_phone",
        "discharge_hospital",
        "regular_hospital",
        "met_doctors",
        "nurse_station",
    ],
};
pub(crate) const CONSENTS: Columns = Columns {
    required: &["id", "patient", "kind", "date", "given_by", "document"],
    optional: &["recipients", "withdrawn_on"],
};
pub(crate) const ABSENCES: Columns = Columns { required: &["id", "doctor", "start", "end"], optional: &["reason"] };
pub(crate) const UNAVAILABILITY: Columns =
    Columns { required: &["id", "doctor"], optional: &["weekday", "slot", "note"] };
pub(crate) const LEDGER: Columns = Columns { required: &["id", "doctor", "month", "balance"], optional: &["note"] };
pub(crate) const REGISTRATIONS: Columns = Columns {
    required: &["id", "patient", "hospital", "rank", "consent", "status", "requested_on"],
    optional: &["formal", "decided_on", "info_shared_on", "note", "withdrawn_on"],
};
pub(crate) const SYMPTOMS: Columns = Columns { required: &["symptom", "specialty"], optional: &[] };
pub(crate) const CONSULTS: Columns = Columns {
    required: &["id", "patient", "specialist", "symptom", "mode", "consent", "status", "requested_at"],
    optional: &["updated_at", "report"],
};
pub(crate) const REQUESTS: Columns =
    Columns { required: &["id", "doctor", "kind", "date"], optional: &["slot", "weight"] };

/// Reads a data directory. Returns the dataset, or every problem found.
pub fn parse(files: &DataFiles) -> Result<Dataset, InvalidDataset> {
    let mut problems = Vec::new();
    for name in files.keys() {
        let is_data = name.ends_with(".csv") || name.ends_with(".toml");
        if is_data && !FILE_NAMES.contains(&name.as_str()) {
            problems.push(Problem {
                file: name.clone(),
                line: None,
                record: None,
                field: None,
                message: format!("不明なファイルです (unknown file; the files are: {})", FILE_NAMES.join(", ")),
            });
        }
    }
    let mut dataset = Dataset::default();
    match files.get("dataset.toml") {
        Some(text) => {
            if let Some((name, description)) = toml_groups::read_meta(text, &mut problems) {
                dataset.name = name;
                dataset.description = description;
            }
        }
        None => problems.push(Problem {
            file: "dataset.toml".to_owned(),
            line: None,
            record: None,
            field: None,
            message: format!(
                "ファイルがありません (missing file; it names the dataset: format = {FORMAT_VERSION}, name = \"…\")"
            ),
        }),
    }

    let text = |name: &str| files.get(name).map_or("", String::as_str);
    let areas = read_areas(text("areas.csv"), &mut problems);
    let clinics = read_clinics(text("clinics.csv"), &areas, &mut problems);
    let doctors = read_doctors(text("doctors.csv"), &clinics, &mut problems);
    let groups = toml_groups::read_groups(text("groups.toml"), &areas, &doctors, &mut problems);
    let hospitals = read_hospitals(text("hospitals.csv"), &areas, &mut problems);
    let stations = read_nurse_stations(text("nurse_stations.csv"), &areas, &mut problems);
    let specialists = read_specialists(text("specialists.csv"), &areas, &mut problems);
    let patients = read_patients(text("patients.csv"), &doctors, &groups, &hospitals, &stations, &mut problems);
    let consents =
        read_consents(text("consents.csv"), &patients, &groups, &doctors, &hospitals, &specialists, &mut problems);
    let absences = read_absences(text("absences.csv"), &doctors, &mut problems);
    let requests = read_requests(text("requests.csv"), &doctors, &mut problems);
    let unavailability = read_unavailability(text("unavailability.csv"), &doctors, &mut problems);
    let ledger = read_ledger(text("ledger.csv"), &doctors, &mut problems);
    let registrations = read_registrations(text("registrations.csv"), &patients, &hospitals, &consents, &mut problems);
    let symptom_routes = read_symptoms(text("symptoms.csv"), &mut problems);
    let consults = read_consults(text("consults.csv"), &patients, &specialists, &consents, &mut problems);
    let admissions = admissions::read_admissions(text("admissions.csv"), &patients, &mut problems);
    let attempts = admissions::read_attempts(text("admission_attempts.csv"), &admissions, &hospitals, &mut problems);
    let tasks = admissions::read_tasks(text("discharge_tasks.csv"), &admissions, &mut problems);

    if !problems.is_empty() {
        let file_order = |file: &str| FILE_NAMES.iter().position(|name| *name == file).unwrap_or(usize::MAX);
        problems.sort_by_key(|problem| (file_order(&problem.file), problem.file.clone(), problem.line));
        return Err(InvalidDataset { problems });
    }
    dataset.areas = areas.table;
    dataset.clinics = clinics.table;
    dataset.doctors = doctors.table;
    dataset.groups = groups.table;
    dataset.hospitals = hospitals.table;
    dataset.nurse_stations = stations.table;
    dataset.specialists = specialists.table;
    dataset.patients = patients.table;
    dataset.consents = consents.table;
    dataset.absences = absences.table;
    dataset.requests = requests.table;
    dataset.unavailability = unavailability.table;
    dataset.ledger = ledger.table;
    dataset.registrations = registrations.table;
    dataset.symptom_routes = symptom_routes;
    dataset.consults = consults.table;
    dataset.admissions = admissions.table;
    dataset.admission_attempts = attempts.table;
    dataset.discharge_tasks = tasks.table;
    Ok(dataset.index())
}

pub(super) fn rows(file: &'static str, text: &str, columns: &Columns, problems: &mut Vec<Problem>) -> Option<CsvTable> {
    if text.trim().is_empty() {
        return None;
    }
    CsvTable::read(file, text, columns, problems)
}

fn location(row: &mut Row<'_>) -> Option<LatLon> {
    let lat = row.required("lat", parse_f64);
    let lon = row.required("lon", parse_f64);
    let (lat, lon) = (lat?, lon?);
    match LatLon::new(lat, lon) {
        Ok(location) => Some(location),
        Err(message) => {
            row.problem(if LatLon::LAT_RANGE.contains(&lat) { "lon" } else { "lat" }, message);
            None
        }
    }
}

fn read_areas(text: &str, problems: &mut Vec<Problem>) -> Built<Area> {
    let file = "areas.csv";
    let mut built = Built::new(file, "エリア");
    let Some(table) = rows(file, text, &AREAS, problems) else { return built };
    let mut neighbour_ids: Vec<(usize, Vec<String>)> = Vec::new();
    for mut row in table.rows() {
        let id = row.id();
        let name = row.required("name", parse_text);
        let location = location(&mut row);
        let backup_list_len = row.optional("backup_list_len", |text| parse_int_in(text, 1, 10)).unwrap_or(None);
        let neighbours: Vec<String> = row.list("neighbours", |text| Ok(text.to_owned()));
        let line = row.line;
        let entity = (|| {
            Some(Area {
                id: id?,
                name: name?,
                location: location?,
                neighbours: Vec::new(),
                backup_list_len: u8::try_from(backup_list_len.unwrap_or(3)).ok()?,
            })
        })();
        let before = built.table.len();
        built.add(row, entity, problems);
        if built.table.len() > before {
            neighbour_ids.push((line, neighbours));
        }
    }
    // Neighbours refer to other areas of the same file: resolve them once all are read,
    // and make adjacency symmetric.
    let mut pairs = Vec::new();
    for (position, (line, neighbours)) in neighbour_ids.iter().enumerate() {
        let area = Idx::<Area>::new(position);
        for neighbour in neighbours {
            match built.resolve(neighbour) {
                Err(Unresolved::Rejected) => {}
                Ok(other) if other == area => problems.push(Problem {
                    file: file.to_owned(),
                    line: Some(*line),
                    record: Some(built.table[area].id.to_string()),
                    field: Some("neighbours".to_owned()),
                    message: "自分自身を隣接エリアにできません (an area cannot neighbour itself)".to_owned(),
                }),
                Ok(other) => pairs.push((area, other)),
                Err(Unresolved::Missing(message)) => problems.push(Problem {
                    file: file.to_owned(),
                    line: Some(*line),
                    record: Some(built.table[area].id.to_string()),
                    field: Some("neighbours".to_owned()),
                    message,
                }),
            }
        }
    }
    for (area, other) in pairs {
        for (from, to) in [(area, other), (other, area)] {
            let neighbours = &mut built.table.get_mut(from).neighbours;
            if !neighbours.contains(&to) {
                neighbours.push(to);
            }
        }
    }
    built
}

fn read_clinics(text: &str, areas: &Built<Area>, problems: &mut Vec<Problem>) -> Built<Clinic> {
    let file = "clinics.csv";
    let mut built = Built::new(file, "診療所");
    let Some(table) = rows(file, text, &CLINICS, problems) else { return built };
    let mut codes: HashMap<MedicalInstitutionCode, String> = HashMap::new();
    for mut row in table.rows() {
        let id = row.id();
        let name = row.required("name", parse_text);
        let area = row.reference("area", areas);
        let code = row.required("code", MedicalInstitutionCode::parse);
        let location = location(&mut row);
        let phone = row.required("phone", Phone::parse);
        let home_care_support = row.optional("home_care_support", parse_bool);
        if let (Some(code), Some(id)) = (code, &id)
            && let Some(first) = codes.insert(code, id.to_string())
        {
            row.problem("code", format!("医療機関コード {code} が診療所 '{first}' と重複しています (duplicate code)"));
        }
        let entity = (|| {
            Some(Clinic {
                id: id?,
                name: name?,
                area: area?,
                code: code?,
                location: location?,
                phone: phone?,
                home_care_support: home_care_support.ok()?.unwrap_or(false),
            })
        })();
        built.add(row, entity, problems);
    }
    built
}

fn read_doctors(text: &str, clinics: &Built<Clinic>, problems: &mut Vec<Problem>) -> Built<Doctor> {
    let file = "doctors.csv";
    let mut built = Built::new(file, "医師");
    let Some(table) = rows(file, text, &DOCTORS, problems) else { return built };
    for mut row in table.rows() {
        let id = row.id();
        let name = row.required("name", parse_text);
        let clinic = row.reference("clinic", clinics);
        let employment = row.required("employment", |text| text.parse::<Employment>());
        let phone = row.required("phone", Phone::parse);
        let mobile = row.optional("mobile", Phone::parse);
        let specialties = row.list("specialties", parse_text);
        let capabilities = dedup(row.list("capabilities", |text| text.parse::<Capability>()));
        let participation = row.optional("participation", |text| {
            let share = parse_f64(text)?;
            if share > 0.0 && share <= 1.0 {
                Ok(share)
            } else {
                Err(format!("参加割合 {share} は 0 より大きく 1 以下です (participation must be in (0, 1])"))
            }
        });
        let entity = (|| {
            Some(Doctor {
                id: id?,
                name: name?,
                clinic: clinic?,
                specialties,
                capabilities,
                employment: employment?,
                participation: participation.ok()?.unwrap_or(1.0),
                phone: phone?,
                mobile: mobile.ok()?,
            })
        })();
        built.add(row, entity, problems);
    }
    built
}

fn read_hospitals(text: &str, areas: &Built<Area>, problems: &mut Vec<Problem>) -> Built<Hospital> {
    let file = "hospitals.csv";
    let mut built = Built::new(file, "病院");
    let Some(table) = rows(file, text, &HOSPITALS, problems) else { return built };
    for mut row in table.rows() {
        let id = row.id();
        let name = row.required("name", parse_text);
        let area = row.reference("area", areas);
        let functions = dedup(row.list("functions", |text| text.parse::<HospitalFunction>()));
        if row.text("functions").is_empty() {
            row.problem("functions", "病院機能を1つ以上指定してください (at least one function, e.g. 急性期)");
        }
        let accepts = row.list("accepts", parse_text);
        let beds = row.required("beds", |text| parse_int_in(text, 1, 10_000));
        let backup_support = row.optional("backup_support", parse_bool);
        let phone_24h = row.required("phone_24h", Phone::parse);
        let location = location(&mut row);
        let quota = row.optional("quota", |text| parse_int_in(text, 0, 1_000_000));
        if let (Some(beds), Ok(Some(true))) = (beds, &backup_support)
            && beds < Hospital::BACKUP_SUPPORT_MIN_BEDS
        {
            row.problem(
                    "backup_support",
                    format!(
                        "在宅療養後方支援病院は{}床以上です（{beds}床） (a home-care backup support hospital has at least {} beds)",
                        Hospital::BACKUP_SUPPORT_MIN_BEDS,
                        Hospital::BACKUP_SUPPORT_MIN_BEDS
                    ),
                );
        }
        let entity = (|| {
            Some(Hospital {
                id: id?,
                name: name?,
                area: area?,
                functions: Some(functions).filter(|f| !f.is_empty())?,
                accepts,
                beds: beds?,
                backup_support: backup_support.ok()?.unwrap_or(false),
                phone_24h: phone_24h?,
                location: location?,
                quota: quota.ok()?,
            })
        })();
        built.add(row, entity, problems);
    }
    built
}

fn read_nurse_stations(text: &str, areas: &Built<Area>, problems: &mut Vec<Problem>) -> Built<NurseStation> {
    let file = "nurse_stations.csv";
    let mut built = Built::new(file, "訪問看護ステーション");
    let Some(table) = rows(file, text, &NURSE_STATIONS, problems) else { return built };
    for mut row in table.rows() {
        let id = row.id();
        let name = row.required("name", parse_text);
        let area = row.reference("area", areas);
        let phone_24h = row.required("phone_24h", Phone::parse);
        let location = location(&mut row);
        let entity =
            (|| Some(NurseStation { id: id?, name: name?, area: area?, phone_24h: phone_24h?, location: location? }))();
        built.add(row, entity, problems);
    }
    built
}

fn read_specialists(text: &str, areas: &Built<Area>, problems: &mut Vec<Problem>) -> Built<Specialist> {
    let file = "specialists.csv";
    let mut built = Built::new(file, "協力医");
    let Some(table) = rows(file, text, &SPECIALISTS, problems) else { return built };
    for mut row in table.rows() {
        let id = row.id();
        let name = row.required("name", parse_text);
        let institution = row.required("institution", parse_text);
        let specialty = row.required("specialty", parse_text);
        let modes = dedup(row.list("modes", |text| text.parse::<ConsultMode>()));
        let served = dedup(row.references("areas", areas));
        for (column, empty) in [("modes", modes.is_empty()), ("areas", served.is_empty())] {
            if empty && row.text(column).is_empty() {
                row.problem(column, "1つ以上指定してください (at least one value)");
            }
        }
        let location = location(&mut row);
        let phone = row.required("phone", Phone::parse);
        let capacity = row.optional("capacity", |text| parse_int_in(text, 1, 100_000));
        let entity = (|| {
            Some(Specialist {
                id: id?,
                name: name?,
                institution: institution?,
                specialty: specialty?,
                modes: Some(modes).filter(|m| !m.is_empty())?,
                areas: Some(served).filter(|a| !a.is_empty())?,
                location: location?,
                phone: phone?,
                capacity: capacity.ok()?,
            })
        })();
        built.add(row, entity, problems);
    }
    built
}

fn read_patients(
    text: &str,
    doctors: &Built<Doctor>,
    groups: &Built<Group>,
    hospitals: &Built<Hospital>,
    stations: &Built<NurseStation>,
    problems: &mut Vec<Problem>,
) -> Built<Patient> {
    let file = "patients.csv";
    let mut built = Built::new(file, "患者");
    let Some(table) = rows(file, text, &PATIENTS, problems) else { return built };
    let mut groups_of_doctor: HashMap<Idx<Doctor>, Vec<Idx<Group>>> = HashMap::new();
    for (group_idx, group) in groups.table.enumerate() {
        for member in &group.members {
            groups_of_doctor.entry(*member).or_default().push(group_idx);
        }
    }
    for mut row in table.rows() {
        let id = row.id();
        let name = row.required("name", parse_text);
        let birth_date = row.required("birth_date", parse_date);
        let primary_doctor = row.reference("primary_doctor", doctors);
        let named_group = row.optional_reference("group", groups);
        let group = match (primary_doctor, named_group) {
            (Some(doctor), Ok(Some(group))) => {
                if groups.table[group].members.contains(&doctor) {
                    Some(group)
                } else {
                    let doctor_id = &doctors.table[doctor].id;
                    row.problem("group", format!(
                        "主治医 '{doctor_id}' はグループ '{}' のメンバーではありません (the primary doctor is not a member of this group)",
                        groups.table[group].id
                    ));
                    None
                }
            }
            (Some(doctor), Ok(None)) => match groups_of_doctor.get(&doctor).map(Vec::as_slice) {
                Some([only]) => Some(*only),
                Some(several) => {
                    let ids: Vec<String> = several.iter().map(|g| groups.table[*g].id.to_string()).collect();
                    row.problem("group", format!(
                        "主治医が複数のグループ（{}）に属するため group を指定してください (the primary doctor is in several groups; name one)",
                        ids.join(", ")
                    ));
                    None
                }
                // A group with problems of its own may be the one the doctor is in.
                None if groups.has_rejects() => {
                    row.block();
                    None
                }
                None => {
                    row.problem(
                        "primary_doctor",
                        format!(
                            "主治医 '{}' はどのグループにも属していません (the primary doctor is in no group)",
                            doctors.table[doctor].id
                        ),
                    );
                    None
                }
            },
            _ => None,
        };
        let home = location(&mut row);
        let conditions = row.list("conditions", parse_text);
        let devices = dedup(row.list("devices", |text| text.parse::<Device>()));
        let acp = row.text("acp").to_owned();
        let key_person_name = row.text("key_person").to_owned();
        let key_person_phone = row.optional("key_person_phone", Phone::parse);
        let key_person = match (key_person_name.is_empty(), key_person_phone) {
            (true, Ok(None)) => Ok(None),
            (false, Ok(Some(phone))) => Ok(Some(KeyPerson { name: key_person_name, phone })),
            (false, Ok(None)) => {
                row.problem("key_person_phone", "キーパーソンの電話番号がありません (key person needs a phone)");
                Err(())
            }
            (true, Ok(Some(_))) => {
                row.problem(
                    "key_person",
                    "電話番号だけでキーパーソン名がありません (phone given without a key person)",
                );
                Err(())
            }
            (_, Err(())) => Err(()),
        };
        let discharge_hospital = row.optional_reference("discharge_hospital", hospitals);
        let regular_hospital = row.optional_reference("regular_hospital", hospitals);
        let met_doctors = dedup(row.references("met_doctors", doctors));
        let nurse_station = row.optional_reference("nurse_station", stations);
        let entity = (|| {
            Some(Patient {
                id: id?,
                name: name?,
                birth_date: birth_date?,
                primary_doctor: primary_doctor?,
                group: group?,
                home: home?,
                conditions,
                devices,
                acp,
                key_person: key_person.ok()?,
                discharge_hospital: discharge_hospital.ok()?,
                regular_hospital: regular_hospital.ok()?,
                met_doctors,
                nurse_station: nurse_station.ok()?,
            })
        })();
        built.add(row, entity, problems);
    }
    built
}

fn read_consents(
    text: &str,
    patients: &Built<Patient>,
    groups: &Built<Group>,
    doctors: &Built<Doctor>,
    hospitals: &Built<Hospital>,
    specialists: &Built<Specialist>,
    problems: &mut Vec<Problem>,
) -> Built<Consent> {
    let file = "consents.csv";
    let mut built = Built::new(file, "同意");
    let Some(table) = rows(file, text, &CONSENTS, problems) else { return built };
    for mut row in table.rows() {
        let id = row.id();
        let patient = row.reference("patient", patients);
        let kind = row.required("kind", |text| text.parse::<ConsentKind>());
        let date = row.required("date", parse_date);
        let given_by = row.required("given_by", parse_text);
        let document = row.required("document", parse_text);
        let withdrawn_on = row.optional("withdrawn_on", parse_date);
        if let (Some(date), Ok(Some(withdrawn))) = (date, &withdrawn_on)
            && *withdrawn < date
        {
            row.problem("withdrawn_on", "撤回日が同意日より前です (withdrawn before it was given)");
        }
        let scope = match kind {
            Some(ConsentKind::GroupCover) => {
                let named = dedup(row.references("recipients", doctors));
                if let Some(patient) = patient {
                    let members = &groups.table[patients.table[patient].group].members;
                    for doctor in named.iter().filter(|doctor| !members.contains(doctor)) {
                        let doctor_id = &doctors.table[*doctor].id;
                        row.problem("recipients", format!(
                            "医師 '{doctor_id}' は患者のグループのメンバーではありません (not a doctor of the patient's group)"
                        ));
                    }
                }
                Some(ConsentScope::GroupCover { doctors: named })
            }
            Some(ConsentKind::BackupHospital) => {
                let named = dedup(row.references("recipients", hospitals));
                require_recipients(&mut row, named.is_empty(), "病院");
                Some(ConsentScope::BackupHospital { hospitals: named })
            }
            Some(ConsentKind::SpecialistConsult) => {
                let named = dedup(row.references("recipients", specialists));
                require_recipients(&mut row, named.is_empty(), "協力医");
                Some(ConsentScope::SpecialistConsult { specialists: named })
            }
            None => None,
        };
        let entity = (|| {
            Some(Consent {
                id: id?,
                patient: patient?,
                scope: scope?,
                date: date?,
                given_by: given_by?,
                document: document?,
                withdrawn_on: withdrawn_on.ok()?,
            })
        })();
        built.add(row, entity, problems);
    }
    built
}

fn require_recipients(row: &mut Row<'_>, empty: bool, noun: &str) {
    if empty && row.text("recipients").is_empty() {
        row.problem(
            "recipients",
            format!("同意の相手（{noun}）を1つ以上指定してください (name at least one recipient: consent covers only those named)"),
        );
    }
}

fn read_absences(text: &str, doctors: &Built<Doctor>, problems: &mut Vec<Problem>) -> Built<Absence> {
    let file = "absences.csv";
    let mut built = Built::new(file, "不在");
    let Some(table) = rows(file, text, &ABSENCES, problems) else { return built };
    for mut row in table.rows() {
        let id = row.id();
        let doctor = row.reference("doctor", doctors);
        let start = row.required("start", parse_instant);
        let end = row.required("end", parse_instant);
        if let (Some(start), Some(end)) = (start, end)
            && end <= start
        {
            row.problem("end", "終了が開始より後ではありません (end must be after start)");
        }
        let reason = row.text("reason").to_owned();
        let entity = (|| Some(Absence { id: id?, doctor: doctor?, start: start?, end: end?, reason }))();
        built.add(row, entity, problems);
    }
    built
}

fn read_requests(text: &str, doctors: &Built<Doctor>, problems: &mut Vec<Problem>) -> Built<Request> {
    let file = "requests.csv";
    let mut built = Built::new(file, "希望");
    let Some(table) = rows(file, text, &REQUESTS, problems) else { return built };
    for mut row in table.rows() {
        let id = row.id();
        let doctor = row.reference("doctor", doctors);
        let kind = row.required("kind", |text| text.parse::<RequestKind>());
        let date = row.required("date", parse_date);
        let slot = row.optional("slot", |text| text.parse::<SlotKind>());
        let weight = row.optional("weight", |text| parse_int_in(text, 1, 10));
        let entity = (|| {
            Some(Request {
                id: id?,
                doctor: doctor?,
                kind: kind?,
                date: date?,
                slot: slot.ok()?,
                weight: u8::try_from(weight.ok()?.unwrap_or(1)).ok()?,
            })
        })();
        built.add(row, entity, problems);
    }
    built
}

fn read_unavailability(text: &str, doctors: &Built<Doctor>, problems: &mut Vec<Problem>) -> Built<Unavailability> {
    let file = "unavailability.csv";
    let mut built = Built::new(file, "勤務不可");
    let Some(table) = rows(file, text, &UNAVAILABILITY, problems) else { return built };
    for mut row in table.rows() {
        let id = row.id();
        let doctor = row.reference("doctor", doctors);
        let weekday = row.optional("weekday", parse_weekday);
        let slot = row.optional("slot", |text| text.parse::<SlotKind>());
        if row.text("weekday").is_empty() && row.text("slot").is_empty() {
            row.problem(
                "weekday",
                "曜日か当番枠の少なくとも一方を指定してください (give a weekday, a slot kind, or both)",
            );
        }
        let note = row.text("note").to_owned();
        let entity =
            (|| Some(Unavailability { id: id?, doctor: doctor?, weekday: weekday.ok()?, slot: slot.ok()?, note }))();
        built.add(row, entity, problems);
    }
    built
}

fn read_ledger(text: &str, doctors: &Built<Doctor>, problems: &mut Vec<Problem>) -> Built<LedgerEntry> {
    let file = "ledger.csv";
    let mut built = Built::new(file, "繰越");
    let Some(table) = rows(file, text, &LEDGER, problems) else { return built };
    let mut seen: HashMap<(Idx<Doctor>, calendar::Month), usize> = HashMap::new();
    for mut row in table.rows() {
        let id = row.id();
        let doctor = row.reference("doctor", doctors);
        let month = row.required("month", |text| text.parse::<calendar::Month>().map_err(|error| error.to_string()));
        let balance = row.required("balance", |text| {
            parse_f64(text).and_then(|value| {
                if value.abs() <= 1000.0 {
                    Ok(value)
                } else {
                    Err(format!("{value} は ±1000 点を超えています (balance beyond ±1000 points)"))
                }
            })
        });
        if let (Some(doctor), Some(month)) = (doctor, month)
            && let Some(first) = seen.insert((doctor, month), row.line)
        {
            row.problem(
                "month",
                format!("同じ医師・月の行が{first}行目にもあります (the same doctor and month is on line {first})"),
            );
        }
        let note = row.text("note").to_owned();
        let entity = (|| Some(LedgerEntry { id: id?, doctor: doctor?, month: month?, balance: balance?, note }))();
        built.add(row, entity, problems);
    }
    built
}

fn read_registrations(
    text: &str,
    patients: &Built<Patient>,
    hospitals: &Built<Hospital>,
    consents: &Built<Consent>,
    problems: &mut Vec<Problem>,
) -> Built<Registration> {
    let file = "registrations.csv";
    let mut built = Built::new(file, "登録");
    let Some(table) = rows(file, text, &REGISTRATIONS, problems) else { return built };
    let mut formal_of: HashMap<Idx<Patient>, usize> = HashMap::new();
    // An active registration's (patient, rank), and its line: one hospital per rank.
    let mut rank_of: HashMap<(Idx<Patient>, u32), usize> = HashMap::new();
    for mut row in table.rows() {
        let id = row.id();
        let patient = row.reference("patient", patients);
        let hospital = row.reference("hospital", hospitals);
        let rank = row.required("rank", |text| parse_int_in(text, 1, u32::from(crate::backup::MAX_RANK)));
        let formal = row.optional("formal", parse_bool);
        let consent = row.reference("consent", consents);
        let status = row.required("status", |text| text.parse::<RegistrationStatus>());
        let requested_on = row.required("requested_on", parse_date);
        let decided_on = row.optional("decided_on", parse_date);
        let info_shared_on = row.optional("info_shared_on", parse_date);
        let note = row.text("note").to_owned();
        let withdrawn_on = row.optional("withdrawn_on", parse_date);
        let active = status.is_some_and(RegistrationStatus::is_active);
        if let (Some(patient), Some(hospital), Some(consent)) = (patient, hospital, consent) {
            let consent_row = &consents.table[consent];
            match ConsentGap::check(consent_row, patient, hospital) {
                Ok(()) => {}
                Err(ConsentGap::OtherPatient) => {
                    row.problem("consent", "同意は別の患者のものです (the consent is another patient's)");
                }
                Err(ConsentGap::WrongKind) => row.problem(
                    "consent",
                    format!(
                        "同意 '{}' は後方支援病院登録の同意ではありません (not a backup-hospital consent)",
                        consent_row.id
                    ),
                ),
                Err(ConsentGap::DoesNotName) => row.problem(
                    "consent",
                    format!(
                        "同意 '{}' は病院 '{}' を名指ししていません (the consent does not name this hospital: no consent, no registration)",
                        consent_row.id, hospitals.table[hospital].id
                    ),
                ),
            }
            if let (true, Some(withdrawn)) = (active, consent_row.withdrawn_on) {
                row.problem(
                    "status",
                    format!(
                        "同意 '{}' は {withdrawn} に撤回されています: 登録も撤回してください (the consent was withdrawn, so the registration must be too)",
                        consent_row.id
                    ),
                );
            }
        }
        if let (Some(patient), Some(rank), true) = (patient, rank, active)
            && let Some(first) = rank_of.insert((patient, rank), row.line)
        {
            row.problem(
                "rank",
                format!("登録順位 {rank} は{first}行目の登録と重なります (rank {rank} is taken by the active registration on line {first}; one hospital per rank)"),
            );
        }
        if let (Some(status), Ok(Some(_))) = (status, &withdrawn_on)
            && status != RegistrationStatus::Withdrawn
        {
            row.problem(
                "withdrawn_on",
                "撤回日は撤回の登録だけに書きます (withdrawn_on is for withdrawn registrations)",
            );
        }
        if let (Some(hospital), Ok(Some(true))) = (hospital, &formal) {
            if !hospitals.table[hospital].backup_support {
                row.problem(
                    "formal",
                    "正式登録は在宅療養後方支援病院に限られます (the formal registration needs a 在宅療養後方支援病院)",
                );
            }
            if let Some(patient) = patient
                && active
                && let Some(first) = formal_of.insert(patient, row.line)
            {
                row.problem(
                    "formal",
                    format!("正式登録は1人1か所です ({first}行目にもあります) (one formal registration per patient; also line {first})"),
                );
            }
        }
        let entity = (|| {
            Some(Registration {
                id: id?,
                patient: patient?,
                hospital: hospital?,
                rank: u8::try_from(rank?).ok()?,
                formal: formal.ok()?.unwrap_or(false),
                consent: consent?,
                status: status?,
                requested_on: requested_on?,
                decided_on: decided_on.ok()?,
                info_shared_on: info_shared_on.ok()?,
                withdrawn_on: withdrawn_on.ok()?,
                note,
            })
        })();
        built.add(row, entity, problems);
    }
    built
}

fn read_symptoms(text: &str, problems: &mut Vec<Problem>) -> Vec<SymptomRoute> {
    let file = "symptoms.csv";
    let Some(table) = rows(file, text, &SYMPTOMS, problems) else { return Vec::new() };
    let mut routes = Vec::new();
    for mut row in table.rows() {
        let symptom = row.required("symptom", parse_text);
        let specialty = row.required("specialty", parse_text);
        let (row_problems, _) = row.finish();
        match (symptom, specialty) {
            (Some(symptom), Some(specialty)) if row_problems.is_empty() => {
                routes.push(SymptomRoute { symptom, specialty });
            }
            _ => problems.extend(row_problems),
        }
    }
    routes
}

fn read_consults(
    text: &str,
    patients: &Built<Patient>,
    specialists: &Built<Specialist>,
    consents: &Built<Consent>,
    problems: &mut Vec<Problem>,
) -> Built<Consult> {
    let file = "consults.csv";
    let mut built = Built::new(file, "相談");
    let Some(table) = rows(file, text, &CONSULTS, problems) else { return built };
    for mut row in table.rows() {
        let id = row.id();
        let patient = row.reference("patient", patients);
        let specialist = row.reference("specialist", specialists);
        let symptom = row.required("symptom", parse_text);
        let mode = row.required("mode", |text| text.parse::<ConsultMode>());
        let consent = row.reference("consent", consents);
        let status = row.required("status", |text| text.parse::<ConsultStatus>());
        let requested_at = row.required("requested_at", parse_instant);
        let updated_at = row.optional("updated_at", parse_instant);
        let report = row.text("report").to_owned();
        if let (Some(patient), Some(specialist), Some(consent)) = (patient, specialist, consent) {
            let consent_row = &consents.table[consent];
            if consent_row.patient != patient || !consent_row.names_specialist(specialist) {
                row.problem(
                    "consent",
                    "同意がこの患者とこの協力医を名指ししていません (the consent must be the patient's and name this specialist)",
                );
            }
        }
        let entity = (|| {
            let requested_at = requested_at?;
            Some(Consult {
                id: id?,
                patient: patient?,
                specialist: specialist?,
                symptom: symptom?,
                mode: mode?,
                consent: consent?,
                status: status?,
                requested_at,
                updated_at: updated_at.ok()?.unwrap_or(requested_at),
                report,
            })
        })();
        built.add(row, entity, problems);
    }
    built
}

fn parse_weekday(text: &str) -> Result<chrono::Weekday, String> {
    use chrono::Weekday::*;
    match text {
        "月" | "月曜" | "mon" | "Mon" => Ok(Mon),
        "火" | "火曜" | "tue" | "Tue" => Ok(Tue),
        "水" | "水曜" | "wed" | "Wed" => Ok(Wed),
        "木" | "木曜" | "thu" | "Thu" => Ok(Thu),
        "金" | "金曜" | "fri" | "Fri" => Ok(Fri),
        "土" | "土曜" | "sat" | "Sat" => Ok(Sat),
        "日" | "日曜" | "sun" | "Sun" => Ok(Sun),
        _ => Err(format!("'{text}' は曜日ではありません (use 月/火/水/木/金/土/日 or mon..sun)")),
    }
}

fn dedup<T: PartialEq>(items: Vec<T>) -> Vec<T> {
    let mut unique = Vec::with_capacity(items.len());
    for item in items {
        if !unique.contains(&item) {
            unique.push(item);
        }
    }
    unique
}

pub(crate) fn parse_text(text: &str) -> Result<String, String> {
    Ok(text.to_owned())
}

fn parse_f64(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|value| value.is_finite())
        .ok_or_else(|| format!("'{text}' は数値ではありません (not a number)"))
}

fn parse_int_in(text: &str, min: u32, max: u32) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(value) if (min..=max).contains(&value) => Ok(value),
        _ => Err(format!("'{text}' は {min}〜{max} の整数ではありません (not a whole number in {min}..={max})")),
    }
}

pub(super) fn parse_bool(text: &str) -> Result<bool, String> {
    match text {
        "true" | "yes" | "1" | "○" | "はい" | "有" => Ok(true),
        "false" | "no" | "0" | "×" | "いいえ" | "無" => Ok(false),
        _ => Err(format!("'{text}' は真偽値ではありません (use true/false, or ○/×)")),
    }
}

pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y/%m/%d"))
        .map_err(|_| format!("'{text}' は日付ではありません (not a date: use YYYY-MM-DD)"))
}

pub(super) fn parse_instant(text: &str) -> Result<calendar::Instant, String> {
    calendar::parse_instant(text).map_err(|error| error.to_string())
}
