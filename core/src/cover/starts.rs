//! Sorted start times with an index by day: how a lookup finds the slot or duty running
//! at an instant without a binary search over a group's whole rota.
//!
//! A lookup over 100,000 patients misses the cache on nearly every probe of a binary
//! search; the day index turns the search into one read of the index and a scan of the
//! day's few starts (a cache line or two).

use crate::calendar::Instant;

const DAY: i64 = 86_400;

/// Where each day's keys start among sorted keys (times in some unit, `per_day` of them
/// a day): `by_day[k]` keys are before day `first_day + k`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DayIndex {
    per_day: i64,
    first_day: i64,
    /// The last entry, for the day after the last key's, is the number of keys.
    by_day: Vec<u32>,
}

impl DayIndex {
    /// Indexes `keys`, which must be sorted, at `per_day` units a day.
    pub(crate) fn new(keys: &[i64], per_day: i64) -> Self {
        debug_assert!(keys.is_sorted(), "keys are sorted");
        let (Some(&first), Some(&last)) = (keys.first(), keys.last()) else {
            return Self { per_day, ..Self::default() };
        };
        let first_day = first.div_euclid(per_day);
        let days = last.div_euclid(per_day) - first_day + 2;
        let mut by_day = Vec::with_capacity(usize::try_from(days).unwrap_or_default());
        let mut before = 0;
        for day in first_day..first_day + days {
            before += keys[before..].partition_point(|&key| key.div_euclid(per_day) < day);
            by_day.push(u32::try_from(before).expect("fewer than 2^32 keys"));
        }
        Self { per_day, first_day, by_day }
    }

    /// The positions of the keys on `key`'s day, of `len` keys: every key before them is
    /// on an earlier day, every key after on a later one.
    pub(crate) fn day_of(&self, key: i64, len: usize) -> std::ops::Range<usize> {
        if self.by_day.is_empty() {
            return len..len;
        }
        let Ok(day) = usize::try_from(key.div_euclid(self.per_day) - self.first_day) else { return 0..0 };
        let Some(&from) = self.by_day.get(day) else { return len..len };
        let to = self.by_day.get(day + 1).map_or(len, |&to| to as usize);
        from as usize..to
    }
}

/// Start times in Unix seconds, sorted, indexed by UTC day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Starts {
    seconds: Vec<i64>,
    days: DayIndex,
}

impl Starts {
    /// Indexes `seconds`, which must be sorted.
    pub(crate) fn new(seconds: Vec<i64>) -> Self {
        let days = DayIndex::new(&seconds, DAY);
        Self { seconds, days }
    }

    /// Indexes the whole-second parts of `instants`, which must be sorted.
    pub(crate) fn of(instants: impl IntoIterator<Item = Instant>) -> Self {
        Self::new(instants.into_iter().map(|instant| instant.timestamp()).collect())
    }

    /// How many start at or before `second`.
    pub(crate) fn at_or_before(&self, second: i64) -> usize {
        let day = self.days.day_of(second, self.seconds.len());
        day.start + self.seconds[day].partition_point(|&start| start <= second)
    }

    /// How many start at or before `at`, exactly: `start_of(i)` gives the `i`th start
    /// in full, read only for a start within `at`'s second.
    pub(crate) fn started_by(&self, at: Instant, start_of: impl Fn(usize) -> Instant) -> usize {
        let second = at.timestamp();
        let mut after = self.at_or_before(second);
        // Starts in an earlier second are before `at`; one in the same second may be later.
        while after > 0 && self.seconds[after - 1] == second && start_of(after - 1) > at {
            after -= 1;
        }
        after
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The day index gives what a binary search over all the starts gives, for
        /// starts over a few days (several a day, some days empty, before 1970 too) and
        /// instants before, among and after them.
        #[test]
        fn counts_as_a_binary_search_does(
            mut seconds in proptest::collection::vec(-3 * DAY..5 * DAY, 0..60),
            probes in proptest::collection::vec(-5 * DAY..7 * DAY, 1..40),
        ) {
            seconds.sort_unstable();
            let starts = Starts::new(seconds.clone());
            for probe in probes.into_iter().chain(seconds.iter().flat_map(|&s| [s - 1, s, s + 1])) {
                prop_assert_eq!(starts.at_or_before(probe), seconds.partition_point(|&s| s <= probe), "at {}", probe);
            }
        }
    }

    proptest! {
        /// The same in nanoseconds, over a few days around now and before 1970.
        #[test]
        fn a_day_index_in_nanoseconds_bounds_each_day(
            mut keys in proptest::collection::vec(-3 * DAY * 1_000_000_000..5 * DAY * 1_000_000_000, 0..60),
            probes in proptest::collection::vec(-5 * DAY * 1_000_000_000..7 * DAY * 1_000_000_000, 1..40),
        ) {
            keys.sort_unstable();
            let index = DayIndex::new(&keys, DAY * 1_000_000_000);
            for probe in probes.into_iter().chain(keys.iter().flat_map(|&k| [k - 1, k, k + 1])) {
                let day = index.day_of(probe, keys.len());
                let started = day.start + keys[day].partition_point(|&key| key <= probe);
                prop_assert_eq!(started, keys.partition_point(|&key| key <= probe), "at {}", probe);
            }
        }
    }

    #[test]
    fn sub_second_starts_are_exact() {
        let base = chrono::DateTime::from_timestamp(1_796_000_000, 0).expect("instant");
        let instants: Vec<Instant> =
            [0, 400_000_000, 900_000_000].iter().map(|&nanos| base + chrono::Duration::nanoseconds(nanos)).collect();
        let starts = Starts::of(instants.iter().copied());
        for (probe, expected) in [(0, 1), (399_999_999, 1), (400_000_000, 2), (899_999_999, 2), (950_000_000, 3)] {
            let at = base + chrono::Duration::nanoseconds(probe);
            assert_eq!(starts.started_by(at, |i| instants[i]), expected, "{probe} ns after the second");
        }
        assert_eq!(starts.started_by(base - chrono::Duration::nanoseconds(1), |i| instants[i]), 0);
        assert_eq!(Starts::default().started_by(base, |i| instants[i]), 0);
    }
}
