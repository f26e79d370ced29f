//! The answer to a consult question: the plan, its ranked candidates and their
//! reasons, as plain values for the command line and the service.

use serde::Serialize;

use super::records::ConsultView;
use super::routing::Routing;
use crate::calendar::Instant;
use crate::domain::{ConsultMode, Idx, Specialist};

/// What a consult is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsultNeed<'a> {
    /// A symptom, routed through the symptom table.
    Symptom(&'a str),
    /// A specialty named directly.
    Specialty(&'a str),
}

/// How to rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsultOptions {
    /// The mode wanted, if any: a home visit prefers 往診可 within 16 km.
    pub mode: Option<ConsultMode>,
    /// The instant asked about (consents are judged on its JST date).
    pub at: Instant,
}

crate::labels::labelled_enum! {
    /// Whether a candidate serves the patient's area.
    pub enum AreaFit ("担当エリア") {
        /// 担当エリア: on the list of the patient's area.
        ServesArea = "serves_area", "担当エリア";
        /// 隣接エリア: on a neighbouring area's list only.
        Neighbour = "neighbour", "隣接エリア";
    }
}

crate::labels::labelled_enum! {
    /// How a candidate fits the mode wanted.
    pub enum ModeFit ("対応方法の適合") {
        /// 対応可: offers it (a home visit within 16 km).
        Fits = "fits", "対応可";
        /// 16km超: offers home visits, but the patient lives beyond 16 km.
        Beyond16km = "beyond_16km", "16km超";
        /// 対応不可: does not offer it.
        NotOffered = "not_offered", "対応不可";
    }
}

crate::labels::labelled_enum! {
    /// Whether the patient's consents let the 主治医 consult the plan's candidates.
    pub enum ConsentState ("同意状況") {
        /// 同意なし: no 専門医相談 consent in force.
        NoConsent = "no_consent", "同意なし";
        /// 候補の名指しなし: consents in force, but naming none of the candidates.
        NamesNone = "names_none", "候補の名指しなし";
        /// 同意あり: a consent in force names at least one candidate.
        NamesSome = "names_some", "同意あり";
    }
}

crate::labels::labelled_enum! {
    /// What a candidate's reason is about.
    pub enum ReasonTopic ("理由の項目") {
        /// 専門科: the specialty and the symptoms routing to it.
        Specialty = "specialty", "専門科";
        /// エリア: the area served.
        Area = "area", "エリア";
        /// 対応方法: the modes, and the fit to the mode wanted.
        Mode = "mode", "対応方法";
        /// 距離: from the patient's home.
        Distance = "distance", "距離";
        /// 負荷: open consults and capacity.
        Load = "load", "負荷";
        /// 同意: the consent naming the specialist, or why there is none.
        Consent = "consent", "同意";
    }
}

crate::labels::labelled_enum! {
    /// Whether a consent lets the 主治医 consult a candidate.
    pub enum CandidateConsent ("協力医への同意") {
        /// 同意あり: a consent in force names the specialist.
        Named = "named", "同意あり";
        /// 撤回済み: the consent naming the specialist was withdrawn.
        Withdrawn = "withdrawn", "撤回済み";
        /// 未発効: the consent naming the specialist takes effect later.
        NotYet = "not_yet", "未発効";
        /// 名指しなし: no consent names the specialist.
        NotNamed = "not_named", "名指しなし";
    }
}

/// One reason for a candidate's place, in Japanese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CandidateReason {
    /// What it is about.
    pub topic: ReasonTopic,
    /// The reason.
    pub text: String,
}

/// One ranked specialist.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// 1-based rank in the plan.
    pub rank: usize,
    /// The specialist.
    #[serde(skip)]
    pub specialist: Idx<Specialist>,
    /// Specialist id.
    pub id: String,
    /// Doctor's name.
    pub name: String,
    /// Institution.
    pub institution: String,
    /// Specialty.
    pub specialty: String,
    /// Phone.
    pub phone: String,
    /// Modes offered.
    pub modes: Vec<ConsultMode>,
    /// Serves the patient's area, or a neighbouring one only.
    pub area_fit: AreaFit,
    /// Fit to the mode wanted; `None` when no mode was asked for.
    pub mode_fit: Option<ModeFit>,
    /// Straight-line km from the patient's home, to 0.1 km.
    pub distance_km: f64,
    /// Open consults now.
    pub open_consults: u32,
    /// Most open consults at once, if capped.
    pub capacity: Option<u32>,
    /// 満員: as many open consults as the capacity.
    pub full: bool,
    /// This patient's open consult with the specialist, if one is running.
    pub patient_consult: Option<String>,
    /// The consent in force naming this specialist, if any: without it the 主治医 may
    /// not consult them yet.
    pub consent: Option<String>,
    /// Whether a consent lets the 主治医 consult them, or why not.
    pub consent_status: CandidateConsent,
    /// Why the candidate is here, one reason per topic in [`ReasonTopic`] order.
    pub reasons: Vec<CandidateReason>,
}

impl Candidate {
    /// The reason about `topic`.
    pub fn reason(&self, topic: ReasonTopic) -> &str {
        self.reasons.iter().find(|reason| reason.topic == topic).map_or("", |reason| reason.text.as_str())
    }
}

/// The answer to "whom do I consult for this patient's symptom?".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConsultPlan {
    /// Patient id.
    pub patient: String,
    /// Patient's name.
    pub patient_name: String,
    /// The patient's area (their group's) id.
    pub area: String,
    /// Its name.
    pub area_name: String,
    /// The instant asked about, JST (RFC 3339, to the second).
    pub at: String,
    /// The mode wanted.
    pub mode: Option<ConsultMode>,
    /// Where the symptom routed.
    pub routing: Routing,
    /// The candidates, best first: by specialty (in routing order), then 満員 last,
    /// the patient's area before neighbours, mode fit, distance band, open consults,
    /// distance, id.
    pub candidates: Vec<Candidate>,
    /// Whether a consent in force names a candidate.
    pub consent: ConsentState,
    /// The patient's 専門医相談 consents in force.
    pub consents_in_force: Vec<String>,
    /// The patient's open consults.
    pub open_consults: Vec<ConsultView>,
    /// Notes in Japanese: no consent, no candidate for a specialty.
    pub notes: Vec<String>,
}

impl ConsultPlan {
    /// The candidates a consent in force names.
    pub fn consented(&self) -> impl Iterator<Item = &Candidate> {
        self.candidates.iter().filter(|candidate| candidate.consent.is_some())
    }
}
