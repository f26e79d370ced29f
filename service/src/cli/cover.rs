//! `renkei cover`, `renkei on-duty` and `renkei audit`: who covers a patient now, who is
//! on duty in a group, and the coverage audit of a group's month.

use std::fmt::Write as _;
use std::path::Path;

use renkei_core::audit::{FindingKind, audit};
use renkei_core::calendar::{Instant, Month, parse_instant, to_jst};
use renkei_core::cover::CoverIndex;
use serde_json::json;

use super::{Format, Outcome, rotas, text_table};
use crate::data_dir;

/// The instant asked about: `--at` in JST, or now.
fn instant(at: Option<&str>) -> anyhow::Result<Instant> {
    match at {
        Some(text) => Ok(parse_instant(text)?),
        None => Ok(chrono::Utc::now()),
    }
}

fn jst(instant: Instant) -> String {
    to_jst(instant).format("%Y-%m-%d %H:%M").to_string()
}

/// `renkei cover DATA --patient ID [--at TIME]`.
pub(crate) fn cover(dir: &Path, patient_id: &str, at: Option<&str>, format: Format) -> anyhow::Result<Outcome> {
    let dataset = data_dir::load(dir)?;
    let at = instant(at)?;
    let patient = dataset
        .patients
        .lookup(patient_id)
        .ok_or_else(|| anyhow::anyhow!("患者 '{patient_id}' が見つかりません (unknown patient)"))?;
    let p = &dataset.patients[patient];
    let network = renkei_core::network::CareNetwork::new(&dataset);
    let mut groups = vec![p.group];
    groups.extend(network.nearby_groups(p.group, 1).into_iter().map(|nearby| nearby.group));
    let loaded = rotas::load(&dataset, dir, &groups, &[at])?;
    let index = CoverIndex::new(&dataset, &loaded.book);
    let chain = index.chain(patient, at);
    let steps = chain.describe(&dataset);
    let warnings = chain.describe_warnings(&dataset);
    let group = &dataset.groups[p.group];
    let primary = &dataset.doctors[p.primary_doctor];
    if format == Format::Json {
        let value = json!({
            "patient": {"id": p.id, "name": p.name, "group": group.id, "primary_doctor": primary.id},
            "at": rfc3339(at),
            "steps": steps,
            "warnings": warnings,
            "notes": loaded.notes,
        });
        return Ok(Outcome::ok(serde_json::to_string_pretty(&value)? + "\n"));
    }
    let mut text =
        format!("患者 {} {} ({}, 主治医 {})  {} JST の連絡順\n", p.id, p.name, group.name, primary.name, jst(at));
    if let Some(key) = &p.key_person {
        let _ = writeln!(text, "キーパーソン: {} {}", key.name, key.phone);
    }
    if !p.acp.is_empty() {
        let _ = writeln!(text, "ACP: {}", p.acp);
    }
    text.push('\n');
    let mut rows = vec![["順", "役割", "連絡先", "電話", "距離", "理由"].map(str::to_owned).to_vec()];
    for step in &steps {
        let distance = format!("{:.1}km{}", step.distance_km, if step.beyond_16km { "(16km超)" } else { "" });
        rows.push(vec![
            step.order.to_string(),
            step.role.to_string(),
            step.name.to_string(),
            step.phone.to_owned(),
            distance,
            step.reason.to_string(),
        ]);
    }
    text.push_str(&text_table::render(&rows, &[true, false, false, false, true, false]));
    for warning in warnings.iter().chain(&loaded.notes) {
        let _ = writeln!(text, "注意: {warning}");
    }
    Ok(Outcome::ok(text))
}

