//! `renkei`: the command line of the renkei home-care backup system.

mod cli;

use renkei_service::data_dir;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cli::{Format, Outcome};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// renkei (連携): on-call rotas, backup hospitals and cover lookups for home-care groups.
#[derive(Debug, Parser)]
#[command(name = "renkei", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate a data directory and print a summary per area (データの検証).
    Check {
        /// The data directory, e.g. fixtures/okayama.
        dir: PathBuf,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Print a year's public holidays, one `YYYY-MM-DD<TAB>name` per line (祝日一覧).
    Holidays {
        /// The year, 1955–2099.
        year: i32,
    },
    /// Write a synthetic data directory, deterministic from a seed (合成データ生成).
    Generate(cli::generate::GenerateArgs),
    /// On-call rotas: solve, validate, repair, export (輪番表).
    #[command(subcommand)]
    Rota(cli::rota::RotaCommand),
    /// Whom to call for a patient now (or at --at), in order, with phones and reasons (連絡順).
    Cover {
        /// The data directory.
        dir: PathBuf,
        /// Patient id.
        #[arg(long)]
        patient: String,
        /// JST time, e.g. 2026-12-10T03:00 (default: now).
        #[arg(long)]
        at: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Who is on duty in a group now (or at --at), and the next change (当番).
    OnDuty {
        /// The data directory.
        dir: PathBuf,
        /// Group id.
        #[arg(long)]
        group: String,
        /// JST time (default: now).
        #[arg(long)]
        at: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Whom to consult for a patient's symptom: specialists ranked with reasons and consent (専門医相談).
    Consult(cli::consult::ConsultArgs),
    /// Run the HTTP service (サービスの起動).
    Serve(cli::serve::ServeArgs),
    /// Import a data directory into the service's database, replacing its data (データの取り込み).
    Import(cli::serve::ImportArgs),
    /// Issue an API token for a role (トークンの発行).
    Token(cli::serve::TokenArgs),
    /// Backup hospitals: a patient's ranked list, the admission order, an area's quotas (後方支援病院).
    Backup(cli::backup::BackupArgs),
    /// Audit a group's month: every gap in cover, 16 km, 顔合わせ, consent, backup hospitals (監査).
    Audit {
        /// The data directory.
        dir: PathBuf,
        /// Group id.
        #[arg(long)]
        group: String,
        /// Month, YYYY-MM.
        #[arg(long)]
        month: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Check { dir, format } => cli::check::run(dir, *format).map(Outcome::ok),
        Command::Holidays { year } => cli::holidays::run(*year).map(Outcome::ok),
        Command::Generate(args) => cli::generate::run(args).map(Outcome::ok),
        Command::Rota(command) => cli::rota::run(command),
        Command::Cover { dir, patient, at, format } => cli::cover::cover(dir, patient, at.as_deref(), *format),
        Command::OnDuty { dir, group, at, format } => cli::cover::on_duty(dir, group, at.as_deref(), *format),
        Command::Consult(args) => cli::consult::run(args),
        Command::Audit { dir, group, month, format } => cli::cover::audit_month(dir, group, month, *format),
        Command::Serve(args) => cli::serve::serve(args).map(Outcome::ok),
        Command::Import(args) => cli::serve::import(args).map(Outcome::ok),
        Command::Token(args) => cli::serve::token(args).map(Outcome::ok),
        Command::Backup(args) => cli::backup::run(args),
    };
    match result {
        Ok(outcome) => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (e.g. `| head`) is not an error worth reporting.
            let _ = stdout.write_all(outcome.text.as_bytes());
            ExitCode::from(outcome.code)
        }
        Err(error) => {
            eprintln!("エラー: {error:#}");
            ExitCode::FAILURE
        }
    }
}
