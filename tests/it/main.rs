//! vigia's integration tests: one binary, one module per area. Everything talks to real
//! servers on 127.0.0.1 (fixture HTTP server, PostgreSQL when `VIGIA_TEST_POSTGRES` is set).

mod alerts_detect;
mod alerts_live;
mod alerts_rules;
mod chaos;
mod cli;
mod digest;
mod extract;
mod fetch;
mod inbox;
mod kpi;
mod leases;
mod notify;
mod outbox;
mod pipeline;
mod recipes;
mod sentiment;
mod sources;
mod support;
mod support_extract;
mod support_fetch;
mod support_pgcluster;
mod support_seed;
mod support_smtp;
mod support_web;
mod support_workers;
mod tombstone;
mod web;
mod workers;
