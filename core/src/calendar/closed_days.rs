//! What kind of day a date is for a group: working day, Saturday, or closed
//! (Sunday, public holiday, or a day the group itself treats as a holiday).

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::holidays::{Holiday, holiday_on};

/// A group's own closed days on top of the public holidays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GroupCalendar {
    /// 年末年始: treat 12/29–1/3 as holidays (on by default, as medical associations do).
    pub year_end: bool,
    /// お盆: treat 8/13–8/16 as holidays (off by default).
    pub obon: bool,
    /// Weekdays (Mon–Fri) whose afternoons the clinics close (e.g. 木曜午後); each such
    /// working day gets a 休診午後 duty slot.
    pub half_day_closures: Vec<HalfDayClosure>,
    /// Further dates the group treats as holidays.
    pub closed_dates: Vec<NaiveDate>,
}

impl Default for GroupCalendar {
    fn default() -> Self {
        Self { year_end: true, obon: false, half_day_closures: Vec::new(), closed_dates: Vec::new() }
    }
}

/// A weekday (Mon–Fri) whose afternoon the clinics close.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct HalfDayClosure(Weekday);

impl HalfDayClosure {
    /// The weekday, if it is Monday to Friday (Saturday afternoons have their own slot).
    pub fn new(weekday: Weekday) -> Option<Self> {
        (weekday.num_days_from_monday() < 5).then_some(Self(weekday))
    }

    /// The weekday.
    pub fn weekday(self) -> Weekday {
        self.0
    }
}

impl TryFrom<String> for HalfDayClosure {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let weekday = match text.trim() {
            "月" | "月曜" | "月曜午後" | "mon" | "Mon" => Weekday::Mon,
            "火" | "火曜" | "火曜午後" | "tue" | "Tue" => Weekday::Tue,
            "水" | "水曜" | "水曜午後" | "wed" | "Wed" => Weekday::Wed,
            "木" | "木曜" | "木曜午後" | "thu" | "Thu" => Weekday::Thu,
            "金" | "金曜" | "金曜午後" | "fri" | "Fri" => Weekday::Fri,
            _ => {
                return Err(format!(
                    "'{text}' is not a weekday Mon–Fri: use 月/火/水/木/金 or mon..fri (休診午後は月〜金で指定)"
                ));
            }
        };
        Ok(Self(weekday))
    }
}

impl From<HalfDayClosure> for String {
    fn from(closure: HalfDayClosure) -> Self {
        weekday_ja(closure.0).to_owned()
    }
}

/// Why a group treats a day as closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosedReason {
    /// 年末年始 (12/29–1/3).
    YearEnd,
    /// お盆 (8/13–8/16).
    Obon,
    /// A date the group listed.
    GroupDate,
}

impl ClosedReason {
    /// Japanese label.
    pub fn label(self) -> &'static str {
        match self {
            Self::YearEnd => "年末年始",
            Self::Obon => "お盆",
            Self::GroupDate => "休診日",
        }
    }
}

/// What kind of day a date is for a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum DayType {
    /// Monday to Friday, not a holiday.
    Weekday,
    /// Saturday, not a holiday.
    Saturday,
    /// Sunday that is not a public holiday.
    Sunday,
    /// A public holiday (国民の祝日・休日).
    Holiday {
        /// The holiday.
        holiday: Holiday,
    },
    /// A day the group treats as a holiday.
    Closed {
        /// Why.
        reason: ClosedReason,
    },
}

impl DayType {
    /// Whether the clinics are closed all day (Sunday, holiday, group closure).
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Sunday | Self::Holiday { .. } | Self::Closed { .. })
    }

    /// Short Japanese label for calendars: the holiday's name, 日曜, 土曜 or 平日.
    pub fn label(self) -> &'static str {
        match self {
            Self::Weekday => "平日",
            Self::Saturday => "土曜",
            Self::Sunday => "日曜",
            Self::Holiday { holiday } => holiday.name,
            Self::Closed { reason } => reason.label(),
        }
    }
}

impl GroupCalendar {
    /// The kind of day `date` is for this group. A public holiday is named as such even
    /// inside 年末年始 (1/1 is 元日).
    pub fn day_type(&self, date: NaiveDate) -> DayType {
        if let Some(holiday) = holiday_on(date) {
            return DayType::Holiday { holiday };
        }
        if date.weekday() == Weekday::Sun {
            return DayType::Sunday;
        }
        if let Some(reason) = self.closed_reason(date) {
            return DayType::Closed { reason };
        }
        if date.weekday() == Weekday::Sat { DayType::Saturday } else { DayType::Weekday }
    }

    /// Whether the clinics close on the afternoon of working day `date`.
    pub fn closes_afternoon(&self, date: NaiveDate) -> bool {
        self.half_day_closures.iter().any(|closure| closure.weekday() == date.weekday())
    }

    fn closed_reason(&self, date: NaiveDate) -> Option<ClosedReason> {
        if self.year_end && is_year_end(date) {
            Some(ClosedReason::YearEnd)
        } else if self.obon && date.month() == 8 && (13..=16).contains(&date.day()) {
            Some(ClosedReason::Obon)
        } else if self.closed_dates.contains(&date) {
            Some(ClosedReason::GroupDate)
        } else {
            None
        }
    }
}

/// Whether `date` falls in 年末年始, 12/29–1/3.
pub(crate) fn is_year_end(date: NaiveDate) -> bool {
    (date.month() == 12 && date.day() >= 29) || (date.month() == 1 && date.day() <= 3)
}

/// Japanese one-character weekday, 月..日.
pub fn weekday_ja(weekday: Weekday) -> &'static str {
    ["月", "火", "水", "木", "金", "土", "日"][weekday.num_days_from_monday() as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn public_holidays_come_before_group_closures() {
        let calendar = GroupCalendar::default();
        assert!(matches!(calendar.day_type(date(2027, 1, 1)), DayType::Holiday { .. }));
        assert_eq!(calendar.day_type(date(2026, 12, 29)), DayType::Closed { reason: ClosedReason::YearEnd });
        assert_eq!(calendar.day_type(date(2027, 1, 3)), DayType::Sunday);
        assert_eq!(calendar.day_type(date(2027, 1, 4)), DayType::Weekday);
        assert_eq!(calendar.day_type(date(2026, 12, 26)), DayType::Saturday);
    }

    #[test]
    fn year_end_and_obon_follow_the_group_settings() {
        let plain = GroupCalendar { year_end: false, ..GroupCalendar::default() };
        assert_eq!(plain.day_type(date(2026, 12, 29)), DayType::Weekday);
        let with_obon = GroupCalendar { obon: true, ..GroupCalendar::default() };
        assert_eq!(with_obon.day_type(date(2026, 8, 14)), DayType::Closed { reason: ClosedReason::Obon });
        assert_eq!(GroupCalendar::default().day_type(date(2026, 8, 14)), DayType::Weekday);
    }

    #[test]
    fn half_day_closures_accept_japanese_and_english_weekdays() {
        assert_eq!(HalfDayClosure::try_from("木".to_owned()).unwrap().weekday(), Weekday::Thu);
        assert_eq!(HalfDayClosure::try_from("thu".to_owned()).unwrap().weekday(), Weekday::Thu);
        assert!(HalfDayClosure::try_from("土".to_owned()).is_err());
        assert!(HalfDayClosure::new(Weekday::Sat).is_none());
    }
}
