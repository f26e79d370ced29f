//! Calendar and dataset benchmarks: expanding a month's duty slots, a year's holidays,
//! and reading the demo city.

use criterion::{Criterion, criterion_group, criterion_main};
use renkei_core::calendar::{GroupCalendar, Month, SlotTemplates, expand_slots, holidays_in_year};

fn calendar(c: &mut Criterion) {
    let december: Month = "2026-12".parse().expect("month");
    let group_calendar = GroupCalendar::default();
    let templates = SlotTemplates::default();
    c.bench_function("expand_slots/month", |b| {
        b.iter(|| expand_slots(std::hint::black_box(december.days()), &group_calendar, &templates))
    });
    c.bench_function("holidays_in_year", |b| b.iter(|| holidays_in_year(std::hint::black_box(2026))));
}

fn dataset(c: &mut Criterion) {
    let files = renkei_benches::read_data_dir(&renkei_benches::fixtures_dir().join("okayama"));
    c.bench_function("dataset/parse_okayama", |b| b.iter(|| renkei_core::dataset::parse(&files).expect("valid")));
}

criterion_group!(benches, calendar, dataset);
criterion_main!(benches);
