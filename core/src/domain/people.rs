//! Clinics and doctors.

use super::contact::{MedicalInstitutionCode, Phone};
use super::geo::LatLon;
use super::ids::{Id, Idx};
use super::organisation::Area;

/// A clinic (診療所).
#[derive(Debug, Clone)]
pub struct Clinic {
    /// Id.
    pub id: Id,
    /// Name.
    pub name: String,
    /// The area it lies in.
    pub area: Idx<Area>,
    /// 医療機関コード.
    pub code: MedicalInstitutionCode,
    /// Location; the 16 km rule is measured from here.
    pub location: LatLon,
    /// Main phone.
    pub phone: Phone,
    /// Whether it is a 在宅療養支援診療所 (home-care support clinic).
    pub home_care_support: bool,
}

crate::labels::labelled_enum! {
    /// What a doctor can provide beyond general home care.
    pub enum Capability ("診療能力") {
        /// 医療的ケア児: children who need medical care at home (ventilator, tube feeding, …).
        MedicalCareChild = "medical_care_child", "医療的ケア児";
        /// 緩和ケア: palliative care.
        Palliative = "palliative", "緩和ケア";
        /// 看取り: end-of-life care at home.
        EndOfLife = "end_of_life", "看取り";
    }
}

crate::labels::labelled_enum! {
    /// Whether the doctor owns the clinic or is employed. Working-hour limits
    /// (医師の働き方改革) bind employed doctors only.
    pub enum Employment ("雇用形態") {
        /// 開設者: clinic owner.
        Owner = "owner", "開設者" | "院長";
        /// 勤務医: employed doctor.
        Employed = "employed", "勤務医";
    }
}

/// A clinic doctor taking part in home care.
#[derive(Debug, Clone)]
pub struct Doctor {
    /// Id.
    pub id: Id,
    /// Name.
    pub name: String,
    /// The clinic the doctor works at.
    pub clinic: Idx<Clinic>,
    /// Specialties (診療科), e.g. 内科.
    pub specialties: Vec<String>,
    /// Capabilities.
    pub capabilities: Vec<Capability>,
    /// Owner or employed.
    pub employment: Employment,
    /// Share of a full participant's duties, in (0, 1].
    pub participation: f64,
    /// Phone to reach the doctor on duty.
    pub phone: Phone,
    /// Mobile phone, if given.
    pub mobile: Option<Phone>,
}

impl Doctor {
    /// Whether the doctor has `capability`.
    pub fn can(&self, capability: Capability) -> bool {
        self.capabilities.contains(&capability)
    }

    /// The number to call first: the mobile if known, else the phone.
    pub fn best_phone(&self) -> &Phone {
        self.mobile.as_ref().unwrap_or(&self.phone)
    }
}
