//! Per patient, in one place, what a cover lookup reads of them, found by id through a
//! table small enough to stay in the cache.
//!
//! A lookup at a random patient of a large city finds nothing of theirs in the cache,
//! and each line it reads from memory costs about 150 ns on the machines this runs on
//! (data that stays in the last-level cache, a few megabytes, about 13 ns). Read through
//! the dataset's id map (a control group, then a bucket), the patient's record, its runs
//! and the head's offsets, a lookup waited on memory six times, one read after another.
//! Here a slot of the id table (8 bytes: the id's hash tag and the patient's index, a
//! megabyte for 100,000 patients) leads to the patient's card: one aligned block of
//! [`CARD_BYTES`] holding the chain's inputs (home, group, 主治医, first consent), the
//! chain's fixed tail and the answer's head, read one line after another. What does not
//! fit (a longer tail, a long ACP in the head) spills into runs the card points to.

use std::hash::BuildHasher as _;

use super::chain::{Contact, Reason, Step};
use crate::domain::{Doctor, Group, Id, Idx, InForce, Patient, Site};

/// The size of a card: eight cache lines.
pub(super) const CARD_BYTES: usize = 512;
/// Steps of the tail a card holds itself (the nurse station, backup hospitals and two
/// acute hospitals: six covers nearly every patient).
const TAIL_INLINE: usize = 6;
/// Bytes of the head a card holds itself.
const HEAD_INLINE: usize = 236;

const _: () =
    assert!(std::mem::offset_of!(Card, home) + std::mem::size_of::<Site>() == 64, "id and home fill the first line");

/// What a lookup reads of a patient, in the order it reads it: the id (to check the
/// table's find) and the home in the first line, then the group, 主治医 and the tail's
/// steps, then the head.
#[derive(Debug, Clone, Copy)]
#[repr(C, align(64))]
pub(super) struct Card {
    /// The id, padded with zeros (ids have none).
    id: [u8; Id::MAX_LEN],
    /// The home's site.
    pub(super) home: Site,
    /// The patient's group.
    pub(super) group: Idx<Group>,
    /// The 主治医.
    pub(super) primary: Idx<Doctor>,
    /// The first グループ診療 consent's days in force, if there is one.
    consent: Option<InForce>,
    /// Where the patient's further consents are in [`Cards::more_consents`], and how many.
    more_consents: (u32, u16),
    /// Where the tail is in [`Cards::spilled_steps`] if longer than [`TAIL_INLINE`], and
    /// its length.
    tail: (u32, u32),
    /// Where the head is in [`Cards::spilled_heads`] if longer than [`HEAD_INLINE`], and
    /// its length.
    head: (u32, u32),
    tail_steps: [Step; TAIL_INLINE],
    head_bytes: [u8; HEAD_INLINE],
}

const _: () = assert!(std::mem::size_of::<Card>() == CARD_BYTES, "a card is eight cache lines");

impl Card {
    /// Whether the card is `id`'s.
    fn holds(&self, id: &str) -> bool {
        let id = id.as_bytes();
        id.len() <= Id::MAX_LEN && self.id[..id.len()] == *id && self.id.get(id.len()).is_none_or(|&byte| byte == 0)
    }

    /// Reads a byte of each of the card's lines after the first, so that a lookup that
    /// has just found it waits on memory for all of them at once rather than for each
    /// line as it comes to it.
    fn load(&self) {
        let step = |k: usize| self.tail_steps[k].distance_km;
        std::hint::black_box((step(1), step(4), self.head_bytes[0], self.head_bytes[48], self.head_bytes[112]));
        std::hint::black_box(self.head_bytes[176]);
    }
}

/// What a card is made of.
pub(super) struct CardParts<'a> {
    pub(super) id: &'a str,
    pub(super) home: Site,
    pub(super) group: Idx<Group>,
    pub(super) primary: Idx<Doctor>,
    /// The chain's fixed tail.
    pub(super) tail: &'a [Step],
    /// The グループ診療 consents' days in force.
    pub(super) consents: &'a [InForce],
    /// The answer's head, as JSON.
    pub(super) head: &'a [u8],
}

