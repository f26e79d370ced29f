//! Areas, hospitals, visiting nurse stations and cooperating specialists.

use super::Builder;
use super::draw::{Draw, numbered};
use super::names::{self, ADULT_CONDITIONS, CHILD_CONDITIONS, SPECIALIST_SPECIALTIES};
use crate::domain::{Area, ConsultMode, Hospital, HospitalFunction, Id, Idx, NurseStation, Specialist};

/// Adds the areas, with neighbours resolved and made symmetric.
pub(super) fn add_areas(builder: &mut Builder<'_>) {
    let specs = &builder.config.areas;
    let position_of = |id: &str| specs.iter().position(|spec| spec.id == id);
    // Neighbours kept sorted by position, the order the data format reads them back in.
    let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); specs.len()];
    for (position, spec) in specs.iter().enumerate() {
        for other in spec.neighbours.iter().filter_map(|id| position_of(id)).filter(|&other| other != position) {
            for (from, to) in [(position, other), (other, position)] {
                if !neighbours[from].contains(&to) {
                    neighbours[from].push(to);
                }
            }
        }
    }
    for (spec, mut adjacent) in specs.iter().zip(neighbours) {
        adjacent.sort_unstable();
        let id = Id::parse(&spec.id).unwrap_or_else(|message| panic!("area id '{}': {message}", spec.id));
        let area = Area {
            id,
            name: spec.name.clone(),
            location: spec.center,
            neighbours: adjacent.into_iter().map(Idx::new).collect(),
            backup_list_len: 3,
        };
        builder.dataset.areas.insert(area).unwrap_or_else(|area| panic!("duplicate area id '{}'", area.id));
    }
}

/// Adds each area's hospitals: the first is always a large 急性期 hospital, the first
/// `backup_support_hospitals` are 在宅療養後方支援病院 (≥ 200 beds).
pub(super) fn add_hospitals(builder: &mut Builder<'_>, draw: &mut Draw) {
    let total: usize = builder.config.areas.iter().map(|spec| spec.hospitals).sum();
    let width = super::config::digits(total).max(3);
    for (position, spec) in builder.config.areas.iter().enumerate() {
        let area = Idx::<Area>::new(position);
        let backup_support = spec.backup_support_hospitals.min(spec.hospitals);
        for number in 0..spec.hospitals {
            let is_backup_support = number < backup_support;
            let functions = hospital_functions(draw, number, is_backup_support);
            // The first hospital is the area's large general hospital, which
            // specialists may also work at.
            let beds = if number == 0 {
                draw.between(300, 700)
            } else if is_backup_support {
                draw.between(200, 700)
            } else if draw.chance(0.25) {
                draw.between(200, 400)
            } else {
                draw.between(60, 199)
            };
            let kind = match functions[0] {
                HospitalFunction::Acute if number == 0 => "総合病院",
                HospitalFunction::Acute => "医療センター",
                HospitalFunction::CommunityCare => "記念病院",
                HospitalFunction::Recovery => "リハビリテーション病院",
                HospitalFunction::LongTerm => "療養病院",
                HospitalFunction::Palliative => "ホスピス病院",
                HospitalFunction::Pediatric => "こども病院",
            };
            let hospital = Hospital {
                id: numbered("H", builder.dataset.hospitals.len() + 1, width),
                name: names::hospital_name(&spec.name, number, kind),
                area,
                accepts: accepted_conditions(draw, &functions),
                functions,
                beds,
                backup_support: is_backup_support,
                phone_24h: draw.landline(&builder.areas[position].area_code),
                location: draw.point_near(spec.center, 0.0, spec.radius_km),
                quota: draw.chance(0.3).then(|| draw.between(beds / 4, beds / 2)),
            };
            let idx = builder.dataset.hospitals.insert(hospital).expect("fresh id");
            builder.areas[position].hospitals.push(idx);
        }
    }
}

fn hospital_functions(draw: &mut Draw, number: usize, is_backup_support: bool) -> Vec<HospitalFunction> {
    use HospitalFunction::*;
    let mut functions = if number == 0 {
        vec![Acute]
    } else if is_backup_support {
        vec![draw.pick(&[Acute, CommunityCare])]
    } else {
        vec![draw.weighted(&[(CommunityCare, 4), (Recovery, 3), (LongTerm, 3), (Palliative, 1), (Acute, 2)])]
    };
    if number == 0 && draw.chance(0.5) {
        functions.push(Pediatric);
    }
    if draw.chance(0.4) {
        let extra = draw.pick(&[CommunityCare, Recovery, Palliative]);
        if !functions.contains(&extra) {
            functions.push(extra);
        }
    }
    functions
}

