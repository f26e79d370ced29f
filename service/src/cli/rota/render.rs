//! The rota for people: a month grid per group (Japanese headings, weekdays, holidays
//! marked), per-doctor tallies against targets, the objective by term with every
//! penalty's reason, absence covers, and why coverage falls short.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use renkei_core::calendar::{SlotKind, to_jst, weekday_ja};
use renkei_core::domain::Role;
use renkei_core::rota::{ProofStatus, Report, Rota, RotaProblem, Solution};

use crate::cli::text_table;

/// The whole printout of a solved rota.
pub(crate) fn solution(problem: &RotaProblem, solution: &Solution) -> String {
    let mut text = String::new();
    let _ = writeln!(text, "{}", status_line(&solution.status, solution));
    for group in 0..problem.groups.len() {
        text.push('\n');
        text.push_str(&grid(problem, &solution.rota, group));
    }
    text.push('\n');
    text.push_str(&report(problem, &solution.rota, &solution.report));
    if !solution.explanations.is_empty() {
        let _ = writeln!(text, "\n■ 埋まらない当番と理由 ({} 件)", solution.explanations.len());
        for explanation in &solution.explanations {
            let _ = writeln!(text, "・{}", explanation.summary);
            for member in &explanation.members {
                let _ = writeln!(text, "    {}: {}", member.name, member.reason);
            }
        }
        let mut absences: Vec<&str> =
            solution.explanations.iter().flat_map(|e| e.blocking_absences.iter().map(String::as_str)).collect();
        absences.sort_unstable();
        absences.dedup();
        if !absences.is_empty() {
            let _ = writeln!(text, "  妨げている不在: {}", absences.join(", "));
        }
    }
    text
}

fn status_line(status: &ProofStatus, solution: &Solution) -> String {
    let seconds: f64 = solution.stages.iter().map(|s| s.seconds).sum();
    let coverage = if solution.is_complete() {
        "全ての当番枠が埋まりました".to_owned()
    } else {
        format!("{} 件の不足があります (best effort)", solution.report.shortfall_units())
    };
    match status {
        ProofStatus::Optimal => format!("状態: 最適解 (証明済み, {seconds:.2} 秒) / {coverage}"),
        ProofStatus::BestFound { stage, objective, bound, gap } => format!(
            "状態: 時間内の最良解 (段階 {stage}: 目的値 {objective:.2}, 下界 {bound:.2}, ギャップ {:.2}%, {seconds:.2} 秒) / {coverage}",
            gap * 100.0
        ),
    }
}

/// The month grid of one group: a row per date, a column per slot kind (nights in one
/// column), `当番 / 副当番` in each cell.
pub(crate) fn grid(problem: &RotaProblem, rota: &Rota, group: usize) -> String {
    let g = &problem.groups[group];
    let slots: Vec<usize> = (0..problem.slots.len()).filter(|&s| problem.slots[s].group == group).collect();
    let mut text = format!("■ {} ({})  {}〜{}\n", g.name, g.id, problem.first_date, problem.last_date);
    if slots.is_empty() {
        text.push_str("  輪番の当番枠はありません (主治医・副主治医制のみ)\n");
        return text;
    }
    let columns: Vec<(&str, Vec<SlotKind>)> = [
        ("休日日中", vec![SlotKind::HolidayDay]),
        ("土曜午後", vec![SlotKind::SaturdayAfternoon]),
        ("休診午後", vec![SlotKind::HalfDayAfternoon]),
        ("夜間", vec![SlotKind::WeekdayNight, SlotKind::HolidayNight]),
    ]
    .into_iter()
    .filter(|(_, kinds)| slots.iter().any(|&s| kinds.contains(&problem.slots[s].kind)))
    .collect();
    let mut by_date: BTreeMap<NaiveDate, Vec<usize>> = BTreeMap::new();
    for &s in &slots {
        by_date.entry(problem.slots[s].date).or_default().push(s);
    }
    let mut rows = vec![{
        let mut heading = vec!["日付".to_owned(), "曜".to_owned(), "区分".to_owned()];
        heading.extend(columns.iter().map(|(name, _)| (*name).to_owned()));
        heading
    }];
    for (date, date_slots) in &by_date {
        let first = &problem.slots[date_slots[0]];
        let mark = match first.day_label.as_str() {
            "平日" | "土曜" => String::new(),
            label => label.to_owned(),
        };
        let mut row = vec![date.format("%-m/%-d").to_string(), weekday_ja(date.weekday()).to_owned(), mark];
        for (_, kinds) in &columns {
            let cell = date_slots
                .iter()
                .find(|&&s| kinds.contains(&problem.slots[s].kind))
                .map_or_else(|| "-".to_owned(), |&s| cell(problem, rota, s));
            row.push(cell);
        }
        rows.push(row);
    }
    text.push_str(&text_table::render(&rows, &[]));
    text.push_str("  (当番 / 副当番)\n");
    text
}

