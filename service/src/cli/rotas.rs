//! The published rotas of a data directory (`DATA/rotas/*.json|csv`), and solving a
//! month on the fly when none is published for it.

use std::path::Path;

use anyhow::Context;
use renkei_core::calendar::{Instant, Month, to_jst};
use renkei_core::cover::RotaBook;
use renkei_core::dataset::Dataset;
use renkei_core::domain::{Group, Idx};
use renkei_core::rota::{ProblemSpec, RotaProblem, RotaRecords, SolveOptions, build_problem, solve};

use super::rota::rota_file;

/// The rotas for the months and groups a question needs, and notes on how they came.
pub(crate) struct LoadedRotas {
    pub(crate) book: RotaBook,
    pub(crate) notes: Vec<String>,
}

/// Loads `DATA/rotas/` (files in name order: a later file's slots replace an earlier
/// one's), then solves each of `groups`' months of `instants` that no file covers.
pub(crate) fn load(
    dataset: &Dataset,
    dir: &Path,
    groups: &[Idx<Group>],
    instants: &[Instant],
) -> anyhow::Result<LoadedRotas> {
    let mut book = RotaBook::new(dataset);
    let mut notes = Vec::new();
    let rota_dir = dir.join("rotas");
    if rota_dir.is_dir() {
        let mut paths: Vec<_> = std::fs::read_dir(&rota_dir)
            .with_context(|| format!("cannot list {}", rota_dir.display()))?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|e| e == "json" || e == "csv"))
            .collect();
        paths.sort();
        for path in paths {
            let records = rota_file::read(&path)?;
            book.add(dataset, &records).map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))?;
        }
    }
    let mut months: Vec<Month> =
        instants.iter().filter_map(|&instant| Month::containing(to_jst(instant).date_naive())).collect();
    months.sort_unstable();
    months.dedup();
    for month in months {
        let missing: Vec<Idx<Group>> = groups
            .iter()
            .copied()
            .filter(|&group| {
                let g = &dataset.groups[group];
                g.policy.rotation() && !book.has_duties_between(group, month_start(month), month_start_next(month))
            })
            .collect();
        if missing.is_empty() {
            continue;
        }
        let spec = ProblemSpec { groups: component_of(dataset, &missing), days: month.days() };
        let problem = build_problem(dataset, &spec)?;
        let solution = solve(&problem, &SolveOptions { time_limit: 30.0, ..SolveOptions::default() })?;
        book.add(dataset, &RotaRecords::of(&problem, &solution.rota)).map_err(|error| anyhow::anyhow!("{error}"))?;
        notes.push(format!(
            "{month} の当番表が公開されていないため、{} の当番表をその場で作成しました (no published rota: solved on the fly)",
            names(&problem)
        ));
    }
    Ok(LoadedRotas { book, notes })
}

fn names(problem: &RotaProblem) -> String {
    problem.groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>().join("・")
}

fn month_start(month: Month) -> Instant {
    renkei_core::calendar::jst_instant(month.first_day(), chrono::NaiveTime::MIN)
}

fn month_start_next(month: Month) -> Instant {
    renkei_core::calendar::jst_instant(month.last_day().succ_opt().expect("in range"), chrono::NaiveTime::MIN)
}

/// `groups` and every group linked to them by shared doctors, so a doctor in two groups
/// is never double-booked by a rota made on the fly.
fn component_of(dataset: &Dataset, groups: &[Idx<Group>]) -> Vec<Idx<Group>> {
    let mut all: Vec<Idx<Group>> = groups.to_vec();
    let mut next = 0;
    while next < all.len() {
        let group = all[next];
        for &member in &dataset.groups[group].members {
            for &other in dataset.groups_of_doctor(member) {
                if !all.contains(&other) {
                    all.push(other);
                }
            }
        }
        next += 1;
    }
    all.sort_unstable();
    all
}
