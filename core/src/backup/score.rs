//! The scoring behind the backup-hospital ranking: which hospitals are candidates for a
//! patient, and how each is scored. Indices and numbers only; [`super::rank`] turns the
//! top of the ranking into the list people read.
//!
//! Candidates are the hospitals of the patient's area and its neighbouring areas, and
//! the patient's 退院元 and 通院先 wherever they are. They are ordered by:
//! 1. **tier**: the 退院元 (discharge hospital) first, then the 通院先 (regular
//!    hospital), then every other hospital;
//! 2. **total score**, highest first (below);
//! 3. straight-line distance, nearest first; then hospital id.
//!
//! The score adds, in points:
//! - **conditions**: 10 for each of the patient's conditions (病名) the hospital accepts.
//!   A condition matches an accepted one if either contains the other (`がん` matches
//!   `末期がん`), ignoring one-character words;
//! - **function** (病院機能), from what the patient needs:
//!   - a child (under 18, including every 医療的ケア児): 小児 +30, 急性期 +5;
//!   - an adult: 地域包括ケア +8 (the wards meant for home-care patients' subacute
//!     admissions), 急性期 +5;
//!   - palliative needs (a condition containing がん, or ALS; or the ACP mentions 緩和 or
//!     看取り): 緩和ケア +15;
//!   - a ventilator (人工呼吸器) or central venous nutrition (中心静脈栄養): 急性期 +5 more;
//! - **support**: +3 for a 在宅療養後方支援病院 (it takes its patients 24 hours and can hold
//!   the formal registration);
//! - **distance**: −1 per straight-line km; or, when a travel speed is configured
//!   ([`TravelModel`]), −0.5 per estimated minute (the same at 30 km/h).

use chrono::NaiveDate;

use crate::dataset::Dataset;
use crate::domain::{Area, Device, Hospital, HospitalFunction, Idx, Patient};

/// Points per accepted condition.
const CONDITION_POINTS: f64 = 10.0;
/// Points for a 小児 hospital when the patient is a child.
const PEDIATRIC_POINTS: f64 = 30.0;
/// Points for a 緩和ケア unit when the patient has palliative needs.
const PALLIATIVE_POINTS: f64 = 15.0;
/// Points for 地域包括ケア wards for an adult.
const COMMUNITY_CARE_POINTS: f64 = 8.0;
/// Points for 急性期 beds, and again for patients on a ventilator or central line.
const ACUTE_POINTS: f64 = 5.0;
/// Points for 在宅療養後方支援病院 status.
const SUPPORT_POINTS: f64 = 3.0;
/// Points lost per km, or per minute when travel time is estimated.
const PER_KM: f64 = 1.0;
const PER_MINUTE: f64 = 0.5;

/// How travel time is estimated, where configured: road distance is the straight line
/// times `detour`, driven at `speed_kmh` (or the patient's area's speed in
/// `area_speed_kmh`). Without a model, only straight-line km are used.
#[derive(Debug, Clone, PartialEq)]
pub struct TravelModel {
    /// Average speed, km/h.
    pub speed_kmh: f64,
    /// Road km per straight-line km.
    pub detour: f64,
    /// Per-area speeds (the area of the patient's home), overriding `speed_kmh`.
    pub area_speed_kmh: Vec<(Idx<Area>, f64)>,
}

impl TravelModel {
    /// A model driving at `speed_kmh` everywhere with the usual detour of 1.3.
    pub fn at(speed_kmh: f64) -> Self {
        Self { speed_kmh, detour: 1.3, area_speed_kmh: Vec::new() }
    }

    /// Estimated minutes for `km` straight-line km from a home in `area`.
    pub fn minutes(&self, km: f64, area: Idx<Area>) -> f64 {
        let speed = self.area_speed_kmh.iter().find(|(a, _)| *a == area).map_or(self.speed_kmh, |(_, speed)| *speed);
        km * self.detour / speed.max(1.0) * 60.0
    }
}

/// Why a hospital is ahead of the others regardless of score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// 退院元 (and possibly also the 通院先).
    Discharge,
    /// 通院先.
    Regular,
}

/// The parts of a hospital's score for a patient.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Score {
    /// Accepted conditions.
    pub conditions: f64,
    /// Hospital functions the patient needs.
    pub function: f64,
    /// 在宅療養後方支援病院 status.
    pub support: f64,
    /// Distance (negative).
    pub distance: f64,
    /// The sum.
    pub total: f64,
}

/// What the patient needs of a hospital, derived once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Needs {
    pub(crate) child: bool,
    pub(crate) palliative: bool,
    pub(crate) intensive: bool,
}

impl Needs {
    pub(crate) fn of(patient: &Patient, on: NaiveDate) -> Self {
        let palliative = patient.conditions.iter().any(|c| c.contains("がん") || c.contains("ALS"))
            || patient.acp.contains("緩和")
            || patient.acp.contains("看取り");
        Self {
            child: patient.age_on(on) < 18,
            palliative,
            intensive: patient.devices.iter().any(|d| matches!(d, Device::Ventilator | Device::CentralVenous)),
        }
    }
}

