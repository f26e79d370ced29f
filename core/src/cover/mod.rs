//! The cover lookup: who covers a patient at an instant, in escalation order, from the
//! published rotas ([`RotaBook`]) and the dataset; and who is on duty in a group.

mod book;
mod cards;
mod chain;
mod error;
mod json;
mod starts;

pub use book::{Duty, DutyDoctors, RotaBook, VersionScope};
pub use chain::{
    AbsentOnDuty, Contact, CoverChain, CoverIndex, KeyPersonHead, OnDutyNow, PatientHead, Reason, Step, StepView, Text,
    Warning,
};
pub use error::CoverError;
pub use json::CoverJson;

#[cfg(test)]
pub(crate) mod tests;
