//! Clinics, their doctors, and the groups the doctors form.

use chrono::{Datelike, Weekday};

use super::Builder;
use super::draw::{Draw, institution_code, numbered};
use super::names::{self, DOCTOR_SPECIALTIES};
use crate::calendar::{GroupCalendar, HalfDayClosure, SlotTemplates, SlotTime};
use crate::domain::{Capability, Clinic, CoverageMode, CoveragePolicy, Doctor, Employment, Group, Idx, RotaSettings};

/// Adds each area's clinics and doctors: mostly one doctor per clinic, some clinics with
/// an owner and an employed doctor.
pub(super) fn add_clinics_and_doctors(builder: &mut Builder<'_>, draw: &mut Draw) {
    let total: usize = builder.config.areas.iter().map(|spec| spec.doctors).sum();
    let width = super::config::digits(total).max(4);
    // Per prefecture, the next serial for its 医療機関コード.
    let mut serials = [0u32; 48];
    for (position, spec) in builder.config.areas.iter().enumerate() {
        let area_code = builder.areas[position].area_code.clone();
        let mut left = spec.doctors;
        while left > 0 {
            let pair = left >= 2 && draw.chance(0.15);
            let owner = draw_doctor(draw);
            let serial = &mut serials[usize::from(spec.prefecture)];
            *serial += 1;
            let clinic = Clinic {
                id: numbered("C", builder.dataset.clinics.len() + 1, width),
                name: names::clinic_name(draw, owner.surname, &owner.specialties[0]),
                area: Idx::new(position),
                code: institution_code(spec.prefecture, *serial),
                location: draw.point_near(spec.center, 0.0, spec.radius_km),
                phone: draw.landline(&area_code),
                home_care_support: draw.chance(if pair { 0.9 } else { 0.7 }),
            };
            let clinic_phone = clinic.phone.clone();
            let clinic = builder.dataset.clinics.insert(clinic).expect("fresh id");
            // A solo doctor is sometimes employed by a medical corporation (雇われ院長).
            let owner_employment = if !pair && draw.chance(0.08) { Employment::Employed } else { Employment::Owner };
            let mut members = vec![(owner, owner_employment)];
            if pair {
                members.push((draw_doctor(draw), Employment::Employed));
            }
            for (drawn, employment) in members {
                let load = drawn.load;
                let doctor = Doctor {
                    id: numbered("D", builder.dataset.doctors.len() + 1, width),
                    name: drawn.name,
                    clinic,
                    specialties: drawn.specialties,
                    capabilities: drawn.capabilities,
                    employment,
                    participation: drawn.participation,
                    phone: clinic_phone.clone(),
                    mobile: draw.chance(0.85).then(|| draw.mobile()),
                };
                let idx = builder.dataset.doctors.insert(doctor).expect("fresh id");
                builder.areas[position].doctors.push(idx);
                builder.patient_load.push(load);
                left -= 1;
            }
        }
    }
}

/// A doctor before they are placed at a clinic.
struct DrawnDoctor {
    surname: &'static str,
    name: String,
    specialties: Vec<String>,
    capabilities: Vec<Capability>,
    participation: f64,
    /// Relative number of home-care patients.
    load: f64,
}

fn draw_doctor(draw: &mut Draw) -> DrawnDoctor {
    let surname = names::surname(draw);
    let female = draw.chance(0.25);
    let main = draw.weighted(DOCTOR_SPECIALTIES);
    let mut specialties = vec![main.to_owned()];
    if main == "内科" && draw.chance(0.25) {
        specialties.push(draw.pick(&["在宅医療", "緩和ケア", "小児科"]).to_owned());
    }
    let has = |specialty: &str| specialties.iter().any(|s| s == specialty);
    let (child, palliative, end_of_life) = if has("小児科") {
        (0.7, 0.1, 0.3)
    } else if has("在宅医療") || has("緩和ケア") {
        (0.1, 0.8, 0.95)
    } else {
        (0.05, 0.2, 0.58)
    };
    let capabilities = [
        (Capability::MedicalCareChild, child),
        (Capability::Palliative, palliative),
        (Capability::EndOfLife, end_of_life),
    ]
    .into_iter()
    .filter(|(_, p)| draw.chance(*p))
    .map(|(capability, _)| capability)
    .collect();
    let participation = draw.weighted(&[(1.0, 8), (0.75, 1), (0.5, 1)]);
    let focus = if has("在宅医療") { 3.0 } else { 1.0 };
    let load = (0.5 + draw.unit()) * focus * participation;
    DrawnDoctor {
        surname,
        name: names::full_name(surname, names::given_name(draw, female, false)),
        specialties,
        capabilities,
        participation,
        load,
    }
}

