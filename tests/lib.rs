//! Shared helpers for the workspace's end-to-end tests.

use std::path::PathBuf;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// `fixtures/` in the repository.
pub fn fixtures_dir() -> PathBuf {
    repo_root().join("fixtures")
}

/// `../shared/` beside the repository: public benchmark data, read in place.
pub fn shared_dir() -> PathBuf {
    repo_root().parent().expect("the repository has a parent").join("shared")
}
