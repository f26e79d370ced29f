//! The compiled rota problem: concrete slots with their demand, who cannot take each and
//! why, the 16 km cover sets, capability needs, requests, absence-cover demands and
//! fairness targets. Built once from a dataset ([`super::build_problem`]); the MIP model
//! and the independent validator both read it, and it serialises to JSON for peers.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::calendar::{Instant, SlotKind};
use crate::domain::{PointsTable, RequestKind, Role, RoleCounts, RotaRules};

/// Version of the problem's JSON form.
pub const PROBLEM_FORMAT: u32 = 1;

/// A rota problem: one or more groups over a date range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RotaProblem {
    /// Version of this form.
    pub format: u32,
    /// A name for people, e.g. `G-NAKA-1 2026-12`.
    pub name: String,
    /// First date of the range.
    pub first_date: NaiveDate,
    /// Last date of the range (its night ends the next morning).
    pub last_date: NaiveDate,
    /// The groups solved together.
    pub groups: Vec<ProblemGroup>,
    /// Every doctor of those groups.
    pub doctors: Vec<ProblemDoctor>,
    /// The duty slots, by start time.
    pub slots: Vec<ProblemSlot>,
    /// Sets of doctors of which one must be on duty (16 km rule), shared by slots.
    pub cover_sets: Vec<CoverSet>,
    /// Soft requests that fall on slots of the problem.
    pub requests: Vec<ProblemRequest>,
    /// Absences to cover under 主治医・副主治医制.
    pub cover_demands: Vec<CoverDemand>,
    /// Weights of the soft objective.
    pub weights: ObjectiveWeights,
    /// Things the coordinator should know that change nothing (e.g. a request on a
    /// date without a matching slot).
    pub notes: Vec<String>,
}

/// One group of the problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemGroup {
    /// Group id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Hard rules.
    pub rules: RotaRules,
    /// Fairness points.
    pub points: PointsTable,
    /// Doctor indices of the members.
    pub members: Vec<usize>,
}

/// One doctor of the problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemDoctor {
    /// Doctor id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Groups of the problem the doctor belongs to.
    pub groups: Vec<usize>,
    /// Share of a full participant's duties.
    pub participation: f64,
    /// Can care for 医療的ケア児.
    pub medical_care_child: bool,
    /// Carry-over balance before the range (points above the fair share).
    pub carry_over: f64,
    /// Fair share of the range's points before the carry-over.
    pub base_target: f64,
    /// Points the rota aims at: the fair share less the carry-over.
    pub target: f64,
    /// Fair share of duties on closed days (休日日中・休日夜間).
    pub holiday_target: f64,
    /// Fair share of night duties (平日夜間・休日夜間, both roles).
    pub night_target: f64,
    /// The strictest `min_days_between` of the doctor's groups.
    pub min_days_between: u32,
    /// Whether any of the doctor's groups forbids consecutive nights.
    pub no_consecutive_nights: bool,
}

/// One duty slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemSlot {
    /// The group staffing it.
    pub group: usize,
    /// Local date it starts on.
    pub date: NaiveDate,
    /// Kind.
    pub kind: SlotKind,
    /// Start.
    pub start: Instant,
    /// End.
    pub end: Instant,
    /// What the date is (平日, 土曜, 日曜, the holiday's name, 年末年始, …).
    pub day_label: String,
    /// Falls on a Saturday, Sunday, holiday or closed day (for the holiday-duty cap).
    pub weekend_or_holiday: bool,
    /// Falls in 年末年始.
    pub year_end: bool,
    /// Doctors needed per role.
    pub demand: RoleCounts,
    /// Points of a duty in each role: `[primary, secondary]`.
    pub points: [f64; 2],
    /// Members who cannot take it, and why.
    pub blocked: Vec<Blocked>,
    /// A 医療的ケア児-capable doctor must be on duty.
    pub needs_medical_care_child: bool,
    /// Indices into [`RotaProblem::cover_sets`]: each needs one of its doctors on duty.
    pub cover_sets: Vec<usize>,
}

