//! The JSON of a cover answer's parts, written from parts escaped once per dataset.
//!
//! A cover answer is mostly names and phones. Serialising [`CoverChain::describe`] field
//! by field escaped them again on every lookup, which cost more than finding the chain;
//! [`CoverJson`] escapes each doctor's, station's and hospital's part when it is built
//! and writes a chain's steps by copying those parts. What it writes is, byte for byte,
//! what serialising [`CoverChain::describe`] gives (tested over the demo city). Each
//! patient's head ([`PatientHead`]) is written whole when it is built, side by side with
//! the others, so an answer copies it from one place instead of gathering the patient's
//! name, key person and ACP from their own allocations (a random patient of a large city
//! is not in the cache, and each of those was a miss).

use super::chain::{Compose as _, ContactView, CoverChain, PatientHead, Text, shown_km, texts};
use super::{Contact, Reason};
use crate::dataset::Dataset;
use crate::domain::{HOME_VISIT_LIMIT_KM, Idx, Patient};

/// The contacts' JSON, escaped once, and the patients' heads; writes chains' steps.
#[derive(Debug, Clone, Default)]
pub struct CoverJson {
    /// Per patient: its head, `{"id":…,"name":…,…}`.
    patients: Parts,
    /// Per doctor: `"kind":"doctor","id":…,"name":…,"phone":…`.
    doctors: Parts,
    /// Per visiting nurse station, the same.
    stations: Parts,
    /// Per hospital, the same.
    hospitals: Parts,
    /// Per group: its name, escaped (for the reasons of neighbouring groups' doctors).
    groups: Vec<Box<str>>,
    /// Per absence: its reason and id, escaped.
    absences: Vec<(Box<str>, Box<str>)>,
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
        Self {
            patients: Parts::new(dataset.patients.indices().map(|patient| {
                serde_json::to_string(&PatientHead::of(dataset, patient)).expect("strings serialise").into()
            })),
            doctors: Parts::new(dataset.doctors.indices().map(|doctor| contact_part(dataset, Contact::Doctor(doctor)))),
            stations: Parts::new(
                dataset.nurse_stations.indices().map(|station| contact_part(dataset, Contact::Station(station))),
            ),
            hospitals: Parts::new(
                dataset.hospitals.indices().map(|hospital| contact_part(dataset, Contact::Hospital(hospital))),
            ),
            groups: dataset.groups.iter().map(|group| escaped(&group.name)).collect(),
            absences: dataset
                .absences
                .iter()
                .map(|absence| (escaped(&absence.reason), escaped(absence.id.as_str())))
                .collect(),
        }
    }

    /// The JSON of `patient`'s head ([`PatientHead`]), over the dataset this was built from.
    pub fn head(&self, patient: Idx<Patient>) -> &[u8] {
        self.patients.get(patient.index())
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
            let (role, reason) = texts(dataset, step.reason);
            // The dataset's parts of a reason, escaped (the labels need no escaping).
            let reason = match (reason, step.reason) {
                (Text::Nearby { place, role, .. }, Reason::NearbyOnDuty { group, .. }) => {
                    Text::Nearby { place, group: &self.groups[group.index()], role }
                }
                (Text::Absence { start, end, .. }, Reason::CoversAbsence(absence)) => {
                    let (reason, id) = &self.absences[absence.index()];
                    Text::Absence { reason, start, end, id }
                }
                (reason, _) => reason,
            };
            out.extend_from_slice(b"{\"order\":");
            let _ = out.number(u32::try_from(position + 1).unwrap_or(u32::MAX), 1);
            out.extend_from_slice(b",\"role\":");
            write_text(out, &role);
            out.push(b',');
            out.extend_from_slice(contact);
            out.extend_from_slice(b",\"reason\":");
            write_text(out, &reason);
            out.extend_from_slice(b",\"distance_km\":");
            push_km(out, step.distance_km);
            let beyond = is_doctor && f64::from(step.distance_km) > HOME_VISIT_LIMIT_KM;
            out.extend_from_slice(if beyond { b",\"beyond_16km\":true}" } else { b",\"beyond_16km\":false}" });
        }
        out.push(b']');
    }
}
