//! `renkei holidays YEAR`: the year's public holidays, `YYYY-MM-DD<TAB>name` per line.

use renkei_core::calendar::holidays_in_year;

pub(crate) fn run(year: i32) -> anyhow::Result<String> {
    let holidays = holidays_in_year(year)?;
    Ok(holidays.iter().map(|holiday| format!("{}\t{}\n", holiday.date, holiday.name)).collect())
}
