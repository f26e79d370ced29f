//! Quota assignment time: one area of 2,000 generated patients, eight hospitals of
//! which five are capped, every patient wanting three (target: optimal in under 2 s).
//!
//! `cargo bench -p renkei-benches --bench backup` prints the instance, the median of
//! 15 timed runs with the proof status, then criterion's estimate.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use renkei_core::backup::{QuotaOptions, QuotaProof, assign_quotas};
use renkei_core::dataset::{self, Dataset};
use renkei_core::domain::LatLon;
use renkei_core::generate::{AreaSpec, GeneratorConfig, generate};

/// Caps of the five capped hospitals (H1–H5); H6–H8 are uncapped.
const CAPS: [u32; 5] = [300, 400, 500, 600, 700];

/// The area, generated, with exactly the five caps written into hospitals.csv and read
/// back through the data format.
fn instance() -> Dataset {
    let area = AreaSpec {
        id: "quota".to_owned(),
        name: "上限ベンチ区".to_owned(),
        center: LatLon::new(34.67, 133.93).expect("in Japan"),
        radius_km: 6.0,
        neighbours: Vec::new(),
        prefecture: 33,
        groups: 6,
        doctors: 90,
        hospitals: 8,
        backup_support_hospitals: 3,
        specialists: 10,
        nurse_stations: 5,
        patients: 2_000,
    };
    let config = GeneratorConfig {
        seed: 2000,
        areas: vec![area],
        months: vec!["2026-12".parse().expect("month")],
        name: "上限ベンチ（架空）".to_owned(),
    };
    let mut files = dataset::write(&generate(&config));
    let hospitals = &files["hospitals.csv"];
    let mut lines: Vec<String> = hospitals.lines().map(str::to_owned).collect();
    for (position, line) in lines.iter_mut().enumerate().skip(1) {
        let (rest, _quota) = line.rsplit_once(',').expect("quota is the last column");
        let cap = CAPS.get(position - 1).map(ToString::to_string).unwrap_or_default();
        *line = format!("{rest},{cap}");
    }
    files.insert("hospitals.csv".to_owned(), lines.join("\n") + "\n");
    dataset::parse(&files).expect("valid")
}

fn quotas(c: &mut Criterion) {
    let dataset = instance();
    let area = dataset.areas.lookup("quota").expect("area");
    let options = QuotaOptions::on("2026-12-01".parse().expect("date"));
    let capped = dataset.hospitals.iter().filter(|h| h.quota.is_some()).count();
    let mut times: Vec<Duration> = Vec::new();
    let mut result = assign_quotas(&dataset, area, &options);
    for _ in 0..15 {
        let start = Instant::now();
        result = assign_quotas(&dataset, area, &options);
        times.push(start.elapsed());
    }
    times.sort_unstable();
    let proven = result.proof == QuotaProof::Optimal;
    eprintln!(
        "backup/quotas: {} patients, {} hospitals ({capped} capped): median {:.1} ms over {} runs (min {:.1}, max {:.1}); {}; {} moved down, positions filled {}/{}",
        result.patients,
        dataset.hospitals.len(),
        times[times.len() / 2].as_secs_f64() * 1e3,
        times.len(),
        times[0].as_secs_f64() * 1e3,
        times.last().expect("runs").as_secs_f64() * 1e3,
        if proven { "proven optimal" } else { "NOT PROVEN" },
        result.objective.patients_moved_down,
        result.objective.positions_filled,
        result.objective.positions_wanted,
    );
    assert!(proven, "{:?}", result.proof);
    let mut group = c.benchmark_group("backup");
    group.sample_size(20).measurement_time(Duration::from_secs(12));
    group
        .bench_function("assign_quotas/2000-patients-5-capped", |b| b.iter(|| assign_quotas(&dataset, area, &options)));
    group.finish();
}

criterion_group!(benches, quotas);
criterion_main!(benches);
