//! Hospitals, visiting nurse stations and cooperating specialists (協力医).

use super::contact::Phone;
use super::geo::LatLon;
use super::ids::{Id, Idx};
use super::organisation::Area;

crate::labels::labelled_enum! {
    /// What a hospital's beds are for (病床機能).
    pub enum HospitalFunction ("病院機能") {
        /// 急性期: acute care.
        Acute = "acute", "急性期";
        /// 地域包括ケア: community-based integrated care wards.
        CommunityCare = "community_care", "地域包括ケア";
        /// 回復期: convalescent rehabilitation.
        Recovery = "recovery", "回復期";
        /// 療養: long-term care.
        LongTerm = "long_term", "療養";
        /// 緩和ケア: palliative care unit.
        Palliative = "palliative", "緩和ケア";
        /// 小児: paediatrics.
        Pediatric = "pediatric", "小児";
    }
}

/// A hospital that can take home-care patients when they must be admitted.
#[derive(Debug, Clone)]
pub struct Hospital {
    /// Id.
    pub id: Id,
    /// Name.
    pub name: String,
    /// The area it lies in.
    pub area: Idx<Area>,
    /// Its bed functions, at least one.
    pub functions: Vec<HospitalFunction>,
    /// Conditions it accepts (e.g. 心不全, 誤嚥性肺炎), matched against patients' conditions.
    pub accepts: Vec<String>,
    /// Number of beds.
    pub beds: u32,
    /// Whether it holds 在宅療養後方支援病院 status (≥ 200 beds), the only kind of
    /// hospital where the one formal registration can be made.
    pub backup_support: bool,
    /// 24-hour phone.
    pub phone_24h: Phone,
    /// Location.
    pub location: LatLon,
    /// Most patients it accepts as a registered backup hospital, if capped.
    pub quota: Option<u32>,
}

impl Hospital {
    /// Fewest beds a 在宅療養後方支援病院 may have.
    pub const BACKUP_SUPPORT_MIN_BEDS: u32 = 200;

    /// Whether the hospital has `function`.
    pub fn has(&self, function: HospitalFunction) -> bool {
        self.functions.contains(&function)
    }
}

/// 訪問看護ステーション: a visiting nurse station.
#[derive(Debug, Clone)]
pub struct NurseStation {
    /// Id.
    pub id: Id,
    /// Name.
    pub name: String,
    /// The area it lies in.
    pub area: Idx<Area>,
    /// 24-hour phone.
    pub phone_24h: Phone,
    /// Location.
    pub location: LatLon,
}

crate::labels::labelled_enum! {
    /// How a specialist can help.
    pub enum ConsultMode ("相談方法") {
        /// 電話・ICT助言: advice by phone or ICT.
        Advice = "advice", "電話・ICT助言" | "助言";
        /// 往診・訪問診療: a home visit.
        HomeVisit = "home_visit", "往診・訪問診療" | "往診";
        /// 外来紹介: referral to the specialist's outpatient clinic.
        Outpatient = "outpatient", "外来紹介" | "外来";
    }
}

/// 協力医: a cooperating specialist on an area's list.
#[derive(Debug, Clone)]
pub struct Specialist {
    /// Id.
    pub id: Id,
    /// Doctor's name.
    pub name: String,
    /// The clinic or hospital the specialist works at.
    pub institution: String,
    /// Specialty, e.g. 皮膚科, 認知症.
    pub specialty: String,
    /// How the specialist can help, at least one.
    pub modes: Vec<ConsultMode>,
    /// The areas served, at least one.
    pub areas: Vec<Idx<Area>>,
    /// Location of the institution.
    pub location: LatLon,
    /// Phone.
    pub phone: Phone,
    /// Most open consults the specialist takes at once, if capped.
    pub capacity: Option<u32>,
}

impl Specialist {
    /// Whether the specialist offers `mode`.
    pub fn offers(&self, mode: ConsultMode) -> bool {
        self.modes.contains(&mode)
    }
}
