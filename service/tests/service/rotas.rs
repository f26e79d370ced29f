//! Rotas: solving as a job, publishing, a swap and a repair on the solved rota,
//! cancelling, manual edits that break a rule.

use renkei_core::domain::Role as DutyRole;
use renkei_service::demo::issue_token;
use renkei_service::server::auth::Role;
use serde_json::{Value, json};

use crate::common::{TestApp, demo_city, load_demo, rota_file};
use crate::rota_help::{
    doctor_token, duty_ref, future_month, holder, inside, linked_groups, move_swap, on_duty, smallest_linked_groups,
    valid_swap, version, version_records, wait_for_job,
};

/// Create → solve (a job) → draft → publish → lookups → swap, on the smallest linked
/// groups for a month wholly in the future.
async fn solve_publish_swap(app: TestApp) {
    let demo = load_demo(app, &[]).await;
    let snapshot = demo.state.snapshot();
    let d = snapshot.dataset();
    let groups = smallest_linked_groups(d);
    let ids: Vec<String> = groups.iter().map(|&g| d.groups[g].id.to_string()).collect();
    let area = d.areas[d.groups[groups[0]].area].id.to_string();
    let coordinator =
        issue_token(&demo.state, "テスト地区コーディネーター", &Role::AreaCoordinator(area)).await.unwrap();
    let member = d.doctors[d.groups[groups[0]].members[0]].id.to_string();
    let member_token = doctor_token(&demo, &member).await;
    let month = future_month();

    // Creating: refusals first.
    let body = json!({"month": month.to_string(), "groups": ids});
    demo.post_json("/rotas", &member_token, &body, &[]).await.expect(403);
    let bad_month = demo.post_json("/rotas", &coordinator, &json!({"month": "2027-13", "groups": ids}), &[]).await;
    bad_month.expect(422);
    assert_eq!(bad_month.json["error"]["problems"][0]["field"], "month");
    let unknown =
        demo.post_json("/rotas", &coordinator, &json!({"month": month.to_string(), "groups": ["G-NOPE"]}), &[]).await;
    unknown.expect(422);
    assert_eq!(unknown.json["error"]["problems"][0]["field"], "groups");
    if ids.len() > 1 {
        let partial = json!({"month": month.to_string(), "groups": [ids[0]]});
        let response = demo.post_json("/rotas", &coordinator, &partial, &[]).await;
        response.expect(422);
        assert!(response.text.contains(&ids[1]), "names the linked group: {}", response.text);
    }
    let key = [("idempotency-key", "rota-1")];
    let created = demo.post_json("/rotas", &coordinator, &body, &key).await;
    created.expect(201);
    let rota = created.json["id"].as_str().expect("id").to_owned();
    assert_eq!(created.json["month"], month.to_string());
    assert_eq!(created.json["published_version"], Value::Null);
    // A retry with the key gets the same rota; without it, a conflict; the key names
    // one request.
    let retried = demo.post_json("/rotas", &coordinator, &body, &key).await;
    retried.expect(201);
    assert_eq!((retried.json["id"].as_str(), retried.header("idempotent-replay")), (Some(rota.as_str()), Some("true")));
    demo.post_json("/rotas", &coordinator, &body, &[]).await.expect(409);
    let other = json!({"id": "rota-other", "month": month.to_string(), "groups": ids});
    let reused = demo.post_json("/rotas", &coordinator, &other, &key).await;
    reused.expect(422);
    assert_eq!(reused.json["error"]["problems"][0]["field"], "Idempotency-Key", "{}", reused.text);

    // Solving: a job.
    let solve_path = format!("/rotas/{rota}/solve");
    demo.post_json(&solve_path, &member_token, &json!({"time_limit": 5}), &[]).await.expect(403);
    demo.post_json(&solve_path, &coordinator, &json!({"time_limit": 0}), &[]).await.expect(422);
    let accepted = demo.post_json(&solve_path, &coordinator, &json!({"time_limit": 5}), &[]).await;
    accepted.expect(202);
    let job = accepted.json["job"].as_str().expect("job id").to_owned();
    assert_eq!(accepted.header("location"), Some(format!("/jobs/{job}").as_str()));
    assert!(matches!(accepted.json["state"].as_str(), Some("queued")));
    demo.get(&format!("/jobs/{job}"), &member_token).await.expect(403);
    let (done, _) = wait_for_job(&demo, &coordinator, &job).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["result_version"], 1);
    assert!(done["progress"]["stage"].is_string(), "the solver's last progress is kept: {done}");
    // Explanations (which name patients of 16 km sets) are for those who manage the rota.
    let managed = demo.get(&format!("/rotas/{rota}"), &coordinator).await;
    assert!(version(&managed.json, 1)["summary"].get("explanations").is_some(), "{}", managed.text);
    let member_view = demo.get(&format!("/rotas/{rota}"), &member_token).await;
    member_view.expect(200);
    assert!(version(&member_view.json, 1)["summary"].get("explanations").is_none(), "{}", member_view.text);
    let cancel = demo.post_json(&format!("/jobs/{job}/cancel"), &coordinator, &json!({}), &[]).await;
    cancel.expect(409);
    demo.get("/jobs/job-nope", &coordinator).await.expect(404);

    let draft = demo.get(&format!("/rotas/{rota}"), &coordinator).await;
    draft.expect(200);
    assert_eq!(version(&draft.json, 1)["state"], "draft");
    assert_eq!(version(&draft.json, 1)["origin"], "solve");
    assert_eq!(draft.json["published_version"], Value::Null);
    let records = version_records(&demo, &rota, "1").await;
    assert!(!records.duties.is_empty());
    let summary = demo.get(&format!("/rotas/{rota}/versions/1"), &coordinator).await.json["summary"].clone();
    assert_eq!(summary["violations"], json!([]), "a solved rota keeps every hard rule");
    let duty = records.duties.iter().find(|r| r.role == DutyRole::Primary).expect("a primary duty").clone();
    assert!(on_duty(&demo, &duty.group, &inside(&duty)).await.is_empty(), "a draft is not in force");

    // Publishing.
    let publish = format!("/rotas/{rota}/versions/1/publish");
    demo.post_json(&publish, &member_token, &json!({}), &[]).await.expect(403);
    let published = demo.post_json(&publish, &coordinator, &json!({}), &[]).await;
    published.expect(200);
    assert_eq!(published.json["state"], "in_force", "{}", published.text);
    assert_eq!(published.json["rota"], rota.as_str(), "the view of this rota's v1, not another's");
    demo.post_json(&publish, &coordinator, &json!({}), &[]).await.expect(409);
    assert_eq!(on_duty(&demo, &duty.group, &inside(&duty)).await, vec![duty.doctor.clone()]);

    // A swap in the future: the lookup at the slot answers from the new version.
    let (duty, counterpart) = valid_swap(d, &groups, month, &records, None, chrono::Utc::now(), &[]);
    let giver = doctor_token(&demo, &duty.doctor).await;
    let taker = doctor_token(&demo, &counterpart).await;
    let request = json!({"doctor": duty.doctor, "duty": duty_ref(&duty), "counterpart": counterpart, "note": "学会"});
    let requested = demo.post_json(&format!("/rotas/{rota}/swaps"), &giver, &request, &[]).await;
    requested.expect(201);
    let swap = requested.json["id"].as_str().expect("id").to_owned();
    move_swap(&demo, &swap, "accept", &taker, "\"1\"").await.expect(200);
    let approved = move_swap(&demo, &swap, "approve", &coordinator, "\"2\"").await;
    approved.expect(200);
    assert_eq!(approved.json["result_version"], 2);
    assert_eq!(on_duty(&demo, &duty.group, &inside(&duty)).await, vec![counterpart.clone()]);
    let after = demo.get(&format!("/rotas/{rota}"), &coordinator).await;
    assert_eq!(after.json["published_version"], 2);
    assert_eq!(version(&after.json, 1)["state"], "superseded");
    assert_eq!(version(&after.json, 2)["state"], "in_force");
    assert_eq!(version(&after.json, 2)["origin"], "swap");

    // A sudden absence: the repair job changes as little as possible, as a draft; once
    // published, the absent doctor is off that duty.
    let current = version_records(&demo, &rota, "current").await;
    let (sick, _) = valid_swap(d, &groups, month, &current, None, chrono::Utc::now(), &[]);
    let local = |t: Option<chrono::DateTime<chrono::Utc>>| {
        renkei_core::calendar::to_jst(t.expect("times")).format("%Y-%m-%dT%H:%M").to_string()
    };
    let absence = json!({"id": "AB-SICK", "doctor": sick.doctor, "start": local(sick.start), "end": local(sick.end), "reason": "急病"});
    demo.post_json("/absences", &coordinator, &absence, &[]).await.expect(201);
    let repair_path = format!("/rotas/{rota}/repair");
    let unknown = demo.post_json(&repair_path, &coordinator, &json!({"absence": "AB-NOPE"}), &[]).await;
    unknown.expect(422);
    assert_eq!(unknown.json["error"]["problems"][0]["field"], "absence");
    demo.post_json(&repair_path, &member_token, &json!({"absence": "AB-SICK"}), &[]).await.expect(403);
    let accepted =
        demo.post_json(&repair_path, &coordinator, &json!({"absence": "AB-SICK", "time_limit": 5}), &[]).await;
    accepted.expect(202);
    let (done, _) = wait_for_job(&demo, &coordinator, accepted.json["job"].as_str().expect("job")).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["kind"], "repair");
    let number = done["result_version"].as_i64().expect("a version");
    assert_eq!(number, 3);
    let repaired = demo.get(&format!("/rotas/{rota}/versions/{number}"), &coordinator).await;
    assert_eq!(repaired.json["origin"], "repair");
    assert!(repaired.json["summary"]["repair"]["changes"].as_u64().is_some_and(|n| n >= 1), "{}", repaired.text);
    assert_eq!(repaired.json["summary"]["violations"], json!([]));
    let records = version_records(&demo, &rota, &number.to_string()).await;
    assert!(!holder(&records, &sick).contains(&sick.doctor), "the absent doctor is off the duty");
    // Until the repair is published the rota still names the absent doctor, and the
    // on-duty answer lists them as absent, not as someone to call.
    let until = demo.get(&format!("/groups/{}/on-duty?at={}", sick.group, inside(&sick)), &demo.tokens.admin).await;
    until.expect(200);
    assert_eq!(until.json["absent"][0]["doctor"]["id"], sick.doctor.as_str(), "until published: {}", until.text);
    assert!(!on_duty(&demo, &sick.group, &inside(&sick)).await.contains(&sick.doctor));
    demo.post_json(&format!("/rotas/{rota}/versions/{number}/publish"), &coordinator, &json!({}), &[])
        .await
        .expect(200);
    let now_on_duty = on_duty(&demo, &sick.group, &inside(&sick)).await;
    assert!(!now_on_duty.contains(&sick.doctor) && now_on_duty == holder(&records, &sick), "{now_on_duty:?}");

    // A running job can be cancelled; it keeps the best rota so far as a draft.
    let accepted = demo.post_json(&solve_path, &coordinator, &json!({"time_limit": 30}), &[]).await;
    accepted.expect(202);
    let job = accepted.json["job"].as_str().expect("job id").to_owned();
    let cancel = demo.post_json(&format!("/jobs/{job}/cancel"), &coordinator, &json!({}), &[]).await;
    cancel.expect(202);
    let (done, _) = wait_for_job(&demo, &coordinator, &job).await;
    assert_eq!(done["state"], "cancelled", "{done}");
    if let Some(number) = done["result_version"].as_i64() {
        let rota_now = demo.get(&format!("/rotas/{rota}"), &coordinator).await;
        assert_eq!(version(&rota_now.json, number)["state"], "draft");
    }
    assert_eq!(demo.get(&format!("/rotas/{rota}"), &coordinator).await.json["published_version"], 3, "still v3");
}

