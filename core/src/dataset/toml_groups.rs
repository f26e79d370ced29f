//! `dataset.toml` (the dataset's name and format version) and `groups.toml` (each
//! group's members, coverage policy, calendar and duty-slot times).

use serde::Deserialize;
use toml::Spanned;

use super::FORMAT_VERSION;
use super::csv_rows::{Built, Unresolved};
use super::problem::Problem;
use crate::calendar::SlotKind;
use crate::calendar::{GroupCalendar, HalfDayClosure, SlotTemplates, SlotTime};
use crate::domain::{
    Area, CoverageMode, CoveragePolicy, Doctor, Group, Id, Idx, PointsTable, Role, RoleTable, RotaRules, RotaSettings,
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeta {
    format: Spanned<u32>,
    name: String,
    #[serde(default)]
    description: String,
}

/// Reads `dataset.toml`: the name and description, after checking the format version.
pub(crate) fn read_meta(text: &str, problems: &mut Vec<Problem>) -> Option<(String, String)> {
    let file = "dataset.toml";
    let meta: RawMeta = match toml::from_str(text) {
        Ok(meta) => meta,
        Err(error) => {
            problems.push(toml_problem(file, text, &error));
            return None;
        }
    };
    if *meta.format.get_ref() != FORMAT_VERSION {
        problems.push(Problem {
            file: file.to_owned(),
            line: Some(line_of(text, meta.format.span().start)),
            record: None,
            field: Some("format".to_owned()),
            message: format!(
                "形式 {} には対応していません (format {} is not supported; this build reads format {FORMAT_VERSION})",
                meta.format.get_ref(),
                meta.format.get_ref()
            ),
        });
        return None;
    }
    Some((meta.name, meta.description))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroupsFile {
    #[serde(default)]
    group: Vec<Spanned<RawGroup>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    id: Spanned<String>,
    name: Spanned<String>,
    area: Spanned<String>,
    policy: Vec<Spanned<String>>,
    members: Vec<Spanned<String>>,
    #[serde(default)]
    calendar: RawCalendar,
    #[serde(default)]
    slots: RawSlots,
    #[serde(default)]
    rules: Option<Spanned<RotaRules>>,
    #[serde(default)]
    roles: Option<Spanned<RoleTable>>,
    #[serde(default)]
    points: Option<Spanned<PointsTable>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    year_end: Option<bool>,
    obon: Option<bool>,
    #[serde(default)]
    half_day_closures: Vec<Spanned<String>>,
    #[serde(default)]
    closed_dates: Vec<Spanned<toml::Value>>,
}

/// Each slot kind: `"18:00-08:30"` to set its times, `"off"` (or `false`) to not staff it,
/// absent for the default.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawSlots {
    weekday_night: Option<Spanned<toml::Value>>,
    saturday_afternoon: Option<Spanned<toml::Value>>,
    half_day_afternoon: Option<Spanned<toml::Value>>,
    holiday_day: Option<Spanned<toml::Value>>,
    holiday_night: Option<Spanned<toml::Value>>,
}

/// Collects problems for one group with its line numbers.
struct GroupProblems<'a> {
    text: &'a str,
    record: Option<String>,
    problems: Vec<Problem>,
}

impl GroupProblems<'_> {
    fn at(&mut self, span: std::ops::Range<usize>, field: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            file: "groups.toml".to_owned(),
            line: Some(line_of(self.text, span.start)),
            record: self.record.clone(),
            field: Some(field.to_owned()),
            message: message.into(),
        });
    }
}

/// Reads `groups.toml`.
pub(crate) fn read_groups(
    text: &str,
    areas: &Built<Area>,
    doctors: &Built<Doctor>,
    problems: &mut Vec<Problem>,
) -> Built<Group> {
    let file = "groups.toml";
    let mut built = Built::new(file, "グループ");
    let raw: RawGroupsFile = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(error) => {
            problems.push(toml_problem(file, text, &error));
            return built;
        }
    };
    for spanned in raw.group {
        let line = line_of(text, spanned.span().start);
        let raw = spanned.into_inner();
        let mut report = GroupProblems { text, record: None, problems: Vec::new() };
        let id = match Id::parse(raw.id.get_ref()) {
            Ok(id) => {
                report.record = Some(id.to_string());
                Some(id)
            }
            Err(message) => {
                report.at(raw.id.span(), "id", message);
                None
            }
        };
        if raw.name.get_ref().trim().is_empty() {
            report.at(raw.name.span(), "name", "必須項目が空です (required value is empty)");
        }
        let mut blocked = false;
        let area = match areas.resolve(raw.area.get_ref()) {
            Ok(area) => Some(area),
            Err(Unresolved::Rejected) => {
                blocked = true;
                None
            }
            Err(Unresolved::Missing(message)) => {
                report.at(raw.area.span(), "area", message);
                None
            }
        };
        let mut modes = Vec::new();
        for mode in &raw.policy {
            match mode.get_ref().parse::<CoverageMode>() {
                Ok(mode) => modes.push(mode),
                Err(message) => report.at(mode.span(), "policy", message),
            }
        }
        let policy = CoveragePolicy::new(&modes);
        if policy.is_none() && raw.policy.is_empty() {
            report.at(
                raw.id.span(),
                "policy",
                "カバー方式がありません (policy needs 輪番制 and/or 主治医・副主治医制)",
            );
        }
        let mut members: Vec<Idx<Doctor>> = Vec::new();
        for member in &raw.members {
            match doctors.resolve(member.get_ref()) {
                Ok(doctor) if members.contains(&doctor) => {
                    report.at(
                        member.span(),
                        "members",
                        format!("医師 '{}' が重複しています (listed twice)", member.get_ref()),
                    );
                }
                Ok(doctor) => members.push(doctor),
                Err(Unresolved::Rejected) => blocked = true,
                Err(Unresolved::Missing(message)) => report.at(member.span(), "members", message),
            }
        }
        if raw.members.is_empty() {
            report.at(raw.id.span(), "members", "メンバーがいません (a group needs at least one doctor)");
        }
        let calendar = read_calendar(raw.calendar, &mut report);
        let slots = read_slots(raw.slots, &mut report);
        let rota = read_rota(raw.rules, raw.roles, raw.points, &mut report);
        let entity = (|| {
            Some(Group {
                id: id?,
                name: raw.name.into_inner().trim().to_owned(),
                area: area?,
                policy: policy?,
                members,
                calendar: calendar?,
                slots: slots?,
                rota: rota?,
            })
        })();
        match entity {
            Some(group) if report.problems.is_empty() && !blocked => built.insert(group, line, problems, "id"),
            _ => {
                problems.append(&mut report.problems);
                built.reject(raw.id.into_inner());
            }
        }
    }
    built
}

