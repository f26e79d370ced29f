//! The Japanese calendar: Asia/Tokyo time, public holidays, per-group closed days and
//! duty-slot templates expanded into concrete intervals.
//!
//! Instants are stored as UTC (`DateTime<Utc>`) and shown in JST; local dates and
//! times are always interpreted in Asia/Tokyo through chrono-tz.

mod closed_days;
pub mod holidays;
mod month;
mod slots;
mod time;

pub use closed_days::{ClosedReason, DayType, GroupCalendar, HalfDayClosure, weekday_ja};
pub use holidays::{Holiday, HolidayKind, YearOutOfRange, holiday_on, holidays_in_year};
pub use month::{DateRange, Month, MonthParseError};
pub use slots::{DutySlot, SlotKind, SlotTemplates, SlotTime, SlotTimeError, expand_slots};
pub use time::{
    FIXED_JST_FROM, INSTANT_YEARS, Instant, JST, TimeParseError, jst_date, jst_instant, jst_naive, parse_instant,
    to_jst,
};
