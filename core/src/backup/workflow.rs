//! The registration workflow (後方支援病院の登録): consent → requested (申請中) → confirmed
//! (登録済) or declined (辞退) by the hospital → information exchanges, due every 3
//! months for the formal registration → withdrawn (撤回).
//!
//! Each step is a pure function from the current record (with the dataset it lives in,
//! a date and a reason) to the new record, or a [`RegistrationError`]: the service
//! applies them to stored rows of `registrations.csv` and `consents.csv`.

use chrono::{Months, NaiveDate};
use serde::Serialize;

use super::error::RegistrationError;
use crate::dataset::Dataset;
use crate::domain::{Consent, ConsentGap, ConsentKind, Hospital, Id, Idx, Patient, Registration, RegistrationStatus};

/// The formal registration exchanges information at least this often (様式20の6).
pub const FORMAL_REFRESH_MONTHS: u32 = 3;

/// The last position in a patient's list of backup hospitals: a list is at most an
/// area's `backup_list_len` long, which is 1–10 (`docs/data-format.md`).
pub const MAX_RANK: u8 = 10;

/// A registration to request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationRequest {
    /// Id of the new registration.
    pub id: Id,
    /// The patient.
    pub patient: Idx<Patient>,
    /// The hospital.
    pub hospital: Idx<Hospital>,
    /// Position in the patient's list.
    pub rank: u8,
    /// Whether this is to be the one formal 在宅療養後方支援病院 registration.
    pub formal: bool,
    /// The consent naming the hospital; `None` to use the patient's consent in force
    /// that names it.
    pub consent: Option<Idx<Consent>>,
}

/// The patient's backup-hospital consent in force on `on` that names `hospital`.
pub fn consent_for(
    dataset: &Dataset,
    patient: Idx<Patient>,
    hospital: Idx<Hospital>,
    on: NaiveDate,
) -> Result<Idx<Consent>, RegistrationError> {
    let in_force: Vec<Idx<Consent>> = dataset
        .consents_of_patient(patient)
        .iter()
        .copied()
        .filter(|&c| dataset.consents[c].kind() == ConsentKind::BackupHospital && dataset.consents[c].in_force_on(on))
        .collect();
    let Some(&first) = in_force.first() else {
        return Err(RegistrationError::NoConsent { patient: dataset.patients[patient].id.to_string() });
    };
    in_force.iter().copied().find(|&c| ConsentGap::check(&dataset.consents[c], patient, hospital).is_ok()).ok_or_else(
        || RegistrationError::ConsentDoesNotName {
            consent: dataset.consents[first].id.to_string(),
            hospital: dataset.hospitals[hospital].id.to_string(),
        },
    )
}

/// Checks that `consent` allows registering `patient` with `hospital` on `on`.
fn check_consent(
    dataset: &Dataset,
    consent: Idx<Consent>,
    patient: Idx<Patient>,
    hospital: Idx<Hospital>,
    on: NaiveDate,
) -> Result<(), RegistrationError> {
    let c = &dataset.consents[consent];
    match ConsentGap::check(c, patient, hospital) {
        Ok(()) => {}
        Err(ConsentGap::DoesNotName) => {
            return Err(RegistrationError::ConsentDoesNotName {
                consent: c.id.to_string(),
                hospital: dataset.hospitals[hospital].id.to_string(),
            });
        }
        Err(ConsentGap::OtherPatient | ConsentGap::WrongKind) => {
            return Err(RegistrationError::WrongConsent { consent: c.id.to_string() });
        }
    }
    if !c.in_force_on(on) {
        return Err(RegistrationError::ConsentNotInForce { consent: c.id.to_string(), on });
    }
    Ok(())
}

/// The patient's active formal registration other than `except`, if any.
fn other_formal<'d>(dataset: &'d Dataset, patient: Idx<Patient>, except: &Id) -> Option<&'d Registration> {
    dataset
        .registrations_of_patient(patient)
        .iter()
        .map(|&r| &dataset.registrations[r])
        .find(|r| r.formal && r.is_active() && &r.id != except)
}

