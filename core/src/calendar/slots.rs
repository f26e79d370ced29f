//! Duty-slot templates (平日夜間, 土曜午後, 休診午後, 休日日中, 休日夜間) and their expansion
//! into concrete JST intervals over a date range.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use super::closed_days::{DayType, GroupCalendar, is_year_end};
use super::month::DateRange;
use super::time::{Instant, jst_instant};

crate::labels::labelled_enum! {
    /// The kinds of duty slot a group covers outside clinic hours, in the order they
    /// fall within a day.
    pub enum SlotKind ("当番枠の種類") {
        /// 休日日中: daytime of a Sunday, holiday or group closed day.
        HolidayDay = "holiday_day", "休日日中";
        /// 土曜午後: Saturday afternoon.
        SaturdayAfternoon = "saturday_afternoon", "土曜午後";
        /// 休診午後: the afternoon of a weekday the clinics close (e.g. 木曜午後).
        HalfDayAfternoon = "half_day_afternoon", "休診午後";
        /// 平日夜間: the night after a working day or Saturday (crosses midnight).
        WeekdayNight = "weekday_night", "平日夜間";
        /// 休日夜間: the night after a closed day (crosses midnight).
        HolidayNight = "holiday_night", "休日夜間";
    }
}

impl SlotKind {
    /// Whether the slot is a night duty.
    pub fn is_night(self) -> bool {
        matches!(self, Self::WeekdayNight | Self::HolidayNight)
    }
}

/// Local start and end of a slot; an end at or before the start is on the next day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SlotTime {
    start: NaiveTime,
    end: NaiveTime,
}

/// A slot time that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{input}' is not a slot time: use HH:MM-HH:MM, e.g. 18:00-08:30 (当番時間の形式が不正です)")]
pub struct SlotTimeError {
    /// What was given.
    pub input: String,
}

impl SlotTime {
    /// A slot from `start` to `end` (next day if `end <= start`); `None` if they are equal.
    pub fn new(start: NaiveTime, end: NaiveTime) -> Option<Self> {
        (start != end).then_some(Self { start, end })
    }

    /// Local start time.
    pub fn start(self) -> NaiveTime {
        self.start
    }

    /// Local end time.
    pub fn end(self) -> NaiveTime {
        self.end
    }

    /// Whether the slot ends on the next day.
    pub fn crosses_midnight(self) -> bool {
        self.end <= self.start
    }

    fn hm(hour: u32, minute: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(hour, minute, 0).expect("valid time")
    }
}

impl FromStr for SlotTime {
    type Err = SlotTimeError;

    fn from_str(input: &str) -> Result<Self, SlotTimeError> {
        let error = || SlotTimeError { input: input.to_owned() };
        let (start, end) = input.split_once(['-', '〜', '~']).ok_or_else(error)?;
        let time = |text: &str| NaiveTime::parse_from_str(text.trim(), "%H:%M").map_err(|_| error());
        Self::new(time(start)?, time(end)?).ok_or_else(error)
    }
}

impl TryFrom<String> for SlotTime {
    type Error = SlotTimeError;

    fn try_from(text: String) -> Result<Self, SlotTimeError> {
        text.parse()
    }
}

impl From<SlotTime> for String {
    fn from(time: SlotTime) -> Self {
        time.to_string()
    }
}

impl fmt::Display for SlotTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start.format("%H:%M"), self.end.format("%H:%M"))
    }
}

/// A group's duty-slot templates: which slot kinds it covers and when. `None` means the
/// group does not staff that kind of slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlotTemplates {
    /// 平日夜間, default 18:00–翌08:30.
    pub weekday_night: Option<SlotTime>,
    /// 土曜午後, default 12:00–18:00.
    pub saturday_afternoon: Option<SlotTime>,
    /// 休診午後 on the group's half-day closures, default 12:00–18:00.
    pub half_day_afternoon: Option<SlotTime>,
    /// 休日日中, default 08:30–18:00.
    pub holiday_day: Option<SlotTime>,
    /// 休日夜間, default 18:00–翌08:30.
    pub holiday_night: Option<SlotTime>,
}

