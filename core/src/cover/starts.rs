//! Sorted start times with an index by day: how a lookup finds the slot or duty running
//! at an instant without a binary search over a group's whole rota.
//!
//! A lookup over 100,000 patients misses the cache on nearly every probe of a binary
//! search; the day index turns the search into one read of the index and a scan of the
//! day's few starts (a cache line or two).

use crate::calendar::Instant;

const DAY: i64 = 86_400;

/// Start times in Unix seconds, sorted, indexed by UTC day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Starts {
    seconds: Vec<i64>,
    first_day: i64,
    /// `by_day[k]`: how many start before day `first_day + k`; the last entry, for the day
    /// after the last start's, is `seconds.len()`.
    by_day: Vec<u32>,
}

impl Starts {
    /// Indexes `seconds`, which must be sorted.
    pub(crate) fn new(seconds: Vec<i64>) -> Self {
        debug_assert!(seconds.is_sorted(), "starts are sorted");
        let (Some(&first), Some(&last)) = (seconds.first(), seconds.last()) else { return Self::default() };
        let first_day = first.div_euclid(DAY);
        let days = last.div_euclid(DAY) - first_day + 2;
        let mut by_day = Vec::with_capacity(usize::try_from(days).unwrap_or_default());
        let mut before = 0;
        for day in first_day..first_day + days {
            before += seconds[before..].partition_point(|&start| start < day * DAY);
            by_day.push(u32::try_from(before).expect("fewer than 2^32 starts"));
        }
        Self { seconds, first_day, by_day }
    }

    /// Indexes the whole-second parts of `instants`, which must be sorted.
    pub(crate) fn of(instants: impl IntoIterator<Item = Instant>) -> Self {
        Self::new(instants.into_iter().map(|instant| instant.timestamp()).collect())
    }

    /// How many start at or before `second`.
    pub(crate) fn at_or_before(&self, second: i64) -> usize {
        let Ok(day) = usize::try_from(second.div_euclid(DAY) - self.first_day) else { return 0 };
        let Some(&from) = self.by_day.get(day) else { return self.seconds.len() };
        let to = self.by_day.get(day + 1).map_or(self.seconds.len(), |&to| to as usize);
        let from = from as usize;
        from + self.seconds[from..to].partition_point(|&start| start <= second)
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
