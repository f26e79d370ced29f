//! Rotas as records keyed by ids (group, date, slot kind, role, doctor), the form of
//! rota files: they stay meaningful when the problem is rebuilt (e.g. with a new
//! absence for repair), unlike slot indices.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::assignment::{Assignment, CoverAssignment, Rota};
use super::error::RotaError;
use super::problem::RotaProblem;
use crate::calendar::{Instant, SlotKind};
use crate::domain::Role;

/// One duty of a rota file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DutyRecord {
    /// Group id.
    pub group: String,
    /// Date the slot starts on.
    pub date: NaiveDate,
    /// Slot kind.
    pub slot: SlotKind,
    /// Role.
    pub role: Role,
    /// Doctor id.
    pub doctor: String,
    /// Doctor name (informative; ignored when read).
    #[serde(default)]
    pub doctor_name: String,
    /// Start (informative).
    #[serde(default)]
    pub start: Option<Instant>,
    /// End (informative).
    #[serde(default)]
    pub end: Option<Instant>,
}

/// One absence cover of a rota file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverRecord {
    /// Group id.
    pub group: String,
    /// Absence id.
    pub absence: String,
    /// Covering doctor id.
    pub doctor: String,
    /// Doctor name (informative).
    #[serde(default)]
    pub doctor_name: String,
}

/// A rota file's content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotaRecords {
    /// Duties.
    pub duties: Vec<DutyRecord>,
    /// Absence covers.
    #[serde(default)]
    pub covers: Vec<CoverRecord>,
}

impl RotaRecords {
    /// The records of `rota`.
    pub fn of(problem: &RotaProblem, rota: &Rota) -> Self {
        let duties = rota
            .assignments
            .iter()
            .map(|a| {
                let slot = &problem.slots[a.slot];
                DutyRecord {
                    group: problem.groups[slot.group].id.clone(),
                    date: slot.date,
                    slot: slot.kind,
                    role: a.role,
                    doctor: problem.doctors[a.doctor].id.clone(),
                    doctor_name: problem.doctors[a.doctor].name.clone(),
                    start: Some(slot.start),
                    end: Some(slot.end),
                }
            })
            .collect();
        let covers = rota
            .covers
            .iter()
            .map(|c| {
                let demand = &problem.cover_demands[c.demand];
                CoverRecord {
                    group: problem.groups[demand.group].id.clone(),
                    absence: demand.absence.clone(),
                    doctor: problem.doctors[c.doctor].id.clone(),
                    doctor_name: problem.doctors[c.doctor].name.clone(),
                }
            })
            .collect();
        Self { duties, covers }
    }

    /// The rota these records describe in `problem`; every record must name a slot,
    /// doctor and absence of the problem.
    pub fn to_rota(&self, problem: &RotaProblem) -> Result<Rota, RotaError> {
        let doctor = |id: &str| {
            problem.doctors.iter().position(|d| d.id == id).ok_or_else(|| RotaError::RotaMismatch {
                reason: format!("doctor '{id}' is not in the problem (医師 '{id}' は対象グループにいません)"),
            })
        };
        let group = |id: &str| {
            problem.groups.iter().position(|g| g.id == id).ok_or_else(|| RotaError::RotaMismatch {
                reason: format!("group '{id}' is not in the problem (グループ '{id}' は対象外です)"),
            })
        };
        let mut assignments = Vec::with_capacity(self.duties.len());
        for (line, duty) in self.duties.iter().enumerate() {
            let g = group(&duty.group)?;
            let slot = problem
                .slots
                .iter()
                .position(|s| s.group == g && s.date == duty.date && s.kind == duty.slot)
                .ok_or_else(|| RotaError::RotaMismatch {
                    reason: format!(
                        "duty {}: no {} slot on {} in group {} ({} の {} は当番枠にありません)",
                        line + 1,
                        duty.slot.code(),
                        duty.date,
                        duty.group,
                        duty.date,
                        duty.slot.label()
                    ),
                })?;
            assignments.push(Assignment { slot, role: duty.role, doctor: doctor(&duty.doctor)? });
        }
        let mut covers = Vec::with_capacity(self.covers.len());
        for cover in &self.covers {
            let g = group(&cover.group)?;
            let demand =
                problem.cover_demands.iter().position(|d| d.group == g && d.absence == cover.absence).ok_or_else(
                    || RotaError::RotaMismatch {
                        reason: format!(
                            "absence '{}' needs no cover in group {} (代診の対象外の不在です)",
                            cover.absence, cover.group
                        ),
                    },
                )?;
            covers.push(CoverAssignment { demand, doctor: doctor(&cover.doctor)? });
        }
        Ok(Rota::new(assignments, covers))
    }
}
