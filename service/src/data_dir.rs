//! Reading and writing data directories on disk.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use renkei_core::dataset::{self, DataFiles, Dataset};

/// Reads the `.csv` and `.toml` files of a data directory.
pub fn read(dir: &Path) -> anyhow::Result<DataFiles> {
    if !dir.is_dir() {
        bail!("データディレクトリ {} がありません (no such directory)", dir.display());
    }
    let mut files = DataFiles::new();
    for entry in fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
        if !(name.ends_with(".csv") || name.ends_with(".toml")) || !path.is_file() {
            continue;
        }
        let bytes = fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let text = String::from_utf8(bytes).map_err(|error| {
            anyhow::anyhow!(
                "{name}: UTF-8 ではありません (not UTF-8 near byte {}; save the file as UTF-8)",
                error.utf8_error().valid_up_to()
            )
        })?;
        files.insert(name.to_owned(), text);
    }
    Ok(files)
}

/// Reads and validates a data directory; on bad data the error lists every problem.
pub fn load(dir: &Path) -> anyhow::Result<Dataset> {
    let files = read(dir)?;
    dataset::parse(&files).map_err(|invalid| {
        let listing: Vec<String> = invalid.problems.iter().map(ToString::to_string).collect();
        anyhow::anyhow!(
            "{} にエラーが {} 件あります ({} problem(s)):\n{}",
            dir.display(),
            invalid.problems.len(),
            invalid.problems.len(),
            listing.join("\n")
        )
    })
}

/// Writes a dataset as a data directory at `dir`. The files are written into a
/// temporary directory and moved into place only when all are complete, so an
/// interrupted run leaves nothing half-written. An existing non-empty `dir` is refused
/// unless `overwrite`; then only the data files are replaced, and anything else in the
/// directory (problem files, published rotas) is left as it is.
pub fn write_new(dataset: &Dataset, dir: &Path, overwrite: bool) -> anyhow::Result<()> {
    let occupied = dir.exists() && fs::read_dir(dir).map(|mut entries| entries.next().is_some()).unwrap_or(true);
    if occupied && !overwrite {
        bail!("{} は空ではありません (not empty; pass --force to replace its data files)", dir.display());
    }
    let parent = match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    fs::create_dir_all(&parent).with_context(|| format!("cannot create {}", parent.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".renkei-generate-")
        .tempdir_in(&parent)
        .with_context(|| format!("cannot create a temporary directory in {}", parent.display()))?;
    for name in dataset::FILE_NAMES {
        let path = staging.path().join(name);
        let file = fs::File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut out = BufWriter::new(file);
        dataset::write_table(dataset, name, &mut out).with_context(|| format!("cannot write {}", path.display()))?;
        out.flush()?;
        out.get_ref().sync_all()?;
    }
    if !dir.exists() {
        let staged = staging.keep();
        fs::rename(&staged, dir).with_context(|| format!("cannot move the new data into {}", dir.display()))?;
        return Ok(());
    }
    for name in dataset::FILE_NAMES {
        let target = dir.join(name);
        fs::rename(staging.path().join(name), &target)
            .with_context(|| format!("cannot replace {}", target.display()))?;
    }
    Ok(())
}
