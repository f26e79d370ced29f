//! The backup-hospital list for one patient (バックアップ病院の順位): the top of the
//! ranking (see [`super::score`]) with reasons in Japanese, the patient's registration at
//! each hospital, the consent that names it, and which entry is or should be the formal
//! 在宅療養後方支援病院 registration.

use chrono::NaiveDate;
use serde::Serialize;

use super::score::{Anchor, Candidates, Needs, Score, Scored, TravelModel, scored_functions};
use super::workflow::refresh_due;
use crate::dataset::Dataset;
use crate::domain::{ConsentGap, ConsentKind, Hospital, Idx, Patient, Registration};

/// What to rank for.
#[derive(Debug, Clone, PartialEq)]
pub struct RankOptions {
    /// The date asked about: ages, consents in force and refresh due dates are as of it.
    pub on: NaiveDate,
    /// Entries in the list; `None`: the area's `backup_list_len`.
    pub list_len: Option<u8>,
    /// Travel-time estimate, where configured; `None`: straight-line km only.
    pub travel: Option<TravelModel>,
}

impl RankOptions {
    /// The defaults as of `on`.
    pub fn on(on: NaiveDate) -> Self {
        Self { on, list_len: None, travel: None }
    }
}

/// Whether an entry is the formal registration (様式20の6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FormalMark {
    /// The patient's active formal registration is at this hospital.
    Current,
    /// The patient has none; this is the best-ranked 在宅療養後方支援病院 of the list.
    Suggested,
}

/// A registration as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegistrationView {
    /// Registration id.
    pub id: String,
    /// Hospital id.
    pub hospital_id: String,
    /// Status code (`confirmed`, …).
    pub status: &'static str,
    /// Status label (登録済, …).
    pub status_label: &'static str,
    /// Position in the patient's registered list.
    pub rank: u8,
    /// The formal registration.
    pub formal: bool,
    /// When the next information exchange is due (formal, confirmed only).
    pub refresh_due: Option<NaiveDate>,
    /// Due on or before the date asked about.
    pub overdue: bool,
}

impl RegistrationView {
    pub(crate) fn of(dataset: &Dataset, registration: &Registration, on: NaiveDate) -> Self {
        let due = refresh_due(registration);
        Self {
            id: registration.id.to_string(),
            hospital_id: dataset.hospitals[registration.hospital].id.to_string(),
            status: registration.status.code(),
            status_label: registration.status.label(),
            rank: registration.rank,
            formal: registration.formal,
            refresh_due: due,
            overdue: due.is_some_and(|due| due <= on),
        }
    }
}

/// One hospital of the list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupEntry {
    /// 1-based position.
    pub position: usize,
    /// The hospital.
    #[serde(skip)]
    pub hospital: Idx<Hospital>,
    /// Hospital id.
    pub hospital_id: String,
    /// Hospital name.
    pub hospital_name: String,
    /// 24-hour phone.
    pub phone_24h: String,
    /// 退院元 or 通院先, if either.
    pub anchor: Option<Anchor>,
    /// The score and its parts.
    pub score: Score,
    /// The patient's conditions the hospital accepts.
    pub accepted_conditions: Vec<String>,
    /// Straight-line km from home, to 0.1 km.
    pub distance_km: f64,
    /// Estimated minutes, where a travel speed is configured.
    pub travel_minutes: Option<u32>,
    /// 在宅療養後方支援病院.
    pub backup_support: bool,
    /// The hospital's quota, if capped.
    pub quota: Option<u32>,
    /// Active registrations the hospital holds (all patients).
    pub registered_patients: usize,
    /// Why here, in Japanese, e.g. 「心不全を受け入れ・急性期・3.2km」.
    pub reason: String,
    /// The patient's registration at this hospital (the active one, else the latest).
    pub registration: Option<RegistrationView>,
    /// The consent in force that names this hospital, if any.
    pub consent: Option<String>,
    /// Formal registration mark: at most one entry has it.
    pub formal: Option<FormalMark>,
}

