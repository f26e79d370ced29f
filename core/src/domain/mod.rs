//! The domain: areas, groups, doctors, clinics, hospitals, visiting nurse stations,
//! specialists, patients, consents, absences and requests, registrations and admissions,
//! validated once into types.
//!
//! References between entities are typed indices ([`Idx`]) into the tables of a
//! [`crate::dataset::Dataset`], so a validated patient's 主治医 always exists.

mod admission;
mod care;
mod contact;
mod facilities;
mod geo;
mod ids;
mod organisation;
mod patient;
mod people;
mod records;
mod rules;

pub use admission::{Admission, AdmissionAttempt, AttemptOutcome, DischargeTask, TaskKind};
pub use care::{ConsentGap, Consult, ConsultStatus, Registration, RegistrationStatus, SymptomRoute};
pub use contact::{MedicalInstitutionCode, Phone};
pub use facilities::{ConsultMode, Hospital, HospitalFunction, NurseStation, Specialist};
pub use geo::{HOME_VISIT_LIMIT_KM, LatLon, Site};
pub use ids::{Entity, Id, Idx, Table, id_number};
pub use organisation::{Area, CoverageMode, CoveragePolicy, Group};
pub use patient::{Device, KeyPerson, Patient};
pub use people::{Capability, Clinic, Doctor, Employment};
pub use records::{
    Absence, Consent, ConsentKind, ConsentScope, InForce, LedgerEntry, Request, RequestKind, Unavailability,
};
pub use rules::{PointsTable, Role, RoleCounts, RoleTable, RotaRules, RotaSettings};

/// Implements [`Entity`] for structs with an `id: Id` field.
macro_rules! entities {
    ($($entity:ty),+) => {
        $(impl Entity for $entity {
            fn id(&self) -> &Id {
                &self.id
            }
        })+
    };
}

entities!(
    Area,
    Group,
    Clinic,
    Doctor,
    Hospital,
    NurseStation,
    Specialist,
    Patient,
    Consent,
    Absence,
    Request,
    Unavailability,
    LedgerEntry,
    Registration,
    Consult,
    Admission,
    AdmissionAttempt,
    DischargeTask
);
