//! Calendar months (`2026-12`) and date ranges.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Months, NaiveDate};

use super::holidays::{FIRST_YEAR, LAST_YEAR};

/// A calendar month within the supported years, e.g. `2026-12`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    first_day: NaiveDate,
}

/// A month that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{input}' is not a month in {FIRST_YEAR}..={LAST_YEAR}: use YYYY-MM (年月の形式が不正です)")]
pub struct MonthParseError {
    /// What was given.
    pub input: String,
}

impl Month {
    /// The month `year`-`month`, if it is a real month within the supported years.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
            return None;
        }
        NaiveDate::from_ymd_opt(year, month, 1).map(|first_day| Self { first_day })
    }

    /// The month containing `date`.
    pub fn containing(date: NaiveDate) -> Option<Self> {
        Self::new(date.year(), date.month())
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.first_day.year()
    }

    /// The month number, 1–12.
    pub fn month(self) -> u32 {
        self.first_day.month()
    }

    /// The first day.
    pub fn first_day(self) -> NaiveDate {
        self.first_day
    }

    /// The last day.
    pub fn last_day(self) -> NaiveDate {
        self.next_first_day().pred_opt().expect("in range")
    }

    /// The days of the month as a range.
    pub fn days(self) -> DateRange {
        DateRange { first: self.first_day, last: self.last_day() }
    }

    fn next_first_day(self) -> NaiveDate {
        self.first_day + Months::new(1)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

impl FromStr for Month {
    type Err = MonthParseError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = || MonthParseError { input: input.to_owned() };
        let (year, month) = input.trim().split_once('-').ok_or_else(error)?;
        if year.len() != 4 || !(1..=2).contains(&month.len()) {
            return Err(error());
        }
        let year = year.parse().map_err(|_| error())?;
        let month = month.parse().map_err(|_| error())?;
        Self::new(year, month).ok_or_else(error)
    }
}

/// An inclusive range of dates, `first..=last`, never empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateRange {
    first: NaiveDate,
    last: NaiveDate,
}

impl DateRange {
    /// The dates `first..=last`, or `None` if `last` is before `first`.
    pub fn new(first: NaiveDate, last: NaiveDate) -> Option<Self> {
        (first <= last).then_some(Self { first, last })
    }

    /// The first date.
    pub fn first(self) -> NaiveDate {
        self.first
    }

    /// The last date.
    pub fn last(self) -> NaiveDate {
        self.last
    }

    /// Whether `date` is in the range.
    pub fn contains(self, date: NaiveDate) -> bool {
        self.first <= date && date <= self.last
    }

    /// Every date of the range in order.
    pub fn iter(self) -> impl Iterator<Item = NaiveDate> {
        self.first.iter_days().take_while(move |&date| date <= self.last)
    }

    /// Number of days.
    pub fn len(self) -> usize {
        usize::try_from((self.last - self.first).num_days() + 1).expect("never negative")
    }

    /// Always false: a range holds at least one day.
    pub fn is_empty(self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_know_their_days() {
        let december: Month = "2026-12".parse().unwrap();
        assert_eq!(december.to_string(), "2026-12");
        assert_eq!(december.last_day(), NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
        assert_eq!(december.days().len(), 31);
        let february: Month = "2028-2".parse().unwrap();
        assert_eq!(february.days().len(), 29);
        for bad in ["2026", "2026-13", "2026-00", "26-12", "1954-12", "2100-01", "2026-1x"] {
            assert_eq!(bad.parse::<Month>().unwrap_err().input, bad);
        }
    }
}
