//! The JSON of a cover answer's parts, written from parts escaped once per dataset.
//!
//! A cover answer is mostly names and phones. Serialising [`CoverChain::describe`] field
//! by field escaped them again on every lookup, which cost more than finding the chain;
//! [`CoverJson`] escapes each doctor's, station's and hospital's part when it is built
//! and writes a chain's steps by copying those parts. What it writes is, byte for byte,
//! what serialising [`CoverChain::describe`] gives (tested over the demo city). Each
//! step's role, and its reason where that is the same for every step of its kind, are
//! written once too. (Each patient's head is written once, into the patient's card:
//! [`super::CoverIndex::head`].)

use super::chain::{Compose as _, ContactView, CoverChain, Text, role_text, shown_km, texts};
use super::{Contact, Reason};
use crate::calendar::{Instant, SlotKind};
use crate::dataset::Dataset;
use crate::domain::{HOME_VISIT_LIMIT_KM, Idx, RegistrationStatus, Role};

/// The contacts' JSON, escaped once, and the patients' heads; writes chains' steps.
#[derive(Debug, Clone, Default)]
pub struct CoverJson {
    /// Per doctor: `"kind":"doctor","id":…,"name":…,"phone":…`.
    doctors: Parts,
    /// Per visiting nurse station, the same.
    stations: Parts,
    /// Per hospital, the same.
    hospitals: Parts,
    /// Per kind of step ([`kind`]): its role, written (`,"role":"…",`).
    roles: Parts,
    /// Per kind of step: its reason and the key after it (`,"reason":"…","distance_km":`),
    /// where the reason is the same for every step of the kind; else empty.
    reasons: Parts,
    /// Per group, per [`nearby`] case: the reason of a nearby group's doctor, written
    /// as in `reasons`.
    nearby: Parts,
    /// Per absence: its reason and id, escaped.
    absences: Vec<(Box<str>, Box<str>)>,
}

/// The kinds of step, by reason: every step of a kind has the same role label.
const KINDS: usize = 11;

/// A step's kind: its reason, and the role where the role changes the label.
fn kind(reason: Reason) -> usize {
    match reason {
        Reason::PrimaryInHours => 0,
        Reason::PrimaryOffHours => 1,
        Reason::CoversAbsence(_) => 2,
        Reason::OnDuty { role: Role::Primary, .. } => 3,
        Reason::OnDuty { role: Role::Secondary, .. } => 4,
        Reason::KnowsPatient => 5,
        Reason::NearbyOnDuty { role: Role::Primary, .. } => 6,
        Reason::NearbyOnDuty { role: Role::Secondary, .. } => 7,
        Reason::Station => 8,
        Reason::Backup { .. } => 9,
        Reason::Acute => 10,
    }
}

/// A nearby group's doctor's case: same area or not, 当番 or 副当番.
fn nearby(hops: u32, role: Role) -> usize {
    2 * usize::from(hops != 0) + usize::from(role == Role::Secondary)
}

/// Texts end to end in one buffer, found by their offsets: a chain's contacts are read
/// at random over thousands, and a table of offsets (4 bytes a contact, not a 16-byte
/// pointer and length) stays in cache more readily, with the texts side by side rather
/// than in an allocation each.
#[derive(Debug, Clone)]
struct Parts {
    bytes: Box<[u8]>,
    /// Where each text starts, and after the last, where it ends.
    offsets: Box<[u32]>,
}

impl Default for Parts {
    fn default() -> Self {
        Self { bytes: Box::default(), offsets: Box::new([0]) }
    }
}

impl Parts {
    fn new(texts: impl Iterator<Item = Box<str>>) -> Self {
        let mut bytes = Vec::new();
        let mut offsets = vec![0];
        for text in texts {
            bytes.extend_from_slice(text.as_bytes());
            offsets.push(u32::try_from(bytes.len()).expect("parts under 4 GB"));
        }
        Self { bytes: bytes.into(), offsets: offsets.into() }
    }

    fn get(&self, index: usize) -> &[u8] {
        &self.bytes[self.offsets[index] as usize..self.offsets[index + 1] as usize]
    }
}

/// `"kind":…,"id":…,"name":…,"phone":…` of a contact.
fn contact_part(dataset: &Dataset, contact: Contact) -> Box<str> {
    let object = serde_json::to_string(&ContactView::of(dataset, contact)).expect("strings serialise");
    object[1..object.len() - 1].into()
}

/// `,"reason":"…","distance_km":` for a reason whose text is `text`.
fn reason_part(text: &Text<'_>) -> String {
    let reason = serde_json::to_string(&text.to_string()).expect("strings serialise");
    format!(",\"reason\":{reason},\"distance_km\":")
}

/// `text` as it stands inside a JSON string.
fn escaped(text: &str) -> Box<str> {
    let quoted = serde_json::to_string(text).expect("strings serialise");
    quoted[1..quoted.len() - 1].into()
}

/// Writes `text`, whose parts are escaped already (the dataset's) or need no escaping
/// (the labels), as a JSON string.
fn write_text(out: &mut Vec<u8>, text: &Text<'_>) {
    let start = out.len();
    out.push(b'"');
    let _ = text.compose(out);
    out.push(b'"');
    debug_assert!(
        serde_json::from_slice::<String>(&out[start..]).is_ok(),
        "not a JSON string: {}",
        String::from_utf8_lossy(&out[start..])
    );
}

