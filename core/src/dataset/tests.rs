//! The data directory format: a tiny valid dataset, and each kind of mistake reported
//! with its file, line, record and field.

use super::*;

fn valid_files() -> DataFiles {
    let files = [
        ("dataset.toml", "format = 1\nname = \"テスト市（架空）\"\n"),
        (
            "areas.csv",
            "id,name,lat,lon,neighbours,backup_list_len\n\
             naka,中区,34.67,133.96,higashi,3\n\
             higashi,東区,34.68,134.04,,2\n",
        ),
        (
            "clinics.csv",
            "id,name,area,code,lat,lon,phone,home_care_support\n\
             C1,見本クリニック（架空）,naka,3310000017,34.670,133.960,086-200-0001,true\n\
             C2,仮野医院（架空）,naka,3310000025,34.675,133.955,086-200-0002,\n",
        ),
        (
            "doctors.csv",
            "id,name,clinic,employment,phone,mobile,specialties,capabilities,participation\n\
             D1,見本 一郎,C1,開設者,086-200-0001,090-0000-0001,内科,看取り;緩和ケア,1\n\
             D2,仮野 二郎,C2,owner,086-200-0002,,内科;小児科,医療的ケア児,0.5\n\
             D3,試田 三子,C1,勤務医,086-200-0001,,内科,,\n",
        ),
        (
            "groups.toml",
            "[[group]]\nid = \"G1\"\nname = \"中区第1グループ\"\narea = \"naka\"\n\
             policy = [\"輪番制\", \"absence_cover\"]\nmembers = [\"D1\", \"D2\", \"D3\"]\n\
             [group.calendar]\nhalf_day_closures = [\"木\"]\nclosed_dates = [2026-12-28]\n\
             [group.slots]\nsaturday_afternoon = \"13:00-18:00\"\nhalf_day_afternoon = \"off\"\n\
             [group.rules]\nmax_duties_per_month = 12\nmin_days_between = 2\n\
             [group.roles]\nsaturday_afternoon = { primary = 1, secondary = 0 }\n\
             [group.points]\nholiday_night = 2.0\n",
        ),
        (
            "hospitals.csv",
            "id,name,area,functions,beds,phone_24h,lat,lon,accepts,backup_support,quota\n\
             H1,中区みほん総合病院（架空）,naka,急性期;地域包括ケア,350,086-300-0001,34.66,133.97,心不全;肺炎,true,\n\
             H2,東区れい病院（架空）,higashi,療養,80,086-300-0002,34.69,134.03,,false,40\n",
        ),
        (
            "nurse_stations.csv",
            "id,name,area,phone_24h,lat,lon\nNS1,みほん訪問看護（架空）,naka,086-400-0001,34.67,133.95\n",
        ),
        (
            "specialists.csv",
            "id,name,institution,specialty,modes,areas,lat,lon,phone,capacity\n\
             S1,例田 皮子,れい皮膚科（架空）,皮膚科,往診;助言,naka;higashi,34.67,133.97,086-500-0001,5\n",
        ),
        (
            "patients.csv",
            "id,name,birth_date,primary_doctor,lat,lon,group,conditions,devices,acp,key_person,key_person_phone,discharge_hospital,regular_hospital,met_doctors,nurse_station\n\
             P1,見本 花子,1938-04-01,D1,34.671,133.962,,心不全;認知症,在宅酸素,自宅での看取りを希望,見本 太郎（長男）,090-1111-0001,H1,,D2,NS1\n\
             P2,仮野 ゆう,2019-06-15,D2,34.676,133.957,G1,重症心身障害,人工呼吸器;気管切開,,仮野 母子（母）,090-1111-0002,,H1,D1;D3,\n",
        ),
        (
            "consents.csv",
            "id,patient,kind,date,given_by,document,recipients,withdrawn_on\n\
             CN1,P1,グループ医診療,2026-10-01,本人,同意書-0001,,\n\
             CN2,P1,後方支援病院登録,2026-10-01,本人,同意書-0002,H1;H2,\n\
             CN3,P2,specialist_consult,2026-10-05,母,同意書-0003,S1,2026-11-01\n",
        ),
        ("absences.csv", "id,doctor,start,end,reason\nAB1,D1,2026-12-10T13:00,2026-12-12T18:00,学会\n"),
        (
            "requests.csv",
            "id,doctor,kind,date,slot,weight\nRQ1,D2,回避,2026-12-24,平日夜間,3\nRQ2,D3,希望,2026-12-31,,\n",
        ),
        ("unavailability.csv", "id,doctor,weekday,slot,note\nUA1,D1,水,平日夜間,夜間外来\nUA2,D3,,土曜午後,\n"),
        (
            "ledger.csv",
            "id,doctor,month,balance,note\nLG1,D1,2026-10,1.5,\nLG2,D1,2026-11,2.5,年末年始\nLG3,D2,2026-11,-1,\n",
        ),
        (
            "registrations.csv",
            "id,patient,hospital,rank,consent,status,requested_on,formal,decided_on,info_shared_on,note\n\
             RG1,P1,H1,1,CN2,登録済,2026-10-02,true,2026-10-05,2026-10-05,\n\
             RG2,P1,H2,2,CN2,申請中,2026-10-02,,,,\n",
        ),
        ("symptoms.csv", "symptom,specialty\n褥瘡,皮膚科\n嚥下障害,耳鼻咽喉科\n"),
        (
            "consults.csv",
            "id,patient,specialist,symptom,mode,consent,status,requested_at,updated_at,report\n\
             CS1,P2,S1,褥瘡,往診,CN3,報告済,2026-10-20T10:00,2026-10-25T15:00,軟膏処方\n",
        ),
    ];
    files.into_iter().map(|(name, text)| (name.to_owned(), text.to_owned())).collect()
}

