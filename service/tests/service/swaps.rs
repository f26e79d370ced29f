//! Swaps: requested by a doctor, accepted by the other, approved by a coordinator (or
//! moved on by a coordinator on their behalf), with every refusal: a duty that has
//! started is never swapped (history is not rewritten), and a swap is refused only for
//! the rules it breaks itself.

use renkei_core::calendar::{Month, jst_instant, parse_instant, to_jst};
use renkei_core::rota::DutyRecord;
use serde_json::json;

use crate::common::{TestApp, demo_city, rota_file};
use crate::rota_help::{
    doctor_token, duty_ref, holder, inside, linked_groups, move_swap, on_duty, same_slot, valid_swap, version,
    version_records,
};

/// A time an hour from now: duties starting after it are still ahead when a test's
/// swap is approved.
fn soon() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() + chrono::Duration::hours(1)
}

/// The swap workflow on the published city rota, with every refusal.
async fn swap_workflow(app: TestApp) {
    let demo = demo_city(app).await;
    let p = demo.people.clone();
    let snapshot = demo.state.snapshot();
    let d = snapshot.dataset();
    let group = d.groups.lookup(&p.group).expect("group");
    let groups = linked_groups(d, group);
    let december: Month = "2026-12".parse().unwrap();
    let records = rota_file("2026-12");
    let (duty, counterpart) = valid_swap(d, &groups, december, &records, Some(&p.doctor), soon(), &[]);
    let taker = doctor_token(&demo, &counterpart).await;
    let bystander = d.groups[group]
        .members
        .iter()
        .map(|&m| d.doctors[m].id.to_string())
        .find(|id| id != &p.doctor && id != &counterpart)
        .expect("a third member");
    let bystander = doctor_token(&demo, &bystander).await;
    let outsider = d.doctors.iter().find(|doc| !d.groups[group].members.iter().any(|&m| d.doctors[m].id == doc.id));
    let outsider = outsider.expect("a doctor outside the group").id.to_string();
    let swaps = "/rotas/2026-12-city/swaps";
    let request = json!({"doctor": p.doctor, "duty": duty_ref(&duty), "counterpart": counterpart});

    // Asking: only the doctor (or a coordinator), for a duty they hold, to a colleague.
    demo.post_json(swaps, &demo.tokens.nurse, &request, &[]).await.expect(403);
    demo.post_json(swaps, &bystander, &request, &[]).await.expect(403);
    let mut not_held = request.clone();
    not_held["doctor"] = json!(counterpart);
    not_held["counterpart"] = json!(p.doctor);
    let response = demo.post_json(swaps, &taker, &not_held, &[]).await;
    response.expect(422);
    assert_eq!(response.json["error"]["problems"][0]["field"], "duty");
    let mut with_self = request.clone();
    with_self["counterpart"] = json!(p.doctor);
    let response = demo.post_json(swaps, &demo.tokens.doctor, &with_self, &[]).await;
    response.expect(422);
    assert_eq!(response.json["error"]["problems"][0]["field"], "counterpart", "{}", response.text);
    let mut stranger = request.clone();
    stranger["counterpart"] = json!(outsider);
    let response = demo.post_json(swaps, &demo.tokens.doctor, &stranger, &[]).await;
    response.expect(422);
    assert_eq!(response.json["error"]["problems"][0]["field"], "counterpart");
    let key = [("idempotency-key", "swap-1")];
    let requested = demo.post_json(swaps, &demo.tokens.doctor, &request, &key).await;
    requested.expect(201);
    // A retry with the same key is the same request, not a second one.
    let again = demo.post_json(swaps, &demo.tokens.doctor, &request, &key).await;
    again.expect(201);
    assert_eq!(again.header("idempotent-replay"), Some("true"));
    assert_eq!(again.json["id"], requested.json["id"], "{}", again.text);
    assert_eq!(again.etag(), requested.etag(), "the replay carries the ETag too");
    assert_eq!(requested.etag(), "\"1\"");
    assert_eq!(requested.json["state"], "requested");
    assert_eq!(requested.json["base_version"], 1);
    let swap = requested.json["id"].as_str().expect("id").to_owned();

    // Accepting: only the counterpart, at the current ETag, in the right state.
    move_swap(&demo, &swap, "accept", &demo.tokens.doctor, "\"1\"").await.expect(403);
    move_swap(&demo, &swap, "accept", &bystander, "\"1\"").await.expect(403);
    move_swap(&demo, &swap, "accept", &demo.tokens.nurse, "\"1\"").await.expect(403);
    let stale = move_swap(&demo, &swap, "accept", &taker, "\"7\"").await;
    stale.expect(409);
    assert_eq!(stale.error_code(), "conflict");
    demo.post_json(&format!("/swaps/{swap}/accept"), &taker, &json!({}), &[]).await.expect(428);
    move_swap(&demo, &swap, "approve", &demo.tokens.coordinator, "\"1\"").await.expect(409);
    move_swap(&demo, &swap, "fly", &taker, "\"1\"").await.expect(404);
    let accepted = move_swap(&demo, &swap, "accept", &taker, "\"1\"").await;
    accepted.expect(200);
    assert_eq!(accepted.etag(), "\"2\"");
    assert_eq!(accepted.json["state"], "accepted");
    move_swap(&demo, &swap, "accept", &taker, "\"2\"").await.expect(409);

    // Approving: only a coordinator of the group.
    move_swap(&demo, &swap, "approve", &demo.tokens.doctor, "\"2\"").await.expect(403);
    move_swap(&demo, &swap, "approve", &taker, "\"2\"").await.expect(403);
    move_swap(&demo, &swap, "approve", &demo.tokens.coordinator, "\"1\"").await.expect(409);
    let approved = move_swap(&demo, &swap, "approve", &demo.tokens.coordinator, "\"2\"").await;
    approved.expect(200);
    assert_eq!(approved.json["state"], "approved");
    assert_eq!(approved.json["result_version"], 2);
    move_swap(&demo, &swap, "cancel", &demo.tokens.doctor, "\"3\"").await.expect(409);
    let history = demo.get(&format!("/swaps/{swap}"), &taker).await;
    history.expect(200);
    let steps: Vec<&str> =
        history.json["history"].as_array().expect("history").iter().filter_map(|h| h["action"].as_str()).collect();
    assert_eq!(steps, ["requested", "accepted", "approved"]);

    // A new published version; the old one is kept, superseded.
    let rota = demo.get("/rotas/2026-12-city", &demo.tokens.coordinator).await;
    rota.expect(200);
    assert_eq!(rota.json["published_version"], 2);
    assert_eq!(version(&rota.json, 1)["state"], "superseded");
    assert_eq!(version(&rota.json, 2)["state"], "in_force");
    assert_eq!(holder(&version_records(&demo, "2026-12-city", "1").await, &duty), vec![p.doctor.clone()]);
    assert_eq!(holder(&version_records(&demo, "2026-12-city", "current").await, &duty), vec![counterpart.clone()]);
    // The lookup at the slot uses the version in force then: the new one, since only a
    // duty that has not started is swapped.
    let approved_at = parse_instant(version(&rota.json, 2)["published_at"].as_str().expect("published")).unwrap();
    assert!(duty.start.expect("times") >= approved_at);
    assert_eq!(on_duty(&demo, &duty.group, &inside(&duty)).await, vec![counterpart.clone()]);

    // A coordinator on the doctors' behalf: asks for one, accepts for the other.
    let current = version_records(&demo, "2026-12-city", "current").await;
    let (second, counterpart2) =
        valid_swap(d, &groups, december, &current, Some(&p.doctor), soon(), std::slice::from_ref(&duty));
    let request = json!({"doctor": p.doctor, "duty": duty_ref(&second), "counterpart": counterpart2});
    let requested = demo.post_json(swaps, &demo.tokens.coordinator, &request, &[]).await;
    requested.expect(201);
    assert_eq!(requested.json["history"][0]["on_behalf"], true);
    assert_eq!(requested.json["base_version"], 2);
    let swap2 = requested.json["id"].as_str().expect("id").to_owned();
    let accepted = move_swap(&demo, &swap2, "accept", &demo.tokens.coordinator, "\"1\"").await;
    accepted.expect(200);
    assert_eq!(accepted.json["history"][1]["on_behalf"], true);
    move_swap(&demo, &swap2, "approve", &demo.tokens.coordinator, "\"2\"").await.expect(200);
    assert_eq!(holder(&version_records(&demo, "2026-12-city", "current").await, &second), vec![counterpart2]);

    // Rejected and cancelled swaps change no version.
    let (third, counterpart3) = valid_swap(
        d,
        &groups,
        december,
        &version_records(&demo, "2026-12-city", "current").await,
        Some(&p.doctor),
        soon(),
        &[duty.clone(), second.clone()],
    );
    let request = json!({"doctor": p.doctor, "duty": duty_ref(&third), "counterpart": counterpart3});
    let a = demo.post_json(swaps, &demo.tokens.doctor, &request, &[]).await;
    let a = a.json["id"].as_str().expect("id").to_owned();
    let c3 = doctor_token(&demo, &counterpart3).await;
    move_swap(&demo, &a, "reject", &c3, "\"1\"").await.expect(200);
    move_swap(&demo, &a, "accept", &c3, "\"2\"").await.expect(409);
    let b = demo.post_json(swaps, &demo.tokens.doctor, &request, &[]).await;
    let b = b.json["id"].as_str().expect("id").to_owned();
    move_swap(&demo, &b, "cancel", &c3, "\"1\"").await.expect(403);
    move_swap(&demo, &b, "cancel", &demo.tokens.doctor, "\"1\"").await.expect(200);
    let listed = demo.get(swaps, &demo.tokens.coordinator).await;
    let states: Vec<&str> =
        listed.json["swaps"].as_array().expect("swaps").iter().filter_map(|s| s["state"].as_str()).collect();
    assert_eq!(states.iter().filter(|&&s| s == "approved").count(), 2);
    assert!(states.contains(&"rejected") && states.contains(&"cancelled"));
    assert_eq!(demo.get("/rotas/2026-12-city", &demo.tokens.coordinator).await.json["published_version"], 3);
}

