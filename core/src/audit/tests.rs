//! A small city with gaps seeded on purpose: the audit must find each of them, where
//! and when, and nothing else.

use super::*;
use crate::calendar::parse_instant;
use crate::cover::RotaBook;
use crate::dataset::{DataFiles, parse};
use crate::domain::MedicalInstitutionCode;
use crate::rota::RotaRecords;

/// Longitude degrees per km at latitude 34.67.
const DEG_PER_KM: f64 = 1.0 / 91.54;

fn lon(km_east: f64) -> String {
    format!("{:.5}", 133.90 + km_east * DEG_PER_KM)
}

fn code(serial: u32) -> String {
    let payload: Vec<u8> = format!("331{serial:06}").bytes().map(|b| b - b'0').collect();
    format!("331{serial:06}{}", MedicalInstitutionCode::check_digit(&payload))
}

/// G1 (rotation): D1 at 0 km, D2 and D3 12 km east. G2 (absence cover): D4–D6.
/// P1 clean; P2 no consent and met nobody; P3 (G2) 主治医 absent without cover and one
/// backup hospital; P4 (G2) covered by a doctor who never met them; P5 lives 20 km
/// from their 主治医; P6 lives 14 km west, beyond 16 km of D2 and D3.
fn seeded_city() -> DataFiles {
    let clinics = format!(
        "id,name,area,code,lat,lon,phone\n\
         C1,一,a,{},34.67,{},086-200-0001\nC2,二,a,{},34.67,{},086-200-0002\nC3,三,a,{},34.67,{},086-200-0003\n\
         C4,四,a,{},34.70,133.93,086-200-0004\nC5,五,a,{},34.70,133.931,086-200-0005\nC6,六,a,{},34.70,133.932,086-200-0006\n",
        code(1),
        lon(0.0),
        code(2),
        lon(12.0),
        code(3),
        lon(12.0),
        code(4),
        code(5),
        code(6)
    );
    let doctors = "id,name,clinic,employment,phone\n\
        D1,見本 一,C1,開設者,086-200-0001\nD2,見本 二,C2,開設者,086-200-0002\nD3,見本 三,C3,開設者,086-200-0003\n\
        D4,見本 四,C4,開設者,086-200-0004\nD5,見本 五,C5,開設者,086-200-0005\nD6,見本 六,C6,開設者,086-200-0006\n";
    let groups = "[[group]]\nid = \"G1\"\nname = \"一\"\narea = \"a\"\npolicy = [\"輪番制\"]\nmembers = [\"D1\", \"D2\", \"D3\"]\n\
        [group.rules]\nsixteen_km = false\n\
        [[group]]\nid = \"G2\"\nname = \"二\"\narea = \"a\"\npolicy = [\"主治医・副主治医制\"]\nmembers = [\"D4\", \"D5\", \"D6\"]\n";
    let patients = format!(
        "id,name,birth_date,primary_doctor,lat,lon,group,met_doctors\n\
         P1,患者一,1940-01-01,D1,34.67,{},G1,D2;D3\nP2,患者二,1940-01-01,D2,34.67,{},G1,\n\
         P3,患者三,1940-01-01,D4,34.70,133.935,G2,D5;D6\nP4,患者四,1940-01-01,D5,34.70,133.935,G2,\n\
         P5,患者五,1940-01-01,D3,34.67,{},G1,D1;D2\nP6,患者六,1940-01-01,D1,34.67,{},G1,D2;D3\n",
        lon(6.0),
        lon(10.0),
        lon(32.0),
        lon(-14.0)
    );
    let mut consents = String::from("id,patient,kind,date,given_by,document,recipients\n");
    let mut registrations = String::from("id,patient,hospital,rank,consent,status,requested_on\n");
    for (n, patient) in ["P1", "P2", "P3", "P4", "P5", "P6"].into_iter().enumerate() {
        if patient != "P2" {
            consents.push_str(&format!("GC{n},{patient},グループ医診療,2026-10-01,本人,書{n},\n"));
        }
        consents.push_str(&format!("BH{n},{patient},後方支援病院登録,2026-10-01,本人,病{n},H1;H2\n"));
        registrations.push_str(&format!("R{n}a,{patient},H1,1,BH{n},登録済,2026-10-02\n"));
        if patient != "P3" {
            registrations.push_str(&format!("R{n}b,{patient},H2,2,BH{n},申請中,2026-10-02\n"));
        }
    }
    let files = [
        ("dataset.toml", "format = 1\nname = \"監査テスト市\"\n".to_owned()),
        ("areas.csv", "id,name,lat,lon,backup_list_len\na,テスト区,34.67,133.95,2\n".to_owned()),
        ("clinics.csv", clinics),
        ("doctors.csv", doctors.to_owned()),
        ("groups.toml", groups.to_owned()),
        (
            "hospitals.csv",
            "id,name,area,functions,beds,phone_24h,lat,lon\nH1,病院一,a,急性期,300,086-300-0001,34.68,133.95\nH2,病院二,a,療養,80,086-300-0002,34.66,133.94\n".to_owned(),
        ),
        ("patients.csv", patients),
        ("consents.csv", consents),
        ("registrations.csv", registrations),
        (
            "absences.csv",
            "id,doctor,start,end,reason\nA4,D4,2026-12-08T09:00,2026-12-09T18:00,学会\nA5,D5,2026-12-15T09:00,2026-12-16T18:00,休暇\n".to_owned(),
        ),
    ];
    files.into_iter().map(|(name, text)| (name.to_owned(), text)).collect()
}