fn with(file: &str, text: &str) -> DataFiles {
    let mut files = valid_files();
    files.insert(file.to_owned(), text.to_owned());
    files
}

fn replace(file: &str, from: &str, to: &str) -> DataFiles {
    let mut files = valid_files();
    let text = files.get_mut(file).expect("file");
    assert!(text.contains(from), "{file} has no '{from}'");
    *text = text.replace(from, to);
    files
}

fn problems(files: &DataFiles) -> Vec<Problem> {
    parse(files).expect_err("should be invalid").problems
}

/// Asserts a single problem at `file:line` on `field` whose message contains `needle`.
fn assert_one(files: &DataFiles, file: &str, line: usize, field: &str, needle: &str) {
    let found = problems(files);
    assert_eq!(found.len(), 1, "expected one problem, got: {found:#?}");
    let problem = &found[0];
    assert_eq!(
        (problem.file.as_str(), problem.line, problem.field.as_deref()),
        (file, Some(line), Some(field)),
        "{problem}"
    );
    assert!(problem.message.contains(needle), "'{}' does not mention '{needle}'", problem.message);
}

#[test]
fn the_valid_dataset_parses_with_resolved_references() {
    let dataset = parse(&valid_files()).unwrap();
    assert_eq!(dataset.name, "テスト市（架空）");
    let naka = dataset.areas.lookup("naka").unwrap();
    let higashi = dataset.areas.lookup("higashi").unwrap();
    // Adjacency is symmetric even though only 中区 lists it.
    assert_eq!(dataset.areas[higashi].neighbours, [naka]);
    let p1 = &dataset.patients[dataset.patients.lookup("P1").unwrap()];
    assert_eq!(dataset.groups[p1.group].id.as_str(), "G1", "a doctor in one group gives the patient's group");
    let p2 = dataset.patients.lookup("P2").unwrap();
    assert!(dataset.patients[p2].is_medical_care_child(chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()));
    let group = &dataset.groups[dataset.groups.lookup("G1").unwrap()];
    assert!(group.policy.rotation() && group.policy.absence_cover());
    assert_eq!(group.slots.half_day_afternoon, None);
    assert_eq!(group.slots.saturday_afternoon.unwrap().to_string(), "13:00-18:00");
    assert_eq!(group.calendar.closed_dates.len(), 1);
    assert_eq!(group.rota.rules.max_duties_per_month, Some(12));
    assert_eq!(group.rota.rules.min_days_between, 2);
    assert!(group.rota.rules.no_consecutive_nights, "defaults fill what is not set");
    assert_eq!(group.rota.roles.saturday_afternoon.secondary, 0);
    assert_eq!(group.rota.points.holiday_night, 2.0);
    assert_eq!(group.rota.points.weekday_night, 1.0);
    let d1 = dataset.doctors.lookup("D1").unwrap();
    assert_eq!(dataset.patients_of_doctor(d1).len(), 1);
    let december: crate::calendar::Month = "2026-12".parse().unwrap();
    assert_eq!(dataset.ledger_balance_before(d1, december), 2.5, "the latest earlier month");
    assert_eq!(dataset.ledger_balance_before(d1, "2026-11".parse().unwrap()), 1.5);
    assert_eq!(dataset.ledger_balance_before(d1, "2026-10".parse().unwrap()), 0.0);
    let unavailable = &dataset.unavailability[dataset.unavailability_of_doctor(d1)[0]];
    let wednesday = chrono::NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
    assert!(unavailable.rules_out(wednesday, crate::calendar::SlotKind::WeekdayNight));
    assert!(!unavailable.rules_out(wednesday + chrono::Duration::days(1), crate::calendar::SlotKind::WeekdayNight));
    assert_eq!(dataset.absences_of_doctor(d1).len(), 1);
    assert_eq!(dataset.consents_of_patient(dataset.patients.lookup("P1").unwrap()).len(), 2);

    let summary = dataset.summary();
    assert_eq!(
        summary[0],
        AreaSummary {
            area: "naka".into(),
            name: "中区".into(),
            groups: 1,
            doctors: 3,
            hospitals: 1,
            backup_support_hospitals: 1,
            nurse_stations: 1,
            specialists: 1,
            patients: 2,
        }
    );
    assert_eq!((summary[1].hospitals, summary[1].specialists, summary[1].patients), (1, 1, 0));
}

