//! Rota problem files: which data directory, groups and dates (docs/rota-format.md).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::NaiveDate;
use renkei_core::calendar::{DateRange, Month};
use renkei_core::dataset::Dataset;
use renkei_core::rota::{ProblemSpec, RotaProblem, build_problem};
use serde::Deserialize;

use crate::data_dir;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProblemFile {
    data: PathBuf,
    groups: Vec<String>,
    month: Option<String>,
    from: Option<String>,
    to: Option<String>,
    time_limit: Option<f64>,
}

/// A problem file, loaded: its dataset and what to solve.
pub(crate) struct LoadedProblem {
    pub(crate) dataset: Dataset,
    pub(crate) spec: ProblemSpec,
    pub(crate) time_limit: Option<f64>,
}

impl LoadedProblem {
    /// Reads the problem file and its data directory (relative to the file).
    pub(crate) fn load(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("問題ファイル {} を読めません (cannot read the problem file)", path.display()))?;
        let file: ProblemFile = toml::from_str(&text).map_err(|error| {
            anyhow::anyhow!("{}: {} (問題ファイルの形式が不正です)", path.display(), error.message())
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        let dataset = data_dir::load(&base.join(&file.data))?;
        let days = match (&file.month, &file.from, &file.to) {
            (Some(month), None, None) => {
                month.parse::<Month>().map_err(|error| anyhow::anyhow!("{}: month: {error}", path.display()))?.days()
            }
            (None, Some(from), Some(to)) => {
                let date = |text: &str, key: &str| {
                    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                        anyhow::anyhow!("{}: {key} = '{text}' は YYYY-MM-DD ではありません", path.display())
                    })
                };
                let (first, last) = (date(from, "from")?, date(to, "to")?);
                DateRange::new(first, last)
                    .ok_or_else(|| anyhow::anyhow!("{}: to が from より前です (to is before from)", path.display()))?
            }
            _ => {
                bail!("{}: month か from/to のどちらかを指定してください (give month, or from and to)", path.display())
            }
        };
        if days.len() > 92 {
            bail!("{}: 期間は92日までです (at most 92 days)", path.display());
        }
        let mut groups = Vec::with_capacity(file.groups.len());
        for id in &file.groups {
            groups.push(dataset.groups.lookup(id).ok_or_else(|| {
                anyhow::anyhow!("{}: グループ '{id}' がデータにありません (unknown group)", path.display())
            })?);
        }
        if let Some(limit) = file.time_limit
            && !(limit.is_finite() && limit > 0.0)
        {
            bail!("{}: time_limit は正の秒数です (time_limit must be positive seconds)", path.display());
        }
        Ok(Self { dataset, spec: ProblemSpec { groups, days }, time_limit: file.time_limit })
    }

    /// Compiles the rota problem.
    pub(crate) fn problem(&self) -> anyhow::Result<RotaProblem> {
        Ok(build_problem(&self.dataset, &self.spec)?)
    }
}
