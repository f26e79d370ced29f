//! Home-care patients.

use chrono::{Datelike, NaiveDate};

use super::contact::Phone;
use super::facilities::{Hospital, NurseStation};
use super::geo::LatLon;
use super::ids::{Id, Idx};
use super::organisation::Group;
use super::people::Doctor;

crate::labels::labelled_enum! {
    /// Medical devices and care a patient depends on at home.
    pub enum Device ("医療機器・医療的ケア") {
        /// 人工呼吸器: ventilator.
        Ventilator = "ventilator", "人工呼吸器";
        /// 気管切開: tracheostomy.
        Tracheostomy = "tracheostomy", "気管切開";
        /// 経管栄養: tube feeding (胃ろう, 経鼻).
        TubeFeeding = "tube_feeding", "経管栄養" | "胃ろう";
        /// 在宅酸素: home oxygen.
        HomeOxygen = "home_oxygen", "在宅酸素" | "HOT";
        /// 中心静脈栄養: central venous nutrition.
        CentralVenous = "central_venous", "中心静脈栄養" | "IVH";
        /// 喀痰吸引: suction.
        Suction = "suction", "喀痰吸引" | "吸引";
        /// 尿道カテーテル: urinary catheter.
        UrinaryCatheter = "urinary_catheter", "尿道カテーテル";
        /// 人工肛門: stoma.
        Stoma = "stoma", "人工肛門";
        /// 腹膜透析: peritoneal dialysis.
        PeritonealDialysis = "peritoneal_dialysis", "腹膜透析";
    }
}

/// キーパーソン: the family member or other person to contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPerson {
    /// Name and relation as written, e.g. `見本 花子（長女）`.
    pub name: String,
    /// Phone.
    pub phone: Phone,
}

/// A home-care patient.
#[derive(Debug, Clone)]
pub struct Patient {
    /// Id.
    pub id: Id,
    /// Name.
    pub name: String,
    /// Date of birth.
    pub birth_date: NaiveDate,
    /// 主治医: the primary doctor.
    pub primary_doctor: Idx<Doctor>,
    /// The group that covers the patient; always one the 主治医 belongs to.
    pub group: Idx<Group>,
    /// Home.
    pub home: LatLon,
    /// Conditions (病名), e.g. 心不全, 末期がん.
    pub conditions: Vec<String>,
    /// Devices and medical care.
    pub devices: Vec<Device>,
    /// ACP: the patient's recorded wishes (e.g. 自宅での看取りを希望).
    pub acp: String,
    /// Person to contact.
    pub key_person: Option<KeyPerson>,
    /// 退院元: the hospital the patient was discharged from.
    pub discharge_hospital: Option<Idx<Hospital>>,
    /// The hospital the patient attends regularly.
    pub regular_hospital: Option<Idx<Hospital>>,
    /// 顔合わせ: group doctors who have met the patient face to face.
    pub met_doctors: Vec<Idx<Doctor>>,
    /// The visiting nurse station serving the patient.
    pub nurse_station: Option<Idx<NurseStation>>,
}

impl Patient {
    /// Age in whole years on `date`.
    pub fn age_on(&self, date: NaiveDate) -> i32 {
        let mut age = date.year() - self.birth_date.year();
        if (date.month(), date.day()) < (self.birth_date.month(), self.birth_date.day()) {
            age -= 1;
        }
        age
    }

    /// Whether the patient is a 医療的ケア児 on `date`: under 18 and dependent on a device
    /// or medical care, so the covering doctor must be capable of it.
    pub fn is_medical_care_child(&self, date: NaiveDate) -> bool {
        self.age_on(date) < 18 && !self.devices.is_empty()
    }

    /// Whether `doctor` has met the patient (顔合わせ) or is the 主治医.
    pub fn knows(&self, doctor: Idx<Doctor>) -> bool {
        self.primary_doctor == doctor || self.met_doctors.contains(&doctor)
    }
}
