//! A rota: who takes which role of which slot, and who covers which absence.

use serde::{Deserialize, Serialize};

use crate::domain::Role;

/// A rota for a [`super::RotaProblem`], by indices into its slots, doctors and cover
/// demands. Kept in canonical order (slot, role, doctor), so equal rotas compare equal.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rota {
    /// Duty assignments.
    pub assignments: Vec<Assignment>,
    /// Absence covers (主治医・副主治医制).
    pub covers: Vec<CoverAssignment>,
}

/// One doctor in one role of one slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Assignment {
    /// Slot index.
    pub slot: usize,
    /// Role.
    pub role: Role,
    /// Doctor index.
    pub doctor: usize,
}

/// One doctor covering one absence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CoverAssignment {
    /// Index into the problem's cover demands.
    pub demand: usize,
    /// Doctor index.
    pub doctor: usize,
}

impl Rota {
    /// A rota from assignments and covers, put in canonical order.
    pub fn new(mut assignments: Vec<Assignment>, mut covers: Vec<CoverAssignment>) -> Self {
        assignments.sort_unstable();
        covers.sort_unstable();
        Self { assignments, covers }
    }

    /// The doctors in `role` of `slot`.
    pub fn on_duty(&self, slot: usize, role: Role) -> impl Iterator<Item = usize> + '_ {
        let start = self.assignments.partition_point(|a| (a.slot, a.role) < (slot, role));
        self.assignments[start..].iter().take_while(move |a| a.slot == slot && a.role == role).map(|a| a.doctor)
    }

    /// Assignments present in `self` and not in `other`, and those in `other` and not in `self`.
    pub fn diff(&self, other: &Rota) -> (Vec<Assignment>, Vec<Assignment>) {
        let removed =
            self.assignments.iter().filter(|a| other.assignments.binary_search(a).is_err()).copied().collect();
        let added = other.assignments.iter().filter(|a| self.assignments.binary_search(a).is_err()).copied().collect();
        (removed, added)
    }
}
