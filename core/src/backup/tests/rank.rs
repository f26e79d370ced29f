//! The ranking: 退院元 and 通院先 first, then by fit and distance; reasons; the formal
//! mark only at a 在宅療養後方支援病院; list length; consent and registration status.

use super::*;
use crate::backup::{Anchor, FormalMark, RankOptions, TravelModel, rank};

fn order(list: &crate::backup::BackupList) -> Vec<&str> {
    list.entries.iter().map(|e| e.hospital_id.as_str()).collect()
}

fn options() -> RankOptions {
    RankOptions::on(date("2026-12-01"))
}

#[test]
fn the_discharge_hospital_comes_first_then_fit_and_distance() {
    let dataset = city();
    let list = rank(&dataset, patient(&dataset, "P1"), &options());
    // H3 is the 退院元 though it scores lowest; then H2 (心不全, 地域包括ケア, 1 km: 17)
    // before H1 (心不全, 急性期, support, 2 km: 16); H4 (12) is fourth, beyond the list.
    assert_eq!(order(&list), ["H3", "H2", "H1"]);
    assert_eq!(list.list_len, 3, "the area's backup_list_len");
    let first = &list.entries[0];
    assert_eq!(first.anchor, Some(Anchor::Discharge));
    assert_eq!(first.reason, "退院元の病院・3.0km");
    assert_eq!(list.entries[1].reason, "心不全を受け入れ・地域包括ケア・1.0km");
    assert_eq!(list.entries[2].reason, "心不全を受け入れ・急性期・在宅療養後方支援病院・2.0km");
    let h1 = &list.entries[2].score;
    assert_eq!((h1.conditions, h1.function, h1.support), (10.0, 5.0, 3.0));
    assert!((h1.total - 16.0).abs() < 0.01, "{h1:?}");
    assert_eq!(list.entries[2].distance_km, 2.0);
}

#[test]
fn the_regular_hospital_comes_first_even_from_another_area() {
    let dataset = city();
    let list = rank(&dataset, patient(&dataset, "P4"), &options());
    assert_eq!(order(&list), ["H5", "H2", "H1"]);
    assert_eq!(list.entries[0].anchor, Some(Anchor::Regular));
    assert!(list.entries[0].reason.starts_with("通院先の病院・骨折後を受け入れ"), "{}", list.entries[0].reason);
    // Each entry shows the patient's registration there.
    let statuses: Vec<_> = list.entries.iter().map(|e| e.registration.as_ref().map(|r| r.status)).collect();
    assert_eq!(statuses, [Some("confirmed"), Some("requested"), Some("confirmed")]);
}

#[test]
fn list_length_follows_the_option() {
    let dataset = city();
    let mut short = options();
    short.list_len = Some(2);
    assert_eq!(order(&rank(&dataset, patient(&dataset, "P1"), &short)), ["H3", "H2"]);
    let mut long = options();
    long.list_len = Some(10);
    // Only the four hospitals of the area and its neighbour are candidates (H5 is apart).
    assert_eq!(order(&rank(&dataset, patient(&dataset, "P1"), &long)), ["H3", "H2", "H1", "H4"]);
}

#[test]
fn the_formal_mark_goes_only_to_a_backup_support_hospital_and_only_once() {
    let dataset = city();
    for id in ["P1", "P2", "P3", "P4"] {
        let list = rank(&dataset, patient(&dataset, id), &options());
        let marked: Vec<_> = list.entries.iter().filter(|e| e.formal.is_some()).collect();
        assert!(marked.len() <= 1, "{id}: at most one");
        assert!(marked.iter().all(|e| e.backup_support), "{id}: only at a 在宅療養後方支援病院");
    }
    // P1 has no formal registration: the best-ranked support hospital (H1, third) is
    // suggested, not the 退院元 H3.
    let p1 = rank(&dataset, patient(&dataset, "P1"), &options());
    assert_eq!(p1.entries[2].formal, Some(FormalMark::Suggested));
    // P2's formal registration is at H1: marked as current.
    let p2 = rank(&dataset, patient(&dataset, "P2"), &options());
    assert_eq!((p2.entries[0].hospital_id.as_str(), p2.entries[0].formal), ("H1", Some(FormalMark::Current)));
    // With a list of the 退院元 alone, no support hospital is listed: nothing is marked.
    let mut one = options();
    one.list_len = Some(1);
    let list = rank(&dataset, patient(&dataset, "P1"), &one);
    assert!(list.entries.iter().all(|e| e.formal.is_none()));
    assert!(list.notes.iter().any(|n| n.contains("正式登録の候補はありません")), "{:?}", list.notes);
}

