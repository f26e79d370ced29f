//! Ranking the 協力医 for a patient's consult: by specialty, area served, mode, distance
//! and current load, each candidate with Japanese reasons and its consent status.

use std::cmp::Ordering;

use serde::Serialize;

use super::error::ConsultError;
use super::records::{ConsultView, consent_for, consults_of_patient, describe_consult, jst_date, open_load};
use super::routing::{Routing, specialties_for, specialty_routing};
use crate::calendar::{Instant, to_jst};
use crate::dataset::Dataset;
use crate::domain::{ConsentKind, ConsultMode, HOME_VISIT_LIMIT_KM, Idx, Patient, Specialist};

/// Distances within the same band of this many km count as equally near, so the
/// lighter-loaded of two nearby specialists comes first.
pub const DISTANCE_BAND_KM: f64 = 5.0;

/// What a consult is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsultNeed<'a> {
    /// A symptom, routed through the symptom table.
    Symptom(&'a str),
    /// A specialty named directly.
    Specialty(&'a str),
}

/// How to rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsultOptions {
    /// The mode wanted, if any: a home visit prefers 往診可 within 16 km.
    pub mode: Option<ConsultMode>,
    /// The instant asked about (consents are judged on its JST date).
    pub at: Instant,
}

crate::labels::labelled_enum! {
    /// Whether a candidate serves the patient's area.
    pub enum AreaFit ("担当エリア") {
        /// 担当エリア: on the list of the patient's area.
        ServesArea = "serves_area", "担当エリア";
        /// 隣接エリア: on a neighbouring area's list only.
        Neighbour = "neighbour", "隣接エリア";
    }
}

crate::labels::labelled_enum! {
    /// How a candidate fits the mode wanted.
    pub enum ModeFit ("対応方法の適合") {
        /// 対応可: offers it (a home visit within 16 km).
        Fits = "fits", "対応可";
        /// 16km超: offers home visits, but the patient lives beyond 16 km.
        Beyond16km = "beyond_16km", "16km超";
        /// 対応不可: does not offer it.
        NotOffered = "not_offered", "対応不可";
    }
}

crate::labels::labelled_enum! {
    /// Whether the patient's consents let the 主治医 consult the plan's candidates.
    pub enum ConsentState ("同意状況") {
        /// 同意なし: no 専門医相談 consent in force.
        NoConsent = "no_consent", "同意なし";
        /// 候補の名指しなし: consents in force, but naming none of the candidates.
        NamesNone = "names_none", "候補の名指しなし";
        /// 同意あり: a consent in force names at least one candidate.
        NamesSome = "names_some", "同意あり";
    }
}

/// One ranked specialist.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// 1-based rank in the plan.
    pub rank: usize,
    /// The specialist.
    #[serde(skip)]
    pub specialist: Idx<Specialist>,
    /// Specialist id.
    pub id: String,
    /// Doctor's name.
    pub name: String,
    /// Institution.
    pub institution: String,
    /// Specialty.
    pub specialty: String,
    /// Phone.
    pub phone: String,
    /// Modes offered.
    pub modes: Vec<ConsultMode>,
    /// Serves the patient's area, or a neighbouring one only.
    pub area_fit: AreaFit,
    /// Fit to the mode wanted; `None` when no mode was asked for.
    pub mode_fit: Option<ModeFit>,
    /// Straight-line km from the patient's home, to 0.1 km.
    pub distance_km: f64,
    /// Open consults now.
    pub open_consults: u32,
    /// Most open consults at once, if capped.
    pub capacity: Option<u32>,
    /// 満員: as many open consults as the capacity.
    pub full: bool,
    /// The consent in force naming this specialist, if any: without it the 主治医 may
    /// not consult them yet.
    pub consent: Option<String>,
    /// Why the candidate is here, in Japanese.
    pub reasons: Vec<String>,
}

/// The answer to "whom do I consult for this patient's symptom?".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsultPlan {
    /// Patient id.
    pub patient: String,
    /// Patient's name.
    pub patient_name: String,
    /// The patient's area (their group's) id.
    pub area: String,
    /// Its name.
    pub area_name: String,
    /// The instant asked about, JST (RFC 3339).
    pub at: String,
    /// The mode wanted.
    pub mode: Option<ConsultMode>,
    /// Where the symptom routed.
    pub routing: Routing,
    /// The candidates, best first: by specialty (in routing order), then 満員 last,
    /// the patient's area before neighbours, mode fit, distance band, open consults,
    /// distance, id.
    pub candidates: Vec<Candidate>,
    /// Whether a consent in force names a candidate.
    pub consent: ConsentState,
    /// The patient's 専門医相談 consents in force.
    pub consents_in_force: Vec<String>,
    /// The patient's open consults.
    pub open_consults: Vec<ConsultView>,
    /// Notes in Japanese: no consent, no candidate for a specialty.
    pub notes: Vec<String>,
}

