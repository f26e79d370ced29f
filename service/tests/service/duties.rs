//! A doctor's duties between two dates, and the iCalendar feeds behind unguessable
//! tokens.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration};
use renkei_core::rota::DutyRecord;

use crate::common::{Demo, TestApp, load_demo, rota_file};

const MONTHS: [&str; 3] = ["2026-11", "2026-12", "2027-01"];

/// The published duties of `doctor` in the committed rota files.
fn duties_in_files(doctor: &str) -> Vec<DutyRecord> {
    MONTHS.iter().flat_map(|month| rota_file(month).duties).filter(|duty| duty.doctor == doctor).collect()
}

async fn duties(app: TestApp) {
    let demo = load_demo(app, &MONTHS).await;
    let doctor = demo.people.doctor.clone();
    let path = |query: &str| format!("/doctors/{doctor}/duties?{query}");

    let december = demo.get(&path("from=2026-12-01&to=2026-12-31"), &demo.tokens.doctor).await;
    december.expect(200);
    let listed = december.json["duties"].as_array().expect("duties");
    let expected: Vec<DutyRecord> =
        duties_in_files(&doctor).into_iter().filter(|d| d.date.format("%Y-%m").to_string() == "2026-12").collect();
    assert!(!expected.is_empty());
    assert_eq!(december.json["count"].as_u64(), Some(expected.len() as u64));
    let got: BTreeSet<(String, String, String)> = listed
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_owned(),
                d["slot"].as_str().unwrap().to_owned(),
                d["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String, String)> =
        expected.iter().map(|d| (d.date.to_string(), d.slot.code().to_owned(), d.role.code().to_owned())).collect();
    assert_eq!(got, want);
    let starts: Vec<&str> = listed.iter().filter_map(|d| d["start"].as_str()).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]) && starts.iter().all(|s| s.ends_with("+09:00")), "{starts:?}");
    // One day only, and a span crossing months.
    let first = &expected[0];
    let one = demo.get(&path(&format!("from={0}&to={0}", first.date)), &demo.tokens.doctor).await;
    assert!(one.json["count"].as_u64().is_some_and(|n| n >= 1));
    let span = demo.get(&path("from=2026-11-01&to=2027-01-31"), &demo.tokens.doctor).await;
    assert_eq!(span.json["count"].as_u64(), Some(duties_in_files(&doctor).len() as u64));
    // Days off are Saturdays, Sundays, public holidays and 年末年始 (12/29–1/3), as the
    // groups' calendars have them: counted for a doctor on duty on a weekday of 年末年始.
    let day_off = |date: chrono::NaiveDate| {
        date.weekday().number_from_monday() >= 6
            || renkei_core::calendar::holiday_on(date).is_some()
            || (date.month() == 12 && date.day() >= 29)
            || (date.month() == 1 && date.day() <= 3)
    };
    let year_end_weekday = |date: chrono::NaiveDate| {
        day_off(date) && date.weekday().number_from_monday() < 6 && renkei_core::calendar::holiday_on(date).is_none()
    };
    let worker = MONTHS
        .iter()
        .flat_map(|month| rota_file(month).duties)
        .find(|duty| year_end_weekday(duty.date))
        .expect("someone is on duty on a weekday of 年末年始")
        .doctor;
    let all = duties_in_files(&worker);
    let theirs = demo.get(&format!("/doctors/{worker}/duties?from=2026-11-01&to=2027-01-31"), &demo.tokens.admin).await;
    assert_eq!(theirs.json["count"].as_u64(), Some(all.len() as u64));
    let off = all.iter().filter(|duty| day_off(duty.date)).count();
    assert_eq!(theirs.json["weekend_or_holiday"].as_u64(), Some(off as u64), "{}", theirs.text);

    // Who may ask: the doctor, and coordinators of their groups; nobody else.
    demo.get(&path("from=2026-12-01&to=2026-12-31"), &demo.tokens.coordinator).await.expect(200);
    demo.get(&path("from=2026-12-01&to=2026-12-31"), &demo.tokens.nurse).await.expect(403);
    demo.get(&path("from=2026-12-01&to=2026-12-31"), &demo.tokens.ward).await.expect(403);
    let snapshot = demo.state.snapshot();
    let other = snapshot.dataset().doctors.iter().find(|d| d.id.as_str() != doctor).expect("doctor").id.to_string();
    demo.get(&format!("/doctors/{other}/duties"), &demo.tokens.doctor).await.expect(403);
    demo.get("/doctors/D9999/duties", &demo.tokens.admin).await.expect(404);

    // Bad dates name the parameter.
    for (query, field) in [
        ("from=2026-13-01", "from"),
        ("from=12/01", "from"),
        ("to=tomorrow", "to"),
        ("from=2026-12-10&to=2026-12-01", "to"),
    ] {
        let response = demo.get(&path(query), &demo.tokens.doctor).await;
        response.expect(400);
        assert_eq!(response.json["error"]["field"], field, "{query}: {}", response.text);
        assert_eq!(response.error_code(), "bad_request");
    }
    demo.get(&path("from=2026-01-01&to=2027-12-31"), &demo.tokens.doctor).await.expect(400);
}

fn events(calendar: &str) -> Vec<&str> {
    calendar.split("BEGIN:VEVENT").skip(1).collect()
}

fn uid(event: &str) -> String {
    // Long lines are folded (RFC 5545): a line break and a space continue the line.
    let unfolded = event.replace("\r\n ", "").replace("\n ", "");
    unfolded.lines().find_map(|line| line.strip_prefix("UID:")).expect("a UID").trim().to_owned()
}

