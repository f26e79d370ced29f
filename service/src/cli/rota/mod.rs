//! `renkei rota …`: solve, validate, repair and export rota problems.

mod problem_file;
mod render;
pub(crate) mod rota_file;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::Context;
use renkei_core::calendar::parse_instant;
use renkei_core::rota::{
    Progress, RotaProblem, RotaRecords, Solution, SolveOptions, repair as repair_rota, solve as solve_rota, validate,
};
use serde_json::json;

use super::Outcome;
use problem_file::LoadedProblem;

/// Default time limit in seconds when neither the command nor the problem file sets one.
const DEFAULT_TIME_LIMIT: f64 = 30.0;

/// Output formats of rota commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum RotaFormat {
    /// Month grid, tallies and reasons for people.
    Table,
    /// Everything, for machines.
    Json,
    /// The rota's duties and covers as CSV.
    Csv,
}

/// The rota subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum RotaCommand {
    /// Build the rota of a problem file: the least shortfall, then the fairest (当番表の作成).
    Solve {
        /// The problem file (docs/rota-format.md).
        problem: PathBuf,
        /// Seconds for the whole solve (default: the problem file's, else 30).
        #[arg(long)]
        time_limit: Option<f64>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = RotaFormat::Table)]
        format: RotaFormat,
        /// Also write the rota file here (.json or .csv).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check a rota against a problem's rules and recompute its objective (当番表の検証).
    Validate {
        /// The problem file.
        problem: PathBuf,
        /// The rota file (.json or .csv).
        rota: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = RotaFormat::Table)]
        format: RotaFormat,
    },
    /// Repair a published rota after a sudden absence, changing as little as possible (当番表の修正).
    Repair {
        /// The problem file.
        problem: PathBuf,
        /// The published rota file.
        rota: PathBuf,
        /// A new absence: DOCTOR,START,END[,REASON] in JST, e.g. D0012,2026-12-10T08:00,2026-12-17T08:00,急病.
        #[arg(long = "absence", required = true)]
        absences: Vec<String>,
        /// Keep slots starting before this time as published (default: the first new absence's start).
        #[arg(long)]
        from: Option<String>,
        /// Seconds for the whole repair.
        #[arg(long)]
        time_limit: Option<f64>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = RotaFormat::Table)]
        format: RotaFormat,
        /// Also write the repaired rota file here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print the compiled problem as JSON (for peers and debugging).
    Export {
        /// The problem file.
        problem: PathBuf,
    },
}

/// Exit code when coverage falls short (the rota is a best effort).
const EXIT_SHORTFALL: u8 = 2;

pub(crate) fn run(command: &RotaCommand) -> anyhow::Result<Outcome> {
    match command {
        RotaCommand::Solve { problem, time_limit, format, out } => solve(problem, *time_limit, *format, out.as_deref()),
        RotaCommand::Validate { problem, rota, format } => validate_file(problem, rota, *format),
        RotaCommand::Repair { problem, rota, absences, from, time_limit, format, out } => {
            repair(problem, rota, absences, from.as_deref(), *time_limit, *format, out.as_deref())
        }
        RotaCommand::Export { problem } => {
            let problem = LoadedProblem::load(problem)?.problem()?;
            Ok(Outcome::ok(serde_json::to_string_pretty(&problem)? + "\n"))
        }
    }
}

/// Prints solver progress on stderr: a live line on a terminal, a line every 5 s otherwise.
fn progress_printer() -> impl Fn(&Progress) + Sync {
    let terminal = std::io::stderr().is_terminal();
    let last = Mutex::new(f64::NEG_INFINITY);
    move |progress: &Progress| {
        let mut last = last.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !terminal && progress.seconds - *last < 5.0 {
            return;
        }
        *last = progress.seconds;
        let incumbent = progress.incumbent.map_or_else(|| "-".to_owned(), |value| format!("{value:.2}"));
        let bound = if progress.bound.is_finite() { format!("{:.2}", progress.bound) } else { "-".to_owned() };
        let line = format!(
            "解いています [{}] {:.1} 秒 目的値 {incumbent} 下界 {bound} ギャップ {:.1}%",
            progress.stage,
            progress.seconds,
            progress.gap * 100.0
        );
        if terminal {
            eprint!("\r{line}\x1b[K");
        } else {
            eprintln!("{line}");
        }
    }
}

