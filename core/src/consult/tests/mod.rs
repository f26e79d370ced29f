//! A small city laid out on a line so every distance, area, mode, load and consent of
//! the consult ranking is known: the patients live at 0 km, specialists sit east of
//! them.

use crate::calendar::{Instant, parse_instant};
use crate::dataset::{DataFiles, Dataset, parse};
use crate::domain::MedicalInstitutionCode;

mod lifecycle;
mod rank;
mod routing;

/// Longitude degrees per km at latitude 34.67.
const DEG_PER_KM: f64 = 1.0 / 91.54;

fn lon(km_east: f64) -> String {
    format!("{:.5}", 133.90 + km_east * DEG_PER_KM)
}

fn code(serial: u32) -> String {
    let payload: Vec<u8> = format!("331{serial:06}").bytes().map(|b| b - b'0').collect();
    format!("331{serial:06}{}", MedicalInstitutionCode::check_digit(&payload))
}

/// Areas a (the patients'), b (a's neighbour) and c (not a neighbour).
///
/// 皮膚科: S1 a, 助言 only, 2 km; S2 a, 往診, 3 km, capacity 2, one closed consult;
/// S3 b only, 往診, 1 km; S4 c only (left out); S5 a, 往診, 20 km; S6 a, 往診, 4 km,
/// capacity 1 and one open consult (満員); S7 a, 往診, 8 km; S10 a, 往診, 1 km, one open
/// consult of capacity 5. S8 耳鼻咽喉科 and S9 リハビリ科, a. No 眼科 specialist.
///
/// P1: consent CN1 names S2, S10, S6, S8; CN2 named S7, withdrawn 2026-11-01; CN3
/// names S1 from 2027-01-01; an open consult with S8. P2: group-cover consent only.
/// P3: CN5 names S8 only. P4 holds the consults of S10, S6 and S2.
pub(super) fn city() -> DataFiles {
    let specialist = |id: &str, specialty: &str, modes: &str, areas: &str, km: f64, capacity: &str| {
        let n: u32 = id[1..].parse().unwrap();
        format!("{id},医師{id},{id}医院,{specialty},{modes},{areas},34.67,{},086-500-{n:04},{capacity}\n", lon(km))
    };
    let specialists = [
        specialist("S1", "皮膚科", "助言", "a", 2.0, ""),
        specialist("S2", "皮膚科", "往診;助言", "a", 3.0, "2"),
        specialist("S3", "皮膚科", "往診", "b", 1.0, ""),
        specialist("S4", "皮膚科", "往診", "c", 0.5, ""),
        specialist("S5", "皮膚科", "往診", "a", 20.0, ""),
        specialist("S6", "皮膚科", "往診", "a", 4.0, "1"),
        specialist("S7", "皮膚科", "往診;助言", "a", 8.0, ""),
        specialist("S8", "耳鼻咽喉科", "往診;助言", "a", 2.0, ""),
        specialist("S9", "リハビリ科", "往診;外来", "a;b", 6.0, ""),
        specialist("S10", "皮膚科", "往診", "a", 1.0, "5"),
    ]
    .concat();
    let patients = format!(
        "id,name,birth_date,primary_doctor,lat,lon\n\
         P1,患者一,1940-01-01,D1,34.67,{0}\nP2,患者二,1940-01-01,D1,34.67,{0}\n\
         P3,患者三,1940-01-01,D1,34.67,{0}\nP4,患者四,1940-01-01,D1,34.67,{0}\n",
        lon(0.0)
    );
    let files = [
        ("dataset.toml", "format = 1\nname = \"相談テスト市\"\n".to_owned()),
        (
            "areas.csv",
            "id,name,lat,lon,neighbours\na,テスト区,34.67,133.90,b\nb,隣区,34.70,133.95,\nc,遠区,34.80,134.10,\n"
                .to_owned(),
        ),
        (
            "clinics.csv",
            format!("id,name,area,code,lat,lon,phone\nC1,一,a,{},34.67,{},086-200-0001\n", code(1), lon(0.0)),
        ),
        ("doctors.csv", "id,name,clinic,employment,phone\nD1,見本 一,C1,開設者,086-200-0001\n".to_owned()),
        (
            "groups.toml",
            "[[group]]\nid = \"G1\"\nname = \"一\"\narea = \"a\"\npolicy = [\"輪番制\"]\nmembers = [\"D1\"]\n"
                .to_owned(),
        ),
        ("specialists.csv", format!("id,name,institution,specialty,modes,areas,lat,lon,phone,capacity\n{specialists}")),
        ("patients.csv", patients),
        (
            "consents.csv",
            "id,patient,kind,date,given_by,document,recipients,withdrawn_on\n\
             CN1,P1,専門医相談,2026-10-01,本人,書1,S2;S10;S6;S8,\n\
             CN2,P1,専門医相談,2026-10-01,本人,書2,S7,2026-11-01\n\
             CN3,P1,専門医相談,2027-01-01,本人,書3,S1,\n\
             CN4,P2,グループ医診療,2026-10-01,本人,書4,,\n\
             CN5,P3,専門医相談,2026-10-01,長女,書5,S8,\n\
             CN6,P4,専門医相談,2026-10-01,本人,書6,S10;S6;S2,\n"
                .to_owned(),
        ),
        (
            "symptoms.csv",
            "symptom,specialty\n褥瘡,皮膚科\n白癬,皮膚科\n爪白癬,皮膚科\n嚥下障害,耳鼻咽喉科\n嚥下障害,リハビリ科\n\
             ADL低下,リハビリ科\n視力低下,眼科\nｾﾝﾓｳ,精神科\n"
                .to_owned(),
        ),
        (
            "consults.csv",
            "id,patient,specialist,symptom,mode,consent,status,requested_at,updated_at,report\n\
             CS000001,P4,S10,褥瘡,往診,CN6,受付,2026-11-01T10:00,2026-11-02T10:00,\n\
             CS000002,P4,S6,湿疹,往診,CN6,依頼,2026-11-03T10:00,,\n\
             CS000007,P4,S2,褥瘡,往診,CN6,報告済,2026-10-10T10:00,2026-10-20T10:00,軟膏処方\n\
             CS000003,P1,S8,嚥下障害,助言,CN1,助言済,2026-11-20T10:00,2026-11-21T10:00,\n"
                .to_owned(),
        ),
    ];
    files.into_iter().map(|(name, text)| (name.to_owned(), text)).collect()
}

pub(super) fn dataset() -> Dataset {
    parse(&city()).expect("the consult test city is valid data")
}

pub(super) fn at(text: &str) -> Instant {
    parse_instant(text).unwrap()
}
