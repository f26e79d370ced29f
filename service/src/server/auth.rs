//! Who is asking, and what they may see.
//!
//! Every request carries `Authorization: Bearer TOKEN`. A token has one role with a
//! scope: admin; coordinator of an area or a group; clinic doctor; visiting nurse
//! station; hospital ward. Access to patient data follows the domain: a doctor sees
//! their own patients and, under the patient's group-cover consent, the patients of
//! their groups; a station sees the patients it serves; a ward sees only patients
//! registered with its hospital, and only the face sheet. Anything outside a scope is
//! refused with the same 403 whether it exists or not.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::NaiveDate;
use renkei_core::dataset::Dataset;
use renkei_core::domain::{Area, ConsentKind, ConsentScope, Doctor, Group, Idx, Patient};
use serde::Serialize;
use sha2::Digest;

use super::AppState;
use super::error::ApiError;
use crate::store::tokens::TokenRow;

/// A token's role and scope (ids, resolved against the current data per request).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "role", content = "scope", rename_all = "snake_case")]
pub enum Role {
    /// Everything, including the audit trail and tokens.
    Admin,
    /// 医師会 coordinator of an area (エリア).
    AreaCoordinator(String),
    /// Coordinator of one group.
    GroupCoordinator(String),
    /// A clinic doctor.
    Doctor(String),
    /// A visiting nurse station (訪問看護ステーション).
    Station(String),
    /// A hospital ward (病棟).
    Hospital(String),
}

impl Role {
    /// From a stored token row.
    pub fn from_row(row: &TokenRow) -> Option<Self> {
        let id = row.scope_id.clone();
        Some(match (row.role.as_str(), row.scope_kind.as_str()) {
            ("admin", _) => Self::Admin,
            ("coordinator", "area") => Self::AreaCoordinator(id),
            ("coordinator", "group") => Self::GroupCoordinator(id),
            ("doctor", "doctor") => Self::Doctor(id),
            ("station", "station") => Self::Station(id),
            ("hospital", "hospital") => Self::Hospital(id),
            _ => return None,
        })
    }

    /// (role, scope kind, scope id) as stored.
    pub fn to_columns(&self) -> (&'static str, &'static str, String) {
        match self {
            Self::Admin => ("admin", "", String::new()),
            Self::AreaCoordinator(id) => ("coordinator", "area", id.clone()),
            Self::GroupCoordinator(id) => ("coordinator", "group", id.clone()),
            Self::Doctor(id) => ("doctor", "doctor", id.clone()),
            Self::Station(id) => ("station", "station", id.clone()),
            Self::Hospital(id) => ("hospital", "hospital", id.clone()),
        }
    }

    /// `role:scope`, as the audit trail writes it.
    pub fn audit_label(&self) -> String {
        match self {
            Self::Admin => "admin".to_owned(),
            Self::AreaCoordinator(id) => format!("coordinator:area:{id}"),
            Self::GroupCoordinator(id) => format!("coordinator:group:{id}"),
            Self::Doctor(id) => format!("doctor:{id}"),
            Self::Station(id) => format!("station:{id}"),
            Self::Hospital(id) => format!("hospital:{id}"),
        }
    }
}

/// The caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// SHA-256 of the token (keys idempotency records).
    pub token_hash: String,
    /// Who holds the token (shared with the audit entries of its requests).
    pub label: Arc<str>,
    /// Role and scope.
    pub role: Role,
    /// The role as the audit trail writes it ([`Role::audit_label`]).
    pub audit_role: Arc<str>,
}

/// The active tokens by the SHA-256 digest of the token (a request hashes its token
/// and looks the digest up, with nothing to allocate).
pub type TokenTable = HashMap<[u8; 32], Arc<Principal>>;

/// The digest of a stored token hash (64 hex digits), or `None` if it is not one.
fn digest_of_hex(text: &str) -> Option<[u8; 32]> {
    let mut digest = [0; 32];
    hex::decode_to_slice(text, &mut digest).ok()?;
    Some(digest)
}

/// Builds the table from stored rows (rows with an unknown role are skipped).
pub fn token_table(rows: &[TokenRow]) -> TokenTable {
    rows.iter()
        .filter_map(|row| {
            let role = Role::from_row(row)?;
            Some((
                digest_of_hex(&row.hash)?,
                Arc::new(Principal {
                    token_hash: row.hash.clone(),
                    label: row.label.as_str().into(),
                    audit_role: role.audit_label().into(),
                    role,
                }),
            ))
        })
        .collect()
}