/// Splits each area's doctors into its groups: clinics in angular order around the
/// area centre, so groups are neighbourhoods, and a clinic's doctors stay together.
/// About 5% of doctors also join the next group of their area.
pub(super) fn add_groups(builder: &mut Builder<'_>, draw: &mut Draw) {
    let first_month = builder.config.months.iter().min().copied();
    builder.groups_of_doctor = vec![Vec::new(); builder.dataset.doctors.len()];
    for (position, spec) in builder.config.areas.iter().enumerate() {
        let doctors = &builder.areas[position].doctors;
        // A clinic's doctors were added one after another.
        let mut clinics: Vec<(Idx<Clinic>, Vec<Idx<Doctor>>)> = Vec::new();
        for &doctor in doctors {
            let clinic = builder.dataset.doctors[doctor].clinic;
            match clinics.last_mut() {
                Some((last, staff)) if *last == clinic => staff.push(doctor),
                _ => clinics.push((clinic, vec![doctor])),
            }
        }
        let n_groups = spec.groups.min(clinics.len());
        if n_groups == 0 {
            continue;
        }
        let angle = |clinic: Idx<Clinic>| {
            let location = builder.dataset.clinics[clinic].location;
            (location.lat() - spec.center.lat()).atan2(location.lon() - spec.center.lon())
        };
        clinics.sort_by(|(a, _), (b, _)| angle(*a).total_cmp(&angle(*b)).then(a.cmp(b)));
        // Doctors of the area also in the next group (sorted, as area doctors are).
        let dual: Vec<Idx<Doctor>> = if n_groups > 1 {
            draw.share_of(doctors.len(), 0.05).into_iter().map(|position| doctors[position]).collect()
        } else {
            Vec::new()
        };
        let mut members: Vec<Vec<Idx<Doctor>>> = vec![Vec::new(); n_groups];
        let n_clinics = clinics.len();
        for (ordinal, (_, staff)) in clinics.into_iter().enumerate() {
            let group = ordinal * n_groups / n_clinics;
            for doctor in staff {
                members[group].push(doctor);
                if dual.binary_search(&doctor).is_ok() {
                    members[(group + 1) % n_groups].push(doctor);
                }
            }
        }
        for (number, mut members) in members.into_iter().enumerate() {
            members.sort_unstable();
            let rota = rota_settings(number, members.len());
            let group = Group {
                id: numbered(&format!("G-{}-", spec.id.to_uppercase()), number + 1, 1),
                name: format!("{}第{}グループ", spec.name, number + 1),
                area: Idx::new(position),
                policy: draw_policy(draw, number),
                calendar: draw_calendar(draw, first_month.map(|month| month.first_day())),
                slots: draw_slots(draw),
                members,
                rota,
            };
            let idx = builder.dataset.groups.insert(group).expect("fresh id");
            for &member in &builder.dataset.groups[idx].members {
                builder.groups_of_doctor[member.index()].push(idx);
            }
            builder.areas[position].groups.push(idx);
        }
    }
}

