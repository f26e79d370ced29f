//! Doctors' absences (不在) and rota requests for the generated months.

use chrono::{Duration, NaiveDate, NaiveTime};

use super::Builder;
use super::config::digits;
use super::draw::{Draw, numbered};
use crate::calendar::{Instant, Month, SlotKind, jst_instant};
use crate::domain::{Absence, Doctor, Group, Idx, Request, RequestKind, Table};

/// Tries to place one drawn absence before giving up on it.
const PLACEMENT_ATTEMPTS: usize = 3;

/// Adds absences: per month about 30% of doctors are away once (学会 2–3 days, 休暇 up
/// to a week, 研修 a day), and about 10% take 年末年始 leave. Absences of one doctor
/// never overlap, and no group ever has fewer than half its members present, so rotas
/// stay feasible.
pub(super) fn add_absences(builder: &mut Builder<'_>, draw: &mut Draw) {
    let months = sorted_months(builder);
    let n_doctors = builder.dataset.doctors.len();
    let width = digits(n_doctors * (months.len() + 1)).max(5);
    let mut placed = Placed { by_doctor: vec![Vec::new(); n_doctors] };
    let mut year_ends: Vec<i32> = Vec::new();
    for month in &months {
        // 年末年始 spans December and January: once per year end touching the months.
        let year_end = if month.month() == 12 { month.year() } else { month.year() - 1 };
        if matches!(month.month(), 1 | 12) && !year_ends.contains(&year_end) {
            year_ends.push(year_end);
            for doctor in draw.share_of(n_doctors, 0.1) {
                let start = at(ymd(year_end, 12, draw.between(28, 30)), 18, 0);
                let end = at(ymd(year_end + 1, 1, draw.between(2, 4)), 8, 30);
                place(builder, &mut placed, Idx::new(doctor), (start, end, "年末年始休暇"), width);
            }
        }
        for doctor in draw.share_of(n_doctors, 0.3) {
            let doctor = Idx::new(doctor);
            for _ in 0..PLACEMENT_ATTEMPTS {
                let candidate = draw_absence(draw, *month);
                if place(builder, &mut placed, doctor, candidate, width) {
                    break;
                }
            }
        }
    }
}

/// A drawn absence starting in `month`: (start, end, reason).
fn draw_absence(draw: &mut Draw, month: Month) -> (Instant, Instant, &'static str) {
    let day = month.first_day() + Duration::days(draw.below(month.days().len()) as i64);
    match draw.weighted(&[("学会", 4), ("休暇", 3), ("研修", 3)]) {
        "学会" => {
            let days = i64::from(draw.between(2, 3));
            let start_hour = draw.pick(&[8, 13]);
            (at(day, start_hour, 0), at(day + Duration::days(days - 1), 18, 0), "学会")
        }
        "休暇" => {
            let days = i64::from(draw.between(2, 7));
            (at(day, 8, 30), at(day + Duration::days(days), 8, 30), "休暇")
        }
        _ => (at(day, 9, 0), at(day, 18, 0), "研修"),
    }
}

/// Accepted absences per doctor, as `[start, end)`.
struct Placed {
    by_doctor: Vec<Vec<(Instant, Instant)>>,
}

/// Adds the absence if it fits; returns whether it did.
fn place(
    builder: &mut Builder<'_>,
    placed: &mut Placed,
    doctor: Idx<Doctor>,
    (start, end, reason): (Instant, Instant, &str),
    width: usize,
) -> bool {
    let groups = &builder.groups_of_doctor[doctor.index()];
    if !fits(placed, &builder.dataset.groups, groups, doctor, start, end) {
        return false;
    }
    placed.by_doctor[doctor.index()].push((start, end));
    let absence = Absence {
        id: numbered("AB", builder.dataset.absences.len() + 1, width),
        doctor,
        start,
        end,
        reason: reason.to_owned(),
    };
    builder.dataset.absences.insert(absence).expect("fresh id");
    true
}

/// Whether `doctor` can be away over `[start, end)`: no overlap with their own absences,
/// and in each of their groups at most half the members away at any instant.
fn fits(
    placed: &Placed,
    all_groups: &Table<Group>,
    groups: &[Idx<Group>],
    doctor: Idx<Doctor>,
    start: Instant,
    end: Instant,
) -> bool {
    let overlaps = |&(s, e): &(Instant, Instant)| s < end && start < e;
    if placed.by_doctor[doctor.index()].iter().any(overlaps) {
        return false;
    }
    let mut events: Vec<(Instant, i32)> = Vec::new();
    for &group in groups {
        let members = &all_groups[group].members;
        let most_absent = members.len() / 2;
        events.clear();
        for &member in members.iter().filter(|&&member| member != doctor) {
            for &(s, e) in placed.by_doctor[member.index()].iter().filter(|interval| overlaps(interval)) {
                events.push((s.max(start), 1));
                events.push((e.min(end), -1));
            }
        }
        // Intervals are half-open: at equal times an end comes before a start.
        events.sort_unstable();
        let mut absent = 0;
        let mut peak = 0;
        for &(_, change) in &events {
            absent += change;
            peak = peak.max(absent);
        }
        if peak as usize + 1 > most_absent {
            return false;
        }
    }
    true
}

/// Adds rota requests: per month about 40% of doctors make 1–3 (mostly 回避, some 希望),
/// on dates of the month, for the whole day or one slot kind, weight 1–5.
pub(super) fn add_requests(builder: &mut Builder<'_>, draw: &mut Draw) {
    let months = sorted_months(builder);
    let n_doctors = builder.dataset.doctors.len();
    let width = digits(n_doctors * 3 * months.len()).max(5);
    for month in months {
        for doctor in draw.share_of(n_doctors, 0.4) {
            let doctor = Idx::new(doctor);
            let mut dates: Vec<NaiveDate> = Vec::with_capacity(3);
            for _ in 0..draw.between(1, 3) {
                let date = month.first_day() + Duration::days(draw.below(month.days().len()) as i64);
                if dates.contains(&date) {
                    continue; // one request per doctor and date keeps them consistent
                }
                dates.push(date);
                let request = Request {
                    id: numbered("RQ", builder.dataset.requests.len() + 1, width),
                    doctor,
                    kind: if draw.chance(0.75) { RequestKind::Avoid } else { RequestKind::Want },
                    date,
                    slot: draw.chance(0.4).then(|| draw.pick(SlotKind::ALL)),
                    weight: draw.between(1, 5) as u8,
                };
                builder.dataset.requests.insert(request).expect("fresh id");
            }
        }
    }
}

fn sorted_months(builder: &Builder<'_>) -> Vec<Month> {
    let mut months = builder.config.months.clone();
    months.sort_unstable();
    months.dedup();
    months
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("valid date")
}

fn at(date: NaiveDate, hour: u32, minute: u32) -> Instant {
    jst_instant(date, NaiveTime::from_hms_opt(hour, minute, 0).expect("valid time"))
}
