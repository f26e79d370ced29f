//! The quota assignment on the small city: who keeps a capped hospital, who moves down
//! and why, and what the report says about each hospital.

use super::*;
use crate::backup::{QuotaOptions, QuotaProof, assign_quotas};

#[test]
fn a_capped_hospital_goes_to_the_patient_registered_there_and_the_others_move_down() {
    let dataset = city();
    let area = dataset.areas.lookup("a").unwrap();
    let mut options = QuotaOptions::on(date("2026-12-01"));
    // H2 (地域包括ケア) takes one patient. P1 and P4 rank it second, P2 and P3 third;
    // P4 holds a registration there (RG5), so P4 keeps it.
    options.caps.push((hospital(&dataset, "H2"), 1));
    let result = assign_quotas(&dataset, area, &options);
    assert_eq!(result.proof, QuotaProof::Optimal);
    assert_eq!(result.patients, 4);
    let outcome = |id: &str| result.outcomes.iter().find(|o| o.patient_id == id).unwrap();
    assert!(outcome("P4").kept);
    assert_eq!(outcome("P4").assigned, ["H5", "H2", "H1"]);
    let p1 = outcome("P1");
    assert!(!p1.kept);
    assert_eq!(
        (p1.wanted.clone(), p1.assigned.clone()),
        (vec!["H3".into(), "H2".into(), "H1".into()], vec!["H3".into(), "H1".into(), "H4".into()])
    );
    assert_eq!(p1.positions, [1, 3, 4]);
    assert_eq!(p1.reason, "二病院が受入上限に達したため、第4候補の四病院を割り当て");
    assert_eq!(p1.lost[0].hospital_id, "H2");
    assert_eq!(result.objective.patients_moved_down, 3);
    assert_eq!(result.objective.positions_filled, 12);
    assert_eq!(&result.objective.kept_by_position[..4], [4, 3, 2, 3]);
    assert_eq!(result.objective.registrations_kept, 1);
    let h2 = &result.hospitals[0];
    assert_eq!((h2.hospital_id.as_str(), h2.quota, h2.capacity, h2.wanted_by, h2.assigned), ("H2", 1, 1, 4, 1));
    // Uncapped, everybody keeps their list.
    let free = assign_quotas(&dataset, area, &QuotaOptions::on(date("2026-12-01")));
    assert!(free.hospitals.is_empty());
    assert_eq!(free.objective.patients_kept, 4);
}

#[test]
fn places_held_by_other_areas_count_against_the_quota() {
    // P4 moves to area b (its group there); its registrations at H1 (and H2, H5) then
    // use places of those hospitals for area a.
    let mut files = city_files();
    files.insert(
        "groups.toml".to_owned(),
        "[[group]]\nid = \"G1\"\nname = \"甲\"\narea = \"a\"\npolicy = [\"輪番制\"]\nmembers = [\"D1\"]\n\
         [[group]]\nid = \"G2\"\nname = \"乙\"\narea = \"b\"\npolicy = [\"輪番制\"]\nmembers = [\"D1\"]\n"
            .to_owned(),
    );
    let patients = files["patients.csv"]
        .replace("id,name,birth_date,primary_doctor,lat,lon,", "id,name,birth_date,primary_doctor,group,lat,lon,")
        .replace(",D1,34.67,", ",D1,G1,34.67,")
        .replace("P4,患者四,1941-03-03,D1,G1,", "P4,患者四,1941-03-03,D1,G2,");
    files.insert("patients.csv".to_owned(), patients);
    let dataset = parse(&files).unwrap_or_else(|invalid| panic!("{invalid:#?}"));
    let area = dataset.areas.lookup("a").unwrap();
    let mut options = QuotaOptions::on(date("2026-12-01"));
    options.caps.push((hospital(&dataset, "H1"), 2));
    let result = assign_quotas(&dataset, area, &options);
    let h1 = result.hospitals.iter().find(|h| h.hospital_id == "H1").unwrap();
    assert_eq!((h1.quota, h1.used_elsewhere, h1.capacity), (2, 1, 1));
    // P2 (first) and P1 (third) want H1; its one place goes to P2.
    assert_eq!(h1.assigned, 1);
    assert!(result.outcomes.iter().find(|o| o.patient_id == "P2").unwrap().kept);
    options.count_other_areas = false;
    let ignoring = assign_quotas(&dataset, area, &options);
    assert_eq!(ignoring.hospitals.iter().find(|h| h.hospital_id == "H1").unwrap().capacity, 2);
}
