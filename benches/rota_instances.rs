//! Writes the rota bench instances (see `renkei_benches::rota_instances`), each a
//! `problem.toml` beside its `data/` directory, into the directory given (default
//! `target/rota-bench`), for the command line and the peer comparison.

use std::path::{Path, PathBuf};

use renkei_core::dataset;
use renkei_core::generate::generate;

fn write_instance(root: &Path, instance: &renkei_benches::RotaInstance) -> std::io::Result<()> {
    let dir = root.join(instance.name);
    std::fs::create_dir_all(dir.join("data"))?;
    let generated = generate(&instance.config);
    for (file, text) in dataset::write(&generated) {
        std::fs::write(dir.join("data").join(file), text)?;
    }
    let groups: Vec<String> = generated.groups.iter().map(|g| format!("\"{}\"", g.id)).collect();
    std::fs::write(
        dir.join("problem.toml"),
        format!(
            "# rota bench instance {}\ndata = \"data\"\ngroups = [{}]\nmonth = \"2026-12\"\n",
            instance.name,
            groups.join(", ")
        ),
    )?;
    println!("{}", dir.join("problem.toml").display());
    Ok(())
}

fn main() -> std::io::Result<()> {
    let root = std::env::args().nth(1).map_or_else(|| PathBuf::from("target/rota-bench"), PathBuf::from);
    for instance in renkei_benches::rota_instances() {
        write_instance(&root, &instance)?;
    }
    Ok(())
}