impl ConsultPlan {
    /// The candidates a consent in force names.
    pub fn consented(&self) -> impl Iterator<Item = &Candidate> {
        self.candidates.iter().filter(|candidate| candidate.consent.is_some())
    }
}

/// Ranks the specialists for a patient's consult: the specialties the need routes to,
/// then within each the specialists serving the patient's area, then those serving a
/// neighbouring area (marked); specialists of other areas are left out. See
/// [`ConsultPlan::candidates`] for the order; every candidate says why, and whether a
/// consent in force names them.
pub fn rank_specialists(
    dataset: &Dataset,
    patient_id: &str,
    need: ConsultNeed<'_>,
    options: &ConsultOptions,
) -> Result<ConsultPlan, ConsultError> {
    let patient = dataset
        .patients
        .lookup(patient_id)
        .ok_or_else(|| ConsultError::UnknownPatient { id: patient_id.to_owned() })?;
    let routing = match need {
        ConsultNeed::Symptom(symptom) => specialties_for(dataset, symptom)?,
        ConsultNeed::Specialty(specialty) => specialty_routing(dataset, specialty)?,
    };
    let p = &dataset.patients[patient];
    let area_idx = dataset.groups[p.group].area;
    let area = &dataset.areas[area_idx];
    let mut notes = Vec::new();
    let mut ranked: Vec<(usize, Candidate)> = Vec::new();
    for (position, routed) in routing.specialties.iter().enumerate() {
        let before = ranked.len();
        for (s, specialist) in dataset.specialists.enumerate() {
            if specialist.specialty != routed.specialty {
                continue;
            }
            let area_fit = if specialist.areas.contains(&area_idx) {
                AreaFit::ServesArea
            } else if specialist.areas.iter().any(|a| area.neighbours.contains(a)) {
                AreaFit::Neighbour
            } else {
                continue;
            };
            let candidate = candidate(dataset, patient, s, area_fit, &routed.symptoms, options);
            ranked.push((position, candidate));
        }
        if ranked.len() == before {
            notes.push(format!(
                "{}の協力医が{}にも隣接エリアにもいません (no {} specialist serves the area or its neighbours)",
                routed.specialty, area.name, routed.specialty
            ));
        }
    }
    ranked.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| Key::of(&a.1).cmp(&Key::of(&b.1))));
    let candidates: Vec<Candidate> = ranked
        .into_iter()
        .enumerate()
        .map(|(position, (_, mut candidate))| {
            candidate.rank = position + 1;
            candidate
        })
        .collect();
    let date = jst_date(options.at);
    let consents_in_force: Vec<String> = dataset
        .consents_of_patient(patient)
        .iter()
        .map(|&c| &dataset.consents[c])
        .filter(|c| c.kind() == ConsentKind::SpecialistConsult && c.in_force_on(date))
        .map(|c| c.id.to_string())
        .collect();
    let consent = if consents_in_force.is_empty() {
        notes.insert(
            0,
            "専門医相談の同意がありません: 相談・往診の前に本人または家族の同意を得てください \
             (no specialist-consult consent in force)"
                .to_owned(),
        );
        ConsentState::NoConsent
    } else if candidates.iter().any(|c| c.consent.is_some()) {
        ConsentState::NamesSome
    } else {
        notes.insert(
            0,
            format!(
                "専門医相談の同意 ({}) は候補の協力医を名指ししていません: 相談先を加えた同意を得てください \
                 (the consents in force name none of the candidates)",
                consents_in_force.join(", ")
            ),
        );
        ConsentState::NamesNone
    };
    let open_consults = consults_of_patient(dataset, patient)
        .into_iter()
        .map(|c| &dataset.consults[c])
        .filter(|c| c.status.is_open())
        .map(|c| describe_consult(dataset, c))
        .collect();
    Ok(ConsultPlan {
        patient: p.id.to_string(),
        patient_name: p.name.clone(),
        area: area.id.to_string(),
        area_name: area.name.clone(),
        at: to_jst(options.at).to_rfc3339(),
        mode: options.mode,
        routing,
        candidates,
        consent,
        consents_in_force,
        open_consults,
        notes,
    })
}

/// The sort key within a specialty.
#[derive(Debug, Clone, Copy)]
struct Key<'a> {
    full: bool,
    area_fit: AreaFit,
    mode_fit: Option<ModeFit>,
    band: u32,
    open: u32,
    distance_km: f64,
    id: &'a str,
}

impl Key<'_> {
    fn of(candidate: &Candidate) -> Key<'_> {
        Key {
            full: candidate.full,
            area_fit: candidate.area_fit,
            mode_fit: candidate.mode_fit,
            // Bands of whole multiples; distances are small and non-negative.
            band: (candidate.distance_km / DISTANCE_BAND_KM).floor() as u32,
            open: candidate.open_consults,
            distance_km: candidate.distance_km,
            id: &candidate.id,
        }
    }

    fn cmp(&self, other: &Self) -> Ordering {
        (self.full, self.area_fit, self.mode_fit, self.band, self.open)
            .cmp(&(other.full, other.area_fit, other.mode_fit, other.band, other.open))
            .then_with(|| self.distance_km.total_cmp(&other.distance_km))
            .then_with(|| self.id.cmp(other.id))
    }
}

