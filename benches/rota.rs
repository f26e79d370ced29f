//! Rota solve times on the bench instances (see `renkei_benches::rota_instances`): the
//! whole solve (stages, polish, validation) of every group of each instance's month.
//!
//! `cargo bench -p renkei-benches --bench rota`. The peer comparison with OR-Tools
//! CP-SAT is `benches/peers/compare_rota.py`.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use renkei_core::generate::generate;
use renkei_core::rota::{ProblemSpec, ProofStatus, SolveOptions, build_problem, solve};

fn rota(c: &mut Criterion) {
    let mut group = c.benchmark_group("rota/solve");
    group.sample_size(10).measurement_time(Duration::from_secs(30)).warm_up_time(Duration::from_secs(1));
    for instance in renkei_benches::rota_instances() {
        let dataset = generate(&instance.config);
        let spec = ProblemSpec {
            groups: dataset.groups.indices().collect(),
            days: "2026-12".parse::<renkei_core::calendar::Month>().expect("month").days(),
        };
        let problem = build_problem(&dataset, &spec).expect("builds");
        let options = SolveOptions { time_limit: 30.0, ..SolveOptions::default() };
        let check = solve(&problem, &options).expect("solves");
        eprintln!(
            "{}: {} doctors, status {}, shortfall {}, objective {:.2}",
            instance.name,
            problem.doctors.len(),
            if check.status == ProofStatus::Optimal { "optimal" } else { "best found" },
            check.report.shortfall_units(),
            check.report.objective.total
        );
        group.bench_function(instance.name, |b| b.iter(|| solve(&problem, &options).expect("solves")));
    }
    group.finish();
}

criterion_group!(benches, rota);
criterion_main!(benches);
