//! Ranking: area, mode, distance band, load and capacity, consent gating, reasons.

use super::{at, dataset};
use crate::consult::{
    AreaFit, CandidateConsent, ConsentState, ConsultError, ConsultNeed, ConsultOptions, ConsultPlan, ModeFit,
    ReasonTopic, rank_specialists,
};
use crate::domain::ConsultMode;

fn plan(patient: &str, symptom: &str, mode: Option<ConsultMode>) -> ConsultPlan {
    let options = ConsultOptions { mode, at: at("2026-12-10T10:00") };
    rank_specialists(&dataset(), patient, ConsultNeed::Symptom(symptom), &options).unwrap()
}

fn order(plan: &ConsultPlan) -> Vec<&str> {
    plan.candidates.iter().map(|c| c.id.as_str()).collect()
}

fn candidate<'a>(plan: &'a ConsultPlan, id: &str) -> &'a crate::consult::Candidate {
    plan.candidates.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("{id} not in {:?}", order(plan)))
}

#[test]
fn without_a_mode_the_area_then_distance_band_then_load_decide() {
    let plan = plan("P1", "褥瘡", None);
    // Band 0 (under 5 km): S1 (0 open, 2 km), S2 (0 open, 3 km), S10 (1 open, 1 km);
    // then S7 (8 km), S5 (20 km); then S3 of the neighbouring area; S6 is full; S4
    // serves neither the area nor a neighbour.
    assert_eq!(order(&plan), ["S1", "S2", "S10", "S7", "S5", "S3", "S6"]);
    assert!(plan.candidates.iter().enumerate().all(|(i, c)| c.rank == i + 1));
    assert!(plan.candidates.iter().all(|c| c.mode_fit.is_none()));
    assert_eq!(candidate(&plan, "S3").area_fit, AreaFit::Neighbour);
    assert_eq!(candidate(&plan, "S10").distance_km, 1.0);
    assert_eq!(candidate(&plan, "S5").distance_km, 20.0);
}

#[test]
fn a_home_visit_prefers_home_visiting_specialists_within_16_km() {
    let plan = plan("P1", "褥瘡", Some(ConsultMode::HomeVisit));
    assert_eq!(order(&plan), ["S2", "S10", "S7", "S5", "S1", "S3", "S6"]);
    assert_eq!(candidate(&plan, "S2").mode_fit, Some(ModeFit::Fits));
    assert_eq!(candidate(&plan, "S5").mode_fit, Some(ModeFit::Beyond16km));
    assert_eq!(candidate(&plan, "S1").mode_fit, Some(ModeFit::NotOffered));
    let reasons =
        |id: &str| candidate(&plan, id).reasons.iter().map(|r| r.text.as_str()).collect::<Vec<_>>().join(" / ");
    assert!(reasons("S2").contains("往診可 (16km以内)"), "{}", reasons("S2"));
    assert!(reasons("S5").contains("16km超"), "{}", reasons("S5"));
    assert!(reasons("S1").contains("往診・訪問診療は不可 (対応: 電話・ICT助言)"), "{}", reasons("S1"));
    assert!(reasons("S3").contains("隣接エリア（隣区）の協力医"), "{}", reasons("S3"));
    // Advice: S1 and S2 and S7 offer it, the rest do not.
    let advice = self::plan("P1", "褥瘡", Some(ConsultMode::Advice));
    assert_eq!(order(&advice), ["S1", "S2", "S7", "S10", "S5", "S3", "S6"]);
}

#[test]
fn load_and_capacity_are_counted_from_open_consults_only() {
    let plan = plan("P1", "褥瘡", None);
    let s2 = candidate(&plan, "S2");
    assert_eq!((s2.open_consults, s2.capacity, s2.full), (0, Some(2), false), "the reported consult is closed");
    let s10 = candidate(&plan, "S10");
    assert_eq!((s10.open_consults, s10.full), (1, false));
    assert_eq!(s10.reason(ReasonTopic::Load), "対応中 1 件 / 上限 5 件");
    let s6 = candidate(&plan, "S6");
    assert_eq!((s6.open_consults, s6.full), (1, true));
    assert_eq!(s6.reason(ReasonTopic::Load), "満員 (対応中 1 件 / 上限 1 件)");
    assert_eq!(candidate(&plan, "S1").reason(ReasonTopic::Load), "対応中 0 件 (上限なし)");
    assert_eq!(candidate(&plan, "S5").reason(ReasonTopic::Distance), "自宅から 20.0 km");
}