#[test]
fn writing_then_reading_gives_the_same_files() {
    let dataset = parse(&valid_files()).unwrap();
    let written = write(&dataset);
    let reread = parse(&written).unwrap();
    assert_eq!(write(&reread), written);
    assert_eq!(reread.patients.len(), 2);
    assert_eq!(reread.requests.len(), 2);
}

#[test]
fn unknown_references_name_the_line_and_column() {
    let files = replace("patients.csv", ",D1,34.671", ",D9,34.671");
    assert_one(&files, "patients.csv", 2, "primary_doctor", "'D9' が見つかりません");
}

#[test]
fn one_mistake_is_reported_once_not_in_every_dependent_row() {
    // D2 is referenced by the group, two patients and a request: only its own row is reported.
    let files = replace("doctors.csv", "D2,仮野 二郎,C2,owner", "D2,仮野 二郎,C2,boss");
    assert_one(&files, "doctors.csv", 3, "employment", "unknown Employment");
    // A broken group does not make its doctors' patients "in no group".
    let files = replace("groups.toml", "\"D3\"]", "\"D3\", \"D7\"]");
    assert_one(&files, "groups.toml", 6, "members", "'D7' が見つかりません");
}

#[test]
fn duplicate_ids_point_to_the_first() {
    let files = replace("clinics.csv", "C2,仮野医院", "C1,仮野医院");
    let found = problems(&files);
    assert!(
        found.iter().any(|p| p.line == Some(3) && p.message.contains("重複") && p.message.contains("line 2")),
        "{found:#?}"
    );
}

#[test]
fn values_are_checked_into_types() {
    assert_one(&replace("areas.csv", "34.67,133.96", "133.96,34.67"), "areas.csv", 2, "lat", "緯度");
    assert_one(&replace("clinics.csv", "3310000017", "3310000018"), "clinics.csv", 2, "code", "check digit");
    assert_one(
        &replace("doctors.csv", "内科;小児科,医療的ケア児,0.5", "内科,,1.5"),
        "doctors.csv",
        3,
        "participation",
        "(0, 1]",
    );
    assert_one(
        &replace("nurse_stations.csv", "086-400-0001", "86-1"),
        "nurse_stations.csv",
        2,
        "phone_24h",
        "電話番号",
    );
    assert_one(&replace("requests.csv", "平日夜間,3", "深夜,3"), "requests.csv", 2, "slot", "当番枠の種類");
    assert_one(
        &replace("absences.csv", "2026-12-12T18:00", "2026-12-09T18:00"),
        "absences.csv",
        2,
        "end",
        "after start",
    );
    assert_one(
        &replace("absences.csv", "2026-12-12T18:00", "12/12 18時"),
        "absences.csv",
        2,
        "end",
        "YYYY-MM-DDTHH:MM",
    );
}

