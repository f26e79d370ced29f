//! Each registration step and each way it is refused.

use super::*;
use crate::backup::{
    RegistrationError, RegistrationRequest, confirm, decline, record_info_shared, refresh_due, refreshes_due, request,
    withdraw, withdraw_consent,
};
use crate::domain::{Id, Registration, RegistrationStatus};

fn ask(dataset: &Dataset, patient_id: &str, hospital_id: &str, formal: bool) -> RegistrationRequest {
    RegistrationRequest {
        id: Id::parse("RGNEW").unwrap(),
        patient: patient(dataset, patient_id),
        hospital: hospital(dataset, hospital_id),
        rank: 1,
        formal,
        consent: None,
    }
}

fn registration(dataset: &Dataset, id: &str) -> Registration {
    dataset.registrations.get_by_id(id).unwrap().clone()
}

#[test]
fn a_request_needs_a_consent_that_names_the_hospital() {
    let dataset = city();
    let on = date("2026-12-01");
    let made = request(&dataset, ask(&dataset, "P1", "H2", false), on).unwrap();
    assert_eq!(made.status, RegistrationStatus::Requested);
    assert_eq!((made.requested_on, made.consent), (on, dataset.consents.lookup("CN1").unwrap()));
    // P3 has no consent at all.
    let none = request(&dataset, ask(&dataset, "P3", "H3", false), on).unwrap_err();
    assert!(matches!(none, RegistrationError::NoConsent { ref patient } if patient == "P3"));
    assert!(none.to_string().contains("同意なしに登録はできません"), "{none}");
    // P1's consent does not name H4.
    let unnamed = request(&dataset, ask(&dataset, "P1", "H4", false), on).unwrap_err();
    assert_eq!(unnamed, RegistrationError::ConsentDoesNotName { consent: "CN1".into(), hospital: "H4".into() });
    // A consent given explicitly must be the patient's, name the hospital, and be in force.
    let mut other = ask(&dataset, "P1", "H1", false);
    other.consent = dataset.consents.lookup("CN2");
    assert_eq!(request(&dataset, other, on).unwrap_err(), RegistrationError::WrongConsent { consent: "CN2".into() });
    let mut early = ask(&dataset, "P1", "H1", false);
    early.consent = dataset.consents.lookup("CN1");
    assert_eq!(
        request(&dataset, early, date("2026-09-30")).unwrap_err(),
        RegistrationError::ConsentNotInForce { consent: "CN1".into(), on: date("2026-09-30") }
    );
}

#[test]
fn a_withdrawn_consent_allows_no_new_registration() {
    let mut files = city_files();
    let consents = files.get_mut("consents.csv").unwrap();
    *consents = consents.replace(
        "CN1,P1,後方支援病院登録,2026-10-01,本人,書1,H1;H2;H3,",
        "CN1,P1,後方支援病院登録,2026-10-01,本人,書1,H1;H2;H3,2026-11-01",
    );
    let dataset = parse(&files).unwrap();
    let error = request(&dataset, ask(&dataset, "P1", "H2", false), date("2026-12-01")).unwrap_err();
    assert!(matches!(error, RegistrationError::NoConsent { .. }), "{error}");
}

#[test]
fn the_formal_registration_needs_a_support_hospital_and_is_one_per_patient() {
    let dataset = city();
    let on = date("2026-12-01");
    let error = request(&dataset, ask(&dataset, "P1", "H2", true), on).unwrap_err();
    assert_eq!(error, RegistrationError::NotBackupSupport { hospital: "H2".into() });
    assert!(error.to_string().contains("在宅療養後方支援病院ではない"));
    assert!(request(&dataset, ask(&dataset, "P1", "H1", true), on).unwrap().formal);
    // P2 holds the formal registration RG1 at H1 already; H4 is a support hospital too.
    let second = request(&dataset, ask(&dataset, "P2", "H4", true), on);
    // P2 is registered with H4 (RG2, requested) already, which is checked first.
    assert!(matches!(second, Err(RegistrationError::AlreadyRegistered { ref existing, .. }) if existing == "RG2"));
    let withdrawn = withdraw(&registration(&dataset, "RG2"), on, "").unwrap();
    let dropped = replace(dataset.clone(), withdrawn);
    // (rank 3: RG1 holds rank 1)
    let error = request(&dropped, RegistrationRequest { rank: 3, ..ask(&dropped, "P2", "H4", true) }, on).unwrap_err();
    assert_eq!(error, RegistrationError::SecondFormal { patient: "P2".into(), existing: "RG1".into() });
}

