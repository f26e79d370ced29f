//! Cover-lookup latency and audit time.
//!
//! `cargo bench -p renkei-benches --bench cover` prints:
//! - the escalation chain for random (patient, instant in December 2026) pairs over a
//!   generated country of 100,000 patients and 3,000 doctors: p50, p90, p99 and max of
//!   each lookup's own time, measured one by one (target: p99 under 10 µs);
//! - writing each chain's steps as JSON: serialising the description field by field
//!   against `CoverJson` (the service's way: parts escaped once), mean per chain;
//! - the coverage audit of the demo city's largest area's month (300 patients, target
//!   under 1 s), median of several runs.

use std::time::{Duration, Instant};

use renkei_benches::{Picks, round_robin_rota};
use renkei_core::audit::audit;
use renkei_core::calendar::Instant as At;
use renkei_core::calendar::{Month, jst_instant};
use renkei_core::cover::{CoverIndex, CoverJson, RotaBook};
use renkei_core::dataset::Dataset;
use renkei_core::domain::{Idx, Patient};
use renkei_core::generate::{GeneratorConfig, generate};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn lookups() {
    let started = Instant::now();
    let dataset = generate(&GeneratorConfig::synthetic(7, 20, 10, 3_000, 100_000));
    let december: Month = "2026-12".parse().expect("month");
    let mut book = RotaBook::new(&dataset);
    book.add(&dataset, &round_robin_rota(&dataset, december)).expect("valid rota");
    let index = CoverIndex::new(&dataset, &book);
    println!(
        "cover/chain: {} patients, {} doctors, {} groups (set up in {:.1} s)",
        dataset.patients.len(),
        dataset.doctors.len(),
        dataset.groups.len(),
        started.elapsed().as_secs_f64()
    );
    let month_start = jst_instant(december.first_day(), chrono::NaiveTime::MIN);
    let minutes = 31 * 24 * 60;
    let mut picks = Picks::new(2026);
    let patients: Vec<_> = dataset.patients.indices().collect();
    let queries: Vec<_> = (0..200_000)
        .map(|_| {
            let patient = patients[picks.below(patients.len())];
            let at = month_start + chrono::Duration::minutes(picks.below(minutes) as i64);
            (patient, at)
        })
        .collect();
    // Warm up, then time each lookup on its own.
    let mut steps = 0;
    for &(patient, at) in queries.iter().take(20_000) {
        steps += index.chain(patient, at).steps.len();
    }
    let mut times = Vec::with_capacity(queries.len());
    for &(patient, at) in &queries {
        let start = Instant::now();
        let chain = index.chain(patient, at);
        times.push(start.elapsed());
        steps += chain.steps.len();
    }
    times.sort_unstable();
    println!(
        "cover/chain: {} lookups, p50 {:.2} µs, p90 {:.2} µs, p99 {:.2} µs, max {:.1} µs (mean steps {:.1})",
        times.len(),
        percentile(&times, 0.50).as_secs_f64() * 1e6,
        percentile(&times, 0.90).as_secs_f64() * 1e6,
        percentile(&times, 0.99).as_secs_f64() * 1e6,
        times.last().expect("some").as_secs_f64() * 1e6,
        steps as f64 / (queries.len() + 20_000) as f64
    );
    json(&dataset, &index, &queries);
    cold(&dataset, &index, &queries);
}

