//! A small city built for the backup-hospital rules: hospitals at known distances from
//! the patients' homes, with known functions, conditions and statuses.

mod admission;
mod quota;
mod rank;
mod workflow;

use chrono::NaiveDate;

use crate::dataset::{DataFiles, Dataset, parse};
use crate::domain::{Hospital, Idx, MedicalInstitutionCode, Patient};

/// Longitude degrees per km at latitude 34.67.
const DEG_PER_KM: f64 = 1.0 / 91.54;

/// A longitude `km` east of the patients' homes (133.90).
fn lon(km: f64) -> String {
    format!("{:.6}", 133.90 + km * DEG_PER_KM)
}

fn code(serial: u32) -> String {
    let payload: Vec<u8> = format!("331{serial:06}").bytes().map(|b| b - b'0').collect();
    format!("331{serial:06}{}", MedicalInstitutionCode::check_digit(&payload))
}

/// Area `a` (list length 3) neighbours `b`; `c` is apart. Every home is at 133.90E.
///
/// | hospital | area | functions | beds | support | accepts | km |
/// |---|---|---|---|---|---|---|
/// | H1 | a | 急性期;小児 | 400 | yes | 心不全;重症心身障害 | 2 |
/// | H2 | a | 地域包括ケア | 150 | | 心不全;認知症;老衰 | 1 |
/// | H3 | a | 緩和ケア;療養 | 80 | | 末期がん | 3 |
/// | H4 | b | 急性期 | 300 | yes | 心不全;末期がん | 6 |
/// | H5 | c | 回復期 | 120 | | 骨折後 | 5 |
///
/// P1 (80, 心不全, 退院元 H3); P2 (5, 重症心身障害, 人工呼吸器: a 医療的ケア児);
/// P3 (70, 末期がん, ACP 看取り, no consent); P4 (85, 骨折後, 通院先 H5).
pub(super) fn city_files() -> DataFiles {
    let clinics = format!("id,name,area,code,lat,lon,phone\nC1,一,a,{},34.67,{},086-200-0001\n", code(1), lon(0.5));
    let hospitals = format!(
        "id,name,area,functions,beds,phone_24h,lat,lon,accepts,backup_support,quota\n\
         H1,一病院,a,急性期;小児,400,086-300-0001,34.67,{},心不全;重症心身障害,true,\n\
         H2,二病院,a,地域包括ケア,150,086-300-0002,34.67,{},心不全;認知症;老衰,false,\n\
         H3,三病院,a,緩和ケア;療養,80,086-300-0003,34.67,{},末期がん,false,\n\
         H4,四病院,b,急性期,300,086-300-0004,34.67,{},心不全;末期がん,true,\n\
         H5,五病院,c,回復期,120,086-300-0005,34.67,{},骨折後,false,\n",
        lon(2.0),
        lon(1.0),
        lon(3.0),
        lon(6.0),
        lon(5.0)
    );
    let files = [
        ("dataset.toml", "format = 1\nname = \"後方支援テスト市\"\n".to_owned()),
        (
            "areas.csv",
            "id,name,lat,lon,neighbours,backup_list_len\na,甲区,34.67,133.91,b,3\nb,乙区,34.67,133.97,,\nc,丙区,34.80,133.90,,\n"
                .to_owned(),
        ),
        ("clinics.csv", clinics),
        ("doctors.csv", "id,name,clinic,employment,phone\nD1,見本 一,C1,開設者,086-200-0001\n".to_owned()),
        (
            "groups.toml",
            "[[group]]\nid = \"G1\"\nname = \"甲区グループ\"\narea = \"a\"\npolicy = [\"輪番制\"]\nmembers = [\"D1\"]\n"
                .to_owned(),
        ),
        ("hospitals.csv", hospitals),
        ("nurse_stations.csv", "id,name,area,phone_24h,lat,lon\nNS1,見本訪問看護,a,086-400-0001,34.67,133.90\n".to_owned()),
        (
            "patients.csv",
            "id,name,birth_date,primary_doctor,lat,lon,conditions,devices,acp,discharge_hospital,regular_hospital,nurse_station\n\
             P1,患者一,1946-05-01,D1,34.67,133.90,心不全,,,H3,,NS1\n\
             P2,患者二,2021-04-01,D1,34.67,133.90,重症心身障害,人工呼吸器;気管切開,,,,NS1\n\
             P3,患者三,1956-01-10,D1,34.67,133.90,末期がん,,自宅での看取りを希望,,,\n\
             P4,患者四,1941-03-03,D1,34.67,133.90,骨折後,,,,H5,\n"
                .to_owned(),
        ),
        (
            "consents.csv",
            "id,patient,kind,date,given_by,document,recipients,withdrawn_on\n\
             CN1,P1,後方支援病院登録,2026-10-01,本人,書1,H1;H2;H3,\n\
             CN2,P2,後方支援病院登録,2026-09-01,母,書2,H1;H4,\n\
             CN4,P4,後方支援病院登録,2026-09-01,長男,書4,H5;H1,\n\
             CN5,P4,後方支援病院登録,2026-10-15,長男,書5,H2,\n"
                .to_owned(),
        ),
        (
            "registrations.csv",
            "id,patient,hospital,rank,consent,status,requested_on,formal,decided_on,info_shared_on\n\
             RG1,P2,H1,1,CN2,登録済,2026-09-02,true,2026-09-05,2026-10-01\n\
             RG2,P2,H4,2,CN2,申請中,2026-09-02,,,\n\
             RG3,P4,H5,1,CN4,登録済,2026-09-02,,2026-09-06,\n\
             RG4,P4,H1,2,CN4,登録済,2026-09-02,,2026-09-06,\n\
             RG5,P4,H2,3,CN5,申請中,2026-10-16,,,\n"
                .to_owned(),
        ),
        (
            "admissions.csv",
            "id,patient,requested_at,severe,discharge_on,note\n\
             AD1,P2,2026-11-20T02:00,false,,発熱・SpO2低下\n\
             AD2,P4,2026-11-25T10:00,,,\n"
                .to_owned(),
        ),
        (
            "admission_attempts.csv",
            "id,admission,hospital,at,outcome,reason\n\
             AT1,AD1,H1,2026-11-20T02:10,断り,満床\n\
             AT2,AD1,H4,2026-11-20T02:30,受入,\n\
             AT3,AD2,H5,2026-11-25T10:05,断り,専門外\n"
                .to_owned(),
        ),
    ];
    files.into_iter().map(|(name, text)| (name.to_owned(), text)).collect()
}

pub(super) fn city() -> Dataset {
    parse(&city_files()).unwrap_or_else(|invalid| panic!("{invalid:#?}"))
}

pub(super) fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

pub(super) fn patient(dataset: &Dataset, id: &str) -> Idx<Patient> {
    dataset.patients.lookup(id).unwrap()
}

pub(super) fn hospital(dataset: &Dataset, id: &str) -> Idx<Hospital> {
    dataset.hospitals.lookup(id).unwrap()
}
