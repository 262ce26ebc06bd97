//! Source recipes: one TOML file per site (`sources/**.toml`) saying how to build the
//! URL to poll and how to read what comes back.
//!
//! Sources are data, not code, so that supporting a site (or repairing one after a
//! redesign) is an edit to a file a marketer's engineer can read. Following Huginn's
//! agents, each recipe states its parameters with their defaults and docs, and a sample
//! of what it outputs, up front; the schema reference is `sources/README.md`.
//!
//! A recipe is parsed and validated once ([`parse`]): TOML errors and meaning errors both
//! name the file, the key and the line ([`RecipeError`]), every CSS selector and date
//! format is compiled then, and the URL template is checked against the declared
//! parameters. What remains at run time is filling the template ([`Recipe::url_for`],
//! where only parameter values can be wrong) and extracting a fetched body
//! ([`Recipe::extract`], where only the page can be wrong: [`PageError`]).
//!
//! The shipped recipes are embedded in the binary ([`builtin`], [`find`]).

mod builtin;
mod error;
mod file;
mod template;

use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::extract::html::{self, HtmlRule};
use crate::extract::json::{self, JsonRule};
use crate::extract::{feed_with_base, jsonld};

pub use crate::extract::html::{Page, PageError};
pub use builtin::{builtin, builtin_paths, find};
pub use error::RecipeError;
pub use file::parse;

/// A parsed, validated recipe.
#[derive(Debug, Clone)]
pub struct Recipe {
    /// Short name used in `[[source]] recipe = "…"` (lowercase, digits, dashes).
    pub name: String,
    /// One line saying what the recipe watches.
    pub description: String,
    /// Where the recipe came from (file path), for messages.
    pub origin: String,
    /// How fetched bodies are read.
    pub rule: Rule,
    /// The URL to poll, with `{placeholders}` for the parameters.
    pub url_template: String,
    /// The parameters a `[[source]]` entry gives.
    pub params: Vec<ParamSpec>,
    /// How often to poll unless the source says otherwise.
    pub default_interval: Option<Duration>,
    /// How gently to treat the site.
    pub politeness: Politeness,
    /// The language the site's text is in, when it is fixed (`"en"`, `"es"`).
    pub lang: Option<String>,
    /// A documented example of one extracted item.
    pub sample: Option<Sample>,
}

/// What a recipe fetches: `kind = "feed" | "html" | "jsonld" | "json"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// RSS, Atom or JSON Feed.
    Feed,
    /// An HTML page read with CSS selectors (`[html]`).
    Html,
    /// An HTML page read through its schema.org JSON-LD.
    Jsonld,
    /// A JSON API read with dotted paths (`[json]`).
    Json,
}

impl Kind {
    /// The word a recipe writes for this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Feed => "feed",
            Kind::Html => "html",
            Kind::Jsonld => "jsonld",
            Kind::Json => "json",
        }
    }
}

/// How a recipe reads a body: the kind plus its rule.
#[derive(Debug, Clone)]
pub enum Rule {
    /// RSS, Atom or JSON Feed.
    Feed,
    /// CSS selectors (boxed: the rule is large, the other kinds are empty).
    Html(Box<HtmlRule>),
    /// schema.org JSON-LD.
    Jsonld,
    /// Dotted JSON paths.
    Json(Box<JsonRule>),
}

impl Rule {
    /// The rule for `kind` from its table (`[html]` / `[json]`), checked: also what inline
    /// `[[source]]` entries use. On error: the dotted key at fault and what is wrong.
    pub fn new(
        kind: Kind,
        html: Option<HtmlRule>,
        json: Option<JsonRule>,
    ) -> Result<Rule, (&'static str, String)> {
        match (kind, html, json) {
            (Kind::Html, Some(html), None) => {
                html.check()?;
                Ok(Rule::Html(Box::new(html)))
            }
            (Kind::Json, None, Some(json)) => {
                json.check().map_err(|m| ("json.skip_without", m))?;
                Ok(Rule::Json(Box::new(json)))
            }
            (Kind::Feed, None, None) => Ok(Rule::Feed),
            (Kind::Jsonld, None, None) => Ok(Rule::Jsonld),
            (Kind::Html, None, _) => Err(("kind", "kind = \"html\" needs an [html] table".into())),
            (Kind::Json, _, None) => Err(("kind", "kind = \"json\" needs a [json] table".into())),
            (kind, html, _) => {
                let table = if html.is_some() { "html" } else { "json" };
                Err((
                    table,
                    format!(
                        "an [{table}] table does not apply to kind = \"{}\"; remove it or change `kind`",
                        kind.as_str()
                    ),
                ))
            }
        }
    }

    /// The recipe kind this rule implements.
    pub fn kind(&self) -> Kind {
        match self {
            Rule::Feed => Kind::Feed,
            Rule::Html(_) => Kind::Html,
            Rule::Jsonld => Kind::Jsonld,
            Rule::Json(_) => Kind::Json,
        }
    }

