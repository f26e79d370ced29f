//! renkei core: the domain of a city's home-care backup system and the algorithms over
//! it. No I/O: no files, network, environment or async runtime; callers pass plain
//! values in and get plain values out.
#![warn(missing_docs)]

pub mod calendar;
pub mod dataset;
pub mod domain;
pub mod generate;
mod labels;
