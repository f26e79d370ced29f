//! Instants and their Asia/Tokyo (JST) reading.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
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
    JST.from_local_datetime(&local)
        .earliest()
        .unwrap_or_else(|| JST.from_utc_datetime(&(local - chrono::Duration::hours(9))))
        .with_timezone(&Utc)
}

/// The JST reading of an instant.
pub fn to_jst(instant: Instant) -> DateTime<Tz> {
    instant.with_timezone(&JST)
}

/// A time that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{input}' is not a time in 1900–2200: use YYYY-MM-DDTHH:MM in JST, or RFC 3339 with an offset (日時の形式が不正です)"
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
    if let Ok(with_offset) = DateTime::<FixedOffset>::parse_from_rfc3339(text) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_are_read_in_jst() {
        let instant = parse_instant("2026-12-03T18:00").unwrap();
        assert_eq!(instant.to_rfc3339(), "2026-12-03T09:00:00+00:00");
        assert_eq!(parse_instant("2026-12-03 18:00:00").unwrap(), instant);
        assert_eq!(parse_instant("2026-12-03T09:00:00Z").unwrap(), instant);
        assert_eq!(parse_instant("2026-12-03T18:00:00+09:00").unwrap(), instant);
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
        ] {
            let error = parse_instant(bad).unwrap_err();
            assert_eq!(error.input, bad);
        }
    }
}
