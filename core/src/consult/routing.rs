//! Symptom routing: from a symptom as typed to the specialties to consult, over the
//! dataset's editable symptom table (`symptoms.csv`).

use serde::Serialize;

use super::error::ConsultError;
use super::fold::{edit_distance, fold};
use crate::dataset::Dataset;

/// At most this many suggestions for an unknown symptom.
const SUGGESTIONS: usize = 5;
/// A typed word must be at least this many characters (folded) to match inside a
/// longer symptom of the table, so that 「低」 does not route everywhere.
const MIN_PARTIAL_CHARS: usize = 2;

crate::labels::labelled_enum! {
    /// How a symptom of the table matched what was typed.
    pub enum MatchKind ("一致の種類") {
        /// 完全一致: the same text.
        Exact = "exact", "完全一致";
        /// 表記ゆれ: the same after folding width, case and spaces.
        Folded = "folded", "表記ゆれ";
        /// 部分一致: what was typed contains the symptom (「褥瘡（仙骨部）」 → 褥瘡).
        Contains = "contains", "部分一致";
        /// 部分一致: the symptom contains what was typed (「嚥下」 → 嚥下障害).
        Within = "within", "部分一致（入力を含む）";
        /// 専門科指定: a specialty was asked for directly.
        Specialty = "specialty", "専門科指定";
    }
}

/// One symptom of the table that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SymptomMatch {
    /// The symptom as in the table.
    pub symptom: String,
    /// How it matched.
    pub how: MatchKind,
}

/// A specialty to consult and the matched symptoms that route to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoutedSpecialty {
    /// The specialty, e.g. 皮膚科.
    pub specialty: String,
    /// The matched symptoms routing to it, in table order.
    pub symptoms: Vec<String>,
}

/// Where a symptom routes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Routing {
    /// What was asked, trimmed.
    pub asked: String,
    /// The symptoms of the table that matched, in table order.
    pub matched: Vec<SymptomMatch>,
    /// The specialties, in the table order of their first matched row.
    pub specialties: Vec<RoutedSpecialty>,
}

/// The distinct symptoms of the dataset's table, in table order.
pub fn known_symptoms(dataset: &Dataset) -> Vec<&str> {
    let mut symptoms: Vec<&str> = Vec::new();
    for route in &dataset.symptom_routes {
        if !symptoms.contains(&route.symptom.as_str()) {
            symptoms.push(&route.symptom);
        }
    }
    symptoms
}

/// The distinct specialties known: of the symptom table, then of the specialists.
pub fn known_specialties(dataset: &Dataset) -> Vec<&str> {
    let mut specialties: Vec<&str> = Vec::new();
    let all = dataset.symptom_routes.iter().map(|r| r.specialty.as_str());
    for specialty in all.chain(dataset.specialists.iter().map(|s| s.specialty.as_str())) {
        if !specialties.contains(&specialty) {
            specialties.push(specialty);
        }
    }
    specialties
}

/// The specialties for `symptom`, matched forgivingly: the same text first; else the
/// same after folding width, case and spaces; else the symptoms inside what was typed
/// (the longest only, so 「嚥下障害」 does not also match a 「障害」 row); else the
/// symptoms that contain what was typed (at least two characters: 「嚥下」 → 嚥下障害).
/// An unknown symptom is [`ConsultError::UnknownSymptom`] with the closest few.
pub fn specialties_for(dataset: &Dataset, symptom: &str) -> Result<Routing, ConsultError> {
    let asked = symptom.trim();
    if asked.is_empty() {
        return Err(ConsultError::EmptySymptom);
    }
    let known = known_symptoms(dataset);
    let folded_asked = fold(asked);
    let mut matched: Vec<SymptomMatch> = known
        .iter()
        .filter(|&&known| known == asked)
        .map(|&known| SymptomMatch { symptom: known.to_owned(), how: MatchKind::Exact })
        .collect();
    if matched.is_empty() {
        matched = known
            .iter()
            .filter(|&&known| fold(known) == folded_asked)
            .map(|&known| SymptomMatch { symptom: known.to_owned(), how: MatchKind::Folded })
            .collect();
    }
    if matched.is_empty() {
        matched = partial_matches(&known, &folded_asked);
    }
    if matched.is_empty() {
        return Err(ConsultError::UnknownSymptom {
            symptom: asked.to_owned(),
            suggestions: closest(&known, &folded_asked),
        });
    }
    let mut specialties: Vec<RoutedSpecialty> = Vec::new();
    for route in &dataset.symptom_routes {
        if !matched.iter().any(|m| m.symptom == route.symptom) {
            continue;
        }
        match specialties.iter_mut().find(|routed| routed.specialty == route.specialty) {
            Some(routed) if !routed.symptoms.contains(&route.symptom) => routed.symptoms.push(route.symptom.clone()),
            Some(_) => {}
            None => specialties
                .push(RoutedSpecialty { specialty: route.specialty.clone(), symptoms: vec![route.symptom.clone()] }),
        }
    }
    Ok(Routing { asked: asked.to_owned(), matched, specialties })
}