async fn feed_of(demo: &Demo, path: &str, token: &str) -> String {
    let created = demo.post_json(path, token, &serde_json::json!({}), &[]).await;
    created.expect(201);
    let url = created.json["url"].as_str().expect("url").to_owned();
    let (_, feed) = url.split_once("/feeds/").expect("a feed URL");
    assert!(feed.trim_end_matches(".ics").len() >= 64, "unguessable: {url}");
    format!("/feeds/{feed}")
}

async fn calendars(app: TestApp) {
    let demo = load_demo(app, &MONTHS).await;
    let doctor = demo.people.doctor.clone();

    let path = feed_of(&demo, &format!("/doctors/{doctor}/feed"), &demo.tokens.doctor).await;
    // The feed needs no bearer token: the URL is the secret.
    let calendar = demo.get_anonymous(&path).await;
    calendar.expect(200);
    assert!(calendar.header("content-type").is_some_and(|t| t.starts_with("text/calendar")));
    assert!(calendar.text.starts_with("BEGIN:VCALENDAR") && calendar.text.trim_end().ends_with("END:VCALENDAR"));
    // The feed spans a month back to three months ahead of now: exactly the doctor's
    // published duties starting then. (With the committed rotas of 2026-11 to 2027-01
    // that is most of them while those months are near; later the feed is empty.)
    let now = chrono::Utc::now();
    let (from, to) = (now - Duration::days(31), now + Duration::days(92));
    let expected: BTreeSet<String> = duties_in_files(&doctor)
        .into_iter()
        .filter(|d| d.start.is_some_and(|start| from <= start && start < to))
        .map(|d| format!("{}-{}-{}-{}-{}@renkei", d.group, d.date, d.slot.code(), d.role.code(), doctor))
        .collect();
    let got: BTreeSet<String> = events(&calendar.text).into_iter().map(uid).collect();
    assert_eq!(got, expected, "{}", calendar.text);
    for event in events(&calendar.text) {
        assert!(event.contains("DTSTART") && event.contains("DTEND") && event.contains("SUMMARY"), "{event}");
    }
    if now < "2027-03-01T00:00:00Z".parse::<chrono::DateTime<chrono::Utc>>().unwrap() {
        assert!(!got.is_empty(), "the committed rotas are within the window until 2027-03");
    }
    // The .ics suffix is optional; an unknown token is not found.
    demo.get_anonymous(path.trim_end_matches(".ics")).await.expect(200);
    demo.get_anonymous("/feeds/0000000000000000000000000000000000000000000000000000000000000000.ics").await.expect(404);

    // A group's feed: one event per slot, the 当番 in its summary.
    let group_path = feed_of(&demo, &format!("/groups/{}/feed", demo.people.group), &demo.tokens.doctor).await;
    let group = demo.get_anonymous(&group_path).await;
    group.expect(200);
    let expected_slots: BTreeSet<String> = MONTHS
        .iter()
        .flat_map(|month| rota_file(month).duties)
        .filter(|d| d.group == demo.people.group && d.start.is_some_and(|start| from <= start && start < to))
        .map(|d| format!("{}-{}-{}@renkei", d.group, d.date, d.slot.code()))
        .collect();
    let got: BTreeSet<String> = events(&group.text).into_iter().map(uid).collect();
    assert_eq!(got, expected_slots);

    // Who may make feeds.
    let other_group = format!("/groups/{}/feed", demo.people.other_group);
    demo.post_json(&other_group, &demo.tokens.doctor, &serde_json::json!({}), &[]).await.expect(403);
    demo.post_json(&format!("/groups/{}/feed", demo.people.group), &demo.tokens.nurse, &serde_json::json!({}), &[])
        .await
        .expect(403);
    let snapshot = demo.state.snapshot();
    let other = snapshot.dataset().doctors.iter().find(|d| d.id.as_str() != doctor).expect("doctor").id.to_string();
    demo.post_json(&format!("/doctors/{other}/feed"), &demo.tokens.doctor, &serde_json::json!({}), &[])
        .await
        .expect(403);
    demo.post_json(&format!("/doctors/{doctor}/feed"), &demo.tokens.coordinator, &serde_json::json!({}), &[])
        .await
        .expect(201);
    demo.send(axum::http::Method::POST, &format!("/doctors/{doctor}/feed"), None, None, &[]).await.expect(401);

    // Every line of a feed is at most 75 octets (RFC 5545 folding).
    for line in calendar.text.split_terminator("\r\n").chain(group.text.split_terminator("\r\n")) {
        assert!(line.len() <= 75, "{} octets: {line}", line.len());
    }

    // A feed is revoked by whoever may make it (not by others): its URL stops working.
    demo.delete(&path, &demo.tokens.nurse, &[]).await.expect(403);
    demo.get_anonymous(&path).await.expect(200);
    demo.delete(&path, &demo.tokens.doctor, &[]).await.expect(204);
    demo.get_anonymous(&path).await.expect(404);
    demo.delete(&path, &demo.tokens.doctor, &[]).await.expect(404);
    demo.get_anonymous(&group_path).await.expect(200);
    demo.delete(&group_path, &demo.tokens.admin, &[]).await.expect(204);
    demo.get_anonymous(&group_path).await.expect(404);
    let revokes = demo.get("/audit?action=feed_revoke", &demo.tokens.admin).await;
    revokes.expect(200);
    assert_eq!(revokes.json["entries"].as_array().map(Vec::len), Some(2), "{}", revokes.text);
}

crate::both!(duties, calendars);
