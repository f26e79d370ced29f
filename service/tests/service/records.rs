//! Records: create, read, validation with the field named, optimistic concurrency,
//! refusals that change nothing, idempotency keys, and bulk import.

use serde_json::{Value, json};

use crate::common::{Demo, TestApp, load_demo, okayama};

fn has_japanese(text: &str) -> bool {
    text.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn has_english(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphabetic()).any(|word| word.len() >= 3)
}

/// The problems of a 422, checked to name a field and speak both languages.
#[track_caller]
fn problems(response: &crate::common::Resp) -> Vec<Value> {
    response.expect(422);
    assert_eq!(response.error_code(), "invalid");
    let problems = response.json["error"]["problems"].as_array().expect("problems").clone();
    assert!(!problems.is_empty());
    for problem in &problems {
        let message = problem["message"].as_str().unwrap_or_default();
        assert!(has_japanese(message) && has_english(message), "Japanese with English alongside: {message}");
    }
    problems
}

fn absence(id: &str, doctor: &str) -> Value {
    json!({"id": id, "doctor": doctor, "start": "2027-03-01T09:00", "end": "2027-03-03T18:00", "reason": "学会"})
}

async fn create_read_and_validate(demo: &Demo) {
    let doctor = demo.people.doctor.clone();
    let token = &demo.tokens.doctor;
    let created = demo.post_json("/absences", token, &absence("AB-T1", &doctor), &[]).await;
    created.expect(201);
    assert_eq!(created.etag(), "\"1\"");
    assert_eq!(created.header("location"), Some("/absences/AB-T1"));
    assert_eq!(created.json["fields"]["doctor"], doctor.as_str());
    let read = demo.get("/absences/AB-T1", token).await;
    read.expect(200);
    assert_eq!(read.etag(), "\"1\"");
    assert_eq!(read.json["fields"], created.json["fields"]);
    assert_eq!(read.json["updated_by"], crate::common::labels::DOCTOR);
    // The lookups see it at once: the doctor is absent then.
    let snapshot = demo.state.snapshot();
    assert!(snapshot.dataset().absences.lookup("AB-T1").is_some());

    let version = demo.data_version();
    let mut bad = absence("AB-T2", &doctor);
    bad["start"] = json!("2027-03-01 25:00");
    let response = demo.post_json("/absences", token, &bad, &[]).await;
    let found = problems(&response);
    assert!(found.iter().any(|p| p["field"] == "start" && p["record"] == "AB-T2"), "{}", response.text);
    let mut backwards = absence("AB-T2", &doctor);
    backwards["end"] = json!("2027-02-01T09:00");
    problems(&demo.post_json("/absences", token, &backwards, &[]).await);
    let mut unknown = absence("AB-T2", &doctor);
    unknown["colour"] = json!("red");
    let response = demo.post_json("/absences", token, &unknown, &[]).await;
    let found = problems(&response);
    assert_eq!(found[0]["field"], "colour", "{}", response.text);
    assert!(found[0]["message"].as_str().unwrap_or_default().contains("reason"), "lists the columns");
    let response = demo.post_json("/absences", token, &absence("AB-T2", "D9999"), &[]).await;
    assert!(matches!(response.status.as_u16(), 403 | 422), "{}", response.text);
    // A taken id.
    demo.post_json("/absences", token, &absence("AB-T1", &doctor), &[]).await.expect(409);
    assert_eq!(demo.data_version(), version, "nothing written by refused requests");
    demo.get("/absences/AB-T2", &demo.tokens.admin).await.expect(404);
}

