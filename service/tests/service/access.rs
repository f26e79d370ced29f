//! The three users' questions, answered with the right token and refused with the
//! wrong one, and every access in the audit trail.

use serde_json::Value;

use crate::common::{Demo, Resp, TestApp, demo_city, labels, rota_file};

/// The fixed instant of the lookups: a Thursday 03:00 JST, inside the night slot of
/// Wednesday 2026-12-09.
const AT: &str = "2026-12-10T03:00";

fn has_japanese(text: &str) -> bool {
    text.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c))
}

fn has_english(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphabetic()).any(|word| word.len() >= 3)
}

/// Asserts a refusal that reveals nothing: the one 403 body.
#[track_caller]
fn assert_refused(response: &Resp) {
    response.expect(403);
    assert_eq!(response.error_code(), "forbidden");
    let message = response.json["error"]["message"].as_str().unwrap_or_default();
    assert!(has_japanese(message) && has_english(message), "{message}");
}

async fn nurse(demo: &Demo) {
    let p = &demo.people;
    let cover = demo.get(&format!("/patients/{}/cover?at={AT}", p.patient), &demo.tokens.nurse).await;
    cover.expect(200);
    assert_eq!(cover.json["patient"]["id"], p.patient.as_str());
    assert_eq!(cover.json["at"], "2026-12-10T03:00:00+09:00");
    let steps = cover.json["steps"].as_array().expect("steps");
    assert!(steps.len() >= 3, "{}", cover.text);
    for step in steps {
        let phone = step["phone"].as_str().unwrap_or_default();
        assert!(phone.starts_with('0') && phone.chars().filter(char::is_ascii_digit).count() >= 10, "{step}");
    }
    // At 03:00 on a rotation night the group's 当番 comes first: the one the published
    // rota file names for that slot.
    let on_duty = rota_file("2026-12")
        .duties
        .into_iter()
        .find(|duty| {
            duty.group == p.group
                && duty.date.to_string() == "2026-12-09"
                && duty.slot.code() == "weekday_night"
                && duty.role.code() == "primary"
        })
        .expect("the rota file staffs that night");
    assert_eq!(steps[0]["id"], on_duty.doctor.as_str(), "{}", cover.text);
    assert_eq!(steps[0]["role"], "当番");

    assert_refused(&demo.get(&format!("/patients/{}/cover?at={AT}", p.unserved_patient), &demo.tokens.nurse).await);
    assert_refused(&demo.get(&format!("/patients/{}/backup-hospitals", p.unserved_patient), &demo.tokens.nurse).await);
    // A station is not a doctor of any group.
    assert_refused(&demo.get(&format!("/groups/{}/on-duty?at={AT}", p.group), &demo.tokens.nurse).await);
}

async fn doctor(demo: &Demo) {
    let p = &demo.people;
    let own = demo.get(&format!("/groups/{}/on-duty?at={AT}", p.group), &demo.tokens.doctor).await;
    own.expect(200);
    assert_eq!(own.json["group"]["id"], p.group.as_str());
    assert_eq!(own.json["slot"]["kind"], "weekday_night");
    assert_eq!(own.json["until"], "2026-12-10T08:30:00+09:00");
    let primary = own.json["primary"].as_array().expect("primary");
    assert_eq!(primary.len(), 1, "{}", own.text);
    assert!(!primary[0]["phone"].as_str().unwrap_or_default().is_empty());

    assert_refused(&demo.get(&format!("/groups/{}/on-duty?at={AT}", p.other_group), &demo.tokens.doctor).await);

    let cover = demo.get(&format!("/patients/{}/cover?at={AT}", p.patient), &demo.tokens.doctor).await;
    cover.expect(200);
    assert_eq!(cover.json["patient"]["primary_doctor"], p.doctor.as_str());
    assert_eq!(cover.json["steps"][0]["id"], primary[0]["id"], "the chain starts with the on-duty doctor");

    let backup = demo.get(&format!("/patients/{}/backup-hospitals", p.patient), &demo.tokens.doctor).await;
    backup.expect(200);
    let positions: Vec<i64> =
        backup.json["entries"].as_array().expect("list").iter().filter_map(|e| e["position"].as_i64()).collect();
    assert!(!positions.is_empty() && positions.windows(2).all(|w| w[0] < w[1]), "in order: {positions:?}");
    assert!(backup.json["registered"].as_i64().is_some_and(|n| n >= 1), "{}", backup.text);
}