/// 申請: requests a registration on `on`. Needs a consent in force that names the
/// hospital; the formal registration needs a 在宅療養後方支援病院 and no other active formal
/// registration of the patient; the patient must not be registered there already, and
/// the rank (1–[`MAX_RANK`]) must not be another active registration's.
pub fn request(
    dataset: &Dataset,
    request: RegistrationRequest,
    on: NaiveDate,
) -> Result<Registration, RegistrationError> {
    let RegistrationRequest { id, patient, hospital, rank, formal, consent } = request;
    let consent = match consent {
        Some(consent) => {
            check_consent(dataset, consent, patient, hospital, on)?;
            consent
        }
        None => consent_for(dataset, patient, hospital, on)?,
    };
    if !(1..=MAX_RANK).contains(&rank) {
        return Err(RegistrationError::RankOutOfRange { rank });
    }
    let patient_id = || dataset.patients[patient].id.to_string();
    let hospital_id = || dataset.hospitals[hospital].id.to_string();
    // The patient's active registration that `clashes`, if any.
    let active = |clashes: &dyn Fn(&Registration) -> bool| {
        dataset
            .registrations_of_patient(patient)
            .iter()
            .map(|&r| &dataset.registrations[r])
            .find(|r| r.is_active() && clashes(r))
    };
    if let Some(existing) = active(&|r| r.hospital == hospital) {
        return Err(RegistrationError::AlreadyRegistered {
            patient: patient_id(),
            hospital: hospital_id(),
            existing: existing.id.to_string(),
        });
    }
    if let Some(existing) = active(&|r| r.rank == rank) {
        return Err(RegistrationError::RankTaken {
            patient: patient_id(),
            rank,
            existing: existing.id.to_string(),
            hospital: dataset.hospitals[existing.hospital].id.to_string(),
        });
    }
    if formal {
        if !dataset.hospitals[hospital].backup_support {
            return Err(RegistrationError::NotBackupSupport { hospital: hospital_id() });
        }
        if let Some(existing) = other_formal(dataset, patient, &id) {
            return Err(RegistrationError::SecondFormal { patient: patient_id(), existing: existing.id.to_string() });
        }
    }
    Ok(Registration {
        id,
        patient,
        hospital,
        rank,
        formal,
        consent,
        status: RegistrationStatus::Requested,
        requested_on: on,
        decided_on: None,
        info_shared_on: None,
        withdrawn_on: None,
        note: String::new(),
    })
}

fn illegal(registration: &Registration, action: &'static str) -> RegistrationError {
    RegistrationError::IllegalTransition {
        registration: registration.id.to_string(),
        from: registration.status,
        action,
    }
}

fn not_before(on: NaiveDate, earlier_what: &'static str, earlier: NaiveDate) -> Result<(), RegistrationError> {
    if on < earlier {
        return Err(RegistrationError::DateBefore { on, earlier_what, earlier });
    }
    Ok(())
}

/// 登録確定: the hospital confirms a requested registration on `on`. The consent must
/// still be in force, and a formal registration still the patient's only one.
pub fn confirm(
    dataset: &Dataset,
    registration: &Registration,
    on: NaiveDate,
) -> Result<Registration, RegistrationError> {
    if registration.status != RegistrationStatus::Requested {
        return Err(illegal(registration, "確定"));
    }
    not_before(on, "申請日", registration.requested_on)?;
    check_consent(dataset, registration.consent, registration.patient, registration.hospital, on)?;
    if registration.formal
        && let Some(existing) = other_formal(dataset, registration.patient, &registration.id)
    {
        return Err(RegistrationError::SecondFormal {
            patient: dataset.patients[registration.patient].id.to_string(),
            existing: existing.id.to_string(),
        });
    }
    Ok(Registration { status: RegistrationStatus::Confirmed, decided_on: Some(on), ..registration.clone() })
}

/// 辞退: the hospital declines a requested registration on `on`, for `reason` (e.g. 満床).
pub fn decline(registration: &Registration, on: NaiveDate, reason: &str) -> Result<Registration, RegistrationError> {
    if registration.status != RegistrationStatus::Requested {
        return Err(illegal(registration, "辞退"));
    }
    not_before(on, "申請日", registration.requested_on)?;
    if reason.trim().is_empty() {
        return Err(RegistrationError::MissingReason);
    }
    Ok(Registration {
        status: RegistrationStatus::Declined,
        decided_on: Some(on),
        note: reason.trim().to_owned(),
        ..registration.clone()
    })
}

