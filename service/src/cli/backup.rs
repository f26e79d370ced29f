//! `renkei backup`: a patient's ranked backup hospitals (後方支援病院), the admission
//! order at an acute worsening, and an area's assignment under hospital quotas.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, anyhow, bail};
use chrono::NaiveDate;
use renkei_core::backup::{
    AdmissionPlan, BackupList, FormalMark, QuotaAssignment, QuotaOptions, QuotaProof, RankOptions, RegistrationError,
    TravelModel, admission_plan, assign_quotas, rank,
};
use renkei_core::calendar::to_jst;
use renkei_core::dataset::Dataset;
use renkei_core::domain::{Idx, Patient};

use super::{Format, Outcome, text_table};
use crate::data_dir;

/// What to show.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct BackupArgs {
    /// The data directory.
    pub(crate) dir: PathBuf,
    /// Patient id: their ranked backup hospitals (with --admission, whom to call).
    #[arg(long, required_unless_present = "area", conflicts_with = "area")]
    pub(crate) patient: Option<String>,
    /// Area id, with --quotas: the assignment of the area's patients under the quotas.
    #[arg(long, requires = "quotas")]
    pub(crate) area: Option<String>,
    /// Show the quota assignment (受入上限) of --area.
    #[arg(long, requires = "area")]
    pub(crate) quotas: bool,
    /// With --quotas: cap a hospital at N patients instead of its quota (repeatable).
    #[arg(long = "cap", value_name = "HOSPITAL=N", requires = "quotas")]
    pub(crate) caps: Vec<String>,
    /// With --patient: the admission order (入院調整) for an acute worsening, from the
    /// patient's open admission in the data if there is one.
    #[arg(long, requires = "patient")]
    pub(crate) admission: bool,
    /// With --admission: a severe case (重症), for the 急性期 hospitals.
    #[arg(long, requires = "admission")]
    pub(crate) severe: bool,
    /// The date asked about, YYYY-MM-DD (default: today, JST).
    #[arg(long)]
    pub(crate) on: Option<String>,
    /// Hospitals per list (default: the area's backup_list_len).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=20))]
    pub(crate) list_len: Option<u8>,
    /// Estimate travel minutes at this average speed, km/h (road km = 1.3 × straight line).
    #[arg(long)]
    pub(crate) travel_kmh: Option<f64>,
    /// Fail when the patient has no backup-hospital consent in force.
    #[arg(long)]
    pub(crate) require_consent: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub(crate) format: Format,
}

/// `renkei backup DATA (--patient ID [--admission [--severe]] | --area ID --quotas)`.
pub(crate) fn run(args: &BackupArgs) -> anyhow::Result<Outcome> {
    let dataset = data_dir::load(&args.dir)?;
    let on = match &args.on {
        Some(text) => NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| anyhow!("'{text}' は日付ではありません (not a date: use YYYY-MM-DD)"))?,
        None => to_jst(chrono::Utc::now()).date_naive(),
    };
    let travel = match args.travel_kmh {
        Some(speed) if speed.is_finite() && speed > 0.0 => Some(TravelModel::at(speed)),
        Some(speed) => bail!("速度 {speed} は正の数ではありません (--travel-kmh must be positive)"),
        None => None,
    };
    let options = RankOptions { on, list_len: args.list_len, travel };
    if let Some(area_id) = &args.area {
        let area = dataset
            .areas
            .lookup(area_id)
            .ok_or_else(|| anyhow!("エリア '{area_id}' が見つかりません (unknown area '{area_id}')"))?;
        let mut quota_options = QuotaOptions { rank: options, ..QuotaOptions::on(on) };
        for cap in &args.caps {
            let (hospital_id, count) = cap
                .split_once('=')
                .ok_or_else(|| anyhow!("--cap は 病院ID=人数 で指定します (use HOSPITAL=N): '{cap}'"))?;
            let hospital = dataset
                .hospitals
                .lookup(hospital_id.trim())
                .ok_or_else(|| anyhow!("病院 '{hospital_id}' が見つかりません (unknown hospital '{hospital_id}')"))?;
            let count: u32 =
                count.trim().parse().with_context(|| format!("'{count}' は人数ではありません (not a count)"))?;
            quota_options.caps.push((hospital, count));
        }
        let assignment = assign_quotas(&dataset, area, &quota_options);
        return match args.format {
            Format::Json => Ok(Outcome::ok(serde_json::to_string_pretty(&assignment)? + "\n")),
            Format::Table => Ok(Outcome::ok(quota_text(&dataset, &assignment))),
        };
    }
    let patient_id = args.patient.as_deref().expect("clap requires --patient without --area");
    let patient = dataset
        .patients
        .lookup(patient_id)
        .ok_or_else(|| anyhow!("患者 '{patient_id}' が見つかりません (unknown patient '{patient_id}')"))?;
    if args.admission {
        let plan = admission_plan(&dataset, patient, args.severe.then_some(true), &options);
        return match args.format {
            Format::Json => Ok(Outcome::ok(serde_json::to_string_pretty(&plan)? + "\n")),
            Format::Table => Ok(Outcome::ok(admission_text(&dataset, patient, &plan))),
        };
    }
    let list = rank(&dataset, patient, &options);
    if args.require_consent && !list.has_consent() {
        return Err(RegistrationError::NoConsent { patient: patient_id.to_owned() }.into());
    }
    match args.format {
        Format::Json => Ok(Outcome::ok(serde_json::to_string_pretty(&list)? + "\n")),
        Format::Table => Ok(Outcome::ok(list_text(&dataset, patient, &list))),
    }
}

