//! Consents, absences and rota requests.

use chrono::NaiveDate;

use super::facilities::{Hospital, Specialist};
use super::ids::{Id, Idx};
use super::patient::Patient;
use super::people::Doctor;
use crate::calendar::{Instant, SlotKind};

crate::labels::labelled_enum! {
    /// What a patient consents to.
    pub enum ConsentKind ("同意の種類") {
        /// グループ医による診療: cover by the group's doctors while the 主治医 is absent.
        GroupCover = "group_cover", "グループ医診療";
        /// 後方支援病院登録: registration with named backup hospitals.
        BackupHospital = "backup_hospital", "後方支援病院登録" | "バックアップ病院登録";
        /// 専門医相談: consultation of named specialists, possibly with a home visit.
        SpecialistConsult = "specialist_consult", "専門医相談";
    }
}

/// Whom a consent names: data may go only to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentScope {
    /// Cover by these group doctors; empty means every doctor of the patient's group.
    GroupCover {
        /// Named doctors.
        doctors: Vec<Idx<Doctor>>,
    },
    /// Registration with these hospitals (at least one).
    BackupHospital {
        /// Named hospitals.
        hospitals: Vec<Idx<Hospital>>,
    },
    /// Consultation of these specialists (at least one).
    SpecialistConsult {
        /// Named specialists.
        specialists: Vec<Idx<Specialist>>,
    },
}

/// A written consent (同意書) by the patient or family.
#[derive(Debug, Clone)]
pub struct Consent {
    /// Id.
    pub id: Id,
    /// The patient.
    pub patient: Idx<Patient>,
    /// What was consented to, and to whom.
    pub scope: ConsentScope,
    /// Date given.
    pub date: NaiveDate,
    /// Who signed, e.g. 本人, or 長女 見本 花子.
    pub given_by: String,
    /// Reference of the signed document.
    pub document: String,
    /// Date withdrawn, if it was.
    pub withdrawn_on: Option<NaiveDate>,
}

impl Consent {
    /// The kind.
    pub fn kind(&self) -> ConsentKind {
        match self.scope {
            ConsentScope::GroupCover { .. } => ConsentKind::GroupCover,
            ConsentScope::BackupHospital { .. } => ConsentKind::BackupHospital,
            ConsentScope::SpecialistConsult { .. } => ConsentKind::SpecialistConsult,
        }
    }

    /// Whether the consent is in force on `date`: given on or before it, not withdrawn.
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.in_force().on(date)
    }

    /// The days the consent is in force.
    pub fn in_force(&self) -> InForce {
        InForce { from: self.date, withdrawn_on: self.withdrawn_on }
    }

    /// Whether this is a 専門医相談 consent that names `specialist` (whether or not it
    /// is in force).
    pub fn names_specialist(&self, specialist: Idx<Specialist>) -> bool {
        matches!(&self.scope, ConsentScope::SpecialistConsult { specialists } if specialists.contains(&specialist))
    }
}

/// The days a consent is in force: from the day it was given until the day it was
/// withdrawn, if it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InForce {
    /// The day given.
    pub from: NaiveDate,
    /// The day withdrawn (no longer in force from then), if it was.
    pub withdrawn_on: Option<NaiveDate>,
}

impl InForce {
    /// Whether `date` is one of those days.
    pub fn on(self, date: NaiveDate) -> bool {
        self.from <= date && self.withdrawn_on.is_none_or(|withdrawn| date < withdrawn)
    }
}

/// 不在: a doctor's absence.
#[derive(Debug, Clone)]
pub struct Absence {
    /// Id.
    pub id: Id,
    /// The absent doctor.
    pub doctor: Idx<Doctor>,
    /// Start (inclusive).
    pub start: Instant,
    /// End (exclusive), after the start.
    pub end: Instant,
    /// Reason, e.g. 学会, 休暇.
    pub reason: String,
}

impl Absence {
    /// Whether the doctor is absent at `instant`.
    pub fn covers(&self, instant: Instant) -> bool {
        self.start <= instant && instant < self.end
    }

    /// Whether the absence overlaps `[start, end)`.
    pub fn overlaps(&self, start: Instant, end: Instant) -> bool {
        self.start < end && start < self.end
    }
}

crate::labels::labelled_enum! {
    /// Whether a doctor wants or wants to avoid a duty.
    pub enum RequestKind ("希望の種類") {
        /// 希望: would like the duty.
        Want = "want", "希望";
        /// 回避: would rather not.
        Avoid = "avoid", "回避" | "不可希望";
    }
}

/// A soft rota request: want or avoid a date, or one slot kind on a date.
#[derive(Debug, Clone)]
pub struct Request {
    /// Id.
    pub id: Id,
    /// The doctor.
    pub doctor: Idx<Doctor>,
    /// Want or avoid.
    pub kind: RequestKind,
    /// The date.
    pub date: NaiveDate,
    /// One slot kind on that date; `None` means every slot of the date.
    pub slot: Option<SlotKind>,
    /// Weight, 1–10.
    pub weight: u8,
}

/// A recurring unavailability: a doctor never takes duties on a weekday, of a slot
/// kind, or of a slot kind on a weekday (e.g. no 平日夜間 on Wednesdays).
#[derive(Debug, Clone)]
pub struct Unavailability {
    /// Id.
    pub id: Id,
    /// The doctor.
    pub doctor: Idx<Doctor>,
    /// The weekday of the slot's date, if limited to one.
    pub weekday: Option<chrono::Weekday>,
    /// The slot kind, if limited to one.
    pub slot: Option<SlotKind>,
    /// Why, e.g. 外来担当.
    pub note: String,
}

impl Unavailability {
    /// Whether it rules out a slot of `kind` on `date`.
    pub fn rules_out(&self, date: NaiveDate, kind: SlotKind) -> bool {
        use chrono::Datelike;
        self.weekday.is_none_or(|weekday| date.weekday() == weekday) && self.slot.is_none_or(|slot| slot == kind)
    }
}

/// The fairness carry-over ledger: a doctor's balance of duty points above (positive)
/// or below (negative) their fair share, after a month. The next rota aims to even it out.
#[derive(Debug, Clone)]
pub struct LedgerEntry {
    /// Id.
    pub id: Id,
    /// The doctor.
    pub doctor: Idx<Doctor>,
    /// The month the balance stands after.
    pub month: crate::calendar::Month,
    /// Points above (positive) or below (negative) the fair share, accumulated.
    pub balance: f64,
    /// Free note.
    pub note: String,
}