async fn ward(demo: &Demo) {
    let p = &demo.people;
    let list = demo.get(&format!("/hospitals/{}/registered-patients", p.hospital), &demo.tokens.ward).await;
    list.expect(200);
    let entries = list.json["patients"].as_array().expect("patients");
    let ids: Vec<&str> = entries.iter().filter_map(|e| e["patient"]["id"].as_str()).collect();
    assert!(ids.contains(&p.patient.as_str()), "{ids:?}");
    assert!(!ids.contains(&p.inactive_patient.as_str()), "a declined or withdrawn registration is not listed");
    for entry in entries {
        assert!(matches!(entry["status"]["code"].as_str(), Some("requested" | "confirmed")), "{entry}");
    }
    assert_eq!(list.json["total"].as_u64(), Some(entries.len() as u64));
    // The expected list, straight from the data.
    let snapshot = demo.state.snapshot();
    let d = snapshot.dataset();
    let hospital = d.hospitals.lookup(&p.hospital).expect("hospital");
    let active = d.registrations_of_hospital(hospital).iter().filter(|&&r| d.registrations[r].is_active()).count();
    assert_eq!(entries.len(), active);

    assert_refused(&demo.get(&format!("/hospitals/{}/registered-patients", p.other_hospital), &demo.tokens.ward).await);

    let sheet = demo.get(&format!("/patients/{}/face-sheet", p.patient), &demo.tokens.ward).await;
    sheet.expect(200);
    assert_eq!(sheet.json["patient"]["id"], p.patient.as_str());
    assert_eq!(sheet.json["primary_doctor"]["id"], p.doctor.as_str());
    assert!(sheet.json["consents"].as_array().is_some_and(|c| !c.is_empty()));
    assert!(sheet.json.get("steps").is_none() && sheet.json.get("warnings").is_none(), "no cover data");
    for registration in sheet.json["registrations"].as_array().expect("registrations") {
        assert_eq!(registration["hospital"], p.hospital.as_str(), "only the ward's own registration");
    }

    assert_refused(&demo.get(&format!("/patients/{}/cover?at={AT}", p.patient), &demo.tokens.ward).await);
    assert_refused(&demo.get(&format!("/patients/{}/backup-hospitals", p.patient), &demo.tokens.ward).await);
    assert_refused(&demo.get(&format!("/patients/{}/face-sheet", p.inactive_patient), &demo.tokens.ward).await);
    assert_refused(&demo.get(&format!("/patients/{}", p.patient), &demo.tokens.ward).await);
}

async fn strangers(demo: &Demo) {
    let path = format!("/patients/{}/cover?at={AT}", demo.people.patient);
    for response in [
        demo.get_anonymous(&path).await,
        demo.get(&path, "not-a-token").await,
        demo.send(axum::http::Method::GET, &path, None, None, &[("authorization", "Basic dXNlcjpwdw==")]).await,
    ] {
        response.expect(401);
        assert_eq!(response.error_code(), "unauthorized");
        assert!(response.json["error"].get("problems").is_none());
    }
    // An absent patient looks exactly like one out of scope, except to the admin.
    let absent = demo.get(&format!("/patients/P999999/cover?at={AT}"), &demo.tokens.nurse).await;
    let hidden =
        demo.get(&format!("/patients/{}/cover?at={AT}", demo.people.unserved_patient), &demo.tokens.nurse).await;
    assert_refused(&absent);
    assert_eq!(absent.json, hidden.json);
    assert_refused(&demo.get("/patients/P999999/face-sheet", &demo.tokens.ward).await);
    let admin = demo.get(&format!("/patients/P999999/cover?at={AT}"), &demo.tokens.admin).await;
    admin.expect(404);
    assert_eq!(admin.error_code(), "not_found");
    assert_eq!(demo.get("/groups/G-NOPE/on-duty", &demo.tokens.admin).await.status.as_u16(), 404);
}

async fn three_users(app: TestApp) {
    let demo = demo_city(app).await;
    nurse(&demo).await;
    doctor(&demo).await;
    ward(&demo).await;
    strangers(&demo).await;
    absent_on_duty(&demo).await;
}

/// A sudden absence of the rostered 当番: the group's on-duty answer no longer lists
/// them to call, says why, and the patient's chain skips them too.
async fn absent_on_duty(demo: &Demo) {
    let p = &demo.people;
    let before = demo.get(&format!("/groups/{}/on-duty?at={AT}", p.group), &demo.tokens.admin).await;
    before.expect(200);
    assert_eq!(before.json["absent"], serde_json::json!([]));
    let rostered = before.json["primary"][0]["id"].as_str().expect("a 当番").to_owned();
    let absence = serde_json::json!({"id": "AB-SUDDEN", "doctor": rostered, "start": "2026-12-10T01:00",
        "end": "2026-12-10T12:00", "reason": "急病"});
    demo.post_json("/absences", &demo.tokens.admin, &absence, &[]).await.expect(201);

    let after = demo.get(&format!("/groups/{}/on-duty?at={AT}", p.group), &demo.tokens.doctor).await;
    after.expect(200);
    let listed = |role: &str| -> Vec<String> {
        after.json[role].as_array().expect(role).iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect()
    };
    assert!(!listed("primary").contains(&rostered), "{}", after.text);
    let absent = after.json["absent"].as_array().expect("absent");
    assert_eq!(absent.len(), 1, "{}", after.text);
    assert_eq!(absent[0]["doctor"]["id"], rostered.as_str());
    assert_eq!(absent[0]["role"], "当番");
    assert_eq!(absent[0]["absence"]["id"], "AB-SUDDEN");
    assert_eq!(absent[0]["absence"]["until"], "2026-12-10T12:00:00+09:00");
    let message = after.json["message"].as_str().unwrap_or_default();
    assert!(message.contains("不在") && has_english(message), "{message}");
    // Outside the absence the rota's 当番 is listed again.
    let later = demo.get(&format!("/groups/{}/on-duty?at=2026-12-10T00:30", p.group), &demo.tokens.admin).await;
    assert!(later.json["primary"].as_array().expect("primary").iter().any(|c| c["id"] == rostered.as_str()));

    let cover = demo.get(&format!("/patients/{}/cover?at={AT}", p.patient), &demo.tokens.doctor).await;
    cover.expect(200);
    let steps = cover.json["steps"].as_array().expect("steps");
    assert!(steps.iter().all(|step| step["id"] != rostered.as_str() || step["role"] != "当番"), "{}", cover.text);
}