fn heading(dataset: &Dataset, patient: Idx<Patient>) -> String {
    let p = &dataset.patients[patient];
    let area = &dataset.areas[dataset.area_of_patient(patient)];
    let primary = &dataset.doctors[p.primary_doctor];
    let mut text = format!("患者 {} {} ({}, 主治医 {})", p.id, p.name, area.name, primary.name);
    if !p.conditions.is_empty() {
        let _ = write!(text, "  病名: {}", p.conditions.join("・"));
    }
    if !p.devices.is_empty() {
        let devices: Vec<&str> = p.devices.iter().map(|d| d.label()).collect();
        let _ = write!(text, "  医療的ケア: {}", devices.join("・"));
    }
    text
}

fn list_text(dataset: &Dataset, patient: Idx<Patient>, list: &BackupList) -> String {
    let mut text = heading(dataset, patient);
    let _ = writeln!(text, "\n{} 時点の後方支援病院 ({} 病院)", list.on, list.list_len);
    let consents =
        if list.consents_in_force.is_empty() { "なし".to_owned() } else { list.consents_in_force.join("、") };
    let _ = writeln!(text, "後方支援病院登録の同意: {consents}\n");
    let mut rows =
        vec![["順", "病院", "電話(24時間)", "距離", "登録", "正式登録", "同意", "理由"].map(str::to_owned).to_vec()];
    for entry in &list.entries {
        let distance = match entry.travel_minutes {
            Some(minutes) => format!("{:.1}km/{minutes}分", entry.distance_km),
            None => format!("{:.1}km", entry.distance_km),
        };
        let registration = entry
            .registration
            .as_ref()
            .map_or("未登録".to_owned(), |r| format!("{} ({}位)", r.status_label, r.rank));
        let formal = match entry.formal {
            Some(FormalMark::Current) => "◎ 正式登録",
            Some(FormalMark::Suggested) => "○ 候補",
            None => "",
        };
        rows.push(vec![
            entry.position.to_string(),
            format!("{} {}", entry.hospital_id, entry.hospital_name),
            entry.phone_24h.clone(),
            distance,
            registration,
            formal.to_owned(),
            entry.consent.clone().unwrap_or_else(|| "なし".to_owned()),
            entry.reason.clone(),
        ]);
    }
    text.push_str(&text_table::render(&rows, &[true, false, false, true, false, false, false, false]));
    for due in &list.refreshes {
        let state = if due.overdue { "期限切れ" } else { "予定" };
        let _ = writeln!(
            text,
            "情報共有 (3か月ごと): 正式登録 {} ({}) 次回 {} [{state}]",
            due.id,
            due.hospital_id,
            due.refresh_due.map(|d| d.to_string()).unwrap_or_default()
        );
    }
    for other in &list.other_registrations {
        let _ = writeln!(
            text,
            "リスト外の登録: {} {} {} ({}位)",
            other.id, other.hospital_id, other.status_label, other.rank
        );
    }
    for note in &list.notes {
        let _ = writeln!(text, "注意: {note}");
    }
    text
}

