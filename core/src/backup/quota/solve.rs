//! The assignment problem behind [`super::assign_quotas`], over plain numbers: patients
//! with ranked slots, some slots at capped hospitals. Solved as a lexicographic
//! min-cost flow over classes of interchangeable patients.

use std::collections::HashMap;

use super::flow::LexFlow;

/// One position of a patient's ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Slot {
    /// The capped hospital (index into the caps), or `None` for an uncapped one.
    pub(crate) capped: Option<usize>,
    /// The patient holds an active registration there already.
    pub(crate) registered: bool,
}

/// A patient's wish: `need` hospitals from `slots`, best first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Wish {
    pub(crate) need: usize,
    pub(crate) slots: Vec<Slot>,
}

/// The optimum: per patient, the chosen positions (ascending); whether certified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Solved {
    pub(crate) chosen: Vec<Vec<usize>>,
    pub(crate) certificate: Result<(), &'static str>,
}

/// The score an assignment is judged by, compared lexicographically (greater is
/// better): positions filled; then patients holding the hospital at position 1, at
/// position 2, …; then registrations kept at capped hospitals.
pub(crate) fn signature(wishes: &[Wish], chosen: &[Vec<usize>]) -> Vec<usize> {
    let positions = wishes.iter().map(|w| w.slots.len()).max().unwrap_or(0);
    let mut score = vec![0; positions + 2];
    for (wish, chosen) in wishes.iter().zip(chosen) {
        score[0] += chosen.len();
        for &position in chosen {
            score[1 + position] += 1;
            let slot = wish.slots[position];
            if slot.capped.is_some() && slot.registered {
                score[positions + 1] += 1;
            }
        }
    }
    score
}

/// The slots that matter: a patient never needs a hospital beyond the point where the
/// prefix holds `need` uncapped ones (those can always be had), so later positions are
/// cut off. Registrations at uncapped hospitals are never contested, so forgotten.
fn window(wish: &Wish) -> Wish {
    let mut uncapped = 0;
    let mut slots = Vec::new();
    for slot in &wish.slots {
        if uncapped >= wish.need {
            break;
        }
        if slot.capped.is_none() {
            uncapped += 1;
            slots.push(Slot { capped: None, registered: false });
        } else {
            slots.push(*slot);
        }
    }
    Wish { need: wish.need.min(wish.slots.len()), slots }
}

/// Assigns every patient at most `need` of their slots, at most `caps[h]` patients per
/// capped hospital, maximising [`signature`] lexicographically.
///
/// Patients with the same window are one class (a node of the flow, supplying `need`
/// units per member); the flow's units per slot are dealt to the members round-robin in
/// slot order, so no member gets a slot twice, and earlier members (file order) keep the
/// contested slots.
pub(crate) fn solve(wishes: &[Wish], caps: &[u32]) -> Solved {
    let windows: Vec<Wish> = wishes.iter().map(window).collect();
    let mut class_of: HashMap<&Wish, usize> = HashMap::new();
    let mut classes: Vec<(&Wish, Vec<usize>)> = Vec::new();
    for (patient, wish) in windows.iter().enumerate() {
        let class = *class_of.entry(wish).or_insert_with(|| {
            classes.push((wish, Vec::new()));
            classes.len() - 1
        });
        classes[class].1.push(patient);
    }
    let positions = windows.iter().map(|w| w.slots.len()).max().unwrap_or(0);
    let dim = positions + 1;
    let (source, sink) = (0, 1);
    let hospital_node = |h: usize| 2 + h;
    let class_node = |c: usize| 2 + caps.len() + c;
    let mut flow = LexFlow::new(2 + caps.len() + classes.len(), dim);
    for (h, &cap) in caps.iter().enumerate() {
        flow.add_arc(hospital_node(h), sink, i64::from(cap), &vec![0; dim]);
    }
    let mut slot_arcs: Vec<Vec<usize>> = Vec::with_capacity(classes.len());
    let mut cost = vec![0i64; dim];
    for (c, (wish, members)) in classes.iter().enumerate() {
        let m = members.len() as i64;
        flow.add_arc(source, class_node(c), wish.need as i64 * m, &vec![0; dim]);
        let arcs = wish
            .slots
            .iter()
            .enumerate()
            .map(|(position, slot)| {
                cost.fill(0);
                cost[position] = -1;
                if slot.registered {
                    cost[positions] = -1;
                }
                let to = slot.capped.map_or(sink, hospital_node);
                flow.add_arc(class_node(c), to, m, &cost)
            })
            .collect();
        slot_arcs.push(arcs);
    }
    flow.min_cost_max_flow(source, sink);
    let certificate = flow.certify(source, sink);
    let mut chosen = vec![Vec::new(); wishes.len()];
    for ((_, members), arcs) in classes.iter().zip(&slot_arcs) {
        let mut unit = 0;
        for (position, &arc) in arcs.iter().enumerate() {
            for _ in 0..flow.flow(arc) {
                chosen[members[unit % members.len()]].push(position);
                unit += 1;
            }
        }
    }
    for list in &mut chosen {
        list.sort_unstable();
    }
    Solved { chosen, certificate }
}