/// Every patient's card, and the id table.
#[derive(Debug, Clone)]
pub(super) struct Cards {
    cards: Vec<Card>,
    /// Open addressing with linear probing: per slot, the high 32 bits of the id's hash
    /// and the patient's index + 1 (0: an empty slot); a power of two long, at most
    /// four fifths full.
    slots: Box<[u64]>,
    hasher: foldhash::fast::FixedState,
    spilled_steps: Vec<Step>,
    spilled_heads: Vec<u8>,
    more_consents: Vec<InForce>,
}

/// Puts `items` in the card's `inline` places if they fit, else at the end of `spill`;
/// gives where they are in `spill` (if there) and how many there are.
fn inline_or_spill<T: Copy>(items: &[T], inline: &mut [T], spill: &mut Vec<T>) -> (u32, u32) {
    let count = u32::try_from(items.len()).expect("under 2^32");
    if items.len() <= inline.len() {
        inline[..items.len()].copy_from_slice(items);
        (0, count)
    } else {
        spill.extend_from_slice(items);
        (u32::try_from(spill.len() - items.len()).expect("under 2^32"), count)
    }
}

/// A step to fill a card's unused places with.
fn no_step() -> Step {
    Step { contact: Contact::Station(Idx::new(0)), reason: Reason::Station, distance_km: 0.0 }
}

impl Cards {
    /// Room for `count` patients' cards, pushed in order.
    pub(super) fn with_capacity(count: usize) -> Self {
        let capacity = (count + count / 4 + 1).next_power_of_two().max(2);
        Self {
            cards: Vec::with_capacity(count),
            slots: vec![0; capacity].into_boxed_slice(),
            hasher: foldhash::fast::FixedState::default(),
            spilled_steps: Vec::new(),
            spilled_heads: Vec::new(),
            more_consents: Vec::new(),
        }
    }

    /// Adds the next patient's card (at most as many as room was made for).
    pub(super) fn push(&mut self, parts: CardParts<'_>) {
        assert!(5 * (self.cards.len() + 1) <= 4 * self.slots.len(), "room for the cards");
        let fits = |n: usize| u32::try_from(n).expect("under 2^32");
        let short = |n: usize| u16::try_from(n).expect("under 2^16 a patient");
        let (consent, more) = match parts.consents.split_first() {
            Some((first, more)) => (Some(*first), more),
            None => (None, &[][..]),
        };
        let more_consents = (fits(self.more_consents.len()), short(more.len()));
        self.more_consents.extend_from_slice(more);
        let mut tail_steps = [no_step(); TAIL_INLINE];
        let tail = inline_or_spill(parts.tail, &mut tail_steps, &mut self.spilled_steps);
        let mut head_bytes = [0; HEAD_INLINE];
        let head = inline_or_spill(parts.head, &mut head_bytes, &mut self.spilled_heads);
        let mut id = [0; Id::MAX_LEN];
        assert!(!parts.id.bytes().any(|byte| byte == 0), "ids have no zero bytes");
        id[..parts.id.len()].copy_from_slice(parts.id.as_bytes());
        let index = self.cards.len();
        self.cards.push(Card {
            home: parts.home,
            group: parts.group,
            primary: parts.primary,
            consent,
            more_consents,
            tail,
            head,
            id,
            tail_steps,
            head_bytes,
        });
        let (mut slot, tag) = self.place(parts.id);
        while self.slots[slot] != 0 {
            slot = (slot + 1) & (self.slots.len() - 1);
        }
        self.slots[slot] = tag | (index as u64 + 1);
    }

    /// Where `id`'s search starts, and its tag (the hash's high half, in place).
    fn place(&self, id: &str) -> (usize, u64) {
        let hash = self.hasher.hash_one(id);
        ((hash as usize) & (self.slots.len() - 1), hash & !u64::from(u32::MAX))
    }

    /// The patient with id `id`.
    pub(super) fn find(&self, id: &str) -> Option<Idx<Patient>> {
        let (mut slot, tag) = self.place(id);
        loop {
            let entry = self.slots[slot];
            if entry == 0 {
                return None;
            }
            if entry & !u64::from(u32::MAX) == tag {
                let index = (entry & u64::from(u32::MAX)) as usize - 1;
                let card = &self.cards[index];
                if card.holds(id) {
                    card.load();
                    return Some(Idx::new(index));
                }
            }
            slot = (slot + 1) & (self.slots.len() - 1);
        }
    }