async fn optimistic_concurrency(demo: &Demo) {
    let doctor = demo.people.doctor.clone();
    let token = &demo.tokens.doctor;
    demo.post_json("/absences", token, &absence("AB-T3", &doctor), &[]).await.expect(201);
    let path = "/absences/AB-T3";
    let mut replacement = absence("AB-T3", &doctor);
    replacement["reason"] = json!("研修");

    let response = demo.put_json(path, token, &replacement, &[]).await;
    response.expect(428);
    assert_eq!(response.json["error"]["field"], "If-Match");
    demo.patch_json(path, token, &json!({"reason": "x"}), &[]).await.expect(428);
    demo.delete(path, token, &[]).await.expect(428);
    demo.put_json(path, token, &replacement, &[("if-match", "soon")]).await.expect(400);

    let stale = demo.put_json(path, token, &replacement, &[("if-match", "\"7\"")]).await;
    stale.expect(409);
    assert_eq!(stale.error_code(), "conflict");
    assert!(stale.json["error"]["message"].as_str().unwrap_or_default().contains("\"1\""), "names the current ETag");

    let replaced = demo.put_json(path, token, &replacement, &[("if-match", "\"1\"")]).await;
    replaced.expect(200);
    assert_eq!(replaced.etag(), "\"2\"");
    assert_eq!(replaced.json["fields"]["reason"], "研修");
    // The old ETag is stale now, for every verb.
    demo.patch_json(path, token, &json!({"reason": "x"}), &[("if-match", "\"1\"")]).await.expect(409);
    demo.delete(path, token, &[("if-match", "\"1\"")]).await.expect(409);

    let patched = demo.patch_json(path, token, &json!({"reason": null}), &[("if-match", "W/\"2\"")]).await;
    patched.expect(200);
    assert_eq!(patched.etag(), "\"3\"");
    assert!(patched.json["fields"].get("reason").is_none(), "null removes a column");
    assert_eq!(patched.json["fields"]["start"], "2027-03-01T09:00", "the rest is kept");
    let invalid = demo.patch_json(path, token, &json!({"end": "2027-02-01T00:00"}), &[("if-match", "\"3\"")]).await;
    assert!(problems(&invalid).iter().any(|p| p["field"] == "end" || p["field"] == "start"), "{}", invalid.text);
    assert_eq!(demo.get(path, token).await.etag(), "\"3\"", "a refused edit leaves the version");

    demo.delete(path, token, &[("if-match", "\"3\"")]).await.expect(204);
    demo.get(path, &demo.tokens.admin).await.expect(404);
    // For others, what is gone looks like what they may not see.
    demo.get(path, token).await.expect(403);
}

async fn refusals_change_nothing(demo: &Demo) {
    let doctor = demo.people.doctor.clone();
    let path = format!("/doctors/{doctor}");
    let before = demo.get(&path, &demo.tokens.admin).await;
    before.expect(200);
    let version = demo.data_version();
    let refused = demo.delete(&path, &demo.tokens.admin, &[("if-match", &before.etag())]).await;
    let found = problems(&refused);
    assert!(found.iter().any(|p| p["file"] == "patients.csv"), "names the records that refer to it: {}", refused.text);
    assert_eq!(demo.data_version(), version);
    let after = demo.get(&path, &demo.tokens.admin).await;
    after.expect(200);
    assert_eq!(after.etag(), before.etag());
    assert_eq!(after.json, before.json);
    assert!(demo.state.snapshot().dataset().doctors.lookup(&doctor).is_some());
    // Others may not delete it at all.
    demo.delete(&path, &demo.tokens.doctor, &[("if-match", &before.etag())]).await.expect(403);
    // Nor write another doctor's schedule.
    let other = demo
        .state
        .snapshot()
        .dataset()
        .doctors
        .iter()
        .find(|d| d.id.as_str() != doctor)
        .expect("doctor")
        .id
        .to_string();
    demo.post_json("/absences", &demo.tokens.doctor, &absence("AB-T9", &other), &[]).await.expect(403);
    assert_eq!(demo.data_version(), version);
}