fn quota_text(dataset: &Dataset, assignment: &QuotaAssignment) -> String {
    let area = dataset.areas.get_by_id(&assignment.area_id).expect("the area assigned");
    let objective = &assignment.objective;
    let proof = match &assignment.proof {
        QuotaProof::Optimal => "最適 (証明済み)".to_owned(),
        QuotaProof::Unverified { reason } => format!("未証明: {reason}"),
    };
    let mut text = format!(
        "{} ({}) の受入上限による割当: 患者 {} 人, 希望どおり {} 人, 繰り下げ {} 人 — {proof}\n",
        area.name, area.id, assignment.patients, objective.patients_kept, objective.patients_moved_down
    );
    let kept: Vec<String> = objective
        .kept_by_position
        .iter()
        .enumerate()
        .take_while(|(position, count)| **count > 0 || *position < 3)
        .map(|(position, count)| format!("{}位 {count}人", position + 1))
        .collect();
    let _ = writeln!(
        text,
        "目的 (辞書式に最大化): 登録枠の充足 {}/{} → 順位ごとに病院を保てた患者 {} → 既存登録の維持 {}\n",
        objective.positions_filled,
        objective.positions_wanted,
        kept.join(", "),
        objective.registrations_kept
    );
    let mut rows = vec![["病院", "上限", "他エリア", "当エリア枠", "希望", "割当"].map(str::to_owned).to_vec()];
    for h in &assignment.hospitals {
        rows.push(vec![
            format!("{} {}", h.hospital_id, h.hospital_name),
            h.quota.to_string(),
            h.used_elsewhere.to_string(),
            h.capacity.to_string(),
            h.wanted_by.to_string(),
            h.assigned.to_string(),
        ]);
    }
    text.push_str(&text_table::render(&rows, &[false, true, true, true, true, true]));
    if assignment.hospitals.is_empty() {
        text.push_str("受入上限のある病院はありません\n");
    }
    let moved: Vec<_> = assignment.moved_down().collect();
    if !moved.is_empty() {
        let _ = writeln!(text, "\n繰り下げ ({} 人):", moved.len());
        let mut rows = vec![["患者", "希望", "割当", "理由"].map(str::to_owned).to_vec()];
        for outcome in moved {
            let p = dataset.patients.get_by_id(&outcome.patient_id).expect("assigned patient");
            rows.push(vec![
                format!("{} {}", p.id, p.name),
                outcome.wanted.join(","),
                outcome.assigned.join(","),
                outcome.reason.clone(),
            ]);
        }
        text.push_str(&text_table::render(&rows, &[false, false, false, false]));
    }
    text
}

fn admission_text(dataset: &Dataset, patient: Idx<Patient>, plan: &AdmissionPlan) -> String {
    let mut text = heading(dataset, patient);
    let kind = if plan.severe { "重症: 急性期病院へ" } else { "後方支援病院へ" };
    match &plan.admission_id {
        Some(id) => {
            let a = dataset.admissions.get_by_id(id).expect("open admission");
            let _ = write!(text, "\n入院調整 {id} ({kind}) 依頼 {}", to_jst(a.requested_at).format("%Y-%m-%d %H:%M"));
            if !a.note.is_empty() {
                let _ = write!(text, "  {}", a.note);
            }
            text.push('\n');
        }
        None => {
            let _ = writeln!(text, "\n新しい入院調整 ({kind})");
        }
    }
    for (n, attempt) in plan.attempts.iter().enumerate() {
        let outcome = attempt.outcome.label();
        let reason = if attempt.reason.is_empty() { String::new() } else { format!(" ({})", attempt.reason) };
        let _ = writeln!(
            text,
            "  連絡 {}: {} {} {} → {outcome}{reason}",
            n + 1,
            attempt.at.replace('T', " "),
            attempt.hospital_id,
            attempt.hospital_name
        );
    }
    if let Some(accepted) = &plan.accepted {
        let _ = writeln!(
            text,
            "受入先: {} {} ({})",
            accepted.hospital_id,
            accepted.hospital_name,
            accepted.at.replace('T', " ")
        );
        if let Some(on) = plan.discharge_on {
            let _ = writeln!(text, "退院日: {on}");
        }
    } else {
        text.push_str("\n次に連絡する病院:\n");
        let mut rows = vec![["順", "病院", "電話(24時間)", "距離", "理由"].map(str::to_owned).to_vec()];
        for candidate in &plan.next {
            rows.push(vec![
                candidate.order.to_string(),
                format!("{} {}", candidate.hospital_id, candidate.hospital_name),
                candidate.phone_24h.clone(),
                format!("{:.1}km", candidate.distance_km),
                candidate.reason.clone(),
            ]);
        }
        text.push_str(&text_table::render(&rows, &[true, false, false, true, false]));
        if plan.next.is_empty() {
            text.push_str("連絡できる病院が残っていません: エリア外の急性期病院を探してください\n");
        }
    }
    for task in &plan.tasks {
        let done = task.done_on.map_or("未完了".to_owned(), |d| format!("{d} 完了"));
        let _ = writeln!(text, "退院時の業務: {} (期限 {}, {done}) {}", task.label, task.due_on, task.note);
    }
    text
}
