//! The workflows over HTTP: backup-hospital registrations (consent-gated, the ward
//! confirming), consent withdrawal, quotas, admissions with their calls and discharge
//! tasks, and specialist consults from the plan to the report.

use renkei_core::calendar::to_jst;
use renkei_core::domain::{ConsentKind, ConsentScope, Idx, Patient};
use serde_json::{Value, json};

use crate::common::{TestApp, demo_city, labels};

/// A patient of the coordinator's area with a backup-hospital consent in force naming
/// a hospital they are not registered with (and one it does not name).
fn registrable(app: &TestApp, area: &str) -> (String, String, String, String) {
    let snapshot = app.state.snapshot();
    let d = snapshot.dataset();
    let today = to_jst(chrono::Utc::now()).date_naive();
    for patient in d.patients.indices() {
        if d.areas[d.groups[d.patients[patient].group].area].id.as_str() != area {
            continue;
        }
        for &c in d.consents_of_patient(patient) {
            let consent = &d.consents[c];
            let ConsentScope::BackupHospital { hospitals } = &consent.scope else { continue };
            if !consent.in_force_on(today) {
                continue;
            }
            let registered = |h| {
                d.registrations_of_patient(patient)
                    .iter()
                    .any(|&r| d.registrations[r].hospital == h && d.registrations[r].is_active())
            };
            let Some(&named) = hospitals.iter().find(|&&h| !registered(h)) else { continue };
            let Some(unnamed) = d.hospitals.indices().find(|h| !hospitals.contains(h) && !registered(*h)) else {
                continue;
            };
            return (
                d.patients[patient].id.to_string(),
                d.hospitals[named].id.to_string(),
                d.hospitals[unnamed].id.to_string(),
                consent.id.to_string(),
            );
        }
    }
    panic!("the demo has a registrable patient in area {area}");
}

/// The first rank none of the patient's active registrations holds.
fn free_rank(app: &TestApp, patient: &str) -> u8 {
    let snapshot = app.state.snapshot();
    let d = snapshot.dataset();
    let p = d.patients.lookup(patient).expect("patient");
    let taken: Vec<u8> = d
        .registrations_of_patient(p)
        .iter()
        .map(|&r| &d.registrations[r])
        .filter(|r| r.is_active())
        .map(|r| r.rank)
        .collect();
    (1..=10).find(|rank| !taken.contains(rank)).expect("a free rank")
}

