//! Areas (エリア/福祉区) and groups (グループ).

use super::geo::LatLon;
use super::ids::{Id, Idx};
use super::people::Doctor;
use super::rules::RotaSettings;
use crate::calendar::{GroupCalendar, SlotTemplates};

/// エリア: an area, usually one of a city's 福祉区, with its own backup system.
#[derive(Debug, Clone)]
pub struct Area {
    /// Id.
    pub id: Id,
    /// Japanese name, e.g. 中区.
    pub name: String,
    /// A central point, for maps and distances between areas.
    pub location: LatLon,
    /// Neighbouring areas (symmetric), for fallback cover.
    pub neighbours: Vec<Idx<Area>>,
    /// How many backup hospitals each patient of the area should have registered.
    pub backup_list_len: u8,
}

crate::labels::labelled_enum! {
    /// One way a group covers its doctors' patients.
    pub enum CoverageMode ("カバー方式") {
        /// 輪番制: an on-call rotation; the doctor on duty covers all the group's patients.
        Rotation = "rotation", "輪番制";
        /// 主治医・副主治医制: each absence of a doctor is covered by a present group doctor.
        AbsenceCover = "absence_cover", "主治医・副主治医制" | "副主治医制";
    }
}

/// The coverage modes a group uses: rotation, absence cover, or both. Never empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CoveragePolicy {
    rotation: bool,
    absence_cover: bool,
}

impl CoveragePolicy {
    /// The policy using `modes`; `None` if there are none.
    pub fn new(modes: &[CoverageMode]) -> Option<Self> {
        let policy = Self {
            rotation: modes.contains(&CoverageMode::Rotation),
            absence_cover: modes.contains(&CoverageMode::AbsenceCover),
        };
        (policy.rotation || policy.absence_cover).then_some(policy)
    }

    /// Whether the group runs an on-call rotation.
    pub fn rotation(self) -> bool {
        self.rotation
    }

    /// Whether absences are covered by named group doctors.
    pub fn absence_cover(self) -> bool {
        self.absence_cover
    }

    /// The modes in use.
    pub fn modes(self) -> Vec<CoverageMode> {
        let mut modes = Vec::with_capacity(2);
        if self.rotation {
            modes.push(CoverageMode::Rotation);
        }
        if self.absence_cover {
            modes.push(CoverageMode::AbsenceCover);
        }
        modes
    }

    /// Japanese description, e.g. `輪番制＋主治医・副主治医制`.
    pub fn label(self) -> String {
        self.modes().iter().map(|mode| mode.label()).collect::<Vec<_>>().join("＋")
    }
}

/// グループ: doctors of an area who cover each other's home-care patients.
#[derive(Debug, Clone)]
pub struct Group {
    /// Id.
    pub id: Id,
    /// Japanese name.
    pub name: String,
    /// The area.
    pub area: Idx<Area>,
    /// How the group covers.
    pub policy: CoveragePolicy,
    /// Member doctors (グループ医), at least one, no repeats.
    pub members: Vec<Idx<Doctor>>,
    /// The group's closed days on top of public holidays.
    pub calendar: GroupCalendar,
    /// The duty slots the group staffs, and their times.
    pub slots: SlotTemplates,
    /// Rota rules, roles per slot and fairness points.
    pub rota: RotaSettings,
}