async fn idempotency(demo: &Demo) {
    let token = &demo.tokens.admin;
    let count = |demo: &Demo| demo.state.snapshot().records.get("symptoms").map_or(0, Vec::len);
    let before = count(demo);
    let body = json!({"symptom": "しゃっくり（試験）", "specialty": "耳鼻咽喉科"});
    let first = demo.post_json("/symptoms", token, &body, &[("idempotency-key", "k-1")]).await;
    first.expect(201);
    assert!(first.header("idempotent-replay").is_none());
    let second = demo.post_json("/symptoms", token, &body, &[("idempotency-key", "k-1")]).await;
    second.expect(201);
    assert_eq!(second.header("idempotent-replay"), Some("true"));
    assert_eq!(second.json, first.json, "the same response");
    assert_eq!(second.etag(), first.etag());
    assert_eq!(count(demo), before + 1, "one record");
    // Without a key, the same body makes another record.
    demo.post_json("/symptoms", token, &body, &[]).await.expect(201);
    assert_eq!(count(demo), before + 2);
    // A retry racing the first request (both at once, one key) is answered as the first.
    let racing = json!({"symptom": "しゃっくり（同時）", "specialty": "耳鼻咽喉科"});
    let (a, b) = tokio::join!(
        demo.post_json("/symptoms", token, &racing, &[("idempotency-key", "k-race")]),
        demo.post_json("/symptoms", token, &racing, &[("idempotency-key", "k-race")]),
    );
    a.expect(201);
    b.expect(201);
    assert_eq!(a.json["id"], b.json["id"], "one record: {} / {}", a.text, b.text);
    assert_eq!(
        [a.header("idempotent-replay"), b.header("idempotent-replay")].iter().filter(|h| h.is_some()).count(),
        1,
        "one of them replayed"
    );
    assert_eq!(count(demo), before + 3);
    // The key names one request.
    let other = json!({"symptom": "しゃっくり（別）", "specialty": "耳鼻咽喉科"});
    let reused = demo.post_json("/symptoms", token, &other, &[("idempotency-key", "k-1")]).await;
    assert_eq!(problems(&reused)[0]["field"], "Idempotency-Key");
    assert_eq!(count(demo), before + 3);
    // Keys belong to a token: another caller's same key is a new request.
    let coordinator = demo.post_json("/symptoms", &demo.tokens.coordinator, &body, &[("idempotency-key", "k-1")]).await;
    coordinator.expect(403);
    // A refused first attempt keeps no response: the key still works once allowed.
    let mut broken = absence("AB-T5", &demo.people.doctor);
    broken["end"] = json!("yesterday");
    let key = [("idempotency-key", "k-abs")];
    problems(&demo.post_json("/absences", &demo.tokens.doctor, &broken, &key).await);
    demo.post_json("/absences", &demo.tokens.doctor, &broken, &key).await.expect(422);
    demo.post_json("/absences", &demo.tokens.doctor, &absence("AB-T5", &demo.people.doctor), &key).await.expect(201);
    demo.post_json("/absences", &demo.tokens.doctor, &absence("AB-T5", &demo.people.doctor), &key).await.expect(201);
    demo.post_json("/absences", &demo.tokens.doctor, &json!(["not an object"]), &[]).await.expect(400);
}

async fn records(app: TestApp) {
    let demo = load_demo(app, &[]).await;
    create_read_and_validate(&demo).await;
    optimistic_concurrency(&demo).await;
    refusals_change_nothing(&demo).await;
    idempotency(&demo).await;
    patients_are_numbered_by_the_service(&demo).await;
    a_patient_without_its_doctor_is_invalid(&demo).await;
    group_coordinators_keep_to_their_group(&demo).await;
}

