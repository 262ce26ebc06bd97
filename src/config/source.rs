//! `[[source]]` entries: a recipe plus its parameters, or an inline kind and URL.
//!
//! An entry is resolved once, at load: the recipe is looked up, its URL template filled
//! from the entry's parameters, the URL checked by the fetch guard, and the rule that
//! reads fetched bodies built. After that a source is a URL, a rule, a language and an
//! interval, and nothing downstream needs to know whether it came from a recipe.

use std::time::Duration;

use serde::Deserialize;

use super::duration;
use crate::extract::html::HtmlRule;
use crate::extract::json::JsonRule;
use crate::recipe::{self, Kind, ParamName, Params, Politeness, Recipe, Rule};
use crate::sentiment::Lang;

/// Default polling interval of a source.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(15 * 60);
/// No source may be polled more often than this.
pub const MIN_INTERVAL: Duration = Duration::from_secs(5);
/// A source with no new items for this long is shown as stale.
pub const DEFAULT_STALE_AFTER: Duration = Duration::from_secs(7 * 86_400);
/// How much a source's mentions weigh in the inbox's urgency order unless set.
pub const DEFAULT_WEIGHT: f64 = 1.0;
/// The largest weight (the urgency order's tiers assume it).
pub const MAX_WEIGHT: f64 = 100.0;

/// `[[source]]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// Unique name, used in the CLI and the store.
    pub name: String,
    /// A shipped recipe (`trustpilot`, `google-news`, …; see sources/README.md).
    pub recipe: Option<String>,
    /// Without a recipe: what the URL serves (`feed` by default, `jsonld`, `html`, `json`).
    pub kind: Option<Kind>,
    /// The URL polled: for inline sources; the `{url}` parameter of recipes that take one
    /// (alert feeds); for other recipes, a page read with the recipe instead of the one its
    /// template would build.
    pub url: Option<String>,
    /// The recipe's `{query}` parameter (search words).
    pub query: Option<String>,
    /// The recipe's `{id}` parameter (company domain, business slug, app id).
    pub id: Option<String>,
    /// The recipe's `{country}` parameter.
    pub country: Option<String>,
    /// The language of the source's mentions (`auto`, `en`, `es`; also the recipe's
    /// `{lang}` parameter, where a regional code like `es-419` is fine).
    pub lang: Option<String>,
    /// Every item of this source is a mention of this brand (review pages of your own
    /// business, whose reviews rarely repeat its name); other brands named in the text
    /// are still matched.
    pub brand: Option<String>,
    /// Time between polls, e.g. "15m" (minimum 5s; default: the recipe's, else 15m).
    #[serde(default, with = "duration::option")]
    pub interval: Option<Duration>,
    /// Call the source "stale" when polls succeed but nothing new appears for this long
    /// (default 7d).
    #[serde(default, with = "duration::option")]
    pub stale_after: Option<Duration>,
    /// How much this source's mentions weigh in the inbox's urgency order (default 1.0;
    /// 2.0 makes a −0.4 mention here as urgent as a −0.8 one elsewhere); above 0, at most 100.
    pub weight: Option<f64>,
    /// Inline `kind = "html"`: the CSS selectors (same keys as a recipe's `[html]`).
    pub html: Option<HtmlRule>,
    /// Inline `kind = "json"`: the paths (same keys as a recipe's `[json]`).
    pub json: Option<JsonRule>,
    /// Filled by [`SourceConfig::resolve`] at load.
    #[serde(skip)]
    resolved: Option<Resolved>,
}

/// What a source entry resolves to.
#[derive(Debug, Clone)]
struct Resolved {
    url: String,
    rule: Rule,
    recipe: Option<&'static Recipe>,
    interval: Duration,
}

