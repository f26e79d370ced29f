//! The coverage audit: for a group's patients over a month, every time with no
//! covering doctor, a covering doctor beyond 16 km, no 顔合わせ with the covering doctor,
//! or no consent for group cover; and every patient with fewer registered backup
//! hospitals than the area requires, or living beyond 16 km of their own 主治医.
//!
//! The month is cut where anything that decides cover changes (the group's duty slots,
//! the 主治医's absences); on each piece the assigned doctors come from the same
//! [`CoverIndex`] the lookup uses, so the audit and the 3 a.m. answer never disagree.

use chrono::NaiveTime;
use serde::Serialize;

use crate::calendar::{Instant, Month, jst_instant, to_jst};
use crate::cover::{Contact, CoverIndex, Reason, Warning};
use crate::dataset::Dataset;
use crate::domain::{ConsentKind, ConsentScope, Doctor, Group, HOME_VISIT_LIMIT_KM, Idx, Patient};

crate::labels::labelled_enum! {
    /// What kind of gap.
    pub enum FindingKind ("監査項目") {
        /// No doctor covers the patient (主治医 absent without cover, or an unstaffed slot).
        NoCover = "no_cover", "担当医なし";
        /// Every covering doctor's clinic is beyond 16 km of home.
        BeyondSixteenKm = "beyond_16km", "16km超";
        /// The covering doctor has not met the patient (顔合わせ).
        NotMet = "not_met", "顔合わせなし";
        /// A group doctor covers without the patient's consent to group cover.
        MissingConsent = "missing_consent", "同意なし";
        /// Fewer backup hospitals registered than the area requires.
        TooFewBackupHospitals = "too_few_backup_hospitals", "後方支援病院不足";
        /// The home is beyond 16 km of the patient's own 主治医.
        FarFromOwnDoctor = "far_from_own_doctor", "主治医から16km超";
    }
}

/// One gap, with what to do about it.
///
/// Gaps in cover (担当医なし, 16km超) are intervals: one finding per stretch of time. What
/// the coordinator fixes once (arrange a 顔合わせ with a doctor, obtain a consent) is one
/// finding per patient (and doctor) for the month: from the first time it matters to
/// the last, with how many duty periods it touches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The patient.
    #[serde(skip)]
    pub patient: Idx<Patient>,
    /// Patient id (for output).
    pub patient_id: String,
    /// What kind.
    pub kind: FindingKind,
    /// The doctor it concerns (顔合わせなし), if one.
    #[serde(skip)]
    pub doctor: Option<Idx<Doctor>>,
    /// From when (none for standing findings).
    pub from: Option<Instant>,
    /// Until when.
    pub to: Option<Instant>,
    /// How many periods of the month it touches (1 for intervals and standing findings).
    pub occurrences: u32,
    /// What exactly, in Japanese.
    pub detail: String,
}

/// An audit of some groups over a month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditReport {
    /// The month.
    pub month: String,
    /// Group ids.
    pub groups: Vec<String>,
    /// Patients checked.
    pub patients: usize,
    /// Every gap, by patient then time.
    pub findings: Vec<Finding>,
}

impl AuditReport {
    /// Number of findings of `kind`.
    pub fn count(&self, kind: FindingKind) -> usize {
        self.findings.iter().filter(|finding| finding.kind == kind).count()
    }
}

