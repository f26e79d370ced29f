//! Picking rota duties for the rota scenarios from the data, with core's own validator.

use std::time::Duration;

use renkei_core::calendar::{Instant, Month, to_jst};
use renkei_core::dataset::Dataset;
use renkei_core::domain::{Group, Idx};
use renkei_core::rota::{DutyRecord, ProblemSpec, RotaRecords, build_problem, validate};
use serde_json::{Value, json};

use renkei_service::demo::issue_token;
use renkei_service::server::auth::Role;

use crate::common::{Demo, Resp};

/// The groups linked to `start` by shared doctors (a rota must hold them together).
pub fn linked_groups(d: &Dataset, start: Idx<Group>) -> Vec<Idx<Group>> {
    let mut seen = vec![start];
    let mut next = 0;
    while next < seen.len() {
        for &member in &d.groups[seen[next]].members {
            for &other in d.groups_of_doctor(member) {
                if !seen.contains(&other) {
                    seen.push(other);
                }
            }
        }
        next += 1;
    }
    seen.sort();
    seen
}

/// The rotation groups linked by shared doctors with the fewest doctors: the smallest
/// rota that can be solved on its own.
pub fn smallest_linked_groups(d: &Dataset) -> Vec<Idx<Group>> {
    let doctors = |groups: &[Idx<Group>]| {
        let mut all: Vec<_> = groups.iter().flat_map(|&g| d.groups[g].members.iter().copied()).collect();
        all.sort();
        all.dedup();
        all.len()
    };
    d.groups
        .indices()
        .filter(|&g| d.groups[g].policy.rotation() || d.groups[g].policy.absence_cover())
        .map(|g| linked_groups(d, g))
        .min_by_key(|groups| doctors(groups))
        .expect("the demo has rotation groups")
}

/// A month wholly in the future that no committed rota file covers.
pub fn future_month() -> Month {
    let today = to_jst(chrono::Utc::now()).date_naive();
    let next = Month::containing(Month::containing(today).expect("supported").last_day().succ_opt().expect("in range"))
        .expect("supported");
    next.max(Month::new(2027, 2).expect("a month"))
}

/// A swap that keeps every hard rule: a 当番 (primary) duty of `doctor` (any doctor if `None`) in
/// `groups` (linked groups: the rules of their doctors are checked on them alone)
/// starting at or after `after`, and a colleague to take it.
#[track_caller]
pub fn valid_swap(
    d: &Dataset,
    groups: &[Idx<Group>],
    month: Month,
    records: &RotaRecords,
    doctor: Option<&str>,
    after: Instant,
    skip: &[DutyRecord],
) -> (DutyRecord, String) {
    let problem = build_problem(d, &ProblemSpec { groups: groups.to_vec(), days: month.days() }).expect("problem");
    let near = |who: &str, date: chrono::NaiveDate| {
        records.duties.iter().any(|r| r.doctor == who && (r.date - date).num_days().abs() <= 1)
    };
    for duty in &records.duties {
        let group = d.groups.lookup(&duty.group).expect("group");
        let start = duty.start.expect("rota files carry times");
        let wanted = duty.role == renkei_core::domain::Role::Primary && doctor.is_none_or(|who| duty.doctor == who);
        if !groups.contains(&group) || start < after || !wanted || skip.iter().any(|s| same_slot(s, duty)) {
            continue;
        }
        for &member in &d.groups[group].members {
            let candidate = d.doctors[member].id.as_str();
            if candidate == duty.doctor || near(candidate, duty.date) {
                continue;
            }
            let mut swapped = records.clone();
            let in_scope = |id: &str| d.groups.lookup(id).is_some_and(|g| groups.contains(&g));
            swapped.duties.retain(|r| in_scope(&r.group));
            swapped.covers.retain(|c| in_scope(&c.group));
            for record in &mut swapped.duties {
                if record == duty {
                    record.doctor = candidate.to_owned();
                }
            }
            let rota = swapped.to_rota(&problem).expect("records fit the problem");
            let report = validate(&problem, &rota);
            if report.violations.is_empty() {
                return (duty.clone(), candidate.to_owned());
            }
        }
    }
    let mut unchanged = records.clone();
    let in_scope = |id: &str| d.groups.lookup(id).is_some_and(|g| groups.contains(&g));
    unchanged.duties.retain(|r| in_scope(&r.group));
    unchanged.covers.retain(|c| in_scope(&c.group));
    let report = validate(&problem, &unchanged.to_rota(&problem).expect("fits"));
    panic!(
        "no valid swap in {month} for {doctor:?}; the rota itself breaks: {:?}",
        report.violations.iter().map(|v| v.describe(&problem)).collect::<Vec<_>>()
    );
}

