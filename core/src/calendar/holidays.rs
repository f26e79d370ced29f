//! 国民の祝日・休日: Japan's public holidays under the 国民の祝日に関する法律 (祝日法,
//! 1948) and its amendments, computed from the law for 1955–2099.
//!
//! The law has three kinds of day off:
//! - named holidays (国民の祝日): fixed dates, Happy-Monday dates (from 2000/2003),
//!   the equinox days, and one-off days set by special laws (royal ceremonies, the
//!   2020/2021 Olympic moves);
//! - 振替休日 (substitute holiday): from 1973-04-12, a named holiday on a Sunday makes the
//!   next day a holiday; from 2007, the next day that is not itself a named holiday;
//! - 国民の休日 (citizens' holiday): from 1985-12-27, a day between two named holidays
//!   (before 2007: unless it is a Sunday or a substitute holiday).
//!
//! Every day of the supported range is checked against an independent golden file
//! (`fixtures/calendar/`, from the PyPI package `holidays`) by `tests/holidays_golden.rs`.

use chrono::{Datelike, NaiveDate, Weekday};

/// First year the holiday computation supports.
pub const FIRST_YEAR: i32 = 1955;
/// Last year the holiday computation supports (the equinox formula ends here).
pub const LAST_YEAR: i32 = 2099;

/// Name of a 振替休日.
pub const SUBSTITUTE_HOLIDAY: &str = "振替休日";
/// Name of a 国民の休日.
pub const CITIZENS_HOLIDAY: &str = "国民の休日";

/// Which rule of the law makes a day a holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HolidayKind {
    /// 国民の祝日: a named holiday.
    Named,
    /// 振替休日: the substitute for a named holiday that fell on a Sunday.
    Substitute,
    /// 国民の休日: a day between two named holidays.
    Citizens,
}

/// One public holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Holiday {
    /// The day.
    pub date: NaiveDate,
    /// Its Japanese name, e.g. `元日`, `振替休日`.
    pub name: &'static str,
    /// The rule that makes it a holiday.
    pub kind: HolidayKind,
}

/// The year is outside [`FIRST_YEAR`]..=[`LAST_YEAR`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "year {year} is outside the supported range {FIRST_YEAR}..={LAST_YEAR} (祝日は{FIRST_YEAR}〜{LAST_YEAR}年に対応)"
)]
pub struct YearOutOfRange {
    /// The year asked for.
    pub year: i32,
}

/// All public holidays of `year`, in date order.
pub fn holidays_in_year(year: i32) -> Result<Vec<Holiday>, YearOutOfRange> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Err(YearOutOfRange { year });
    }
    let all = table();
    let from = all.partition_point(|h| h.date.year() < year);
    let to = all.partition_point(|h| h.date.year() <= year);
    Ok(all[from..to].to_vec())
}

/// The holiday on `date`, if it is one. Dates outside the supported years are never holidays.
pub fn holiday_on(date: NaiveDate) -> Option<Holiday> {
    let all = table();
    all.binary_search_by_key(&date, |h| h.date).ok().map(|i| all[i])
}

/// Every holiday of the supported years, in date order, computed once (about 2,500
/// days): a day's type is asked for every day of every rota and many lookups.
fn table() -> &'static [Holiday] {
    static TABLE: std::sync::OnceLock<Vec<Holiday>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| (FIRST_YEAR..=LAST_YEAR).flat_map(compute_year).collect())
}

/// The holidays of one supported year, from the law, in date order.
fn compute_year(year: i32) -> Vec<Holiday> {
    let mut named = named_holidays(year);
    named.sort_by_key(|&(date, _)| date);
    let is_named = |date: NaiveDate| named.iter().any(|&(d, _)| d == date);

    let mut holidays: Vec<Holiday> =
        named.iter().map(|&(date, name)| Holiday { date, name, kind: HolidayKind::Named }).collect();

    // 振替休日 (Art. 3-2). The 1973 amendment took effect on 1973-04-12.
    let substitutes_from = ymd(1973, 4, 12);
    let successive_rule_from = ymd(2007, 1, 1);
    for &(date, _) in &named {
        if date < substitutes_from || date.weekday() != Weekday::Sun {
            continue;
        }
        let mut substitute = date.succ_opt().expect("in range");
        if date >= successive_rule_from {
            while is_named(substitute) {
                substitute = substitute.succ_opt().expect("in range");
            }
        }
        if substitute.year() == year {
            holidays.push(Holiday { date: substitute, name: SUBSTITUTE_HOLIDAY, kind: HolidayKind::Substitute });
        }
    }

    // 国民の休日 (Art. 3-3), in force from 1985-12-27.
    let citizens_from = ymd(1985, 12, 27);
    for window in named.windows(2) {
        let (before, after) = (window[0].0, window[1].0);
        let Some(between) = before.succ_opt() else { continue };
        if between.succ_opt() != Some(after) || between < citizens_from {
            continue;
        }
        // Before 2007 the day was excluded when it was a Sunday or already a 振替休日.
        let excluded_before_2007 = between < successive_rule_from
            && (between.weekday() == Weekday::Sun || holidays.iter().any(|h| h.date == between));
        if !excluded_before_2007 {
            holidays.push(Holiday { date: between, name: CITIZENS_HOLIDAY, kind: HolidayKind::Citizens });
        }
    }

    holidays.sort_by_key(|h| h.date);
    holidays
}