/// Audits the patients of `groups` over `month`.
pub fn audit(index: &CoverIndex<'_>, groups: &[Idx<Group>], month: Month) -> AuditReport {
    let dataset = index.dataset();
    let mut findings = Vec::new();
    let mut patients = 0;
    for &group in groups {
        // The month as the rota sees it: from the end of the previous month's last night
        // to the end of this month's last night. Cut wherever the group's slots (by its
        // calendar, staffed or not) begin and end.
        let slots = index.slots_on(group, month.days());
        let mut start = jst_instant(month.first_day(), NaiveTime::MIN);
        if let Some((_, end, _)) = index.slot_at(group, start).filter(|slot| slot.0 < start) {
            start = end;
        }
        let end = slots
            .iter()
            .map(|slot| slot.1)
            .max()
            .unwrap_or(start)
            .max(jst_instant(month.last_day().succ_opt().expect("in range"), NaiveTime::MIN));
        let mut group_cuts: Vec<Instant> = vec![start, end];
        for (slot_start, slot_end, _) in slots {
            group_cuts.extend([slot_start, slot_end].into_iter().filter(|t| start < *t && *t < end));
        }
        for &patient in dataset.patients_of_group(group) {
            patients += 1;
            standing_findings(dataset, patient, &mut findings);
            let mut cuts = group_cuts.clone();
            for &absence in dataset.absences_of_doctor(dataset.patients[patient].primary_doctor) {
                // (each piece is judged at its start, so absence edges must be cuts)
                let a = &dataset.absences[absence];
                cuts.extend([a.start, a.end].into_iter().filter(|t| start < *t && *t < end));
            }
            cuts.sort_unstable();
            cuts.dedup();
            let mut open: Vec<Finding> = Vec::new();
            for piece in cuts.windows(2) {
                let (from, to) = (piece[0], piece[1]);
                for (kind, doctor, detail) in piece_findings(index, patient, from) {
                    // Once per month per patient (and doctor) for what is fixed once;
                    // consecutive pieces merge into intervals for gaps in cover.
                    let monthly = matches!(kind, FindingKind::NotMet | FindingKind::MissingConsent);
                    let running = open.iter_mut().find(|f| {
                        f.kind == kind && f.doctor == doctor && (monthly || (f.detail == detail && f.to == Some(from)))
                    });
                    match running {
                        Some(running) => {
                            if running.to != Some(from) {
                                running.occurrences += 1;
                            }
                            running.to = Some(to);
                        }
                        None => open.push(Finding {
                            patient,
                            patient_id: dataset.patients[patient].id.to_string(),
                            kind,
                            doctor,
                            from: Some(from),
                            to: Some(to),
                            occurrences: 1,
                            detail,
                        }),
                    }
                }
            }
            for finding in &mut open {
                if finding.kind == FindingKind::NotMet {
                    finding.detail.push_str(&format!(" (今月 {} 回の担当)", finding.occurrences));
                } else if finding.kind == FindingKind::MissingConsent {
                    finding.detail.push_str(&format!(" (今月 {} 回)", finding.occurrences));
                }
            }
            findings.extend(open);
        }
    }
    findings.sort_by_key(|f| (f.patient, f.from, f.kind));
    AuditReport {
        month: month.to_string(),
        groups: groups.iter().map(|&g| dataset.groups[g].id.to_string()).collect(),
        patients,
        findings,
    }
}

/// Findings that hold for the whole month.
fn standing_findings(dataset: &Dataset, patient: Idx<Patient>, findings: &mut Vec<Finding>) {
    let p = &dataset.patients[patient];
    let area = &dataset.areas[dataset.groups[p.group].area];
    let active =
        dataset.registrations_of_patient(patient).iter().filter(|&&r| dataset.registrations[r].is_active()).count();
    let mut push = |kind, detail: String| {
        findings.push(Finding {
            patient,
            patient_id: p.id.to_string(),
            kind,
            doctor: None,
            from: None,
            to: None,
            occurrences: 1,
            detail,
        });
    };
    if active < usize::from(area.backup_list_len) {
        push(
            FindingKind::TooFewBackupHospitals,
            format!(
                "後方支援病院の登録が {active} か所 ({} は {} か所を求めています)",
                area.name, area.backup_list_len
            ),
        );
    }
    let own = dataset.clinics[dataset.doctors[p.primary_doctor].clinic].location;
    if !own.within_home_visit_limit(p.home) {
        push(
            FindingKind::FarFromOwnDoctor,
            format!("自宅が主治医の診療所から {:.1} km (16km規則の例外として要確認)", own.distance_km(p.home)),
        );
    }
}

