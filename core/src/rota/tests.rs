//! Building problems from the demo city.

use super::*;
use crate::calendar::{Month, SlotKind};
use crate::generate::{GeneratorConfig, generate};

fn okayama() -> crate::dataset::Dataset {
    generate(&GeneratorConfig::okayama())
}

#[test]
fn a_demo_group_month_compiles_with_targets_that_add_up() {
    let dataset = okayama();
    let december: Month = "2026-12".parse().unwrap();
    let spec = ProblemSpec::for_month(&dataset, &["G-NAKA-1"], december).unwrap();
    let problem = build_problem(&dataset, &spec).unwrap();
    assert_eq!(problem.groups.len(), 1);
    assert_eq!(problem.doctors.len(), problem.groups[0].members.len());
    // 31 days: every date has a night; closed days also a day slot; Saturdays an afternoon.
    let nights = problem.slots.iter().filter(|s| s.kind.is_night()).count();
    assert_eq!(nights, 31);
    assert!(problem.slots.windows(2).all(|w| w[0].start <= w[1].start));
    let work: f64 = problem
        .slots
        .iter()
        .map(|s| f64::from(s.demand.primary) * s.points[0] + f64::from(s.demand.secondary) * s.points[1])
        .sum::<f64>()
        + problem.cover_demands.iter().map(|d| d.points).sum::<f64>();
    let targets: f64 = problem.doctors.iter().map(|d| d.target).sum();
    let bases: f64 = problem.doctors.iter().map(|d| d.base_target).sum();
    assert!((targets - work).abs() < 0.1 * problem.doctors.len() as f64, "targets {targets} vs work {work}");
    assert!((bases - work).abs() < 0.1 * problem.doctors.len() as f64);
    // 年末年始 slots weigh double.
    let year_end_night = problem.slots.iter().find(|s| s.year_end && s.kind == SlotKind::HolidayNight).unwrap();
    assert_eq!(year_end_night.points, [3.0, 1.5]);
    let json = serde_json::to_string(&problem).unwrap();
    let back: RotaProblem = serde_json::from_str(&json).unwrap();
    assert_eq!(back, problem);
}

#[test]
fn unknown_or_repeated_groups_are_refused() {
    let dataset = okayama();
    let december: Month = "2026-12".parse().unwrap();
    assert_eq!(
        ProblemSpec::for_month(&dataset, &["G-NOPE"], december).unwrap_err(),
        RotaError::UnknownGroup { id: "G-NOPE".into() }
    );
    let naka = dataset.groups.lookup("G-NAKA-1").unwrap();
    let spec = ProblemSpec { groups: vec![naka, naka], days: december.days() };
    assert!(matches!(build_problem(&dataset, &spec), Err(RotaError::DuplicateGroup { .. })));
}