impl SourceConfig {
    /// Resolve the entry; on error: the key at fault (relative to the entry) and why.
    pub(super) fn resolve(&mut self) -> Result<(), (&'static str, String)> {
        let params = Params {
            url: self.url.clone(),
            query: self.query.clone(),
            id: self.id.clone(),
            lang: self.lang.clone().filter(|l| l != "auto"),
            country: self.country.clone(),
        };
        let (url, rule, recipe) = match self.recipe.as_deref() {
            Some(name) => {
                let recipe = recipe::find(name).ok_or_else(|| {
                    let known: Vec<&str> =
                        recipe::builtin().iter().map(|r| r.name.as_str()).collect();
                    (
                        "recipe",
                        format!(
                            "unknown recipe \"{name}\"; shipped recipes: {}",
                            known.join(", ")
                        ),
                    )
                })?;
                if let Some(kind) = self.kind.filter(|k| *k != recipe.kind()) {
                    return Err((
                        "kind",
                        format!(
                            "recipe \"{name}\" reads kind \"{}\", not \"{}\"; remove `kind`",
                            recipe.kind().as_str(),
                            kind.as_str()
                        ),
                    ));
                }
                if self.html.is_some() || self.json.is_some() {
                    return Err(("html", "a recipe brings its own selectors; remove the [source.html] / [source.json] table".into()));
                }
                let takes_url = recipe.params.iter().any(|p| p.name == ParamName::Url);
                let url = match (&self.url, takes_url) {
                    // A recipe built around a template still reads a page the user names
                    // (a regional domain, a mirror, a saved copy on a test server).
                    (Some(url), false) => url.clone(),
                    _ => recipe
                        .url_for(&params)
                        .map_err(|e| ("recipe", e.to_string()))?,
                };
                (url, recipe.rule.clone(), Some(recipe))
            }
            None => {
                for (key, given) in [
                    ("query", &self.query),
                    ("id", &self.id),
                    ("country", &self.country),
                ] {
                    if given.is_some() {
                        return Err((
                            key,
                            format!(
                                "`{key}` is a recipe parameter; add `recipe = \"…\"` or remove it"
                            ),
                        ));
                    }
                }
                let url = self
                    .url
                    .clone()
                    .ok_or_else(|| ("url", format!("source \"{}\" has no URL", self.name)))?;
                let kind = self.kind.unwrap_or(Kind::Feed);
                let rule = Rule::new(kind, self.html.take(), self.json.take())
                    .map_err(|(_, m)| ("kind", m))?;
                (url, rule, None)
            }
        };
        crate::fetch::check_url(&url).map_err(|e| ("url", e.to_string()))?;
        let interval = self
            .interval
            .or(recipe.and_then(|r| r.default_interval))
            .unwrap_or(DEFAULT_INTERVAL);
        if interval < MIN_INTERVAL {
            return Err((
                "interval",
                format!(
                    "{} is under the minimum of {}",
                    duration::format_duration(interval),
                    duration::format_duration(MIN_INTERVAL)
                ),
            ));
        }
        if let Some(w) = self.weight
            && !(w > 0.0 && w <= MAX_WEIGHT)
        {
            return Err((
                "weight",
                format!("{w} is not a weight: use a number above 0 and at most {MAX_WEIGHT}"),
            ));
        }
        self.resolved = Some(Resolved {
            url,
            rule,
            recipe,
            interval,
        });
        Ok(())
    }

    fn resolved(&self) -> &Resolved {
        self.resolved
            .as_ref()
            .expect("sources are resolved by Config::load before use")
    }

    /// The URL polled.
    pub fn poll_url(&self) -> &str {
        &self.resolved().url
    }

    /// How fetched bodies are read.
    pub fn rule(&self) -> &Rule {
        &self.resolved().rule
    }

    /// The recipe name, or the inline kind (`feed`, `jsonld`, …), as stored and shown.
    pub fn kind_name(&self) -> &str {
        let r = self.resolved();
        r.recipe
            .map_or(r.rule.kind().as_str(), |recipe| recipe.name.as_str())
    }

    /// The polling interval (the entry's, else the recipe's default, else 15 minutes).
    pub fn interval(&self) -> Duration {
        self.resolved().interval
    }

    /// The urgency weight, with the default applied.
    pub fn weight(&self) -> f64 {
        self.weight.unwrap_or(DEFAULT_WEIGHT)
    }

    /// The stale threshold, with the default applied.
    pub fn stale_after(&self) -> Duration {
        self.stale_after.unwrap_or(DEFAULT_STALE_AFTER)
    }

    /// The recipe's politeness settings (empty for inline sources).
    pub fn politeness(&self) -> Politeness {
        self.resolved()
            .recipe
            .map(|r| r.politeness.clone())
            .unwrap_or_default()
    }