/// The named holidays (国民の祝日) of one year, unsorted.
fn named_holidays(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let mut days = Vec::with_capacity(20);
    let mut add = |month: u32, day: u32, name: &'static str| days.push((ymd(year, month, day), name));

    add(1, 1, "元日");
    if year <= 1999 {
        add(1, 15, "成人の日");
    } else {
        days_push_nth_monday(&mut add, year, 1, 2, "成人の日");
    }
    if year >= 1967 {
        add(2, 11, "建国記念の日");
    }
    if year >= 2020 {
        add(2, 23, "天皇誕生日");
    }
    add(3, vernal_equinox_day(year), "春分の日");
    match year {
        ..=1988 => add(4, 29, "天皇誕生日"),
        1989..=2006 => add(4, 29, "みどりの日"),
        _ => add(4, 29, "昭和の日"),
    }
    add(5, 3, "憲法記念日");
    if year >= 2007 {
        add(5, 4, "みどりの日");
    }
    add(5, 5, "こどもの日");
    match year {
        ..=1995 => {}
        1996..=2002 => add(7, 20, "海の日"),
        2020 => add(7, 23, "海の日"),
        2021 => add(7, 22, "海の日"),
        _ => days_push_nth_monday(&mut add, year, 7, 3, "海の日"),
    }
    match year {
        ..=2015 => {}
        2020 => add(8, 10, "山の日"),
        2021 => add(8, 8, "山の日"),
        _ => add(8, 11, "山の日"),
    }
    match year {
        ..=1965 => {}
        1966..=2002 => add(9, 15, "敬老の日"),
        _ => days_push_nth_monday(&mut add, year, 9, 3, "敬老の日"),
    }
    add(9, autumnal_equinox_day(year), "秋分の日");
    match year {
        ..=1965 => {}
        1966..=1999 => add(10, 10, "体育の日"),
        2000..=2019 => days_push_nth_monday(&mut add, year, 10, 2, "体育の日"),
        2020 => add(7, 24, "スポーツの日"),
        2021 => add(7, 23, "スポーツの日"),
        _ => days_push_nth_monday(&mut add, year, 10, 2, "スポーツの日"),
    }
    add(11, 3, "文化の日");
    add(11, 23, "勤労感謝の日");
    if (1989..=2018).contains(&year) {
        add(12, 23, "天皇誕生日");
    }
    // One-off days set by special laws.
    match year {
        1959 => add(4, 10, "結婚の儀"),
        1989 => add(2, 24, "大喪の礼"),
        1990 => add(11, 12, "即位礼正殿の儀"),
        1993 => add(6, 9, "結婚の儀"),
        2019 => {
            add(5, 1, "天皇の即位の日");
            add(10, 22, "即位礼正殿の儀が行われる日");
        }
        _ => {}
    }
    days
}

fn days_push_nth_monday(
    add: &mut impl FnMut(u32, u32, &'static str),
    year: i32,
    month: u32,
    nth: u8,
    name: &'static str,
) {
    let date = NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, nth).expect("valid");
    add(month, date.day(), name);
}

/// Day of March of 春分の日, by the standard approximation of the equinox
/// (the formula the National Astronomical Observatory's announcements agree with
/// for 1900–2099).
fn vernal_equinox_day(year: i32) -> u32 {
    equinox_day(year, 20.8357, 20.8431)
}

/// Day of September of 秋分の日.
fn autumnal_equinox_day(year: i32) -> u32 {
    equinox_day(year, 23.2588, 23.2488)
}

