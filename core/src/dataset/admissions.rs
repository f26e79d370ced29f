//! `admissions.csv`, `admission_attempts.csv` and `discharge_tasks.csv`: admissions at an
//! acute worsening, each hospital called with its answer, and the tasks discharges
//! create. Read with the same rules the admission workflow applies
//! ([`crate::backup::check_attempt`], [`crate::backup::check_discharge`]).

use std::io;

use super::Dataset;
use super::csv_rows::{Built, Columns};
use super::parse::{parse_bool, parse_date, parse_instant, rows};
use super::problem::Problem;
use super::write::{csv_table, local_time};
use crate::backup::{check_attempt, check_discharge};
use crate::domain::{Admission, AdmissionAttempt, AttemptOutcome, DischargeTask, Hospital, Idx, Patient, TaskKind};

pub(crate) const ADMISSIONS: Columns =
    Columns { required: &["id", "patient", "requested_at"], optional: &["severe", "discharge_on", "note"] };
pub(crate) const ATTEMPTS: Columns =
    Columns { required: &["id", "admission", "hospital", "at", "outcome"], optional: &["reason"] };
pub(crate) const TASKS: Columns =
    Columns { required: &["id", "admission", "kind", "due_on"], optional: &["done_on", "note"] };

/// The admissions; their discharge dates are checked against the attempts in
/// [`read_attempts`], once those are read.
pub(super) fn read_admissions(text: &str, patients: &Built<Patient>, problems: &mut Vec<Problem>) -> Built<Admission> {
    let file = "admissions.csv";
    let mut built = Built::new(file, "入院");
    let Some(table) = rows(file, text, &ADMISSIONS, problems) else { return built };
    for mut row in table.rows() {
        let id = row.id();
        let patient = row.reference("patient", patients);
        let requested_at = row.required("requested_at", parse_instant);
        let severe = row.optional("severe", parse_bool);
        let discharge_on = row.optional("discharge_on", parse_date);
        let note = row.text("note").to_owned();
        let entity = (|| {
            Some(Admission {
                id: id?,
                patient: patient?,
                severe: severe.ok()?.unwrap_or(false),
                requested_at: requested_at?,
                discharge_on: discharge_on.ok()?,
                note,
            })
        })();
        built.add(row, entity, problems);
    }
    built
}

/// The attempts, each checked against the admission and the attempts before it in the
/// file; then each admission's discharge date against its accepted attempt.
pub(super) fn read_attempts(
    text: &str,
    admissions: &Built<Admission>,
    hospitals: &Built<Hospital>,
    problems: &mut Vec<Problem>,
) -> Built<AdmissionAttempt> {
    let file = "admission_attempts.csv";
    let mut built = Built::new(file, "入院の連絡");
    // Per admission, its attempts read so far, in file order.
    let mut of_admission: Vec<Vec<Idx<AdmissionAttempt>>> = vec![Vec::new(); admissions.table.len()];
    if let Some(table) = rows(file, text, &ATTEMPTS, problems) {
        for mut row in table.rows() {
            let id = row.id();
            let admission = row.reference("admission", admissions);
            let hospital = row.reference("hospital", hospitals);
            let at = row.required("at", parse_instant);
            let outcome = row.required("outcome", |text| text.parse::<AttemptOutcome>());
            let reason = row.text("reason").to_owned();
            if let (Some(admission), Some(at), Some(outcome)) = (admission, at, outcome) {
                let previous: Vec<&AdmissionAttempt> =
                    of_admission[admission.index()].iter().map(|&idx| &built.table[idx]).collect();
                if let Err(error) = check_attempt(&admissions.table[admission], &previous, at, outcome, &reason) {
                    let field =
                        if matches!(error, crate::backup::AdmissionError::MissingReason) { "reason" } else { "at" };
                    row.problem(field, error.to_string());
                }
            }
            let entity = (|| {
                Some(AdmissionAttempt {
                    id: id?,
                    admission: admission?,
                    hospital: hospital?,
                    at: at?,
                    outcome: outcome?,
                    reason,
                })
            })();
            let before = built.table.len();
            built.add(row, entity, problems);
            if built.table.len() > before {
                let idx = Idx::new(before);
                of_admission[built.table[idx].admission.index()].push(idx);
            }
        }
    }
    // Unless some attempt was refused (its problem is reported already), every
    // discharge needs an accepted attempt on or before its date.
    if !built.has_rejects() {
        for (idx, admission) in admissions.table.enumerate() {
            if admission.discharge_on.is_none() {
                continue;
            }
            let attempts: Vec<&AdmissionAttempt> =
                of_admission[idx.index()].iter().map(|&attempt| &built.table[attempt]).collect();
            if let Err(error) = check_discharge(admission, &attempts, admission.discharge_on.expect("checked")) {
                problems.push(Problem {
                    file: "admissions.csv".to_owned(),
                    line: Some(admissions.lines[idx.index()]),
                    record: Some(admission.id.to_string()),
                    field: Some("discharge_on".to_owned()),
                    message: error.to_string(),
                });
            }
        }
    }
    built
}

