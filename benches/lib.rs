//! Helpers shared by the benchmarks.

use std::path::{Path, PathBuf};

use renkei_core::dataset::DataFiles;

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