    /// The patient's card.
    pub(super) fn card(&self, patient: Idx<Patient>) -> &Card {
        &self.cards[patient.index()]
    }

    /// The chain's fixed tail of the card's patient.
    pub(super) fn tail<'a>(&'a self, card: &'a Card) -> &'a [Step] {
        let (at, length) = (card.tail.0 as usize, card.tail.1 as usize);
        if length <= TAIL_INLINE { &card.tail_steps[..length] } else { &self.spilled_steps[at..at + length] }
    }

    /// The answer's head of the card's patient, as JSON.
    pub(super) fn head<'a>(&'a self, card: &'a Card) -> &'a [u8] {
        let (at, length) = (card.head.0 as usize, card.head.1 as usize);
        if length <= HEAD_INLINE { &card.head_bytes[..length] } else { &self.spilled_heads[at..at + length] }
    }

    /// Whether a グループ診療 consent of the card's patient is in force on `date`.
    pub(super) fn consented(&self, card: &Card, date: chrono::NaiveDate) -> bool {
        let (at, count) = (card.more_consents.0 as usize, usize::from(card.more_consents.1));
        card.consent.is_some_and(|in_force| in_force.on(date))
            || self.more_consents[at..at + count].iter().any(|in_force| in_force.on(date))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LatLon;

    /// Cards hold what they are given, inline or spilled, and the id table finds each
    /// patient and no one else.
    #[test]
    fn cards_give_back_what_they_hold() {
        let step = |n: usize| Step {
            contact: Contact::Hospital(Idx::new(n)),
            reason: Reason::Backup {
                rank: u8::try_from(n % 200).unwrap(),
                status: crate::domain::RegistrationStatus::Confirmed,
                formal: n.is_multiple_of(2),
            },
            distance_km: n as f32 / 10.0,
        };
        let date = |day: u32| chrono::NaiveDate::from_ymd_opt(2026, 12, day).unwrap();
        let in_force = |from: u32, until: Option<u32>| InForce { from: date(from), withdrawn_on: until.map(date) };
        let home = Site::of(LatLon::new(34.66, 133.92).unwrap());
        let count = 300;
        let patient = |n: usize| {
            let id = if n == 7 { "X".repeat(Id::MAX_LEN) } else { format!("P{n:06}") };
            let tail: Vec<Step> = (0..[0, 1, 6, 7, 20][n % 5]).map(|k| step(n + k)).collect();
            let head = vec![b'a' + (n % 26) as u8; [0, 10, HEAD_INLINE, HEAD_INLINE + 1, 5_000][(n / 5) % 5]];
            let consents: Vec<InForce> =
                (0..n % 4).map(|k| in_force(u32::try_from(5 * k + 1).unwrap(), Some(28))).collect();
            (id, tail, head, consents)
        };
        let mut cards = Cards::with_capacity(count);
        for n in 0..count {
            let (id, tail, head, consents) = patient(n);
            cards.push(CardParts {
                id: &id,
                home,
                group: Idx::new(n % 7),
                primary: Idx::new(n),
                tail: &tail,
                consents: &consents,
                head: &head,
            });
        }
        for n in 0..count {
            let (id, tail, head, consents) = patient(n);
            assert_eq!(cards.find(&id), Some(Idx::new(n)), "{id}");
            let card = cards.card(Idx::new(n));
            assert_eq!((card.group, card.primary), (Idx::new(n % 7), Idx::new(n)));
            assert_eq!(cards.tail(card), tail.as_slice(), "{id}");
            assert_eq!(cards.head(card), head.as_slice(), "{id}");
            for day in 1..=31 {
                let expected = consents.iter().any(|consent| consent.on(date(day)));
                assert_eq!(cards.consented(card, date(day)), expected, "{id} on {day}");
            }
            assert_eq!(cards.find(&format!("{id}0")), None);
            assert_eq!(cards.find(&id[1..]), None);
        }
        assert_eq!(cards.find(""), None);
        assert!(!cards.spilled_steps.is_empty() && !cards.spilled_heads.is_empty(), "both spill");
        assert!(!cards.more_consents.is_empty());
        assert_eq!(Cards::with_capacity(0).find("P000001"), None);
    }
}