/// A manual edit that puts an absent doctor on a slot is saved as a draft, and
/// publishing it is refused naming the rule; a clean edit publishes.
async fn edit_and_publish(app: TestApp) {
    let demo = demo_city(app).await;
    let snapshot = demo.state.snapshot();
    let d = snapshot.dataset();
    let admin = &demo.tokens.admin;
    let records = rota_file("2026-12");
    // An absence in December of a doctor whose group has a duty during it.
    let (index, absent) = d
        .absences
        .iter()
        .find_map(|absence| {
            records
                .duties
                .iter()
                .position(|r| {
                    let group = d.groups.lookup(&r.group).expect("group");
                    let (start, end) = (r.start.expect("times"), r.end.expect("times"));
                    d.groups[group].members.contains(&absence.doctor)
                        && absence.overlaps(start, end)
                        && !records.duties.iter().any(|o| {
                            crate::rota_help::same_slot(o, r) && o.doctor == d.doctors[absence.doctor].id.as_str()
                        })
                        && r.role == DutyRole::Primary
                })
                .map(|i| (i, d.doctors[absence.doctor].id.to_string()))
        })
        .expect("an absence during a duty of the absent doctor's group");
    let mut edited = records.clone();
    edited.duties[index].doctor = absent.clone();
    let body = json!({"note": "手で修正", "duties": edited.duties, "covers": edited.covers});

    let path = "/rotas/2026-12-city/versions";
    demo.post_json(path, admin, &body, &[]).await.expect(428);
    demo.post_json(path, admin, &body, &[("if-match", "\"0\"")]).await.expect(409);
    demo.post_json(path, &demo.tokens.doctor, &body, &[("if-match", "\"1\"")]).await.expect(403);
    let saved = demo.post_json(path, admin, &body, &[("if-match", "\"1\"")]).await;
    saved.expect(201);
    assert_eq!(saved.etag(), "\"2\"");
    assert_eq!(saved.json["state"], "draft");
    assert!(!saved.json["summary"]["violations"].as_array().expect("violations").is_empty(), "{}", saved.text);
    let version_before = demo.data_version();
    let refused = demo.post_json("/rotas/2026-12-city/versions/2/publish", admin, &json!({}), &[]).await;
    refused.expect(422);
    let message = refused.json["error"]["problems"][0]["message"].as_str().unwrap_or_default().to_owned();
    assert!(message.contains("不在・勤務不可"), "names the rule: {}", refused.text);
    let name = &d.doctors[d.doctors.lookup(&absent).unwrap()].name;
    assert!(message.contains(name.as_str()), "names the doctor: {message}");
    assert_eq!(demo.data_version(), version_before, "nothing published");
    let rota = demo.get("/rotas/2026-12-city", admin).await;
    assert_eq!(rota.json["published_version"], 1);
    assert_eq!(version(&rota.json, 2)["state"], "draft");

    // A record of a slot the rota does not have.
    let mut wrong = records.clone();
    wrong.duties[0].date = "2027-03-01".parse().unwrap();
    let body = json!({"duties": wrong.duties, "covers": wrong.covers});
    let response = demo.post_json(path, admin, &body, &[("if-match", "\"2\"")]).await;
    response.expect(422);
    assert_eq!(response.json["error"]["problems"][0]["field"], "duties");

    // A clean edit (back to the published duties) publishes and supersedes v1.
    let body = json!({"note": "元に戻す", "duties": records.duties, "covers": records.covers});
    demo.post_json(path, admin, &body, &[("if-match", "\"2\"")]).await.expect(201);
    let published = demo.post_json("/rotas/2026-12-city/versions/3/publish", admin, &json!({}), &[]).await;
    published.expect(200);
    assert_eq!(published.json["state"], "in_force", "{}", published.text);
    assert_eq!(published.json["rota"], "2026-12-city");
    assert_eq!(published.json["rota"], "2026-12-city", "the view of this rota's version");
    let rota = demo.get("/rotas/2026-12-city", admin).await;
    assert_eq!(rota.json["published_version"], 3);
    assert_eq!(version(&rota.json, 1)["state"], "superseded");
    assert_eq!(version(&rota.json, 2)["state"], "draft");
    demo.post_json("/rotas/2026-12-city/versions/9/publish", admin, &json!({}), &[]).await.expect(404);
    // A member doctor reading the city-wide rota sees their own groups' duties only.
    let member = demo.get("/rotas/2026-12-city/versions/current", &demo.tokens.doctor).await;
    member.expect(200);
    let doctor = d.doctors.lookup(&demo.people.doctor).expect("doctor");
    let own: Vec<&str> = d.groups_of_doctor(doctor).iter().map(|&g| d.groups[g].id.as_str()).collect();
    let seen = member.json["records"]["duties"].as_array().expect("duties");
    assert!(!seen.is_empty() && seen.iter().all(|r| own.contains(&r["group"].as_str().unwrap_or_default())));
    let all = demo.get("/rotas/2026-12-city/versions/current", admin).await.json["records"]["duties"].clone();
    assert!(all.as_array().expect("duties").len() > seen.len(), "the admin sees every group");
    // An older draft is not published over the newer version in force.
    let older = demo.post_json("/rotas/2026-12-city/versions/2/publish", admin, &json!({}), &[]).await;
    older.expect(409);
    assert!(older.text.contains("第3版") && older.text.contains("version 3"), "{}", older.text);
    assert_eq!(demo.get("/rotas/2026-12-city", admin).await.json["published_version"], 3);
}