/// The chain and its JSON as a service lookup meets them: with the caches holding
/// other work. Before each lookup of the cold passes 4 MiB is walked (more than this
/// machine's L2, as the kernel's and the HTTP stack's work per request evicts much of
/// it); only the lookup and the writing are timed. Against the warm pass this says how
/// much of a lookup's cost in the service is waiting on memory, and the two cold
/// variants how much of that the JSON parts and the rota book's spread over the month
/// account for.
fn cold(dataset: &Dataset, index: &CoverIndex<'_>, queries: &[(Idx<Patient>, At)]) {
    let cover_json = CoverJson::new(dataset);
    let mut other = vec![0u64; 4 << 17];
    let mut buffer = Vec::with_capacity(4096);
    let one_instant = queries[0].1;
    let mut pass = |evict: bool, json: bool, same_instant: bool| {
        let mut times = Vec::with_capacity(20_000);
        for &(patient, at) in queries.iter().take(20_000) {
            if evict {
                for line in other.chunks_mut(8) {
                    line[0] = line[0].wrapping_add(1);
                }
            }
            let at = if same_instant { one_instant } else { at };
            let start = Instant::now();
            let chain = index.chain(patient, at);
            if json {
                buffer.clear();
                cover_json.write(&chain, dataset, &mut buffer);
            }
            times.push(start.elapsed());
            assert!(!json || buffer.len() > 2 || chain.steps.is_empty());
        }
        times.sort_unstable();
        percentile(&times, 0.5).as_secs_f64() * 1e6
    };
    let warm = pass(false, true, false);
    let cold = pass(true, true, false);
    let cold_chain = pass(true, false, false);
    let cold_one_instant = pass(true, true, true);
    println!(
        "cover/chain+json (medians of 20000): {warm:.2} µs one after another; each after 4 MiB of other work: \
         {cold:.2} µs ({cold_chain:.2} µs without the JSON, {cold_one_instant:.2} µs with every lookup at one instant)"
    );
}

/// The steps of the same chains as JSON, both ways, three rounds (mean per chain).
fn json(dataset: &Dataset, index: &CoverIndex<'_>, queries: &[(Idx<Patient>, At)]) {
    let chains: Vec<_> = queries.iter().take(50_000).map(|&(patient, at)| index.chain(patient, at)).collect();
    let started = std::time::Instant::now();
    let cover_json = CoverJson::new(dataset);
    let built = started.elapsed();
    let mut buffer = Vec::with_capacity(4096);
    for round in 1..=3 {
        let (mut serialised, mut written) = (0, 0);
        let start = std::time::Instant::now();
        for chain in &chains {
            buffer.clear();
            serde_json::to_writer(&mut buffer, &chain.describe(dataset)).expect("serialises");
            serialised += buffer.len();
        }
        let serde_time = start.elapsed();
        let start = std::time::Instant::now();
        for chain in &chains {
            buffer.clear();
            cover_json.write(chain, dataset, &mut buffer);
            written += buffer.len();
        }
        let write_time = start.elapsed();
        assert_eq!(serialised, written, "the same JSON");
        let per = |time: Duration| time.as_secs_f64() * 1e6 / chains.len() as f64;
        println!(
            "cover/json round {round}: describe + serde_json {:.2} µs, CoverJson {:.2} µs per chain ({:.0} bytes; CoverJson built in {:.0} ms)",
            per(serde_time),
            per(write_time),
            written as f64 / chains.len() as f64,
            built.as_secs_f64() * 1e3
        );
    }
}

fn audits() {
    let dataset = generate(&GeneratorConfig::okayama());
    let december: Month = "2026-12".parse().expect("month");
    let mut book = RotaBook::new(&dataset);
    book.add(&dataset, &round_robin_rota(&dataset, december)).expect("valid rota");
    let index = CoverIndex::new(&dataset, &book);
    // The area with the most patients (北区中央: 300), all its groups.
    let area = dataset
        .areas
        .indices()
        .max_by_key(|&a| {
            dataset
                .groups
                .indices()
                .filter(|&g| dataset.groups[g].area == a)
                .map(|g| dataset.patients_of_group(g).len())
                .sum::<usize>()
        })
        .expect("areas");
    let groups: Vec<_> = dataset.groups.indices().filter(|&g| dataset.groups[g].area == area).collect();
    let patients: usize = groups.iter().map(|&g| dataset.patients_of_group(g).len()).sum();
    let mut times = Vec::new();
    let mut findings = 0;
    for _ in 0..9 {
        let start = Instant::now();
        findings = audit(&index, &groups, december).findings.len();
        times.push(start.elapsed());
    }
    times.sort_unstable();
    println!(
        "audit: area {} ({} groups, {patients} patients) December 2026: median {:.1} ms over {} runs (min {:.1}, max {:.1}), {findings} findings",
        dataset.areas[area].id,
        groups.len(),
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        times.len(),
        times[0].as_secs_f64() * 1e3,
        times.last().expect("runs").as_secs_f64() * 1e3,
    );
}

fn main() {
    // `cargo test --benches` runs this with `--test`-like flags; keep it quick then.
    if std::env::args().any(|arg| arg == "--test" || arg == "--list") {
        return;
    }
    lookups();
    audits();
}
