//! Helpers shared by the benchmarks.

use std::path::{Path, PathBuf};

use renkei_core::calendar::Month;
use renkei_core::dataset::DataFiles;
use renkei_core::domain::LatLon;
use renkei_core::generate::{AreaSpec, GeneratorConfig};

/// `fixtures/` in the repository.
pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("benches/ has a parent").join("fixtures")
}

/// Reads the `.csv` and `.toml` files of a data directory.
pub fn read_data_dir(dir: &Path) -> DataFiles {
    std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()))
        .filter_map(|entry| {
            let path = entry.expect("entry").path();
            let name = path.file_name()?.to_str()?.to_owned();
            (name.ends_with(".csv") || name.ends_with(".toml"))
                .then(|| (name, std::fs::read_to_string(&path).expect("readable UTF-8")))
        })
        .collect()
}

/// One rota bench instance: a generated city and the month to solve for all its groups.
pub struct RotaInstance {
    /// Short name, e.g. `group-12`.
    pub name: &'static str,
    /// The generator configuration.
    pub config: GeneratorConfig,
}

fn bench_area(id: &str, groups: usize, doctors: usize, patients: usize) -> AreaSpec {
    AreaSpec {
        id: id.to_owned(),
        name: "ベンチ区".to_owned(),
        center: LatLon::new(34.67, 133.93).expect("in Japan"),
        radius_km: 5.0,
        neighbours: Vec::new(),
        prefecture: 33,
        groups,
        doctors,
        hospitals: 4,
        backup_support_hospitals: 2,
        specialists: 10,
        nurse_stations: 3,
        patients,
    }
}

/// The rota bench instances, December 2026: group months of 8, 12 and 16 doctors, a
/// joint solve of three groups of 35 doctors linked by doctors in two groups, and the
/// demo city's 12 groups. Deterministic: fixed seeds.
pub fn rota_instances() -> Vec<RotaInstance> {
    let december: Month = "2026-12".parse().expect("month");
    let single = |seed: u64, doctors: usize| GeneratorConfig {
        seed,
        areas: vec![bench_area("bench", 1, doctors, doctors * 12)],
        months: vec![december],
        name: format!("ベンチ {doctors} 人グループ（架空）"),
    };
    vec![
        RotaInstance { name: "group-08", config: single(8, 8) },
        RotaInstance { name: "group-12", config: single(12, 12) },
        RotaInstance { name: "group-16", config: single(16, 16) },
        // Seed 31 links all three groups through doctors in two groups: one joint component.
        RotaInstance {
            name: "joint-3",
            config: GeneratorConfig {
                seed: 31,
                areas: vec![bench_area("joint", 3, 35, 420)],
                months: vec![december],
                name: "ベンチ 3グループ合同（架空）".to_owned(),
            },
        },
        RotaInstance { name: "city-12", config: GeneratorConfig::okayama() },
    ]
}
