//! renkei core: the domain of a city's home-care backup system and the algorithms over
//! it. No I/O: no files, network, environment or async runtime; callers pass plain
//! values in and get plain values out.
#![warn(missing_docs)]

pub mod calendar;
pub mod dataset;
pub mod domain;
pub mod generate;
mod labels;

#[cfg(test)]
mod tests {
    /// The rota engine and quota assignment solve MIPs with HiGHS through good_lp; this
    /// proves the backend is built and linked.
    #[test]
    fn highs_backend_solves_a_tiny_mip() {
        use good_lp::{Solution, SolverModel, constraint, highs, variables};
        let mut vars = variables!();
        let a = vars.add(good_lp::variable().integer().min(0).max(3));
        let b = vars.add(good_lp::variable().binary());
        let solution =
            vars.maximise(2 * a + 3 * b).using(highs).with(constraint!(a + b <= 3)).solve().expect("feasible");
        assert_eq!((solution.value(a).round(), solution.value(b).round()), (2.0, 1.0));
    }
}
pub mod audit;
pub mod backup;
pub mod consult;
pub mod cover;
pub mod network;
pub mod rota;