    /// Pages to fetch per poll (1 unless an html rule paginates).
    pub fn max_pages(&self) -> u32 {
        match self {
            Rule::Html(rule) => rule.pagination.as_ref().map_or(1, |p| p.max_pages),
            _ => 1,
        }
    }

    /// Extracts one fetched body; `page_url` resolves relative links.
    pub fn extract(
        &self,
        body: &[u8],
        content_type: Option<&str>,
        page_url: &Url,
    ) -> Result<Page, PageError> {
        let extracted = match self {
            Rule::Feed => feed_with_base(body, content_type, Some(page_url.as_str()))?,
            Rule::Html(rule) => return html::extract(body, content_type, rule, page_url),
            Rule::Jsonld => jsonld::extract(body, content_type, page_url)?,
            Rule::Json(rule) => json::extract(body, content_type, rule, page_url)?,
        };
        Ok(Page {
            extracted,
            next_page: None,
        })
    }
}

/// The parameters a recipe can take: each fills the `{placeholder}` of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamName {
    /// A whole URL the user pastes (alert feeds); only as the entire template.
    Url,
    /// Search words.
    Query,
    /// The site's id of the thing watched (company domain, business slug, app id).
    Id,
    /// A language code.
    Lang,
    /// A country code.
    Country,
}

impl ParamName {
    /// Every parameter name, in documentation order.
    pub const ALL: [ParamName; 5] = [
        ParamName::Url,
        ParamName::Query,
        ParamName::Id,
        ParamName::Lang,
        ParamName::Country,
    ];

    /// The name as written in recipes and `[[source]]` entries.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamName::Url => "url",
            ParamName::Query => "query",
            ParamName::Id => "id",
            ParamName::Lang => "lang",
            ParamName::Country => "country",
        }
    }

    /// The name parsed from a placeholder.
    pub fn from_name(name: &str) -> Option<ParamName> {
        ParamName::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

/// One declared parameter: `[[param]]` in a recipe file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    /// Which parameter.
    pub name: ParamName,
    /// Whether a `[[source]]` entry must give it.
    #[serde(default)]
    pub required: bool,
    /// The value used when the entry gives none.
    pub default: Option<String>,
    /// What the value is and where to find it.
    pub doc: String,
    /// An example value (shown in the docs, used by the recipe tests).
    pub example: Option<String>,
    /// Values must start with one of these (e.g. the alert service's feed URL prefix).
    #[serde(default)]
    pub starts_with: Vec<String>,
}

/// `[politeness]`: how gently the fetcher treats the site (unset = the global defaults).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Politeness {
    /// Minimum time between two requests to the site's host.
    pub min_spacing: Option<Duration>,
    /// Requests in flight to the host at once.
    pub per_host_concurrency: Option<usize>,
}

/// `[sample]`: one item as the recipe outputs it, for the docs (Huginn-style).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    /// The item's title.
    pub title: Option<String>,
    /// The item's text.
    pub text: Option<String>,
    /// The author's name.
    pub author: Option<String>,
    /// RFC 3339 timestamp.
    pub published_at: Option<String>,
    /// The rating as the site shows it, e.g. "4/5".
    pub rating: Option<String>,
    /// The item's URL.
    pub link: Option<String>,
}

/// The parameter values of one `[[source]]` entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// `{url}`: a whole URL (alert feeds, generic recipes).
    pub url: Option<String>,
    /// `{query}`: search words.
    pub query: Option<String>,
    /// `{id}`: the site's id of the thing watched.
    pub id: Option<String>,
    /// `{lang}`: a language code.
    pub lang: Option<String>,
    /// `{country}`: a country code.
    pub country: Option<String>,
}

impl Params {
    /// The value given for `name`, if any.
    pub fn get(&self, name: ParamName) -> Option<&str> {
        match name {
            ParamName::Url => self.url.as_deref(),
            ParamName::Query => self.query.as_deref(),
            ParamName::Id => self.id.as_deref(),
            ParamName::Lang => self.lang.as_deref(),
            ParamName::Country => self.country.as_deref(),
        }
    }
}

impl Recipe {
    /// What the recipe fetches.
    pub fn kind(&self) -> Kind {
        self.rule.kind()
    }

    /// The URL to poll for these parameter values (placeholders percent-encoded).
    pub fn url_for(&self, params: &Params) -> Result<String, RecipeError> {
        template::fill(self, params)
    }

    /// Extracts one fetched body (see [`Rule::extract`]).
    pub fn extract(
        &self,
        body: &[u8],
        content_type: Option<&str>,
        page_url: &Url,
    ) -> Result<Page, PageError> {
        self.rule.extract(body, content_type, page_url)
    }

    /// The language of the items: the `lang` parameter when it is a language code, else
    /// the recipe's `lang`.
    pub fn lang_hint(&self, params: &Params) -> Option<String> {
        let declared = self.params.iter().find(|p| p.name == ParamName::Lang);
        let from_param = declared
            .and_then(|p| params.lang.as_deref().or(p.default.as_deref()))
            .map(|l| l.split(['-', '_']).next().unwrap_or(l).to_ascii_lowercase())
            .filter(|l| (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic()));
        from_param.or_else(|| self.lang.clone())
    }
}