    /// The language forced on this source's mentions: the entry's `lang`, else the
    /// recipe's hint; `None` means detect per mention.
    pub fn scoring_lang(&self) -> Option<Lang> {
        let hint = match (&self.lang, self.resolved().recipe) {
            (Some(l), _) => Some(l.clone()),
            (None, Some(recipe)) => recipe.lang_hint(&Params::default()),
            (None, None) => None,
        }?;
        match hint.to_ascii_lowercase().split(['-', '_']).next() {
            Some("en") => Some(Lang::En),
            Some("es") => Some(Lang::Es),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use std::path::Path;

    fn load(sources: &str) -> Result<Config, String> {
        let text = format!("[[brand]]\nname = \"Acme\"\n\n{sources}");
        Config::from_toml(&text, Path::new("vigia.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn recipe_source_builds_its_url_and_takes_its_defaults() {
        let c = load("[[source]]\nname = \"tp\"\nrecipe = \"trustpilot\"\nid = \"acme.example\"\nbrand = \"Acme\"\n").unwrap();
        let s = &c.sources[0];
        assert!(
            s.poll_url().starts_with("https://") && s.poll_url().contains("acme.example"),
            "{}",
            s.poll_url()
        );
        assert_eq!(s.kind_name(), "trustpilot");
        assert!(s.politeness().min_spacing.is_some());
    }

    #[test]
    fn c02_unknown_recipe_lists_the_shipped_ones() {
        let err = load("[[source]]\nname = \"x\"\nrecipe = \"myspace\"\n").unwrap_err();
        assert!(
            err.contains("source[0].recipe") && err.contains("trustpilot"),
            "{err}"
        );
    }

    #[test]
    fn c02_missing_recipe_parameter_is_named() {
        let err = load("[[source]]\nname = \"x\"\nrecipe = \"trustpilot\"\n").unwrap_err();
        assert!(
            err.contains("source[0].recipe") && err.contains("id"),
            "{err}"
        );
    }

    #[test]
    fn c02_recipe_parameters_without_a_recipe_are_refused() {
        let err = load("[[source]]\nname = \"x\"\nurl = \"https://e.com/\"\nquery = \"acme\"\n")
            .unwrap_err();
        assert!(err.contains("source[0].query"), "{err}");
    }

    #[test]
    fn c02_kind_that_contradicts_the_recipe_is_refused() {
        let err =
            load("[[source]]\nname = \"x\"\nrecipe = \"yelp\"\nid = \"acme\"\nkind = \"feed\"\n")
                .unwrap_err();
        assert!(err.contains("source[0].kind"), "{err}");
    }

    #[test]
    fn c02_source_brand_must_exist() {
        let err = load("[[source]]\nname = \"x\"\nurl = \"https://e.com/\"\nbrand = \"Globex\"\n")
            .unwrap_err();
        assert!(
            err.contains("source[0].brand") && err.contains("Globex"),
            "{err}"
        );
    }

    #[test]
    fn weight_defaults_to_one_and_must_be_positive() {
        let c = load("[[source]]\nname = \"x\"\nurl = \"https://e.com/\"\n").unwrap();
        assert_eq!(c.sources[0].weight(), 1.0);
        let c = load("[[source]]\nname = \"x\"\nurl = \"https://e.com/\"\nweight = 2.5\n").unwrap();
        assert_eq!(c.sources[0].weight(), 2.5);
        for bad in ["0", "-1", "0.0", "101", "nan"] {
            let err = load(&format!(
                "[[source]]\nname = \"x\"\nurl = \"https://e.com/\"\nweight = {bad}\n"
            ))
            .unwrap_err();
            assert!(err.contains("source[0].weight"), "{bad}: {err}");
        }
    }

    #[test]
    fn inline_jsonld_and_html_need_what_they_need() {
        let c =
            load("[[source]]\nname = \"x\"\nkind = \"jsonld\"\nurl = \"https://shop.example/p\"\n")
                .unwrap();
        assert_eq!(c.sources[0].kind_name(), "jsonld");
        let err = load("[[source]]\nname = \"x\"\nkind = \"html\"\nurl = \"https://e.com/\"\n")
            .unwrap_err();
        assert!(
            err.contains("source[0].kind") && err.contains("[html]"),
            "{err}"
        );
    }

    #[test]
    fn language_comes_from_the_entry_or_the_recipe_parameter() {
        let c = load("[[source]]\nname = \"n\"\nrecipe = \"google-news\"\nquery = \"acme\"\nlang = \"es-419\"\n").unwrap();
        assert_eq!(
            c.sources[0].scoring_lang(),
            Some(crate::sentiment::Lang::Es)
        );
        assert!(
            c.sources[0].poll_url().contains("es-419"),
            "{}",
            c.sources[0].poll_url()
        );
        let c =
            load("[[source]]\nname = \"n\"\nurl = \"https://e.com/\"\nlang = \"auto\"\n").unwrap();
        assert_eq!(c.sources[0].scoring_lang(), None);
    }
}