/// A specialty asked for directly (the same text, or the same after folding), as a
/// routing of its own; unknown is [`ConsultError::UnknownSpecialty`] listing the known.
pub fn specialty_routing(dataset: &Dataset, specialty: &str) -> Result<Routing, ConsultError> {
    let asked = specialty.trim();
    let known = known_specialties(dataset);
    let found = known
        .iter()
        .find(|&&known| known == asked)
        .or_else(|| known.iter().find(|&&known| fold(known) == fold(asked)))
        .ok_or_else(|| ConsultError::UnknownSpecialty {
            specialty: asked.to_owned(),
            known: known.iter().map(|&s| s.to_owned()).collect(),
        })?;
    Ok(Routing {
        asked: asked.to_owned(),
        matched: vec![SymptomMatch { symptom: (*found).to_owned(), how: MatchKind::Specialty }],
        specialties: vec![RoutedSpecialty { specialty: (*found).to_owned(), symptoms: Vec::new() }],
    })
}

/// Symptoms that what was typed contains, the longest only (a match inside another
/// is dropped); if none, the symptoms that contain what was typed.
fn partial_matches(known: &[&str], folded_asked: &str) -> Vec<SymptomMatch> {
    let folded: Vec<(&str, String)> = known.iter().map(|&symptom| (symptom, fold(symptom))).collect();
    let contained: Vec<&(&str, String)> =
        folded.iter().filter(|(_, f)| !f.is_empty() && folded_asked.contains(f.as_str())).collect();
    if !contained.is_empty() {
        return contained
            .iter()
            .filter(|(_, f)| !contained.iter().any(|(_, other)| other != f && other.contains(f.as_str())))
            .map(|(symptom, _)| SymptomMatch { symptom: (*symptom).to_owned(), how: MatchKind::Contains })
            .collect();
    }
    if folded_asked.chars().count() < MIN_PARTIAL_CHARS {
        return Vec::new();
    }
    folded
        .iter()
        .filter(|(_, f)| f.contains(folded_asked))
        .map(|(symptom, _)| SymptomMatch { symptom: (*symptom).to_owned(), how: MatchKind::Within })
        .collect()
}

/// The few symptoms closest to what was typed, by edit distance (ties in table order),
/// among those sharing something with it; if none does, every known symptom.
fn closest(known: &[&str], folded_asked: &str) -> Vec<String> {
    let asked_chars = folded_asked.chars().count();
    let mut by_distance: Vec<(usize, usize, &str)> = known
        .iter()
        .enumerate()
        .map(|(position, &symptom)| (edit_distance(folded_asked, &fold(symptom)), position, symptom))
        .filter(|&(distance, _, symptom)| distance < asked_chars.max(fold(symptom).chars().count()))
        .collect();
    if by_distance.is_empty() {
        return known.iter().map(|&symptom| symptom.to_owned()).collect();
    }
    by_distance.sort_unstable();
    by_distance.into_iter().take(SUGGESTIONS).map(|(_, _, symptom)| symptom.to_owned()).collect()
}