/// A patient record missing its 主治医, or naming one that does not exist, is a 422
/// naming the field, for whoever writes it (not a refusal that names nothing).
async fn a_patient_without_its_doctor_is_invalid(demo: &Demo) {
    let version = demo.data_version();
    let base = json!({"name": "テスト 患者（架空）", "birth_date": "1940-01-01", "lat": 34.65, "lon": 133.92});
    for token in [&demo.tokens.doctor, &demo.tokens.coordinator, &demo.tokens.admin] {
        let mut body = base.clone();
        if token == &demo.tokens.coordinator {
            body["group"] = json!(demo.people.group);
        }
        let found = problems(&demo.post_json("/patients", token, &body, &[]).await);
        assert_eq!(found[0]["field"], "primary_doctor", "{found:?}");
        body["primary_doctor"] = json!("D9999");
        let found = problems(&demo.post_json("/patients", token, &body, &[]).await);
        assert_eq!(found[0]["field"], "primary_doctor", "{found:?}");
    }
    // A birth date after today (the face sheet showed an age of -14).
    let mut body = base.clone();
    body["primary_doctor"] = json!(demo.people.doctor);
    body["birth_date"] = json!("2040-01-01");
    let found = problems(&demo.post_json("/patients", &demo.tokens.doctor, &body, &[]).await);
    assert_eq!(found[0]["field"], "birth_date", "{found:?}");
    // Removing it from a patient the caller may edit: the same.
    let path = format!("/patients/{}", demo.people.patient);
    let etag = demo.get(&path, &demo.tokens.doctor).await.etag();
    let found = problems(
        &demo.patch_json(&path, &demo.tokens.doctor, &json!({"primary_doctor": null}), &[("if-match", &etag)]).await,
    );
    assert_eq!(found[0]["field"], "primary_doctor", "{found:?}");
    assert_eq!(demo.data_version(), version);
}

/// A group's coordinator edits their group's record, but not the area it is in nor
/// its members (which would reach doctors outside their charge).
async fn group_coordinators_keep_to_their_group(demo: &Demo) {
    let group = demo.people.group.clone();
    let token = renkei_service::demo::issue_token(
        &demo.state,
        "テストグループ幹事 (group coordinator)",
        &renkei_service::server::auth::Role::GroupCoordinator(group.clone()),
    )
    .await
    .expect("token");
    let path = format!("/groups/{group}");
    let read = demo.get(&path, &token).await;
    read.expect(200);
    let other_area = {
        let snapshot = demo.state.snapshot();
        let d = snapshot.dataset();
        let own = d.groups[d.groups.lookup(&group).expect("group")].area;
        d.areas.iter().find(|area| d.areas.lookup(area.id.as_str()) != Some(own)).expect("another area").id.to_string()
    };
    let outsider = {
        let snapshot = demo.state.snapshot();
        let d = snapshot.dataset();
        let own = d.groups.lookup(&group).expect("group");
        d.doctors
            .iter()
            .find(|doctor| !d.groups[own].members.iter().any(|&m| d.doctors[m].id == doctor.id))
            .expect("doctor")
            .id
            .to_string()
    };
    let version = demo.data_version();
    let etag = read.etag();
    demo.patch_json(&path, &token, &json!({"area": other_area}), &[("if-match", &etag)]).await.expect(403);
    let mut members = read.json["fields"]["members"].as_array().expect("members").clone();
    members.push(json!(outsider));
    demo.patch_json(&path, &token, &json!({"members": members}), &[("if-match", &etag)]).await.expect(403);
    assert_eq!(demo.data_version(), version);
    // Its name is theirs to change.
    let renamed = demo.patch_json(&path, &token, &json!({"name": "テスト改名グループ"}), &[("if-match", &etag)]).await;
    renamed.expect(200);
    assert_eq!(renamed.json["fields"]["members"], read.json["fields"]["members"]);
}

