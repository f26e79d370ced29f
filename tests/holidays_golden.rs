//! Every day 1955-01-01..=2099-12-31 against the golden file generated from the PyPI
//! package `holidays` by `scripts/gen-holidays-golden.py`: same holidays, same names.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use renkei_core::calendar::{holiday_on, holidays};

#[test]
fn every_day_matches_the_golden_file() {
    let golden_path = renkei_tests::fixtures_dir().join("calendar/jp-holidays-1955-2099.tsv");
    let golden_text = std::fs::read_to_string(&golden_path).expect("golden file");
    let golden: BTreeMap<NaiveDate, &str> = golden_text
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (date, name) = line.split_once('\t').expect("date<TAB>name");
            (date.parse().expect("ISO date"), name)
        })
        .collect();
    assert!(golden.len() > 2300, "golden file looks truncated: {} rows", golden.len());

    let first = NaiveDate::from_ymd_opt(holidays::FIRST_YEAR, 1, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(holidays::LAST_YEAR, 12, 31).unwrap();
    let mut mismatches = Vec::new();
    for date in first.iter_days().take_while(|&d| d <= last) {
        let ours = holiday_on(date).map(|h| h.name);
        let theirs = golden.get(&date).copied();
        if ours != theirs {
            mismatches.push(format!("{date}: renkei {ours:?}, golden {theirs:?}"));
        }
    }
    assert!(mismatches.is_empty(), "{} days differ:\n{}", mismatches.len(), mismatches.join("\n"));
}