/// Rota rules without random draws (so the rest of the data does not depend on them):
/// the second group of an area caps duties generously for its size, and large groups
/// keep a free date between duties.
fn rota_settings(number: usize, n_members: usize) -> RotaSettings {
    let mut settings = RotaSettings::default();
    let n = n_members.max(1);
    if number % 2 == 1 {
        // About 47 slots a month with two roles each; about 22 on weekends and holidays.
        settings.rules.max_duties_per_month = Some(u32::try_from(94_usize.div_ceil(n) + 4).unwrap_or(u32::MAX));
        settings.rules.max_holiday_duties_per_month = Some(u32::try_from(44_usize.div_ceil(n) + 3).unwrap_or(u32::MAX));
    }
    if n >= 12 {
        settings.rules.min_days_between = 2;
    }
    settings
}

/// Every other group runs a rotation (輪番制), so at least half do; the rest mix.
fn draw_policy(draw: &mut Draw, number: usize) -> CoveragePolicy {
    use CoverageMode::*;
    let modes: &[CoverageMode] = if number.is_multiple_of(2) {
        if draw.chance(0.35) { &[Rotation, AbsenceCover] } else { &[Rotation] }
    } else {
        draw.weighted(&[(&[Rotation][..], 2), (&[AbsenceCover][..], 4), (&[Rotation, AbsenceCover][..], 2)])
    };
    CoveragePolicy::new(modes).expect("at least one mode")
}

fn draw_calendar(draw: &mut Draw, first_day: Option<chrono::NaiveDate>) -> GroupCalendar {
    let mut calendar =
        GroupCalendar { year_end: draw.chance(0.95), obon: draw.chance(0.3), ..GroupCalendar::default() };
    if draw.chance(0.35) {
        calendar.half_day_closures.push(HalfDayClosure::new(Weekday::Thu).expect("weekday"));
    } else if draw.chance(0.1) {
        calendar.half_day_closures.push(HalfDayClosure::new(Weekday::Wed).expect("weekday"));
    }
    // A few groups close for a 医師会 event on a weekday of the first month.
    if let Some(first_day) = first_day.filter(|_| draw.chance(0.1)) {
        let date = first_day + chrono::Duration::days(i64::from(draw.between(7, 20)));
        let date = match date.weekday() {
            Weekday::Sat => date + chrono::Duration::days(2),
            Weekday::Sun => date + chrono::Duration::days(1),
            _ => date,
        };
        calendar.closed_dates.push(date);
    }
    calendar
}

fn draw_slots(draw: &mut Draw) -> SlotTemplates {
    let mut slots = SlotTemplates::default();
    if draw.chance(0.15) {
        slots.weekday_night = Some("19:00-08:00".parse::<SlotTime>().expect("valid slot time"));
    }
    if draw.chance(0.1) {
        slots.saturday_afternoon = None;
    }
    slots
}

/// A group that cares for 医療的ケア児 needs a capable doctor on duty at every slot, so
/// at least a third of its members (and four, or all if fewer) are capable: those with
/// the most child patients first, then in id order. No draws, so the rest of the data
/// stays as it was.
pub(super) fn ensure_child_capable_members(builder: &mut Builder<'_>) {
    let dataset = &mut builder.dataset;
    let reference = builder.reference_date;
    for group in dataset.groups.indices() {
        let children: Vec<Idx<Doctor>> = dataset
            .patients
            .iter()
            .filter(|p| p.group == group && p.is_medical_care_child(reference))
            .map(|p| p.primary_doctor)
            .collect();
        if children.is_empty() {
            continue;
        }
        let members = dataset.groups[group].members.clone();
        let needed = members.len().min((members.len().div_ceil(3)).max(4));
        let mut ranked = members.clone();
        ranked.sort_by_key(|d| (std::cmp::Reverse(children.iter().filter(|c| *c == d).count()), *d));
        let mut capable = members.iter().filter(|&&d| dataset.doctors[d].can(Capability::MedicalCareChild)).count();
        for doctor in ranked {
            if capable >= needed {
                break;
            }
            let doctor = dataset.doctors.get_mut(doctor);
            if !doctor.can(Capability::MedicalCareChild) {
                doctor.capabilities.insert(0, Capability::MedicalCareChild);
                capable += 1;
            }
        }
    }
}
