//! The `renkei` command line end to end: the binary on the demo data and on broken copies.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn renkei(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_renkei")).args(args).output().expect("renkei runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("UTF-8")
}

fn okayama() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/okayama")
}

/// A copy of the demo data directory, to break.
fn copy_of_okayama() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(okayama()).expect("fixtures") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            std::fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
        }
    }
    dir
}

#[test]
fn check_prints_the_demo_city_figures() {
    let output = renkei(&["check", okayama().to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let row = |name: &str| -> Vec<String> {
        let line = text.lines().find(|line| line.starts_with(name)).unwrap_or_else(|| panic!("no row {name}:\n{text}"));
        line.split_whitespace().map(str::to_owned).collect()
    };
    // エリア ID グループ 医師 病院 うち後方支援 訪問看護 協力医 患者
    let naka = row("中区");
    assert_eq!((naka[2].as_str(), naka[4].as_str(), naka[7].as_str()), ("2", "4", "31"), "{text}");
    let minami_nishi = row("南区西");
    assert_eq!((minami_nishi[2].as_str(), minami_nishi[4].as_str(), minami_nishi[7].as_str()), ("2", "3", "10"));
    let total = row("合計");
    assert_eq!((total[1].as_str(), total[2].as_str(), total[7].as_str()), ("12", "120", "1500"), "{text}");
    assert!(text.contains("問題はありません"));
}

#[test]
fn check_json_is_machine_readable() {
    let output = renkei(&["check", okayama().to_str().unwrap(), "--format", "json"]);
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(text.contains("\"valid\": true") && text.contains("\"area\": \"naka\""), "{text}");
}

#[test]
fn check_reports_broken_data_line_by_line() {
    let dir = copy_of_okayama();
    let patients = dir.path().join("patients.csv");
    let mut lines: Vec<String> = std::fs::read_to_string(&patients).unwrap().lines().map(str::to_owned).collect();
    // Line 3: an unknown 主治医. Line 5: latitude and longitude swapped.
    let mut fields: Vec<String> = lines[2].split(',').map(str::to_owned).collect();
    fields[3] = "D9999".to_owned();
    lines[2] = fields.join(",");
    let mut fields: Vec<String> = lines[4].split(',').map(str::to_owned).collect();
    fields.swap(4, 5);
    lines[4] = fields.join(",");
    std::fs::write(&patients, lines.join("\n") + "\n").unwrap();
    let hospitals = dir.path().join("hospitals.csv");
    let text = std::fs::read_to_string(&hospitals).unwrap().replacen(",true,", ",maybe,", 1);
    std::fs::write(&hospitals, text).unwrap();

    let output = renkei(&["check", dir.path().to_str().unwrap()]);
    assert!(!output.status.success());
    let errors = stderr(&output);
    assert!(errors.contains("エラーが 3 件"), "{errors}");
    assert!(errors.contains("patients.csv:3 [P000002] primary_doctor: 医師 'D9999' が見つかりません"), "{errors}");
    assert!(errors.contains("patients.csv:5 [P000004] lat: 緯度"), "{errors}");
    assert!(errors.contains("hospitals.csv:2 [H001] backup_support: 'maybe'"), "{errors}");
    assert!(stdout(&output).is_empty());
}

#[test]
fn check_refuses_a_missing_directory() {
    let output = renkei(&["check", "/nonexistent/renkei-data"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("がありません"));
}

#[test]
fn holidays_prints_the_year() {
    let output = renkei(&["holidays", "2026"]);
    assert!(output.status.success());
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 18);
    assert!(text.contains("2026-09-22\t国民の休日\n"));
    assert!(text.starts_with("2026-01-01\t元日\n"));
    let out_of_range = renkei(&["holidays", "1900"]);
    assert!(!out_of_range.status.success());
    assert!(stderr(&out_of_range).contains("1955..=2099"));
}

#[test]
fn generate_writes_a_valid_directory_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("city");
    let out_str = out.to_str().unwrap();
    let args = [
        "generate",
        out_str,
        "--seed",
        "7",
        "--areas",
        "2",
        "--groups-per-area",
        "2",
        "--doctors",
        "30",
        "--patients",
        "200",
    ];
    let output = renkei(&args);
    assert!(output.status.success(), "{}", stderr(&output));
    let check = renkei(&["check", out_str, "--format", "json"]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(stdout(&check).contains("\"patients\": 200"));
    let first = std::fs::read_to_string(out.join("patients.csv")).unwrap();

    let again = renkei(&args);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("--force"));
    std::fs::create_dir(out.join("rota")).unwrap();
    std::fs::write(out.join("rota/keep.toml"), "# mine\n").unwrap();
    let forced = renkei(&[&args[..], &["--force"]].concat());
    assert!(forced.status.success());
    assert_eq!(std::fs::read_to_string(out.join("rota/keep.toml")).unwrap(), "# mine\n", "--force keeps other files");
    assert_eq!(std::fs::read_to_string(out.join("patients.csv")).unwrap(), first, "same seed, same files");
    let too_few = renkei(&["generate", dir.path().join("x").to_str().unwrap(), "--areas", "2", "--doctors", "5"]);
    assert!(!too_few.status.success());
    assert!(!dir.path().join("x").exists(), "nothing written on bad input");
}

/// A patient of the rotation group G-NAKA-2 (from the demo's patients.csv).
fn naka2_patient() -> String {
    let text = std::fs::read_to_string(okayama().join("patients.csv")).unwrap();
    text.lines()
        .skip(1)
        .find(|line| line.split(',').nth(6) == Some("G-NAKA-2"))
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn cover_answers_the_night_question_from_the_published_rota() {
    let patient = naka2_patient();
    let dir = okayama();
    let night = renkei(&[
        "cover",
        dir.to_str().unwrap(),
        "--patient",
        &patient,
        "--at",
        "2026-12-10T03:00",
        "--format",
        "json",
    ]);
    assert!(night.status.success(), "{}", stderr(&night));
    let value: serde_json::Value = serde_json::from_str(&stdout(&night)).unwrap();
    let roles: Vec<&str> = value["steps"].as_array().unwrap().iter().map(|s| s["role"].as_str().unwrap()).collect();
    assert_eq!(&roles[..2], ["当番", "副当番"], "{roles:?}");
    assert!(roles.contains(&"訪問看護ステーション") || roles.contains(&"後方支援病院"));
    assert!(value["notes"].as_array().unwrap().is_empty(), "the December rota is published");
    let day = renkei(&["cover", dir.to_str().unwrap(), "--patient", &patient, "--at", "2026-12-10T10:00"]);
    assert!(stdout(&day).lines().any(|line| line.trim_start().starts_with("1  主治医")), "{}", stdout(&day));
    let bad = renkei(&["cover", dir.to_str().unwrap(), "--patient", "P9999999"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("P9999999"));
    let bad_time = renkei(&["cover", dir.to_str().unwrap(), "--patient", &patient, "--at", "12月10日"]);
    assert!(!bad_time.status.success());
    assert!(stderr(&bad_time).contains("12月10日"));
}

#[test]
fn on_duty_and_audit_print_for_a_group() {
    let dir = okayama();
    let on_duty = renkei(&["on-duty", dir.to_str().unwrap(), "--group", "G-NAKA-1", "--at", "2026-12-31T20:00"]);
    assert!(on_duty.status.success(), "{}", stderr(&on_duty));
    assert!(stdout(&on_duty).contains("休日夜間") && stdout(&on_duty).contains("次の交代: 2027-01-01 08:30"));
    let audit =
        renkei(&["audit", dir.to_str().unwrap(), "--group", "G-NAKA-1", "--month", "2026-12", "--format", "json"]);
    assert!(audit.status.success(), "{}", stderr(&audit));
    let value: serde_json::Value = serde_json::from_str(&stdout(&audit)).unwrap();
    assert_eq!(value["patients"], 128);
    assert!(value["findings"].as_array().unwrap().iter().all(|f| f["kind"] != "no_cover"), "December is fully staffed");
    let bad = renkei(&["audit", dir.to_str().unwrap(), "--group", "G-NOPE", "--month", "2026-12"]);
    assert!(!bad.status.success() && stderr(&bad).contains("G-NOPE"));
}

/// Patients of the demo data and whether they have a 専門医相談 consent.
fn specialist_consent_patients() -> (Vec<String>, std::collections::BTreeSet<String>) {
    let patients = std::fs::read_to_string(okayama().join("patients.csv")).unwrap();
    let all = patients.lines().skip(1).map(|line| line.split(',').next().unwrap().to_owned()).collect();
    let consents = std::fs::read_to_string(okayama().join("consents.csv")).unwrap();
    let with = consents
        .lines()
        .skip(1)
        .filter(|line| line.split(',').nth(2) == Some("専門医相談"))
        .map(|line| line.split(',').nth(1).unwrap().to_owned())
        .collect();
    (all, with)
}

#[test]
fn consult_ranks_specialists_for_a_symptom_with_consent_and_open_consults() {
    let dir = okayama();
    // P000011 has CN000021 naming S002 (整形外科) and the open consult CS000001 with it.
    let args =
        ["consult", dir.to_str().unwrap(), "--patient", "P000011", "--symptom", "腰痛", "--at", "2026-12-10T10:00"];
    let output = renkei(&[&args[..], &["--mode", "往診", "--format", "json"]].concat());
    assert!(output.status.success(), "{}", stderr(&output));
    let value: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(value["routing"]["specialties"][0]["specialty"], "整形外科");
    assert_eq!(value["mode"], "home_visit");
    let candidates = value["candidates"].as_array().unwrap();
    assert!(candidates.len() > 3);
    assert!(candidates.iter().all(|c| c["specialty"] == "整形外科"));
    let ranks: Vec<u64> = candidates.iter().map(|c| c["rank"].as_u64().unwrap()).collect();
    assert_eq!(ranks, (1..=candidates.len() as u64).collect::<Vec<_>>());
    // The patient's area first, then neighbours; full specialists, if any, last.
    let fits: Vec<&str> = candidates.iter().map(|c| c["area_fit"].as_str().unwrap()).collect();
    let first_neighbour = fits.iter().position(|&f| f == "neighbour").unwrap_or(fits.len());
    assert!(fits[first_neighbour..].iter().all(|&f| f == "neighbour"), "{fits:?}");
    let s002 = candidates.iter().find(|c| c["id"] == "S002").unwrap();
    assert_eq!((s002["consent"].as_str(), s002["consent_status"].as_str()), (Some("CN000021"), Some("named")));
    assert_eq!(s002["patient_consult"], "CS000001");
    assert_eq!(value["consent"], "names_some");
    assert_eq!(value["open_consults"][0]["id"], "CS000001");

    let table = renkei(&args);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = stdout(&table);
    assert!(text.contains("症状: 腰痛 → 腰痛 (完全一致) → 整形外科"), "{text}");
    assert!(text.contains("■ 整形外科 (") && text.contains("CN000021") && text.contains("086-232-1864"), "{text}");
    assert!(text.contains("対応中の相談: 1 件") && text.contains("CS000001"), "{text}");
    assert!(text.lines().any(|line| line.trim_start().starts_with("1  S")), "{text}");
}

#[test]
fn consult_forgives_how_the_symptom_is_typed() {
    let dir = okayama();
    for (typed, symptom, how) in
        [("ＡＤＬ低下", "ADL低下", "folded"), ("褥瘡（仙骨部）", "褥瘡", "contains"), ("嚥下", "嚥下障害", "within")]
    {
        let output =
            renkei(&["consult", dir.to_str().unwrap(), "--patient", "P000011", "--symptom", typed, "--format", "json"]);
        assert!(output.status.success(), "{typed}: {}", stderr(&output));
        let value: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
        assert_eq!(value["routing"]["matched"][0]["symptom"], symptom, "{typed}");
        assert_eq!(value["routing"]["matched"][0]["how"], how, "{typed}");
    }
}

#[test]
fn consult_shows_missing_consent_prominently_and_can_require_it() {
    let (patients, with_consent) = specialist_consent_patients();
    let patient = patients.iter().find(|p| !with_consent.contains(*p)).expect("a patient without 専門医相談 consent");
    let dir = okayama();
    let args =
        ["consult", dir.to_str().unwrap(), "--patient", patient, "--symptom", "褥瘡", "--at", "2026-12-10T10:00"];
    let shown = renkei(&args);
    assert!(shown.status.success(), "missing consent is not a failure by default: {}", stderr(&shown));
    let text = stdout(&shown);
    let warning = text.lines().position(|line| line.starts_with("【注意】専門医相談の同意がありません")).expect(&text);
    let table = text.lines().position(|line| line.starts_with("■ 皮膚科")).unwrap();
    assert!(warning < table, "the warning comes before the candidates:\n{text}");
    let required = renkei(&[&args[..], &["--require-consent"]].concat());
    assert_eq!(required.status.code(), Some(2));
    assert!(stdout(&required).contains("【注意】専門医相談の同意がありません"));
}

#[test]
fn consult_refuses_unknown_ids_symptoms_times_and_modes() {
    let dir = okayama();
    let run = |extra: &[&str]| {
        let output = renkei(&[&["consult", dir.to_str().unwrap()][..], extra].concat());
        assert!(!output.status.success(), "{extra:?} should fail");
        stderr(&output)
    };
    let unknown_patient = run(&["--patient", "P9999999", "--symptom", "褥瘡"]);
    assert!(unknown_patient.contains("P9999999") && unknown_patient.contains("見つかりません"), "{unknown_patient}");
    let unknown_symptom = run(&["--patient", "P000011", "--symptom", "骨せつ"]);
    assert!(
        unknown_symptom.contains("症状表にありません") && unknown_symptom.contains("候補: 骨折"),
        "{unknown_symptom}"
    );
    let bad_time = run(&["--patient", "P000011", "--symptom", "褥瘡", "--at", "12月10日"]);
    assert!(bad_time.contains("12月10日"), "{bad_time}");
    let bad_mode = run(&["--patient", "P000011", "--symptom", "褥瘡", "--mode", "visit"]);
    assert!(bad_mode.contains("'visit'") && bad_mode.contains("home_visit"), "{bad_mode}");
    let unknown_specialty = run(&["--patient", "P000011", "--specialty", "内科"]);
    assert!(unknown_specialty.contains("専門科 '内科'") && unknown_specialty.contains("皮膚科"), "{unknown_specialty}");
    let neither = run(&["--patient", "P000011"]);
    assert!(neither.contains("--symptom"), "{neither}");
}

/// A patient of the demo city with no backup-hospital consent (from consents.csv).
fn patient_without_backup_consent() -> String {
    let consents = std::fs::read_to_string(okayama().join("consents.csv")).unwrap();
    let consenting: std::collections::HashSet<&str> = consents
        .lines()
        .skip(1)
        .filter(|line| line.split(',').nth(2) == Some("後方支援病院登録"))
        .filter_map(|line| line.split(',').nth(1))
        .collect();
    let patients = std::fs::read_to_string(okayama().join("patients.csv")).unwrap();
    patients
        .lines()
        .skip(1)
        .filter_map(|line| line.split(',').next())
        .find(|id| !consenting.contains(id))
        .unwrap()
        .to_owned()
}

#[test]
fn backup_ranks_a_patients_hospitals_with_reasons() {
    let dir = okayama();
    let dir = dir.to_str().unwrap();
    let table = renkei(&["backup", dir, "--patient", "P000001", "--on", "2026-12-01"]);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = stdout(&table);
    let first = text.lines().find(|line| line.trim_start().starts_with("1  ")).unwrap_or_else(|| panic!("{text}"));
    // P000001 was discharged from H004 and is registered there.
    assert!(first.contains("H004") && first.contains("退院元の病院") && first.contains("登録済"), "{text}");
    assert!(text.contains("後方支援病院登録の同意: CN000002"), "{text}");

    let json = renkei(&["backup", dir, "--patient", "P000006", "--on", "2026-12-01", "--format", "json"]);
    assert!(json.status.success(), "{}", stderr(&json));
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    let entries = value["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    let formal: Vec<&serde_json::Value> = entries.iter().filter(|e| !e["formal"].is_null()).collect();
    assert_eq!(formal.len(), 1, "{value:#}");
    assert_eq!(formal[0]["backup_support"], true);
    assert!(entries.iter().all(|e| e["reason"].as_str().unwrap().ends_with("km")));
    assert_eq!(value["refreshes"][0]["refresh_due"], "2027-02-02");
}

#[test]
fn backup_refuses_unknown_ids_bad_dates_and_missing_consent() {
    let dir = okayama();
    let dir = dir.to_str().unwrap();
    let unknown = renkei(&["backup", dir, "--patient", "P9999999"]);
    assert!(!unknown.status.success() && stderr(&unknown).contains("患者 'P9999999' が見つかりません"));
    let bad_date = renkei(&["backup", dir, "--patient", "P000001", "--on", "12月1日"]);
    assert!(!bad_date.status.success() && stderr(&bad_date).contains("'12月1日' は日付ではありません"));
    let area = renkei(&["backup", dir, "--area", "nowhere", "--quotas"]);
    assert!(!area.status.success() && stderr(&area).contains("エリア 'nowhere' が見つかりません"));
    let patient = patient_without_backup_consent();
    let shown = renkei(&["backup", dir, "--patient", &patient, "--on", "2026-12-01"]);
    assert!(shown.status.success());
    assert!(stdout(&shown).contains("注意: 後方支援病院登録の同意がありません"), "{}", stdout(&shown));
    let required = renkei(&["backup", dir, "--patient", &patient, "--on", "2026-12-01", "--require-consent"]);
    assert!(!required.status.success());
    assert!(stderr(&required).contains("同意なしに登録はできません"), "{}", stderr(&required));
}

#[test]
fn backup_quotas_assign_an_area_optimally_and_explain_who_moved_down() {
    let dir = okayama();
    let dir = dir.to_str().unwrap();
    let json = renkei(&["backup", dir, "--area", "naka", "--quotas", "--on", "2026-12-01", "--format", "json"]);
    assert!(json.status.success(), "{}", stderr(&json));
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(value["proof"]["status"], "optimal");
    assert_eq!(value["patients"], 250);
    let outcomes = value["outcomes"].as_array().unwrap();
    let moved: Vec<&serde_json::Value> = outcomes.iter().filter(|o| o["kept"] == false).collect();
    assert!(!moved.is_empty(), "the demo quotas bind");
    assert!(moved.iter().all(|o| o["reason"].as_str().unwrap().contains("受入上限に達したため")));
    for hospital in value["hospitals"].as_array().unwrap() {
        assert!(hospital["assigned"].as_u64() <= hospital["capacity"].as_u64(), "{hospital}");
    }
    // What if H008 took nobody: nobody is assigned to it.
    let what_if = renkei(&[
        "backup",
        dir,
        "--area",
        "naka",
        "--quotas",
        "--cap",
        "H008=0",
        "--on",
        "2026-12-01",
        "--format",
        "json",
    ]);
    let value: serde_json::Value = serde_json::from_str(&stdout(&what_if)).unwrap();
    let outcomes = value["outcomes"].as_array().unwrap();
    assert!(outcomes.iter().all(|o| !o["assigned"].as_array().unwrap().iter().any(|h| h == "H008")));
    let table = renkei(&["backup", dir, "--area", "naka", "--quotas", "--on", "2026-12-01"]);
    assert!(stdout(&table).contains("最適 (証明済み)") && stdout(&table).contains("繰り下げ"), "{}", stdout(&table));
    let bad_cap = renkei(&["backup", dir, "--area", "naka", "--quotas", "--cap", "H008"]);
    assert!(!bad_cap.status.success() && stderr(&bad_cap).contains("HOSPITAL=N"));
}

#[test]
fn backup_admission_shows_the_calls_made_and_whom_to_call_next() {
    let dir = okayama();
    let dir = dir.to_str().unwrap();
    // AD0003 (P000010): the first hospital declined at 03:10 on 1 December.
    let json =
        renkei(&["backup", dir, "--patient", "P000010", "--admission", "--on", "2026-12-01", "--format", "json"]);
    assert!(json.status.success(), "{}", stderr(&json));
    let value: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(value["admission_id"], "AD0003");
    let declined = value["attempts"][0]["hospital_id"].as_str().unwrap();
    let next = value["next"].as_array().unwrap();
    assert!(!next.is_empty() && next.iter().all(|c| c["hospital_id"] != declined));
    assert_eq!(next[0]["source"]["type"], "registered");
    let severe = renkei(&["backup", dir, "--patient", "P000010", "--admission", "--severe", "--on", "2026-12-01"]);
    let text = stdout(&severe);
    assert!(text.contains("重症: 急性期病院へ") && text.contains("重症: 急性期病院 ("), "{text}");
    // AD0001 (P000001) was discharged on 28 November: the two tasks are listed.
    let discharged = renkei(&["backup", dir, "--patient", "P000001", "--admission", "--on", "2026-11-28"]);
    let text = stdout(&discharged);
    assert!(
        text.contains("受入先: H003") && text.contains("退院前カンファレンス") && text.contains("主治医への退院連絡")
    );
}