/// The discharge tasks; each belongs to an admission with a discharge date.
pub(super) fn read_tasks(
    text: &str,
    admissions: &Built<Admission>,
    problems: &mut Vec<Problem>,
) -> Built<DischargeTask> {
    let file = "discharge_tasks.csv";
    let mut built = Built::new(file, "退院時の業務");
    let Some(table) = rows(file, text, &TASKS, problems) else { return built };
    for mut row in table.rows() {
        let id = row.id();
        let admission = row.reference("admission", admissions);
        let kind = row.required("kind", |text| text.parse::<TaskKind>());
        let due_on = row.required("due_on", parse_date);
        let done_on = row.optional("done_on", parse_date);
        let note = row.text("note").to_owned();
        if let Some(admission) = admission
            && admissions.table[admission].discharge_on.is_none()
        {
            row.problem(
                "admission",
                "退院日が決まっていない入院です (the admission has no discharge date, so no discharge tasks)",
            );
        }
        let entity = (|| {
            Some(DischargeTask {
                id: id?,
                admission: admission?,
                kind: kind?,
                due_on: due_on?,
                done_on: done_on.ok()?,
                note,
            })
        })();
        built.add(row, entity, problems);
    }
    built
}

/// Writes one of the three files; `None` if `name` is not one of them.
pub(super) fn write_table(dataset: &Dataset, name: &str, out: impl io::Write) -> Option<io::Result<()>> {
    let d = dataset;
    let written = match name {
        "admissions.csv" => csv_table(out, &ADMISSIONS, d.admissions.iter().map(|a| admission_row(d, a))),
        "admission_attempts.csv" => csv_table(out, &ATTEMPTS, d.admission_attempts.iter().map(|a| attempt_row(d, a))),
        "discharge_tasks.csv" => csv_table(out, &TASKS, d.discharge_tasks.iter().map(|t| task_row(d, t))),
        _ => return None,
    };
    Some(written)
}

fn admission_row(d: &Dataset, a: &Admission) -> Vec<String> {
    let date = |date: Option<chrono::NaiveDate>| date.map(|d| d.to_string()).unwrap_or_default();
    vec![
        a.id.to_string(),
        d.patients[a.patient].id.to_string(),
        local_time(a.requested_at),
        a.severe.to_string(),
        date(a.discharge_on),
        a.note.clone(),
    ]
}

fn attempt_row(d: &Dataset, a: &AdmissionAttempt) -> Vec<String> {
    vec![
        a.id.to_string(),
        d.admissions[a.admission].id.to_string(),
        d.hospitals[a.hospital].id.to_string(),
        local_time(a.at),
        a.outcome.label().to_owned(),
        a.reason.clone(),
    ]
}

fn task_row(d: &Dataset, t: &DischargeTask) -> Vec<String> {
    let date = |date: Option<chrono::NaiveDate>| date.map(|d| d.to_string()).unwrap_or_default();
    vec![
        t.id.to_string(),
        d.admissions[t.admission].id.to_string(),
        t.kind.label().to_owned(),
        t.due_on.to_string(),
        date(t.done_on),
        t.note.clone(),
    ]
}

/// An admission as the cells of its `admissions.csv` row.
pub fn admission_cells(dataset: &Dataset, admission: &Admission) -> Vec<(&'static str, String)> {
    ADMISSIONS.all().zip(admission_row(dataset, admission)).collect()
}

/// A call for an admission as the cells of its `admission_attempts.csv` row.
pub fn attempt_cells(dataset: &Dataset, attempt: &AdmissionAttempt) -> Vec<(&'static str, String)> {
    ATTEMPTS.all().zip(attempt_row(dataset, attempt)).collect()
}

/// A discharge task as the cells of its `discharge_tasks.csv` row.
pub fn task_cells(dataset: &Dataset, task: &DischargeTask) -> Vec<(&'static str, String)> {
    TASKS.all().zip(task_row(dataset, task)).collect()
}
