//! Admission order, the record of calls, discharge tasks, and the admission files.

use super::*;
use crate::backup::{
    AdmissionError, CandidateSource, NewAttempt, RankOptions, admission_plan, check_new_admission, discharge,
    next_hospitals, open_admission, record_attempt,
};
use crate::calendar::parse_instant;
use crate::domain::{AttemptOutcome, Id, TaskKind};

fn options() -> RankOptions {
    RankOptions::on(date("2026-11-25"))
}

fn ids(candidates: &[crate::backup::AdmissionCandidate]) -> Vec<&str> {
    candidates.iter().map(|c| c.hospital_id.as_str()).collect()
}

#[test]
fn registered_hospitals_in_rank_order_then_acute_ones_skipping_those_that_declined() {
    let dataset = city();
    let p4 = patient(&dataset, "P4");
    let fresh = next_hospitals(&dataset, p4, false, &[], &options());
    // RG3 (H5), RG4 (H1), RG5 (H2, requested); then the 急性期 H4 of the neighbouring area.
    assert_eq!(ids(&fresh), ["H5", "H1", "H2", "H4"]);
    assert!(matches!(fresh[0].source, CandidateSource::Registered { rank: 1, formal: false, .. }));
    assert_eq!(fresh[3].source, CandidateSource::Acute { fallback: true });
    // AD2 is open: H5 declined (専門外), so H1 is next.
    let plan = admission_plan(&dataset, p4, None, &options());
    assert_eq!(plan.admission_id.as_deref(), Some("AD2"));
    assert_eq!(plan.attempts.len(), 1);
    assert_eq!((plan.attempts[0].outcome, plan.attempts[0].reason.as_str()), (AttemptOutcome::Declined, "専門外"));
    assert_eq!(ids(&plan.next), ["H1", "H2", "H4"]);
    assert_eq!(plan.next[0].order, 1);
}

#[test]
fn severe_cases_go_to_the_acute_hospitals_nearest_first() {
    let dataset = city();
    let plan = admission_plan(&dataset, patient(&dataset, "P4"), Some(true), &options());
    assert!(plan.severe);
    assert_eq!(ids(&plan.next), ["H1", "H4"]);
    assert!(plan.next.iter().all(|c| c.source == CandidateSource::Acute { fallback: false }));
    assert!(plan.next[0].reason.starts_with("重症"), "{}", plan.next[0].reason);
}

#[test]
fn without_registrations_the_ranked_list_is_used() {
    let dataset = city();
    let next = next_hospitals(&dataset, patient(&dataset, "P1"), false, &[], &options());
    assert_eq!(ids(&next), ["H3", "H2", "H1", "H4"]);
    assert_eq!(next[0].source, CandidateSource::Recommended { position: 1 });
    assert!(next[0].reason.starts_with("未登録・推奨順位 1: 退院元の病院"), "{}", next[0].reason);
}

#[test]
fn once_accepted_there_is_no_next_hospital() {
    let dataset = city();
    let plan = admission_plan(&dataset, patient(&dataset, "P2"), None, &options());
    assert_eq!(plan.accepted.as_ref().map(|a| a.hospital_id.as_str()), Some("H4"));
    assert!(plan.next.is_empty());
}

/// When the calls of these tests are recorded.
fn now() -> crate::calendar::Instant {
    parse_instant("2026-11-25T12:00").unwrap()
}

fn call(hospital: &str, dataset: &Dataset, at: &str, outcome: AttemptOutcome, reason: &str) -> NewAttempt {
    NewAttempt {
        id: Id::parse("ATNEW").unwrap(),
        hospital: super::hospital(dataset, hospital),
        at: parse_instant(at).unwrap(),
        outcome,
        reason: reason.to_owned(),
    }
}

#[test]
fn attempts_are_recorded_in_order_with_reasons_and_none_after_acceptance() {
    let dataset = city();
    let ad2 = dataset.admissions.lookup("AD2").unwrap();
    let ok = record_attempt(
        &dataset,
        ad2,
        call("H1", &dataset, "2026-11-25T10:20", AttemptOutcome::Declined, " 満床 "),
        now(),
    )
    .unwrap();
    assert_eq!((ok.admission, ok.reason.as_str()), (ad2, "満床"));
    let before =
        record_attempt(&dataset, ad2, call("H1", &dataset, "2026-11-25T09:00", AttemptOutcome::Accepted, ""), now());
    assert!(matches!(before, Err(AdmissionError::BeforeRequest { .. })));
    let out_of_order =
        record_attempt(&dataset, ad2, call("H1", &dataset, "2026-11-25T10:01", AttemptOutcome::Accepted, ""), now());
    assert!(matches!(out_of_order, Err(AdmissionError::OutOfOrder { .. })));
    assert!(out_of_order.unwrap_err().to_string().contains("時刻順"));
    let no_reason =
        record_attempt(&dataset, ad2, call("H1", &dataset, "2026-11-25T10:30", AttemptOutcome::Declined, ""), now());
    assert_eq!(no_reason.unwrap_err(), AdmissionError::MissingReason);
    let ad1 = dataset.admissions.lookup("AD1").unwrap();
    let after =
        record_attempt(&dataset, ad1, call("H2", &dataset, "2026-11-20T03:00", AttemptOutcome::Accepted, ""), now());
    assert!(matches!(after, Err(AdmissionError::AfterAcceptance { .. })));
}

