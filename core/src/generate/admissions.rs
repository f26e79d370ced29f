//! Demo admissions: in each area, three patients with registered backup hospitals are
//! admitted around the reference date, with the calls made in the order renkei gives
//! ([`crate::backup::next_hospitals`]):
//! - one discharged: the first hospital declined (満床), the next accepted; discharged
//!   three days before the reference date, its two discharge tasks done;
//! - one severe case in hospital: the nearest 急性期 hospital accepted;
//! - one still being placed on the reference date: the first hospital declined (専門外).

use chrono::{Duration, NaiveDate, NaiveTime};

use super::draw::numbered;
use crate::backup::{RankOptions, discharge_tasks, next_hospitals};
use crate::calendar::jst_instant;
use crate::dataset::Dataset;
use crate::domain::{Admission, AdmissionAttempt, AttemptOutcome, Idx, Patient};

/// Admissions per area.
const PER_AREA: usize = 3;

/// Adds the admissions to an indexed dataset; returns whether any were added (the
/// dataset must then be indexed again).
pub(super) fn add_admissions(dataset: &mut Dataset, reference: NaiveDate) -> bool {
    let options = RankOptions::on(reference);
    let time = |date: NaiveDate, hour: u32, minute: u32| {
        jst_instant(date, NaiveTime::from_hms_opt(hour, minute, 0).expect("valid time"))
    };
    let day = |days: i64| reference - Duration::days(days);
    let mut chosen: Vec<Vec<Idx<Patient>>> = vec![Vec::new(); dataset.areas.len()];
    for patient in dataset.patients.indices() {
        let area = dataset.area_of_patient(patient).index();
        let registered =
            dataset.registrations_of_patient(patient).iter().filter(|&&r| dataset.registrations[r].is_active());
        if chosen[area].len() < PER_AREA && registered.count() >= 2 {
            chosen[area].push(patient);
        }
    }
    let width = 4;
    let mut attempts = Vec::new();
    let mut tasks = Vec::new();
    for (kind, patient) in chosen.iter().flat_map(|patients| patients.iter().copied().enumerate()) {
        let severe = kind == 1;
        let next = next_hospitals(dataset, patient, severe, &[], &options);
        let requested_at = match kind {
            0 => time(day(12), 2, 0),
            1 => time(day(2), 21, 30),
            _ => time(reference, 3, 0),
        };
        let Some(first) = next.first() else { continue };
        let Some(second) = next.get(1) else { continue };
        let number = dataset.admissions.len() + 1;
        let admission = Admission {
            id: numbered("AD", number, width),
            patient,
            severe,
            requested_at,
            discharge_on: (kind == 0).then(|| day(3)),
            note: ["発熱・呼吸困難", "意識レベル低下（重症）", "食事摂取困難・脱水"][kind].to_owned(),
        };
        let admission = dataset.admissions.insert(admission).expect("fresh id");
        let mut call = |hospital, minutes: i64, outcome, reason: &str| {
            attempts.push(AdmissionAttempt {
                id: numbered("AT", attempts.len() + 1, width),
                admission,
                hospital,
                at: requested_at + Duration::minutes(minutes),
                outcome,
                reason: reason.to_owned(),
            });
            attempts.last().expect("pushed").clone()
        };
        match kind {
            0 => {
                call(first.hospital, 15, AttemptOutcome::Declined, "満床");
                let accepted = call(second.hospital, 40, AttemptOutcome::Accepted, "");
                let ids = [numbered("TK", tasks.len() + 1, width), numbered("TK", tasks.len() + 2, width)];
                for mut task in discharge_tasks(dataset, admission, &accepted, day(3), ids) {
                    task.done_on = Some(task.due_on);
                    tasks.push(task);
                }
            }
            1 => {
                call(first.hospital, 20, AttemptOutcome::Accepted, "");
            }
            _ => {
                call(first.hospital, 10, AttemptOutcome::Declined, "専門外");
            }
        }
    }
    for attempt in attempts {
        dataset.admission_attempts.insert(attempt).expect("fresh id");
    }
    for task in tasks {
        dataset.discharge_tasks.insert(task).expect("fresh id");
    }
    !dataset.admissions.is_empty()
}