/// A candidate with its facts and reasons (rank set later).
fn candidate(
    dataset: &Dataset,
    patient: Idx<Patient>,
    s: Idx<Specialist>,
    area_fit: AreaFit,
    symptoms: &[String],
    options: &ConsultOptions,
) -> Candidate {
    let specialist = &dataset.specialists[s];
    let p = &dataset.patients[patient];
    let distance = p.home.distance_km(specialist.location);
    let distance_km = (distance * 10.0).round() / 10.0;
    let open = open_load(dataset, s);
    let full = specialist.capacity.is_some_and(|capacity| open >= capacity);
    let mode_fit = options.mode.map(|mode| match mode {
        _ if !specialist.offers(mode) => ModeFit::NotOffered,
        ConsultMode::HomeVisit if distance > HOME_VISIT_LIMIT_KM => ModeFit::Beyond16km,
        _ => ModeFit::Fits,
    });
    let date = jst_date(options.at);
    let consent = consent_for(dataset, patient, s, date).map(|c| dataset.consents[c].id.to_string());
    let modes = specialist.modes.iter().map(|m| m.label()).collect::<Vec<_>>().join("・");
    let mut reasons = Vec::new();
    reasons.push(if symptoms.is_empty() {
        specialist.specialty.clone()
    } else {
        format!("{} ({})", specialist.specialty, symptoms.join("・"))
    });
    let area = &dataset.areas[dataset.groups[p.group].area];
    reasons.push(match area_fit {
        AreaFit::ServesArea => format!("{}を担当", area.name),
        AreaFit::Neighbour => {
            let served: Vec<&str> = specialist
                .areas
                .iter()
                .filter(|a| area.neighbours.contains(a))
                .map(|&a| dataset.areas[a].name.as_str())
                .collect();
            format!("隣接エリア（{}）の協力医: {}の名簿外", served.join("・"), area.name)
        }
    });
    reasons.push(match (options.mode, mode_fit) {
        (Some(mode), Some(ModeFit::Fits)) if mode == ConsultMode::HomeVisit => "往診可 (16km以内)".to_owned(),
        (Some(mode), Some(ModeFit::Fits)) => format!("{}に対応", mode.label()),
        (Some(_), Some(ModeFit::Beyond16km)) => "往診可だが16km超 (保険診療の往診は原則16km以内)".to_owned(),
        (Some(mode), _) => format!("{}は不可 (対応: {modes})", mode.label()),
        (None, _) => format!("対応: {modes}"),
    });
    reasons.push(format!("自宅から {distance_km:.1} km"));
    reasons.push(match (specialist.capacity, full) {
        (Some(capacity), true) => format!("満員 (対応中 {open} 件 / 上限 {capacity} 件)"),
        (Some(capacity), false) => format!("対応中 {open} 件 / 上限 {capacity} 件"),
        (None, _) => format!("対応中 {open} 件 (上限なし)"),
    });
    reasons.push(match &consent {
        Some(id) => format!("同意あり ({id})"),
        None => consent_gap(dataset, patient, s, date),
    });
    Candidate {
        rank: 0,
        specialist: s,
        id: specialist.id.to_string(),
        name: specialist.name.clone(),
        institution: specialist.institution.clone(),
        specialty: specialist.specialty.clone(),
        phone: specialist.phone.to_string(),
        modes: specialist.modes.clone(),
        area_fit,
        mode_fit,
        distance_km,
        open_consults: open,
        capacity: specialist.capacity,
        full,
        consent,
        reasons,
    }
}

/// Why no consent in force names the specialist: withdrawn, not yet given, or never.
fn consent_gap(dataset: &Dataset, patient: Idx<Patient>, s: Idx<Specialist>, date: chrono::NaiveDate) -> String {
    let naming: Vec<_> = dataset
        .consents_of_patient(patient)
        .iter()
        .map(|&c| &dataset.consents[c])
        .filter(|c| c.names_specialist(s))
        .collect();
    if let Some(withdrawn) = naming.iter().find(|c| c.withdrawn_on.is_some_and(|w| w <= date)) {
        let on = withdrawn.withdrawn_on.map(|w| w.to_string()).unwrap_or_default();
        format!("同意 {} は {on} に撤回済み: 改めて同意が必要", withdrawn.id)
    } else if let Some(later) = naming.iter().find(|c| c.date > date) {
        format!("同意 {} は {} から有効: まだ相談できません", later.id, later.date)
    } else {
        "同意書に名前なし: 相談前に同意が必要".to_owned()
    }
}