/// A duty that has started is never swapped, since that would rewrite who was on duty:
/// refused when asked, and when accepted or approved after the duty started.
async fn started_duty_not_swapped(app: TestApp) {
    let demo = demo_city(app).await;
    let p = demo.people.clone();
    let snapshot = demo.state.snapshot();
    let d = snapshot.dataset();
    let groups = linked_groups(d, d.groups.lookup(&p.group).expect("group"));
    let december: Month = "2026-12".parse().unwrap();
    let records = rota_file("2026-12");
    let earliest = chrono::DateTime::<chrono::Utc>::MIN_UTC;
    let (started, counterpart) = valid_swap(d, &groups, december, &records, None, earliest, &[]);
    if started.start.expect("times") > chrono::Utc::now() {
        eprintln!("skipped: no duty of the December 2026 rota has started yet");
        return;
    }
    let admin = &demo.tokens.admin;
    let swaps = "/rotas/2026-12-city/swaps";
    let request = json!({"doctor": started.doctor, "duty": duty_ref(&started), "counterpart": counterpart});
    let refused = demo.post_json(swaps, admin, &request, &[]).await;
    refused.expect(422);
    assert_eq!(refused.json["error"]["problems"][0]["field"], "duty", "{}", refused.text);
    assert!(refused.text.contains("既に始まった当番は交代できません"), "{}", refused.text);
    assert!(refused.text.contains(&started.date.to_string()), "names the duty: {}", refused.text);

    // Asked while the duty was ahead, moved on after it started: a swap asked for a
    // later duty of the doctor, stored as naming the started one.
    let Some(later) = records
        .duties
        .iter()
        .find(|r| r.doctor == started.doctor && r.group == started.group && r.start.expect("times") > soon())
    else {
        eprintln!("skipped the accept and approve steps: {} has no later duty", started.doctor);
        return;
    };
    let request = json!({"doctor": started.doctor, "duty": duty_ref(later), "counterpart": counterpart});
    let requested = demo.post_json(swaps, admin, &request, &[]).await;
    requested.expect(201);
    let swap = requested.json["id"].as_str().expect("id").to_owned();
    let body = json!({
        "doctor": started.doctor,
        "duty": duty_ref(&started),
        "counterpart": counterpart,
        "exchange": null,
        "note": "",
        "history": requested.json["history"],
    });
    let stored = body.to_string().replace('\'', "''");
    assert_eq!(demo.execute_sql(&format!("UPDATE swaps SET body = '{stored}' WHERE id = '{swap}'")).await, 1);
    let accepted = move_swap(&demo, &swap, "accept", admin, "\"1\"").await;
    accepted.expect(422);
    assert_eq!(accepted.json["error"]["problems"][0]["field"], "duty", "{}", accepted.text);
    demo.execute_sql(&format!("UPDATE swaps SET state = 'accepted', version = 2 WHERE id = '{swap}'")).await;
    let approved = move_swap(&demo, &swap, "approve", admin, "\"2\"").await;
    approved.expect(422);
    assert!(approved.text.contains("既に始まった当番は交代できません"), "{}", approved.text);

    // Nothing changed: the duty is the doctor's, then and now.
    let rota = demo.get("/rotas/2026-12-city", admin).await;
    assert_eq!(rota.json["published_version"], 1);
    assert_eq!(
        holder(&version_records(&demo, "2026-12-city", "current").await, &started),
        vec![started.doctor.clone()]
    );
    let from_to = format!("from={}&to={}", started.date, started.date);
    let taker = demo.get(&format!("/doctors/{counterpart}/duties?{from_to}"), admin).await;
    taker.expect(200);
    let held = taker.json["duties"].as_array().expect("duties").iter().any(|x| {
        x["group"] == started.group.as_str() && x["slot"] == started.slot.code() && x["role"] == started.role.code()
    });
    assert!(!held, "{}", taker.text);
}