#[test]
fn backup_support_needs_200_beds() {
    let files = replace("hospitals.csv", "急性期;地域包括ケア,350", "急性期;地域包括ケア,150");
    assert_one(&files, "hospitals.csv", 2, "backup_support", "200");
}

#[test]
fn consent_must_name_its_recipients() {
    let files = replace("consents.csv", "同意書-0002,H1;H2,", "同意書-0002,,");
    assert_one(&files, "consents.csv", 3, "recipients", "1つ以上");
    let wrong_kind = replace("consents.csv", "同意書-0003,S1,", "同意書-0003,H1,");
    assert_one(&wrong_kind, "consents.csv", 4, "recipients", "協力医 'H1' が見つかりません");
}

#[test]
fn a_patient_group_must_hold_the_primary_doctor() {
    let files =
        with("groups.toml", &valid_files()["groups.toml"].replace("[\"D1\", \"D2\", \"D3\"]", "[\"D2\", \"D3\"]"));
    let found = problems(&files);
    assert!(
        found.iter().any(|p| p.file == "patients.csv"
            && p.line == Some(2)
            && p.message.contains("どのグループにも属していません")),
        "{found:#?}"
    );
}

#[test]
fn headers_are_checked() {
    let missing = replace("nurse_stations.csv", "id,name,area,phone_24h,lat,lon", "id,name,area,lat,lon");
    let found = problems(&missing);
    assert!(
        found.iter().any(|p| p.field.as_deref() == Some("phone_24h") && p.message.contains("missing column")),
        "{found:#?}"
    );
    let typo = replace("nurse_stations.csv", "id,name,area,phone_24h,lat,lon", "id,name,area,phone24h,lat,lon");
    assert!(
        problems(&typo).iter().any(|p| p.field.as_deref() == Some("phone24h") && p.message.contains("unknown column"))
    );
}

#[test]
fn groups_toml_problems_have_lines() {
    let files = replace("groups.toml", "\"D3\"]", "\"D3\", \"D7\"]");
    assert_one(&files, "groups.toml", 6, "members", "'D7' が見つかりません");
    let syntax = replace("groups.toml", "area = \"naka\"", "area = naka");
    let found = problems(&syntax);
    assert_eq!((found[0].file.as_str(), found[0].line), ("groups.toml", Some(4)), "{found:#?}");
    let typo = replace("groups.toml", "half_day_closures", "halfday_closures");
    assert!(problems(&typo)[0].message.contains("halfday_closures"));
    let slot = replace("groups.toml", "\"13:00-18:00\"", "\"13時から\"");
    assert_one(&slot, "groups.toml", 11, "slots.saturday_afternoon", "HH:MM-HH:MM");
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let mut files = replace("patients.csv", ",D1,34.671", ",D9,34.671");
    files.insert("areas.csv".into(), files["areas.csv"].replace("133.96,higashi", "999,higashi"));
    files.insert("patients.csv.bak".into(), String::new());
    files.insert("patient.csv".into(), String::new());
    let found = problems(&files);
    let files_named: Vec<&str> = found.iter().map(|p| p.file.as_str()).collect();
    assert!(files_named.contains(&"areas.csv") && files_named.contains(&"patients.csv"), "{found:#?}");
    assert!(found.iter().any(|p| p.file == "patient.csv" && p.message.contains("unknown file")));
}

#[test]
fn a_missing_dataset_toml_or_wrong_format_is_refused() {
    let mut files = valid_files();
    files.remove("dataset.toml");
    assert!(problems(&files).iter().any(|p| p.file == "dataset.toml" && p.message.contains("missing file")));
    let future = with("dataset.toml", "format = 2\nname = \"x\"\n");
    assert_one(&future, "dataset.toml", 1, "format", "format 2 is not supported");
}

