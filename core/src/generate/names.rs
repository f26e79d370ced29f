//! Fictional names and the vocabularies the generator draws from.
//!
//! Surnames are built from words meaning sample, provisional, trial or example
//! (見本, 仮, 試, 例, 模擬, 架空), and every institution name ends in （架空）, so no
//! generated record can be mistaken for a real person or institution.

use super::draw::Draw;

/// Surnames: recognisably Japanese in shape, obviously made up.
pub(super) const SURNAMES: &[&str] = &[
    "見本",
    "仮野",
    "試田",
    "例田",
    "模擬",
    "架空",
    "桃野",
    "吉備見本",
    "見本田",
    "仮山",
    "試川",
    "例野",
    "見本川",
    "仮谷",
    "試野",
    "例山",
    "模擬田",
    "架空野",
    "桃見本",
    "仮島",
    "試本",
    "例川",
    "見本谷",
    "仮村",
    "試村",
    "例本",
    "見本原",
    "仮原",
    "模擬川",
    "吉備仮野",
];

const MALE_GIVEN: &[&str] = &[
    "太郎", "一郎", "次郎", "三郎", "健一", "誠", "浩", "修", "清", "勇", "茂", "博", "大輔", "健太", "翔太", "拓也",
    "直樹", "正雄", "義男", "和夫",
];

const FEMALE_GIVEN: &[&str] = &[
    "花子",
    "和子",
    "幸子",
    "節子",
    "洋子",
    "恵子",
    "久美子",
    "由美",
    "美穂",
    "智子",
    "京子",
    "文子",
    "春子",
    "千代",
    "静子",
    "真由美",
    "陽子",
    "明美",
    "裕子",
    "直子",
];

const CHILD_GIVEN: &[&str] = &["陽翔", "蓮", "湊", "悠真", "颯太", "結衣", "陽葵", "凛", "芽依", "葵"];

/// Made-up words for institution names, read as place or founder names.
pub(super) const INSTITUTION_WORDS: &[&str] =
    &["みほん", "かりの", "ためし", "れいだ", "もぎ", "かくう", "ももの", "きびみほん", "かりやま", "ためしがわ"];

/// A fictional surname.
pub(super) fn surname(draw: &mut Draw) -> &'static str {
    draw.pick(SURNAMES)
}

/// A fictional given name; children get names common among children.
pub(super) fn given_name(draw: &mut Draw, female: bool, child: bool) -> &'static str {
    match (child, female) {
        (true, _) => draw.pick(CHILD_GIVEN),
        (false, true) => draw.pick(FEMALE_GIVEN),
        (false, false) => draw.pick(MALE_GIVEN),
    }
}

/// A full name, surname first, e.g. `見本 太郎`.
pub(super) fn full_name(surname: &str, given: &str) -> String {
    [surname, " ", given].concat()
}

/// Conditions (病名) of adult home-care patients, with relative frequency. Hospitals'
/// `accepts` lists are drawn from this vocabulary and [`CHILD_CONDITIONS`], so matching
/// patients to hospitals finds hits.
pub(super) const ADULT_CONDITIONS: &[(&str, u32)] = &[
    ("認知症", 18),
    ("心不全", 14),
    ("末期がん", 12),
    ("脳梗塞後遺症", 12),
    ("老衰", 10),
    ("糖尿病", 9),
    ("誤嚥性肺炎", 7),
    ("COPD", 6),
    ("骨折後", 6),
    ("パーキンソン病", 5),
    ("慢性腎不全", 5),
    ("褥瘡", 5),
    ("ALS", 1),
];

/// Conditions of 医療的ケア児.
pub(super) const CHILD_CONDITIONS: &[&str] =
    &["重症心身障害", "脳性麻痺", "先天性心疾患", "染色体異常", "脊髄性筋萎縮症"];

/// Clinic doctors' main specialty (診療科), with relative frequency.
pub(super) const DOCTOR_SPECIALTIES: &[(&str, u32)] = &[
    ("内科", 60),
    ("在宅医療", 10),
    ("外科", 8),
    ("小児科", 7),
    ("整形外科", 5),
    ("緩和ケア", 4),
    ("脳神経内科", 3),
    ("泌尿器科", 3),
];

/// Specialties of cooperating specialists (協力医): the pilot's six targets, plus a few.
pub(super) const SPECIALIST_SPECIALTIES: &[(&str, u32)] = &[
    ("整形外科", 18),
    ("皮膚科", 18),
    ("リハビリ科", 14),
    ("認知症", 14),
    ("眼科", 12),
    ("耳鼻咽喉科", 12),
    ("精神科", 4),
    ("泌尿器科", 4),
    ("歯科", 4),
];

/// Recorded ACP wishes of adult patients.
pub(super) const ADULT_ACP: &[&str] = &[
    "自宅での看取りを希望",
    "急変時は救急搬送を希望",
    "延命治療は希望しない（DNAR）",
    "できる限り自宅で過ごしたい。入院は短期なら可",
    "本人・家族と話し合い中",
    "胃ろう造設は希望しない",
];

/// Recorded ACP wishes for children.
pub(super) const CHILD_ACP: &[&str] = &["急変時は小児救急への搬送を希望", "家族と主治医で方針を話し合い中"];

/// A clinic's name after its owner and main specialty.
pub(super) fn clinic_name(draw: &mut Draw, owner_surname: &str, specialty: &str) -> String {
    let kind = match specialty {
        "小児科" => "こどもクリニック",
        "在宅医療" | "緩和ケア" => draw.pick(&["在宅クリニック", "在宅診療所"]),
        "外科" => "外科医院",
        "整形外科" => "整形外科クリニック",
        "泌尿器科" => "泌尿器科クリニック",
        "脳神経内科" => "脳神経内科クリニック",
        _ => draw.pick(&["内科医院", "内科クリニック", "ファミリークリニック", "診療所"]),
    };
    format!("{owner_surname}{kind}（架空）")
}

/// A hospital's name from the area, a made-up word and what it mainly does.
pub(super) fn hospital_name(area_name: &str, position: usize, kind: &str) -> String {
    let word = INSTITUTION_WORDS[position % INSTITUTION_WORDS.len()];
    let repeat = if position >= INSTITUTION_WORDS.len() {
        format!("第{}", position / INSTITUTION_WORDS.len() + 1)
    } else {
        String::new()
    };
    format!("{area_name}{word}{repeat}{kind}（架空）")
}

/// A visiting nurse station's name.
pub(super) fn nurse_station_name(area_name: &str, position: usize) -> String {
    hospital_name(area_name, position + 3, "訪問看護ステーション")
}

/// The institution a specialist works at: their own clinic, or a department of the
/// area's general hospital when there is one.
pub(super) fn specialist_institution(
    draw: &mut Draw,
    surname: &str,
    specialty: &str,
    area_name: &str,
    general_hospital: Option<&str>,
) -> String {
    match (specialty, general_hospital) {
        ("認知症", _) if draw.chance(0.4) => {
            format!("{area_name}みほん認知症疾患医療センター（架空）")
        }
        ("認知症" | "精神科", _) => format!("{surname}こころのクリニック（架空）"),
        ("リハビリ科", _) => format!("{surname}リハビリテーションクリニック（架空）"),
        ("歯科", _) => format!("{surname}歯科医院（架空）"),
        (other, Some(hospital)) if draw.chance(0.2) => format!("{hospital} {other}"),
        (other, _) => format!("{surname}{other}クリニック（架空）"),
    }
}
