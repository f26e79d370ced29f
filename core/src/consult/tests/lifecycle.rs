//! The consult lifecycle: every transition, and every refusal.

use super::{at, dataset};
use crate::consult::{
    ConsultError, ConsultRequest, accept, advise, cancel, decline, describe_consult, next_consult_id, record_visit,
    report, request, transition,
};
use crate::dataset::{Dataset, parse, write_table};
use crate::domain::{Consult, ConsultMode, ConsultStatus};

fn asked(specialist: &str, mode: ConsultMode) -> ConsultRequest {
    ConsultRequest {
        id: "CS000100".to_owned(),
        patient: "P1".to_owned(),
        specialist: specialist.to_owned(),
        symptom: " 褥瘡（仙骨部） ".to_owned(),
        mode,
        at: at("2026-12-10T10:00"),
    }
}

/// A fresh 依頼 record of `mode` (the transitions read only the record, so the mode is
/// set on S2's home-visit request).
fn requested(mode: ConsultMode) -> Consult {
    Consult { mode, ..request(&dataset(), &asked("S2", ConsultMode::HomeVisit)).unwrap() }
}

#[test]
fn a_request_needs_a_consent_in_force_naming_the_specialist() {
    let d = dataset();
    let consult = request(&d, &asked("S2", ConsultMode::HomeVisit)).unwrap();
    assert_eq!(consult.status, ConsultStatus::Requested);
    assert_eq!(d.consents[consult.consent].id.as_str(), "CN1");
    assert_eq!((consult.symptom.as_str(), consult.report.as_str()), ("褥瘡（仙骨部）", ""));
    assert_eq!((consult.requested_at, consult.updated_at), (at("2026-12-10T10:00"), at("2026-12-10T10:00")));
    // S5 is named by no consent; S7's was withdrawn; S1's is not yet in force.
    for specialist in ["S5", "S7", "S1"] {
        let mode = if specialist == "S1" { ConsultMode::Advice } else { ConsultMode::HomeVisit };
        let error = request(&d, &asked(specialist, mode)).unwrap_err();
        assert_eq!(error, ConsultError::NoConsent { patient: "P1".to_owned(), specialist: specialist.to_owned() });
        let message = error.to_string();
        assert!(message.contains("no consent in force") && message.contains("同意を得てください"), "{message}");
    }
    // Before its withdrawal, CN2 named S7.
    let october = ConsultRequest { at: at("2026-10-15T10:00"), ..asked("S7", ConsultMode::HomeVisit) };
    assert_eq!(d.consents[request(&d, &october).unwrap().consent].id.as_str(), "CN2");
}

#[test]
fn a_request_is_refused_for_bad_ids_modes_capacity_and_symptoms() {
    let d = dataset();
    let with = |change: fn(&mut ConsultRequest)| {
        let mut r = asked("S2", ConsultMode::HomeVisit);
        change(&mut r);
        request(&d, &r).unwrap_err()
    };
    assert!(matches!(with(|r| r.id = "CS000001".into()), ConsultError::BadId { .. }), "taken");
    assert!(matches!(with(|r| r.id = "CS 1".into()), ConsultError::BadId { .. }));
    assert_eq!(with(|r| r.patient = "P9".into()), ConsultError::UnknownPatient { id: "P9".into() });
    assert_eq!(with(|r| r.specialist = "S99".into()), ConsultError::UnknownSpecialist { id: "S99".into() });
    assert_eq!(with(|r| r.symptom = " ".into()), ConsultError::EmptySymptom);
    assert_eq!(
        with(|r| r.mode = ConsultMode::Outpatient),
        ConsultError::ModeNotOffered { specialist: "S2".into(), mode: ConsultMode::Outpatient }
    );
    assert_eq!(
        with(|r| r.specialist = "S6".into()),
        ConsultError::SpecialistFull { specialist: "S6".into(), open: 1, capacity: 1 }
    );
    assert_eq!(next_consult_id(&d), "CS000008");
    assert_eq!(next_consult_id(&Dataset::default()), "CS000001");
}

#[test]
fn a_home_visit_goes_from_request_to_report() {
    let consult = requested(ConsultMode::HomeVisit);
    let accepted = accept(&consult, at("2026-12-10T11:00")).unwrap();
    assert_eq!((accepted.status, accepted.updated_at), (ConsultStatus::Accepted, at("2026-12-10T11:00")));
    assert_eq!(accepted.requested_at, consult.requested_at);
    let visited = record_visit(&accepted, at("2026-12-11T14:00")).unwrap();
    assert_eq!(visited.status, ConsultStatus::Visited);
    let reported = report(&visited, at("2026-12-11T18:00"), " 軟膏処方、2週後に再診 ").unwrap();
    assert_eq!((reported.status, reported.report.as_str()), (ConsultStatus::Reported, "軟膏処方、2週後に再診"));
    assert!(!reported.status.is_open());
    // Advised first, then visited.
    let advised = advise(&accepted, at("2026-12-10T12:00")).unwrap();
    assert_eq!(advised.status, ConsultStatus::Advised);
    assert_eq!(record_visit(&advised, at("2026-12-11T14:00")).unwrap().status, ConsultStatus::Visited);
    assert_eq!(report(&advised, at("2026-12-10T13:00"), "経過観察").unwrap().status, ConsultStatus::Reported);
}