#[test]
fn each_candidate_is_marked_with_the_consent_that_names_them() {
    let plan = plan("P1", "褥瘡", None);
    assert_eq!(plan.consent, ConsentState::NamesSome);
    assert_eq!(plan.consents_in_force, ["CN1"], "CN2 is withdrawn and CN3 not yet in force");
    let consented: Vec<&str> = plan.consented().map(|c| c.id.as_str()).collect();
    assert_eq!(consented, ["S2", "S10", "S6"]);
    assert_eq!(candidate(&plan, "S2").consent.as_deref(), Some("CN1"));
    let last = |id: &str| candidate(&plan, id).reason(ReasonTopic::Consent).to_owned();
    assert_eq!(last("S2"), "同意あり (CN1)");
    assert_eq!(last("S7"), "同意 CN2 は 2026-11-01 に撤回済み: 改めて同意が必要");
    assert_eq!(last("S1"), "同意 CN3 は 2027-01-01 から有効: まだ相談できません");
    assert_eq!(last("S5"), "同意書に名前なし: 相談前に同意が必要");
    let status = |id: &str| candidate(&plan, id).consent_status;
    assert_eq!(
        [status("S2"), status("S7"), status("S1"), status("S5")],
        [CandidateConsent::Named, CandidateConsent::Withdrawn, CandidateConsent::NotYet, CandidateConsent::NotNamed]
    );
    assert!(plan.notes.is_empty(), "{:?}", plan.notes);
    // Before CN2 was withdrawn it named S7.
    let options = ConsultOptions { mode: None, at: at("2026-10-15T10:00") };
    let october = rank_specialists(&dataset(), "P1", ConsultNeed::Symptom("褥瘡"), &options).unwrap();
    assert_eq!(candidate(&october, "S7").consent.as_deref(), Some("CN2"));
}

#[test]
fn a_plan_says_clearly_when_no_consent_exists_or_names_a_candidate() {
    let none = plan("P2", "褥瘡", None);
    assert_eq!(none.consent, ConsentState::NoConsent);
    assert!(none.candidates.iter().all(|c| c.consent.is_none()));
    assert!(none.notes[0].starts_with("専門医相談の同意がありません"), "{:?}", none.notes);
    let other = plan("P3", "褥瘡", None);
    assert_eq!(other.consent, ConsentState::NamesNone);
    assert_eq!(other.consents_in_force, ["CN5"]);
    assert!(other.notes[0].contains("CN5") && other.notes[0].contains("名指ししていません"), "{:?}", other.notes);
    // The same patient's consent does name the ENT specialist.
    assert_eq!(plan("P3", "嚥下障害", None).consent, ConsentState::NamesSome);
}

#[test]
fn several_specialties_are_ranked_in_routing_order() {
    let plan = plan("P1", "嚥下障害", Some(ConsultMode::HomeVisit));
    let specialties: Vec<&str> = plan.candidates.iter().map(|c| c.specialty.as_str()).collect();
    assert_eq!(specialties, ["耳鼻咽喉科", "リハビリ科"]);
    assert_eq!(candidate(&plan, "S8").reason(ReasonTopic::Specialty), "耳鼻咽喉科 (嚥下障害)");
    assert_eq!(candidate(&plan, "S9").reason(ReasonTopic::Area), "テスト区を担当");
    assert_eq!(candidate(&plan, "S8").patient_consult.as_deref(), Some("CS000003"));
    assert!(candidate(&plan, "S8").reason(ReasonTopic::Load).ends_with("この患者の相談 CS000003 が対応中"));
    assert_eq!(candidate(&plan, "S9").patient_consult, None);
    // The patient's open consult (with S8) is listed.
    assert_eq!(plan.open_consults.len(), 1);
    assert_eq!((plan.open_consults[0].id.as_str(), plan.open_consults[0].specialist.as_str()), ("CS000003", "S8"));
}

#[test]
fn a_specialty_without_specialists_nearby_is_noted_and_unknown_ids_are_errors() {
    let plan = plan("P1", "視力低下", None);
    assert!(plan.candidates.is_empty());
    assert!(
        plan.notes.iter().any(|n| n.starts_with("眼科の協力医がテスト区にも隣接エリアにもいません")),
        "{:?}",
        plan.notes
    );
    let options = ConsultOptions { mode: None, at: at("2026-12-10T10:00") };
    let error = rank_specialists(&dataset(), "P9", ConsultNeed::Symptom("褥瘡"), &options).unwrap_err();
    assert_eq!(error, ConsultError::UnknownPatient { id: "P9".to_owned() });
    let error = rank_specialists(&dataset(), "P1", ConsultNeed::Symptom("腹痛"), &options).unwrap_err();
    assert!(matches!(error, ConsultError::UnknownSymptom { .. }));
    let by_specialty = rank_specialists(&dataset(), "P1", ConsultNeed::Specialty("リハビリ科"), &options).unwrap();
    assert_eq!(order(&by_specialty), ["S9"]);
}

#[test]
fn ranking_is_deterministic() {
    let first = serde_json::to_string(&plan("P1", "褥瘡", Some(ConsultMode::HomeVisit))).unwrap();
    for _ in 0..3 {
        assert_eq!(serde_json::to_string(&plan("P1", "褥瘡", Some(ConsultMode::HomeVisit))).unwrap(), first);
    }
    assert!(first.contains("\"area_fit\":\"serves_area\"") && first.contains("\"mode_fit\":\"beyond_16km\""));
}

#[test]
fn the_instant_asked_about_is_given_in_jst_to_the_second() {
    assert_eq!(plan("P1", "褥瘡", None).at, "2026-12-10T10:00:00+09:00");
    // An instant with a fraction of a second (the default, now) is shown to the second.
    let options =
        ConsultOptions { mode: None, at: at("2026-12-10T10:00") + chrono::TimeDelta::nanoseconds(292_405_320) };
    let plan = rank_specialists(&dataset(), "P1", ConsultNeed::Symptom("褥瘡"), &options).unwrap();
    assert_eq!(plan.at, "2026-12-10T10:00:00+09:00");
}