#[test]
fn each_active_registration_of_a_patient_has_its_own_rank() {
    let dataset = city();
    let on = date("2026-12-01");
    // P4: RG3 (H5) rank 1, RG4 (H1) rank 2, RG5 (H2) rank 3, all active; CN4 names H5 and H1.
    let mut files = city_files();
    let consents = files.get_mut("consents.csv").unwrap();
    *consents = consents.replace(
        "CN5,P4,後方支援病院登録,2026-10-15,長男,書5,H2,",
        "CN5,P4,後方支援病院登録,2026-10-15,長男,書5,H2;H3,",
    );
    let dataset_h3 = parse(&files).unwrap();
    let taken = request(&dataset_h3, RegistrationRequest { rank: 2, ..ask(&dataset_h3, "P4", "H3", false) }, on);
    assert_eq!(
        taken.unwrap_err(),
        RegistrationError::RankTaken { patient: "P4".into(), rank: 2, existing: "RG4".into(), hospital: "H1".into() }
    );
    assert_eq!(
        request(&dataset_h3, RegistrationRequest { rank: 4, ..ask(&dataset_h3, "P4", "H3", false) }, on).unwrap().rank,
        4
    );
    // A withdrawn registration's rank is free again.
    let withdrawn = withdraw(&registration(&dataset_h3, "RG4"), on, "").unwrap();
    let freed = replace(dataset_h3, withdrawn);
    assert_eq!(request(&freed, RegistrationRequest { rank: 2, ..ask(&freed, "P4", "H3", false) }, on).unwrap().rank, 2);
    // 1–10, as an area's list length.
    for rank in [0, 11] {
        let out = request(&dataset, RegistrationRequest { rank, ..ask(&dataset, "P1", "H2", false) }, on);
        assert_eq!(out.unwrap_err(), RegistrationError::RankOutOfRange { rank });
    }
    assert!(request(&dataset, RegistrationRequest { rank: 10, ..ask(&dataset, "P1", "H2", false) }, on).is_ok());
}

#[test]
fn the_data_format_holds_ranks_to_one_active_registration_each_within_ten() {
    let with_row = |row: &str| {
        let mut files = city_files();
        files.get_mut("registrations.csv").unwrap().push_str(row);
        parse(&files).unwrap_err().problems.iter().map(ToString::to_string).collect::<Vec<String>>()
    };
    // RG6 takes P4's rank 2 (RG4, line 5).
    let listed = with_row("RG6,P4,H2,2,CN5,登録済,2026-10-16,,,\n");
    assert_eq!(listed.len(), 1, "{listed:#?}");
    assert!(listed.iter().any(|l| l.contains("registrations.csv:7 [RG6] rank: 登録順位 2 は5行目")), "{listed:#?}");
    let listed = with_row("RG6,P1,H2,11,CN1,申請中,2026-10-16,,,\n");
    assert!(listed.iter().any(|l| l.contains("registrations.csv:7 [RG6] rank: '11' は 1〜10")), "{listed:#?}");
    // A withdrawn or declined registration keeps its rank without taking it.
    let mut files = city_files();
    files.get_mut("registrations.csv").unwrap().push_str("RG6,P4,H5,2,CN4,辞退,2026-10-16,,2026-10-20,\n");
    parse(&files).unwrap_or_else(|invalid| panic!("{invalid:#?}"));
}

/// The dataset with `registration` replacing the stored row of the same id.
fn replace(dataset: Dataset, registration: Registration) -> Dataset {
    let mut files = crate::dataset::write(&dataset);
    let text = files.get_mut("registrations.csv").unwrap();
    let lines: Vec<String> = text
        .lines()
        .map(|line| {
            if line.starts_with(&format!("{},", registration.id)) {
                let mut fields: Vec<String> = line.split(',').map(str::to_owned).collect();
                fields[5] = registration.status.label().to_owned();
                fields[11] = registration.withdrawn_on.map(|d| d.to_string()).unwrap_or_default();
                fields.join(",")
            } else {
                line.to_owned()
            }
        })
        .collect();
    *text = lines.join("\n") + "\n";
    parse(&files).unwrap()
}

