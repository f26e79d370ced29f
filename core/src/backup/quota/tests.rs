//! The quota solver against brute force on tiny instances: every assignment enumerated,
//! the best signature compared with the solver's; and the certificate on each result.

use proptest::prelude::*;

use super::solve::{Slot, Wish, signature, solve};

/// The best signature over every assignment: each patient gets any subset of at most
/// `need` of their (full, untruncated) slots, within the caps.
fn brute_force(wishes: &[Wish], caps: &[u32]) -> Vec<usize> {
    fn subsets(len: usize, need: usize) -> Vec<Vec<usize>> {
        (0u32..1 << len)
            .filter(|mask| mask.count_ones() as usize <= need)
            .map(|mask| (0..len).filter(|&i| mask & (1 << i) != 0).collect())
            .collect()
    }
    fn search(
        wishes: &[Wish],
        options: &[Vec<Vec<usize>>],
        used: &mut Vec<u32>,
        caps: &[u32],
        chosen: &mut Vec<Vec<usize>>,
        best: &mut Option<Vec<usize>>,
    ) {
        let patient = chosen.len();
        if patient == wishes.len() {
            let score = signature(wishes, chosen);
            if best.as_ref().is_none_or(|b| score > *b) {
                *best = Some(score);
            }
            return;
        }
        for subset in &options[patient] {
            let hospitals: Vec<usize> = subset.iter().filter_map(|&p| wishes[patient].slots[p].capped).collect();
            if hospitals.iter().any(|&h| used[h] + 1 > caps[h]) {
                continue;
            }
            hospitals.iter().for_each(|&h| used[h] += 1);
            chosen.push(subset.clone());
            search(wishes, options, used, caps, chosen, best);
            chosen.pop();
            hospitals.iter().for_each(|&h| used[h] -= 1);
        }
    }
    let options: Vec<Vec<Vec<usize>>> = wishes.iter().map(|w| subsets(w.slots.len(), w.need)).collect();
    let mut best = None;
    search(wishes, &options, &mut vec![0; caps.len()], caps, &mut Vec::new(), &mut best);
    best.expect("the empty assignment is always feasible")
}

/// Tiny instances: up to `max_patients` patients, 3 capped and 3 uncapped hospitals,
/// rankings of up to `max_len` distinct hospitals, wanting up to `max_need`, caps 0–3,
/// some registrations.
fn instance(max_patients: usize, max_len: usize, max_need: usize) -> impl Strategy<Value = (Vec<Wish>, Vec<u32>)> {
    (1usize..=3, 0usize..=3).prop_flat_map(move |(n_capped, n_uncapped)| {
        let hospitals = n_capped + n_uncapped;
        let wish = (1..=max_need, Just((0..hospitals).collect::<Vec<_>>()).prop_shuffle(), 1..=max_len, any::<u8>())
            .prop_map(move |(need, order, len, registered)| {
                let slots = order
                    .into_iter()
                    .take(len)
                    .enumerate()
                    .map(|(position, h)| Slot {
                        capped: (h < n_capped).then_some(h),
                        registered: h < n_capped && registered & (1 << position) != 0,
                    })
                    .collect::<Vec<_>>();
                Wish { need: need.min(slots.len()), slots }
            });
        (prop::collection::vec(wish, 1..=max_patients), prop::collection::vec(0u32..=3, n_capped))
    })
}

fn check_feasible(wishes: &[Wish], caps: &[u32], chosen: &[Vec<usize>]) {
    let mut used = vec![0; caps.len()];
    for (wish, chosen) in wishes.iter().zip(chosen) {
        assert!(chosen.len() <= wish.need, "at most need hospitals");
        assert!(chosen.windows(2).all(|w| w[0] < w[1]), "distinct, ascending: {chosen:?}");
        for &position in chosen {
            if let Some(h) = wish.slots[position].capped {
                used[h] += 1;
            }
        }
    }
    assert!(used.iter().zip(caps).all(|(used, cap)| used <= cap), "caps: {used:?} of {caps:?}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn the_flow_is_as_good_as_brute_force((wishes, caps) in instance(4, 5, 3)) {
        let solved = solve(&wishes, &caps);
        prop_assert_eq!(solved.certificate, Ok(()));
        check_feasible(&wishes, &caps, &solved.chosen);
        prop_assert_eq!(signature(&wishes, &solved.chosen), brute_force(&wishes, &caps));
        prop_assert_eq!(solve(&wishes, &caps), solved, "repeated runs agree");
    }

    #[test]
    fn more_patients_wanting_fewer((wishes, caps) in instance(6, 4, 2)) {
        let solved = solve(&wishes, &caps);
        prop_assert_eq!(solved.certificate, Ok(()));
        check_feasible(&wishes, &caps, &solved.chosen);
        prop_assert_eq!(signature(&wishes, &solved.chosen), brute_force(&wishes, &caps));
    }
}

fn capped(h: usize) -> Slot {
    Slot { capped: Some(h), registered: false }
}

const FREE: Slot = Slot { capped: None, registered: false };

#[test]
fn the_earlier_patient_keeps_a_contested_place_and_the_later_moves_down() {
    // Two identical patients want H0 (cap 1) first, then uncapped hospitals.
    let wish = Wish { need: 2, slots: vec![capped(0), FREE, FREE] };
    let solved = solve(&[wish.clone(), wish.clone()], &[1]);
    assert_eq!(solved.chosen, vec![vec![0, 1], vec![1, 2]]);
    // Registered at H0, the second patient keeps it instead.
    let registered = Wish { need: 2, slots: vec![Slot { capped: Some(0), registered: true }, FREE, FREE] };
    let solved = solve(&[wish, registered], &[1]);
    assert_eq!(solved.chosen, vec![vec![1, 2], vec![0, 1]]);
}

#[test]
fn first_choices_come_before_second_choices() {
    // A wants H0 then H1; B wants H1 first. Caps 1 each. Greedy in order would give A
    // both H0 and H1 and move B's first choice; the optimum keeps both first choices.
    let a = Wish { need: 2, slots: vec![capped(0), capped(1), FREE] };
    let b = Wish { need: 1, slots: vec![capped(1), FREE] };
    let solved = solve(&[a, b], &[1, 1]);
    assert_eq!(solved.chosen, vec![vec![0, 2], vec![0]]);
}

#[test]
fn filling_every_list_comes_first() {
    // A can use only H0; B prefers H0 but has an uncapped alternative. H0 takes one:
    // A gets it, so nobody is left without a hospital.
    let a = Wish { need: 1, slots: vec![capped(0)] };
    let b = Wish { need: 1, slots: vec![capped(0), FREE] };
    let solved = solve(&[b, a], &[1]);
    assert_eq!(solved.chosen, vec![vec![1], vec![0]]);
}
