//! Alerts: deciding, from the stream of stored mentions, when the team must hear about it.
//!
//! Detection and grouping are pure logic over timestamps and counts, so the worker (live)
//! and `vigia backtest` (replay) run the very same code: [`rules`] turns mentions into
//! fired alerts ([`spike`]: a brand's negative volume far above its own seasonal baseline;
//! [`spreading`]: one negative story picked up by several sites); [`grouping`] batches them
//! Alertmanager-style and applies recipients' budgets; [`notice`] is what a notification
//! says; [`backtest`] replays a file of mentions through all of it.

pub mod backtest;
pub mod grouping;
pub mod live;
pub mod notice;
pub mod rules;
pub mod spike;
pub mod spreading;
