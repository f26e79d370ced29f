//! `renkei serve`, `renkei import` and `renkei token`: the HTTP service and its store.

use std::path::{Path, PathBuf};

use anyhow::Context;
use renkei_core::calendar::Month;
use renkei_core::rota::RotaError;
use renkei_service::config::{Config, LogFormat, Secret};
use renkei_service::demo;
use renkei_service::server::auth::Role;
use renkei_service::server::{self, AppState};
use renkei_service::store::Store;

/// Where the service keeps the demo: a file of its own, made fresh at each start.
const DEMO_DATABASE: &str = "renkei-demo.sqlite";

/// `renkei serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// Load the demo city into a fresh database (renkei-demo.sqlite), solve this month's
    /// and next month's rotas, and print the URLs and a token for each kind of user.
    #[arg(long)]
    demo: bool,
    /// The demo's data directory.
    #[arg(long, default_value = "fixtures/okayama")]
    data: PathBuf,
    /// Configuration file (TOML); the environment overrides it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long)]
    listen: Option<String>,
    /// `sqlite://FILE` or `postgres://…` (default: DATABASE_URL, else sqlite://renkei.sqlite).
    #[arg(long)]
    database: Option<String>,
    /// Seconds for each of the demo's rota solves.
    #[arg(long, default_value_t = 30.0)]
    demo_time_limit: f64,
}

fn config(file: Option<&Path>, listen: Option<&str>, database: Option<&str>) -> anyhow::Result<Config> {
    let mut config = Config::load(file)?;
    if let Some(listen) = listen {
        config.listen = listen.parse().with_context(|| format!("--listen '{listen}' は host:port ではありません"))?;
    }
    if let Some(database) = database {
        config.database_url = Secret::new(database);
    }
    Ok(config)
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,highs=error"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}

/// Runs the service until Ctrl-C.
pub(crate) fn serve(args: &ServeArgs) -> anyhow::Result<String> {
    let mut config = config(args.config.as_deref(), args.listen.as_deref(), args.database.as_deref())?;
    if args.demo && args.database.is_none() && std::env::var("DATABASE_URL").is_err() {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{DEMO_DATABASE}{suffix}"));
        }
        config.database_url = Secret::new(format!("sqlite://{DEMO_DATABASE}"));
    }
    init_logging(config.log_format);
    runtime()?.block_on(async move {
        let store = Store::open(config.database_url.expose()).await.context("データベースを開けません (cannot open the database)")?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("{} で待ち受けできません (cannot listen)", config.listen))?;
        let state = AppState::new(store, config.clone()).await?;
        let base = config.public_url();
        let mut banner = String::new();
        if args.demo {
            banner = prepare_demo(&state, &args.data, args.demo_time_limit, &base).await?;
        } else if state.tokens().is_empty() {
            let token = demo::issue_token(&state, "初期管理者 (bootstrap admin)", &Role::Admin).await?;
            banner = format!("トークンがないため管理者トークンを発行しました (bootstrap admin token, shown once):\n  {token}\n");
        }
        println!("{banner}renkei: {base}  (API の説明 / API docs: {base}/docs, OpenAPI: {base}/openapi.json)\n停止は Ctrl-C (Ctrl-C stops)");
        server::serve(state, listener).await
    })?;
    Ok(String::new())
}

async fn prepare_demo(state: &AppState, data: &Path, time_limit: f64, base: &str) -> anyhow::Result<String> {
    eprintln!("デモデータを読み込みます (loading the demo city from {})", data.display());
    demo::import_dir(state, data, "demo").await?;
    let today = demo::today();
    let this = Month::containing(today).context("today is outside 1955–2099")?;
    let next = Month::containing(this.last_day().succ_opt().expect("in range")).context("next month")?;
    for month in [this, next] {
        eprintln!("{month} の当番表を作成しています (solving {month}, at most {time_limit} s)…");
        match demo::solve_and_publish(state, month, time_limit, "demo", &|line| eprintln!("{line}")).await {
            // The demo is still worth serving without one month's rota (lookups then
            // warn that its slots are unstaffed); a machine too busy for the time limit
            // should not stop it.
            Err(error) if matches!(error.downcast_ref(), Some(RotaError::NoSolutionInTime { .. })) => eprintln!(
                "  {month} の当番表は作成できませんでした。当番表なしで続けます (no rota for {month}: {error}; \
                 serving without it; a longer --demo-time-limit helps)"
            ),
            result => result?,
        }
    }
    let tokens = demo::demo_tokens(state, today).await?;
    let mut text = String::from("\nデモ用トークン (demo tokens; the database is made fresh at every --demo start):\n");
    for token in &tokens {
        text.push_str(&format!(
            "  {}\n    export TOKEN={}\n    curl -H \"Authorization: Bearer $TOKEN\" '{base}{}'\n",
            token.label, token.token, token.example
        ));
    }
    text.push('\n');
    Ok(text)
}

/// `renkei import`.
#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    /// The data directory.
    dir: PathBuf,
    /// `sqlite://FILE` or `postgres://…` (default: DATABASE_URL, else sqlite://renkei.sqlite).
    #[arg(long)]
    database: Option<String>,
}

/// Imports a data directory into the database.
pub(crate) fn import(args: &ImportArgs) -> anyhow::Result<String> {
    let config = config(None, None, args.database.as_deref())?;
    runtime()?.block_on(async move {
        let store = Store::open(config.database_url.expose()).await.context("データベースを開けません")?;
        let state = AppState::new(store.clone(), config).await?;
        demo::import_dir(&state, &args.dir, "renkei import").await?;
        let patients = state.snapshot().dataset().patients.len();
        store.close().await;
        Ok(format!("{} を取り込みました (imported; {patients} patients)\n", args.dir.display()))
    })
}

/// `renkei token`.
#[derive(Debug, clap::Args)]
pub(crate) struct TokenArgs {
    /// admin, coordinator, doctor, station or hospital.
    #[arg(long)]
    role: String,
    /// The scope: area or group id (coordinator, with --scope-kind), doctor, station or hospital id.
    #[arg(long, default_value = "")]
    scope: String,
    /// For a coordinator: area or group.
    #[arg(long, default_value = "area")]
    scope_kind: String,
    /// Who will hold it.
    #[arg(long)]
    label: String,
    /// `sqlite://FILE` or `postgres://…` (default: DATABASE_URL, else sqlite://renkei.sqlite).
    #[arg(long)]
    database: Option<String>,
}

/// Issues a token and prints it once.
pub(crate) fn token(args: &TokenArgs) -> anyhow::Result<String> {
    let role = match (args.role.as_str(), args.scope_kind.as_str()) {
        ("admin", _) => Role::Admin,
        ("coordinator", "area") => Role::AreaCoordinator(args.scope.clone()),
        ("coordinator", "group") => Role::GroupCoordinator(args.scope.clone()),
        ("doctor", _) => Role::Doctor(args.scope.clone()),
        ("station", _) => Role::Station(args.scope.clone()),
        ("hospital", _) => Role::Hospital(args.scope.clone()),
        _ => anyhow::bail!("--role は admin / coordinator / doctor / station / hospital です (unknown role)"),
    };
    let config = config(None, None, args.database.as_deref())?;
    runtime()?.block_on(async move {
        let store = Store::open(config.database_url.expose()).await.context("データベースを開けません")?;
        let state = AppState::new(store.clone(), config).await?;
        let token = demo::issue_token(&state, &args.label, &role).await?;
        store.close().await;
        Ok(format!("{token}\n"))
    })
}