/// A rule the rota in force already breaks (an absence not yet repaired) does not
/// refuse an unrelated swap; a rule the swap breaks does.
async fn swap_beside_broken_rule(app: TestApp) {
    let demo = demo_city(app).await;
    let p = demo.people.clone();
    let snapshot = demo.state.snapshot();
    let d = snapshot.dataset();
    let groups = linked_groups(d, d.groups.lookup(&p.group).expect("group"));
    let in_groups = |r: &DutyRecord| d.groups.lookup(&r.group).is_some_and(|g| groups.contains(&g));
    let december: Month = "2026-12".parse().unwrap();
    let records = rota_file("2026-12");
    let (duty, counterpart) = valid_swap(d, &groups, december, &records, None, soon(), &[]);
    // Another doctor, rostered later, falls ill: the version in force now breaks a rule.
    let rostered = records
        .duties
        .iter()
        .find(|r| {
            in_groups(r)
                && r.doctor != duty.doctor
                && r.doctor != counterpart
                && r.start.expect("times") > soon()
                && !same_slot(r, &duty)
        })
        .expect("another rostered duty ahead");
    let (from, to) = (day_start(rostered), rostered.end.expect("times") + chrono::Duration::days(3));
    let local = |t: chrono::DateTime<chrono::Utc>| to_jst(t).format("%Y-%m-%dT%H:%M").to_string();
    let absence = json!({"id": "AB-UNREPAIRED", "doctor": rostered.doctor, "start": local(from), "end": local(to), "reason": "急病"});
    demo.post_json("/absences", &demo.tokens.admin, &absence, &[]).await.expect(201);

    let admin = &demo.tokens.admin;
    let swaps = "/rotas/2026-12-city/swaps";
    let request = json!({"doctor": duty.doctor, "duty": duty_ref(&duty), "counterpart": counterpart});
    let requested = demo.post_json(swaps, admin, &request, &[]).await;
    requested.expect(201);
    let swap = requested.json["id"].as_str().expect("id").to_owned();
    move_swap(&demo, &swap, "accept", admin, "\"1\"").await.expect(200);
    let approved = move_swap(&demo, &swap, "approve", admin, "\"2\"").await;
    approved.expect(200);
    assert_eq!(approved.json["result_version"], 2, "{}", approved.text);
    assert_eq!(holder(&version_records(&demo, "2026-12-city", "current").await, &duty), vec![counterpart.clone()]);

    // A duty given to the absent doctor during the absence breaks a rule of its own.
    let absent = d.doctors.lookup(&rostered.doctor).expect("doctor");
    let during = records.duties.iter().find(|r| {
        let group = d.groups.lookup(&r.group).expect("group");
        r.doctor != rostered.doctor
            && d.groups[group].members.contains(&absent)
            && r.start.expect("times") > soon()
            && r.start.expect("times") < to
            && r.end.expect("times") > from
            && !same_slot(r, &duty)
    });
    let Some(during) = during else {
        eprintln!("skipped the refusal: no other duty of {}'s groups during the absence", rostered.doctor);
        return;
    };
    let request = json!({"doctor": during.doctor, "duty": duty_ref(during), "counterpart": rostered.doctor});
    let requested = demo.post_json(swaps, admin, &request, &[]).await;
    requested.expect(201);
    let swap = requested.json["id"].as_str().expect("id").to_owned();
    move_swap(&demo, &swap, "accept", admin, "\"1\"").await.expect(200);
    let refused = move_swap(&demo, &swap, "approve", admin, "\"2\"").await;
    refused.expect(422);
    assert!(refused.text.contains("交代すると規則に反します"), "{}", refused.text);
    assert_eq!(demo.get("/rotas/2026-12-city", admin).await.json["published_version"], 2);
}

/// The start of a duty's JST day.
fn day_start(duty: &DutyRecord) -> chrono::DateTime<chrono::Utc> {
    jst_instant(duty.date, chrono::NaiveTime::MIN)
}

crate::both!(swap_workflow, started_duty_not_swapped, swap_beside_broken_rule);
