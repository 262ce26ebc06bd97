//! The overview: per brand, the last 30 days of volume and sentiment (a server-drawn
//! chart), open negatives, and time to first response against the brand's SLA.
//!
//! Every figure comes from `store::kpi`, the one definition the weekly digest uses too, so
//! the screen and the Monday email never disagree. Days are the reader's local days.

use axum::Extension;
use axum::extract::State;
use axum::response::Response;
use chrono::{Duration, NaiveDate, TimeZone};
use chrono_tz::Tz;
use minijinja::context;
use minijinja::value::Value;
use serde::Serialize;

use super::frame;
use crate::store::now;
use crate::web::auth::{RequestCtx, Viewer};
use crate::web::render::{self, format_time};
use crate::web::{AppState, WebError, chart};

/// Days shown.
pub const DAYS: i64 = 30;

#[derive(Serialize)]
struct BrandView {
    name: String,
    open_negatives: i64,
    open_href: String,
    median_secs: Option<i64>,
    median_ok: bool,
    sla_secs: i64,
    sla_pct: Option<i64>,
    answered: i64,
    negatives: i64,
    total: i64,
    negative: i64,
    neutral: i64,
    positive: i64,
    chart: Value,
}

/// The first second of each of the last `days` local days, oldest first.
pub fn day_starts(tz: &Tz, now: i64, days: i64) -> Vec<i64> {
    let today = tz
        .timestamp_opt(now, 0)
        .single()
        .map_or_else(|| chrono::Utc::now().date_naive(), |t| t.date_naive());
    (0..days)
        .rev()
        .map(|back| local_midnight(tz, today - Duration::days(back)))
        .collect()
}

/// The first second of a local date (the earliest, across a DST change).
pub fn local_midnight(tz: &Tz, date: NaiveDate) -> i64 {
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&midnight)
        .earliest()
        .map(|t| t.timestamp())
        // A zone that skips midnight itself: one hour later exists.
        .or_else(|| {
            tz.from_local_datetime(&(midnight + Duration::hours(1)))
                .earliest()
                .map(|t| t.timestamp())
        })
        .unwrap_or_else(|| midnight.and_utc().timestamp())
}

/// `GET /overview`
pub async fn page(
    State(app): State<AppState>,
    Extension(ctx): Extension<RequestCtx>,
    Extension(viewer): Extension<Viewer>,
) -> Result<Response, WebError> {
    let f = frame(&ctx, &viewer, "overview");
    // The period ends after the current second, so a mention fetched just now counts.
    let to = now() + 1;
    let starts = day_starts(&f.tz, to, DAYS);
    let from = starts[0];
    let labels: Vec<String> = starts
        .iter()
        .map(|&s| format_time(s, &f.tz, f.lang, false))
        .collect();
    let config = app.config();
    let sla = |brand: &str| {
        config
            .brands
            .iter()
            .find(|b| b.name == brand)
            .map_or(crate::config::DEFAULT_SLA.as_secs() as i64, |b| {
                b.sla_secs()
            })
    };
    let store = app.store();
    let mut brands = Vec::new();
    for b in &config.brands {
        let name = b.name.as_str();
        let days = store.daily_counts(Some(name), &starts, to).await?;
        let counts = store.label_counts(Some(name), from, to).await?;
        let kpis = store.response_kpis(Some(name), from, to, &sla).await?;
        let sla_secs = b.sla_secs();
        brands.push(BrandView {
            name: b.name.clone(),
            open_negatives: kpis.open_at_end,
            open_href: format!(
                "/inbox?label=negative&brand={}",
                url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
            ),
            median_secs: kpis.median_secs,
            median_ok: kpis.median_secs.is_some_and(|m| m <= sla_secs),
            sla_secs,
            sla_pct: kpis.sla_share().map(|s| (s * 100.0).round() as i64),
            answered: kpis.answered,
            negatives: kpis.negatives,
            total: counts.total(),
            negative: counts.negative,
            neutral: counts.neutral,
            positive: counts.positive,
            chart: Value::from_safe_string(chart::daily_bars(&days, &labels, name)),
        });
    }
    render::page(
        "overview.html",
        &f.base,
        context! { brands => render::ser(&brands), period_from => from, period_to => to },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_days_start_at_local_midnight() {
        let tz: Tz = "Europe/Madrid".parse().unwrap();
        // 2026-03-29 is the spring-forward day in Madrid: that day is 23 hours long.
        let noon = 1_774_782_000; // 2026-03-29 11:00 UTC
        let starts = day_starts(&tz, noon, 2);
        assert_eq!(starts[1] - starts[0], 86_400);
        let next = day_starts(&tz, noon + 86_400, 1)[0];
        assert_eq!(next - starts[1], 23 * 3600);
    }
}
