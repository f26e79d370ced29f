//! `renkei generate OUT`: write a synthetic data directory, deterministic from a seed.

use std::path::Path;
use std::time::Instant;

use renkei_core::generate::{GeneratorConfig, generate};

use crate::data_dir;

/// What to generate.
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct GenerateArgs {
    /// The directory to create.
    pub(crate) out: std::path::PathBuf,
    /// `okayama` for the demo city, `synthetic` for scale work with the counts below.
    #[arg(long, value_enum, default_value_t = Profile::Synthetic)]
    pub(crate) profile: Profile,
    /// Seed: the same seed and counts give the same files.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// Number of areas.
    #[arg(long, default_value_t = 6)]
    pub(crate) areas: usize,
    /// Groups in each area.
    #[arg(long, default_value_t = 2)]
    pub(crate) groups_per_area: usize,
    /// Doctors in all.
    #[arg(long, default_value_t = 120)]
    pub(crate) doctors: usize,
    /// Patients in all (up to 1,000,000).
    #[arg(long, default_value_t = 1500)]
    pub(crate) patients: usize,
    /// Replace `OUT` if it exists and is not empty.
    #[arg(long)]
    pub(crate) force: bool,
}

/// Which generator profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Profile {
    /// The fictional Okayama-like demo city (fixtures/okayama).
    Okayama,
    /// Any number of areas, groups, doctors and patients.
    Synthetic,
}

/// The most patients `generate` accepts: a national scale.
const MAX_PATIENTS: usize = 1_000_000;

pub(crate) fn run(args: &GenerateArgs) -> anyhow::Result<String> {
    let config = match args.profile {
        Profile::Okayama => GeneratorConfig::okayama(),
        Profile::Synthetic => {
            anyhow::ensure!(args.areas >= 1, "--areas は1以上です (at least one area)");
            anyhow::ensure!(args.groups_per_area >= 1, "--groups-per-area は1以上です (at least one group per area)");
            anyhow::ensure!(
                args.doctors >= args.areas * args.groups_per_area * 3,
                "--doctors が少なすぎます: 各グループに3人以上必要です (at least 3 doctors per group: {} needed)",
                args.areas * args.groups_per_area * 3
            );
            anyhow::ensure!(
                args.patients <= MAX_PATIENTS,
                "--patients は {MAX_PATIENTS} 以下です (at most {MAX_PATIENTS} patients)"
            );
            GeneratorConfig::synthetic(args.seed, args.areas, args.groups_per_area, args.doctors, args.patients)
        }
    };
    let started = Instant::now();
    let dataset = generate(&config);
    data_dir::write_new(&dataset, Path::new(&args.out), args.force)?;
    let doctors = dataset.doctors.len();
    let patients = dataset.patients.len();
    Ok(format!(
        "{} を作成しました (wrote): エリア {}, グループ {}, 医師 {doctors}, 患者 {patients} ({:.1} s)\n",
        args.out.display(),
        dataset.areas.len(),
        dataset.groups.len(),
        started.elapsed().as_secs_f64()
    ))
}