/// Entries of the audit trail matching `filter`.
async fn audit_entries(demo: &Demo, query: &str) -> Vec<Value> {
    let response = demo.get(&format!("/audit?limit=5000{query}"), &demo.tokens.admin).await;
    response.expect(200);
    response.json["entries"].as_array().expect("entries").clone()
}

#[track_caller]
fn find<'e>(entries: &'e [Value], actor: &str, resource: &str, patient: &str, result: &str) -> &'e Value {
    entries
        .iter()
        .find(|e| e["actor"] == actor && e["resource"] == resource && e["patient"] == patient && e["result"] == result)
        .unwrap_or_else(|| {
            panic!("no audit entry {actor} {resource} {patient} {result} among:\n{}", Value::from(entries.to_vec()))
        })
}

async fn audit_trail(app: TestApp) {
    let demo = demo_city(app).await;
    let p = demo.people.clone();
    let cover = "GET /patients/{id}/cover";
    demo.get(&format!("/patients/{}/cover?at={AT}", p.patient), &demo.tokens.nurse).await.expect(200);
    demo.get(&format!("/patients/{}/cover?at={AT}", p.unserved_patient), &demo.tokens.nurse).await.expect(403);
    demo.get(&format!("/patients/{}/cover?at={AT}", p.patient), &demo.tokens.doctor).await.expect(200);
    demo.get(&format!("/patients/{}/face-sheet", p.patient), &demo.tokens.ward).await.expect(200);
    demo.get(&format!("/patients/{}/cover?at={AT}", p.patient), &demo.tokens.ward).await.expect(403);
    demo.get(&format!("/hospitals/{}/registered-patients", p.hospital), &demo.tokens.ward).await.expect(200);
    // A write of patient data by the 主治医.
    let record = demo.get(&format!("/patients/{}", p.patient), &demo.tokens.doctor).await;
    record.expect(200);
    let etag = record.etag();
    demo.patch_json(
        &format!("/patients/{}", p.patient),
        &demo.tokens.doctor,
        &serde_json::json!({"acp": "自宅で過ごしたい"}),
        &[("if-match", &etag)],
    )
    .await
    .expect(200);

    // A refused write of patient data is recorded too.
    demo.patch_json(
        &format!("/patients/{}", p.patient),
        &demo.tokens.nurse,
        &serde_json::json!({"acp": "書き換え"}),
        &[("if-match", &etag)],
    )
    .await
    .expect(403);

    // Only the admin reads the trail.
    for token in [&demo.tokens.nurse, &demo.tokens.doctor, &demo.tokens.ward, &demo.tokens.coordinator] {
        assert_refused(&demo.get("/audit", token).await);
        assert_refused(&demo.get("/audit/verify", token).await);
    }

    // A list read is recorded under each patient listed.
    let listed = demo.get("/patients?limit=3", &demo.tokens.doctor).await;
    listed.expect(200);
    let listed: Vec<String> = listed.json["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["id"].as_str().expect("id").to_owned())
        .collect();
    assert!(!listed.is_empty());

    let entries = audit_entries(&demo, "").await;
    for patient in &listed {
        assert_eq!(find(&entries, labels::DOCTOR, "GET /patients", patient, "200")["action"], "read");
    }
    let nurse_read = find(&entries, labels::NURSE, cover, &p.patient, "200");
    assert_eq!(nurse_read["role"], format!("station:{}", p.station));
    assert_eq!(nurse_read["action"], "read");
    assert!(nurse_read["at"].as_str().is_some_and(|at| at.starts_with("20") && at.ends_with('Z')));
    let refused = find(&entries, labels::NURSE, cover, &p.unserved_patient, "403");
    assert_eq!(refused["action"], "read");
    assert_eq!(find(&entries, labels::DOCTOR, cover, &p.patient, "200")["role"], format!("doctor:{}", p.doctor));
    let provided = find(&entries, labels::WARD, "GET /patients/{id}/face-sheet", &p.patient, "200");
    assert_eq!(provided["action"], "provide");
    assert_eq!(provided["role"], format!("hospital:{}", p.hospital));
    assert!(provided["detail"].as_str().is_some_and(|d| d.contains(&p.hospital)), "names the recipient");
    find(&entries, labels::WARD, cover, &p.patient, "403");
    let listed = find(&entries, labels::WARD, "GET /hospitals/{id}/registered-patients", &p.patient, "200");
    assert_eq!(listed["action"], "provide");
    let read = find(&entries, labels::DOCTOR, &format!("GET /patients/{}", p.patient), &p.patient, "200");
    assert_eq!(read["action"], "read");
    let write = find(&entries, labels::DOCTOR, &format!("/patients/{}", p.patient), &p.patient, "200");
    assert_eq!(write["action"], "update");
    assert!(write["detail"].as_str().is_some_and(|d| d.contains("acp")), "{write}");
    let refused_write = find(&entries, labels::NURSE, &format!("/patients/{}", p.patient), &p.patient, "403");
    assert_eq!(refused_write["action"], "update");

    // Filters.
    let of_patient = audit_entries(&demo, &format!("&patient={}", p.patient)).await;
    assert!(of_patient.len() >= 5 && of_patient.iter().all(|e| e["patient"] == p.patient.as_str()));
    let provides = audit_entries(&demo, "&action=provide").await;
    assert!(!provides.is_empty() && provides.iter().all(|e| e["action"] == "provide"));

    // The chain: intact, then broken at the entry altered behind the service's back.
    let verify = demo.get("/audit/verify", &demo.tokens.admin).await;
    verify.expect(200);
    assert_eq!(verify.json["intact"], true, "{}", verify.text);
    assert_eq!(verify.json["first_broken"], Value::Null);
    let total = verify.json["entries"].as_i64().expect("count");
    assert!(total >= entries.len() as i64);
    let target = nurse_read["seq"].as_i64().expect("seq");
    // The block holding the entry: a block's hash covers all its entries, so the break
    // is found at its first entry.
    let block = demo
        .query_i64(&format!("SELECT first_seq FROM audit_block WHERE first_seq <= {target} AND last_seq >= {target}"))
        .await
        .expect("the entry's block");
    // Altered as someone with the database could: decompressed, edited, recompressed.
    let detail = serde_json::to_string(&nurse_read["detail"]).expect("json");
    let stored = demo.block_entries(block).await;
    assert!(stored.contains(&detail), "{stored}");
    demo.set_block_entries(block, &stored.replace(&detail, "\"nothing to see\"")).await;
    let verify = demo.get("/audit/verify", &demo.tokens.admin).await;
    verify.expect(200);
    assert_eq!(verify.json["intact"], false, "{}", verify.text);
    assert_eq!(verify.json["first_broken"].as_i64(), Some(block));
    assert_eq!(verify.json["entries"].as_i64(), Some(block - 1), "entries before the break check out");

    // Removing a block breaks the chain too (at the first entry of the gap).
    demo.set_block_entries(block, &stored).await;
    let verify = demo.get("/audit/verify", &demo.tokens.admin).await;
    assert_eq!(
        (verify.json["intact"].clone(), verify.json["index_intact"].clone()),
        (Value::Bool(true), Value::Bool(true)),
        "restored: {}",
        verify.text
    );
    let next = demo
        .query_i64(&format!("SELECT MIN(first_seq) FROM audit_block WHERE first_seq > {block}"))
        .await
        .expect("a later block (the admin's own reads)");
    assert_eq!(demo.execute_sql(&format!("DELETE FROM audit_block WHERE first_seq = {next}")).await, 1);
    let verify = demo.get("/audit/verify", &demo.tokens.admin).await;
    assert_eq!(verify.json["first_broken"].as_i64(), Some(next), "{}", verify.text);
}

/// Hiding a patient's entries by removing them from the patient index is found too.
async fn audit_index_tamper(app: TestApp) {
    let demo = demo_city(app).await;
    let p = &demo.people;
    let cover = "GET /patients/{id}/cover";
    demo.get(&format!("/patients/{}/cover?at={AT}", p.patient), &demo.tokens.nurse).await.expect(200);
    let verify = demo.get("/audit/verify", &demo.tokens.admin).await;
    assert_eq!(verify.json["index_intact"], true, "{}", verify.text);
    let of_patient = audit_entries(&demo, &format!("&patient={}", p.patient)).await;
    let read = find(&of_patient, labels::NURSE, cover, &p.patient, "200");
    let target = read["seq"].as_i64().expect("seq");
    // The patient's posting that lists the read's block: the first of the patient's
    // postings to end at or after it.
    let patient = sql_text(&p.patient);
    let removed = demo
        .execute_sql(&format!(
            "DELETE FROM audit_posting WHERE patient = '{patient}' AND last_block = \
             (SELECT MIN(last_block) FROM audit_posting WHERE patient = '{patient}' AND last_block >= \
             (SELECT first_seq FROM audit_block WHERE first_seq <= {target} AND last_seq >= {target}))"
        ))
        .await;
    assert_eq!(removed, 1);
    let hidden = audit_entries(&demo, &format!("&patient={}", p.patient)).await;
    assert!(
        hidden.iter().all(|entry| entry["seq"].as_i64() != Some(target)),
        "the read is hidden from the patient's listing"
    );
    let verify = demo.get("/audit/verify", &demo.tokens.admin).await;
    verify.expect(200);
    assert_eq!(verify.json["intact"], false, "{}", verify.text);
    assert_eq!(verify.json["index_intact"], false, "{}", verify.text);
    assert_eq!(verify.json["first_broken"], Value::Null, "the chain itself is intact");

    // A block's list of patients (what the index is built from) is checked too.
    let block = demo
        .query_i64(&format!("SELECT first_seq FROM audit_block WHERE first_seq <= {target} AND last_seq >= {target}"))
        .await
        .expect("the entry's block");
    assert_eq!(demo.execute_sql(&format!("UPDATE audit_block SET patients = '[]' WHERE first_seq = {block}")).await, 1);
    let verify = demo.get("/audit/verify", &demo.tokens.admin).await;
    assert_eq!(verify.json["first_broken"].as_i64(), Some(block), "{}", verify.text);
}

fn sql_text(text: &str) -> String {
    text.replace('\'', "''")
}

/// A hospital's registered patients, asked by a coordinator of the hospital's area,
/// list only the patients that coordinator may see: a patient of another area
/// registered there is left out (the hospital's ward and the admin see them).
async fn registered_patients_in_scope(app: TestApp) {
    let demo = demo_city(app).await;
    let (consent, patient, hospital) = {
        let snapshot = demo.state.snapshot();
        let d = snapshot.dataset();
        let today = renkei_core::calendar::jst_date(chrono::Utc::now());
        let area = d.areas.lookup(&demo.people.area).expect("area");
        let hospital = d.hospitals.indices().find(|&h| d.hospitals[h].area == area).expect("a hospital of the area");
        let (consent, patient) = d
            .consents
            .iter()
            .filter(|consent| {
                consent.kind() == renkei_core::domain::ConsentKind::BackupHospital && consent.in_force_on(today)
            })
            .map(|consent| (consent.id.to_string(), consent.patient))
            .find(|&(_, patient)| {
                d.groups[d.patients[patient].group].area != area
                    && d.registrations_of_patient(patient).iter().all(|&r| d.registrations[r].hospital != hospital)
            })
            .expect("a patient of another area with a backup-hospital consent");
        (consent, d.patients[patient].id.to_string(), d.hospitals[hospital].id.to_string())
    };
    // The consent names the hospital, and the patient is registered there.
    let path = format!("/consents/{consent}");
    let read = demo.get(&path, &demo.tokens.admin).await;
    read.expect(200);
    let recipients = format!("{};{hospital}", read.json["fields"]["recipients"].as_str().unwrap_or_default());
    demo.patch_json(
        &path,
        &demo.tokens.admin,
        &serde_json::json!({"recipients": recipients.trim_start_matches(';')}),
        &[("if-match", &read.etag())],
    )
    .await
    .expect(200);
    demo.post_json(
        &format!("/patients/{patient}/registrations"),
        &demo.tokens.admin,
        &serde_json::json!({"hospital": hospital, "rank": 5}),
        &[],
    )
    .await
    .expect(201);

    let listed = |response: &Resp| -> Vec<String> {
        response.expect(200);
        response.json["patients"]
            .as_array()
            .expect("patients")
            .iter()
            .map(|p| p["patient"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let list = format!("/hospitals/{hospital}/registered-patients");
    assert!(listed(&demo.get(&list, &demo.tokens.admin).await).contains(&patient));
    let coordinator = demo.get(&list, &demo.tokens.coordinator).await;
    let theirs = listed(&coordinator);
    assert!(!theirs.contains(&patient), "{}", coordinator.text);
    assert!(!coordinator.text.contains(&patient));
    assert_eq!(coordinator.json["total"].as_u64(), Some(theirs.len() as u64));
    // Nor is the other area's patient open to them directly.
    assert_refused(&demo.get(&format!("/patients/{patient}"), &demo.tokens.coordinator).await);
}

crate::both!(three_users, audit_trail, audit_index_tamper, registered_patients_in_scope);

/// Batches of reads larger than a block (and a partial last block) are appended in
/// order and chained, on both stores; listings page through blocks by number, patient
/// and action.
async fn audit_batches(app: TestApp) {
    use renkei_service::store::audit::{
        AuditEvent, AuditQuery, ENTRIES_PER_BLOCK, append, index_pending, list, verify,
    };
    let event = |n: usize| AuditEvent {
        at: format!("2026-12-01T00:00:{:02}.{n:06}Z", n % 60),
        actor: "テスト \"test\" \\ (test)".into(),
        role: "admin".into(),
        action: if n.is_multiple_of(7) { "provide" } else { "read" }.into(),
        resource: "GET /patients/{id}/cover".into(),
        patient: if n.is_multiple_of(5) { String::new() } else { format!("P{:06}", n % 13) },
        detail: format!("batch entry {n}"),
        result: "200".into(),
    };
    let pool = app.state.store().pool().clone();
    let total = 1 + (ENTRIES_PER_BLOCK + 88) + 64;
    for (from, count) in [(0, 1), (1, ENTRIES_PER_BLOCK + 88), (ENTRIES_PER_BLOCK + 89, 64)] {
        let events: Vec<_> = (from..from + count).map(event).collect();
        let mut tx = pool.begin().await.expect("begin");
        append(&mut tx, &events).await.expect("append");
        tx.commit().await.expect("commit");
    }
    let mut connection = pool.acquire().await.expect("connection");
    let all = list(&mut connection, &AuditQuery { limit: 5000, ..AuditQuery::default() }).await.expect("list");
    assert_eq!(all.len(), total);
    for (n, entry) in all.iter().enumerate() {
        assert_eq!(entry.seq, n as i64 + 1);
        assert_eq!(entry.event, event(n), "entry {} holds event {n}", entry.seq);
    }
    for pair in all.windows(2) {
        assert_eq!(pair[1].prev_hash, pair[0].hash, "entry {} links to the one before", pair[1].seq);
    }
    // Pages of 100 from the middle of blocks give the same entries.
    let mut paged = Vec::new();
    loop {
        let after = paged.last().map_or(0, |entry: &renkei_service::store::audit::AuditEntry| entry.seq);
        let page =
            list(&mut connection, &AuditQuery { after, limit: 100, ..AuditQuery::default() }).await.expect("page");
        if page.is_empty() {
            break;
        }
        paged.extend(page);
    }
    assert_eq!(paged, all);
    // By patient and by action, also from the middle of a block.
    let patient = "P000003".to_owned();
    let expected: Vec<_> = all.iter().filter(|e| e.event.patient == patient && e.seq > 300).cloned().collect();
    let query = AuditQuery { patient: Some(patient), after: 300, limit: 5000, ..AuditQuery::default() };
    assert_eq!(list(&mut connection, &query).await.expect("by patient"), expected);
    assert!(!expected.is_empty());
    let expected: Vec<_> = all.iter().filter(|e| e.event.action == "provide").take(20).cloned().collect();
    let query = AuditQuery { action: Some("provide".to_owned()), limit: 20, ..AuditQuery::default() };
    assert_eq!(list(&mut connection, &query).await.expect("by action"), expected);
    let verification = verify(&mut connection).await.expect("verify");
    assert_eq!(
        (verification.entries, verification.first_broken, verification.index_intact),
        (total as i64, None, true)
    );
    assert_eq!(index_pending(&mut connection).await.expect("index"), 0, "indexed once");
    // Two indexers at once (two instances of the service): each block is indexed once.
    let events: Vec<_> = (total..total + 3 * ENTRIES_PER_BLOCK).map(event).collect();
    let mut tx = pool.begin().await.expect("begin");
    append(&mut tx, &events).await.expect("append");
    tx.commit().await.expect("commit");
    let indexer = |pool: sqlx::AnyPool| {
        tokio::spawn(async move { index_pending(&mut pool.acquire().await.expect("connection")).await.expect("index") })
    };
    let (first, second) = (indexer(pool.clone()), indexer(pool.clone()));
    let added = first.await.expect("first indexer") + second.await.expect("second indexer");
    assert!((3..=6).contains(&added), "both indexers finish: {added}");
    let verification = verify(&mut connection).await.expect("verify");
    assert_eq!(
        (verification.entries, verification.first_broken, verification.index_intact),
        ((total + 3 * ENTRIES_PER_BLOCK) as i64, None, true)
    );
    // A patient's entries across postings of several runs (and blocks of one entry),
    // paged in small pages from anywhere, are exactly that patient's entries.
    for n in 0..5 {
        let mut tx = pool.begin().await.expect("begin");
        let from = total + 3 * ENTRIES_PER_BLOCK + n;
        append(&mut tx, &[event(from)]).await.expect("append");
        tx.commit().await.expect("commit");
        index_pending(&mut connection).await.expect("index");
    }
    let all = list(&mut connection, &AuditQuery { limit: 10_000, ..AuditQuery::default() }).await.expect("list");
    for patient in ["P000003", "P000012"] {
        for start in [0, 1, 511, 512, 700, 1500] {
            let expected: Vec<_> =
                all.iter().filter(|e| e.event.patient == patient && e.seq > start).cloned().collect();
            let mut paged = Vec::new();
            let mut after = start;
            loop {
                let query = AuditQuery { patient: Some(patient.to_owned()), after, limit: 7, ..AuditQuery::default() };
                let page = list(&mut connection, &query).await.expect("page by patient");
                let Some(last) = page.last() else { break };
                after = last.seq;
                paged.extend(page);
            }
            assert_eq!(paged, expected, "{patient} after {start}");
            assert!(!expected.is_empty());
        }
    }
    let verification = verify(&mut connection).await.expect("verify");
    assert_eq!((verification.entries, verification.index_intact), (all.len() as i64, true));
    // A run meeting more patients than one INSERT of postings holds (and an id that
    // JSON escapes) indexes each of them.
    let many: Vec<_> = (0..1100)
        .map(|n| AuditEvent { patient: if n == 7 { "Q\"7\"".to_owned() } else { format!("Q{n:05}") }, ..event(n) })
        .collect();
    let mut tx = pool.begin().await.expect("begin");
    append(&mut tx, &many).await.expect("append");
    tx.commit().await.expect("commit");
    assert_eq!(index_pending(&mut connection).await.expect("index"), 3, "three blocks");
    for patient in ["Q00000", "Q\"7\"", "Q00600", "Q01099"] {
        let query = AuditQuery { patient: Some(patient.to_owned()), limit: 10, ..AuditQuery::default() };
        let found = list(&mut connection, &query).await.expect("by patient");
        assert_eq!(found.len(), 1, "{patient}");
        assert_eq!(found[0].event.patient, patient);
    }
    let verification = verify(&mut connection).await.expect("verify");
    assert_eq!((verification.entries, verification.index_intact), (all.len() as i64 + 1100, true));
    // A posting altered so that it no longer lists its blocks is found.
    let last = "(SELECT MAX(last_block) FROM audit_posting WHERE patient = 'P000003')";
    for altered in ["[1]", "not a list"] {
        let sql =
            format!("UPDATE audit_posting SET blocks = '{altered}' WHERE patient = 'P000003' AND last_block = {last}");
        assert_eq!(sqlx::query(&sql).execute(&mut *connection).await.expect("alter").rows_affected(), 1);
        let verification = verify(&mut connection).await.expect("verify");
        assert_eq!((verification.first_broken, verification.index_intact), (None, false), "{altered}");
    }
}

crate::both!(audit_batches);

/// Two writers appending to the trail at once (two instances, or the service and the
/// command line, on one database) both get every batch in and keep one chain. `append`
/// reads the chain's head before it inserts: on SQLite each transaction takes the write
/// lock when it begins, so the writers wait for each other and never conflict; on
/// PostgreSQL one of two writers from the same head loses on the block's key with a
/// conflict, which its caller retries (as the service's callers do).
async fn concurrent_appends(app: TestApp) {
    use renkei_service::store::Backend;
    use renkei_service::store::audit::{AuditEvent, append, verify};
    const ROUNDS: usize = 25;
    let writer = |name: &'static str| {
        let store = app.state.store().clone();
        tokio::spawn(async move {
            let mut conflicts = 0;
            for round in 0..ROUNDS {
                let events: Vec<_> = (0..3)
                    .map(|n| AuditEvent {
                        at: format!("2026-12-01T00:00:00.{round:03}{n:03}Z"),
                        actor: name.into(),
                        role: "admin".into(),
                        action: "read".into(),
                        resource: "GET /patients/{id}/cover".into(),
                        patient: format!("P{round:06}"),
                        detail: String::new(),
                        result: "200".into(),
                    })
                    .collect();
                loop {
                    let mut tx = store.begin_write().await.expect("begin");
                    match append(&mut tx, &events).await {
                        Ok(()) => {
                            tx.commit().await.expect("commit");
                            break;
                        }
                        Err(error) if error.is_conflict() => conflicts += 1,
                        Err(error) => panic!("append while another writer appends: {error}"),
                    }
                }
            }
            conflicts
        })
    };
    let mut connection = app.state.store().pool().acquire().await.expect("connection");
    let before = verify(&mut connection).await.expect("verify").entries;
    let (first, second) = (writer("first"), writer("second"));
    let conflicts = first.await.expect("first writer") + second.await.expect("second writer");
    if app.state.store().backend() == Backend::Sqlite {
        assert_eq!(conflicts, 0, "SQLite writers wait for the write lock");
    }
    let verification = verify(&mut connection).await.expect("verify");
    assert_eq!((verification.entries, verification.first_broken), (before + (2 * ROUNDS * 3) as i64, None));
}

crate::both!(concurrent_appends);

/// A trail written one row per entry (before migration 2) becomes blocks of one entry
/// with the same chain: every entry and hash reads back, and the chain verifies.
async fn audit_legacy_rows(app: TestApp) {
    use renkei_service::store::Store;
    use renkei_service::store::audit::{AuditEvent, AuditQuery, GENESIS, append, entry_hash, list, verify};
    let event = |n: usize| AuditEvent {
        at: format!("2026-11-30T00:00:{n:02}Z"),
        actor: format!("旧 \"label\" \\{n}").into(),
        role: "station:NS-01".into(),
        action: "read".into(),
        resource: "GET /patients/{id}/cover".into(),
        patient: if n == 2 { String::new() } else { format!("P00000{n}") },
        detail: format!("{{\"at\":\"2026-12-0{n}\"}}"),
        result: "200".into(),
    };
    // Back to the schema of migration 1, with three entries in it.
    app.execute_sql("DROP TABLE audit_indexed").await;
    app.execute_sql("DROP TABLE audit_posting").await;
    app.execute_sql("DROP TABLE audit_block").await;
    app.execute_sql("DELETE FROM _sqlx_migrations WHERE version >= 2").await;
    app.execute_sql(
        "CREATE TABLE audit_log (seq BIGINT PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL, \
         action TEXT NOT NULL, resource TEXT NOT NULL, patient TEXT NOT NULL, detail TEXT NOT NULL, \
         result TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL)",
    )
    .await;
    let mut prev = GENESIS.to_owned();
    let quote = |text: &str| format!("'{}'", text.replace('\'', "''"));
    for n in 1..=3 {
        let e = event(n);
        let hash = entry_hash(n as i64, &e, &prev);
        let values =
            [&*e.at, &e.actor, &e.role, &e.action, &e.resource, &e.patient, &e.detail, &e.result, &prev, &hash]
                .map(&quote)
                .join(", ");
        app.execute_sql(&format!("INSERT INTO audit_log VALUES ({n}, {values})")).await;
        prev = hash;
    }
    // Opening the store runs migrations 2 to 4 again.
    let store = Store::open(&app.url).await.expect("migrate");
    let mut connection = store.pool().acquire().await.expect("connection");
    let entries = list(&mut connection, &AuditQuery { limit: 10, ..AuditQuery::default() }).await.expect("list");
    assert_eq!(entries.iter().map(|e| e.event.clone()).collect::<Vec<_>>(), (1..=3).map(event).collect::<Vec<_>>());
    assert_eq!(entries[2].hash, prev);
    let of_patient = AuditQuery { patient: Some("P000003".to_owned()), limit: 10, ..AuditQuery::default() };
    assert_eq!(list(&mut connection, &of_patient).await.expect("by patient").len(), 1);
    let verification = verify(&mut connection).await.expect("verify");
    assert_eq!((verification.entries, verification.first_broken, verification.index_intact), (3, None, true));

    // Blocks appended now are stored compressed (migration 3), after the text ones, in
    // one chain.
    let mut tx = store.begin_write().await.expect("begin");
    append(&mut tx, &[event(4), event(5)]).await.expect("append");
    tx.commit().await.expect("commit");
    let (text, compressed): (i64, i64) = sqlx::query_as(
        "SELECT CAST(SUM(CASE WHEN entries_zstd IS NULL AND entries <> '' THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN entries_zstd IS NOT NULL AND entries = '' THEN last_seq - first_seq + 1 ELSE 0 END) AS BIGINT) \
         FROM audit_block",
    )
    .fetch_one(&mut *connection)
    .await
    .expect("formats");
    assert_eq!((text, compressed), (3, 2));
    let entries = list(&mut connection, &AuditQuery { limit: 10, ..AuditQuery::default() }).await.expect("list");
    assert_eq!(entries.iter().map(|e| e.event.clone()).collect::<Vec<_>>(), (1..=5).map(event).collect::<Vec<_>>());
    assert_eq!(entries[3].prev_hash, prev);
    let verification = verify(&mut connection).await.expect("verify");
    assert_eq!((verification.entries, verification.first_broken, verification.index_intact), (5, None, true));
}

crate::both!(audit_legacy_rows);

/// Creating a token or a feed with an `Idempotency-Key`: a retry gets the same thing
/// under a new secret, and the first secret stops working.
async fn retried_secrets(app: TestApp) {
    let demo = demo_city(app).await;
    let admin = demo.tokens.admin.clone();
    let body = serde_json::json!({"label": "夜間当番 受付", "role": "station", "scope": demo.people.station});
    let key = [("idempotency-key", "token-1")];
    let first = demo.post_json("/tokens", &admin, &body, &key).await;
    first.expect(201);
    assert_eq!(first.header("idempotent-replay"), None);
    let first_token = first.json["token"].as_str().expect("token").to_owned();
    let cover = format!("/patients/{}/cover?at={AT}", demo.people.patient);
    demo.get(&cover, &first_token).await.expect(200);

    let retry = demo.post_json("/tokens", &admin, &body, &key).await;
    retry.expect(201);
    assert_eq!(retry.header("idempotent-replay"), Some("true"));
    assert_eq!((&retry.json["label"], &retry.json["role"]), (&first.json["label"], &first.json["role"]));
    let second_token = retry.json["token"].as_str().expect("token").to_owned();
    assert_ne!(second_token, first_token);
    demo.get(&cover, &first_token).await.expect(401);
    demo.get(&cover, &second_token).await.expect(200);
    // One token for the key: the one a retry made; the audit trail says so.
    let stations =
        demo.query_i64("SELECT COUNT(*) FROM tokens WHERE label = '夜間当番 受付' AND revoked_at IS NULL").await;
    assert_eq!(stations, Some(1));
    let made = audit_entries(&demo, "&action=token_create").await;
    assert!(made.iter().any(|entry| entry["detail"].as_str().is_some_and(|d| d.contains("re-keyed"))), "{made:?}");
    // The key names one request; without a key each request is a new token.
    let other = serde_json::json!({"label": "別の受付", "role": "station", "scope": demo.people.station});
    let reused = demo.post_json("/tokens", &admin, &other, &key).await;
    reused.expect(422);
    assert_eq!(reused.json["error"]["problems"][0]["field"], "Idempotency-Key", "{}", reused.text);
    demo.post_json("/tokens", &admin, &body, &[]).await.expect(201);
    // Revoked meanwhile: a retry does not bring it back.
    demo.post_json("/tokens/revoke", &admin, &serde_json::json!({"token": second_token}), &[]).await.expect(204);
    // Revoking a token that is not active is a 404, and the trail says so (which token
    // was meant, by the start of its hash, never the token).
    demo.post_json("/tokens/revoke", &admin, &serde_json::json!({"token": "no-such-token"}), &[]).await.expect(404);
    let revokes = audit_entries(&demo, "&action=token_revoke").await;
    let results: Vec<&str> = revokes.iter().map(|entry| entry["result"].as_str().unwrap_or_default()).collect();
    assert_eq!(results, ["204", "404"], "{revokes:?}");
    assert!(revokes.iter().all(|entry| entry["detail"].as_str().is_some_and(|d| d.starts_with("token sha256 "))));
    assert!(!revokes.iter().any(|entry| entry.to_string().contains(second_token.as_str())), "{revokes:?}");
    demo.post_json("/tokens", &admin, &body, &key).await.expect(409);
    demo.get(&cover, &second_token).await.expect(401);

    // A feed: the retry's URL works, the first one no longer does.
    let path = format!("/doctors/{}/feed", demo.people.doctor);
    let key = [("idempotency-key", "feed-1")];
    let feed_path = |response: &Resp| {
        let url = response.json["url"].as_str().expect("url");
        format!("/feeds/{}", url.split_once("/feeds/").expect("a feed URL").1)
    };
    let first = demo.post_json(&path, &demo.tokens.doctor, &serde_json::json!({}), &key).await;
    first.expect(201);
    let retry = demo.post_json(&path, &demo.tokens.doctor, &serde_json::json!({}), &key).await;
    retry.expect(201);
    assert_eq!(retry.header("idempotent-replay"), Some("true"));
    assert_ne!(feed_path(&first), feed_path(&retry));
    demo.get_anonymous(&feed_path(&first)).await.expect(404);
    demo.get_anonymous(&feed_path(&retry)).await.expect(200);
    let group_feed = format!("/groups/{}/feed", demo.people.group);
    let reused = demo.post_json(&group_feed, &demo.tokens.doctor, &serde_json::json!({}), &key).await;
    reused.expect(422);
    assert_eq!(reused.json["error"]["problems"][0]["field"], "Idempotency-Key", "{}", reused.text);
}

crate::both!(retried_secrets);