/// Findings of one piece of the month, judged at its start: kind, the doctor concerned
/// (for 顔合わせなし), and the detail.
fn piece_findings(
    index: &CoverIndex<'_>,
    patient: Idx<Patient>,
    at: Instant,
) -> Vec<(FindingKind, Option<Idx<Doctor>>, String)> {
    let dataset = index.dataset();
    let p = &dataset.patients[patient];
    let (assigned, warnings) = index.assigned(patient, at);
    let doctors: Vec<Idx<Doctor>> = assigned
        .iter()
        .filter_map(|step| match step.contact {
            Contact::Doctor(doctor) => Some(doctor),
            _ => None,
        })
        .collect();
    let name = |doctor: Idx<Doctor>| dataset.doctors[doctor].name.clone();
    let mut out = Vec::new();
    if doctors.is_empty() {
        let why = warnings
            .iter()
            .find_map(|warning| match *warning {
                Warning::AbsentWithoutCover(absence) => Some(format!(
                    "主治医が不在 ({}, {}) で代診医が未定",
                    dataset.absences[absence].reason, dataset.absences[absence].id
                )),
                Warning::SlotUnstaffed(kind) => Some(format!("{} の当番が未割当", kind.label())),
                Warning::OnDutyButAbsent(doctor, absence) => {
                    Some(format!("当番の {} が不在 ({})", name(doctor), dataset.absences[absence].id))
                }
                Warning::NoGroupCoverConsent => None,
            })
            .unwrap_or_else(|| "担当する医師がいません".to_owned());
        out.push((FindingKind::NoCover, None, why));
        return out;
    }
    let own = dataset.clinics[dataset.doctors[p.primary_doctor].clinic].location;
    if own.within_home_visit_limit(p.home)
        && assigned.iter().all(|step| f64::from(step.distance_km) > HOME_VISIT_LIMIT_KM)
    {
        let names: Vec<String> = assigned
            .iter()
            .map(|step| format!("{} ({:.1} km)", step_name(dataset, step.contact), step.distance_km))
            .collect();
        out.push((FindingKind::BeyondSixteenKm, None, format!("担当医がすべて16km超: {}", names.join(", "))));
    }
    let others: Vec<Idx<Doctor>> = doctors.iter().copied().filter(|&d| d != p.primary_doctor).collect();
    if !others.is_empty() {
        // Each doctor who covers without having met the patient: one 顔合わせ to arrange.
        for &doctor in others.iter().filter(|&&doctor| !p.knows(doctor)) {
            out.push((FindingKind::NotMet, Some(doctor), format!("{} と顔合わせなし", name(doctor))));
        }
        let date = to_jst(at).date_naive();
        let consented = dataset.consents_of_patient(patient).iter().map(|&c| &dataset.consents[c]).any(|consent| {
            consent.kind() == ConsentKind::GroupCover
                && consent.in_force_on(date)
                && match &consent.scope {
                    ConsentScope::GroupCover { doctors: named } => {
                        named.is_empty() || others.iter().any(|d| named.contains(d))
                    }
                    _ => false,
                }
        });
        if !consented {
            let role = assigned.iter().find(|s| !matches!(s.reason, Reason::PrimaryInHours)).map_or(
                "グループ医",
                |step| match step.reason {
                    Reason::CoversAbsence(_) => "代診医",
                    _ => "当番医",
                },
            );
            out.push((
                FindingKind::MissingConsent,
                None,
                format!("{role}が診療するがグループ医診療の同意がない (または撤回)"),
            ));
        }
    }
    out
}

fn step_name(dataset: &Dataset, contact: Contact) -> String {
    match contact {
        Contact::Doctor(doctor) => dataset.doctors[doctor].name.clone(),
        Contact::Station(station) => dataset.nurse_stations[station].name.clone(),
        Contact::Hospital(hospital) => dataset.hospitals[hospital].name.clone(),
    }
}

#[cfg(test)]
mod tests;
