//! What to generate: the demo city (Okayama, fictionalised) or a national-scale grid.

use crate::calendar::Month;
use crate::domain::LatLon;

/// What [`super::generate`] makes: a seed, the areas with their counts, and the months
/// for which absences and rota requests are drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratorConfig {
    /// Seed of the random draws: the same config always gives the same dataset.
    pub seed: u64,
    /// The areas, in order.
    pub areas: Vec<AreaSpec>,
    /// Months for which absences (不在) and rota requests are generated.
    pub months: Vec<Month>,
    /// Name of the dataset, e.g. `岡山市（架空）`.
    pub name: String,
}

/// One area (エリア, usually a 福祉区) and how much it holds.
///
/// Counts are targets taken as given, except where they cannot be met: groups are at
/// most the number of clinics (a clinic's doctors stay in one group), backup-support
/// hospitals at most the hospitals, and an area without doctors or groups gets no
/// patients.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaSpec {
    /// Area id, e.g. `kita-chuo`; must be a valid [`crate::domain::Id`] of at most 34
    /// characters, so that group ids (`G-KITA-CHUO-1`) are valid too.
    pub id: String,
    /// Japanese name, e.g. `北区中央`.
    pub name: String,
    /// Centre of the area.
    pub center: LatLon,
    /// Clinics, hospitals and other sites lie within this distance of the centre.
    pub radius_km: f64,
    /// Ids of the neighbouring areas (made symmetric when generating; ids of no area in
    /// the config are ignored).
    pub neighbours: Vec<String>,
    /// Prefecture number (01–47) used in the area's 医療機関コード; 岡山県 is 33.
    pub prefecture: u8,
    /// Number of groups (グループ).
    pub groups: usize,
    /// Number of clinic doctors.
    pub doctors: usize,
    /// Number of hospitals.
    pub hospitals: usize,
    /// How many of the hospitals are 在宅療養後方支援病院 (≥ 200 beds).
    pub backup_support_hospitals: usize,
    /// Number of specialists (協力医) serving the area, counting those based in a
    /// neighbouring area who also serve this one.
    pub specialists: usize,
    /// Number of visiting nurse stations (訪問看護ステーション).
    pub nurse_stations: usize,
    /// Number of home-care patients.
    pub patients: usize,
}

/// The prefecture of Okayama City.
const OKAYAMA_PREFECTURE: u8 = 33;

impl GeneratorConfig {
    /// The demo city: Okayama's six 福祉区 with the pilot's figures (中区: 2 groups,
    /// 4 hospitals, 31 specialists; 南区西: 2 groups, 3 hospitals, 10 specialists), about
    /// 120 clinic doctors and 1,500 patients, for December 2026 and January 2027.
    /// Every person and institution is fictional.
    pub fn okayama() -> Self {
        // Counts: [doctors, hospitals, backup-support hospitals, specialists, nurse
        // stations, patients]. 北区北 is rural and wide, the others urban.
        #[rustfmt::skip]
        let areas = vec![
            demo_area("kita-chuo", "北区中央", (34.665, 133.920), 5.0, &["kita-kita", "naka", "minami-kita", "minami-nishi"], [24, 4, 2, 28, 5, 300]),
            demo_area("kita-kita", "北区北", (34.790, 133.890), 12.0, &["kita-chuo", "naka", "higashi"], [16, 3, 1, 12, 3, 180]),
            demo_area("naka", "中区", (34.670, 133.965), 5.0, &["kita-chuo", "kita-kita", "higashi", "minami-kita"], [20, 4, 2, 31, 4, 250]),
            demo_area("higashi", "東区", (34.680, 134.040), 8.0, &["kita-kita", "naka", "minami-kita"], [22, 3, 1, 14, 4, 280]),
            demo_area("minami-kita", "南区北", (34.620, 133.920), 5.0, &["kita-chuo", "naka", "higashi", "minami-nishi"], [20, 4, 2, 20, 4, 250]),
            demo_area("minami-nishi", "南区西", (34.570, 133.870), 7.0, &["kita-chuo", "minami-kita"], [18, 3, 1, 10, 3, 240]),
        ];
        Self { seed: 2026, areas, months: demo_months(), name: "岡山市（架空）".to_owned() }
    }