#[test]
fn rota_settings_and_standing_data_are_checked() {
    assert_one(
        &replace("groups.toml", "min_days_between = 2", "min_days_between = 15"),
        "groups.toml",
        13,
        "rules.min_days_between",
        "0..=14",
    );
    let typo = replace("groups.toml", "max_duties_per_month", "max_duty_per_month");
    assert!(problems(&typo)[0].message.contains("max_duty_per_month"), "{:#?}", problems(&typo));
    assert_one(
        &replace("groups.toml", "{ primary = 1, secondary = 0 }", "{ primary = 0, secondary = 1 }"),
        "groups.toml",
        16,
        "roles.saturday_afternoon",
        "primary must be 1..=5",
    );
    assert_one(
        &replace("groups.toml", "holiday_night = 2.0", "holiday_night = -1.0"),
        "groups.toml",
        18,
        "points",
        "0..=100",
    );
    assert_one(
        &replace("unavailability.csv", "UA2,D3,,土曜午後", "UA2,D3,,"),
        "unavailability.csv",
        3,
        "weekday",
        "give a weekday, a slot kind, or both",
    );
    assert_one(
        &replace("unavailability.csv", "UA1,D1,水", "UA1,D1,水曜日"),
        "unavailability.csv",
        2,
        "weekday",
        "曜日ではありません",
    );
    assert_one(&replace("ledger.csv", "LG2,D1,2026-11", "LG2,D1,2026-10"), "ledger.csv", 3, "month", "line 2");
    assert_one(
        &replace("ledger.csv", "LG3,D2,2026-11,-1", "LG3,D2,2026-11,minus one"),
        "ledger.csv",
        4,
        "balance",
        "not a number",
    );
}

#[test]
fn registrations_need_a_consent_naming_the_hospital() {
    let dataset = parse(&valid_files()).unwrap();
    let p1 = dataset.patients.lookup("P1").unwrap();
    let ranks: Vec<u8> = dataset.registrations_of_patient(p1).iter().map(|&r| dataset.registrations[r].rank).collect();
    assert_eq!(ranks, [1, 2]);
    assert!(dataset.registrations[dataset.registrations_of_patient(p1)[0]].formal);
    assert_eq!(dataset.symptom_routes.len(), 2);
    assert_eq!(dataset.consults.len(), 1);
    let s1 = dataset.specialists.lookup("S1").unwrap();
    assert_eq!(dataset.consults_of_specialist(s1).len(), 1);

    // A consent that does not name the hospital means no registration.
    let files = replace("consents.csv", "同意書-0002,H1;H2,", "同意書-0002,H2,");
    assert_one(&files, "registrations.csv", 2, "consent", "does not name this hospital");
    // Another patient's consent.
    let files = replace("registrations.csv", "RG2,P1,H2,2,CN2", "RG2,P2,H2,2,CN2");
    assert_one(&files, "registrations.csv", 3, "consent", "another patient's");
    // The formal registration only at a 在宅療養後方支援病院, and only one.
    let files =
        replace("registrations.csv", "RG2,P1,H2,2,CN2,申請中,2026-10-02,,", "RG2,P1,H2,2,CN2,申請中,2026-10-02,true,");
    let found = problems(&files);
    assert!(found.iter().all(|p| p.line == Some(3) && p.field.as_deref() == Some("formal")), "{found:#?}");
    assert!(found.iter().any(|p| p.message.contains("在宅療養後方支援病院")), "{found:#?}");
    assert!(found.iter().any(|p| p.message.contains("one formal registration per patient")), "{found:#?}");
    let files = with(
        "registrations.csv",
        "id,patient,hospital,rank,consent,status,requested_on,formal\nRG1,P1,H1,1,CN2,登録済,2026-10-02,true\nRG3,P1,H1,2,CN2,申請中,2026-10-02,true\n",
    );
    assert_one(&files, "registrations.csv", 3, "formal", "one formal registration per patient");
    // A consult needs the patient's consent naming the specialist.
    let files = replace("consults.csv", "CS1,P2,S1,褥瘡,往診,CN3", "CS1,P1,S1,褥瘡,往診,CN3");
    assert_one(&files, "consults.csv", 2, "consent", "name this specialist");
    let files = replace("consults.csv", "報告済", "完了");
    assert_one(&files, "consults.csv", 2, "status", "相談状況");
}

#[test]
fn csv_shape_errors_are_reported_by_line() {
    let files = replace("requests.csv", "RQ2,D3,希望,2026-12-31,,", "RQ2,D3,希望,2026-12-31");
    let found = problems(&files);
    assert!(found.iter().any(|p| p.line == Some(3) && p.message.contains("fields")), "{found:#?}");
}
