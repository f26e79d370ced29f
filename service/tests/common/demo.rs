//! The demo city in a service: the people the tests act as, chosen from the data by
//! what they must be, and a token for each.

use std::path::Path;

use renkei_core::calendar::Month;
use renkei_core::dataset::Dataset;
use renkei_core::rota::RotaRecords;
use renkei_service::demo;
use renkei_service::server::auth::Role;

use super::TestApp;

/// The demo city's directory (tests run in `service/`).
pub fn okayama() -> &'static Path {
    Path::new("../fixtures/okayama")
}

/// A committed rota file of the demo city.
pub fn rota_file(month: &str) -> RotaRecords {
    let path = okayama().join(format!("rotas/{month}-city.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).expect("a rota file")
}

/// The people the tests act as, chosen from the demo data by what they must be.
#[derive(Debug, Clone)]
pub struct People {
    /// A patient of a rotation group with a nurse station and an active registration.
    pub patient: String,
    /// Their 主治医 (the clinic doctor).
    pub doctor: String,
    /// The doctor's group covering the patient.
    pub group: String,
    /// A group the doctor is not a member of.
    pub other_group: String,
    /// The patient's visiting nurse station.
    pub station: String,
    /// A patient the station does not serve.
    pub unserved_patient: String,
    /// A hospital the patient is actively registered with, which also has a declined
    /// or withdrawn registration.
    pub hospital: String,
    /// A patient whose only registrations with the hospital are inactive.
    pub inactive_patient: String,
    /// Another hospital.
    pub other_hospital: String,
    /// A patient not registered with the hospital at all.
    pub unregistered_patient: String,
    /// The area of the group.
    pub area: String,
}

/// Picks the people from the data.
pub fn pick_people(d: &Dataset) -> People {
    let active_with = |p, h| {
        d.registrations_of_patient(p)
            .iter()
            .any(|&r| d.registrations[r].hospital == h && d.registrations[r].is_active())
    };
    let inactive_only_at = |h| {
        d.registrations_of_hospital(h).iter().map(|&r| d.registrations[r].patient).find(|&p| {
            !active_with(p, h) && d.registrations_of_patient(p).iter().any(|&r| d.registrations[r].hospital == h)
        })
    };
    let (patient, hospital, inactive) = d
        .patients
        .indices()
        .filter(|&p| d.groups[d.patients[p].group].policy.rotation() && d.patients[p].nurse_station.is_some())
        .find_map(|p| {
            d.registrations_of_patient(p)
                .iter()
                .map(|&r| &d.registrations[r])
                .filter(|r| r.is_active())
                .find_map(|r| inactive_only_at(r.hospital).map(|inactive| (p, r.hospital, inactive)))
        })
        .expect("the demo has a patient of a rotation group with a station and an active registration");
    let p = &d.patients[patient];
    let station = p.nurse_station.expect("filtered");
    let unserved =
        d.patients.indices().find(|&q| d.patients[q].nurse_station != Some(station)).expect("another patient");
    let other_group = d.groups.indices().find(|&g| !d.groups[g].members.contains(&p.primary_doctor)).expect("group");
    let other_hospital = d.hospitals.indices().find(|&h| h != hospital).expect("another hospital");
    let unregistered = d
        .patients
        .indices()
        .find(|&q| d.registrations_of_patient(q).iter().all(|&r| d.registrations[r].hospital != hospital))
        .expect("a patient not registered there");
    People {
        patient: p.id.to_string(),
        doctor: d.doctors[p.primary_doctor].id.to_string(),
        group: d.groups[p.group].id.to_string(),
        other_group: d.groups[other_group].id.to_string(),
        station: d.nurse_stations[station].id.to_string(),
        unserved_patient: d.patients[unserved].id.to_string(),
        hospital: d.hospitals[hospital].id.to_string(),
        inactive_patient: d.patients[inactive].id.to_string(),
        other_hospital: d.hospitals[other_hospital].id.to_string(),
        unregistered_patient: d.patients[unregistered].id.to_string(),
        area: d.areas[d.groups[p.group].area].id.to_string(),
    }
}

/// The bearer tokens of the demo's users.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub admin: String,
    pub coordinator: String,
    pub doctor: String,
    pub nurse: String,
    pub ward: String,
}

/// The labels the tokens were issued with (the audit trail's actors).
pub mod labels {
    pub const ADMIN: &str = "テスト管理者 (admin)";
    pub const COORDINATOR: &str = "テストコーディネーター (coordinator)";
    pub const DOCTOR: &str = "テスト医師 (doctor)";
    pub const NURSE: &str = "テスト訪問看護 (nurse)";
    pub const WARD: &str = "テスト病棟 (ward)";
}

/// The demo city in a service, with people and tokens.
pub struct Demo {
    pub app: TestApp,
    pub people: People,
    pub tokens: Tokens,
}

impl std::ops::Deref for Demo {
    type Target = TestApp;
    fn deref(&self) -> &TestApp {
        &self.app
    }
}

/// Loads the demo city and publishes the committed rotas of `months` (e.g. `2026-12`).
pub async fn load_demo(app: TestApp, months: &[&str]) -> Demo {
    demo::import_dir(&app.state, okayama(), "test").await.expect("import the demo city");
    for month in months {
        let parsed: Month = month.parse().expect("month");
        demo::publish_records(&app.state, parsed, rota_file(month), "test").await.expect("publish the rota");
    }
    let people = pick_people(app.state.snapshot().dataset());
    let issue = |label: &'static str, role: Role| {
        let state = app.state.clone();
        async move { demo::issue_token(&state, label, &role).await.expect("token") }
    };
    let tokens = Tokens {
        admin: issue(labels::ADMIN, Role::Admin).await,
        coordinator: issue(labels::COORDINATOR, Role::AreaCoordinator(people.area.clone())).await,
        doctor: issue(labels::DOCTOR, Role::Doctor(people.doctor.clone())).await,
        nurse: issue(labels::NURSE, Role::Station(people.station.clone())).await,
        ward: issue(labels::WARD, Role::Hospital(people.hospital.clone())).await,
    };
    Demo { app, people, tokens }
}

/// The demo with December 2026 and January 2027 published.
pub async fn demo_city(app: TestApp) -> Demo {
    load_demo(app, &["2026-12", "2027-01"]).await
}
