//! Symptom routing: exact, folded, partial either way, and unknown with suggestions.

use super::dataset;
use crate::consult::{ConsultError, MatchKind, known_specialties, known_symptoms, specialties_for, specialty_routing};

fn route(symptom: &str) -> (Vec<(String, MatchKind)>, Vec<String>) {
    let routing = specialties_for(&dataset(), symptom).unwrap_or_else(|e| panic!("{symptom}: {e}"));
    (
        routing.matched.into_iter().map(|m| (m.symptom, m.how)).collect(),
        routing.specialties.into_iter().map(|s| s.specialty).collect(),
    )
}

#[test]
fn an_exact_symptom_routes_to_its_specialties_in_table_order() {
    assert_eq!(route("褥瘡"), (vec![("褥瘡".to_owned(), MatchKind::Exact)], vec!["皮膚科".to_owned()]));
    let (matched, specialties) = route("嚥下障害");
    assert_eq!(matched, [("嚥下障害".to_owned(), MatchKind::Exact)]);
    assert_eq!(specialties, ["耳鼻咽喉科", "リハビリ科"]);
    let routing = specialties_for(&dataset(), " 褥瘡 ").unwrap();
    assert_eq!(routing.asked, "褥瘡", "surrounding spaces are not part of the symptom");
    assert_eq!(routing.specialties[0].symptoms, ["褥瘡"]);
}

#[test]
fn width_case_and_spaces_are_folded_on_both_sides() {
    assert_eq!(route("ＡＤＬ低下"), (vec![("ADL低下".to_owned(), MatchKind::Folded)], vec!["リハビリ科".to_owned()]));
    assert_eq!(route("adl 低下").0, [("ADL低下".to_owned(), MatchKind::Folded)]);
    // The table's own half-width katakana folds too.
    assert_eq!(route("センモウ"), (vec![("ｾﾝﾓｳ".to_owned(), MatchKind::Folded)], vec!["精神科".to_owned()]));
}

#[test]
fn a_longer_description_routes_by_the_symptoms_inside_it_longest_only() {
    assert_eq!(route("褥瘡（仙骨部）"), (vec![("褥瘡".to_owned(), MatchKind::Contains)], vec!["皮膚科".to_owned()]));
    // 爪白癬 contains 白癬: only the longer, more specific symptom matches.
    assert_eq!(route("爪白癬（両足）").0, [("爪白癬".to_owned(), MatchKind::Contains)]);
    // Two symptoms in one description route to both specialties.
    let (matched, specialties) = route("褥瘡とADL低下");
    assert_eq!(matched.iter().map(|m| m.0.as_str()).collect::<Vec<_>>(), ["褥瘡", "ADL低下"]);
    assert_eq!(specialties, ["皮膚科", "リハビリ科"]);
}

#[test]
fn a_shorter_word_routes_to_the_symptoms_containing_it() {
    let (matched, specialties) = route("嚥下");
    assert_eq!(matched, [("嚥下障害".to_owned(), MatchKind::Within)]);
    assert_eq!(specialties, ["耳鼻咽喉科", "リハビリ科"]);
    // 低下 is in two symptoms: both match, in table order.
    let (matched, specialties) = route("低下");
    assert_eq!(matched.iter().map(|m| m.0.as_str()).collect::<Vec<_>>(), ["ADL低下", "視力低下"]);
    assert_eq!(specialties, ["リハビリ科", "眼科"]);
}

#[test]
fn an_unknown_symptom_is_an_error_with_the_closest_few() {
    let error = specialties_for(&dataset(), "褥創").unwrap_err();
    let ConsultError::UnknownSymptom { symptom, suggestions } = &error else { panic!("{error:?}") };
    assert_eq!(symptom, "褥創");
    assert_eq!(suggestions, &["褥瘡"], "only symptoms sharing something with it");
    let message = error.to_string();
    assert!(message.contains("unknown symptom '褥創'") && message.contains("症状表にありません"), "{message}");
    assert!(message.contains("候補: 褥瘡"), "{message}");
    // Nothing close: every known symptom is listed.
    let ConsultError::UnknownSymptom { suggestions, .. } = specialties_for(&dataset(), "腹痛").unwrap_err() else {
        panic!()
    };
    assert_eq!(suggestions, known_symptoms(&dataset()));
    // A single character does not match inside longer symptoms.
    assert!(matches!(specialties_for(&dataset(), "下"), Err(ConsultError::UnknownSymptom { .. })));
    assert_eq!(specialties_for(&dataset(), "  "), Err(ConsultError::EmptySymptom));
}

#[test]
fn a_specialty_can_be_asked_for_directly() {
    let routing = specialty_routing(&dataset(), "耳鼻咽喉科").unwrap();
    assert_eq!(routing.specialties[0].specialty, "耳鼻咽喉科");
    assert_eq!(routing.matched[0].how, MatchKind::Specialty);
    let error = specialty_routing(&dataset(), "内科").unwrap_err();
    let ConsultError::UnknownSpecialty { known, .. } = &error else { panic!("{error:?}") };
    assert_eq!(known, &known_specialties(&dataset()));
    assert_eq!(known_symptoms(&dataset()).len(), 7, "嚥下障害 is listed once");
}