fn read_calendar(raw: RawCalendar, report: &mut GroupProblems<'_>) -> Option<GroupCalendar> {
    let defaults = GroupCalendar::default();
    let mut ok = true;
    let mut half_day_closures = Vec::new();
    for closure in raw.half_day_closures {
        match HalfDayClosure::try_from(closure.get_ref().clone()) {
            Ok(closure) => half_day_closures.push(closure),
            Err(message) => {
                report.at(closure.span(), "calendar.half_day_closures", message);
                ok = false;
            }
        }
    }
    let mut closed_dates = Vec::new();
    for value in raw.closed_dates {
        let text = match value.get_ref() {
            toml::Value::String(text) => text.clone(),
            toml::Value::Datetime(datetime) => datetime.to_string(),
            other => other.to_string(),
        };
        match super::parse::parse_date(&text) {
            Ok(date) => closed_dates.push(date),
            Err(message) => {
                report.at(value.span(), "calendar.closed_dates", message);
                ok = false;
            }
        }
    }
    ok.then(|| GroupCalendar {
        year_end: raw.year_end.unwrap_or(defaults.year_end),
        obon: raw.obon.unwrap_or(defaults.obon),
        half_day_closures,
        closed_dates,
    })
}

fn read_slots(raw: RawSlots, report: &mut GroupProblems<'_>) -> Option<SlotTemplates> {
    let defaults = SlotTemplates::default();
    let mut ok = true;
    let mut slot = |value: Option<Spanned<toml::Value>>, key: &str, default: Option<SlotTime>| match value {
        None => default,
        Some(value) => match value.get_ref() {
            toml::Value::Boolean(false) => None,
            toml::Value::String(text) if matches!(text.trim(), "off" | "なし") => None,
            toml::Value::String(text) => match text.parse::<SlotTime>() {
                Ok(time) => Some(time),
                Err(error) => {
                    report.at(value.span(), &format!("slots.{key}"), error.to_string());
                    ok = false;
                    None
                }
            },
            _ => {
                report.at(
                    value.span(),
                    &format!("slots.{key}"),
                    "\"HH:MM-HH:MM\" か \"off\" で指定してください (use \"18:00-08:30\" or \"off\")",
                );
                ok = false;
                None
            }
        },
    };
    let templates = SlotTemplates {
        weekday_night: slot(raw.weekday_night, "weekday_night", defaults.weekday_night),
        saturday_afternoon: slot(raw.saturday_afternoon, "saturday_afternoon", defaults.saturday_afternoon),
        half_day_afternoon: slot(raw.half_day_afternoon, "half_day_afternoon", defaults.half_day_afternoon),
        holiday_day: slot(raw.holiday_day, "holiday_day", defaults.holiday_day),
        holiday_night: slot(raw.holiday_night, "holiday_night", defaults.holiday_night),
    };
    ok.then_some(templates)
}

fn read_rota(
    rules: Option<Spanned<RotaRules>>,
    roles: Option<Spanned<RoleTable>>,
    points: Option<Spanned<PointsTable>>,
    report: &mut GroupProblems<'_>,
) -> Option<RotaSettings> {
    let before = report.problems.len();
    let rules = rules.map_or_else(RotaRules::default, |rules| {
        if rules.get_ref().min_days_between > 14 {
            report.at(rules.span(), "rules.min_days_between", "0〜14 で指定してください (must be 0..=14)");
        }
        rules.into_inner()
    });
    let roles = roles.map_or_else(RoleTable::default, |roles| {
        for kind in SlotKind::ALL {
            let counts = roles.get_ref().get(*kind);
            if counts.get(Role::Primary) == 0 || counts.primary > 5 || counts.secondary > 5 {
                report.at(
                    roles.span(),
                    &format!("roles.{}", kind.code()),
                    "当番は1〜5人、副当番は0〜5人です (primary must be 1..=5 and secondary 0..=5)",
                );
            }
        }
        roles.into_inner()
    });
    let points = points.map_or_else(PointsTable::default, |points| {
        if let Err(message) = points.get_ref().check() {
            report.at(points.span(), "points", message);
        }
        points.into_inner()
    });
    (report.problems.len() == before).then_some(RotaSettings { rules, roles, points })
}

/// A TOML syntax or shape error, at its line.
pub(crate) fn toml_problem(file: &str, text: &str, error: &toml::de::Error) -> Problem {
    Problem {
        file: file.to_owned(),
        line: error.span().map(|span| line_of(text, span.start)),
        record: None,
        field: None,
        message: format!("TOML として読めません (cannot read: {})", error.message().trim()),
    }
}

/// The 1-based line of byte `offset` in `text`.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&byte| byte == b'\n').count() + 1
}
