//! Alerts: deciding, from the stream of stored mentions, when the team must hear about it.
//!
//! Detection is pure logic over timestamps and counts, so the worker (live) and
//! `vigia backtest` (replay) run the very same code: [`spike`] finds a brand's negative
//! volume far above its own seasonal baseline; [`spreading`] finds one negative story
//! picked up by several sites.

pub mod notice;
pub mod spike;
pub mod spreading;
