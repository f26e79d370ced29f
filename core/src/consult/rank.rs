//! Ranking the 協力医 for a patient's consult: by specialty, area served, mode, distance
//! and current load, each candidate with Japanese reasons and its consent status.

use std::cmp::Ordering;

use super::error::ConsultError;
use super::plan::{
    AreaFit, Candidate, CandidateConsent, CandidateReason, ConsentState, ConsultNeed, ConsultOptions, ConsultPlan,
    ModeFit, ReasonTopic,
};
use super::records::{consent_for, consults_of_patient, describe_consult, jst_date, open_load};
use super::routing::{specialties_for, specialty_routing};
use crate::calendar::to_jst;
use crate::dataset::Dataset;
use crate::domain::{ConsentKind, ConsultMode, HOME_VISIT_LIMIT_KM, Idx, Patient, Specialist};

/// Distances within the same band of this many km count as equally near, so the
/// lighter-loaded of two nearby specialists comes first.
pub const DISTANCE_BAND_KM: f64 = 5.0;

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
        at: to_jst(options.at).to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
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
    let area = &dataset.areas[dataset.groups[p.group].area];
    let specialty = if symptoms.is_empty() {
        specialist.specialty.clone()
    } else {
        format!("{} ({})", specialist.specialty, symptoms.join("・"))
    };
    let area_reason = match area_fit {
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
    };
    let mode_reason = match (options.mode, mode_fit) {
        (Some(ConsultMode::HomeVisit), Some(ModeFit::Fits)) => "往診可 (16km以内)".to_owned(),
        (Some(mode), Some(ModeFit::Fits)) => format!("{}に対応", mode.label()),
        (Some(_), Some(ModeFit::Beyond16km)) => "往診可だが16km超 (保険診療の往診は原則16km以内)".to_owned(),
        (Some(mode), _) => format!("{}は不可 (対応: {modes})", mode.label()),
        (None, _) => format!("対応: {modes}"),
    };
    let load_reason = match (specialist.capacity, full) {
        (Some(capacity), true) => format!("満員 (対応中 {open} 件 / 上限 {capacity} 件)"),
        (Some(capacity), false) => format!("対応中 {open} 件 / 上限 {capacity} 件"),
        (None, _) => format!("対応中 {open} 件 (上限なし)"),
    };
    let patient_consult = dataset
        .consults_of_specialist(s)
        .iter()
        .map(|&c| &dataset.consults[c])
        .find(|c| c.patient == patient && c.status.is_open())
        .map(|c| c.id.to_string());
    let load_reason = match &patient_consult {
        Some(id) => format!("{load_reason}; この患者の相談 {id} が対応中"),
        None => load_reason,
    };
    let (consent_status, consent_reason) = match &consent {
        Some(id) => (CandidateConsent::Named, format!("同意あり ({id})")),
        None => consent_gap(dataset, patient, s, date),
    };
    let reasons = [
        (ReasonTopic::Specialty, specialty),
        (ReasonTopic::Area, area_reason),
        (ReasonTopic::Mode, mode_reason),
        (ReasonTopic::Distance, format!("自宅から {distance_km:.1} km")),
        (ReasonTopic::Load, load_reason),
        (ReasonTopic::Consent, consent_reason),
    ]
    .into_iter()
    .map(|(topic, text)| CandidateReason { topic, text })
    .collect();
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
        patient_consult,
        consent,
        consent_status,
        reasons,
    }
}

/// Why no consent in force names the specialist: withdrawn, not yet given, or never.
fn consent_gap(
    dataset: &Dataset,
    patient: Idx<Patient>,
    s: Idx<Specialist>,
    date: chrono::NaiveDate,
) -> (CandidateConsent, String) {
    let naming: Vec<_> = dataset
        .consents_of_patient(patient)
        .iter()
        .map(|&c| &dataset.consents[c])
        .filter(|c| c.names_specialist(s))
        .collect();
    if let Some(withdrawn) = naming.iter().find(|c| c.withdrawn_on.is_some_and(|w| w <= date)) {
        let on = withdrawn.withdrawn_on.map(|w| w.to_string()).unwrap_or_default();
        (CandidateConsent::Withdrawn, format!("同意 {} は {on} に撤回済み: 改めて同意が必要", withdrawn.id))
    } else if let Some(later) = naming.iter().find(|c| c.date > date) {
        (CandidateConsent::NotYet, format!("同意 {} は {} から有効: まだ相談できません", later.id, later.date))
    } else {
        (CandidateConsent::NotNamed, "同意書に名前なし: 相談前に同意が必要".to_owned())
    }
}
