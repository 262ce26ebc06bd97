//! The inbox filter as GET parameters, shared by the inbox page, the CSV export and the
//! JSON API, so a link, a download and a script all mean the same thing.
//!
//! Parameters: `brand`, `label`, `status` (`open` default, `all`, or one status), `source`,
//! `lang`, `from` and `to` (dates `YYYY-MM-DD` in the reader's timezone, `to` inclusive),
//! `q` (free text), `assignee` (`none`, `me`, or an address), `sort` (`urgency`,
//! `newest`, `oldest`, `negative`), `page`, `per_page`. A value that is not one of these
//! is refused with a 400 that says which; nothing from here is ever written into SQL.

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::WebError;
use super::pages::overview::local_midnight;
use crate::store::inbox::{AssigneeFilter, InboxQuery, Sort};

/// Triage statuses, in workflow order.
pub const STATUSES: &[&str] = &["new", "acknowledged", "responded", "resolved", "dismissed"];
/// Sentiment labels.
pub const LABELS: &[&str] = &["negative", "neutral", "positive"];
/// Sort orders, in the menu's order.
pub const SORTS: &[&str] = &["urgency", "newest", "oldest", "negative"];
/// Rows per page unless asked otherwise.
pub const DEFAULT_PER_PAGE: u32 = 50;
/// Most rows per page.
pub const MAX_PER_PAGE: u32 = 200;

/// The raw parameters, as sent (all optional, empty = not set).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct InboxParams {
    /// Brand name.
    #[serde(default)]
    pub brand: Option<String>,
    /// Sentiment label.
    #[serde(default)]
    pub label: Option<String>,
    /// `open`, `all` or a status.
    #[serde(default)]
    pub status: Option<String>,
    /// Source name.
    #[serde(default)]
    pub source: Option<String>,
    /// Mention language.
    #[serde(default)]
    pub lang: Option<String>,
    /// First day, `YYYY-MM-DD`.
    #[serde(default)]
    pub from: Option<String>,
    /// Last day (inclusive), `YYYY-MM-DD`.
    #[serde(default)]
    pub to: Option<String>,
    /// Free text.
    #[serde(default)]
    pub q: Option<String>,
    /// `none`, `me` or an address.
    #[serde(default)]
    pub assignee: Option<String>,
    /// Sort order.
    #[serde(default)]
    pub sort: Option<String>,
    /// Page, from 1.
    #[serde(default)]
    pub page: Option<String>,
    /// Rows per page.
    #[serde(default)]
    pub per_page: Option<String>,
}

