//! Golden pages: each fixture page through its recipe → `<case>.expected.json`.

use std::path::Path;

use serde::Serialize;
use url::Url;
use vigia::extract::Extracted;
use vigia::normalize::plain_text;
use vigia::recipe::{self, Kind};

use super::{builtin, fixture, url};

struct Case {
    recipe: &'static str,
    file: &'static str,
    content_type: Option<&'static str>,
    page_url: &'static str,
}

const CASES: &[Case] = &[
    Case {
        recipe: "trustpilot",
        file: "trustpilot/lumbre-coffee-en.html",
        content_type: Some("text/html; charset=utf-8"),
        page_url: "https://www.trustpilot.com/review/lumbre-coffee.example?languages=all&sort=recency",
    },
    Case {
        recipe: "trustpilot",
        file: "trustpilot/cafe-brujula-es.html",
        content_type: Some("text/html"),
        page_url: "https://es.trustpilot.com/review/cafe-brujula.example?languages=es&sort=recency",
    },
    Case {
        recipe: "trustpilot",
        file: "trustpilot/malformed-jsonld-en.html",
        content_type: None,
        page_url: "https://www.trustpilot.com/review/lumbre-coffee.example?page=2",
    },
    Case {
        recipe: "yelp",
        file: "yelp/lumbre-coffee-en.html",
        content_type: Some("text/html; charset=UTF-8"),
        page_url: "https://www.yelp.com/biz/lumbre-coffee-portland?sort_by=date_desc",
    },
    Case {
        recipe: "yelp",
        file: "yelp/taberna-el-faro-es.html",
        content_type: Some("text/html; charset=UTF-8"),
        page_url: "https://www.yelp.es/biz/taberna-el-faro-cadiz?sort_by=date_desc",
    },
    Case {
        recipe: "schema-org",
        file: "schema-org/nimbo-kettle-en.html",
        content_type: Some("text/html"),
        page_url: "https://shop.example/products/nimbo-kettle",
    },
    Case {
        recipe: "schema-org",
        file: "schema-org/hostal-vela-azul-es.html",
        content_type: Some("text/html"),
        page_url: "https://reservas.example/hostal-vela-azul",
    },
    Case {
        recipe: "app-store-reviews",
        file: "app-store-reviews/pocket-ledger-us.json",
        content_type: Some("text/javascript; charset=utf-8"),
        page_url: "https://itunes.apple.com/us/rss/customerreviews/page=1/id=1234567890/sortby=mostrecent/json",
    },
    Case {
        recipe: "app-store-reviews",
        file: "app-store-reviews/pocket-ledger-es.json",
        content_type: Some("text/javascript; charset=utf-8"),
        page_url: "https://itunes.apple.com/es/rss/customerreviews/page=1/id=1234567890/sortby=mostrecent/json",
    },
    Case {
        recipe: "rss",
        file: "rss/lumbre-blog-mixed.xml",
        content_type: Some("application/rss+xml"),
        page_url: "https://coffee-notes.example/feed.xml",
    },
];

// ---------------------------------------------------------------- golden pages

/// What a golden file holds: what a person reviewing the recipe needs to see.
#[derive(Serialize)]
struct Golden {
    recipe: String,
    page_url: String,
    feed_title: Option<String>,
    next_page: Option<String>,
    warnings: Vec<String>,
    items: Vec<GoldenItem>,
}

#[derive(Serialize)]
struct GoldenItem {
    guid: Option<String>,
    link: Option<String>,
    title: String,
    text: String,
    author: Option<String>,
    published_at: Option<String>,
    rating: Option<GoldenRating>,
}

#[derive(Serialize)]
struct GoldenRating {
    value: f64,
    best: f64,
    worst: f64,
    normalized: f64,
}

fn golden(case: &Case, extracted: Extracted, next_page: Option<Url>) -> Golden {
    Golden {
        recipe: case.recipe.into(),
        page_url: case.page_url.into(),
        feed_title: extracted.feed_title,
        next_page: next_page.map(String::from),
        warnings: extracted.warnings,
        items: extracted
            .items
            .into_iter()
            .map(|i| GoldenItem {
                guid: i.guid,
                link: i.link,
                title: plain_text(&i.title),
                text: plain_text(&i.content),
                author: i.author.map(|a| plain_text(&a)),
                published_at: i.published_at.map(|d| d.to_rfc3339()),
                rating: i.rating.map(|r| GoldenRating {
                    value: r.value,
                    best: r.best,
                    worst: r.worst,
                    normalized: (r.normalized() * 10_000.0).round() / 10_000.0,
                }),
            })
            .collect(),
    }
}