/// The conditions a hospital with `functions` accepts, in vocabulary order.
fn accepted_conditions(draw: &mut Draw, functions: &[HospitalFunction]) -> Vec<String> {
    use HospitalFunction::*;
    let likely = |condition: &str| -> f64 {
        functions
            .iter()
            .map(|function| match (function, condition) {
                (Acute, _) => 0.85,
                (
                    CommunityCare,
                    "心不全" | "誤嚥性肺炎" | "COPD" | "糖尿病" | "慢性腎不全" | "褥瘡" | "老衰" | "認知症",
                ) => 0.8,
                (Recovery, "骨折後" | "脳梗塞後遺症" | "誤嚥性肺炎" | "パーキンソン病") => 0.9,
                (LongTerm, "老衰" | "認知症" | "褥瘡" | "脳梗塞後遺症" | "パーキンソン病" | "ALS") => {
                    0.8
                }
                (Palliative, "末期がん" | "ALS" | "心不全") => 0.9,
                _ => 0.1,
            })
            .fold(0.0, f64::max)
    };
    let mut accepts: Vec<String> = ADULT_CONDITIONS
        .iter()
        .map(|(condition, _)| *condition)
        .filter(|condition| draw.chance(likely(condition)))
        .map(str::to_owned)
        .collect();
    if functions.contains(&Pediatric) {
        accepts.extend(CHILD_CONDITIONS.iter().map(|&condition| condition.to_owned()));
    }
    if accepts.is_empty() {
        accepts.push("老衰".to_owned());
    }
    accepts
}

/// Adds a few visiting nurse stations per area.
pub(super) fn add_nurse_stations(builder: &mut Builder<'_>, draw: &mut Draw) {
    let total: usize = builder.config.areas.iter().map(|spec| spec.nurse_stations).sum();
    let width = super::config::digits(total).max(3);
    for (position, spec) in builder.config.areas.iter().enumerate() {
        for number in 0..spec.nurse_stations {
            let station = NurseStation {
                id: numbered("NS", builder.dataset.nurse_stations.len() + 1, width),
                name: names::nurse_station_name(&spec.name, number),
                area: Idx::new(position),
                phone_24h: draw.landline(&builder.areas[position].area_code),
                location: draw.point_near(spec.center, 0.0, spec.radius_km),
            };
            let idx = builder.dataset.nurse_stations.insert(station).expect("fresh id");
            builder.areas[position].stations.push(idx);
        }
    }
}

/// Adds the specialists so that exactly `spec.specialists` serve each area: about one
/// in ten of an area's specialists also serves a neighbouring area, and counts there.
pub(super) fn add_specialists(builder: &mut Builder<'_>, draw: &mut Draw) {
    let specs = &builder.config.areas;
    let mut remaining: Vec<usize> = specs.iter().map(|spec| spec.specialists).collect();
    // (base area, also served) for each shared specialist; decided first so the
    // remaining counts are known before anyone is drawn.
    let mut shared: Vec<Vec<usize>> = vec![Vec::new(); specs.len()];
    for position in 0..specs.len() {
        let neighbours = &builder.dataset.areas[Idx::<Area>::new(position)].neighbours;
        if neighbours.is_empty() {
            continue;
        }
        for _ in 0..specs[position].specialists / 10 {
            let other = draw.pick(neighbours).index();
            if remaining[position] > 0 && remaining[other] > 0 {
                remaining[position] -= 1;
                remaining[other] -= 1;
                shared[position].push(other);
            }
        }
    }
    let total: usize = remaining.iter().sum::<usize>() + shared.iter().map(Vec::len).sum::<usize>();
    let width = super::config::digits(total).max(3);
    for (position, spec) in specs.iter().enumerate() {
        let hospital = builder.areas[position].hospitals.first().map(|&h| builder.dataset.hospitals[h].name.as_str());
        let served_sets = shared[position].iter().map(|&other| vec![position, other]);
        let home_only = std::iter::repeat_n(vec![position], remaining[position]);
        for served in served_sets.chain(home_only).collect::<Vec<_>>() {
            let specialty = draw.weighted(SPECIALIST_SPECIALTIES);
            let surname = names::surname(draw);
            let female = draw.chance(0.3);
            let mut modes: Vec<ConsultMode> =
                [(ConsultMode::Advice, 0.7), (ConsultMode::HomeVisit, 0.5), (ConsultMode::Outpatient, 0.6)]
                    .into_iter()
                    .filter(|(_, p)| draw.chance(*p))
                    .map(|(mode, _)| mode)
                    .collect();
            if modes.is_empty() {
                modes.push(ConsultMode::Advice);
            }
            let specialist = Specialist {
                id: numbered("S", builder.dataset.specialists.len() + 1, width),
                name: names::full_name(surname, names::given_name(draw, female, false)),
                institution: names::specialist_institution(draw, surname, specialty, &spec.name, hospital),
                specialty: specialty.to_owned(),
                modes,
                areas: served.iter().map(|&area| Idx::new(area)).collect(),
                location: draw.point_near(spec.center, 0.0, spec.radius_km),
                phone: draw.landline(&builder.areas[position].area_code),
                capacity: draw.chance(0.4).then(|| draw.between(3, 15)),
            };
            let idx = builder.dataset.specialists.insert(specialist).expect("fresh id");
            for area in served {
                builder.areas[area].specialists.push(idx);
            }
        }
    }
}