#[test]
fn a_call_is_recorded_once_made_not_ahead_of_the_clock() {
    let dataset = city();
    let ad2 = dataset.admissions.lookup("AD2").unwrap();
    // A clock a few minutes fast is no call in the future.
    let slack = record_attempt(
        &dataset,
        ad2,
        call("H1", &dataset, "2026-11-25T12:05", AttemptOutcome::Declined, "満床"),
        now(),
    );
    assert!(slack.is_ok(), "{slack:?}");
    let ahead =
        record_attempt(&dataset, ad2, call("H1", &dataset, "2026-11-25T12:06", AttemptOutcome::Accepted, ""), now());
    assert!(matches!(ahead, Err(AdmissionError::InFuture { .. })), "{ahead:?}");
    assert!(ahead.unwrap_err().to_string().contains("2026-11-25 12:06"));
}

#[test]
fn a_patient_has_one_open_admission_at_a_time() {
    let dataset = city();
    let (p1, p2, p4) = (patient(&dataset, "P1"), patient(&dataset, "P2"), patient(&dataset, "P4"));
    let on = date("2026-11-25");
    assert_eq!(check_new_admission(&dataset, p1, on), Ok(()), "no admission at all");
    let open = check_new_admission(&dataset, p4, on).unwrap_err();
    assert!(matches!(&open, AdmissionError::AlreadyOpen { admission, .. } if admission == "AD2"), "{open:?}");
    assert!(open.to_string().contains("'AD2'"), "{open}");
    // No hospital accepted AD2 (its one call, on 11-25, was declined): open the next day,
    // lapsed the day after, when a new admission may start.
    assert!(check_new_admission(&dataset, p4, date("2026-11-26")).is_err());
    assert_eq!(check_new_admission(&dataset, p4, date("2026-11-27")), Ok(()));
    // Accepted and not discharged: still in hospital.
    assert!(matches!(check_new_admission(&dataset, p2, on), Err(AdmissionError::AlreadyOpen { .. })));
    // Discharged on 11-28: open until that day, as the admission plan shows it; then closed.
    let mut files = crate::dataset::write(&dataset);
    let admissions =
        files["admissions.csv"].replace("AD1,P2,2026-11-20T02:00,false,,", "AD1,P2,2026-11-20T02:00,false,2026-11-28,");
    files.insert("admissions.csv".to_owned(), admissions);
    let stored = parse(&files).unwrap_or_else(|invalid| panic!("{invalid:#?}"));
    assert!(check_new_admission(&stored, p2, date("2026-11-28")).is_err());
    assert_eq!(check_new_admission(&stored, p2, date("2026-11-29")), Ok(()));
    assert_eq!(open_admission(&stored, p2, date("2026-11-29")), None);
}

#[test]
fn discharge_creates_the_notification_and_the_conference() {
    let dataset = city();
    let ad1 = dataset.admissions.lookup("AD1").unwrap();
    let task_ids = || [Id::parse("TK1").unwrap(), Id::parse("TK2").unwrap()];
    let done = discharge(&dataset, ad1, date("2026-11-28"), task_ids()).unwrap();
    assert_eq!(done.admission.discharge_on, Some(date("2026-11-28")));
    let tasks: Vec<_> = done.tasks.iter().map(|t| (t.kind, t.due_on)).collect();
    assert_eq!(
        tasks,
        [(TaskKind::NotifyPrimaryDoctor, date("2026-11-28")), (TaskKind::PreDischargeConference, date("2026-11-27"))]
    );
    assert!(done.tasks[0].note.contains("四病院から主治医 見本 一"), "{}", done.tasks[0].note);
    assert!(done.tasks[1].note.contains("見本訪問看護"), "{}", done.tasks[1].note);
    // A discharge the day of admission: the conference is that day too.
    let same_day = discharge(&dataset, ad1, date("2026-11-20"), task_ids()).unwrap();
    assert_eq!(same_day.tasks[1].due_on, date("2026-11-20"));
    assert!(matches!(
        discharge(&dataset, ad1, date("2026-11-19"), task_ids()),
        Err(AdmissionError::DischargeBeforeAdmission { .. })
    ));
    let ad2 = dataset.admissions.lookup("AD2").unwrap();
    assert_eq!(discharge(&dataset, ad2, date("2026-11-28"), task_ids()).unwrap_err(), AdmissionError::NotAdmitted);

    // Stored back, the files read again, and a second discharge is refused.
    let mut files = crate::dataset::write(&dataset);
    let admissions =
        files["admissions.csv"].replace("AD1,P2,2026-11-20T02:00,false,,", "AD1,P2,2026-11-20T02:00,false,2026-11-28,");
    files.insert("admissions.csv".to_owned(), admissions);
    let tasks = done
        .tasks
        .iter()
        .map(|t| format!("{},AD1,{},{},,{}\n", t.id, t.kind.label(), t.due_on, t.note))
        .collect::<String>();
    files.insert("discharge_tasks.csv".to_owned(), format!("id,admission,kind,due_on,done_on,note\n{tasks}"));
    let stored = parse(&files).unwrap_or_else(|invalid| panic!("{invalid:#?}"));
    assert_eq!(stored.tasks_of_admission(ad1).len(), 2);
    assert_eq!(
        discharge(&stored, ad1, date("2026-11-29"), task_ids()).unwrap_err(),
        AdmissionError::AlreadyDischarged { on: date("2026-11-28") }
    );
    // On the discharge date the admission is still open; after it, a new one starts.
    let p2 = patient(&stored, "P2");
    let plan = admission_plan(&stored, p2, None, &RankOptions::on(date("2026-11-28")));
    assert_eq!((plan.admission_id.as_deref(), plan.tasks.len()), (Some("AD1"), 2));
    let later = admission_plan(&stored, p2, None, &RankOptions::on(date("2026-12-05")));
    assert_eq!((later.admission_id, later.attempts.len()), (None, 0));
    assert_eq!(ids(&later.next)[0], "H1", "P2's registrations again");
}