fn at(text: &str) -> Instant {
    parse_instant(text).unwrap()
}

#[test]
fn the_audit_finds_every_seeded_gap_and_nothing_else() {
    let dataset = parse(&seeded_city()).expect("the seeded city is valid data");
    let december: Month = "2026-12".parse().unwrap();
    let mut records: RotaRecords = crate::cover::tests::round_robin_records(&dataset, december);
    // Seed an unstaffed night: 12/20 has nobody in G1.
    let unstaffed = "2026-12-20".parse::<chrono::NaiveDate>().unwrap();
    records.duties.retain(|duty| !(duty.group == "G1" && duty.date == unstaffed && duty.slot.is_night()));
    // A5 is covered by D6, who never met P4; A4 has no cover.
    records.covers.retain(|cover| cover.absence == "A5");
    records.covers[0].doctor = "D6".into();
    let mut book = RotaBook::new(&dataset);
    book.add(&dataset, &records).unwrap();
    let index = CoverIndex::new(&dataset, &book);
    let groups: Vec<_> = dataset.groups.indices().collect();
    let report = audit(&index, &groups, december);
    assert_eq!(report.patients, 6);

    let of = |id: &str| -> Vec<&Finding> { report.findings.iter().filter(|f| f.patient_id == id).collect() };
    let unstaffed_night = (at("2026-12-20T18:00"), at("2026-12-21T08:30"));

    // P1: clean but for the unstaffed night.
    let p1: Vec<_> = of("P1").iter().map(|f| (f.kind, f.from, f.to)).collect();
    assert_eq!(p1, [(FindingKind::NoCover, Some(unstaffed_night.0), Some(unstaffed_night.1))], "{:#?}", of("P1"));

    // P2: no consent and no 顔合わせ whenever someone else is on duty; never in hours.
    // One consent to obtain and one 顔合わせ to arrange per other doctor, for the month.
    let p2 = of("P2");
    assert_eq!(p2.iter().filter(|f| f.kind == FindingKind::MissingConsent).count(), 1);
    let (d1, d3) = (dataset.doctors.lookup("D1").unwrap(), dataset.doctors.lookup("D3").unwrap());
    let mut not_met: Vec<_> = p2.iter().filter(|f| f.kind == FindingKind::NotMet).map(|f| f.doctor.unwrap()).collect();
    not_met.sort();
    assert_eq!(not_met, [d1, d3]);
    assert!(p2.iter().all(|f| f.occurrences > 1 || f.kind == FindingKind::NoCover));
    for finding in p2.iter().filter(|f| matches!(f.kind, FindingKind::MissingConsent | FindingKind::NotMet)) {
        let from = finding.from.unwrap();
        assert!(book.duty_at(dataset.groups.lookup("G1").unwrap(), from).is_some(), "only on duty: {finding:?}");
    }

    // P3: no cover exactly during A4, and one backup hospital of two required.
    let p3: Vec<_> = of("P3").iter().map(|f| (f.kind, f.from, f.to)).collect();
    assert_eq!(
        p3,
        [
            (FindingKind::TooFewBackupHospitals, None, None),
            (FindingKind::NoCover, Some(at("2026-12-08T09:00")), Some(at("2026-12-09T18:00"))),
        ]
    );

    // P4: covered during A5 by D6, who never met them.
    let p4: Vec<_> = of("P4").iter().map(|f| (f.kind, f.from, f.to, f.doctor)).collect();
    let d6 = dataset.doctors.lookup("D6").unwrap();
    assert_eq!(p4, [(FindingKind::NotMet, Some(at("2026-12-15T09:00")), Some(at("2026-12-16T18:00")), Some(d6))]);

    // P5: lives beyond 16 km of their own 主治医 (and is not held to the rule otherwise).
    let p5: Vec<_> = of("P5").iter().map(|f| f.kind).filter(|&k| k != FindingKind::NoCover).collect();
    assert_eq!(p5, [FindingKind::FarFromOwnDoctor]);

    // P6: beyond 16 km exactly when only D2 and D3 are on duty.
    let g1 = dataset.groups.lookup("G1").unwrap();
    let (d2, d3) = (dataset.doctors.lookup("D2").unwrap(), dataset.doctors.lookup("D3").unwrap());
    let far_duties: Vec<(Instant, Instant)> = book
        .current_duties(g1)
        .filter(|duty| duty.primary.iter().chain(&duty.secondary).all(|&d| d == d2 || d == d3))
        .map(|duty| (duty.start, duty.end))
        .collect();
    assert!(!far_duties.is_empty());
    let p6_far: Vec<(Instant, Instant)> = of("P6")
        .iter()
        .filter(|f| f.kind == FindingKind::BeyondSixteenKm)
        .map(|f| (f.from.unwrap(), f.to.unwrap()))
        .collect();
    // Back-to-back far duties merge into one finding; compare the covered time.
    let covered =
        |intervals: &[(Instant, Instant)]| -> i64 { intervals.iter().map(|(a, b)| (*b - *a).num_minutes()).sum() };
    assert_eq!(covered(&p6_far), covered(&far_duties));
    assert!(p6_far.iter().all(|&(from, to)| far_duties.iter().any(|&(a, _)| a == from) && to > from));
    let p6_other: Vec<_> = of("P6")
        .iter()
        .map(|f| f.kind)
        .filter(|&k| !matches!(k, FindingKind::BeyondSixteenKm | FindingKind::NoCover))
        .collect();
    assert!(p6_other.is_empty(), "{p6_other:?}");
}