/// 情報共有: records an information exchange with the hospital on `on` (confirmed
/// registrations only). For the formal registration this moves the next due date.
pub fn record_info_shared(registration: &Registration, on: NaiveDate) -> Result<Registration, RegistrationError> {
    if registration.status != RegistrationStatus::Confirmed {
        return Err(illegal(registration, "情報共有の記録"));
    }
    if let Some(decided) = registration.decided_on {
        not_before(on, "確定日", decided)?;
    }
    if let Some(last) = registration.info_shared_on {
        not_before(on, "前回の情報共有", last)?;
    }
    Ok(Registration { info_shared_on: Some(on), ..registration.clone() })
}

/// 撤回: withdraws a requested or confirmed registration on `on`, not before its
/// request, its confirmation or its last information exchange; `reason` (if any)
/// becomes the note.
pub fn withdraw(registration: &Registration, on: NaiveDate, reason: &str) -> Result<Registration, RegistrationError> {
    if !registration.is_active() {
        return Err(illegal(registration, "撤回"));
    }
    not_before(on, "申請日", registration.requested_on)?;
    if let Some(decided) = registration.decided_on {
        not_before(on, "確定日", decided)?;
    }
    if let Some(last) = registration.info_shared_on {
        not_before(on, "前回の情報共有", last)?;
    }
    let note = if reason.trim().is_empty() { registration.note.clone() } else { reason.trim().to_owned() };
    Ok(Registration { status: RegistrationStatus::Withdrawn, withdrawn_on: Some(on), note, ..registration.clone() })
}

/// When the formal registration's next information exchange is due: 3 months after the
/// last exchange, or after confirmation if there has been none. `None` for other
/// registrations and for a formal one not (or no longer) confirmed.
pub fn refresh_due(registration: &Registration) -> Option<NaiveDate> {
    if !registration.formal || registration.status != RegistrationStatus::Confirmed {
        return None;
    }
    let last = registration.info_shared_on.max(registration.decided_on).unwrap_or(registration.requested_on);
    last.checked_add_months(Months::new(FORMAL_REFRESH_MONTHS))
}

/// A formal registration whose information exchange is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefreshDue {
    /// The registration.
    #[serde(skip)]
    pub registration: Idx<Registration>,
    /// Registration id.
    pub registration_id: String,
    /// Patient id.
    pub patient_id: String,
    /// Hospital id.
    pub hospital_id: String,
    /// The due date.
    pub due: NaiveDate,
}

/// Every formal registration whose information exchange is due on or before `by`,
/// earliest first (then by registration id).
pub fn refreshes_due(dataset: &Dataset, by: NaiveDate) -> Vec<RefreshDue> {
    let mut due: Vec<RefreshDue> = dataset
        .registrations
        .enumerate()
        .filter_map(|(idx, r)| {
            let due = refresh_due(r).filter(|&due| due <= by)?;
            Some(RefreshDue {
                registration: idx,
                registration_id: r.id.to_string(),
                patient_id: dataset.patients[r.patient].id.to_string(),
                hospital_id: dataset.hospitals[r.hospital].id.to_string(),
                due,
            })
        })
        .collect();
    due.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.registration_id.cmp(&b.registration_id)));
    due
}

/// What withdrawing a consent changes: the consent, and every active registration made
/// under it, withdrawn.
#[derive(Debug, Clone)]
pub struct ConsentWithdrawal {
    /// The consent with its withdrawal date.
    pub consent: Consent,
    /// The registrations it covered, now withdrawn (status 撤回, dated).
    pub registrations: Vec<Registration>,
}

/// 同意の撤回: withdraws `consent` on `on`, and with it every active registration that
/// rests on it (registrations under the patient's other consents are untouched).
pub fn withdraw_consent(
    dataset: &Dataset,
    consent: Idx<Consent>,
    on: NaiveDate,
) -> Result<ConsentWithdrawal, RegistrationError> {
    let c = &dataset.consents[consent];
    if let Some(withdrawn_on) = c.withdrawn_on {
        return Err(RegistrationError::AlreadyWithdrawn { consent: c.id.to_string(), withdrawn_on });
    }
    not_before(on, "同意日", c.date)?;
    let registrations = dataset
        .registrations_of_patient(c.patient)
        .iter()
        .map(|&r| &dataset.registrations[r])
        .filter(|r| r.consent == consent && r.is_active())
        .map(|r| withdraw(r, on, "同意の撤回"))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ConsentWithdrawal { consent: Consent { withdrawn_on: Some(on), ..c.clone() }, registrations })
}
