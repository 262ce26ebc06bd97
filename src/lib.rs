//! vigia — a self-hosted online reputation monitor.
//!
//! The modules follow the data flow, one step each (see `design.md` in the README):
//! `config` → `scheduler` → `fetch` → `extract` → `normalize` → `matching` → `sentiment`
//! → `store`. `poll` runs those steps for one source; `worker` builds the pipeline from a
//! config; `report` renders stored data; `demo` runs it all offline.

pub mod alerts;
pub mod check;
pub mod config;
pub mod demo;
pub mod digest;
pub mod extract;
pub mod fetch;
pub mod matching;
pub mod normalize;
pub mod notify;
pub mod poll;
pub mod recipe;
pub mod report;
pub mod scheduler;
pub mod sentiment;
pub mod store;
pub mod web;
pub mod worker;