impl ProblemSlot {
    /// Points of one duty in `role`.
    pub fn points_of(&self, role: Role) -> f64 {
        match role {
            Role::Primary => self.points[0],
            Role::Secondary => self.points[1],
        }
    }

    /// Whether it is a 休日日中 or 休日夜間 slot (counted for holiday fairness).
    pub fn is_holiday_duty(&self) -> bool {
        matches!(self.kind, SlotKind::HolidayDay | SlotKind::HolidayNight)
    }

    /// Japanese label, e.g. `12/31(木) 休日夜間 [年末年始]`.
    pub fn label(&self) -> String {
        use chrono::Datelike;
        let day = crate::calendar::weekday_ja(self.date.weekday());
        let mut label = format!("{}({day}) {}", self.date.format("%-m/%-d"), self.kind.label());
        if self.day_label != "平日" && self.day_label != "土曜" && self.day_label != "日曜" {
            label.push_str(&format!(" [{}]", self.day_label));
        }
        label
    }

    /// Why `doctor` cannot take the slot, if blocked.
    pub fn blocked_reason(&self, doctor: usize) -> Option<&BlockReason> {
        self.blocked.iter().find(|blocked| blocked.doctor == doctor).map(|blocked| &blocked.reason)
    }
}

/// A member who cannot take a slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Blocked {
    /// Doctor index.
    pub doctor: usize,
    /// Why.
    pub reason: BlockReason,
}

/// Why a member cannot take a slot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BlockReason {
    /// An absence overlaps the slot.
    Absence {
        /// Absence id.
        id: String,
        /// Its reason.
        reason: String,
        /// Start.
        start: Instant,
        /// End.
        end: Instant,
    },
    /// A recurring unavailability rules the slot out.
    Unavailable {
        /// Unavailability id.
        id: String,
        /// Its note.
        note: String,
    },
}

impl BlockReason {
    /// Japanese description, e.g. `不在 (学会, AB00012: 12/29 18:00〜1/3 08:30)`.
    pub fn describe(&self) -> String {
        match self {
            Self::Absence { id, reason, start, end } => {
                let time = |instant: &Instant| crate::calendar::to_jst(*instant).format("%-m/%-d %H:%M").to_string();
                let reason = if reason.is_empty() { "理由未記入" } else { reason.as_str() };
                format!("不在 ({reason}, {id}: {}〜{})", time(start), time(end))
            }
            Self::Unavailable { id, note } => {
                let note = if note.is_empty() { "定期" } else { note.as_str() };
                format!("勤務不可 ({note}, {id})")
            }
        }
    }
}

/// Doctors of which at least one must be on duty at every slot of the group, so these
/// patients have an on-duty doctor within 16 km.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverSet {
    /// Group index.
    pub group: usize,
    /// Members whose clinic is within 16 km of the patients' homes.
    pub doctors: Vec<usize>,
    /// The patients (ids) this set protects.
    pub patients: Vec<String>,
}

/// A soft request on the problem's slots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemRequest {
    /// Request id.
    pub id: String,
    /// Doctor index.
    pub doctor: usize,
    /// Want or avoid.
    pub kind: RequestKind,
    /// Weight 1–10.
    pub weight: u8,
    /// The slots it is about.
    pub slots: Vec<usize>,
    /// What it is about, in Japanese, e.g. `12/24 平日夜間`.
    pub label: String,
}

/// An absence to cover under 主治医・副主治医制: one present group doctor takes the absent
/// doctor's patients for its duration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverDemand {
    /// Absence id.
    pub absence: String,
    /// Group index.
    pub group: usize,
    /// The absent doctor.
    pub doctor: usize,
    /// Start (clipped to the range).
    pub start: Instant,
    /// End (clipped to the range).
    pub end: Instant,
    /// Points of covering it.
    pub points: f64,
    /// The absent doctor's patients in the group.
    pub patients: usize,
    /// Who may cover, with how many of the patients they have not met (顔合わせ).
    pub candidates: Vec<CoverCandidate>,
    /// Members who may not, and why.
    pub excluded: Vec<CoverExclusion>,
}

/// A doctor who may cover an absence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverCandidate {
    /// Doctor index.
    pub doctor: usize,
    /// Patients of the absent doctor this doctor has not met.
    pub unmet: u32,
}