/// One scored candidate.
#[derive(Debug, Clone)]
pub(crate) struct Scored {
    pub(crate) hospital: Idx<Hospital>,
    pub(crate) anchor: Option<Anchor>,
    pub(crate) score: Score,
    pub(crate) km: f64,
    pub(crate) minutes: Option<f64>,
    /// Indices into the patient's conditions that the hospital accepts.
    pub(crate) matched: Vec<usize>,
}

/// Whether a patient's condition matches a condition a hospital accepts.
pub(crate) fn condition_matches(patient_condition: &str, accepted: &str) -> bool {
    if patient_condition == accepted {
        return true;
    }
    let (short, long) = if patient_condition.chars().count() <= accepted.chars().count() {
        (patient_condition, accepted)
    } else {
        (accepted, patient_condition)
    };
    short.chars().count() >= 2 && long.contains(short)
}

/// The candidate hospitals of each area: its own and its neighbours', by index.
#[derive(Debug, Clone)]
pub(crate) struct Candidates {
    by_area: Vec<Vec<Idx<Hospital>>>,
}

impl Candidates {
    pub(crate) fn new(dataset: &Dataset) -> Self {
        let mut own: Vec<Vec<Idx<Hospital>>> = vec![Vec::new(); dataset.areas.len()];
        for (idx, hospital) in dataset.hospitals.enumerate() {
            own[hospital.area.index()].push(idx);
        }
        let by_area = dataset
            .areas
            .enumerate()
            .map(|(area_idx, area)| {
                let mut list = own[area_idx.index()].clone();
                for neighbour in &area.neighbours {
                    list.extend_from_slice(&own[neighbour.index()]);
                }
                list.sort_unstable();
                list.dedup();
                list
            })
            .collect();
        Self { by_area }
    }

    /// The hospitals of `area` and its neighbouring areas, by index.
    pub(crate) fn of_area(&self, area: Idx<Area>) -> &[Idx<Hospital>] {
        &self.by_area[area.index()]
    }

    /// Every candidate for `patient`, best first (see the module doc).
    pub(crate) fn scored(
        &self,
        dataset: &Dataset,
        patient: Idx<Patient>,
        on: NaiveDate,
        travel: Option<&TravelModel>,
    ) -> Vec<Scored> {
        let p = &dataset.patients[patient];
        let area = dataset.area_of_patient(patient);
        let needs = Needs::of(p, on);
        let mut hospitals = self.by_area[area.index()].clone();
        for anchor in [p.discharge_hospital, p.regular_hospital].into_iter().flatten() {
            if !hospitals.contains(&anchor) {
                hospitals.push(anchor);
            }
        }
        let mut scored: Vec<Scored> = hospitals
            .into_iter()
            .map(|hospital| {
                let h = &dataset.hospitals[hospital];
                let anchor = if p.discharge_hospital == Some(hospital) {
                    Some(Anchor::Discharge)
                } else if p.regular_hospital == Some(hospital) {
                    Some(Anchor::Regular)
                } else {
                    None
                };
                let matched: Vec<usize> = (0..p.conditions.len())
                    .filter(|&c| h.accepts.iter().any(|accepted| condition_matches(&p.conditions[c], accepted)))
                    .collect();
                let km = h.location.distance_km(p.home);
                let minutes = travel.map(|model| model.minutes(km, area));
                let distance = minutes.map_or(-PER_KM * km, |minutes| -PER_MINUTE * minutes);
                let conditions = CONDITION_POINTS * matched.len() as f64;
                let function = function_points(h, needs);
                let support = if h.backup_support { SUPPORT_POINTS } else { 0.0 };
                let total = conditions + function + support + distance;
                Scored {
                    hospital,
                    anchor,
                    score: Score { conditions, function, support, distance, total },
                    km,
                    minutes,
                    matched,
                }
            })
            .collect();
        scored.sort_by(|a, b| {
            let tier = |s: &Scored| s.anchor.map_or(2, |anchor| anchor as u8);
            tier(a)
                .cmp(&tier(b))
                .then(b.score.total.total_cmp(&a.score.total))
                .then(a.km.total_cmp(&b.km))
                .then_with(|| dataset.hospitals[a.hospital].id.cmp(&dataset.hospitals[b.hospital].id))
        });
        scored
    }
}

/// Points for the functions the patient needs.
pub(crate) fn function_points(hospital: &Hospital, needs: Needs) -> f64 {
    let mut points = 0.0;
    for (function, wanted, worth) in scored_functions(needs) {
        if wanted && hospital.has(function) {
            points += worth;
        }
    }
    points
}

/// The functions that score for these needs, with their points.
pub(crate) fn scored_functions(needs: Needs) -> [(HospitalFunction, bool, f64); 4] {
    use HospitalFunction::*;
    let acute = ACUTE_POINTS + if needs.intensive { ACUTE_POINTS } else { 0.0 };
    [
        (Pediatric, needs.child, PEDIATRIC_POINTS),
        (Palliative, needs.palliative, PALLIATIVE_POINTS),
        (CommunityCare, !needs.child, COMMUNITY_CARE_POINTS),
        (Acute, true, acute),
    ]
}