#[test]
fn a_medical_care_child_prefers_a_pediatric_hospital() {
    let dataset = city();
    let list = rank(&dataset, patient(&dataset, "P2"), &options());
    assert_eq!(order(&list), ["H1", "H4", "H2"]);
    assert_eq!(list.entries[0].reason, "重症心身障害を受け入れ・小児・急性期・在宅療養後方支援病院・2.0km");
    assert!(list.entries[1].reason.contains("小児なし"), "{}", list.entries[1].reason);
    // 30 for 小児, 5 + 5 for 急性期 with a ventilator.
    assert_eq!(list.entries[0].score.function, 40.0);
}

#[test]
fn palliative_needs_prefer_a_palliative_unit_and_missing_consent_is_noted() {
    let dataset = city();
    let list = rank(&dataset, patient(&dataset, "P3"), &options());
    assert_eq!(order(&list), ["H3", "H4", "H2"]);
    assert_eq!(list.entries[0].reason, "末期がんを受け入れ・緩和ケア・3.0km");
    assert!(!list.has_consent());
    assert!(list.entries.iter().all(|e| e.consent.is_none()));
    assert!(list.notes.iter().any(|n| n.contains("同意がありません")), "{:?}", list.notes);
    assert_eq!(list.entries[1].formal, Some(FormalMark::Suggested));
}

#[test]
fn consents_are_shown_per_hospital() {
    let dataset = city();
    let list = rank(&dataset, patient(&dataset, "P2"), &options());
    let consents: Vec<_> = list.entries.iter().map(|e| e.consent.as_deref()).collect();
    // CN2 names H1 and H4, not H2.
    assert_eq!(consents, [Some("CN2"), Some("CN2"), None]);
    assert!(list.notes.iter().any(|n| n.contains("H2")), "{:?}", list.notes);
}

#[test]
fn travel_time_is_estimated_where_configured() {
    let dataset = city();
    let mut with_travel = options();
    with_travel.travel = Some(TravelModel::at(30.0));
    let list = rank(&dataset, patient(&dataset, "P1"), &with_travel);
    // 1 km × 1.3 at 30 km/h: 2.6 minutes.
    assert_eq!(list.entries[1].travel_minutes, Some(3));
    assert!(list.entries[1].reason.ends_with("1.0km（約3分）"), "{}", list.entries[1].reason);
    assert!(rank(&dataset, patient(&dataset, "P1"), &options()).entries.iter().all(|e| e.travel_minutes.is_none()));
}

#[test]
fn the_formal_registrations_refresh_is_listed() {
    let dataset = city();
    let list = rank(&dataset, patient(&dataset, "P2"), &RankOptions::on(date("2027-01-05")));
    assert_eq!(list.refreshes.len(), 1);
    assert_eq!(list.refreshes[0].refresh_due, Some(date("2027-01-01")));
    assert!(list.refreshes[0].overdue);
    assert!(list.notes.iter().any(|n| n.contains("期限を過ぎています")));
}

#[test]
fn the_demo_city_ranks_every_patient_deterministically() {
    let dataset = crate::generate::generate(&crate::generate::GeneratorConfig::okayama());
    for patient in dataset.patients.indices().step_by(37) {
        let list = rank(&dataset, patient, &options());
        assert_eq!(list, rank(&dataset, patient, &options()));
        assert_eq!(list.entries.len(), 3);
        let p = &dataset.patients[patient];
        if let Some(discharge) = p.discharge_hospital {
            assert_eq!(list.entries[0].hospital, discharge);
        }
        assert!(list.entries.iter().filter(|e| e.formal.is_some()).count() <= 1);
    }
}