impl Default for SlotTemplates {
    fn default() -> Self {
        let night = SlotTime { start: SlotTime::hm(18, 0), end: SlotTime::hm(8, 30) };
        let afternoon = SlotTime { start: SlotTime::hm(12, 0), end: SlotTime::hm(18, 0) };
        Self {
            weekday_night: Some(night),
            saturday_afternoon: Some(afternoon),
            half_day_afternoon: Some(afternoon),
            holiday_day: Some(SlotTime { start: SlotTime::hm(8, 30), end: SlotTime::hm(18, 0) }),
            holiday_night: Some(night),
        }
    }
}

impl SlotTemplates {
    /// The template of one kind, if the group staffs it.
    pub fn get(&self, kind: SlotKind) -> Option<SlotTime> {
        match kind {
            SlotKind::WeekdayNight => self.weekday_night,
            SlotKind::SaturdayAfternoon => self.saturday_afternoon,
            SlotKind::HalfDayAfternoon => self.half_day_afternoon,
            SlotKind::HolidayDay => self.holiday_day,
            SlotKind::HolidayNight => self.holiday_night,
        }
    }
}

/// One concrete duty slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct DutySlot {
    /// The local date the slot starts on (a night belongs to the evening's date).
    pub date: NaiveDate,
    /// Its kind.
    pub kind: SlotKind,
    /// The kind of day `date` is for the group.
    pub day_type: DayType,
    /// Start instant.
    pub start: Instant,
    /// End instant (after `start`).
    pub end: Instant,
    /// Whether the slot falls in 年末年始 (12/29–1/3, by its date), which fairness
    /// weighs double.
    pub year_end: bool,
}

impl DutySlot {
    /// Whether `instant` lies in the slot (start inclusive, end exclusive).
    pub fn contains(&self, instant: Instant) -> bool {
        self.start <= instant && instant < self.end
    }

    /// Whether two slots overlap in time.
    pub fn overlaps(&self, other: &DutySlot) -> bool {
        self.start < other.end && other.start < self.end
    }
}

/// Expands a group's templates over `days` into concrete slots, in time order.
///
/// On a closed day (Sunday, public holiday, group closure): 休日日中 and 休日夜間. On a
/// Saturday: 土曜午後 and 平日夜間. On a working weekday: 休診午後 if the clinics close
/// that afternoon, and 平日夜間. A night belongs to the date it starts on, so the night
/// of the last day of a month ends on the first day of the next.
pub fn expand_slots(days: DateRange, calendar: &GroupCalendar, templates: &SlotTemplates) -> Vec<DutySlot> {
    let mut slots = Vec::with_capacity(days.len() * 2);
    for date in days.iter() {
        let day_type = calendar.day_type(date);
        let kinds: &[SlotKind] = match day_type {
            _ if day_type.is_closed() => &[SlotKind::HolidayDay, SlotKind::HolidayNight],
            DayType::Saturday => &[SlotKind::SaturdayAfternoon, SlotKind::WeekdayNight],
            _ if calendar.closes_afternoon(date) => &[SlotKind::HalfDayAfternoon, SlotKind::WeekdayNight],
            _ => &[SlotKind::WeekdayNight],
        };
        for &kind in kinds {
            if let Some(time) = templates.get(kind) {
                slots.push(concrete_slot(date, kind, day_type, time));
            }
        }
    }
    slots.sort_by_key(|slot| (slot.start, slot.kind));
    slots
}