fn set(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl InboxParams {
    /// Parameters carried inside another request (a form's `back`, a link's `in=`): only
    /// our own keys survive, re-serialised by [`InboxParams::query_string`], so such a
    /// value can never redirect elsewhere or inject a header; anything unusable is the
    /// default view.
    pub fn from_query_string(raw: &str) -> InboxParams {
        format!("/inbox?{raw}")
            .parse::<axum::http::Uri>()
            .ok()
            .and_then(|u| axum::extract::Query::<InboxParams>::try_from_uri(&u).ok())
            .map(|q| q.0)
            .unwrap_or_default()
    }

    /// The store query these parameters ask for; `me` is the reader's address and dates
    /// are days in `tz`.
    pub fn to_query(&self, me: &str, tz: &Tz) -> Result<InboxQuery, WebError> {
        let bad = |what: &str, v: &str| WebError::BadRequest(format!("unknown {what} \"{v}\""));
        let label = match set(&self.label) {
            Some(l) if LABELS.contains(&l) => Some(l.to_string()),
            Some(l) => return Err(bad("sentiment label", l)),
            None => None,
        };
        let status = match set(&self.status) {
            None | Some("open") => None,
            Some("all") => Some("all".to_string()),
            Some(s) if STATUSES.contains(&s) => Some(s.to_string()),
            Some(s) => return Err(bad("status", s)),
        };
        let sort = match set(&self.sort) {
            None => Sort::Urgency,
            Some(s) => s.parse::<Sort>().map_err(|_| bad("sort order", s))?,
        };
        let assignee = match set(&self.assignee) {
            None => AssigneeFilter::Anyone,
            Some("none") => AssigneeFilter::Nobody,
            Some("me") => AssigneeFilter::Person(me.to_string()),
            Some(a) => AssigneeFilter::Person(a.to_lowercase()),
        };
        let day = |v: &str| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| WebError::BadRequest(format!("\"{v}\" is not a date (YYYY-MM-DD)")))
        };
        let from = set(&self.from).map(day).transpose()?;
        let to = set(&self.to).map(day).transpose()?;
        let number = |v: Option<&str>, what: &str, default: u32| match v {
            None => Ok(default),
            Some(n) => n
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| WebError::BadRequest(format!("{what} must be a number from 1"))),
        };
        Ok(InboxQuery {
            brand: set(&self.brand).map(str::to_string),
            label,
            status,
            source: set(&self.source).map(str::to_string),
            lang: set(&self.lang).map(str::to_string),
            from: from.map(|d| local_midnight(tz, d)),
            to: to.and_then(|d| d.succ_opt()).map(|d| local_midnight(tz, d)),
            text: set(&self.q).map(str::to_string),
            assignee,
            sort,
            page: number(set(&self.page), "page", 1)?,
            per_page: number(set(&self.per_page), "per_page", DEFAULT_PER_PAGE)?.min(MAX_PER_PAGE),
        })
    }

    /// The values for the filter form: every field, empty when not set.
    pub fn form_values(&self) -> std::collections::BTreeMap<&'static str, String> {
        let text = |v: &Option<String>| set(v).unwrap_or("").to_string();
        [
            ("brand", text(&self.brand)),
            ("label", text(&self.label)),
            ("status", text(&self.status)),
            ("source", text(&self.source)),
            ("lang", text(&self.lang)),
            ("from", text(&self.from)),
            ("to", text(&self.to)),
            ("q", text(&self.q)),
            ("assignee", text(&self.assignee)),
            ("sort", set(&self.sort).unwrap_or("urgency").to_string()),
        ]
        .into_iter()
        .collect()
    }

    /// True when anything narrows the list beyond the status tab.
    pub fn is_filtered(&self) -> bool {
        [
            &self.brand,
            &self.label,
            &self.source,
            &self.lang,
            &self.from,
            &self.to,
            &self.q,
            &self.assignee,
        ]
        .iter()
        .any(|v| set(v).is_some())
    }

    /// These parameters as a query string (empty ones left out), with overrides.
    pub fn query_string(&self, overrides: &[(&str, Option<&str>)]) -> String {
        let pairs = [
            ("brand", &self.brand),
            ("label", &self.label),
            ("status", &self.status),
            ("source", &self.source),
            ("lang", &self.lang),
            ("from", &self.from),
            ("to", &self.to),
            ("q", &self.q),
            ("assignee", &self.assignee),
            ("sort", &self.sort),
            ("page", &self.page),
            ("per_page", &self.per_page),
        ];
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            let v = match overrides.iter().find(|(ok, _)| *ok == k) {
                Some((_, o)) => *o,
                None => set(v),
            };
            if let Some(v) = v.filter(|v| !v.is_empty()) {
                ser.append_pair(k, v);
            }
        }
        ser.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> InboxParams {
        let q = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let uri: axum::http::Uri = format!("/inbox?{q}").parse().unwrap();
        axum::extract::Query::<InboxParams>::try_from_uri(&uri)
            .unwrap()
            .0
    }

    #[test]
    fn w05_bad_values_are_refused_not_passed_on() {
        let tz = Tz::UTC;
        assert!(
            p(&[("sort", "id;DROP TABLE x")])
                .to_query("me@x.io", &tz)
                .is_err()
        );
        assert!(
            p(&[("label", "' OR 1=1--")])
                .to_query("me@x.io", &tz)
                .is_err()
        );
        assert!(p(&[("status", "closed")]).to_query("me@x.io", &tz).is_err());
        assert!(p(&[("page", "0")]).to_query("me@x.io", &tz).is_err());
        assert!(
            p(&[("from", "yesterday")])
                .to_query("me@x.io", &tz)
                .is_err()
        );
        let q = p(&[("q", "' OR 1=1--"), ("assignee", "me")])
            .to_query("me@x.io", &tz)
            .unwrap();
        assert_eq!(q.text.as_deref(), Some("' OR 1=1--"));
        assert!(matches!(q.assignee, AssigneeFilter::Person(ref a) if a == "me@x.io"));
        assert!(matches!(q.sort, Sort::Urgency));
        assert_eq!(q.status, None);
    }

    #[test]
    fn dates_are_local_days_with_an_inclusive_end() {
        let tz: Tz = "America/Mexico_City".parse().unwrap();
        let q = p(&[("from", "2026-01-14"), ("to", "2026-01-14")])
            .to_query("me@x.io", &tz)
            .unwrap();
        // Mexico City is UTC-6 in January.
        assert_eq!(q.from, Some(1_768_370_400));
        assert_eq!(q.to, Some(1_768_370_400 + 86_400));
    }

    #[test]
    fn query_strings_keep_filters_and_apply_overrides() {
        let params = p(&[("label", "negative"), ("q", "a&b"), ("page", "3")]);
        assert_eq!(
            params.query_string(&[("page", Some("4"))]),
            "label=negative&q=a%26b&page=4"
        );
        assert_eq!(
            params.query_string(&[("page", None)]),
            "label=negative&q=a%26b"
        );
        assert!(params.is_filtered());
    }
}
