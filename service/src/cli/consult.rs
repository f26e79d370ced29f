//! `renkei consult DATA --patient ID --symptom WORD`: whom to consult for a patient's
//! symptom, ranked with reasons, phones, distance, load and consent status.

use std::fmt::Write as _;
use std::path::PathBuf;

use renkei_core::calendar::{Instant, parse_instant, to_jst};
use renkei_core::consult::{Candidate, ConsultNeed, ConsultOptions, ConsultPlan, ReasonTopic, rank_specialists};
use renkei_core::domain::ConsultMode;

use super::{Format, Outcome, text_table};
use crate::data_dir;

/// Exit code when `--require-consent` is given and no candidate is named by a consent
/// in force (the plan is still printed).
pub(crate) const EXIT_NO_CONSENT: u8 = 2;

/// What to ask.
#[derive(Debug, Clone, clap::Args)]
#[command(group = clap::ArgGroup::new("need").required(true).args(["symptom", "specialty"]))]
pub(crate) struct ConsultArgs {
    /// The data directory.
    pub(crate) dir: PathBuf,
    /// Patient id.
    #[arg(long)]
    pub(crate) patient: String,
    /// The symptom, as written (e.g. 褥瘡, 「褥瘡（仙骨部）」, ＡＤＬ低下).
    #[arg(long)]
    pub(crate) symptom: Option<String>,
    /// A specialty instead of a symptom (e.g. 皮膚科).
    #[arg(long)]
    pub(crate) specialty: Option<String>,
    /// The help wanted: advice|home_visit|outpatient or 助言|往診|外来.
    #[arg(long)]
    pub(crate) mode: Option<String>,
    /// JST time, e.g. 2026-12-10T10:00 (default: now); consents are judged on its date.
    #[arg(long)]
    pub(crate) at: Option<String>,
    /// Rows per specialty in the table (JSON lists every candidate).
    #[arg(long, default_value_t = 10)]
    pub(crate) limit: usize,
    /// Exit with code 2 when no candidate is named by a consent in force.
    #[arg(long)]
    pub(crate) require_consent: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub(crate) format: Format,
}

/// `renkei consult`.
pub(crate) fn run(args: &ConsultArgs) -> anyhow::Result<Outcome> {
    let dataset = data_dir::load(&args.dir)?;
    let at: Instant = match &args.at {
        Some(text) => parse_instant(text)?,
        None => chrono::Utc::now(),
    };
    let mode = args.mode.as_deref().map(str::parse::<ConsultMode>).transpose().map_err(anyhow::Error::msg)?;
    let need = match (&args.symptom, &args.specialty) {
        (Some(symptom), _) => ConsultNeed::Symptom(symptom),
        (None, Some(specialty)) => ConsultNeed::Specialty(specialty),
        (None, None) => anyhow::bail!("--symptom か --specialty を指定してください (give --symptom or --specialty)"),
    };
    let plan = rank_specialists(&dataset, &args.patient, need, &ConsultOptions { mode, at })?;
    let code = if args.require_consent && plan.consented().next().is_none() { EXIT_NO_CONSENT } else { 0 };
    let text = match args.format {
        Format::Json => serde_json::to_string_pretty(&plan)? + "\n",
        Format::Table => render(&dataset, &plan, args.limit),
    };
    Ok(Outcome { text, code })
}

fn jst(rfc3339: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| to_jst(t.with_timezone(&chrono::Utc)).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| rfc3339.to_owned())
}

/// The plan as Japanese text: consent warnings first, then one table per specialty,
/// then the patient's open consults.
fn render(dataset: &renkei_core::dataset::Dataset, plan: &ConsultPlan, limit: usize) -> String {
    let patient = dataset.patients.get_by_id(&plan.patient).expect("the plan's patient");
    let primary = &dataset.doctors[patient.primary_doctor].name;
    let mut text = format!(
        "患者 {} {} ({}, 主治医 {})  {} JST の専門医相談\n",
        plan.patient,
        plan.patient_name,
        plan.area_name,
        primary,
        jst(&plan.at)
    );
    let matched: Vec<String> =
        plan.routing.matched.iter().map(|m| format!("{} ({})", m.symptom, m.how.label())).collect();
    let specialties: Vec<&str> = plan.routing.specialties.iter().map(|s| s.specialty.as_str()).collect();
    let _ = writeln!(text, "症状: {} → {} → {}", plan.routing.asked, matched.join("、"), specialties.join("・"));
    if let Some(mode) = plan.mode {
        let _ = writeln!(text, "希望する対応: {}", mode.label());
    }
    if !plan.notes.is_empty() {
        text.push('\n');
    }
    for note in &plan.notes {
        let _ = writeln!(text, "【注意】{note}");
    }
    for routed in &plan.routing.specialties {
        let candidates: Vec<&Candidate> = plan.candidates.iter().filter(|c| c.specialty == routed.specialty).collect();
        let _ = writeln!(text, "\n■ {} ({} 名)", routed.specialty, candidates.len());
        if candidates.is_empty() {
            continue;
        }
        let hidden = candidates.len().saturating_sub(limit);
        let mut rows =
            vec![["順", "ID", "協力医", "電話", "距離", "対応中", "同意", "理由"].map(str::to_owned).to_vec()];
        for c in candidates.into_iter().take(limit) {
            let load = match (c.capacity, c.full) {
                (Some(capacity), true) => format!("満員 {}/{capacity}", c.open_consults),
                (Some(capacity), false) => format!("{}/{capacity}", c.open_consults),
                (None, _) => format!("{}/-", c.open_consults),
            };
            let mut why = vec![c.reason(ReasonTopic::Area).to_owned(), c.reason(ReasonTopic::Mode).to_owned()];
            if let Some(id) = &c.patient_consult {
                why.push(format!("この患者の相談 {id} が対応中"));
            }
            rows.push(vec![
                c.rank.to_string(),
                c.id.clone(),
                format!("{} ({})", c.name, c.institution),
                c.phone.clone(),
                format!("{:.1}km", c.distance_km),
                load,
                c.consent.clone().unwrap_or_else(|| c.consent_status.label().to_owned()),
                why.join(" / "),
            ]);
        }
        text.push_str(&text_table::render(&rows, &[true, false, false, false, true, true, false, false]));
        if hidden > 0 {
            let _ = writeln!(text, "… ほか {hidden} 名 (--limit で表示数を変更、--format json は全員)");
        }
    }
    let _ = writeln!(text, "\n対応中の相談: {} 件", plan.open_consults.len());
    if !plan.open_consults.is_empty() {
        let mut rows =
            vec![["ID", "協力医", "専門科", "症状", "方法", "状況", "依頼", "更新"].map(str::to_owned).to_vec()];
        for consult in &plan.open_consults {
            rows.push(vec![
                consult.id.clone(),
                consult.specialist_name.clone(),
                consult.specialty.clone(),
                consult.symptom.clone(),
                consult.mode.label().to_owned(),
                consult.status.label().to_owned(),
                jst(&consult.requested_at),
                jst(&consult.updated_at),
            ]);
        }
        text.push_str(&text_table::render(&rows, &[false; 8]));
    }
    text
}
