//! Prepares a database for the HTTP benchmark (`benches/http/run.sh`): the demo city
//! (`--data fixtures/okayama`, with its published December 2026 rota) or a generated
//! country (`--patients N --doctors N`, with a round-robin December 2026 rota), an admin
//! token, and the patient ids to ask about.
//!
//! `http-setup --database URL (--data DIR | --patients N --doctors N) --out DIR` writes
//! `DIR/token` and `DIR/patients.txt`.

use std::path::PathBuf;

use anyhow::Context;
use renkei_benches::round_robin_rota;
use renkei_core::calendar::Month;
use renkei_core::generate::{GeneratorConfig, generate};
use renkei_service::config::{Config, Secret};
use renkei_service::server::AppState;
use renkei_service::server::auth::Role;
use renkei_service::store::Store;
use renkei_service::{data_dir, demo};

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let database = arg("--database").context("--database URL")?;
    let out = PathBuf::from(arg("--out").context("--out DIR")?);
    std::fs::create_dir_all(&out)?;
    let december: Month = "2026-12".parse().expect("month");
    let (dataset, records) = match arg("--data") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            let dataset = data_dir::load(&dir)?;
            let text = std::fs::read_to_string(dir.join("rotas/2026-12-city.json"))?;
            (dataset, serde_json_records(&text)?)
        }
        None => {
            let patients: usize = arg("--patients").context("--patients N")?.parse()?;
            let doctors: usize = arg("--doctors").context("--doctors N")?.parse()?;
            let dataset = generate(&GeneratorConfig::synthetic(7, 20, 10, doctors, patients));
            // Duties only: the round robin's absence covers need not fit the problem.
            let mut records = round_robin_rota(&dataset, december);
            records.covers.clear();
            (dataset, records)
        }
    };
    let ids: Vec<String> = dataset.patients.iter().map(|p| p.id.to_string()).collect();
    let config = Config { database_url: Secret::new(database.clone()), ..Config::default() };
    let store = Store::open(&database).await?;
    let state = AppState::new(store.clone(), config).await?;
    let started = std::time::Instant::now();
    demo::import_dataset(&state, dataset, "bench").await?;
    demo::publish_records(&state, december, records, "bench").await?;
    let token = demo::issue_token(&state, "bench admin", &Role::Admin).await?;
    store.close().await;
    std::fs::write(out.join("token"), token)?;
    std::fs::write(out.join("patients.txt"), ids.join("\n") + "\n")?;
    eprintln!("http-setup: {} patients into {database} in {:.1} s", ids.len(), started.elapsed().as_secs_f64());
    Ok(())
}

fn serde_json_records(text: &str) -> anyhow::Result<renkei_core::rota::RotaRecords> {
    Ok(serde_json::from_str(text)?)
}