fn finish_progress_line() {
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[K");
    }
}

fn solve(path: &Path, time_limit: Option<f64>, format: RotaFormat, out: Option<&Path>) -> anyhow::Result<Outcome> {
    let loaded = LoadedProblem::load(path)?;
    let problem = loaded.problem()?;
    let printer = progress_printer();
    let options = SolveOptions {
        time_limit: checked_time_limit(time_limit.or(loaded.time_limit))?,
        progress: Some(&printer),
        cancel: None,
    };
    let solution = solve_rota(&problem, &options);
    finish_progress_line();
    let solution = solution?;
    let records = RotaRecords::of(&problem, &solution.rota);
    if let Some(out) = out {
        rota_file::write(out, &records)?;
    }
    let text = match format {
        RotaFormat::Table => render::solution(&problem, &solution),
        RotaFormat::Json => serde_json::to_string_pretty(&solution_json(&problem, &solution, &records))? + "\n",
        RotaFormat::Csv => rota_file::to_csv(&records)?,
    };
    Ok(Outcome { text, code: if solution.is_complete() { 0 } else { EXIT_SHORTFALL } })
}

fn checked_time_limit(seconds: Option<f64>) -> anyhow::Result<f64> {
    let seconds = seconds.unwrap_or(DEFAULT_TIME_LIMIT);
    anyhow::ensure!(seconds.is_finite() && seconds > 0.0, "--time-limit は正の秒数です (must be positive seconds)");
    Ok(seconds)
}

/// Problem index tables so machine readers can resolve the report's indices.
fn problem_json(problem: &RotaProblem) -> serde_json::Value {
    json!({
        "name": problem.name,
        "first_date": problem.first_date,
        "last_date": problem.last_date,
        "groups": problem.groups.iter().map(|g| json!({"id": g.id, "name": g.name})).collect::<Vec<_>>(),
        "doctors": problem.doctors.iter().map(|d| json!({"id": d.id, "name": d.name})).collect::<Vec<_>>(),
        "slots": problem.slots.iter().map(|s| json!({
            "group": problem.groups[s.group].id, "date": s.date, "slot": s.kind, "start": s.start, "end": s.end,
        })).collect::<Vec<_>>(),
        "notes": problem.notes,
    })
}

fn solution_json(problem: &RotaProblem, solution: &Solution, records: &RotaRecords) -> serde_json::Value {
    json!({
        "problem": problem_json(problem),
        "status": solution.status,
        "complete": solution.is_complete(),
        "rota": records,
        "report": solution.report,
        "explanations": solution.explanations,
        "stages": solution.stages,
    })
}

fn validate_file(problem_path: &Path, rota_path: &Path, format: RotaFormat) -> anyhow::Result<Outcome> {
    let problem = LoadedProblem::load(problem_path)?.problem()?;
    let rota = rota_file::read(rota_path)?.to_rota(&problem)?;
    let report = validate(&problem, &rota);
    let code = if !report.violations.is_empty() {
        1
    } else if !report.shortfalls.is_empty() {
        EXIT_SHORTFALL
    } else {
        0
    };
    let text = match format {
        RotaFormat::Json => {
            serde_json::to_string_pretty(&json!({"problem": problem_json(&problem), "report": report}))? + "\n"
        }
        RotaFormat::Table | RotaFormat::Csv => {
            let verdict = match code {
                0 => "検証: 規則違反なし、全ての当番枠が埋まっています (valid and complete)".to_owned(),
                1 => format!("検証: 規則違反が {} 件あります (rule violations)", report.violations.len()),
                _ => format!(
                    "検証: 規則違反はありませんが {} 件の不足があります (valid, with shortfalls)",
                    report.shortfall_units()
                ),
            };
            let mut text = format!("{verdict}\n");
            for shortfall in &report.shortfalls {
                text.push_str(&format!("・不足: {}\n", serde_json::to_string(shortfall)?));
            }
            text.push('\n');
            text + &render::report(&problem, &rota, &report)
        }
    };
    Ok(Outcome { text, code })
}

