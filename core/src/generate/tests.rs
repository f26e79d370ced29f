use std::collections::HashSet;

use chrono::NaiveDate;

use super::names::SURNAMES;
use super::{GeneratorConfig, generate};
use crate::calendar::Instant;
use crate::dataset::{self, Dataset};
use crate::domain::{Capability, ConsentScope, HospitalFunction};

fn read_back(dataset: &Dataset) -> Dataset {
    let files = dataset::write(dataset);
    dataset::parse(&files).unwrap_or_else(|invalid| {
        let first: Vec<String> = invalid.problems.iter().take(10).map(ToString::to_string).collect();
        panic!("{} problem(s):\n{}", invalid.problems.len(), first.join("\n"))
    })
}

#[test]
fn okayama_reads_back_without_problems_and_writes_the_same_bytes() {
    let generated = generate(&GeneratorConfig::okayama());
    let parsed = read_back(&generated);
    assert_eq!(dataset::write(&parsed), dataset::write(&generated));
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_differs() {
    let config = GeneratorConfig::okayama();
    let first = dataset::write(&generate(&config));
    assert_eq!(first, dataset::write(&generate(&config)));
    let other = dataset::write(&generate(&GeneratorConfig { seed: 2027, ..config }));
    assert_ne!(first, other);
    assert_eq!(first["areas.csv"], other["areas.csv"], "areas come from the config, not the seed");
}

#[test]
fn okayama_has_the_pilot_figures() {
    let config = GeneratorConfig::okayama();
    let summary = generate(&config).summary();
    let row = |id: &str| summary.iter().find(|row| row.area == id).unwrap().clone();
    let naka = row("naka");
    assert_eq!((naka.name.as_str(), naka.groups, naka.hospitals, naka.specialists), ("中区", 2, 4, 31));
    let minami_nishi = row("minami-nishi");
    assert_eq!((minami_nishi.groups, minami_nishi.hospitals, minami_nishi.specialists), (2, 3, 10));
    assert_eq!(summary.iter().map(|row| row.doctors).sum::<usize>(), 120);
    assert_eq!(summary.iter().map(|row| row.patients).sum::<usize>(), 1_500);
    // Every area has exactly what its spec asks for.
    for (row, spec) in summary.iter().zip(&config.areas) {
        let counts = (row.groups, row.doctors, row.hospitals, row.backup_support_hospitals);
        assert_eq!(counts, (spec.groups, spec.doctors, spec.hospitals, spec.backup_support_hospitals), "{}", spec.id);
        let counts = (row.specialists, row.nurse_stations, row.patients);
        assert_eq!(counts, (spec.specialists, spec.nurse_stations, spec.patients), "{}", spec.id);
    }
}

#[test]
fn names_and_codes_are_fictional_and_well_formed() {
    let dataset = generate(&GeneratorConfig::okayama());
    assert!(dataset.description.contains("架空"));
    let institutions = (dataset.clinics.iter().map(|c| &c.name))
        .chain(dataset.hospitals.iter().map(|h| &h.name))
        .chain(dataset.nurse_stations.iter().map(|s| &s.name))
        .chain(dataset.specialists.iter().map(|s| &s.institution));
    for name in institutions {
        assert!(name.contains("（架空）"), "{name}");
    }
    let people = (dataset.doctors.iter().map(|d| &d.name))
        .chain(dataset.patients.iter().map(|p| &p.name))
        .chain(dataset.specialists.iter().map(|s| &s.name));
    for name in people {
        let surname = name.split(' ').next().unwrap();
        assert!(SURNAMES.contains(&surname), "{name}");
    }
    let codes: HashSet<String> = dataset.clinics.iter().map(|clinic| clinic.code.to_string()).collect();
    assert_eq!(codes.len(), dataset.clinics.len(), "codes are unique");
    assert!(dataset.clinics.iter().all(|clinic| clinic.code.prefecture() == 33));
    assert!(dataset.clinics.iter().all(|clinic| clinic.phone.as_str().starts_with("086-2")));
    assert!(dataset.clinics.len() < dataset.doctors.len(), "some clinics have two doctors");
}

#[test]
fn hospitals_and_groups_follow_the_rules() {
    let dataset = generate(&GeneratorConfig::okayama());
    for (area, _) in dataset.areas.enumerate() {
        let acute = dataset.hospitals.iter().any(|h| h.area == area && h.has(HospitalFunction::Acute));
        assert!(acute, "every area has an acute hospital");
    }
    for hospital in &dataset.hospitals {
        assert!(!hospital.backup_support || hospital.beds >= 200, "{}", hospital.id);
        assert!((60..=700).contains(&hospital.beds));
    }
    let rotating = dataset.groups.iter().filter(|group| group.policy.rotation()).count();
    assert!(rotating * 2 >= dataset.groups.len());
    let in_two = dataset.doctors.indices().filter(|&d| dataset.groups_of_doctor(d).len() == 2).count();
    assert!(in_two > 0, "some doctors are in two groups");
    for doctor in dataset.doctors.indices() {
        assert!(!dataset.groups_of_doctor(doctor).is_empty());
        for &group in dataset.groups_of_doctor(doctor) {
            assert_eq!(dataset.groups[group].area, dataset.area_of_doctor(doctor));
        }
    }
}

#[test]
fn patients_live_near_their_doctor_and_children_have_capable_doctors() {
    let dataset = generate(&GeneratorConfig::okayama());
    let mut beyond_limit = 0;
    for patient in &dataset.patients {
        let clinic = &dataset.clinics[dataset.doctors[patient.primary_doctor].clinic];
        let km = clinic.location.distance_km(patient.home);
        assert!(km <= 20.0, "{} lives {km} km away", patient.id);
        if !clinic.location.within_home_visit_limit(patient.home) {
            beyond_limit += 1;
            assert!(km >= 16.0, "{km}");
        }
        assert!(!patient.met_doctors.contains(&patient.primary_doctor));
    }
    assert!((3..=45).contains(&beyond_limit), "about 1% beyond 16 km: {beyond_limit}");
    let reference = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let children: Vec<_> = dataset.patients.iter().filter(|p| p.is_medical_care_child(reference)).collect();
    assert!((5..=60).contains(&children.len()), "{}", children.len());
    let capable =
        children.iter().filter(|p| dataset.doctors[p.primary_doctor].can(Capability::MedicalCareChild)).count();
    assert!(capable * 2 > children.len(), "{capable} of {}", children.len());
    let oldest = dataset.patients.iter().map(|p| p.age_on(reference)).max().unwrap();
    assert!(oldest <= 101, "{oldest}");
}

#[test]
fn consents_predate_the_first_month_and_name_area_hospitals() {
    let dataset = generate(&GeneratorConfig::okayama());
    let first_day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let mut group_cover = 0;
    for consent in &dataset.consents {
        assert!(consent.date < first_day);
        assert!(consent.withdrawn_on.is_none_or(|date| date < first_day && date >= consent.date));
        let patient = &dataset.patients[consent.patient];
        match &consent.scope {
            ConsentScope::GroupCover { doctors } => {
                assert!(doctors.is_empty());
                group_cover += 1;
            }
            ConsentScope::BackupHospital { hospitals } => {
                let area = dataset.groups[patient.group].area;
                assert!(hospitals.iter().all(|&h| dataset.hospitals[h].area == area));
                if let Some(discharge) = patient.discharge_hospital {
                    assert_eq!(hospitals[0], discharge, "the discharge hospital comes first");
                }
            }
            ConsentScope::SpecialistConsult { specialists } => {
                assert!((1..=2).contains(&specialists.len()))
            }
        }
    }
    let share = group_cover as f64 / dataset.patients.len() as f64;
    assert!((0.85..0.95).contains(&share), "{share}");
}

#[test]
fn absences_never_leave_a_group_less_than_half_present() {
    let dataset = generate(&GeneratorConfig::okayama());
    assert!(!dataset.absences.is_empty() && !dataset.requests.is_empty());
    for group in &dataset.groups {
        let mut events: Vec<(Instant, i32)> = Vec::new();
        for &member in &group.members {
            let absences = dataset.absences_of_doctor(member);
            for pair in absences.windows(2) {
                assert!(
                    dataset.absences[pair[0]].end <= dataset.absences[pair[1]].start,
                    "a doctor's absences overlap"
                );
            }
            for &absence in absences {
                events.push((dataset.absences[absence].start, 1));
                events.push((dataset.absences[absence].end, -1));
            }
        }
        events.sort_unstable();
        let mut absent = 0;
        for (_, change) in events {
            absent += change;
            let present = group.members.len() as i32 - absent;
            assert!(present * 2 >= group.members.len() as i32, "{}: {present} present", group.id);
        }
    }
    let year_end = dataset.absences.iter().filter(|a| a.reason == "年末年始休暇").count();
    assert!(year_end > 0);
}

#[test]
fn synthetic_grids_read_back_with_exact_totals() {
    let config = GeneratorConfig::synthetic(7, 12, 3, 600, 6_000);
    let dataset = read_back(&generate(&config));
    let summary = dataset.summary();
    assert_eq!(summary.len(), 12);
    assert_eq!(summary.iter().map(|row| row.doctors).sum::<usize>(), 600);
    assert_eq!(summary.iter().map(|row| row.patients).sum::<usize>(), 6_000);
    assert!(summary.iter().all(|row| row.groups == 3));
    // A 4-column grid: area-006 neighbours 002 (above), 005, 007 and 010 (below).
    let area = dataset.areas.get_by_id("area-006").unwrap();
    let neighbours: Vec<&str> = area.neighbours.iter().map(|&n| dataset.areas[n].id.as_str()).collect();
    assert_eq!(neighbours, ["area-002", "area-005", "area-007", "area-010"]);
    assert!(dataset.clinics.iter().any(|clinic| clinic.code.prefecture() == 12));
    let centre = |id: &str| dataset.areas.get_by_id(id).unwrap().location;
    assert!(centre("area-001").distance_km(centre("area-012")) > 500.0, "spread across Japan");
}

/// National scale: run with `cargo test --release -p renkei-core -- --ignored --nocapture`.
#[test]
#[ignore = "national scale; run in release"]
fn national_scale_generates_in_seconds() {
    let config = GeneratorConfig::synthetic(1, 200, 4, 60_000, 1_000_000);
    let started = std::time::Instant::now();
    let dataset = generate(&config);
    let elapsed = started.elapsed();
    println!(
        "generated {} doctors, {} patients, {} consents, {} absences, {} requests in {elapsed:.2?}",
        dataset.doctors.len(),
        dataset.patients.len(),
        dataset.consents.len(),
        dataset.absences.len(),
        dataset.requests.len()
    );
    assert_eq!(dataset.patients.len(), 1_000_000);
    assert_eq!(dataset.patients.iter().next().unwrap().id.as_str(), "P0000001");
}