async fn registrations(app: TestApp) {
    let demo = demo_city(app).await;
    let coordinator = &demo.tokens.coordinator;
    let (patient, named, unnamed, consent) = registrable(&demo.app, &demo.people.area);
    let rank = free_rank(&demo.app, &patient);

    // A body of the wrong shape is refused naming the field, in the service's own error;
    // one without a JSON Content-Type too. Nothing is written.
    let version = demo.data_version();
    let path = format!("/patients/{patient}/registrations");
    for (body, field) in [(json!({"hospital": named, "rank": "一"}), "rank"), (json!({"rank": rank}), "hospital")] {
        let refused = demo.post_json(&path, coordinator, &body, &[]).await;
        refused.expect(422);
        assert_eq!(refused.json["error"]["code"], "invalid", "{}", refused.text);
        assert_eq!(refused.json["error"]["problems"][0]["field"], field, "{}", refused.text);
    }
    let body = json!({"hospital": named, "rank": rank});
    let plain = demo.post_json(&path, coordinator, &body, &[("content-type", "text/plain")]).await;
    plain.expect(400);
    assert_eq!(plain.json["error"]["field"], "Content-Type", "{}", plain.text);
    assert_eq!(demo.data_version(), version);

    // Not around the workflow through the generic rows (only an admin corrects them).
    let direct = json!({"id": "R-DIRECT", "patient": patient, "hospital": named, "rank": 3, "status": "登録済"});
    let refused = demo.post_json("/registrations", coordinator, &direct, &[]).await;
    refused.expect(400);
    assert_eq!(refused.json["error"]["field"], "kind", "{}", refused.text);
    assert!(refused.text.contains("/patients/{id}/registrations"), "{}", refused.text);
    assert_eq!(demo.data_version(), version);

    // No consent naming the hospital, no registration; nothing is written.
    let refused = demo
        .post_json(
            &format!("/patients/{patient}/registrations"),
            coordinator,
            &json!({"hospital": unnamed, "rank": rank}),
            &[],
        )
        .await;
    refused.expect(422);
    assert_eq!(refused.json["error"]["problems"][0]["field"], "consent", "{}", refused.text);
    assert_eq!(demo.data_version(), version);

    // With it: requested, then the hospital's ward confirms (its own hospital only).
    let created = demo
        .post_json(
            &format!("/patients/{patient}/registrations"),
            coordinator,
            &json!({"hospital": named, "rank": rank}),
            &[],
        )
        .await;
    created.expect(201);
    assert_eq!(created.json["fields"]["status"], "申請中");
    assert_eq!(created.json["fields"]["consent"], consent.as_str());
    let id = created.json["id"].as_str().unwrap().to_owned();
    let etag = created.etag();
    let ward = demo_ward(&demo.app, &named).await;
    let other_ward = demo_ward(&demo.app, &unnamed).await;
    demo.post_json(&format!("/registrations/{id}/confirm"), &other_ward, &json!({}), &[("if-match", &etag)])
        .await
        .expect(403);
    demo.post_json(&format!("/registrations/{id}/confirm"), &ward, &json!({}), &[]).await.expect(428);
    let confirmed =
        demo.post_json(&format!("/registrations/{id}/confirm"), &ward, &json!({}), &[("if-match", &etag)]).await;
    confirmed.expect(200);
    assert_eq!(confirmed.json["fields"]["status"], "登録済");
    // Confirming twice is a conflict of state; a stale ETag too.
    let again = demo
        .post_json(&format!("/registrations/{id}/confirm"), &ward, &json!({}), &[("if-match", &confirmed.etag())])
        .await;
    again.expect(409);
    demo.post_json(&format!("/registrations/{id}/decline"), &ward, &json!({"reason": "満床"}), &[("if-match", &etag)])
        .await
        .expect(409);

    // The ward now sees the patient among its registered patients.
    let listed = demo.get(&format!("/hospitals/{named}/registered-patients"), &ward).await;
    listed.expect(200);
    assert!(listed.json["patients"].as_array().unwrap().iter().any(|p| p["patient"]["id"] == patient.as_str()));

    // The ranked list carries reasons, and the new registration.
    let list = demo.get(&format!("/patients/{patient}/backup-hospitals"), coordinator).await;
    list.expect(200);
    let entries = list.json["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    assert!(entries.iter().all(|e| !e["reason"].as_str().unwrap_or_default().is_empty()), "{}", list.text);
    demo.get(&format!("/patients/{patient}/backup-hospitals"), &demo.tokens.ward).await.expect(403);

    // Withdrawing the consent withdraws every registration resting on it, at once.
    let consent_etag = demo.get(&format!("/consents/{consent}"), coordinator).await.etag();
    let withdrawn = demo
        .post_json(&format!("/consents/{consent}/withdraw"), coordinator, &json!({}), &[("if-match", &consent_etag)])
        .await;
    withdrawn.expect(200);
    let gone: Vec<&str> =
        withdrawn.json["registrations_withdrawn"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(gone.contains(&id.as_str()), "{}", withdrawn.text);
    let after = demo.get(&format!("/registrations/{id}"), coordinator).await;
    assert_eq!(after.json["fields"]["status"], "撤回");
    let listed = demo.get(&format!("/hospitals/{named}/registered-patients"), &ward).await;
    assert!(!listed.json["patients"].as_array().unwrap().iter().any(|p| p["patient"]["id"] == patient.as_str()));

    // The registration was recorded as a provision of data to the hospital.
    let audit = demo.get(&format!("/audit?patient={patient}&action=provide"), &demo.tokens.admin).await;
    let entries = audit.json["entries"].as_array().unwrap();
    assert!(
        entries.iter().any(|e| e["actor"] == labels::COORDINATOR && e["detail"].as_str().unwrap().contains(&named)),
        "{}",
        audit.text
    );
}

/// A token for the ward of `hospital`.
async fn demo_ward(app: &TestApp, hospital: &str) -> String {
    use renkei_service::server::auth::Role;
    renkei_service::demo::issue_token(&app.state, &format!("病棟 {hospital}"), &Role::Hospital(hospital.to_owned()))
        .await
        .unwrap()
}

async fn quotas_and_admissions(app: TestApp) {
    let demo = demo_city(app).await;
    let coordinator = &demo.tokens.coordinator;
    let area = demo.people.area.clone();
    let quotas = demo.get(&format!("/areas/{area}/quotas"), coordinator).await;
    quotas.expect(200);
    assert_eq!(quotas.json["proof"]["status"], "optimal", "{}", &quotas.text[..quotas.text.len().min(400)]);
    demo.get(&format!("/areas/{area}/quotas"), &demo.tokens.doctor).await.expect(403);

    // An admission: whom to call in order; a refusal with its reason; the next one accepts.
    let patient = demo.people.patient.clone();
    let doctor = &demo.tokens.doctor;
    let admit_path = format!("/patients/{patient}/admissions");
    let admit_body = json!({"note": "誤嚥性肺炎の疑い"});
    let key = [("idempotency-key", "admit-1")];
    let opened = demo.post_json(&admit_path, doctor, &admit_body, &key).await;
    opened.expect(201);
    let admission = opened.json["admission"]["id"].as_str().unwrap().to_owned();
    // A retried request (same key) is the same admission, never a second one.
    let version = demo.data_version();
    let again = demo.post_json(&admit_path, doctor, &admit_body, &key).await;
    again.expect(201);
    assert_eq!(again.header("idempotent-replay"), Some("true"));
    assert_eq!(again.json["admission"]["id"], admission.as_str(), "{}", again.text);
    assert_eq!(demo.data_version(), version, "nothing written by the replay");
    demo.post_json(&admit_path, doctor, &json!({"note": "別の内容"}), &key).await.expect(422);
    let next: Vec<String> = opened.json["plan"]["next"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", opened.text))
        .iter()
        .map(|c| c["hospital_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(next.len() >= 2, "{}", opened.text);
    let no_reason = demo
        .post_json(
            &format!("/admissions/{admission}/attempts"),
            doctor,
            &json!({"hospital": next[0], "outcome": "断り"}),
            &[],
        )
        .await;
    no_reason.expect(422);
    assert_eq!(no_reason.json["error"]["problems"][0]["field"], "reason");
    let call = json!({"hospital": next[0], "outcome": "断り", "reason": "満床"});
    let key = [("idempotency-key", "call-1")];
    let declined = demo.post_json(&format!("/admissions/{admission}/attempts"), doctor, &call, &key).await;
    declined.expect(201);
    let again = demo.post_json(&format!("/admissions/{admission}/attempts"), doctor, &call, &key).await;
    again.expect(201);
    assert_eq!(again.header("idempotent-replay"), Some("true"));
    assert_eq!(again.json["attempts"].as_array().map(Vec::len), Some(1), "the call is recorded once: {}", again.text);
    let after: Vec<&str> =
        declined.json["next"].as_array().unwrap().iter().map(|c| c["hospital_id"].as_str().unwrap()).collect();
    assert!(!after.contains(&next[0].as_str()), "a hospital that declined is not called again: {after:?}");
    let accepted = demo
        .post_json(
            &format!("/admissions/{admission}/attempts"),
            doctor,
            &json!({"hospital": after[0], "outcome": "受入"}),
            &[],
        )
        .await;
    accepted.expect(201);
    assert!(accepted.json["next"].as_array().unwrap().is_empty(), "nobody to call once admitted");
    demo.post_json(
        &format!("/admissions/{admission}/attempts"),
        doctor,
        &json!({"hospital": after[0], "outcome": "受入"}),
        &[],
    )
    .await
    .expect(409);

    // The accepting hospital's ward records the discharge; the two tasks appear.
    let ward = demo_ward(&demo.app, after[0]).await;
    let on = (to_jst(chrono::Utc::now()).date_naive() + chrono::Duration::days(10)).to_string();
    demo.post_json(&format!("/admissions/{admission}/discharge"), &demo.tokens.nurse, &json!({"on": on}), &[])
        .await
        .expect(403);
    let discharged =
        demo.post_json(&format!("/admissions/{admission}/discharge"), &ward, &json!({"on": on}), &[]).await;
    discharged.expect(200);
    assert_eq!(discharged.json["discharge_on"], on.as_str(), "{}", discharged.text);
    assert_eq!(discharged.json["tasks"].as_array().map(Vec::len), Some(2), "{}", discharged.text);
    for other in ["attempts", "next", "accepted"] {
        assert!(discharged.json.get(other).is_none(), "the ward is not shown {other}: {}", discharged.text);
    }
    let tasks = demo.get("/discharge_tasks?limit=10000", doctor).await;
    let mine: Vec<&Value> = tasks.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["fields"]["admission"] == admission.as_str())
        .collect();
    let kinds: Vec<&str> = mine.iter().map(|t| t["fields"]["kind"].as_str().unwrap()).collect();
    assert_eq!(mine.len(), 2, "{kinds:?}");
    assert!(kinds.contains(&"主治医への退院連絡") && kinds.contains(&"退院前カンファレンス"), "{kinds:?}");
    demo.post_json(&format!("/admissions/{admission}/discharge"), doctor, &json!({"on": on}), &[]).await.expect(409);
}

/// A patient of the coordinator's area with a 専門医相談 consent in force naming a
/// specialist, and a specialist of the same specialty it does not name.
fn consultable(app: &TestApp) -> Option<(String, String, String)> {
    let snapshot = app.state.snapshot();
    let d = snapshot.dataset();
    let today = to_jst(chrono::Utc::now()).date_naive();
    d.patients.indices().find_map(|patient: Idx<Patient>| {
        d.consents_of_patient(patient).iter().map(|&c| &d.consents[c]).find_map(|consent| {
            let ConsentScope::SpecialistConsult { specialists } = &consent.scope else { return None };
            if consent.kind() != ConsentKind::SpecialistConsult || !consent.in_force_on(today) {
                return None;
            }
            let named = specialists.iter().copied().find(|&s| {
                let sp = &d.specialists[s];
                sp.capacity.is_none_or(|cap| renkei_core::consult::open_load(d, s) < cap)
            })?;
            let specialty = d.specialists[named].specialty.clone();
            let unnamed = d.specialists.indices().find(|s| !specialists.contains(s))?;
            let _ = specialty;
            Some((
                d.patients[patient].id.to_string(),
                d.specialists[named].id.to_string(),
                d.specialists[unnamed].id.to_string(),
            ))
        })
    })
}

async fn consults(app: TestApp) {
    let demo = demo_city(app).await;
    let admin = &demo.tokens.admin;
    let (patient, named, unnamed) = consultable(&demo.app).expect("the demo has a patient with a consult consent");
    let plan = demo.get(&format!("/patients/{patient}/consult-plan?symptom=褥瘡（仙骨部）&mode=往診"), admin).await;
    plan.expect(200);
    assert_eq!(
        plan.json["routing"]["specialties"][0]["specialty"],
        "皮膚科",
        "{}",
        &plan.text[..plan.text.len().min(300)]
    );
    let unknown = demo.get(&format!("/patients/{patient}/consult-plan?symptom=骨せつ"), admin).await;
    unknown.expect(422);
    assert_eq!(unknown.json["error"]["problems"][0]["field"], "symptom");
    demo.get(&format!("/patients/{patient}/consult-plan?symptom=褥瘡"), &demo.tokens.ward).await.expect(403);

    let mode_of = |id: &str| {
        let snapshot = demo.state.snapshot();
        let d = snapshot.dataset();
        d.specialists[d.specialists.lookup(id).unwrap()].modes[0].code().to_owned()
    };
    let refused = demo
        .post_json(
            &format!("/patients/{patient}/consults"),
            admin,
            &json!({"specialist": unnamed, "symptom": "褥瘡", "mode": mode_of(&unnamed)}),
            &[],
        )
        .await;
    refused.expect(422);
    assert_eq!(refused.json["error"]["problems"][0]["field"], "consent", "{}", refused.text);

    let body = json!({"specialist": named, "symptom": "腰痛", "mode": mode_of(&named)});
    let key = [("idempotency-key", "consult-1")];
    let created = demo.post_json(&format!("/patients/{patient}/consults"), admin, &body, &key).await;
    created.expect(201);
    let replayed = demo.post_json(&format!("/patients/{patient}/consults"), admin, &body, &key).await;
    replayed.expect(201);
    assert_eq!(replayed.json["id"], created.json["id"]);
    let id = created.json["id"].as_str().unwrap().to_owned();
    assert_eq!(created.json["fields"]["status"], "依頼");

    let accepted =
        demo.post_json(&format!("/consults/{id}/accept"), admin, &json!({}), &[("if-match", &created.etag())]).await;
    accepted.expect(200);
    // Reporting before advice or a visit is not a step the consult can take.
    demo.post_json(
        &format!("/consults/{id}/report"),
        admin,
        &json!({"report": "x"}),
        &[("if-match", &accepted.etag())],
    )
    .await
    .expect(409);
    let accepted =
        demo.post_json(&format!("/consults/{id}/advise"), admin, &json!({}), &[("if-match", &accepted.etag())]).await;
    accepted.expect(200);
    assert_eq!(accepted.json["fields"]["status"], "助言済");
    let empty =
        demo.post_json(&format!("/consults/{id}/report"), admin, &json!({}), &[("if-match", &accepted.etag())]).await;
    empty.expect(422);
    let reported = demo
        .post_json(
            &format!("/consults/{id}/report"),
            admin,
            &json!({"report": "湿潤環境を保ち2週間後に再診"}),
            &[("if-match", &accepted.etag())],
        )
        .await;
    reported.expect(200);
    assert_eq!(reported.json["fields"]["status"], "報告済");
    demo.post_json(&format!("/consults/{id}/cancel"), admin, &json!({}), &[("if-match", &reported.etag())])
        .await
        .expect(409);

    let audit = demo.get(&format!("/audit?patient={patient}&action=provide"), admin).await;
    assert!(
        audit.json["entries"].as_array().unwrap().iter().any(|e| e["detail"].as_str().unwrap().contains(&named)),
        "{}",
        audit.text
    );
}

/// A patient with no open admission whose group-cover consent in force lets a doctor of
/// their group other than their 主治医 see them: (patient, that doctor, the 主治医).
fn group_covered(app: &TestApp) -> (String, String, String) {
    let snapshot = app.state.snapshot();
    let d = snapshot.dataset();
    let today = to_jst(chrono::Utc::now()).date_naive();
    for patient in d.patients.indices() {
        let p = &d.patients[patient];
        if renkei_core::backup::open_admission(d, patient, today).is_some() {
            continue;
        }
        for &c in d.consents_of_patient(patient) {
            let consent = &d.consents[c];
            let ConsentScope::GroupCover { doctors } = &consent.scope else { continue };
            if !consent.in_force_on(today) {
                continue;
            }
            let covering = d.groups[p.group]
                .members
                .iter()
                .find(|&&m| m != p.primary_doctor && (doctors.is_empty() || doctors.contains(&m)));
            if let Some(&doctor) = covering {
                return (
                    p.id.to_string(),
                    d.doctors[doctor].id.to_string(),
                    d.doctors[p.primary_doctor].id.to_string(),
                );
            }
        }
    }
    panic!("the demo has a patient under group cover by another doctor of the group");
}

/// The time `minutes` from now, JST, to the minute, as a call's `at` is typed.
fn jst_in(minutes: i64) -> String {
    to_jst(chrono::Utc::now() + chrono::Duration::minutes(minutes)).format("%Y-%m-%dT%H:%M").to_string()
}

async fn admissions_one_at_a_time_by_the_doctors_of_the_group(app: TestApp) {
    use renkei_service::server::auth::Role;
    let demo = demo_city(app).await;
    let (patient, group_doctor, primary) = group_covered(&demo.app);
    let issue = |label: &'static str, role: Role| {
        let state = demo.state.clone();
        async move { renkei_service::demo::issue_token(&state, label, &role).await.expect("token") }
    };
    let on_call = issue("当番のグループ医 (group doctor)", Role::Doctor(group_doctor.clone())).await;
    let primary = issue("主治医 (primary doctor)", Role::Doctor(primary)).await;

    // The group doctor who sees the patient under the group-cover consent opens the
    // admission and records the calls; the visiting nurse, who sees the patient too, calls
    // a doctor instead.
    demo.get(&format!("/patients/{patient}/admission-plan"), &on_call).await.expect(200);
    let own = &demo.people.patient;
    demo.get(&format!("/patients/{own}/admission-plan"), &demo.tokens.nurse).await.expect(200);
    demo.post_json(&format!("/patients/{own}/admissions"), &demo.tokens.nurse, &json!({}), &[]).await.expect(403);
    let admit_path = format!("/patients/{patient}/admissions");
    let opened = demo.post_json(&admit_path, &on_call, &json!({"note": "夜間の呼吸困難"}), &[]).await;
    opened.expect(201);
    let admission = opened.json["admission"]["id"].as_str().unwrap().to_owned();
    let first = opened.json["plan"]["next"][0]["hospital_id"].as_str().unwrap().to_owned();

    // A second admission while this one is open is refused, naming it, and nothing is
    // written; the 主治医 adds the calls to the open one.
    let version = demo.data_version();
    let second = demo.post_json(&admit_path, &primary, &json!({}), &[]).await;
    second.expect(409);
    assert!(second.json["error"]["message"].as_str().unwrap().contains(&admission), "{}", second.text);
    assert_eq!(demo.data_version(), version);

    // A call is recorded once made: not an hour ahead (a clock two minutes fast is fine).
    let attempts = format!("/admissions/{admission}/attempts");
    let ahead = demo
        .post_json(&attempts, &on_call, &json!({"hospital": first, "outcome": "受入", "at": jst_in(60)}), &[])
        .await;
    ahead.expect(422);
    assert_eq!(ahead.json["error"]["problems"][0]["field"], "at", "{}", ahead.text);
    assert_eq!(demo.data_version(), version);
    let accepted =
        demo.post_json(&attempts, &on_call, &json!({"hospital": first, "outcome": "受入", "at": jst_in(2)}), &[]).await;
    accepted.expect(201);
    let plan = demo.get(&format!("/patients/{patient}/admission-plan"), &primary).await;
    plan.expect(200);
    assert_eq!(plan.json["admission_id"], admission.as_str(), "{}", plan.text);
    assert_eq!(plan.json["accepted"]["hospital_id"], first.as_str(), "{}", plan.text);
    assert!(plan.json["next"].as_array().unwrap().is_empty(), "nobody to call: {}", plan.text);
    demo.post_json(&admit_path, &primary, &json!({}), &[]).await.expect(409);

    // Two clinicians pressing the button at once: one admission.
    let path = format!("/patients/{}/admissions", never_admitted(&demo.app));
    let admin = &demo.tokens.admin;
    let (body_a, body_b) = (json!({"note": "A"}), json!({"note": "B"}));
    let (a, b) = tokio::join!(demo.post_json(&path, admin, &body_a, &[]), demo.post_json(&path, admin, &body_b, &[]));
    let mut statuses = [a.status.as_u16(), b.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409], "A: {} / B: {}", a.text, b.text);

    // And through two instances of the service on one database: the second still holds
    // the data from before the first wrote, checks against it, loses the compare-and-set,
    // and checks again on fresh data.
    let third = never_admitted(&demo.app);
    let other = TestApp::instance(&demo.url).await;
    let other_router = renkei_service::server::app(other.clone());
    let path = format!("/patients/{third}/admissions");
    let here = demo.post_json(&path, admin, &json!({}), &[]).await;
    here.expect(201);
    let there =
        crate::common::send_to(&other_router, axum::http::Method::POST, &path, Some(admin), Some(&json!({})), &[])
            .await;
    there.expect(409);
    assert!(there.text.contains(here.json["admission"]["id"].as_str().unwrap()), "{}", there.text);
    let snapshot = other.snapshot();
    let d = snapshot.dataset();
    let admissions = d.admissions_of_patient(d.patients.lookup(&third).unwrap()).len();
    assert_eq!(admissions, 1, "the other instance reloaded and wrote nothing");
}

/// The first patient with no admission at all.
fn never_admitted(app: &TestApp) -> String {
    let snapshot = app.state.snapshot();
    let d = snapshot.dataset();
    let patient =
        d.patients.indices().find(|&p| d.admissions_of_patient(p).is_empty()).expect("a patient never admitted");
    d.patients[patient].id.to_string()
}

/// A confirmed registration, confirmed after it was requested, under a consent in force:
/// (registration, its consent, its request date, its confirmation date).
fn confirmed_later(app: &TestApp) -> (String, String, chrono::NaiveDate, chrono::NaiveDate) {
    let snapshot = app.state.snapshot();
    let d = snapshot.dataset();
    let today = to_jst(chrono::Utc::now()).date_naive();
    d.registrations
        .iter()
        .find_map(|r| {
            let decided = r.decided_on?;
            let consent = &d.consents[r.consent];
            (r.status == renkei_core::domain::RegistrationStatus::Confirmed
                && decided > r.requested_on
                && decided > consent.date
                && r.info_shared_on.is_none()
                && consent.in_force_on(today))
            .then(|| (r.id.to_string(), consent.id.to_string(), r.requested_on.max(consent.date), decided))
        })
        .expect("the demo has a registration confirmed some days after it was requested")
}

/// A patient with an active registration, and a hospital their consent in force names
/// that they are not actively registered with: (patient, hospital, a rank held, the
/// registration holding it).
fn rank_clash(app: &TestApp) -> (String, String, u8, String) {
    let snapshot = app.state.snapshot();
    let d = snapshot.dataset();
    let today = to_jst(chrono::Utc::now()).date_naive();
    for patient in d.patients.indices() {
        let active: Vec<_> = d
            .registrations_of_patient(patient)
            .iter()
            .map(|&r| &d.registrations[r])
            .filter(|r| r.is_active())
            .collect();
        let Some(held) = active.first() else { continue };
        for &c in d.consents_of_patient(patient) {
            let consent = &d.consents[c];
            let ConsentScope::BackupHospital { hospitals } = &consent.scope else { continue };
            if !consent.in_force_on(today) {
                continue;
            }
            if let Some(&free) = hospitals.iter().find(|&&h| active.iter().all(|r| r.hospital != h)) {
                return (
                    d.patients[patient].id.to_string(),
                    d.hospitals[free].id.to_string(),
                    held.rank,
                    held.id.to_string(),
                );
            }
        }
    }
    panic!("the demo has a patient with a registration and a named hospital to register");
}

async fn registration_dates_and_ranks(app: TestApp) {
    let demo = demo_city(app).await;
    let admin = &demo.tokens.admin;
    let today = to_jst(chrono::Utc::now()).date_naive();
    let tomorrow = (today + chrono::Duration::days(1)).to_string();

    // One hospital per rank among a patient's active registrations, 1–10.
    let (patient, hospital, held, holder) = rank_clash(&demo.app);
    let path = format!("/patients/{patient}/registrations");
    let version = demo.data_version();
    let clash = demo.post_json(&path, admin, &json!({"hospital": hospital, "rank": held}), &[]).await;
    clash.expect(422);
    assert_eq!(clash.json["error"]["problems"][0]["field"], "rank", "{}", clash.text);
    assert!(clash.text.contains(&holder), "{}", clash.text);
    let beyond = demo.post_json(&path, admin, &json!({"hospital": hospital, "rank": 11}), &[]).await;
    beyond.expect(422);
    assert_eq!(beyond.json["error"]["problems"][0]["field"], "rank", "{}", beyond.text);
    assert_eq!(demo.data_version(), version);
    let created = demo.post_json(&path, admin, &json!({"hospital": hospital, "rank": 10}), &[]).await;
    created.expect(201);
    let id = created.json["id"].as_str().unwrap().to_owned();

    // A step is recorded once it happened: not dated tomorrow.
    let confirm = format!("/registrations/{id}/confirm");
    let ahead = demo.post_json(&confirm, admin, &json!({"on": tomorrow}), &[("if-match", &created.etag())]).await;
    ahead.expect(422);
    assert_eq!(ahead.json["error"]["problems"][0]["field"], "on", "{}", ahead.text);
    demo.post_json(&confirm, admin, &json!({"on": today}), &[("if-match", &created.etag())]).await.expect(200);

    // A withdrawal is not dated before the registration's confirmation, nor the consent's
    // withdrawal (which withdraws it) before then, nor tomorrow.
    let (registration, consent, requested, decided) = confirmed_later(&demo.app);
    let version = demo.data_version();
    let etag = demo.get(&format!("/registrations/{registration}"), admin).await.etag();
    let early = requested.max(decided - chrono::Duration::days(1)).to_string();
    let refused = demo
        .post_json(
            &format!("/registrations/{registration}/withdraw"),
            admin,
            &json!({"on": early}),
            &[("if-match", &etag)],
        )
        .await;
    refused.expect(422);
    assert_eq!(refused.json["error"]["problems"][0]["field"], "on", "{}", refused.text);
    assert!(refused.text.contains("確定日"), "{}", refused.text);
    let consent_etag = demo.get(&format!("/consents/{consent}"), admin).await.etag();
    let withdraw = format!("/consents/{consent}/withdraw");
    for on in [early, tomorrow] {
        let refused = demo.post_json(&withdraw, admin, &json!({"on": on}), &[("if-match", &consent_etag)]).await;
        refused.expect(422);
        assert_eq!(refused.json["error"]["problems"][0]["field"], "on", "{on}: {}", refused.text);
    }
    assert_eq!(demo.data_version(), version, "nothing withdrawn");
    let after = demo.get(&format!("/registrations/{registration}"), admin).await;
    assert_eq!(after.json["fields"]["status"], "登録済");
}

crate::both!(
    registrations,
    quotas_and_admissions,
    consults,
    admissions_one_at_a_time_by_the_doctors_of_the_group,
    registration_dates_and_ranks
);