/// A draft made from a version that is no longer in force is not published: a repair
/// asked for while a swap was on its way, finishing after the swap, would otherwise
/// silently undo the swap. Run again from the current version, it publishes.
async fn stale_draft_not_published(app: TestApp) {
    let demo = demo_city(app).await;
    let p = demo.people.clone();
    let snapshot = demo.state.snapshot();
    let d = snapshot.dataset();
    let groups = linked_groups(d, d.groups.lookup(&p.group).expect("group"));
    let december: renkei_core::calendar::Month = "2026-12".parse().unwrap();
    let records = rota_file("2026-12");
    let soon = chrono::Utc::now() + chrono::Duration::hours(1);
    let (duty, counterpart) = valid_swap(d, &groups, december, &records, None, soon, &[]);
    let (sick, _) = valid_swap(d, &groups, december, &records, None, soon, std::slice::from_ref(&duty));
    let local = |t: Option<chrono::DateTime<chrono::Utc>>| {
        renkei_core::calendar::to_jst(t.expect("times")).format("%Y-%m-%dT%H:%M").to_string()
    };
    let admin = &demo.tokens.admin;
    let absence = json!({"id": "AB-SICK", "doctor": sick.doctor, "start": local(sick.start), "end": local(sick.end), "reason": "急病"});
    demo.post_json("/absences", admin, &absence, &[]).await.expect(201);

    // A long solve of another rota holds the solver, so the repair waits, made from v1.
    let occupier = demo.post_json("/rotas/2027-01-city/solve", admin, &json!({"time_limit": 600}), &[]).await;
    occupier.expect(202);
    let occupier = occupier.json["job"].as_str().expect("job").to_owned();
    for _ in 0..600 {
        if demo.get(&format!("/jobs/{occupier}"), admin).await.json["state"] == "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let repair = json!({"absence": "AB-SICK", "time_limit": 10});
    let accepted = demo.post_json("/rotas/2026-12-city/repair", admin, &repair, &[]).await;
    accepted.expect(202);
    let job = accepted.json["job"].as_str().expect("job").to_owned();

    // Meanwhile a swap is approved: version 2 is in force.
    let request = json!({"doctor": duty.doctor, "duty": duty_ref(&duty), "counterpart": counterpart});
    let requested = demo.post_json("/rotas/2026-12-city/swaps", admin, &request, &[]).await;
    requested.expect(201);
    let swap = requested.json["id"].as_str().expect("id").to_owned();
    move_swap(&demo, &swap, "accept", admin, "\"1\"").await.expect(200);
    move_swap(&demo, &swap, "approve", admin, "\"2\"").await.expect(200);
    assert_eq!(demo.get(&format!("/jobs/{job}"), admin).await.json["state"], "queued", "the repair still waits");

    // The repair then finishes as draft v3, made from v1: not published.
    demo.post_json(&format!("/jobs/{occupier}/cancel"), admin, &json!({}), &[]).await.expect(202);
    let (done, _) = wait_for_job(&demo, admin, &job).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["result_version"], 3);
    let refused = demo.post_json("/rotas/2026-12-city/versions/3/publish", admin, &json!({}), &[]).await;
    refused.expect(409);
    assert!(refused.text.contains("第1版") && refused.text.contains("第2版"), "{}", refused.text);
    assert!(refused.text.contains("run the repair or edit again from the current version"), "{}", refused.text);
    let draft = demo.get("/rotas/2026-12-city/versions/3", admin).await;
    assert_eq!(draft.json["summary"]["base_version"], 1, "{}", draft.text);
    assert_eq!(demo.get("/rotas/2026-12-city", admin).await.json["published_version"], 2);
    assert_eq!(holder(&version_records(&demo, "2026-12-city", "current").await, &duty), vec![counterpart.clone()]);
    let kept = demo.get(&format!("/swaps/{swap}"), admin).await;
    assert_eq!((kept.json["state"].as_str(), kept.json["result_version"].as_i64()), (Some("approved"), Some(2)));

    // Repaired again, from v2 (with the swap), the draft publishes.
    let accepted = demo.post_json("/rotas/2026-12-city/repair", admin, &repair, &[]).await;
    accepted.expect(202);
    let (done, _) = wait_for_job(&demo, admin, accepted.json["job"].as_str().expect("job")).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    let number = done["result_version"].as_i64().expect("a version");
    let publish = format!("/rotas/2026-12-city/versions/{number}/publish");
    let published = demo.post_json(&publish, admin, &json!({}), &[]).await;
    published.expect(200);
    assert_eq!(published.json["summary"]["base_version"], 2, "{}", published.text);
    let current = version_records(&demo, "2026-12-city", "current").await;
    assert!(!holder(&current, &sick).contains(&sick.doctor), "the absent doctor is off the duty");
}

crate::both!(solve_publish_swap, edit_and_publish, stale_draft_not_published);
