//! `renkei serve --demo`: the demo city loaded into a fresh store, this month's and
//! next month's rotas solved and published, and a token for each kind of user.

use std::path::Path;

use chrono::NaiveDate;
use renkei_core::calendar::{Month, to_jst};
use renkei_core::dataset::{self, Dataset};
use renkei_core::rota::{ProblemSpec, RotaRecords, SolveOptions, build_problem, solve};

use crate::server::AppState;
use crate::server::auth::Role;
use crate::server::error::ApiError;
use crate::server::rotas::summary_of;
use crate::server::writes::{Write, commit};
use crate::snapshot::records_of;
use crate::store::rotas::{RotaRow, VersionRow};
use crate::store::tokens::{self, TokenRow};
use crate::store::{random_token, sha256_hex, stamp};

/// A token made for the demo.
#[derive(Debug, Clone)]
pub struct DemoToken {
    /// Who it is for, in Japanese.
    pub label: String,
    /// Its role.
    pub role: Role,
    /// The secret.
    pub token: String,
    /// A question this user asks, as a path.
    pub example: String,
}

/// Imports a data directory into the store, replacing its data (validated as a whole).
pub async fn import_dir(state: &AppState, dir: &Path, by: &str) -> anyhow::Result<()> {
    import_dataset(state, crate::data_dir::load(dir)?, by).await
}

/// Imports a dataset into the store, replacing its data.
pub async fn import_dataset(state: &AppState, dataset: Dataset, by: &str) -> anyhow::Result<()> {
    let by = by.to_owned();
    commit(state, move |_| {
        let records = records_of(&dataset::write(&dataset), &stamp(chrono::Utc::now()), &by);
        Ok((Write { replace_all_records: Some(records), ..Write::default() }, ()))
    })
    .await
    .map_err(api_error)?;
    Ok(())
}

fn api_error(error: ApiError) -> anyhow::Error {
    match error {
        ApiError::Invalid { problems } => anyhow::anyhow!(
            "データが不正です (invalid data):\n{}",
            problems
                .iter()
                .map(|p| format!("  {}: {}", p.record.clone().unwrap_or_default(), p.message))
                .collect::<Vec<_>>()
                .join("\n")
        ),
        ApiError::Internal(error) => error,
        other => anyhow::anyhow!("{other}"),
    }
}

/// Solves and publishes a city-wide rota for `month` (every group that has duties).
pub async fn solve_and_publish(
    state: &AppState,
    month: Month,
    time_limit: f64,
    by: &str,
    report: &(dyn Fn(String) + Sync),
) -> anyhow::Result<()> {
    let snapshot = state.snapshot();
    let d = snapshot.dataset();
    let groups: Vec<_> =
        d.groups.indices().filter(|&g| d.groups[g].policy.rotation() || d.groups[g].policy.absence_cover()).collect();
    let ids: Vec<String> = groups.iter().map(|&g| d.groups[g].id.to_string()).collect();
    let rota = RotaRow {
        id: format!("{month}-city"),
        month: month.to_string(),
        groups: ids,
        created_at: stamp(chrono::Utc::now()),
        created_by: by.to_owned(),
    };
    let spec = ProblemSpec { groups, days: month.days() };
    let problem = build_problem(d, &spec)?;
    let started = std::time::Instant::now();
    let solution = {
        let problem = problem.clone();
        tokio::task::spawn_blocking(move || solve(&problem, &SolveOptions { time_limit, ..SolveOptions::default() }))
            .await??
    };
    let status = match solution.status {
        renkei_core::rota::ProofStatus::Optimal => "最適 (optimal)".to_owned(),
        renkei_core::rota::ProofStatus::BestFound { gap, .. } => format!("暫定解 gap {:.2}% (best found)", gap * 100.0),
    };
    report(format!(
        "  {month} の当番表: {} グループ、{:.1} 秒、{status}、不足 {} 件",
        rota.groups.len(),
        started.elapsed().as_secs_f64(),
        solution.report.shortfall_units()
    ));
    let records = RotaRecords::of(&problem, &solution.rota);
    let mut summary = summary_of(&problem, &solution.report);
    summary["status"] = serde_json::to_value(solution.status)?;
    let by = by.to_owned();
    let records_text = serde_json::to_string(&records)?;
    commit(state, move |_| {
        let now = stamp(chrono::Utc::now());
        let version = VersionRow {
            rota: rota.id.clone(),
            version: 1,
            origin: "solve".to_owned(),
            note: "デモ: 起動時に作成 (solved at start-up)".to_owned(),
            records: records_text.clone(),
            summary: summary.clone(),
            created_at: now.clone(),
            created_by: by.clone(),
            published_at: Some(now),
            published_by: Some(by.clone()),
        };
        Ok((Write { rotas: vec![rota.clone()], versions: vec![version], ..Write::default() }, ()))
    })
    .await
    .map_err(api_error)?;
    Ok(())
}

