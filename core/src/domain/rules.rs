//! A group's rota settings: hard rules, roles per slot kind, and fairness points.

use serde::{Deserialize, Serialize};

use crate::calendar::SlotKind;

/// The hard rules a group sets for its rota. Every rule applies to each doctor.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RotaRules {
    /// Most duties in a calendar month (in this group), if capped.
    pub max_duties_per_month: Option<u32>,
    /// Most duties on Saturdays, Sundays and holidays in a calendar month, if capped.
    pub max_holiday_duties_per_month: Option<u32>,
    /// No night duty on two consecutive dates.
    pub no_consecutive_nights: bool,
    /// Fewest days between the dates of two duties: 1 means at most one duty a date,
    /// 2 means a free date between duties, 0 allows two duties on one date (day and night).
    pub min_days_between: u32,
    /// The 16 km rule: every patient of the group has an on-duty doctor whose clinic is
    /// within 16 km of home, at every slot.
    pub sixteen_km: bool,
    /// Whenever the group has 医療的ケア児 patients, a doctor capable of their care is on duty.
    pub medical_care_child: bool,
}

impl Default for RotaRules {
    fn default() -> Self {
        Self {
            max_duties_per_month: None,
            max_holiday_duties_per_month: None,
            no_consecutive_nights: true,
            min_days_between: 1,
            sixteen_km: true,
            medical_care_child: true,
        }
    }
}

crate::labels::labelled_enum! {
    /// A role on a duty slot.
    pub enum Role ("当番の役割") {
        /// 当番: the doctor called first.
        Primary = "primary", "当番";
        /// 副当番: the backup on-duty doctor.
        Secondary = "secondary", "副当番";
    }
}

/// How many doctors of each role a slot kind needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleCounts {
    /// 当番.
    pub primary: u8,
    /// 副当番.
    pub secondary: u8,
}

impl RoleCounts {
    /// The count for `role`.
    pub fn get(self, role: Role) -> u8 {
        match role {
            Role::Primary => self.primary,
            Role::Secondary => self.secondary,
        }
    }
}

/// Roles needed per slot kind; the default is one 当番 and one 副当番 everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoleTable {
    /// 平日夜間.
    pub weekday_night: RoleCounts,
    /// 土曜午後.
    pub saturday_afternoon: RoleCounts,
    /// 休診午後.
    pub half_day_afternoon: RoleCounts,
    /// 休日日中.
    pub holiday_day: RoleCounts,
    /// 休日夜間.
    pub holiday_night: RoleCounts,
}

impl Default for RoleTable {
    fn default() -> Self {
        let both = RoleCounts { primary: 1, secondary: 1 };
        Self {
            weekday_night: both,
            saturday_afternoon: both,
            half_day_afternoon: both,
            holiday_day: both,
            holiday_night: both,
        }
    }
}

impl RoleTable {
    /// The counts for one slot kind.
    pub fn get(&self, kind: SlotKind) -> RoleCounts {
        match kind {
            SlotKind::WeekdayNight => self.weekday_night,
            SlotKind::SaturdayAfternoon => self.saturday_afternoon,
            SlotKind::HalfDayAfternoon => self.half_day_afternoon,
            SlotKind::HolidayDay => self.holiday_day,
            SlotKind::HolidayNight => self.holiday_night,
        }
    }
}

/// Fairness points: how heavy each duty weighs in a doctor's load.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PointsTable {
    /// 平日夜間 (default 1).
    pub weekday_night: f64,
    /// 土曜午後 (default 0.5).
    pub saturday_afternoon: f64,
    /// 休診午後 (default 0.5).
    pub half_day_afternoon: f64,
    /// 休日日中 (default 1).
    pub holiday_day: f64,
    /// 休日夜間 (default 1.5).
    pub holiday_night: f64,
    /// Factor for slots in 年末年始 (default 2).
    pub year_end_multiplier: f64,
    /// Factor for the 副当番 role (default 0.5).
    pub secondary_multiplier: f64,
    /// Points per day of covering an absent doctor's patients (主治医・副主治医制; default 0.5).
    pub absence_cover_per_day: f64,
}

impl Default for PointsTable {
    fn default() -> Self {
        Self {
            weekday_night: 1.0,
            saturday_afternoon: 0.5,
            half_day_afternoon: 0.5,
            holiday_day: 1.0,
            holiday_night: 1.5,
            year_end_multiplier: 2.0,
            secondary_multiplier: 0.5,
            absence_cover_per_day: 0.5,
        }
    }
}

impl PointsTable {
    /// Points of one duty: kind, role, and whether it falls in 年末年始.
    pub fn points(&self, kind: SlotKind, role: Role, year_end: bool) -> f64 {
        let base = match kind {
            SlotKind::WeekdayNight => self.weekday_night,
            SlotKind::SaturdayAfternoon => self.saturday_afternoon,
            SlotKind::HalfDayAfternoon => self.half_day_afternoon,
            SlotKind::HolidayDay => self.holiday_day,
            SlotKind::HolidayNight => self.holiday_night,
        };
        let role_factor = match role {
            Role::Primary => 1.0,
            Role::Secondary => self.secondary_multiplier,
        };
        base * role_factor * if year_end { self.year_end_multiplier } else { 1.0 }
    }

    /// Checks every value is finite and not negative, and factors positive.
    pub fn check(&self) -> Result<(), String> {
        let values = [
            ("weekday_night", self.weekday_night),
            ("saturday_afternoon", self.saturday_afternoon),
            ("half_day_afternoon", self.half_day_afternoon),
            ("holiday_day", self.holiday_day),
            ("holiday_night", self.holiday_night),
            ("year_end_multiplier", self.year_end_multiplier),
            ("secondary_multiplier", self.secondary_multiplier),
            ("absence_cover_per_day", self.absence_cover_per_day),
        ];
        for (key, value) in values {
            if !(value.is_finite() && (0.0..=100.0).contains(&value)) {
                return Err(format!("points.{key} = {value} は 0〜100 の数です (must be a number in 0..=100)"));
            }
        }
        Ok(())
    }
}

/// Everything a group sets for its rota.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RotaSettings {
    /// Hard rules.
    pub rules: RotaRules,
    /// Roles per slot kind.
    pub roles: RoleTable,
    /// Fairness points.
    pub points: PointsTable,
}
