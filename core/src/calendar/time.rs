//! Instants and their Asia/Tokyo (JST) reading.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

/// Asia/Tokyo, the time zone of every local date and time in renkei.
pub const JST: Tz = chrono_tz::Asia::Tokyo;

/// A point in time. Stored in UTC; shown and entered in JST.
pub type Instant = DateTime<Utc>;

/// The instant of a local JST date and time.
///
/// Japan has kept one offset (+09:00) since 1951, so every local time in the years
/// renkei supports names exactly one instant; an earlier date that falls in a DST gap
/// or overlap takes the earliest reading.
pub fn jst_instant(date: NaiveDate, time: NaiveTime) -> Instant {
    let local = date.and_time(time);
    // Where the offset is fixed, without the time zone's table (a lookup's `at`).
    if let Some(utc) = local.checked_sub_signed(chrono::TimeDelta::hours(9))
        && utc.and_utc().timestamp() >= FIXED_JST_FROM
        && time.nanosecond() < 1_000_000_000
    {
        return utc.and_utc();
    }
    JST.from_local_datetime(&local)
        .earliest()
        .unwrap_or_else(|| JST.from_utc_datetime(&(local - chrono::Duration::hours(9))))
        .with_timezone(&Utc)
}

/// The JST reading of an instant.
pub fn to_jst(instant: Instant) -> DateTime<Tz> {
    instant.with_timezone(&JST)
}

/// The first instant from which Japan's offset has stayed +09:00 (its summer time
/// ended in September 1951): 1952-01-01T00:00:00Z, as a Unix time.
pub const FIXED_JST_FROM: i64 = -568_080_000;

/// The JST date and time of an instant: `to_jst(instant).naive_local()`, found without
/// the time zone's table where the offset is fixed (every lookup reads a few).
pub fn jst_naive(instant: Instant) -> NaiveDateTime {
    if instant.timestamp() >= FIXED_JST_FROM
        && instant.timestamp_subsec_nanos() < 1_000_000_000
        && let Some(local) = instant.naive_utc().checked_add_signed(chrono::TimeDelta::hours(9))
    {
        return local;
    }
    to_jst(instant).naive_local()
}

/// The JST date of an instant.
pub fn jst_date(instant: Instant) -> NaiveDate {
    jst_naive(instant).date()
}

/// A time that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{input}' is not a time in 1900–2200: use YYYY-MM-DDTHH:MM in JST, or with an offset such as +09:00 or Z (日時の形式が不正です)"
)]
pub struct TimeParseError {
    /// What was given.
    pub input: String,
}

/// Years a time may name: far beyond any rota, and far from chrono's limits, so
/// arithmetic on a parsed instant cannot overflow.
pub const INSTANT_YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// Reads a time as users write it: `2026-12-03T18:00`, `2026-12-03 18:00`, with or
/// without seconds, in JST unless it carries an offset (`+09:00`, `Z`), in the years
/// [`INSTANT_YEARS`].
pub fn parse_instant(input: &str) -> Result<Instant, TimeParseError> {
    let text = input.trim();
    let refused = || TimeParseError { input: input.to_owned() };
    if let Some(local) = canonical_local(text) {
        return if INSTANT_YEARS.contains(&local.year()) {
            Ok(jst_instant(local.date(), local.time()))
        } else {
            Err(refused())
        };
    }
    if let Some(with_offset) = with_offset(text) {
        return INSTANT_YEARS
            .contains(&with_offset.year())
            .then(|| with_offset.with_timezone(&Utc))
            .ok_or_else(refused);
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(local) = NaiveDateTime::parse_from_str(text, format) {
            if !INSTANT_YEARS.contains(&local.year()) {
                return Err(refused());
            }
            return Ok(jst_instant(local.date(), local.time()));
        }
    }
    Err(refused())
}

/// A time with an offset: RFC 3339 (`2026-12-03T18:00:00+09:00`, `…09:00:00Z`), or
/// without the seconds as ISO 8601 allows (`2026-12-03T18:00+09:00`, `…09:00Z`), with
/// a `T` or a space.
fn with_offset(text: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(time) = DateTime::<FixedOffset>::parse_from_rfc3339(text) {
        return Some(time);
    }
    let utc = text.strip_suffix(['Z', 'z']).map(|local| format!("{local}+00:00"));
    let text = utc.as_deref().unwrap_or(text);
    ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%d %H:%M%:z"]
        .iter()
        .find_map(|format| DateTime::<FixedOffset>::parse_from_str(text, format).ok())
}

