//! renkei service: the HTTP API over SQLite or PostgreSQL ([`server`]), the store
//! ([`store`]), the in-memory snapshot lookups read ([`snapshot`]), and what the
//! command line shares with them (data directories, the demo).

pub mod config;
pub mod data_dir;
pub mod demo;
pub mod json_text;
pub mod server;
pub mod snapshot;
pub mod store;
pub mod time_text;