    /// A national-scale dataset: `areas` areas on a grid over Japan-ish coordinates
    /// (grid neighbours are area neighbours), each with `groups_per_area` groups;
    /// `doctors` and `patients` are totals split evenly over the areas. Hospitals,
    /// specialists and nurse stations scale with each area's doctors.
    pub fn synthetic(seed: u64, areas: usize, groups_per_area: usize, doctors: usize, patients: usize) -> Self {
        // Kyushu to Hokkaido, well inside LatLon's range so that sites around a centre
        // (up to radius + 20 km) stay valid.
        let (south, north, west, east) = (31.5, 43.0, 130.5, 145.0);
        let cols = (areas as f64).sqrt().ceil().max(1.0) as usize;
        let rows = areas.div_ceil(cols).max(1);
        let lat_step = (north - south) / rows as f64;
        let lon_step = (east - west) / cols as f64;
        let spacing_km = (lat_step * 111.0).min(lon_step * 111.0 * 37.0_f64.to_radians().cos());
        let radius_km = (spacing_km / 2.5).clamp(2.0, 10.0);
        let width = digits(areas).max(3);
        let area_id = |position: usize| format!("area-{:0width$}", position + 1);
        let share = |total: usize, position: usize| total / areas + usize::from(position < total % areas);
        let specs = (0..areas)
            .map(|position| {
                let (row, col) = (position / cols, position % cols);
                let mut neighbours = Vec::new();
                if row > 0 {
                    neighbours.push(position - cols);
                }
                if col > 0 {
                    neighbours.push(position - 1);
                }
                if col + 1 < cols && position + 1 < areas {
                    neighbours.push(position + 1);
                }
                if position + cols < areas {
                    neighbours.push(position + cols);
                }
                let area_doctors = share(doctors, position);
                let hospitals = (area_doctors / 25).max(3);
                AreaSpec {
                    id: area_id(position),
                    name: format!("見本エリア{:0width$}", position + 1),
                    center: LatLon::new(south + (row as f64 + 0.5) * lat_step, west + (col as f64 + 0.5) * lon_step)
                        .expect("the grid lies inside Japan's range"),
                    radius_km,
                    neighbours: neighbours.into_iter().map(area_id).collect(),
                    prefecture: (position % 47 + 1) as u8,
                    groups: groups_per_area,
                    doctors: area_doctors,
                    hospitals,
                    backup_support_hospitals: (hospitals / 4).max(1),
                    specialists: (area_doctors / 6).max(10),
                    nurse_stations: (area_doctors / 12).max(3),
                    patients: share(patients, position),
                }
            })
            .collect();
        Self {
            seed, areas: specs, months: demo_months(), name: format!("全国規模の合成データ（架空, seed {seed}）")
        }
    }
}

/// One of Okayama's 福祉区, with two groups; `counts` are [doctors, hospitals,
/// backup-support hospitals, specialists, nurse stations, patients].
fn demo_area(
    id: &str,
    name: &str,
    (lat, lon): (f64, f64),
    radius_km: f64,
    neighbours: &[&str],
    counts: [usize; 6],
) -> AreaSpec {
    let [doctors, hospitals, backup_support_hospitals, specialists, nurse_stations, patients] = counts;
    AreaSpec {
        id: id.to_owned(),
        name: name.to_owned(),
        center: LatLon::new(lat, lon).expect("Okayama lies in Japan"),
        radius_km,
        neighbours: neighbours.iter().map(|&neighbour| neighbour.to_owned()).collect(),
        prefecture: OKAYAMA_PREFECTURE,
        groups: 2,
        doctors,
        hospitals,
        backup_support_hospitals,
        specialists,
        nurse_stations,
        patients,
    }
}

fn demo_months() -> Vec<Month> {
    vec![Month::new(2026, 12).expect("valid month"), Month::new(2027, 1).expect("valid month")]
}

/// Decimal digits of `n` (at least 1).
pub(super) fn digits(n: usize) -> usize {
    n.checked_ilog10().map_or(1, |log| log as usize + 1)
}
