//! `renkei check DIR`: validate a data directory and summarise it per area.

use std::path::Path;

use renkei_core::dataset::{AreaSummary, Dataset};

use super::Format;
use super::text_table;
use crate::data_dir;

/// Validates `dir`; prints the summary, or fails listing every problem.
pub(crate) fn run(dir: &Path, format: Format) -> anyhow::Result<String> {
    let dataset = data_dir::load(dir)?;
    Ok(match format {
        Format::Table => summary_table(&dataset),
        Format::Json => {
            let summary = serde_json::json!({
                "name": dataset.name,
                "valid": true,
                "areas": dataset.summary(),
                "totals": totals(&dataset),
            });
            serde_json::to_string_pretty(&summary)? + "\n"
        }
    })
}

/// Totals over the areas; a specialist serving two areas is counted once.
fn totals(dataset: &Dataset) -> AreaSummary {
    let mut sum = dataset.summary().iter().fold(
        AreaSummary { area: "total".to_owned(), name: "合計".to_owned(), ..AreaSummary::default() },
        |mut sum, row| {
            sum.groups += row.groups;
            sum.doctors += row.doctors;
            sum.hospitals += row.hospitals;
            sum.backup_support_hospitals += row.backup_support_hospitals;
            sum.nurse_stations += row.nurse_stations;
            sum.specialists += row.specialists;
            sum.patients += row.patients;
            sum
        },
    );
    sum.specialists = dataset.specialists.len();
    sum
}

/// The per-area summary as an aligned table.
pub(crate) fn summary_table(dataset: &Dataset) -> String {
    let summary = dataset.summary();
    let heading = ["エリア", "ID", "グループ", "医師", "病院", "うち後方支援", "訪問看護", "協力医", "患者"];
    let mut rows = vec![heading.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>()];
    for row in summary.iter().chain(std::iter::once(&totals(dataset))) {
        rows.push(vec![
            row.name.clone(),
            if row.area == "total" { String::new() } else { row.area.clone() },
            row.groups.to_string(),
            row.doctors.to_string(),
            row.hospitals.to_string(),
            row.backup_support_hospitals.to_string(),
            row.nurse_stations.to_string(),
            row.specialists.to_string(),
            row.patients.to_string(),
        ]);
    }
    let numeric = [false, false, true, true, true, true, true, true, true];
    format!(
        "データセット: {}\n\n{}\n問題はありません (no problems found): 診療所 {}, 同意 {}, 不在 {}, 希望 {}\n",
        dataset.name,
        text_table::render(&rows, &numeric),
        dataset.clinics.len(),
        dataset.consents.len(),
        dataset.absences.len(),
        dataset.requests.len(),
    )
}
