//! Rota files: JSON (`.json`) or CSV (anything else), keyed by ids.

use std::path::Path;

use std::os::unix::fs::PermissionsExt;

use anyhow::Context;
use renkei_core::rota::{CoverRecord, DutyRecord, RotaRecords};
use serde::{Deserialize, Serialize};

const CSV_COLUMNS: [&str; 8] = ["type", "group", "date", "slot", "role", "doctor", "doctor_name", "absence"];

#[derive(Debug, Serialize, Deserialize)]
struct CsvRow {
    r#type: String,
    group: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    slot: String,
    #[serde(default)]
    role: String,
    doctor: String,
    #[serde(default)]
    doctor_name: String,
    #[serde(default)]
    absence: String,
}

fn is_json(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension == "json")
}

/// Reads a rota file.
pub(crate) fn read(path: &Path) -> anyhow::Result<RotaRecords> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("当番表 {} を読めません (cannot read)", path.display()))?;
    if is_json(path) {
        return serde_json::from_str(&text)
            .map_err(|error| anyhow::anyhow!("{}:{}: {error} (当番表の形式が不正です)", path.display(), error.line()));
    }
    let mut records = RotaRecords::default();
    let mut reader = csv::Reader::from_reader(text.strip_prefix('\u{feff}').unwrap_or(&text).as_bytes());
    for (position, row) in reader.deserialize::<CsvRow>().enumerate() {
        let line = position + 2;
        let bad = |what: String| anyhow::anyhow!("{}:{line}: {what}", path.display());
        let row = row.map_err(|error| bad(format!("{error} (読めない行です)")))?;
        match row.r#type.as_str() {
            "duty" | "当番" => records.duties.push(DutyRecord {
                group: row.group,
                date: row.date.parse().map_err(|_| bad(format!("date '{}' は YYYY-MM-DD ではありません", row.date)))?,
                slot: row.slot.parse().map_err(bad)?,
                role: row.role.parse().map_err(bad)?,
                doctor: row.doctor,
                doctor_name: row.doctor_name,
                start: None,
                end: None,
            }),
            "cover" | "代診" => records.covers.push(CoverRecord {
                group: row.group,
                absence: row.absence,
                doctor: row.doctor,
                doctor_name: row.doctor_name,
            }),
            other => return Err(bad(format!("type '{other}' は duty か cover です (type must be duty or cover)"))),
        }
    }
    Ok(records)
}

/// The rota as CSV.
pub(crate) fn to_csv(records: &RotaRecords) -> anyhow::Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(CSV_COLUMNS)?;
    for duty in &records.duties {
        let date = duty.date.to_string();
        writer.write_record([
            "duty",
            &duty.group,
            &date,
            duty.slot.code(),
            duty.role.code(),
            &duty.doctor,
            &duty.doctor_name,
            "",
        ])?;
    }
    for cover in &records.covers {
        writer.write_record(["cover", &cover.group, "", "", "", &cover.doctor, &cover.doctor_name, &cover.absence])?;
    }
    Ok(String::from_utf8(writer.into_inner()?)?)
}

/// Writes a rota file (JSON or CSV by extension), staged so a failure leaves no half file.
pub(crate) fn write(path: &Path, records: &RotaRecords) -> anyhow::Result<()> {
    let text = if is_json(path) { serde_json::to_string_pretty(records)? + "\n" } else { to_csv(records)? };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut staged = tempfile::Builder::new()
        .permissions(std::fs::Permissions::from_mode(0o644))
        .tempfile_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    std::io::Write::write_all(&mut staged, text.as_bytes())?;
    staged.persist(path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