/// Writes a distance as shown, to one decimal, as serde_json writes that `f64`
/// (`7.6`, `12.0`).
fn push_km(out: &mut Vec<u8>, km: f32) {
    let shown = shown_km(km);
    let tenths = (shown * 10.0).round();
    if !(0.0..4e9).contains(&tenths) {
        serde_json::to_writer(&mut *out, &shown).expect("writing to memory");
        return;
    }
    let tenths = tenths as u32;
    let _ = out.number(tenths / 10, 1);
    out.push(b'.');
    out.push(b'0' + (tenths % 10) as u8);
}

impl CoverJson {
    /// Escapes every contact of `dataset` and writes every patient's head.
    pub fn new(dataset: &Dataset) -> Self {
        // One reason of each kind: their roles, and the reasons `reasons` keeps, do not
        // depend on the values chosen here (nor read the dataset for them).
        let until = Instant::MIN_UTC;
        let examples: [Reason; KINDS] = [
            Reason::PrimaryInHours,
            Reason::PrimaryOffHours,
            Reason::CoversAbsence(Idx::new(0)),
            Reason::OnDuty { role: Role::Primary, kind: SlotKind::WeekdayNight, until },
            Reason::OnDuty { role: Role::Secondary, kind: SlotKind::WeekdayNight, until },
            Reason::KnowsPatient,
            Reason::NearbyOnDuty { group: Idx::new(0), role: Role::Primary, hops: 0 },
            Reason::NearbyOnDuty { group: Idx::new(0), role: Role::Secondary, hops: 0 },
            Reason::Station,
            Reason::Backup { rank: 1, status: RegistrationStatus::Confirmed, formal: false },
            Reason::Acute,
        ];
        debug_assert!(examples.iter().enumerate().all(|(n, &reason)| kind(reason) == n));
        let fixed = |reason: Reason| match reason {
            Reason::CoversAbsence(_) | Reason::OnDuty { .. } | Reason::NearbyOnDuty { .. } | Reason::Backup { .. } => {
                String::new()
            }
            _ => reason_part(&texts(dataset, reason).1),
        };
        let cases = [(0, Role::Primary), (0, Role::Secondary), (1, Role::Primary), (1, Role::Secondary)];
        debug_assert!(cases.iter().enumerate().all(|(n, &(hops, role))| nearby(hops, role) == n));
        Self {
            doctors: Parts::new(dataset.doctors.indices().map(|doctor| contact_part(dataset, Contact::Doctor(doctor)))),
            stations: Parts::new(
                dataset.nurse_stations.indices().map(|station| contact_part(dataset, Contact::Station(station))),
            ),
            hospitals: Parts::new(
                dataset.hospitals.indices().map(|hospital| contact_part(dataset, Contact::Hospital(hospital))),
            ),
            roles: Parts::new(examples.iter().map(|&reason| {
                let mut role = String::from(",\"role\":");
                role.push_str(&serde_json::to_string(&role_text(reason)).expect("strings serialise"));
                role.push(',');
                role.into()
            })),
            reasons: Parts::new(examples.iter().map(|&reason| fixed(reason).into())),
            nearby: Parts::new(dataset.groups.indices().flat_map(|group| {
                cases.map(|(hops, role)| {
                    reason_part(&texts(dataset, Reason::NearbyOnDuty { group, role, hops }).1).into()
                })
            })),
            absences: dataset
                .absences
                .iter()
                .map(|absence| (escaped(&absence.reason), escaped(absence.id.as_str())))
                .collect(),
        }
    }

    /// Writes the steps of `chain` (over the dataset this was built from) as a JSON
    /// array: the JSON of [`CoverChain::describe`].
    pub fn write(&self, chain: &CoverChain, dataset: &Dataset, out: &mut Vec<u8>) {
        out.push(b'[');
        for (position, step) in chain.steps.iter().enumerate() {
            if position > 0 {
                out.push(b',');
            }
            let (contact, is_doctor) = match step.contact {
                Contact::Doctor(doctor) => (self.doctors.get(doctor.index()), true),
                Contact::Station(station) => (self.stations.get(station.index()), false),
                Contact::Hospital(hospital) => (self.hospitals.get(hospital.index()), false),
            };
            let kind = kind(step.reason);
            out.extend_from_slice(b"{\"order\":");
            let _ = out.number(u32::try_from(position + 1).unwrap_or(u32::MAX), 1);
            out.extend_from_slice(self.roles.get(kind));
            out.extend_from_slice(contact);
            match step.reason {
                Reason::NearbyOnDuty { group, role, hops } => {
                    out.extend_from_slice(self.nearby.get(4 * group.index() + nearby(hops, role)));
                }
                Reason::CoversAbsence(_) | Reason::OnDuty { .. } | Reason::Backup { .. } => {
                    // The dataset's parts of a reason, escaped (the labels need no escaping).
                    let reason = match (texts(dataset, step.reason).1, step.reason) {
                        (Text::Absence { start, end, .. }, Reason::CoversAbsence(absence)) => {
                            let (reason, id) = &self.absences[absence.index()];
                            Text::Absence { reason, start, end, id }
                        }
                        (reason, _) => reason,
                    };
                    out.extend_from_slice(b",\"reason\":");
                    write_text(out, &reason);
                    out.extend_from_slice(b",\"distance_km\":");
                }
                _ => out.extend_from_slice(self.reasons.get(kind)),
            }
            push_km(out, step.distance_km);
            let beyond = is_doctor && f64::from(step.distance_km) > HOME_VISIT_LIMIT_KM;
            out.extend_from_slice(if beyond { b",\"beyond_16km\":true}" } else { b",\"beyond_16km\":false}" });
        }
        out.push(b']');
    }
}