/// A member who may not cover an absence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverExclusion {
    /// Doctor index.
    pub doctor: usize,
    /// Why, in Japanese.
    pub reason: String,
}

/// Weights of the soft objective; the validator and the model use the same ones.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ObjectiveWeights {
    /// Half-width of the free band around a doctor's points target.
    pub band_half_width: f64,
    /// Cost per point of deviation beyond the band, by segment: the first
    /// `segment_width` points cost `fairness[0]` each, the next `fairness[1]`, the rest
    /// `fairness[2]`. Increasing, so deviation spreads over doctors.
    pub fairness: [f64; 3],
    /// Width of the first two fairness segments, in points.
    pub segment_width: f64,
    /// Cost per holiday duty beyond the integer band around the holiday target, by
    /// segment of one duty (first, then each further).
    pub holiday_fairness: [f64; 2],
    /// Cost per night duty beyond the integer band around the night target, likewise.
    pub night_fairness: [f64; 2],
    /// Cost per unit of request weight (an unmet want, or each avoided slot taken).
    pub request: f64,
    /// Cost per patient of an absent doctor that the covering doctor has not met.
    pub unmet_patient: f64,
}

impl Default for ObjectiveWeights {
    fn default() -> Self {
        Self {
            band_half_width: 0.5,
            fairness: [10.0, 30.0, 60.0],
            segment_width: 1.0,
            holiday_fairness: [5.0, 15.0],
            night_fairness: [5.0, 15.0],
            request: 2.0,
            unmet_patient: 1.0,
        }
    }
}

impl ObjectiveWeights {
    /// The cost of a points deviation `excess` beyond the band (excess ≥ 0).
    pub fn fairness_cost(&self, excess: f64) -> f64 {
        let width = self.segment_width;
        let first = excess.min(width);
        let second = (excess - width).clamp(0.0, width);
        let rest = (excess - 2.0 * width).max(0.0);
        self.fairness[0] * first + self.fairness[1] * second + self.fairness[2] * rest
    }

    /// The cost of `excess` holiday duties beyond the band (a whole number ≥ 0).
    pub fn holiday_cost(&self, excess: f64) -> f64 {
        count_cost(self.holiday_fairness, excess)
    }

    /// The cost of `excess` night duties beyond the band (a whole number ≥ 0).
    pub fn night_cost(&self, excess: f64) -> f64 {
        count_cost(self.night_fairness, excess)
    }
}

fn count_cost(costs: [f64; 2], excess: f64) -> f64 {
    let first = excess.min(1.0);
    costs[0] * first + costs[1] * (excess - first).max(0.0)
}

impl RotaProblem {
    /// The groups in connected components: groups sharing a doctor are in one
    /// component. Components share nothing, so each can be solved on its own.
    pub fn components(&self) -> Vec<Vec<usize>> {
        fn root(parent: &mut [usize], mut group: usize) -> usize {
            while parent[group] != group {
                parent[group] = parent[parent[group]];
                group = parent[group];
            }
            group
        }
        let mut parent: Vec<usize> = (0..self.groups.len()).collect();
        for doctor in &self.doctors {
            for pair in doctor.groups.windows(2) {
                let (a, b) = (root(&mut parent, pair[0]), root(&mut parent, pair[1]));
                parent[a.max(b)] = a.min(b);
            }
        }
        let mut components: Vec<Vec<usize>> = Vec::new();
        let mut index_of_root: Vec<Option<usize>> = vec![None; self.groups.len()];
        for group in 0..self.groups.len() {
            let r = root(&mut parent, group);
            let index = *index_of_root[r].get_or_insert_with(|| {
                components.push(Vec::new());
                components.len() - 1
            });
            components[index].push(group);
        }
        components
    }
}

/// The free band around a target: `[target − half, target + half]`.
pub fn points_band(target: f64, half_width: f64) -> (f64, f64) {
    (target - half_width, target + half_width)
}

/// The integer band around a count target (holidays, nights): `[floor, ceil]`.
pub fn holiday_band(target: f64) -> (f64, f64) {
    (target.floor(), target.ceil())
}