/// Publishes rota records (e.g. a published rota file of a data directory) as the
/// first version of a new city-wide rota for `month`, validated like any version.
pub async fn publish_records(state: &AppState, month: Month, records: RotaRecords, by: &str) -> anyhow::Result<String> {
    let by = by.to_owned();
    let (_, id) = commit(state, move |snapshot| {
        let d = snapshot.dataset();
        let groups: Vec<_> = d
            .groups
            .indices()
            .filter(|&g| d.groups[g].policy.rotation() || d.groups[g].policy.absence_cover())
            .collect();
        let rota = RotaRow {
            id: format!("{month}-city"),
            month: month.to_string(),
            groups: groups.iter().map(|&g| d.groups[g].id.to_string()).collect(),
            created_at: stamp(chrono::Utc::now()),
            created_by: by.clone(),
        };
        let problem = build_problem(d, &ProblemSpec { groups, days: month.days() })
            .map_err(|error| ApiError::Internal(error.into()))?;
        let rota_value = records
            .to_rota(&problem)
            .map_err(|error| ApiError::invalid("records", format!("当番表が合いません ({error})")))?;
        let report = renkei_core::rota::validate(&problem, &rota_value);
        let now = stamp(chrono::Utc::now());
        let version = VersionRow {
            rota: rota.id.clone(),
            version: 1,
            origin: "import".to_owned(),
            note: "公開済みの当番表を取り込み (imported)".to_owned(),
            records: serde_json::to_string(&records).map_err(|error| ApiError::Internal(error.into()))?,
            summary: summary_of(&problem, &report),
            created_at: now.clone(),
            created_by: by.clone(),
            published_at: Some(now),
            published_by: Some(by.clone()),
        };
        let id = rota.id.clone();
        Ok((Write { rotas: vec![rota], versions: vec![version], ..Write::default() }, id))
    })
    .await
    .map_err(api_error)?;
    Ok(id)
}

/// Issues a token.
pub async fn issue_token(state: &AppState, label: &str, role: &Role) -> anyhow::Result<String> {
    let token = random_token();
    let (role_code, scope_kind, scope_id) = role.to_columns();
    let row = TokenRow {
        hash: sha256_hex(&token),
        label: label.to_owned(),
        role: role_code.to_owned(),
        scope_kind: scope_kind.to_owned(),
        scope_id,
    };
    {
        let _gate = state.gate().await;
        let mut connection = state.store().pool().acquire().await?;
        tokens::insert(&mut connection, &row, &stamp(chrono::Utc::now())).await?;
    }
    state.reload_tokens().await?;
    Ok(token)
}

/// One token per kind of user, each with a question they ask of the demo data.
pub async fn demo_tokens(state: &AppState, today: NaiveDate) -> anyhow::Result<Vec<DemoToken>> {
    let snapshot = state.snapshot();
    let d = snapshot.dataset();
    let people = pick_people(d, today).ok_or_else(|| anyhow::anyhow!("the demo data lacks a group with patients"))?;
    let mut wanted = vec![
        ("管理者 (admin)".to_owned(), Role::Admin, "/audit?limit=20".to_owned()),
        (
            format!("{}コーディネーター (area coordinator)", d.areas[d.groups[people.group].area].name),
            Role::AreaCoordinator(d.areas[d.groups[people.group].area].id.to_string()),
            format!("/rotas/{}-city", Month::containing(today).expect("supported")),
        ),
        (
            format!("{} (clinic doctor)", d.doctors[people.doctor].name),
            Role::Doctor(d.doctors[people.doctor].id.to_string()),
            format!("/groups/{}/on-duty", d.groups[people.group].id),
        ),
    ];
    if let Some(station) = people.station {
        wanted.push((
            format!("{} (visiting nurse)", d.nurse_stations[station].name),
            Role::Station(d.nurse_stations[station].id.to_string()),
            format!("/patients/{}/cover", d.patients[people.patient].id),
        ));
    }
    if let Some(hospital) = people.hospital {
        wanted.push((
            format!("{} 病棟 (hospital ward)", d.hospitals[hospital].name),
            Role::Hospital(d.hospitals[hospital].id.to_string()),
            format!("/hospitals/{}/registered-patients", d.hospitals[hospital].id),
        ));
    }
    let mut out = Vec::new();
    for (label, role, example) in wanted {
        let token = issue_token(state, &label, &role).await?;
        out.push(DemoToken { label, role, token, example });
    }
    Ok(out)
}

struct People {
    group: renkei_core::domain::Idx<renkei_core::domain::Group>,
    doctor: renkei_core::domain::Idx<renkei_core::domain::Doctor>,
    patient: renkei_core::domain::Idx<renkei_core::domain::Patient>,
    station: Option<renkei_core::domain::Idx<renkei_core::domain::NurseStation>>,
    hospital: Option<renkei_core::domain::Idx<renkei_core::domain::Hospital>>,
}

/// A rotation group's doctor with a patient served by a nurse station and registered
/// with a hospital: the demo's clinic, nurse and ward users.
fn pick_people(d: &Dataset, _today: NaiveDate) -> Option<People> {
    let patient = d
        .patients
        .indices()
        .find(|&p| {
            let patient = &d.patients[p];
            d.groups[patient.group].policy.rotation()
                && patient.nurse_station.is_some()
                && d.registrations_of_patient(p).iter().any(|&r| d.registrations[r].is_active())
        })
        .or_else(|| d.patients.indices().next())?;
    let p = &d.patients[patient];
    let hospital = d
        .registrations_of_patient(patient)
        .iter()
        .map(|&r| &d.registrations[r])
        .find(|r| r.is_active())
        .map(|r| r.hospital);
    Some(People { group: p.group, doctor: p.primary_doctor, patient, station: p.nurse_station, hospital })
}

/// The JST date today.
pub fn today() -> NaiveDate {
    to_jst(chrono::Utc::now()).date_naive()
}
