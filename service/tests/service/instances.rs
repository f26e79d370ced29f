//! Several service instances on one PostgreSQL database: each sees what the others
//! write once it reloads, and concurrent conflicting edits are decided once.

use axum::http::Method;
use serde_json::json;

use crate::common::{TestApp, demo_city, send_to};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_database() {
    let demo = demo_city(TestApp::postgres().await).await;
    let b_state = TestApp::instance(&demo.url).await;
    let b = renkei_service::server::app(b_state.clone());
    let token = demo.tokens.doctor.clone();
    let path = format!("/patients/{}", demo.people.patient);
    let b_get = || send_to(&b, Method::GET, &path, Some(&token), None, &[]);

    // B starts from what A wrote (the demo, the rotas, the tokens).
    assert_eq!(b_state.snapshot().version, demo.data_version());
    let before = b_get().await;
    before.expect(200);
    assert_eq!(before.etag(), "\"1\"");

    // A write through A reaches B when B reloads.
    let written = demo.patch_json(&path, &token, &json!({"acp": "自宅で看取りを希望"}), &[("if-match", "\"1\"")]).await;
    written.expect(200);
    assert_eq!(b_get().await.etag(), "\"1\"", "B answers from its snapshot until it reloads");
    assert!(b_state.reload_if_changed().await.expect("reload"));
    assert!(!b_state.reload_if_changed().await.expect("reload"), "nothing more to load");
    let seen = b_get().await;
    assert_eq!(seen.etag(), "\"2\"");
    assert_eq!(seen.json["fields"]["acp"], "自宅で看取りを希望");

    // Conflicting edits at once through A and B with the same If-Match: one wins.
    let a_body = json!({"acp": "A"});
    let a_edit = demo.patch_json(&path, &token, &a_body, &[("if-match", "\"2\"")]);
    let b_body = json!({"acp": "B"});
    let b_edit = send_to(&b, Method::PATCH, &path, Some(&token), Some(&b_body), &[("if-match", "\"2\"")]);
    let (a, b_result) = tokio::join!(a_edit, b_edit);
    let mut statuses = [a.status.as_u16(), b_result.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "A: {} / B: {}", a.text, b_result.text);
    let winner = if a.status.as_u16() == 200 { "A" } else { "B" };

    // Both instances agree afterwards, and the audit chain (written by both) holds.
    b_state.reload_if_changed().await.expect("reload");
    demo.state.reload_if_changed().await.expect("reload");
    let from_a = demo.get(&path, &token).await;
    let from_b = b_get().await;
    assert_eq!(from_a.etag(), "\"3\"");
    assert_eq!(from_b.etag(), "\"3\"");
    assert_eq!(from_a.json["fields"]["acp"], winner);
    assert_eq!(from_b.json["fields"]["acp"], winner);
    assert_eq!(demo.data_version(), b_state.snapshot().version);
    let verify = demo.get("/audit/verify", &demo.tokens.admin).await;
    assert_eq!(verify.json["intact"], true, "{}", verify.text);
    let updates = demo.get(&format!("/audit?action=update&patient={}", demo.people.patient), &demo.tokens.admin).await;
    assert_eq!(updates.json["entries"].as_array().map(Vec::len), Some(2), "{}", updates.text);

    // A token issued through A is honoured by B after a reload.
    let admin =
        demo.post_json("/tokens", &demo.tokens.admin, &json!({"label": "second admin", "role": "admin"}), &[]).await;
    admin.expect(201);
    let new_token = admin.json["token"].as_str().expect("token").to_owned();
    let audit = || send_to(&b, Method::GET, "/audit/verify", Some(&new_token), None, &[]);
    audit().await.expect(401);
    assert!(b_state.reload_if_changed().await.expect("reload"), "B sees the new token");
    audit().await.expect(200);
    // Revoked through A, refused by B after its next reload (no data changed meanwhile).
    demo.post_json("/tokens/revoke", &demo.tokens.admin, &json!({"token": new_token}), &[]).await.expect(204);
    audit().await.expect(200);
    assert!(b_state.reload_if_changed().await.expect("reload"), "B sees the revocation");
    audit().await.expect(401);
    assert!(!b_state.reload_if_changed().await.expect("reload"), "nothing more to load");

    // A solve running on A is cancelled through B: B marks the job, A's runner sees it
    // at its next progress report and stops with the best rota so far.
    let admin = demo.tokens.admin.clone();
    let groups: Vec<String> = demo.state.snapshot().dataset().groups.iter().map(|g| g.id.to_string()).collect();
    let month = crate::rota_help::future_month().to_string();
    let created = demo.post_json("/rotas", &admin, &json!({"month": month, "groups": groups}), &[]).await;
    created.expect(201);
    let rota = created.json["id"].as_str().expect("id").to_owned();
    let accepted = demo.post_json(&format!("/rotas/{rota}/solve"), &admin, &json!({"time_limit": 120}), &[]).await;
    accepted.expect(202);
    let job = accepted.json["job"].as_str().expect("job id").to_owned();
    b_state.reload_if_changed().await.expect("reload"); // as its reloader does every second
    let cancel_path = format!("/jobs/{job}/cancel");
    let cancel = send_to(&b, Method::POST, &cancel_path, Some(&admin), Some(&json!({})), &[]).await;
    cancel.expect(202);
    assert_eq!(cancel.json["state"], "cancelling");
    let (done, _) = crate::rota_help::wait_for_job(&demo, &admin, &job).await;
    assert_eq!(done["state"], "cancelled", "{done}");
    let seen_by_b = send_to(&b, Method::GET, &format!("/jobs/{job}"), Some(&admin), None, &[]).await;
    assert_eq!(seen_by_b.json["state"], "cancelled", "{}", seen_by_b.text);
    send_to(&b, Method::POST, &cancel_path, Some(&admin), Some(&json!({})), &[]).await.expect(409);
    b_state.store().close().await;
}
