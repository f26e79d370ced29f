//! Specialist consults (専門医療機関のバックアップ体制): route a symptom to the
//! specialties to consult over the dataset's editable symptom table, rank the 協力医
//! for a patient with reasons and consent status, and move a consult record from the
//! 主治医's request to the report back.
//!
//! ```
//! use renkei_core::calendar::parse_instant;
//! use renkei_core::consult::{ConsultNeed, ConsultOptions, rank_specialists, specialties_for};
//! use renkei_core::domain::ConsultMode;
//! use renkei_core::generate::{GeneratorConfig, generate};
//!
//! let dataset = generate(&GeneratorConfig::okayama());
//! let routing = specialties_for(&dataset, "褥瘡（仙骨部）").unwrap();
//! assert_eq!(routing.specialties[0].specialty, "皮膚科");
//! let patient = dataset.patients.iter().next().unwrap().id.to_string();
//! let options = ConsultOptions { mode: Some(ConsultMode::HomeVisit), at: parse_instant("2026-12-10T10:00").unwrap() };
//! let plan = rank_specialists(&dataset, &patient, ConsultNeed::Symptom("褥瘡"), &options).unwrap();
//! assert!(plan.candidates.iter().all(|c| c.specialty == "皮膚科"));
//! ```

mod error;
mod fold;
mod lifecycle;
mod plan;
mod rank;
mod records;
mod routing;

pub use error::ConsultError;
pub use lifecycle::{
    ConsultRequest, accept, advise, cancel, decline, next_consult_id, record_visit, report, request, transition,
};
pub use plan::{
    AreaFit, Candidate, CandidateConsent, CandidateReason, ConsentState, ConsultNeed, ConsultOptions, ConsultPlan,
    ModeFit, ReasonTopic,
};
pub use rank::{DISTANCE_BAND_KM, rank_specialists};
pub use records::{ConsultView, consent_for, consults_of_patient, describe_consult, open_load};
pub use routing::{
    MatchKind, RoutedSpecialty, Routing, SymptomMatch, known_specialties, known_symptoms, specialties_for,
    specialty_routing,
};

#[cfg(test)]
mod tests;