impl FromRequestParts<AppState> for Arc<Principal> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let header = parts.headers.get(axum::http::header::AUTHORIZATION).ok_or(ApiError::Unauthorized)?;
        let token = header
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or(ApiError::Unauthorized)?;
        let digest: [u8; 32] = sha2::Sha256::digest(token.as_bytes()).into();
        state.tokens().get(&digest).cloned().ok_or(ApiError::Unauthorized)
    }
}

/// How much of a patient's data a caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PatientView {
    /// Only what admission needs: the face sheet, the 主治医, consent status.
    FaceSheet,
    /// Everything.
    Full,
}

impl Principal {
    /// Whether the caller is the admin.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether the caller coordinates `group` (directly or through its area).
    pub fn coordinates_group(&self, d: &Dataset, group: Idx<Group>) -> bool {
        match &self.role {
            Role::Admin => true,
            Role::AreaCoordinator(area) => d.areas[d.groups[group].area].id.as_str() == area,
            Role::GroupCoordinator(id) => d.groups[group].id.as_str() == id,
            _ => false,
        }
    }

    /// Whether the caller coordinates `area` as a whole.
    pub fn coordinates_area(&self, d: &Dataset, area: Idx<Area>) -> bool {
        match &self.role {
            Role::Admin => true,
            Role::AreaCoordinator(id) => d.areas[area].id.as_str() == id,
            _ => false,
        }
    }

    /// The caller's own doctor, if a doctor.
    pub fn doctor(&self, d: &Dataset) -> Option<Idx<Doctor>> {
        match &self.role {
            Role::Doctor(id) => d.doctors.lookup(id),
            _ => None,
        }
    }

    /// Whether the caller coordinates some group of `doctor`, or is that doctor.
    pub fn manages_doctor(&self, d: &Dataset, doctor: Idx<Doctor>) -> bool {
        self.doctor(d) == Some(doctor)
            || d.groups_of_doctor(doctor).iter().any(|&group| self.coordinates_group(d, group))
            || match &self.role {
                Role::AreaCoordinator(area) => d.areas[d.area_of_doctor(doctor)].id.as_str() == area,
                _ => false,
            }
    }

    /// Whether the caller may see `group`'s rota and who is on duty.
    pub fn sees_group(&self, d: &Dataset, group: Idx<Group>) -> bool {
        self.coordinates_group(d, group)
            || self.doctor(d).is_some_and(|doctor| d.groups[group].members.contains(&doctor))
    }

    /// How much of `patient` the caller sees on `today`, if anything.
    pub fn patient_view(&self, d: &Dataset, patient: Idx<Patient>, today: NaiveDate) -> Option<PatientView> {
        let p = &d.patients[patient];
        let full = match &self.role {
            Role::Admin => true,
            Role::AreaCoordinator(_) | Role::GroupCoordinator(_) => self.coordinates_group(d, p.group),
            Role::Doctor(id) => {
                let doctor = d.doctors.lookup(id)?;
                p.primary_doctor == doctor
                    || (d.groups[p.group].members.contains(&doctor) && group_cover_consent(d, patient, doctor, today))
            }
            Role::Station(id) => p.nurse_station.is_some_and(|station| d.nurse_stations[station].id.as_str() == id),
            Role::Hospital(id) => {
                let registered = d.registrations_of_patient(patient).iter().any(|&r| {
                    let registration = &d.registrations[r];
                    registration.is_active() && d.hospitals[registration.hospital].id.as_str() == id
                });
                return registered.then_some(PatientView::FaceSheet);
            }
        };
        full.then_some(PatientView::Full)
    }

    /// Whether the caller may change `patient`'s records (the 主治医, coordinators).
    pub fn edits_patient(&self, d: &Dataset, patient: Idx<Patient>) -> bool {
        let p = &d.patients[patient];
        self.coordinates_group(d, p.group) || self.doctor(d) == Some(p.primary_doctor)
    }
}

/// Whether the patient's group-cover consent in force on `today` lets `doctor` see them.
fn group_cover_consent(d: &Dataset, patient: Idx<Patient>, doctor: Idx<Doctor>, today: NaiveDate) -> bool {
    d.consents_of_patient(patient).iter().any(|&c| {
        let consent = &d.consents[c];
        consent.kind() == ConsentKind::GroupCover
            && consent.in_force_on(today)
            && matches!(&consent.scope, ConsentScope::GroupCover { doctors } if doctors.is_empty() || doctors.contains(&doctor))
    })
}
