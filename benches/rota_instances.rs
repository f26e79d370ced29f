//! Writes the rota bench instances, each a `problem.toml` beside its `data/` directory, into
//! the directory given (default `target/rota-bench`): group months of 8, 12 and 16
//! doctors, a joint solve of three groups of about 35 doctors (some in two groups), and
//! the demo city's 12 groups. Deterministic: fixed seeds.

use std::path::{Path, PathBuf};

use renkei_core::calendar::Month;
use renkei_core::dataset;
use renkei_core::domain::LatLon;
use renkei_core::generate::{AreaSpec, GeneratorConfig, generate};

fn area(id: &str, groups: usize, doctors: usize, patients: usize) -> AreaSpec {
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

fn write_instance(root: &Path, name: &str, config: &GeneratorConfig, groups: &[String]) -> std::io::Result<()> {
    let dir = root.join(name);
    std::fs::create_dir_all(dir.join("data"))?;
    let generated = generate(config);
    for (file, text) in dataset::write(&generated) {
        std::fs::write(dir.join("data").join(file), text)?;
    }
    let groups =
        if groups.is_empty() { generated.groups.iter().map(|g| g.id.to_string()).collect() } else { groups.to_vec() };
    let quoted: Vec<String> = groups.iter().map(|g| format!("\"{g}\"")).collect();
    std::fs::write(
        dir.join("problem.toml"),
        format!(
            "# rota bench instance {name}\ndata = \"data\"\ngroups = [{}]\nmonth = \"2026-12\"\n",
            quoted.join(", ")
        ),
    )?;
    println!("{}", dir.join("problem.toml").display());
    Ok(())
}

fn main() -> std::io::Result<()> {
    let root = std::env::args().nth(1).map_or_else(|| PathBuf::from("target/rota-bench"), PathBuf::from);
    let december: Month = "2026-12".parse().expect("month");
    let single = |seed: u64, doctors: usize| GeneratorConfig {
        seed,
        areas: vec![area("bench", 1, doctors, doctors * 12)],
        months: vec![december],
        name: format!("ベンチ {doctors} 人グループ（架空）"),
    };
    for (seed, doctors) in [(8, 8), (12, 12), (16, 16)] {
        write_instance(&root, &format!("group-{doctors:02}"), &single(seed, doctors), &[])?;
    }
    // Seed 31 links all three groups through doctors in two groups: one joint component.
    let joint = GeneratorConfig {
        seed: 31,
        areas: vec![area("joint", 3, 35, 420)],
        months: vec![december],
        name: "ベンチ 3グループ合同（架空）".to_owned(),
    };
    write_instance(&root, "joint-3", &joint, &[])?;
    write_instance(&root, "city-12", &GeneratorConfig::okayama(), &[])?;
    Ok(())
}
