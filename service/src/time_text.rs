//! Times as text, written digit by digit: every lookup's answer and every audit entry
//! has one, and chrono's formatting machinery cost more than the rest of writing them.
//! The text is what chrono writes (tested); what the fast form does not cover (leap
//! seconds, years outside 0–9999, JST before 1952, when Japan still had summer time)
//! goes through chrono.

use chrono::{DateTime, Datelike, NaiveDateTime, Timelike, Utc};
use renkei_core::calendar::{FIXED_JST_FROM, jst_naive};

/// `YYYY-MM-DDTHH:MM:SS` of `naive`, unless its year is outside 0–9999 or it is in a
/// leap second.
fn date_time(naive: NaiveDateTime) -> Option<[u8; 19]> {
    let year = u32::try_from(naive.year()).ok().filter(|&year| year <= 9999)?;
    if naive.nanosecond() >= 1_000_000_000 {
        return None;
    }
    let mut text = *b"0000-00-00T00:00:00";
    for (end, width, value) in [
        (4, 4, year),
        (7, 2, naive.month()),
        (10, 2, naive.day()),
        (13, 2, naive.hour()),
        (16, 2, naive.minute()),
        (19, 2, naive.second()),
    ] {
        put_digits(&mut text[end - width..end], value);
    }
    Some(text)
}

/// Writes `value`'s last `digits.len()` decimal digits, zero-padded.
fn put_digits(digits: &mut [u8], mut value: u32) {
    for digit in digits.iter_mut().rev() {
        *digit = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// UTC RFC 3339 with microseconds, `2026-12-04T03:00:00.000001Z`: chrono's
/// `to_rfc3339_opts(SecondsFormat::Micros, true)`.
pub fn utc_micros(instant: DateTime<Utc>) -> String {
    let mut text = String::with_capacity(27);
    push_utc_micros(&mut text, instant);
    text
}

/// Appends [`utc_micros`]'s text.
pub fn push_utc_micros(out: &mut String, instant: DateTime<Utc>) {
    let Some(date_time) = date_time(instant.naive_utc()) else {
        out.push_str(&instant.to_rfc3339_opts(chrono::SecondsFormat::Micros, true));
        return;
    };
    let mut micros = *b".000000Z";
    put_digits(&mut micros[1..7], instant.nanosecond() / 1000);
    out.push_str(ascii(&date_time));
    out.push_str(ascii(&micros));
}

/// JST RFC 3339 to the second, `2026-12-10T03:00:00+09:00`: what
/// `to_jst(instant).to_rfc3339_opts(SecondsFormat::Secs, false)` writes.
pub fn jst_secs(instant: DateTime<Utc>) -> String {
    let mut text = String::with_capacity(25);
    push_jst_secs(&mut text, instant);
    text
}

/// Appends [`jst_secs`]'s text.
pub fn push_jst_secs(out: &mut String, instant: DateTime<Utc>) {
    // Where the offset is +09:00; `jst_naive` keeps a leap second, which `date_time`
    // leaves to chrono.
    let fast = (instant.timestamp() >= FIXED_JST_FROM).then(|| date_time(jst_naive(instant))).flatten();
    match fast {
        Some(date_time) => {
            out.push_str(ascii(&date_time));
            out.push_str("+09:00");
        }
        None => {
            out.push_str(&renkei_core::calendar::to_jst(instant).to_rfc3339_opts(chrono::SecondsFormat::Secs, false));
        }
    }
}

/// Digits and ASCII punctuation as text.
fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("digits and ASCII punctuation")
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};
    use renkei_core::calendar::to_jst;

    /// Instants over 1900–2150 with sub-second parts, and the edges.
    fn instants() -> Vec<DateTime<Utc>> {
        let utc = |y, mo, d, h, mi, s| Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap();
        let mut instants = vec![
            utc(2026, 12, 4, 3, 0, 0),
            utc(2026, 12, 31, 15, 0, 0),
            utc(1951, 9, 8, 14, 59, 59),
            utc(1951, 12, 31, 23, 59, 59),
            utc(1952, 1, 1, 0, 0, 0),
            utc(1, 1, 1, 0, 0, 0),
            utc(9999, 12, 31, 14, 59, 59),
            utc(9999, 12, 31, 23, 59, 59) + chrono::Duration::microseconds(999_999),
            utc(10000, 1, 1, 0, 0, 0),
            utc(-1, 6, 15, 12, 30, 45),
            // A leap second, as chrono holds it.
            Utc.timestamp_opt(1_483_228_799, 1_500_000_000).unwrap(),
            Utc::now(),
        ];
        let start = utc(1900, 1, 1, 0, 0, 0).timestamp_nanos_opt().unwrap();
        let span = 250 * 365 * 86_400_000_000_000_i64;
        instants.extend(
            (0..5000_i64).map(|i| {
                DateTime::from_timestamp_nanos(start + i.wrapping_mul(7_919_876_543_211_017).rem_euclid(span))
            }),
        );
        instants
    }

    #[test]
    fn utc_stamps_are_what_chrono_writes() {
        for t in instants() {
            assert_eq!(super::utc_micros(t), t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true), "{t:?}");
        }
    }

    #[test]
    fn jst_times_are_what_chrono_writes() {
        for t in instants() {
            assert_eq!(super::jst_secs(t), to_jst(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, false), "{t:?}");
        }
    }
}
