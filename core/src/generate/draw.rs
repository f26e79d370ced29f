//! Random draws: one seeded ChaCha stream per generation phase, so that changing how
//! one kind of entity is drawn does not reshuffle the others.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::domain::{Id, LatLon, MedicalInstitutionCode, Phone};

/// The phases, each with its own stream of the seed.
#[derive(Debug, Clone, Copy)]
pub(super) enum Phase {
    Places = 1,
    People = 2,
    Groups = 3,
    Patients = 4,
    Schedule = 5,
    Standing = 6,
    Care = 7,
}

/// A deterministic source of draws.
pub(super) struct Draw {
    rng: ChaCha8Rng,
}

/// Kilometres per degree of latitude (and of longitude at the equator).
const KM_PER_DEGREE: f64 = 111.32;

impl Draw {
    pub(super) fn new(seed: u64, phase: Phase) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(phase as u64);
        Self { rng }
    }

    /// True with probability `p`.
    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }

    /// A uniform index below `n` (> 0).
    pub(super) fn below(&mut self, n: usize) -> usize {
        self.rng.random_range(0..n)
    }

    /// A uniform whole number in `low..=high`.
    pub(super) fn between(&mut self, low: u32, high: u32) -> u32 {
        self.rng.random_range(low..=high)
    }

    /// A uniform number in `[0, 1)`.
    pub(super) fn unit(&mut self) -> f64 {
        self.rng.random_range(0.0..1.0)
    }

    /// Exactly `round(n × fraction)` of the indices `0..n`, in increasing order. Keeps
    /// small datasets from drifting far from the intended shares, as independent
    /// coin flips would.
    pub(super) fn share_of(&mut self, n: usize, fraction: f64) -> Vec<usize> {
        let k = ((n as f64 * fraction).round() as usize).min(n);
        let mut indices: Vec<usize> = (0..n).collect();
        for position in 0..k {
            let other = position + self.below(n - position);
            indices.swap(position, other);
        }
        indices.truncate(k);
        indices.sort_unstable();
        indices
    }

    /// A uniform element of a non-empty slice.
    pub(super) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// An element drawn with the given relative weights.
    pub(super) fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|(_, weight)| weight).sum();
        let mut ticket = self.between(0, total - 1);
        for (item, weight) in items {
            if ticket < *weight {
                return *item;
            }
            ticket -= weight;
        }
        unreachable!("ticket below the total weight")
    }

    /// Up to `k` distinct elements of `items` other than `except`, in draw order. Meant
    /// for small `k`: rejection keeps it O(k) on large slices.
    pub(super) fn distinct<T: Copy + PartialEq>(&mut self, items: &[T], k: usize, except: Option<T>) -> Vec<T> {
        let available = items.iter().filter(|item| Some(**item) != except).count();
        let k = k.min(available);
        let mut chosen = Vec::with_capacity(k);
        while chosen.len() < k {
            let item = self.pick(items);
            if Some(item) != except && !chosen.contains(&item) {
                chosen.push(item);
            }
        }
        chosen
    }

    /// A point between `min_km` and `max_km` from `from`, uniform over that ring's area.
    pub(super) fn point_near(&mut self, from: LatLon, min_km: f64, max_km: f64) -> LatLon {
        let bearing = self.unit() * std::f64::consts::TAU;
        let distance_km = (min_km * min_km + self.unit() * (max_km * max_km - min_km * min_km)).sqrt();
        let lat = from.lat() + distance_km * bearing.cos() / KM_PER_DEGREE;
        let lon = from.lon() + distance_km * bearing.sin() / (KM_PER_DEGREE * from.lat().to_radians().cos());
        let lat = lat.clamp(*LatLon::LAT_RANGE.start(), *LatLon::LAT_RANGE.end());
        let lon = lon.clamp(*LatLon::LON_RANGE.start(), *LatLon::LON_RANGE.end());
        LatLon::new(lat, lon).expect("clamped into range")
    }

    /// A landline like `086-2xx-xxxx` in the given 3-digit area code.
    pub(super) fn landline(&mut self, area_code: &str) -> Phone {
        let (exchange, line) = (self.between(200, 299), self.between(0, 9999));
        Phone::parse(&phone_text(area_code, exchange as usize, 3, line as usize)).expect("10-digit landline")
    }

    /// A mobile like `090-xxxx-xxxx`.
    pub(super) fn mobile(&mut self) -> Phone {
        let prefix = self.pick(&["090", "080", "070"]);
        let (exchange, line) = (self.between(0, 9999), self.between(0, 9999));
        Phone::parse(&phone_text(prefix, exchange as usize, 4, line as usize)).expect("11-digit mobile")
    }
}

/// `prefix-exchange-line`, the exchange padded to `exchange_width` and the line to 4.
fn phone_text(prefix: &str, exchange: usize, exchange_width: usize, line: usize) -> String {
    let mut text = String::with_capacity(13);
    text.push_str(prefix);
    text.push('-');
    push_padded(&mut text, exchange, exchange_width);
    text.push('-');
    push_padded(&mut text, line, 4);
    text
}

/// The 3-digit area code of landlines in a prefecture: Okayama's real 086, elsewhere a
/// made-up code of the same shape.
pub(super) fn area_code(prefecture: u8) -> String {
    if prefecture == 33 { "086".to_owned() } else { format!("0{}", 11 + u32::from(prefecture)) }
}

/// The `serial`-th 医療機関コード of a prefecture (医科, fee table 1). Serials are spread
/// over the 6 free digits by a bijection, so codes are unique for serials below 10⁶ and
/// do not look sequential; the last digit is the Luhn check digit.
pub(super) fn institution_code(prefecture: u8, serial: u32) -> MedicalInstitutionCode {
    // 7919 is prime and so coprime to 10⁶: multiplying permutes 0..10⁶.
    let scrambled = (u64::from(serial) * 7919 + 104_729) % 1_000_000;
    let payload = format!("{prefecture:02}1{scrambled:06}");
    let digits: Vec<u8> = payload.bytes().map(|b| b - b'0').collect();
    let check = MedicalInstitutionCode::check_digit(&digits);
    MedicalInstitutionCode::parse(&format!("{payload}{check}")).expect("valid code")
}

/// An id `prefix` + `number` zero-padded to `width`.
pub(super) fn numbered(prefix: &str, number: usize, width: usize) -> Id {
    let mut text = String::with_capacity(prefix.len() + width.max(20));
    text.push_str(prefix);
    push_padded(&mut text, number, width);
    Id::parse(&text).expect("generated ids are valid")
}

/// Appends `number` zero-padded to `width` digits; millions of ids and phone numbers
/// are written, and `format!` was a large share of generation time.
pub(super) fn push_padded(text: &mut String, number: usize, width: usize) {
    let mut digits = [0u8; 20];
    let mut rest = number;
    let mut len = 0;
    loop {
        digits[len] = b'0' + (rest % 10) as u8;
        len += 1;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    text.extend(std::iter::repeat_n('0', width.saturating_sub(len)));
    text.extend(digits[..len].iter().rev().map(|&digit| char::from(digit)));
}
