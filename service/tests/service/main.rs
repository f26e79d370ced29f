//! The HTTP service end to end: `app()` driven with `oneshot` over the demo city, every
//! scenario on SQLite and on PostgreSQL (`both!`).

// The scenario modules share helpers as `pub`; nothing leaves this test binary.
#![allow(unreachable_pub)]

#[path = "../common/mod.rs"]
mod common;

mod access;
mod duties;
mod instances;
mod ops;
mod records;
mod rota_help;
mod rotas;
mod swaps;
mod workflows;