fn repair(
    problem_path: &Path,
    rota_path: &Path,
    absences: &[String],
    from: Option<&str>,
    time_limit: Option<f64>,
    format: RotaFormat,
    out: Option<&Path>,
) -> anyhow::Result<Outcome> {
    let mut loaded = LoadedProblem::load(problem_path)?;
    let published_records = rota_file::read(rota_path)?;
    let mut first_start = None;
    for (number, text) in absences.iter().enumerate() {
        let fields: Vec<&str> = text.split(',').map(str::trim).collect();
        anyhow::ensure!(
            (3..=4).contains(&fields.len()),
            "--absence '{text}': DOCTOR,START,END[,REASON] の形で指定してください (e.g. D0012,2026-12-10T08:00,2026-12-17T08:00,急病)"
        );
        let start = parse_instant(fields[1]).with_context(|| format!("--absence '{text}': START"))?;
        let end = parse_instant(fields[2]).with_context(|| format!("--absence '{text}': END"))?;
        let reason = fields.get(3).copied().unwrap_or("急な不在");
        loaded
            .dataset
            .add_absence(&format!("NEW-{}", number + 1), fields[0], start, end, reason)
            .map_err(|message| anyhow::anyhow!("--absence '{text}': {message}"))?;
        first_start = Some(first_start.map_or(start, |first: renkei_core::calendar::Instant| first.min(start)));
    }
    let from = match from {
        Some(text) => parse_instant(text).with_context(|| format!("--from '{text}'"))?,
        None => first_start.expect("at least one absence"),
    };
    let problem = loaded.problem()?;
    let published = published_records.to_rota(&problem)?;
    let printer = progress_printer();
    let options = SolveOptions {
        time_limit: checked_time_limit(time_limit.or(loaded.time_limit))?,
        progress: Some(&printer),
        cancel: None,
    };
    let repaired = repair_rota(&problem, &published, from, &options);
    finish_progress_line();
    let repaired = repaired?;
    let records = RotaRecords::of(&problem, &repaired.solution.rota);
    if let Some(out) = out {
        rota_file::write(out, &records)?;
    }
    let describe = |assignment: &renkei_core::rota::Assignment| {
        format!(
            "{} {} {}",
            problem.slots[assignment.slot].label(),
            assignment.role.label(),
            problem.doctors[assignment.doctor].name
        )
    };
    let text = match format {
        RotaFormat::Table => {
            let mut text = format!("変更 {} 件 (changed assignments)\n", repaired.changes());
            for removed in &repaired.removed {
                text.push_str(&format!("  - {}\n", describe(removed)));
            }
            for added in &repaired.added {
                text.push_str(&format!("  + {}\n", describe(added)));
            }
            text.push('\n');
            text + &render::solution(&problem, &repaired.solution)
        }
        RotaFormat::Json => {
            let mut value = solution_json(&problem, &repaired.solution, &records);
            value["removed"] = json!(
                RotaRecords::of(&problem, &renkei_core::rota::Rota::new(repaired.removed.clone(), Vec::new())).duties
            );
            value["added"] = json!(
                RotaRecords::of(&problem, &renkei_core::rota::Rota::new(repaired.added.clone(), Vec::new())).duties
            );
            serde_json::to_string_pretty(&value)? + "\n"
        }
        RotaFormat::Csv => rota_file::to_csv(&records)?,
    };
    Ok(Outcome { text, code: if repaired.solution.is_complete() { 0 } else { EXIT_SHORTFALL } })
}