/// A patient's ranked backup hospitals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupList {
    /// The patient.
    #[serde(skip)]
    pub patient: Idx<Patient>,
    /// Patient id.
    pub patient_id: String,
    /// Patient name.
    pub patient_name: String,
    /// Area id.
    pub area_id: String,
    /// The date asked about.
    pub on: NaiveDate,
    /// How many entries were asked for.
    pub list_len: usize,
    /// The list, best first.
    pub entries: Vec<BackupEntry>,
    /// Active registrations at hospitals not in the list (to review).
    pub other_registrations: Vec<RegistrationView>,
    /// The patient's backup-hospital consents in force on the date.
    pub consents_in_force: Vec<String>,
    /// Information exchanges of the formal registration, with due dates.
    pub refreshes: Vec<RegistrationView>,
    /// What the caller should know, in Japanese.
    pub notes: Vec<String>,
}

impl BackupList {
    /// Whether the patient has a backup-hospital consent in force.
    pub fn has_consent(&self) -> bool {
        !self.consents_in_force.is_empty()
    }
}

/// Ranks backup hospitals for `patient` (see [`super::score`] for the order).
pub fn rank(dataset: &Dataset, patient: Idx<Patient>, options: &RankOptions) -> BackupList {
    let candidates = Candidates::new(dataset);
    rank_with(dataset, &candidates, patient, options)
}

/// How many entries `patient`'s list has under `options`.
pub(crate) fn list_len(dataset: &Dataset, patient: Idx<Patient>, options: &RankOptions) -> usize {
    usize::from(options.list_len.unwrap_or(dataset.areas[dataset.area_of_patient(patient)].backup_list_len))
}

pub(crate) fn rank_with(
    dataset: &Dataset,
    candidates: &Candidates,
    patient: Idx<Patient>,
    options: &RankOptions,
) -> BackupList {
    let p = &dataset.patients[patient];
    let on = options.on;
    let len = list_len(dataset, patient, options);
    let scored = candidates.scored(dataset, patient, on, options.travel.as_ref());
    let registrations: Vec<&Registration> =
        dataset.registrations_of_patient(patient).iter().map(|&r| &dataset.registrations[r]).collect();
    let consents: Vec<_> = dataset
        .consents_of_patient(patient)
        .iter()
        .copied()
        .filter(|&c| dataset.consents[c].kind() == ConsentKind::BackupHospital && dataset.consents[c].in_force_on(on))
        .collect();
    let needs = Needs::of(p, on);
    let mut entries: Vec<BackupEntry> = scored
        .iter()
        .take(len)
        .enumerate()
        .map(|(position, s)| {
            let h = &dataset.hospitals[s.hospital];
            let registration = registrations
                .iter()
                .filter(|r| r.hospital == s.hospital)
                .max_by_key(|r| (r.is_active(), r.requested_on))
                .map(|r| RegistrationView::of(dataset, r, on));
            let consent = consents
                .iter()
                .find(|&&c| ConsentGap::check(&dataset.consents[c], patient, s.hospital).is_ok())
                .map(|&c| dataset.consents[c].id.to_string());
            let registered_patients = dataset
                .registrations_of_hospital(s.hospital)
                .iter()
                .filter(|&&r| dataset.registrations[r].is_active())
                .count();
            BackupEntry {
                position: position + 1,
                hospital: s.hospital,
                hospital_id: h.id.to_string(),
                hospital_name: h.name.clone(),
                phone_24h: h.phone_24h.to_string(),
                anchor: s.anchor,
                score: rounded(s.score),
                accepted_conditions: s.matched.iter().map(|&c| p.conditions[c].clone()).collect(),
                distance_km: (s.km * 10.0).round() / 10.0,
                travel_minutes: s.minutes.map(|m| m.round() as u32),
                backup_support: h.backup_support,
                quota: h.quota,
                registered_patients,
                reason: reason(dataset, p, s, needs),
                registration,
                consent,
                formal: None,
            }
        })
        .collect();
    let current_formal = registrations.iter().find(|r| r.formal && r.is_active());
    let mut notes = Vec::new();
    match current_formal {
        Some(formal) => match entries.iter_mut().find(|e| e.hospital == formal.hospital) {
            Some(entry) => entry.formal = Some(FormalMark::Current),
            None => notes.push(format!(
                "正式登録 {} ({}) は推奨リストの外の病院です: 見直してください",
                formal.id, dataset.hospitals[formal.hospital].name
            )),
        },
        None => match entries.iter_mut().find(|e| e.backup_support) {
            Some(entry) => entry.formal = Some(FormalMark::Suggested),
            None => notes.push("リストに在宅療養後方支援病院がないため、正式登録の候補はありません".to_owned()),
        },
    }
    if consents.is_empty() {
        notes.push(
            "後方支援病院登録の同意がありません: 登録の前に、病院名を記した同意書を得てください (no backup-hospital consent in force)"
                .to_owned(),
        );
    } else {
        let unnamed: Vec<&str> =
            entries.iter().filter(|e| e.consent.is_none()).map(|e| e.hospital_id.as_str()).collect();
        if !unnamed.is_empty() {
            notes.push(format!("同意書に名前のない病院があります: {} (登録には同意の追加が必要)", unnamed.join("、")));
        }
    }
    if needs.child
        && !p.devices.is_empty()
        && !entries.iter().any(|e| dataset.hospitals[e.hospital].has(crate::domain::HospitalFunction::Pediatric))
    {
        notes.push("医療的ケア児ですが、リストに小児の病院がありません".to_owned());
    }
    let listed: Vec<Idx<Hospital>> = entries.iter().map(|e| e.hospital).collect();
    let other_registrations = registrations
        .iter()
        .filter(|r| r.is_active() && !listed.contains(&r.hospital))
        .map(|r| RegistrationView::of(dataset, r, on))
        .collect();
    let refreshes = registrations
        .iter()
        .filter(|r| refresh_due(r).is_some())
        .map(|r| RegistrationView::of(dataset, r, on))
        .collect::<Vec<_>>();
    for due in refreshes.iter().filter(|r| r.overdue) {
        notes.push(format!(
            "正式登録 {} の情報共有 ({}) が期限を過ぎています (information exchange overdue)",
            due.id,
            due.refresh_due.expect("due")
        ));
    }
    BackupList {
        patient,
        patient_id: p.id.to_string(),
        patient_name: p.name.clone(),
        area_id: dataset.areas[dataset.area_of_patient(patient)].id.to_string(),
        on,
        list_len: len,
        entries,
        other_registrations,
        consents_in_force: consents.iter().map(|&c| dataset.consents[c].id.to_string()).collect(),
        refreshes,
        notes,
    }
}