fn concrete_slot(date: NaiveDate, kind: SlotKind, day_type: DayType, time: SlotTime) -> DutySlot {
    let end_date = if time.crosses_midnight() { date.succ_opt().expect("in range") } else { date };
    DutySlot {
        date,
        kind,
        day_type,
        start: jst_instant(date, time.start),
        end: jst_instant(end_date, time.end),
        year_end: is_year_end(date),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Month, to_jst};

    fn month(text: &str) -> DateRange {
        text.parse::<Month>().unwrap().days()
    }

    fn local(instant: Instant) -> String {
        to_jst(instant).format("%Y-%m-%d %H:%M").to_string()
    }

    #[test]
    fn december_2026_has_the_expected_slots() {
        let slots = expand_slots(month("2026-12"), &GroupCalendar::default(), &SlotTemplates::default());
        let count = |kind| slots.iter().filter(|s| s.kind == kind).count();
        // 31 days: Sundays 6, 13, 20, 27 and 年末年始 29–31 are closed (7 days);
        // Saturdays 5, 12, 19, 26 (4); the other 20 are working weekdays.
        assert_eq!(count(SlotKind::HolidayDay), 7);
        assert_eq!(count(SlotKind::HolidayNight), 7);
        assert_eq!(count(SlotKind::SaturdayAfternoon), 4);
        assert_eq!(count(SlotKind::WeekdayNight), 24);
        assert_eq!(count(SlotKind::HalfDayAfternoon), 0);
        assert!(slots.windows(2).all(|pair| pair[0].start <= pair[1].start));
    }

    #[test]
    fn nights_cross_midnight_month_and_year_ends() {
        let slots = expand_slots(month("2026-12"), &GroupCalendar::default(), &SlotTemplates::default());
        let last = slots.last().unwrap();
        assert_eq!(last.kind, SlotKind::HolidayNight);
        assert_eq!(local(last.start), "2026-12-31 18:00");
        assert_eq!(local(last.end), "2027-01-01 08:30");
        assert!(last.year_end);

        let november = expand_slots(month("2026-11"), &GroupCalendar::default(), &SlotTemplates::default());
        let last = november.last().unwrap();
        // 2026-11-30 is a Monday: a weekday night into December.
        assert_eq!(
            (last.kind, local(last.start), local(last.end)),
            (SlotKind::WeekdayNight, "2026-11-30 18:00".into(), "2026-12-01 08:30".into())
        );
        assert_eq!(last.end - last.start, chrono::Duration::minutes(14 * 60 + 30));
    }

    #[test]
    fn holidays_and_citizens_holiday_get_holiday_slots() {
        let slots = expand_slots(month("2026-09"), &GroupCalendar::default(), &SlotTemplates::default());
        let on = |d: u32| -> Vec<SlotKind> {
            slots.iter().filter(|s| s.date.format("%d").to_string() == format!("{d:02}")).map(|s| s.kind).collect()
        };
        for day in [21, 22, 23] {
            assert_eq!(on(day), [SlotKind::HolidayDay, SlotKind::HolidayNight], "2026-09-{day}");
        }
        assert_eq!(on(24), [SlotKind::WeekdayNight]);
    }

    #[test]
    fn half_day_closures_and_disabled_templates() {
        let calendar =
            GroupCalendar { half_day_closures: vec!["木".to_owned().try_into().unwrap()], ..GroupCalendar::default() };
        let templates = SlotTemplates { saturday_afternoon: None, ..SlotTemplates::default() };
        let slots = expand_slots(month("2026-12"), &calendar, &templates);
        let thursday = slots.iter().find(|s| s.kind == SlotKind::HalfDayAfternoon).unwrap();
        assert_eq!(local(thursday.start), "2026-12-03 12:00");
        assert!(slots.iter().all(|s| s.kind != SlotKind::SaturdayAfternoon));
    }

    #[test]
    fn slot_times_parse_and_print() {
        let night: SlotTime = "18:00-08:30".parse().unwrap();
        assert!(night.crosses_midnight());
        assert_eq!(night.to_string(), "18:00-08:30");
        assert_eq!("17:30〜09:00".parse::<SlotTime>().unwrap().to_string(), "17:30-09:00");
        for bad in ["18:00", "18:00-18:00", "25:00-08:00", "evening"] {
            assert!(bad.parse::<SlotTime>().is_err(), "{bad}");
        }
        assert_eq!("平日夜間".parse::<SlotKind>().unwrap(), SlotKind::WeekdayNight);
        assert_eq!("holiday_night".parse::<SlotKind>().unwrap(), SlotKind::HolidayNight);
    }
}