/// The duty as a swap request names it.
pub fn duty_ref(duty: &DutyRecord) -> Value {
    json!({"group": duty.group, "date": duty.date, "slot": duty.slot.code(), "role": duty.role.code()})
}

/// A JST time one minute into the duty, as `?at=` takes it.
pub fn inside(duty: &DutyRecord) -> String {
    let at = duty.start.expect("times") + chrono::Duration::minutes(1);
    to_jst(at).format("%Y-%m-%dT%H:%M").to_string()
}

/// The doctors on duty (primary) in `group` at `at`.
pub async fn on_duty(demo: &Demo, group: &str, at: &str) -> Vec<String> {
    let response = demo.get(&format!("/groups/{group}/on-duty?at={at}"), &demo.tokens.admin).await;
    response.expect(200);
    response.json["primary"].as_array().expect("primary").iter().map(|c| c["id"].as_str().unwrap().to_owned()).collect()
}

/// Polls a job until it ends; returns its last state and whether it was seen running
/// with progress.
pub async fn wait_for_job(demo: &Demo, token: &str, id: &str) -> (Value, bool) {
    let mut seen_progress = false;
    for _ in 0..1200 {
        let response = demo.get(&format!("/jobs/{id}"), token).await;
        response.expect(200);
        let state = response.json["state"].as_str().unwrap_or_default().to_owned();
        if state == "running" && !response.json["progress"].is_null() {
            seen_progress = true;
        }
        if matches!(state.as_str(), "succeeded" | "failed" | "cancelled") {
            return (response.json, seen_progress);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("job {id} did not finish in two minutes");
}

/// The records of a rota version as the service shows them.
pub async fn version_records(demo: &Demo, rota: &str, version: &str) -> RotaRecords {
    let response = demo.get(&format!("/rotas/{rota}/versions/{version}"), &demo.tokens.admin).await;
    response.expect(200);
    serde_json::from_value(response.json["records"].clone()).expect("records")
}

/// Who holds `duty`'s slot and role in `records`.
pub fn holder(records: &RotaRecords, duty: &DutyRecord) -> Vec<String> {
    records.duties.iter().filter(|r| same_slot(r, duty)).map(|r| r.doctor.clone()).collect()
}

/// Whether two duty records name the same slot and role.
pub fn same_slot(a: &DutyRecord, b: &DutyRecord) -> bool {
    a.group == b.group && a.date == b.date && a.slot == b.slot && a.role == b.role
}

/// A version of a rota view by number.
pub fn version(rota: &Value, number: i64) -> &Value {
    rota["versions"].as_array().expect("versions").iter().find(|v| v["version"] == number).expect("version")
}

/// A token for a doctor.
pub async fn doctor_token(demo: &Demo, id: &str) -> String {
    issue_token(&demo.state, &format!("医師 {id}"), &Role::Doctor(id.to_owned())).await.expect("token")
}

/// Moves a swap on (`accept`, `approve`, …) at an ETag.
pub async fn move_swap(demo: &Demo, id: &str, action: &str, token: &str, etag: &str) -> Resp {
    demo.post_json(&format!("/swaps/{id}/{action}"), token, &json!({}), &[("if-match", etag)]).await
}