#[test]
fn confirm_decline_and_their_refusals() {
    let dataset = city();
    let requested = registration(&dataset, "RG2");
    let confirmed = confirm(&dataset, &requested, date("2026-09-10")).unwrap();
    assert_eq!((confirmed.status, confirmed.decided_on), (RegistrationStatus::Confirmed, Some(date("2026-09-10"))));
    let again = confirm(&dataset, &confirmed, date("2026-09-11")).unwrap_err();
    assert!(matches!(
        again,
        RegistrationError::IllegalTransition { from: RegistrationStatus::Confirmed, action: "確定", .. }
    ));
    assert!(again.to_string().contains("cannot confirm"), "{again}");
    let early = confirm(&dataset, &requested, date("2026-09-01")).unwrap_err();
    assert!(matches!(early, RegistrationError::DateBefore { earlier_what: "申請日", .. }), "{early}");

    assert_eq!(decline(&requested, date("2026-09-10"), " ").unwrap_err(), RegistrationError::MissingReason);
    let declined = decline(&requested, date("2026-09-10"), "満床").unwrap();
    assert_eq!((declined.status, declined.note.as_str()), (RegistrationStatus::Declined, "満床"));
    assert!(matches!(
        decline(&confirmed, date("2026-09-12"), "満床"),
        Err(RegistrationError::IllegalTransition { .. })
    ));
    assert!(matches!(
        confirm(&dataset, &declined, date("2026-09-12")),
        Err(RegistrationError::IllegalTransition { from: RegistrationStatus::Declined, .. })
    ));
    assert!(matches!(withdraw(&declined, date("2026-09-12"), ""), Err(RegistrationError::IllegalTransition { .. })));
}

#[test]
fn a_confirmation_needs_the_consent_still_in_force() {
    let mut files = city_files();
    let consents = files.get_mut("consents.csv").unwrap();
    *consents = consents.replace(
        "CN2,P2,後方支援病院登録,2026-09-01,母,書2,H1;H4,",
        "CN2,P2,後方支援病院登録,2026-09-01,母,書2,H1;H4,2026-11-01",
    );
    // The data format refuses active registrations under a withdrawn consent; the
    // requested RG2 is what the service holds before applying the withdrawal.
    assert!(parse(&files).is_err());
    let dataset = city();
    let cn2 = dataset.consents.lookup("CN2").unwrap();
    let change = withdraw_consent(&dataset, cn2, date("2026-11-01")).unwrap();
    let withdrawn = apply_withdrawal(dataset.clone(), &change);
    let requested = registration(&dataset, "RG2");
    let error = confirm(&withdrawn, &requested, date("2026-11-02")).unwrap_err();
    assert_eq!(error, RegistrationError::ConsentNotInForce { consent: "CN2".into(), on: date("2026-11-02") });
}