/// The score to 0.01 points, for showing (the order uses the exact one).
fn rounded(score: Score) -> Score {
    let r = |x: f64| (x * 100.0).round() / 100.0;
    Score {
        conditions: r(score.conditions),
        function: r(score.function),
        support: r(score.support),
        distance: r(score.distance),
        total: r(score.total),
    }
}

/// The Japanese reason for a scored hospital, e.g. 「退院元の病院・心不全を受け入れ・急性期・3.2km」.
pub(crate) fn reason(dataset: &Dataset, patient: &Patient, scored: &Scored, needs: Needs) -> String {
    let h = &dataset.hospitals[scored.hospital];
    let mut parts: Vec<String> = Vec::new();
    match scored.anchor {
        Some(Anchor::Discharge) if patient.regular_hospital == Some(scored.hospital) => {
            parts.push("退院元・通院先の病院".to_owned());
        }
        Some(Anchor::Discharge) => parts.push("退院元の病院".to_owned()),
        Some(Anchor::Regular) => parts.push("通院先の病院".to_owned()),
        None => {}
    }
    if !scored.matched.is_empty() {
        let names: Vec<&str> = scored.matched.iter().map(|&c| patient.conditions[c].as_str()).collect();
        parts.push(format!("{}を受け入れ", names.join("、")));
    }
    for (function, wanted, _) in scored_functions(needs) {
        if wanted && h.has(function) {
            parts.push(function.label().to_owned());
        }
    }
    if needs.child && !h.has(crate::domain::HospitalFunction::Pediatric) {
        parts.push("小児なし".to_owned());
    }
    if h.backup_support {
        parts.push("在宅療養後方支援病院".to_owned());
    }
    match scored.minutes {
        Some(minutes) => parts.push(format!("{:.1}km（約{}分）", scored.km, minutes.round() as u32)),
        None => parts.push(format!("{:.1}km", scored.km)),
    }
    parts.join("・")
}