/// `renkei on-duty DATA --group ID [--at TIME]`.
pub(crate) fn on_duty(dir: &Path, group_id: &str, at: Option<&str>, format: Format) -> anyhow::Result<Outcome> {
    let dataset = data_dir::load(dir)?;
    let at = instant(at)?;
    let group = dataset
        .groups
        .lookup(group_id)
        .ok_or_else(|| anyhow::anyhow!("グループ '{group_id}' が見つかりません (unknown group)"))?;
    let loaded = rotas::load(&dataset, dir, &[group], &[at])?;
    let index = CoverIndex::new(&dataset, &loaded.book);
    let now = index.on_duty(group, at);
    let doctor = |d: &renkei_core::domain::Idx<renkei_core::domain::Doctor>| {
        let d = &dataset.doctors[*d];
        json!({"id": d.id, "name": d.name, "phone": d.best_phone().to_string()})
    };
    if format == Format::Json {
        let value = json!({
            "group": dataset.groups[group].id,
            "at": rfc3339(at),
            "slot": now.kind,
            "primary": now.primary.iter().map(doctor).collect::<Vec<_>>(),
            "secondary": now.secondary.iter().map(doctor).collect::<Vec<_>>(),
            "absent": now.absent.iter().map(|absent| json!({
                "doctor": doctor(&absent.doctor),
                "role": absent.role,
                "absence": dataset.absences[absent.absence].id,
                "covered_by": absent.cover.as_ref().map(doctor),
            })).collect::<Vec<_>>(),
            "until": now.until.map(rfc3339),
            "next_change": now.next_change.map(rfc3339),
            "notes": loaded.notes,
        });
        return Ok(Outcome::ok(serde_json::to_string_pretty(&value)? + "\n"));
    }
    let mut text = format!("{} ({})  {} JST\n", dataset.groups[group].name, dataset.groups[group].id, jst(at));
    match now.kind {
        Some(kind) => {
            let names = |list: &[renkei_core::domain::Idx<renkei_core::domain::Doctor>]| {
                list.iter()
                    .map(|d| format!("{} {}", dataset.doctors[*d].name, dataset.doctors[*d].best_phone()))
                    .collect::<Vec<_>>()
                    .join("、")
            };
            let _ = writeln!(text, "当番枠: {} ({}まで)", kind.label(), now.until.map(jst).unwrap_or_default());
            let _ = writeln!(
                text,
                "当番: {}",
                if now.primary.is_empty() { "（未割当）".to_owned() } else { names(&now.primary) }
            );
            let _ = writeln!(
                text,
                "副当番: {}",
                if now.secondary.is_empty() { "-".to_owned() } else { names(&now.secondary) }
            );
            for absent in &now.absent {
                let absence = &dataset.absences[absent.absence];
                let _ = writeln!(
                    text,
                    "不在: {} ({}、{}、{}まで){}",
                    dataset.doctors[absent.doctor].name,
                    absent.role.label(),
                    absence.reason,
                    jst(absence.end),
                    absent.cover.map_or(String::new(), |cover| format!(
                        " → 代わり: {} {}",
                        dataset.doctors[cover].name,
                        dataset.doctors[cover].best_phone()
                    ))
                );
            }
        }
        None => text.push_str("当番の時間帯ではありません (各主治医が対応)\n"),
    }
    if let Some(next) = now.next_change {
        let _ = writeln!(text, "次の交代: {}", jst(next));
    }
    for note in &loaded.notes {
        let _ = writeln!(text, "注意: {note}");
    }
    Ok(Outcome::ok(text))
}

/// `renkei audit DATA --group ID --month YYYY-MM`.
pub(crate) fn audit_month(dir: &Path, group_id: &str, month: &str, format: Format) -> anyhow::Result<Outcome> {
    let dataset = data_dir::load(dir)?;
    let group = dataset
        .groups
        .lookup(group_id)
        .ok_or_else(|| anyhow::anyhow!("グループ '{group_id}' が見つかりません (unknown group)"))?;
    let month: Month = month.parse()?;
    let at =
        renkei_core::calendar::jst_instant(month.first_day(), chrono::NaiveTime::from_hms_opt(12, 0, 0).expect("noon"));
    let loaded = rotas::load(&dataset, dir, &[group], &[at])?;
    let index = CoverIndex::new(&dataset, &loaded.book);
    let report = audit(&index, &[group], month);
    if format == Format::Json {
        let mut value = serde_json::to_value(&report)?;
        value["notes"] = json!(loaded.notes);
        return Ok(Outcome::ok(serde_json::to_string_pretty(&value)? + "\n"));
    }
    let mut text = format!(
        "{} ({}) {} のカバー監査: 患者 {} 人, 指摘 {} 件\n",
        dataset.groups[group].name,
        group_id,
        month,
        report.patients,
        report.findings.len()
    );
    let mut counts = vec![["項目", "件数"].map(str::to_owned).to_vec()];
    for kind in FindingKind::ALL {
        counts.push(vec![kind.label().to_owned(), report.count(*kind).to_string()]);
    }
    text.push_str(&text_table::render(&counts, &[false, true]));
    let mut current = "";
    for finding in &report.findings {
        if finding.patient_id != current {
            current = &finding.patient_id;
            let p = &dataset.patients[finding.patient];
            let _ = writeln!(text, "\n■ {} {} (主治医 {})", p.id, p.name, dataset.doctors[p.primary_doctor].name);
        }
        let when = match (finding.from, finding.to) {
            (Some(from), Some(to)) => format!("{}〜{} ", jst(from), to_jst(to).format("%m-%d %H:%M")),
            _ => String::new(),
        };
        let _ = writeln!(text, "・[{}] {when}{}", finding.kind.label(), finding.detail);
    }
    for note in &loaded.notes {
        let _ = writeln!(text, "注意: {note}");
    }
    Ok(Outcome::ok(text))
}

/// An instant as JST RFC 3339 text, to the second.
fn rfc3339(instant: renkei_core::calendar::Instant) -> String {
    to_jst(instant).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}