#[test]
fn only_a_home_visit_consult_can_be_visited() {
    let advice = accept(&requested(ConsultMode::Advice), at("2026-12-10T11:00")).unwrap();
    let error = record_visit(&advice, at("2026-12-10T12:00")).unwrap_err();
    assert_eq!(error, ConsultError::NotHomeVisit { id: "CS000100".into(), mode: ConsultMode::Advice });
    assert!(error.to_string().contains("往診済にできません"));
    // Advice is reported after it is given, not straight from 受付.
    assert!(matches!(report(&advice, at("2026-12-10T12:00"), "x"), Err(ConsultError::IllegalTransition { .. })));
    // An outpatient referral is reported straight from 受付.
    let outpatient = accept(&requested(ConsultMode::Outpatient), at("2026-12-10T11:00")).unwrap();
    assert_eq!(report(&outpatient, at("2026-12-17T11:00"), "外来で生検").unwrap().status, ConsultStatus::Reported);
}

#[test]
fn a_report_needs_its_text() {
    let advised =
        advise(&accept(&requested(ConsultMode::Advice), at("2026-12-10T11:00")).unwrap(), at("2026-12-10T12:00"))
            .unwrap();
    let error = report(&advised, at("2026-12-10T13:00"), "  ").unwrap_err();
    assert_eq!(error, ConsultError::EmptyReport { id: "CS000100".into() });
}

#[test]
fn open_consults_can_be_declined_or_cancelled_closed_ones_cannot_change() {
    let consult = requested(ConsultMode::HomeVisit);
    let accepted = accept(&consult, at("2026-12-10T11:00")).unwrap();
    let visited = record_visit(&accepted, at("2026-12-10T12:00")).unwrap();
    let when = at("2026-12-12T09:00");
    for open in [&consult, &accepted, &visited] {
        assert_eq!(decline(open, when).unwrap().status, ConsultStatus::Declined);
        assert_eq!(cancel(open, when).unwrap().status, ConsultStatus::Cancelled);
    }
    let reported = report(&visited, when, "処置済").unwrap();
    let declined = decline(&consult, when).unwrap();
    let cancelled = cancel(&consult, when).unwrap();
    let later = at("2026-12-13T09:00");
    for closed in [&reported, &declined, &cancelled] {
        for to in ConsultStatus::ALL {
            let error = transition(closed, *to, later, "text").unwrap_err();
            assert!(
                matches!(error, ConsultError::IllegalTransition { from, to: target, .. } if from == closed.status && target == *to),
                "{:?} → {to:?}: {error:?}",
                closed.status
            );
        }
    }
    let message = accept(&accepted, later).unwrap_err().to_string();
    assert!(message.contains("「受付」の状態から「受付」にできません"), "{message}");
}

#[test]
fn every_illegal_step_between_open_statuses_is_refused() {
    let consult = requested(ConsultMode::HomeVisit);
    let later = at("2026-12-20T09:00");
    assert!(matches!(advise(&consult, later), Err(ConsultError::IllegalTransition { .. })), "advice before 受付");
    assert!(matches!(record_visit(&consult, later), Err(ConsultError::IllegalTransition { .. })));
    assert!(matches!(report(&consult, later, "x"), Err(ConsultError::IllegalTransition { .. })));
    assert!(matches!(
        transition(&consult, ConsultStatus::Requested, later, ""),
        Err(ConsultError::IllegalTransition { .. })
    ));
    let visited = record_visit(&accept(&consult, later).unwrap(), later).unwrap();
    assert!(matches!(advise(&visited, later), Err(ConsultError::IllegalTransition { .. })));
    assert!(matches!(accept(&visited, later), Err(ConsultError::IllegalTransition { .. })));
}

#[test]
fn a_change_cannot_be_dated_before_the_last_one() {
    let consult = requested(ConsultMode::HomeVisit);
    let error = accept(&consult, at("2026-12-10T09:59")).unwrap_err();
    assert_eq!(
        error,
        ConsultError::BeforeLastChange {
            id: "CS000100".into(),
            at: at("2026-12-10T09:59"),
            last: at("2026-12-10T10:00")
        }
    );
    assert!(error.to_string().contains("2026-12-10 09:59 JST"), "{error}");
    assert_eq!(
        accept(&consult, at("2026-12-10T10:00")).unwrap().status,
        ConsultStatus::Accepted,
        "same instant is fine"
    );
}

#[test]
fn the_transition_function_matches_the_named_ones_and_records_round_trip() {
    let consult = requested(ConsultMode::HomeVisit);
    let when = at("2026-12-10T11:00");
    let accepted = transition(&consult, ConsultStatus::Accepted, when, "").unwrap();
    assert_eq!(format!("{accepted:?}"), format!("{:?}", accept(&consult, when).unwrap()));
    let reported = transition(
        &transition(&accepted, ConsultStatus::Visited, when, "").unwrap(),
        ConsultStatus::Reported,
        when,
        "報告",
    )
    .unwrap();
    // The new record written back into consults.csv reads back the same.
    let mut d = dataset();
    d.consults.insert(reported).unwrap();
    let mut files = super::city();
    let mut written = Vec::new();
    write_table(&d, "consults.csv", &mut written).unwrap();
    files.insert("consults.csv".to_owned(), String::from_utf8(written).unwrap());
    let back = parse(&files).unwrap();
    let view = describe_consult(&back, back.consults.get_by_id("CS000100").unwrap());
    assert_eq!((view.status, view.report.as_str(), view.consent.as_str()), (ConsultStatus::Reported, "報告", "CN1"));
    assert_eq!(view.updated_at, "2026-12-10T11:00:00+09:00");
}

#[test]
fn the_open_statuses_are_those_that_count_toward_load() {
    let consult = requested(ConsultMode::HomeVisit);
    let when = at("2026-12-11T09:00");
    for status in ConsultStatus::ALL {
        let record = Consult { status: *status, ..consult.clone() };
        assert_eq!(cancel(&record, when).is_ok(), status.is_open(), "{status:?}");
    }
}