fn cell(problem: &RotaProblem, rota: &Rota, slot: usize) -> String {
    let demand = problem.slots[slot].demand;
    let mut parts = Vec::new();
    for role in [Role::Primary, Role::Secondary] {
        let needed = usize::from(demand.get(role));
        if needed == 0 {
            continue;
        }
        let mut names: Vec<String> = rota.on_duty(slot, role).map(|d| problem.doctors[d].name.clone()).collect();
        while names.len() < needed {
            names.push("（不足）".to_owned());
        }
        parts.push(names.join("・"));
    }
    parts.join(" / ")
}

/// Tallies, objective by term, penalties, covers and notes.
pub(crate) fn report(problem: &RotaProblem, rota: &Rota, report: &Report) -> String {
    let mut text = String::from("■ 医師ごとの集計\n");
    let mut rows = vec![
        [
            "医師",
            "ID",
            "当番",
            "副当番",
            "夜間",
            "夜間目標",
            "休日",
            "休日目標",
            "代診",
            "点数",
            "目標",
            "前月繰越",
            "新繰越",
        ]
        .map(str::to_owned)
        .to_vec(),
    ];
    for tally in &report.tallies {
        let doctor = &problem.doctors[tally.doctor];
        rows.push(vec![
            doctor.name.clone(),
            doctor.id.clone(),
            tally.primary.to_string(),
            tally.secondary.to_string(),
            tally.nights.to_string(),
            format!("{:.2}", tally.night_target),
            tally.holiday_duties.to_string(),
            format!("{:.2}", tally.holiday_target),
            tally.covers.to_string(),
            format!("{:.2}", tally.points),
            format!("{:.2}", tally.target),
            format!("{:+.2}", tally.carry_over),
            format!("{:+.2}", tally.new_balance),
        ]);
    }
    let numeric = [false, false, true, true, true, true, true, true, true, true, true, true, true];
    text.push_str(&text_table::render(&rows, &numeric));
    let o = &report.objective;
    let _ = writeln!(
        text,
        "\n■ 目的関数 {:.2} = 点数の公平性 {:.2} + 休日回数 {:.2} + 夜間回数 {:.2} + 希望 {:.2} + 顔合わせ {:.2}",
        o.total, o.fairness, o.holiday_fairness, o.night_fairness, o.requests, o.unmet_patients
    );
    for penalty in &report.penalties {
        let _ = writeln!(text, "・{:.2}: {}", penalty.cost, penalty.reason);
    }
    if !rota.covers.is_empty() {
        let _ = writeln!(text, "\n■ 不在時の代診 (主治医・副主治医制)");
        for cover in &rota.covers {
            let demand = &problem.cover_demands[cover.demand];
            let unmet = demand.candidates.iter().find(|c| c.doctor == cover.doctor).map_or(0, |c| c.unmet);
            let time = |instant| to_jst(instant).format("%-m/%-d %H:%M").to_string();
            let _ = writeln!(
                text,
                "・{} {} ({}〜{}, 患者{}人) → {} (顔合わせなし {}人)",
                demand.absence,
                problem.doctors[demand.doctor].name,
                time(demand.start),
                time(demand.end),
                demand.patients,
                problem.doctors[cover.doctor].name,
                unmet
            );
        }
    }
    if !report.violations.is_empty() {
        let _ = writeln!(text, "\n■ 規則違反 ({} 件)", report.violations.len());
        for violation in &report.violations {
            let _ = writeln!(text, "・{}", serde_json::to_string(violation).unwrap_or_default());
        }
    }
    if !problem.notes.is_empty() {
        let _ = writeln!(text, "\n■ 注記");
        for note in &problem.notes {
            let _ = writeln!(text, "・{note}");
        }
    }
    text
}