/// Compares `actual` with the golden file (or rewrites it under `VIGIA_BLESS=1`);
/// returns a readable message on mismatch.
fn check_golden(path: &Path, actual: &str) -> Result<(), String> {
    if std::env::var("VIGIA_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(path, actual)
            .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
        eprintln!("blessed {}", path.display());
        return Ok(());
    }
    let expected = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "{}: cannot read ({e}); create it with VIGIA_BLESS=1 cargo test --test it recipes, then review it",
            path.display()
        )
    })?;
    if expected == actual {
        return Ok(());
    }
    let exp: Vec<&str> = expected.lines().collect();
    let act: Vec<&str> = actual.lines().collect();
    let first = exp
        .iter()
        .zip(&act)
        .position(|(e, a)| e != a)
        .unwrap_or(exp.len().min(act.len()));
    let mut msg = format!("{}: differs from line {}:\n", path.display(), first + 1);
    for i in first.saturating_sub(3)..first + 8 {
        match (exp.get(i), act.get(i)) {
            (Some(e), Some(a)) if e == a => msg.push_str(&format!("   {:>4} {e}\n", i + 1)),
            (e, a) => {
                if let Some(e) = e {
                    msg.push_str(&format!("  -{:>4} {e}\n", i + 1));
                }
                if let Some(a) = a {
                    msg.push_str(&format!("  +{:>4} {a}\n", i + 1));
                }
            }
        }
    }
    msg.push_str("  (- expected, + actual; if the change is intended: VIGIA_BLESS=1 cargo test --test it recipes)\n");
    Err(msg)
}

#[test]
fn recipes_golden_pages_match_expected_json() {
    let mut failures = Vec::new();
    for case in CASES {
        let path = fixture(case.file);
        let body = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let page = match builtin(case.recipe).extract(&body, case.content_type, &url(case.page_url))
        {
            Ok(page) => page,
            Err(e) => {
                failures.push(format!("{}: extraction failed: {e}", case.file));
                continue;
            }
        };
        let actual = serde_json::to_string_pretty(&golden(case, page.extracted, page.next_page))
            .expect("serialize")
            + "\n";
        let expected_path = path.with_extension("expected.json");
        if let Err(msg) = check_golden(&expected_path, &actual) {
            failures.push(msg);
        }
    }
    assert!(
        failures.is_empty(),
        "golden mismatches:\n{}",
        failures.join("\n")
    );
}

#[test]
fn recipes_every_page_recipe_has_golden_cases() {
    for recipe in recipe::builtin().iter().filter(|r| r.kind() != Kind::Feed) {
        let cases = CASES.iter().filter(|c| c.recipe == recipe.name).count();
        assert!(
            cases >= 2,
            "recipe `{}` needs golden cases (English and Spanish)",
            recipe.name
        );
    }
}

#[test]
fn recipes_reviews_carry_rating_author_date() {
    // Item 3 of the issue: what the sentiment rule and the inbox read.
    for case in CASES.iter().filter(|c| c.recipe != "rss") {
        let body = std::fs::read(fixture(case.file)).expect("fixture");
        let page = builtin(case.recipe)
            .extract(&body, case.content_type, &url(case.page_url))
            .expect("extracts");
        assert!(!page.extracted.items.is_empty(), "{}", case.file);
        for item in &page.extracted.items {
            let rating = item
                .rating
                .unwrap_or_else(|| panic!("{}: no rating in {item:?}", case.file));
            assert!((0.0..=1.0).contains(&rating.normalized()));
            assert!(
                item.author.is_some(),
                "{}: no author in {item:?}",
                case.file
            );
            assert!(
                item.published_at.is_some(),
                "{}: no date in {item:?}",
                case.file
            );
            // Without an id or URL the mention is keyed on its text: it needs some.
            let keyed = item.guid.is_some() || item.link.is_some() || !item.content.is_empty();
            assert!(keyed, "{}: nothing to key the review on", case.file);
        }
    }
}

#[test]
fn recipes_reviews_of_one_page_stay_distinct_mentions() {
    // Review links must not collapse into one canonical URL (fragments are dropped there).
    for case in CASES {
        let body = std::fs::read(fixture(case.file)).expect("fixture");
        let page = builtin(case.recipe)
            .extract(&body, case.content_type, &url(case.page_url))
            .expect("extracts");
        let n = page.extracted.items.len();
        let items = vigia::normalize::items(page.extracted.items);
        let mut keys: Vec<&str> = items.iter().map(|i| i.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(
            keys.len(),
            n,
            "{}: reviews merged into fewer mentions",
            case.file
        );
    }
}