#[test]
fn the_admission_files_round_trip_and_report_every_problem() {
    let dataset = city();
    let written = crate::dataset::write(&dataset);
    let again = parse(&written).unwrap();
    assert_eq!(crate::dataset::write(&again), written);
    assert_eq!(again.attempts_of_admission(again.admissions.lookup("AD1").unwrap()).len(), 2);

    let mut files = city_files();
    files.insert(
        "admission_attempts.csv".to_owned(),
        "id,admission,hospital,at,outcome,reason\n\
         AT1,AD1,H1,2026-11-20T02:10,断り,\n\
         AT2,AD1,H4,2026-11-20T02:30,受入,\n\
         AT3,AD1,H2,2026-11-20T02:40,受入,\n\
         AT4,AD2,H5,2026-11-25T09:00,受入,\n\
         AT5,AD2,H9,2026-11-25T10:00,maybe,\n"
            .to_owned(),
    );
    files.insert(
        "discharge_tasks.csv".to_owned(),
        "id,admission,kind,due_on\nTK1,AD2,退院前カンファレンス,2026-11-30\n".to_owned(),
    );
    let problems = parse(&files).unwrap_err().problems;
    let listed: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let has = |text: &str| listed.iter().any(|line| line.contains(text));
    assert!(has("admission_attempts.csv:2 [AT1] reason: 断りの理由を書いてください"), "{listed:#?}");
    assert!(has("admission_attempts.csv:4 [AT3] at: すでに受け入れ先が決まっています"), "{listed:#?}");
    assert!(has("admission_attempts.csv:5 [AT4] at: 連絡の時刻 2026-11-25 09:00 が入院依頼"), "{listed:#?}");
    assert!(has("admission_attempts.csv:6 [AT5] hospital: 病院 'H9' が見つかりません"), "{listed:#?}");
    assert!(has("admission_attempts.csv:6 [AT5] outcome: 'maybe'"), "{listed:#?}");
    assert!(has("discharge_tasks.csv:2 [TK1] admission: 退院日が決まっていない入院です"), "{listed:#?}");
    assert_eq!(problems.len(), 6, "{listed:#?}");

    let mut files = city_files();
    let admissions = files.get_mut("admissions.csv").unwrap();
    *admissions = admissions.replace("AD2,P4,2026-11-25T10:00,,,", "AD2,P4,2026-11-25T10:00,,2026-11-30,");
    let problems = parse(&files).unwrap_err().problems;
    assert_eq!(problems.len(), 1);
    assert_eq!(
        problems[0].to_string(),
        "admissions.csv:3 [AD2] discharge_on: 受け入れた病院がないため退院を記録できません (no hospital has accepted the patient, so there is no discharge)"
    );
}

#[test]
fn severe_cases_get_the_acute_hospitals_the_care_network_gives() {
    let dataset = crate::generate::generate(&crate::generate::GeneratorConfig::okayama());
    let network = crate::network::CareNetwork::new(&dataset);
    for patient in dataset.patients.indices().step_by(97) {
        let next = next_hospitals(&dataset, patient, true, &[], &options());
        let area = dataset.area_of_patient(patient);
        let expected: Vec<_> = network
            .acute_hospitals_near(&dataset, area, dataset.patients[patient].home)
            .into_iter()
            .map(|(h, _)| h)
            .collect();
        assert_eq!(next.iter().map(|c| c.hospital).collect::<Vec<_>>(), expected);
    }
}
