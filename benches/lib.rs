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

/// A quick rota for lookup benchmarks: every rotation group's slots of `month` staffed
/// round-robin by members not absent, and every absence of an absence-cover group
/// covered by the next member. (Lookup cost does not depend on how fair a rota is.)
pub fn round_robin_rota(dataset: &renkei_core::dataset::Dataset, month: Month) -> renkei_core::rota::RotaRecords {
    use renkei_core::calendar::expand_slots;
    use renkei_core::domain::Role;
    use renkei_core::rota::{CoverRecord, DutyRecord, RotaRecords};
    let mut records = RotaRecords::default();
    for group in &dataset.groups {
        if group.policy.rotation() {
            for (turn, slot) in expand_slots(month.days(), &group.calendar, &group.slots).into_iter().enumerate() {
                let free: Vec<_> = group
                    .members
                    .iter()
                    .copied()
                    .filter(|&d| {
                        !dataset
                            .absences_of_doctor(d)
                            .iter()
                            .any(|&a| dataset.absences[a].overlaps(slot.start, slot.end))
                    })
                    .collect();
                for (role, offset) in [(Role::Primary, 0), (Role::Secondary, 1)] {
                    if free.len() > offset {
                        records.duties.push(DutyRecord {
                            group: group.id.to_string(),
                            date: slot.date,
                            slot: slot.kind,
                            role,
                            doctor: dataset.doctors[free[(turn + offset) % free.len()]].id.to_string(),
                            doctor_name: String::new(),
                            start: Some(slot.start),
                            end: Some(slot.end),
                        });
                    }
                }
            }
        }
        if group.policy.absence_cover() {
            for (position, &member) in group.members.iter().enumerate() {
                for &absence in dataset.absences_of_doctor(member) {
                    records.covers.push(CoverRecord {
                        group: group.id.to_string(),
                        absence: dataset.absences[absence].id.to_string(),
                        doctor: dataset.doctors[group.members[(position + 1) % group.members.len()]].id.to_string(),
                        doctor_name: String::new(),
                    });
                }
            }
        }
    }
    records
}

/// A small deterministic pseudo-random sequence (xorshift64*), for picking queries.
pub struct Picks(u64);

impl Picks {
    /// A sequence from `seed` (not 0).
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// The next number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n as u64) as usize
    }
}
