//! The cover chain on the demo city, with a round-robin rota built here (so these tests
//! do not depend on the solver).

use chrono::Datelike;

use super::*;
use crate::calendar::{Instant, Month, SlotKind, expand_slots, parse_instant};
use crate::dataset::Dataset;
use crate::domain::{Group, Idx, Patient, Role};
use crate::generate::{GeneratorConfig, generate};
use crate::rota::{CoverRecord, DutyRecord, RotaRecords};

/// Every rotation group's December slots staffed round-robin (members not blocked by
/// an absence), and every absence of an absence-cover group covered by the next member.
pub(crate) fn round_robin_records(dataset: &Dataset, month: Month) -> RotaRecords {
    let mut records = RotaRecords::default();
    for group in &dataset.groups {
        let members: Vec<_> = group.members.clone();
        if group.policy.rotation() {
            for (turn, slot) in expand_slots(month.days(), &group.calendar, &group.slots).into_iter().enumerate() {
                let free: Vec<_> = members
                    .iter()
                    .copied()
                    .filter(|&d| {
                        !dataset
                            .absences_of_doctor(d)
                            .iter()
                            .any(|&a| dataset.absences[a].overlaps(slot.start, slot.end))
                    })
                    .collect();
                for (role, offset) in [(Role::Primary, 0), (Role::Secondary, 1)] {
                    if free.len() > offset {
                        let doctor = free[(turn + offset) % free.len()];
                        records.duties.push(DutyRecord {
                            group: group.id.to_string(),
                            date: slot.date,
                            slot: slot.kind,
                            role,
                            doctor: dataset.doctors[doctor].id.to_string(),
                            doctor_name: String::new(),
                            start: Some(slot.start),
                            end: Some(slot.end),
                        });
                    }
                }
            }
        }
        if group.policy.absence_cover() {
            for (position, &member) in members.iter().enumerate() {
                for &absence in dataset.absences_of_doctor(member) {
                    let cover = members[(position + 1) % members.len()];
                    records.covers.push(CoverRecord {
                        group: group.id.to_string(),
                        absence: dataset.absences[absence].id.to_string(),
                        doctor: dataset.doctors[cover].id.to_string(),
                        doctor_name: String::new(),
                    });
                }
            }
        }
    }
    records
}

fn demo() -> (Dataset, RotaBook) {
    let dataset = generate(&GeneratorConfig::okayama());
    let mut book = RotaBook::new(&dataset);
    book.add(&dataset, &round_robin_records(&dataset, "2026-12".parse().unwrap())).unwrap();
    (dataset, book)
}

/// A patient of a rotation group whose 主治医 has no absence in December.
fn rotation_patient(dataset: &Dataset) -> Idx<Patient> {
    dataset
        .patients
        .indices()
        .find(|&p| {
            let patient = &dataset.patients[p];
            dataset.groups[patient.group].policy.rotation()
                && !dataset.groups[patient.group].policy.absence_cover()
                && dataset.absences_of_doctor(patient.primary_doctor).is_empty()
                && patient.nurse_station.is_some()
        })
        .expect("such a patient")
}

fn roles(dataset: &Dataset, chain: &CoverChain) -> Vec<String> {
    chain.describe(dataset).into_iter().map(|step| step.role.to_string()).collect()
}

#[test]
fn in_clinic_hours_the_primary_doctor_comes_first() {
    let (dataset, book) = demo();
    let index = CoverIndex::new(&dataset, &book);
    let patient = rotation_patient(&dataset);
    let chain = index.chain(patient, parse_instant("2026-12-09T10:00").unwrap());
    let roles = roles(&dataset, &chain);
    assert_eq!(roles[0], "主治医");
    assert_eq!(chain.steps[0].contact, Contact::Doctor(dataset.patients[patient].primary_doctor));
    assert!(roles.contains(&"訪問看護ステーション".to_owned()));
    assert!(roles.iter().any(|role| role == "急性期病院（重症時）"));
}