/// A clinic doctor registers a new patient without choosing the id (a chosen id would
/// tell whether a patient exists outside their scope).
async fn patients_are_numbered_by_the_service(demo: &Demo) {
    let token = &demo.tokens.doctor;
    let existing = demo.get(&format!("/patients/{}", demo.people.patient), token).await;
    existing.expect(200);
    let mut body = existing.json["fields"].clone();
    body["name"] = json!("新規 患者（架空）");
    body["id"] = json!("P000002");
    let version = demo.data_version();
    let refused = demo.post_json("/patients", token, &body, &[]).await;
    refused.expect(400);
    assert_eq!(refused.json["error"]["field"], "id", "{}", refused.text);
    assert_eq!(demo.data_version(), version);
    body.as_object_mut().expect("object").remove("id");
    let created = demo.post_json("/patients", token, &body, &[]).await;
    created.expect(201);
    let id = created.json["id"].as_str().expect("id");
    assert!(id.starts_with('P') && id.len() == 7, "numbered like the others: {id}");
    assert_eq!(demo.get(&format!("/patients/{id}"), token).await.json["fields"]["name"], "新規 患者（架空）");
}

/// The demo directory as an import body, with `patch` applied to one file.
fn import_body(patch: impl Fn(&str, String) -> String) -> Value {
    let mut files = serde_json::Map::new();
    for entry in std::fs::read_dir(okayama()).expect("fixtures") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            let name = path.file_name().expect("name").to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).expect("read");
            files.insert(name.clone(), Value::String(patch(&name, text)));
        }
    }
    json!({ "files": files })
}

async fn import(app: TestApp) {
    let demo = load_demo(app, &["2026-12"]).await;
    let version = demo.data_version();
    let patients = demo.state.snapshot().dataset().patients.len();
    let etag = demo.get("/patients/P000001", &demo.tokens.admin).await.etag();
    // Line 4 of patients.csv (the third record) gets an impossible birth date.
    let broken = import_body(|name, text| {
        if name != "patients.csv" {
            return text;
        }
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let mut cells: Vec<String> = lines[3].split(',').map(str::to_owned).collect();
        cells[2] = "1930-02-30".to_owned();
        lines[3] = cells.join(",");
        lines.join("\n") + "\n"
    });
    let response = demo.post_json("/import", &demo.tokens.admin, &broken, &[]).await;
    let found = problems(&response);
    let problem = found.iter().find(|p| p["file"] == "patients.csv").unwrap_or_else(|| panic!("{}", response.text));
    assert_eq!(problem["line"], 4, "{}", response.text);
    assert_eq!(problem["field"], "birth_date");
    assert_eq!(demo.data_version(), version, "nothing imported");
    assert_eq!(demo.state.snapshot().dataset().patients.len(), patients);
    assert_eq!(demo.get("/patients/P000001", &demo.tokens.admin).await.etag(), etag);
    // Only the admin imports.
    let fine = import_body(|_, text| text);
    demo.post_json("/import", &demo.tokens.coordinator, &fine, &[]).await.expect(403);
    // A valid directory replaces the data; the published rota still fits it.
    let imported = demo.post_json("/import", &demo.tokens.admin, &fine, &[]).await;
    imported.expect(200);
    assert_eq!(demo.data_version(), version + 1);
    assert_eq!(demo.state.snapshot().dataset().patients.len(), patients);
    let export = demo.get("/export", &demo.tokens.admin).await;
    export.expect(200);
    assert!(export.json["files"]["patients.csv"].as_str().is_some_and(|t| t.lines().count() == patients + 1));
    // An ETag read before the import matches nothing after it: a stale If-Match is a
    // conflict, not an overwrite of what was imported.
    let now = demo.get("/patients/P000001", &demo.tokens.admin).await.etag();
    assert_ne!(now, etag);
    let stale =
        demo.patch_json("/patients/P000001", &demo.tokens.admin, &json!({"acp": "B"}), &[("if-match", &etag)]).await;
    stale.expect(409);
    demo.patch_json("/patients/P000001", &demo.tokens.admin, &json!({"acp": "B"}), &[("if-match", &now)])
        .await
        .expect(200);
}

crate::both!(records, import);