fn equinox_day(year: i32, base_before_1980: f64, base_from_1980: f64) -> u32 {
    let base = if year < 1980 { base_before_1980 } else { base_from_1980 };
    let years_since_1980 = f64::from(year - 1980);
    let leap_correction = (f64::from(year - 1980) / 4.0).floor();
    (base + 0.242194 * years_since_1980 - leap_correction).floor() as u32
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("valid calendar date")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(year: i32) -> Vec<(String, &'static str)> {
        holidays_in_year(year).unwrap().into_iter().map(|h| (h.date.to_string(), h.name)).collect()
    }

    fn is_holiday(y: i32, m: u32, d: u32) -> Option<&'static str> {
        holiday_on(ymd(y, m, d)).map(|h| h.name)
    }

    #[test]
    fn year_2026_matches_the_cabinet_office_list() {
        let expected = [
            ("2026-01-01", "元日"),
            ("2026-01-12", "成人の日"),
            ("2026-02-11", "建国記念の日"),
            ("2026-02-23", "天皇誕生日"),
            ("2026-03-20", "春分の日"),
            ("2026-04-29", "昭和の日"),
            ("2026-05-03", "憲法記念日"),
            ("2026-05-04", "みどりの日"),
            ("2026-05-05", "こどもの日"),
            ("2026-05-06", "振替休日"),
            ("2026-07-20", "海の日"),
            ("2026-08-11", "山の日"),
            ("2026-09-21", "敬老の日"),
            ("2026-09-22", "国民の休日"),
            ("2026-09-23", "秋分の日"),
            ("2026-10-12", "スポーツの日"),
            ("2026-11-03", "文化の日"),
            ("2026-11-23", "勤労感謝の日"),
        ];
        let got = names(2026);
        let got: Vec<(&str, &str)> = got.iter().map(|(d, n)| (d.as_str(), *n)).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn sunday_holiday_moves_to_the_next_free_day_from_2007() {
        // 2026-05-03 (Sun): 5/4 and 5/5 are holidays themselves, so 5/6 is the 振替休日.
        assert_eq!(is_holiday(2026, 5, 6), Some(SUBSTITUTE_HOLIDAY));
        // 2023-01-01 (Sun) → 2023-01-02.
        assert_eq!(is_holiday(2023, 1, 2), Some(SUBSTITUTE_HOLIDAY));
    }

    #[test]
    fn substitute_holidays_start_in_april_1973() {
        // 1973-02-11 was a Sunday but before the amendment: no substitute.
        assert_eq!(is_holiday(1973, 2, 12), None);
        // 1973-04-29 (Sun) gave the first 振替休日.
        assert_eq!(is_holiday(1973, 4, 30), Some(SUBSTITUTE_HOLIDAY));
    }

    #[test]
    fn citizens_holiday_between_two_holidays() {
        assert_eq!(is_holiday(2026, 9, 22), Some(CITIZENS_HOLIDAY));
        assert_eq!(is_holiday(2015, 9, 22), Some(CITIZENS_HOLIDAY));
        // 2019: the accession made 4/30 and 5/2 citizens' holidays.
        assert_eq!(is_holiday(2019, 4, 30), Some(CITIZENS_HOLIDAY));
        assert_eq!(is_holiday(2019, 5, 2), Some(CITIZENS_HOLIDAY));
        // Before 2007, 5/4 was a 国民の休日 only when it was neither Sunday nor a 振替休日.
        assert_eq!(is_holiday(1988, 5, 4), Some(CITIZENS_HOLIDAY));
        assert_eq!(is_holiday(1986, 5, 4), None); // Sunday
        assert_eq!(is_holiday(1987, 5, 4), Some(SUBSTITUTE_HOLIDAY)); // 5/3 was a Sunday
        // Before the 1985 amendment there was no such day.
        assert_eq!(is_holiday(1984, 5, 4), None);
    }

    #[test]
    fn olympic_moves_and_one_off_days() {
        assert_eq!(is_holiday(2020, 7, 24), Some("スポーツの日"));
        assert_eq!(is_holiday(2020, 10, 12), None);
        assert_eq!(is_holiday(2021, 8, 8), Some("山の日"));
        assert_eq!(is_holiday(2021, 8, 9), Some(SUBSTITUTE_HOLIDAY));
        assert_eq!(is_holiday(2019, 5, 1), Some("天皇の即位の日"));
        assert_eq!(is_holiday(2019, 12, 23), None); // no 天皇誕生日 in 2019
        assert_eq!(is_holiday(1989, 2, 24), Some("大喪の礼"));
    }

    #[test]
    fn the_table_holds_each_year_as_the_law_computes_it() {
        for year in FIRST_YEAR..=LAST_YEAR {
            let computed = compute_year(year);
            assert_eq!(holidays_in_year(year).unwrap(), computed, "{year}");
            for holiday in &computed {
                assert_eq!(holiday_on(holiday.date), Some(*holiday));
            }
        }
        assert_eq!(holiday_on(ymd(1954, 1, 1)), None);
        assert_eq!(holiday_on(ymd(2100, 1, 1)), None);
    }

    #[test]
    fn years_outside_the_law_range_are_refused() {
        assert_eq!(holidays_in_year(1954), Err(YearOutOfRange { year: 1954 }));
        assert_eq!(holidays_in_year(2100), Err(YearOutOfRange { year: 2100 }));
        assert!(holiday_on(ymd(2100, 1, 1)).is_none());
    }
}