#[test]
fn at_three_in_the_morning_the_rota_comes_first() {
    let (dataset, book) = demo();
    let index = CoverIndex::new(&dataset, &book);
    let patient = rotation_patient(&dataset);
    let at = parse_instant("2026-12-10T03:00").unwrap();
    let chain = index.chain(patient, at);
    let roles = roles(&dataset, &chain);
    assert_eq!(&roles[..2], ["当番", "副当番"], "{roles:?}");
    // The night of 12/9 is running at 3 a.m. on 12/10.
    let duty = book.duty_at(dataset.patients[patient].group, at).unwrap();
    assert_eq!(chain.steps[0].contact, Contact::Doctor(duty.primary[0]));
    // The 主治医 is listed once: on duty that night, or after the on-duty doctors.
    let own = Contact::Doctor(dataset.patients[patient].primary_doctor);
    let listed: Vec<usize> = chain.steps.iter().enumerate().filter(|(_, s)| s.contact == own).map(|(i, _)| i).collect();
    assert_eq!(listed.len(), 1);
    let own_doctor = dataset.patients[patient].primary_doctor;
    assert!(duty.primary.contains(&own_doctor) || duty.secondary.contains(&own_doctor) || listed[0] >= 2);
    let station = roles.iter().position(|role| role == "訪問看護ステーション").unwrap();
    let backup = roles.iter().position(|role| role == "後方支援病院");
    let acute = roles.iter().position(|role| role == "急性期病院（重症時）").unwrap();
    assert!(backup.is_none_or(|backup| station < backup && backup < acute));
    // Nearby groups' on-duty doctors come after the group's own and the 主治医, nearest first.
    let nearby: Vec<f32> = chain
        .steps
        .iter()
        .filter(|step| matches!(step.reason, Reason::NearbyOnDuty { .. }))
        .map(|step| step.distance_km)
        .collect();
    assert!(!nearby.is_empty());
    assert!(nearby.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn during_an_absence_the_covering_doctor_comes_first() {
    let (dataset, book) = demo();
    let index = CoverIndex::new(&dataset, &book);
    // An absence-cover-only group's doctor, absent on a weekday daytime.
    let (patient, absence) = dataset
        .patients
        .indices()
        .find_map(|p| {
            let patient = &dataset.patients[p];
            let group = &dataset.groups[patient.group];
            if group.policy.rotation() || !group.policy.absence_cover() {
                return None;
            }
            dataset.absences_of_doctor(patient.primary_doctor).first().map(|&a| (p, a))
        })
        .expect("an absent doctor's patient");
    let a = &dataset.absences[absence];
    let at = a.start + (a.end - a.start) / 2;
    let chain = index.chain(patient, at);
    assert_eq!(chain.steps[0].reason, Reason::CoversAbsence(absence));
    assert_eq!(
        Some(match chain.steps[0].contact {
            Contact::Doctor(d) => d,
            _ => unreachable!(),
        }),
        book.cover_of(absence, at)
    );
    assert!(!chain.steps.iter().any(|s| s.contact == Contact::Doctor(dataset.patients[patient].primary_doctor)));

    // Without a cover in the book, the doctors who know the patient, and a warning.
    let empty = RotaBook::new(&dataset);
    let index = CoverIndex::new(&dataset, &empty);
    let chain = index.chain(patient, at);
    assert!(chain.warnings.contains(&Warning::AbsentWithoutCover(absence)));
    assert!(
        chain
            .steps
            .iter()
            .take_while(|s| matches!(s.contact, Contact::Doctor(_)))
            .all(|s| s.reason == Reason::KnowsPatient)
    );
}

#[test]
fn on_duty_and_next_change() {
    let (dataset, book) = demo();
    let index = CoverIndex::new(&dataset, &book);
    let group = dataset.groups.lookup("G-NAKA-2").unwrap();
    let night = index.on_duty(group, parse_instant("2026-12-09T23:00").unwrap());
    assert!(night.kind.is_some_and(|kind| kind.is_night()));
    assert_eq!(night.until, Some(parse_instant("2026-12-10T08:30").unwrap()));
    assert_eq!(night.next_change, night.until);
    let day = index.on_duty(group, parse_instant("2026-12-09T10:00").unwrap());
    assert_eq!(day.kind, None);
    assert_eq!(day.next_change, Some(parse_instant("2026-12-09T18:00").unwrap()));
}

#[test]
fn a_later_rota_version_replaces_the_earlier_one_slot_by_slot() {
    let (dataset, mut book) = demo();
    let group = dataset.groups.lookup("G-NAKA-2").unwrap();
    let at = parse_instant("2026-12-09T23:00").unwrap();
    let before = book.duty_at(group, at).unwrap().clone();
    let replacement = dataset.groups[group].members.iter().copied().find(|d| !before.primary.contains(d)).unwrap();
    let swap = RotaRecords {
        duties: vec![DutyRecord {
            group: "G-NAKA-2".into(),
            date: "2026-12-09".parse().unwrap(),
            slot: before.kind,
            role: Role::Primary,
            doctor: dataset.doctors[replacement].id.to_string(),
            doctor_name: String::new(),
            start: None,
            end: None,
        }],
        covers: Vec::new(),
    };
    book.add(&dataset, &swap).unwrap();
    let after = book.duty_at(group, at).unwrap();
    assert_eq!(after.primary, [replacement]);
    assert_eq!((after.start, after.end), (before.start, before.end), "times come from the calendar");
    // Unknown ids are refused.
    let bad = RotaRecords {
        duties: vec![DutyRecord { doctor: "D9999".into(), ..swap.duties[0].clone() }],
        covers: Vec::new(),
    };
    assert_eq!(book.add(&dataset, &bad), Err(CoverError::UnknownDoctor { id: "D9999".into() }));
}

/// The demo city with December's round-robin rota published as a first version over
/// all groups: the dataset, the rota, its scope and the book.
fn december_first_version() -> (Dataset, RotaRecords, VersionScope, RotaBook) {
    let dataset = generate(&GeneratorConfig::okayama());
    let month: Month = "2026-12".parse().unwrap();
    let records = round_robin_records(&dataset, month);
    let scope = VersionScope {
        groups: dataset.groups.indices().collect(),
        from: parse_instant("2026-12-01T00:00").unwrap(),
        to: parse_instant("2027-01-01T00:00").unwrap(),
    };
    let mut book = RotaBook::new(&dataset);
    book.add_version(&dataset, &records, &scope, None).unwrap();
    (dataset, records, scope, book)
}

#[test]
fn a_later_published_version_answers_only_from_when_it_came_into_force() {
    let (dataset, records, scope, mut book) = december_first_version();
    let group = dataset.groups.lookup("G-NAKA-2").unwrap();
    let night = parse_instant("2026-12-20T23:00").unwrap();
    let first = book.duty_at(group, night).unwrap().clone();
    assert_eq!(first.in_force_from, None);

    // Version 2, published on 12-10: another doctor takes the 12-20 night's primary duty.
    let replacement = dataset.groups[group].members.iter().copied().find(|d| !first.primary.contains(d)).unwrap();
    let mut second = records.clone();
    for duty in &mut second.duties {
        if duty.group == "G-NAKA-2" && duty.start == Some(first.start) && duty.role == Role::Primary {
            duty.doctor = dataset.doctors[replacement].id.to_string();
        }
    }
    // The night of 12-05 is dropped from version 2: unstaffed from then on.
    let early = parse_instant("2026-12-05T23:00").unwrap();
    let early_start = book.duty_at(group, early).unwrap().start;
    second.duties.retain(|duty| !(duty.group == "G-NAKA-2" && duty.start == Some(early_start)));
    let published = parse_instant("2026-12-10T12:00").unwrap();
    book.add_version(&dataset, &second, &scope, Some(published)).unwrap();

    // Asked at the night itself (after publication): version 2.
    assert_eq!(book.duty_at(group, night).unwrap().primary, [replacement]);
    // The 12-05 night was in force under version 1 at the time it ran: history stays.
    assert_eq!(
        book.duty_at(group, early).unwrap().primary,
        book.all_duties(group).iter().find(|d| d.start == early_start).unwrap().primary
    );
    assert!(book.duties_as_of(group, published).all(|duty| duty.start != early_start));
    assert!(book.current_duties(group).all(|duty| duty.start != early_start));
    // What version 1 said about the 12-20 night is kept, superseded at publication.
    let old: Vec<_> = book.all_duties(group).iter().filter(|duty| duty.start == first.start).collect();
    assert_eq!(old.len(), 2);
    assert!(old.iter().any(|duty| duty.primary == first.primary && duty.superseded_at == Some(published)));
}

/// Every chain's steps, written from the escaped parts and serialised field by field,
/// are the same bytes.
fn assert_cover_json_agrees(dataset: &Dataset, book: &RotaBook) -> usize {
    let index = CoverIndex::new(dataset, book);
    let json = CoverJson::new(dataset);
    let start = parse_instant("2026-12-01T00:00").unwrap();
    let mut compared = 0;
    for patient in dataset.patients.indices() {
        // Every 7 hours 13 minutes through December: days, nights, holidays and absences.
        for step in 0..103 {
            let at = start + chrono::Duration::minutes(433 * step);
            let chain = index.chain(patient, at);
            let mut written = Vec::new();
            json.write(&chain, dataset, &mut written);
            let serialised = serde_json::to_vec(&chain.describe(dataset)).unwrap();
            assert_eq!(
                String::from_utf8(written).unwrap(),
                String::from_utf8(serialised).unwrap(),
                "{} at {at}",
                dataset.patients[patient].id
            );
            compared += chain.steps.len();
        }
    }
    compared
}

#[test]
fn cover_json_is_the_serialised_description() {
    let (dataset, book) = demo();
    let steps = assert_cover_json_agrees(&dataset, &book);
    assert!(steps > 1_000_000, "{steps} steps compared");
}

/// An empty dataset (a new service's) has nothing to write, and nothing to fail on.
#[test]
fn cover_json_of_an_empty_dataset() {
    let files = std::collections::BTreeMap::from([(
        "dataset.toml".to_owned(),
        format!("format = {}\nname = \"\"\n", crate::dataset::FORMAT_VERSION),
    )]);
    let dataset = crate::dataset::parse(&files.into_iter().collect()).expect("an empty dataset");
    let book = RotaBook::new(&dataset);
    CoverIndex::new(&dataset, &book);
    CoverJson::new(&dataset);
}

/// Every patient's head, written once into their card, is its [`PatientHead`] as
/// serde_json writes it; and the cards' id table finds every patient as the dataset's
/// table does, and no one else.
fn assert_heads_agree(dataset: &Dataset) {
    let book = RotaBook::new(dataset);
    let index = CoverIndex::new(dataset, &book);
    for patient in dataset.patients.indices() {
        let id = dataset.patients[patient].id.as_str();
        assert_eq!(index.patient(id), Some(patient));
        for other in [format!("{id}X"), id[..id.len() - 1].to_owned(), id.to_lowercase(), format!(" {id}")] {
            assert_eq!(index.patient(&other), dataset.patients.lookup(&other), "{other}");
        }
        assert_eq!(
            std::str::from_utf8(index.head(patient)).unwrap(),
            serde_json::to_string(&PatientHead::of(dataset, patient)).unwrap(),
            "{}",
            dataset.patients[patient].id
        );
    }
}

#[test]
fn heads_are_the_patients() {
    let (dataset, _) = demo();
    assert_heads_agree(&dataset);
    let p = dataset.patients.iter().find(|p| p.key_person.is_some()).unwrap();
    let head =
        serde_json::to_value(PatientHead::of(&dataset, dataset.patients.lookup(p.id.as_str()).unwrap())).unwrap();
    assert_eq!(head["id"], p.id.as_str());
    assert_eq!(head["name"], p.name);
    assert_eq!(head["group"], dataset.groups[p.group].id.as_str());
    assert_eq!(head["primary_doctor"], dataset.doctors[p.primary_doctor].id.as_str());
    assert_eq!(head["key_person"]["name"], p.key_person.as_ref().unwrap().name);
    assert_eq!(head["key_person"]["phone"], p.key_person.as_ref().unwrap().phone.as_str());
    assert_eq!(head["acp"], p.acp);
    let alone = dataset.patients.iter().find(|p| p.key_person.is_none()).unwrap();
    let head = PatientHead::of(&dataset, dataset.patients.lookup(alone.id.as_str()).unwrap());
    assert_eq!(serde_json::to_value(head).unwrap()["key_person"], serde_json::Value::Null);
}

#[test]
fn cover_json_escapes_what_needs_escaping() {
    // Quotes, backslashes and a tab in names, a group's name and an absence's reason.
    let (dataset, _) = demo();
    let mut files = crate::dataset::write(&dataset);
    let odd = "\"引用\" \t\\ 終";
    for name in ["clinics.csv", "hospitals.csv", "nurse_stations.csv", "absences.csv", "patients.csv"] {
        let text = files.get(name).unwrap_or_else(|| panic!("{name}")).clone();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers = reader.headers().unwrap().clone();
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(&headers).unwrap();
        for record in reader.records() {
            let record = record.unwrap();
            let fields: Vec<String> = headers
                .iter()
                .zip(record.iter())
                .map(|(header, field)| {
                    if ["name", "reason", "acp"].contains(&header) || (header == "key_person" && !field.is_empty()) {
                        format!("{field} {odd}")
                    } else {
                        field.to_owned()
                    }
                })
                .collect();
            writer.write_record(&fields).unwrap();
        }
        files.insert(name.to_owned(), String::from_utf8(writer.into_inner().unwrap()).unwrap());
    }
    // Group names, in TOML: `name = "…"` lines.
    let groups = files["groups.toml"]
        .lines()
        .map(|line| match line.strip_prefix("name = \"").and_then(|rest| rest.strip_suffix('"')) {
            Some(name) => format!("name = {}", toml_string(&format!("{name} {odd}"))),
            None => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    files.insert("groups.toml".to_owned(), groups);
    let dataset = crate::dataset::parse(&files).expect("still valid");
    assert!(
        dataset.groups.iter().all(|group| group.name.ends_with(odd)),
        "{:?}",
        dataset.groups.iter().next().map(|g| &g.name)
    );
    assert!(dataset.absences.iter().all(|absence| absence.reason.ends_with(odd)));
    let mut book = RotaBook::new(&dataset);
    book.add(&dataset, &round_robin_records(&dataset, "2026-12".parse().unwrap())).unwrap();
    assert_cover_json_agrees(&dataset, &book);
    assert!(dataset.patients.iter().all(|patient| patient.name.ends_with(odd) && patient.acp.ends_with(odd)));
    assert_heads_agree(&dataset);
}

/// `text` as a TOML basic string.
fn toml_string(text: &str) -> String {
    toml::Value::String(text.to_owned()).to_string()
}

/// The chain reads backup registrations and consents from runs laid out per patient:
/// for every patient of the demo city, on days around consents being given and
/// withdrawn, its backup steps are the patient's active registrations by rank, and it
/// warns of no グループ診療 consent exactly when no such consent is in force that day.
#[test]
fn backups_and_consent_follow_the_records() {
    use crate::domain::ConsentKind;
    let (dataset, _) = demo();
    // Give some patients a second グループ診療 consent (from before December, or from
    // mid-December), so that a patient's consents after the first are read too.
    let mut files = crate::dataset::write(&dataset);
    let mut reader = csv::Reader::from_reader(files["consents.csv"].as_bytes());
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|header| header == name).unwrap();
    let (id, date, kind, withdrawn) = (column("id"), column("date"), column("kind"), column("withdrawn_on"));
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&headers).unwrap();
    let mut seconds = 0;
    for (row, record) in reader.records().enumerate() {
        let mut fields: Vec<String> = record.unwrap().iter().map(str::to_owned).collect();
        writer.write_record(&fields).unwrap();
        if row % 5 == 0 && fields[kind] == ConsentKind::GroupCover.label() {
            fields[id] = format!("{}-2", fields[id]);
            fields[date] = if row % 2 == 0 { "2026-12-15" } else { "2026-01-05" }.to_owned();
            fields[withdrawn] = String::new();
            writer.write_record(&fields).unwrap();
            seconds += 1;
        }
    }
    files.insert("consents.csv".to_owned(), String::from_utf8(writer.into_inner().unwrap()).unwrap());
    let mut dataset = crate::dataset::parse(&files).expect("still valid");
    assert!(seconds > 100, "{seconds} second consents");
    // Withdraw some consents, so that both sides of a withdrawal are asked about.
    for consent in dataset.consents.indices().step_by(7) {
        dataset.consents.get_mut(consent).withdrawn_on = chrono::NaiveDate::from_ymd_opt(2026, 12, 10);
    }
    let mut book = RotaBook::new(&dataset);
    book.add(&dataset, &round_robin_records(&dataset, "2026-12".parse().unwrap())).unwrap();
    let index = CoverIndex::new(&dataset, &book);
    let mut warned = 0;
    for at in ["2026-12-09T23:30", "2026-12-10T00:30", "2026-12-14T12:00", "2026-12-20T12:00"] {
        let at = parse_instant(at).unwrap();
        let date = crate::calendar::to_jst(at).date_naive();
        for patient in dataset.patients.indices() {
            let chain = index.chain(patient, at);
            let backups: Vec<_> = chain
                .steps
                .iter()
                .filter_map(|step| match (step.contact, step.reason) {
                    (Contact::Hospital(hospital), Reason::Backup { rank, .. }) => Some((hospital, rank)),
                    _ => None,
                })
                .collect();
            let registered: Vec<_> = dataset
                .registrations_of_patient(patient)
                .iter()
                .map(|&r| &dataset.registrations[r])
                .filter(|r| r.is_active())
                .map(|r| (r.hospital, r.rank))
                .collect();
            assert_eq!(backups, registered, "patient {patient:?}");
            let consented = dataset.consents_of_patient(patient).iter().any(|&c| {
                dataset.consents[c].kind() == ConsentKind::GroupCover && dataset.consents[c].in_force_on(date)
            });
            let warns = chain.warnings.contains(&Warning::NoGroupCoverConsent);
            assert_eq!(warns, !consented, "patient {patient:?} on {date}");
            warned += usize::from(warns);
        }
    }
    assert!(warned > 0, "some patient has no consent in force on some day");
}

/// The lookup's compact layout (starts by day, small per-duty records, one run of
/// doctors) answers as a scan of the `Duty` records does: for every group of the demo
/// city, with a second version published mid-month that re-staffs and drops slots, at
/// instants every 17 minutes from before December to after it and at every slot's start
/// and end (and a nanosecond either side).
#[test]
fn the_compact_lookup_answers_as_the_duties_do() {
    let (dataset, records, scope, mut book) = december_first_version();
    let mut second = records.clone();
    second.duties.retain(|duty| duty.date.day() % 5 != 0);
    for (n, duty) in second.duties.iter_mut().enumerate() {
        if n % 3 == 0 {
            duty.role = if duty.role == Role::Primary { Role::Secondary } else { Role::Primary };
        }
    }
    // Some slots staffed by more doctors than a duty's record holds.
    let crowded: Vec<DutyRecord> = second
        .duties
        .iter()
        .filter(|duty| duty.date.day() == 7 && duty.role == Role::Primary)
        .flat_map(|duty| {
            let group = &dataset.groups[dataset.groups.lookup(&duty.group).unwrap()];
            group.members.iter().take(7).map(|&member| DutyRecord {
                role: Role::Secondary,
                doctor: dataset.doctors[member].id.to_string(),
                ..duty.clone()
            })
        })
        .collect();
    assert!(!crowded.is_empty());
    second.duties.extend(crowded);
    let published = parse_instant("2026-12-12T09:17").unwrap() + chrono::Duration::milliseconds(30_250);
    book.add_version(&dataset, &second, &scope, Some(published)).unwrap();
    assert!(
        dataset.groups.indices().any(|group| book.all_duties(group).iter().any(|duty| duty.secondary.len() > 5)),
        "a duty with more doctors than its record holds"
    );

    let first = parse_instant("2026-11-29T00:00").unwrap();
    let mut instants: Vec<_> = (0..(36 * 24 * 60 / 17)).map(|k| first + chrono::Duration::minutes(17 * k)).collect();
    let nanosecond = chrono::Duration::nanoseconds(1);
    for group in dataset.groups.indices() {
        for duty in book.all_duties(group) {
            for edge in [duty.start, duty.end] {
                instants.extend([edge - nanosecond, edge, edge + nanosecond]);
            }
        }
    }
    instants.extend([published - nanosecond, published, published + nanosecond]);
    let mut answered = 0;
    for group in dataset.groups.indices() {
        for &at in &instants {
            answered += usize::from(assert_answers_as_the_duties(&dataset, &book, group, at));
        }
    }
    assert!(answered > 10_000, "most instants fall in a staffed slot: {answered}");
}

/// Asserts that the book answers who is on duty in `group` at `at` as a scan of its
/// duties does (the last-starting, and within a slot last-sorted, duty running at `at`
/// in the version then in force); whether one is.
#[track_caller]
fn assert_answers_as_the_duties(dataset: &Dataset, book: &RotaBook, group: Idx<Group>, at: Instant) -> bool {
    let scanned =
        book.all_duties(group).iter().rev().find(|duty| duty.start <= at && at < duty.end && duty.in_force_at(at));
    assert_eq!(book.duty_at(group, at), scanned, "{} at {at}", dataset.groups[group].id);
    let doctors = scanned.map(|duty| (duty.primary.as_slice(), duty.secondary.as_slice()));
    assert_eq!(book.on_duty_at(group, at), doctors, "{} at {at}", dataset.groups[group].id);
    scanned.is_some()
}

/// A group with a duty beyond 2262 (outside the compact copy's nanoseconds) is answered
/// from its duties, the same as the others; instants outside that range too.
#[test]
fn lookups_beyond_the_compact_range_read_the_duties() {
    use chrono::TimeZone;
    let (dataset, records, _, mut book) = december_first_version();
    let group = dataset.groups.lookup("G-NAKA-2").unwrap();
    let far = chrono::Utc.with_ymd_and_hms(2263, 1, 1, 0, 0, 0).unwrap();
    let template = records.duties.iter().find(|duty| duty.group == "G-NAKA-2").unwrap().clone();
    let late = DutyRecord {
        date: far.date_naive(),
        start: Some(far),
        end: Some(far + chrono::Duration::hours(12)),
        ..template.clone()
    };
    book.add(&dataset, &RotaRecords { duties: vec![late], ..RotaRecords::default() }).unwrap();
    let doctor = dataset.doctors.lookup(&template.doctor).unwrap();
    let at = far + chrono::Duration::hours(6);
    assert_eq!(book.duty_at(group, at).map(|duty| duty.start), Some(far));
    assert_eq!(book.on_duty_at(group, at).map(|(primary, _)| primary.to_vec()), Some(vec![doctor]));
    let start = parse_instant("2026-11-30T00:00").unwrap();
    let ancient = chrono::Utc.with_ymd_and_hms(1600, 1, 1, 0, 0, 0).unwrap();
    for other in dataset.groups.indices() {
        for at in (0..(33 * 24 * 4)).map(|k| start + chrono::Duration::minutes(15 * k)).chain([ancient, far, at]) {
            assert_answers_as_the_duties(&dataset, &book, other, at);
        }
    }
}

/// The demo city, generated once for the property tests.
static DEMO_CITY: std::sync::LazyLock<Dataset> = std::sync::LazyLock::new(|| generate(&GeneratorConfig::okayama()));

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// A doctor's absence at an instant, found by the search that stops where every
    /// earlier absence has ended, is the one a scan of all the doctor's absences finds
    /// (the latest started that covers the instant): for overlapping, nested, touching
    /// and long-past absences, at and around every edge.
    #[test]
    fn absence_at_finds_what_a_full_scan_finds(
        spans in proptest::collection::vec((0i64..2_000, 1i64..400), 0..40),
        probes in proptest::collection::vec(-50i64..2_500, 1..40),
    ) {
        let mut dataset = DEMO_CITY.clone();
        let doctor = dataset.doctors.indices().next().expect("a doctor");
        let doctor_id = dataset.doctors[doctor].id.to_string();
        let base = parse_instant("2026-11-01T00:00").expect("instant");
        let hours = |h: i64| base + chrono::Duration::hours(h);
        for (n, &(start, length)) in spans.iter().enumerate() {
            dataset.add_absence(&format!("AX-PROP-{n}"), &doctor_id, hours(start), hours(start + length), "test")
                .expect("a valid absence");
        }
        let book = RotaBook::new(&dataset);
        let index = CoverIndex::new(&dataset, &book);
        let edges = spans.iter().flat_map(|&(start, length)| [start - 1, start, start + length - 1, start + length]);
        for probe in probes.into_iter().chain(edges) {
            let at = hours(probe);
            let scanned = dataset.absences_of_doctor(doctor).iter().rev().copied().find(|&a| dataset.absences[a].covers(at));
            proptest::prop_assert_eq!(index.absence_at(doctor, at), scanned, "at {} h", probe);
        }
    }
}

/// A long duty that began before a shorter one and outlasts it is still found after the
/// shorter one has ended: the search back does not stop at the first ended duty.
#[test]
fn a_long_duty_outlasting_a_later_shorter_one_is_found() {
    let dataset = generate(&GeneratorConfig::okayama());
    let group = dataset.groups.indices().find(|&g| dataset.groups[g].policy.rotation()).expect("a rotation group");
    let g = &dataset.groups[group];
    let doctor = |n: usize| dataset.doctors[g.members[n % g.members.len()]].id.to_string();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
    let duty = |slot, n, start: &str, end: &str| DutyRecord {
        group: g.id.to_string(),
        date,
        slot,
        role: Role::Primary,
        doctor: doctor(n),
        doctor_name: String::new(),
        start: Some(parse_instant(start).expect("instant")),
        end: Some(parse_instant(end).expect("instant")),
    };
    let records = RotaRecords {
        duties: vec![
            duty(SlotKind::HolidayDay, 0, "2026-12-05T08:30", "2026-12-06T20:30"),
            duty(SlotKind::SaturdayAfternoon, 1, "2026-12-05T13:00", "2026-12-05T15:00"),
        ],
        ..RotaRecords::default()
    };
    let mut book = RotaBook::new(&dataset);
    book.add(&dataset, &records).expect("valid records");
    let kind_at = |at: &str| book.duty_at(group, parse_instant(at).expect("instant")).map(|duty| duty.kind);
    assert_eq!(kind_at("2026-12-05T14:00"), Some(SlotKind::SaturdayAfternoon));
    assert_eq!(kind_at("2026-12-05T16:00"), Some(SlotKind::HolidayDay), "after the short duty ended");
    assert_eq!(kind_at("2026-12-06T20:00"), Some(SlotKind::HolidayDay));
    assert_eq!(kind_at("2026-12-06T20:30"), None);
    let on_duty = book.on_duty_at(group, parse_instant("2026-12-06T09:00").expect("instant")).expect("on duty");
    assert_eq!(on_duty.0, &[g.members[0]]);
}

#[test]
fn numbers_are_written_as_the_formatter_writes_them() {
    use super::chain::Compose as _;
    for n in [0, 1, 7, 9, 10, 12, 59, 99, 100, 2026, 65_535, u32::MAX] {
        for width in 0..4 {
            let mut out = Vec::new();
            out.number(n, width).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), format!("{n:0width$}"), "{n} in {width} digits");
        }
    }
}