/// `YYYY-MM-DDTHH:MM[:SS]` (or with a space for the `T`), read without the general
/// parser: the form of nearly every lookup.
fn canonical_local(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if !(b.len() == 16 || b.len() == 19)
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b' ')
        || b[13] != b':'
    {
        return None;
    }
    let number = |range: std::ops::Range<usize>| {
        b[range].iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    let seconds = if b.len() == 19 {
        if b[16] != b':' {
            return None;
        }
        number(17..19)?
    } else {
        0
    };
    let date = chrono::NaiveDate::from_ymd_opt(i32::try_from(number(0..4)?).ok()?, number(5..7)?, number(8..10)?)?;
    let time = chrono::NaiveTime::from_hms_opt(number(11..13)?, number(14..16)?, seconds)?;
    Some(date.and_time(time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_name_the_instants_the_time_zone_gives() {
        let zone = |local: NaiveDateTime| {
            JST.from_local_datetime(&local)
                .earliest()
                .unwrap_or_else(|| JST.from_utc_datetime(&(local - chrono::Duration::hours(9))))
                .with_timezone(&Utc)
        };
        let start = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap();
        let mut locals: Vec<NaiveDateTime> = (0..5000_i64)
            .map(|i| {
                start + chrono::Duration::seconds(i.wrapping_mul(7_919_876_543_211).rem_euclid(250 * 365 * 86_400))
            })
            .collect();
        for (y, mo, d, h, mi) in [(1951, 9, 8, 23, 59), (1952, 1, 1, 8, 59), (1952, 1, 1, 9, 0), (1948, 5, 2, 0, 30)] {
            locals.push(NaiveDate::from_ymd_opt(y, mo, d).unwrap().and_hms_opt(h, mi, 0).unwrap());
        }
        for local in locals {
            assert_eq!(jst_instant(local.date(), local.time()), zone(local), "{local}");
        }
    }

    #[test]
    fn the_fast_jst_reading_is_the_time_zone_s() {
        let utc = |y, mo, d, h, mi, sec| Utc.with_ymd_and_hms(y, mo, d, h, mi, sec).unwrap();
        let mut instants = vec![
            utc(1951, 9, 8, 14, 59, 59),
            utc(1951, 12, 31, 23, 59, 59),
            utc(1952, 1, 1, 0, 0, 0),
            utc(2026, 12, 31, 15, 0, 0),
            utc(2026, 12, 31, 14, 59, 59),
            Utc.timestamp_opt(1_483_228_799, 1_500_000_000).unwrap(),
        ];
        let start = utc(1900, 1, 1, 0, 0, 0).timestamp_nanos_opt().unwrap();
        let span = 250 * 365 * 86_400_000_000_000_i64;
        instants.extend(
            (0..5000_i64).map(|i| {
                DateTime::from_timestamp_nanos(start + i.wrapping_mul(7_919_876_543_211_017).rem_euclid(span))
            }),
        );
        for t in instants {
            assert_eq!(jst_naive(t), to_jst(t).naive_local(), "{t:?}");
            assert_eq!(jst_date(t), to_jst(t).date_naive(), "{t:?}");
        }
    }

    #[test]
    fn local_times_are_read_in_jst() {
        let instant = parse_instant("2026-12-03T18:00").unwrap();
        assert_eq!(instant.to_rfc3339(), "2026-12-03T09:00:00+00:00");
        assert_eq!(parse_instant("2026-12-03 18:00:00").unwrap(), instant);
        assert_eq!(parse_instant("2026-12-03T09:00:00Z").unwrap(), instant);
        assert_eq!(parse_instant("2026-12-03T18:00:00+09:00").unwrap(), instant);
        // Without the seconds, with an offset (ISO 8601's form).
        assert_eq!(parse_instant("2026-12-03T18:00+09:00").unwrap(), instant);
        assert_eq!(parse_instant("2026-12-03 18:00+09:00").unwrap(), instant);
        assert_eq!(parse_instant("2026-12-03T09:00Z").unwrap(), instant);
        assert_eq!(parse_instant("2026-12-03T10:30+01:30").unwrap(), instant);
        assert_eq!(to_jst(instant).format("%Y-%m-%d %H:%M").to_string(), "2026-12-03 18:00");
    }

    #[test]
    fn bad_times_are_refused_with_the_input_named() {
        for bad in [
            "",
            "2026-13-01T00:00",
            "2026-12-03",
            "tomorrow",
            "2026-12-03T25:00",
            "-262143-01-01T00:00",
            "+262142-12-31T23:59",
            "9999-12-31T23:59:59Z",
            "1899-12-31T23:59",
            "2026-12-03T18:00+25:00",
            "2026-12-03T18:00+0900x",
            "2026-12-03Z",
            "9999-12-31T23:59Z",
        ] {
            let error = parse_instant(bad).unwrap_err();
            assert_eq!(error.input, bad);
        }
    }

    /// The canonical form's fast reading agrees with the general parser on every
    /// string of its shape, valid or not (a leap second is left to the general one).
    #[test]
    fn the_fast_reading_agrees_with_the_general_parser() {
        use proptest::prelude::*;
        let general = |text: &str| {
            ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
                .iter()
                .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
                .filter(|t| chrono::Timelike::nanosecond(t) < 1_000_000_000)
        };
        let shape = "[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9x]{2}(:[0-9]{2})?";
        proptest!(ProptestConfig::with_cases(5000), |(text in shape)| {
            prop_assert_eq!(canonical_local(&text), general(&text), "{}", text);
        });
        for text in
            ["2028-02-29T23:59:59", "2026-02-29T00:00", "2026-12-03T24:00", "2026-12-03T23:59:60", "2026-12-03T09:60"]
        {
            assert_eq!(canonical_local(text), general(text), "{text}");
        }
    }
}