fn apply_withdrawal(dataset: Dataset, change: &crate::backup::ConsentWithdrawal) -> Dataset {
    let dataset = change.registrations.iter().cloned().fold(dataset, replace);
    let mut files = crate::dataset::write(&dataset);
    let text = files.get_mut("consents.csv").unwrap();
    let on = change.consent.withdrawn_on.unwrap();
    *text =
        text.lines()
            .map(|line| {
                if line.starts_with(&format!("{},", change.consent.id)) {
                    format!("{line}{on}")
                } else {
                    line.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
            + "\n";
    parse(&files).unwrap()
}

#[test]
fn withdrawing_a_consent_removes_the_registrations_it_covered() {
    let dataset = city();
    let cn4 = dataset.consents.lookup("CN4").unwrap();
    let change = withdraw_consent(&dataset, cn4, date("2026-11-30")).unwrap();
    assert_eq!(change.consent.withdrawn_on, Some(date("2026-11-30")));
    let ids: Vec<&str> = change.registrations.iter().map(|r| r.id.as_str()).collect();
    // RG3 and RG4 rest on CN4; RG5 (H2) rests on CN5 and stays.
    assert_eq!(ids, ["RG3", "RG4"]);
    assert!(change.registrations.iter().all(|r| r.status == RegistrationStatus::Withdrawn
        && r.withdrawn_on == Some(date("2026-11-30"))
        && r.note == "同意の撤回"));
    let applied = apply_withdrawal(dataset.clone(), &change);
    let p4 = patient(&applied, "P4");
    let active: Vec<&str> = applied
        .registrations_of_patient(p4)
        .iter()
        .map(|&r| &applied.registrations[r])
        .filter(|r| r.is_active())
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(active, ["RG5"]);
    let again = withdraw_consent(&applied, cn4, date("2026-12-01")).unwrap_err();
    assert_eq!(again, RegistrationError::AlreadyWithdrawn { consent: "CN4".into(), withdrawn_on: date("2026-11-30") });
    assert!(matches!(
        withdraw_consent(&dataset, cn4, date("2026-08-01")),
        Err(RegistrationError::DateBefore { earlier_what: "同意日", .. })
    ));
}

#[test]
fn the_formal_registration_is_refreshed_every_three_months() {
    let dataset = city();
    let formal = registration(&dataset, "RG1");
    // Confirmed 2026-09-05, information shared 2026-10-01: due 2027-01-01.
    assert_eq!(refresh_due(&formal), Some(date("2027-01-01")));
    let shared = record_info_shared(&formal, date("2026-12-20")).unwrap();
    assert_eq!(refresh_due(&shared), Some(date("2027-03-20")));
    assert!(matches!(
        record_info_shared(&formal, date("2026-09-30")),
        Err(RegistrationError::DateBefore { earlier_what: "前回の情報共有", .. })
    ));
    // Not formal, or not confirmed: nothing due.
    assert_eq!(refresh_due(&registration(&dataset, "RG3")), None);
    assert_eq!(refresh_due(&registration(&dataset, "RG2")), None);
    assert!(matches!(
        record_info_shared(&registration(&dataset, "RG2"), date("2026-12-01")),
        Err(RegistrationError::IllegalTransition { .. })
    ));
    // A formal registration confirmed without an exchange counts from confirmation.
    let fresh = Registration { info_shared_on: None, ..formal.clone() };
    assert_eq!(refresh_due(&fresh), Some(date("2026-12-05")));
    // Listing: nothing due by the end of December, RG1 by New Year's Day.
    assert!(refreshes_due(&dataset, date("2026-12-31")).is_empty());
    let due = refreshes_due(&dataset, date("2027-01-01"));
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].registration_id.as_str(), due[0].patient_id.as_str(), due[0].due),
        ("RG1", "P2", date("2027-01-01"))
    );
    let withdrawn = withdraw(&formal, date("2026-12-01"), "転居").unwrap();
    assert_eq!((withdrawn.status, withdrawn.note.as_str()), (RegistrationStatus::Withdrawn, "転居"));
    assert_eq!(refresh_due(&withdrawn), None);
}

#[test]
fn a_withdrawal_is_not_dated_before_the_registrations_earlier_steps() {
    let dataset = city();
    // RG1: requested 2026-09-02, confirmed 2026-09-05, information shared 2026-10-01.
    let formal = registration(&dataset, "RG1");
    let before_confirmed = withdraw(&formal, date("2026-09-03"), "").unwrap_err();
    assert!(
        matches!(before_confirmed, RegistrationError::DateBefore { earlier_what: "確定日", .. }),
        "{before_confirmed}"
    );
    let before_shared = withdraw(&formal, date("2026-09-20"), "").unwrap_err();
    assert!(matches!(before_shared, RegistrationError::DateBefore { earlier_what: "前回の情報共有", .. }));
    assert!(withdraw(&formal, date("2026-10-01"), "").is_ok());
    // Withdrawing the consent (given 2026-09-01) on 2026-09-03 would date RG1's withdrawal
    // before its confirmation.
    let cn2 = dataset.consents.lookup("CN2").unwrap();
    let error = withdraw_consent(&dataset, cn2, date("2026-09-03")).unwrap_err();
    assert!(matches!(error, RegistrationError::DateBefore { earlier_what: "確定日", .. }), "{error}");
}
