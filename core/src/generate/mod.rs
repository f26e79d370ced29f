//! A deterministic generator of synthetic datasets: the demo city and national-scale
//! data for tests, benches and demos.
//!
//! Every person and institution it makes up is fictional: surnames are built from
//! words such as 見本 (sample), 仮 (provisional), 試 (trial) and 例 (example), and
//! institution names end in （架空）. Phone numbers and 医療機関コード have the right
//! shape but are random.
//!
//! The same [`GeneratorConfig`] always gives the same [`Dataset`], down to the bytes
//! [`crate::dataset::write`] produces: each phase draws from its own ChaCha stream of
//! the seed, and nothing depends on hash-map order.
//!
//! ```
//! use renkei_core::generate::{GeneratorConfig, generate};
//!
//! let dataset = generate(&GeneratorConfig::okayama());
//! let naka = dataset.summary().into_iter().find(|row| row.area == "naka").unwrap();
//! assert_eq!((naka.groups, naka.hospitals, naka.specialists), (2, 4, 31));
//! ```

mod admissions;
mod care;
mod config;
mod draw;
mod names;
mod patients;
mod people;
mod places;
mod schedule;
mod standing;
#[cfg(test)]
mod tests;

use chrono::NaiveDate;

use crate::dataset::Dataset;
use crate::domain::{Doctor, Group, Hospital, Idx, NurseStation, Specialist};
use draw::{Draw, Phase};

pub use config::{AreaSpec, GeneratorConfig};

/// Generates the dataset `config` describes. Deterministic: the same config gives the
/// same dataset. Every result reads back through [`crate::dataset::parse`] without
/// problems.
///
/// Cost is linear in the entities generated; absences and requests are drawn per
/// doctor, never per patient.
///
/// # Panics
/// If an area id in `config` is not a valid [`crate::domain::Id`], is longer than 34
/// characters or is repeated, or an area's prefecture is not 1–47.
pub fn generate(config: &GeneratorConfig) -> Dataset {
    for spec in &config.areas {
        assert!((1..=47).contains(&spec.prefecture), "area '{}': prefecture {} is not 1–47", spec.id, spec.prefecture);
    }
    let reference_date = config
        .months
        .iter()
        .min()
        .map_or_else(|| NaiveDate::from_ymd_opt(2026, 12, 1).expect("valid date"), |month| month.first_day());
    let mut dataset = Dataset::default();
    dataset.name = config.name.clone();
    dataset.description = format!(
        "renkei の合成データ（seed {}）。人名・医療機関名・電話番号・医療機関コードはすべて架空で、実在の人物・機関とは関係ありません。 \
                 Synthetic data (seed {}): all names of persons and institutions, phone numbers and institution codes are fictional.",
        config.seed, config.seed
    );
    let mut builder = Builder {
        config,
        dataset,
        areas: config
            .areas
            .iter()
            .map(|spec| AreaIndex { area_code: draw::area_code(spec.prefecture), ..AreaIndex::default() })
            .collect(),
        groups_of_doctor: Vec::new(),
        patient_load: Vec::new(),
        reference_date,
    };
    // Room for every row up front: rehashing the id indexes dominated large runs.
    let total = |count: fn(&AreaSpec) -> usize| config.areas.iter().map(count).sum::<usize>();
    let n_doctors = total(|spec| spec.doctors);
    let n_patients = total(|spec| spec.patients);
    let tables = &mut builder.dataset;
    tables.doctors.reserve(n_doctors);
    tables.clinics.reserve(n_doctors);
    tables.patients.reserve(n_patients);
    tables.consents.reserve(n_patients * 2);
    tables.absences.reserve((n_doctors * (3 * config.months.len() + 1)).div_ceil(10));
    tables.requests.reserve(n_doctors * config.months.len());
    let seed = config.seed;
    places::add_areas(&mut builder);
    let mut places_draw = Draw::new(seed, Phase::Places);
    places::add_hospitals(&mut builder, &mut places_draw);
    places::add_nurse_stations(&mut builder, &mut places_draw);
    places::add_specialists(&mut builder, &mut places_draw);
    people::add_clinics_and_doctors(&mut builder, &mut Draw::new(seed, Phase::People));
    people::add_groups(&mut builder, &mut Draw::new(seed, Phase::Groups));
    patients::add_patients(&mut builder, &mut Draw::new(seed, Phase::Patients));
    people::ensure_child_capable_members(&mut builder);
    let mut schedule_draw = Draw::new(seed, Phase::Schedule);
    schedule::add_absences(&mut builder, &mut schedule_draw);
    schedule::add_requests(&mut builder, &mut schedule_draw);
    let mut standing_draw = Draw::new(seed, Phase::Standing);
    standing::add_unavailability(&mut builder, &mut standing_draw);
    standing::add_ledger(&mut builder, &mut standing_draw);
    care::add_registrations_and_consults(&mut builder, &mut Draw::new(seed, Phase::Care));
    let reference = builder.reference_date;
    let mut dataset = builder.dataset.index();
    // Admissions follow the backup lists, which need the indexes.
    if admissions::add_admissions(&mut dataset, reference) {
        dataset = dataset.index();
    }
    dataset
}

/// The dataset being generated, with lookups the phases share.
struct Builder<'c> {
    config: &'c GeneratorConfig,
    dataset: Dataset,
    /// Per area, in config order.
    areas: Vec<AreaIndex>,
    /// Per doctor, the groups they belong to.
    groups_of_doctor: Vec<Vec<Idx<Group>>>,
    /// Per doctor, their relative number of home-care patients.
    patient_load: Vec<f64>,
    /// The first day of the first generated month; consents and ages date from it.
    reference_date: NaiveDate,
}

/// What one area holds, for drawing within it.
#[derive(Default)]
struct AreaIndex {
    /// 3-digit area code of landlines.
    area_code: String,
    doctors: Vec<Idx<Doctor>>,
    groups: Vec<Idx<Group>>,
    hospitals: Vec<Idx<Hospital>>,
    stations: Vec<Idx<NurseStation>>,
    /// Specialists serving the area, wherever they are based.
    specialists: Vec<Idx<Specialist>>,
}
