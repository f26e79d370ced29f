//! Backup-hospital registrations, specialist consult records and the symptom table.

use chrono::NaiveDate;

use super::facilities::{ConsultMode, Hospital, Specialist};
use super::ids::{Id, Idx};
use super::patient::Patient;
use super::records::{Consent, ConsentScope};
use crate::calendar::Instant;

crate::labels::labelled_enum! {
    /// Where a backup-hospital registration stands.
    pub enum RegistrationStatus ("登録状況") {
        /// 申請中: requested, waiting for the hospital.
        Requested = "requested", "申請中";
        /// 登録済: confirmed by the hospital.
        Confirmed = "confirmed", "登録済";
        /// 辞退: declined by the hospital.
        Declined = "declined", "辞退";
        /// 撤回: withdrawn (by the patient, or with the consent).
        Withdrawn = "withdrawn", "撤回";
    }
}

/// A patient's registration with one backup hospital.
#[derive(Debug, Clone)]
pub struct Registration {
    /// Id.
    pub id: Id,
    /// The patient.
    pub patient: Idx<Patient>,
    /// The hospital.
    pub hospital: Idx<Hospital>,
    /// Position in the patient's ordered list (1 is tried first).
    pub rank: u8,
    /// The one formal 在宅療養後方支援病院 registration (様式20の6), if this is it.
    pub formal: bool,
    /// The consent that names this hospital.
    pub consent: Idx<Consent>,
    /// Where it stands.
    pub status: RegistrationStatus,
    /// Date requested.
    pub requested_on: NaiveDate,
    /// Date the hospital confirmed or declined.
    pub decided_on: Option<NaiveDate>,
    /// Date information was last exchanged with the hospital (every 3 months for the
    /// formal registration).
    pub info_shared_on: Option<NaiveDate>,
    /// Date withdrawn (by the patient, or with the consent), once withdrawn.
    pub withdrawn_on: Option<NaiveDate>,
    /// Free note, e.g. the hospital's reason for declining.
    pub note: String,
}

impl Registration {
    /// Whether it holds: requested or confirmed (not declined, not withdrawn).
    pub fn is_active(&self) -> bool {
        self.status.is_active()
    }
}

impl RegistrationStatus {
    /// Whether a registration in this status holds: requested or confirmed.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Requested | Self::Confirmed)
    }
}

/// Why a consent does not allow registering a patient with a hospital: no consent that
/// names the hospital, no registration. Read by the data-format check and the
/// registration workflow alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentGap {
    /// The consent is another patient's.
    OtherPatient,
    /// The consent is not for backup-hospital registration (後方支援病院登録).
    WrongKind,
    /// The consent does not name the hospital.
    DoesNotName,
}

impl ConsentGap {
    /// Whether `consent` allows registering `patient` with `hospital` (dates aside).
    pub fn check(consent: &Consent, patient: Idx<Patient>, hospital: Idx<Hospital>) -> Result<(), Self> {
        if consent.patient != patient {
            return Err(Self::OtherPatient);
        }
        match &consent.scope {
            ConsentScope::BackupHospital { hospitals } if hospitals.contains(&hospital) => Ok(()),
            ConsentScope::BackupHospital { .. } => Err(Self::DoesNotName),
            _ => Err(Self::WrongKind),
        }
    }
}

/// One row of the symptom table: a symptom word and the specialty to consult.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymptomRoute {
    /// Symptom, e.g. 褥瘡.
    pub symptom: String,
    /// Specialty, e.g. 皮膚科.
    pub specialty: String,
}

impl SymptomRoute {
    /// The table renkei starts from (written into generated data directories; edit
    /// `symptoms.csv` to change it). A symptom may route to several specialties.
    pub const DEFAULTS: &'static [(&'static str, &'static str)] = &[
        ("褥瘡", "皮膚科"),
        ("皮膚のかゆみ", "皮膚科"),
        ("湿疹", "皮膚科"),
        ("白癬", "皮膚科"),
        ("骨折", "整形外科"),
        ("関節痛", "整形外科"),
        ("腰痛", "整形外科"),
        ("転倒", "整形外科"),
        ("視力低下", "眼科"),
        ("眼脂", "眼科"),
        ("目やに", "眼科"),
        ("充血", "眼科"),
        ("嚥下障害", "耳鼻咽喉科"),
        ("嚥下障害", "リハビリ科"),
        ("難聴", "耳鼻咽喉科"),
        ("耳垢", "耳鼻咽喉科"),
        ("鼻出血", "耳鼻咽喉科"),
        ("ADL低下", "リハビリ科"),
        ("歩行困難", "リハビリ科"),
        ("拘縮", "リハビリ科"),
        ("もの忘れ", "認知症"),
        ("BPSD", "認知症"),
        ("徘徊", "認知症"),
        ("せん妄", "精神科"),
        ("抑うつ", "精神科"),
        ("不眠", "精神科"),
        ("排尿障害", "泌尿器科"),
        ("尿閉", "泌尿器科"),
        ("口腔ケア", "歯科"),
        ("義歯不適合", "歯科"),
    ];

    /// The default table as routes.
    pub fn defaults() -> Vec<Self> {
        Self::DEFAULTS
            .iter()
            .map(|(symptom, specialty)| Self { symptom: (*symptom).to_owned(), specialty: (*specialty).to_owned() })
            .collect()
    }
}

crate::labels::labelled_enum! {
    /// Where a specialist consult stands.
    pub enum ConsultStatus ("相談状況") {
        /// 依頼: requested by the 主治医.
        Requested = "requested", "依頼";
        /// 受付: accepted by the specialist.
        Accepted = "accepted", "受付";
        /// 助言済: advice given.
        Advised = "advised", "助言済";
        /// 往診済: the specialist visited.
        Visited = "visited", "往診済";
        /// 報告済: the result reported back to the 主治医 (closed).
        Reported = "reported", "報告済";
        /// 辞退: declined by the specialist (closed).
        Declined = "declined", "辞退";
        /// 取消: cancelled (closed).
        Cancelled = "cancelled", "取消";
    }
}

impl ConsultStatus {
    /// Whether the consult is still open (counts toward the specialist's load).
    pub fn is_open(self) -> bool {
        matches!(self, Self::Requested | Self::Accepted | Self::Advised | Self::Visited)
    }
}

/// A specialist consult, from request to the report back to the 主治医.
#[derive(Debug, Clone)]
pub struct Consult {
    /// Id.
    pub id: Id,
    /// The patient.
    pub patient: Idx<Patient>,
    /// The specialist.
    pub specialist: Idx<Specialist>,
    /// The symptom that prompted it.
    pub symptom: String,
    /// How the specialist helps.
    pub mode: ConsultMode,
    /// The consent that names the specialist.
    pub consent: Idx<Consent>,
    /// Where it stands.
    pub status: ConsultStatus,
    /// When requested.
    pub requested_at: Instant,
    /// When last changed.
    pub updated_at: Instant,
    /// The specialist's report, once given.
    pub report: String,
}
