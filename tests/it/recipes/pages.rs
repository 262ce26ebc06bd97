//! Extraction failures a person must hear about (P13), schema.org JSON-LD (P14, P15), and
//! the shared style-reference pages.

use vigia::extract::html::PARTIAL_DRIFT_WARNING;
use vigia::normalize::plain_text;
use vigia::recipe::{self, PageError};

use super::{GOOD_HEAD, builtin, fixture, shared_eval, url};

// ---------------------------------------------------------------- P13 – P15

/// A review page after an imagined redesign: same reviews, new markup.
const REDESIGNED: &str = r#"<!DOCTYPE html><html><head><title>Lumbre Coffee Co. - Yelp</title></head><body>
<div class="reviews-v2"><div class="review-v2"><h4>Sam K.</h4><span class="stars-v2">4</span>
<p>Great espresso.</p></div></div></body></html>"#;

#[test]
fn p13_item_selector_matching_nothing_is_selector_drift() {
    let page = url("https://www.yelp.com/biz/lumbre-coffee-portland");
    let err = builtin("yelp")
        .extract(REDESIGNED.as_bytes(), Some("text/html"), &page)
        .expect_err("drift");
    assert!(err.is_drift(), "{err}");
    assert!(
        matches!(&err, PageError::SelectorDrift { selector, .. } if selector == "li[data-review-id]"),
        "{err}"
    );
    let msg = err.to_string();
    assert!(
        msg.starts_with("selector drift:") && msg.contains("update the recipe"),
        "{msg}"
    );

    // The same for the JSON-LD-preferring recipe when neither JSON-LD nor cards are left,
    let trustpilot = url("https://www.trustpilot.com/review/lumbre-coffee.example");
    let err = builtin("trustpilot")
        .extract(REDESIGNED.as_bytes(), None, &trustpilot)
        .expect_err("drift");
    assert!(err.is_drift(), "{err}");
    // for a JSON-LD source on a page without JSON-LD,
    let err = builtin("schema-org")
        .extract(REDESIGNED.as_bytes(), None, &page)
        .expect_err("drift");
    assert!(err.is_drift(), "{err}");
    // and for a JSON API whose shape changed.
    let api =
        url("https://itunes.apple.com/us/rss/customerreviews/page=1/id=1/sortby=mostrecent/json");
    let err = builtin("app-store-reviews")
        .extract(
            br#"{"data":{"reviews":[]}}"#,
            Some("application/json"),
            &api,
        )
        .expect_err("drift");
    assert!(err.is_drift(), "{err}");
    // A broken body is not drift: it is a different failure.
    let err = builtin("app-store-reviews")
        .extract(b"{\"feed\":", None, &api)
        .expect_err("broken");
    assert!(!err.is_drift(), "{err}");
}

#[test]
fn p13_legitimately_empty_page_and_empty_api_answer_are_not_drift() {
    let text = format!(
        "{GOOD_HEAD}kind = \"html\"\nurl = \"https://reviews.example/acme\"\n[html]\nitem = \"li.review\"\nempty = \".no-reviews\"\ntext = {{ selector = \"p\" }}\n"
    );
    let recipe = recipe::parse(&text, "inline.toml").expect("recipe");
    let page = recipe
        .extract(
            b"<html><body><div class=\"no-reviews\">No reviews yet</div></body></html>",
            None,
            &url("https://reviews.example/acme"),
        )
        .expect("not drift");
    assert!(page.extracted.items.is_empty());
    // An app without reviews: Apple omits `entry`.
    let api =
        url("https://itunes.apple.com/us/rss/customerreviews/page=1/id=1/sortby=mostrecent/json");
    let page = builtin("app-store-reviews")
        .extract(
            br#"{"feed":{"title":{"label":"iTunes Store: Customer Reviews"}}}"#,
            None,
            &api,
        )
        .expect("no reviews is fine");
    assert!(page.extracted.items.is_empty());
}

#[test]
fn p13_required_field_empty_everywhere_is_partial_drift_warning() {
    // The cards are still there but the text moved to a new element.
    let html = r#"<html><body><ul>
      <li data-review-id="a"><div role="img" aria-label="2 star rating"></div><span>Nov 1, 2024</span><div class="body">Cold coffee.</div></li>
      <li data-review-id="b"><div role="img" aria-label="5 star rating"></div><span>Nov 2, 2024</span><div class="body">Lovely.</div></li>
    </ul></body></html>"#;
    let page = builtin("yelp")
        .extract(html.as_bytes(), None, &url("https://www.yelp.com/biz/x"))
        .expect("items are still found");
    assert_eq!(page.extracted.items.len(), 2, "nothing is thrown away");
    let warning = page
        .extracted
        .warnings
        .iter()
        .find(|w| w.starts_with(PARTIAL_DRIFT_WARNING));
    assert!(
        warning.is_some_and(|w| w.contains("`text`") && w.contains("all 2 items")),
        "{:?}",
        page.extracted.warnings
    );
    assert_eq!(page.extracted.items[0].rating.map(|r| r.value), Some(2.0));
}

#[test]
fn p13_drift_of_cards_under_jsonld_is_reported_as_a_warning() {
    // JSON-LD still works, the cards do not: reviews come through, a person is told.
    let html = r#"<html><head><script type="application/ld+json">{"@type":"LocalBusiness","name":"Lumbre","review":[
      {"@type":"Review","author":"Ann","reviewBody":"Fine.","reviewRating":{"ratingValue":4},"datePublished":"2024-12-01"}]}</script></head>
      <body><div class="new-card">Fine.</div></body></html>"#;
    let page = builtin("trustpilot")
        .extract(
            html.as_bytes(),
            None,
            &url("https://www.trustpilot.com/review/lumbre.example"),
        )
        .expect("JSON-LD reviews");
    assert_eq!(page.extracted.items.len(), 1);
    assert!(
        page.extracted
            .warnings
            .iter()
            .any(|w| w.contains("selector drift")),
        "{:?}",
        page.extracted.warnings
    );
}

/// Reads a file of `../shared/eval`, or says why not: `None` means "skip" (fails under CI).

#[test]
fn p14_schema_org_jsonld_reviews_have_rating_author_date() {
    let Some(body) = shared_eval("review_pages/trustpilot_jsonld.html") else {
        return;
    };
    let page_url = url("https://www.trustpilot.com/review/test-company.example");
    for name in ["schema-org", "trustpilot"] {
        let page = builtin(name)
            .extract(&body, Some("text/html"), &page_url)
            .expect("reviews");
        let items = &page.extracted.items;
        assert_eq!(items.len(), 2, "{name}: {items:?}");
        let authors: Vec<_> = items.iter().map(|i| i.author.as_deref()).collect();
        assert_eq!(
            authors,
            [Some("John Reviewer"), Some("Jane Customer")],
            "{name}"
        );
        let ratings: Vec<_> = items
            .iter()
            .map(|i| i.rating.map(|r| (r.value, r.best)))
            .collect();
        assert_eq!(ratings, [Some((5.0, 5.0)), Some((3.0, 5.0))], "{name}");
        let dates: Vec<_> = items
            .iter()
            .map(|i| i.published_at.map(|d| d.to_rfc3339()))
            .collect();
        assert_eq!(
            dates,
            [
                Some("2024-12-15T10:30:00+00:00".to_owned()),
                Some("2024-11-20T14:45:00+00:00".to_owned())
            ],
            "{name}"
        );
        assert_eq!(
            plain_text(&items[1].content),
            "Nothing special but gets the job done."
        );
        assert_eq!(plain_text(&items[1].title), "Okay experience");
    }
}

#[test]
fn p15_malformed_jsonld_is_ignored_and_the_html_recipe_still_applies() {
    let body = std::fs::read(fixture("trustpilot/malformed-jsonld-en.html")).expect("fixture");
    let page = builtin("trustpilot")
        .extract(
            &body,
            None,
            &url("https://www.trustpilot.com/review/lumbre-coffee.example?page=2"),
        )
        .expect("the cards still apply");
    let items = &page.extracted.items;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].author.as_deref(), Some("Mei L."));
    assert_eq!(items[0].rating.map(|r| r.value), Some(4.0));
    assert!(
        page.extracted
            .warnings
            .iter()
            .any(|w| w.contains("JSON-LD block 1 is malformed")),
        "{:?}",
        page.extracted.warnings
    );
}

#[test]
fn recipes_read_the_reference_style_pages() {
    // The shared style references (not ours, read in place): our selectors must fit them.
    if let Some(body) = shared_eval("review_pages/yelp_page1.html") {
        let page = builtin("yelp")
            .extract(&body, None, &url("https://www.yelp.com/biz/x"))
            .expect("yelp");
        let got: Vec<_> = page
            .extracted
            .items
            .iter()
            .map(|i| {
                (
                    i.author.clone(),
                    i.rating.map(|r| r.value),
                    i.published_at.map(|d| d.date_naive().to_string()),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    Some("Alex Thompson".into()),
                    Some(5.0),
                    Some("2024-11-15".into())
                ),
                (
                    Some("Maria Garcia".into()),
                    Some(3.0),
                    Some("2024-10-22".into())
                ),
                (
                    Some("Robert Chen".into()),
                    Some(1.0),
                    Some("2024-09-05".into())
                ),
            ]
        );
    }
    if let Some(body) = shared_eval("review_pages/trustpilot_page1.html") {
        let page = builtin("trustpilot")
            .extract(&body, None, &url("https://www.trustpilot.com/review/x"))
            .expect("trustpilot");
        let got: Vec<_> = page
            .extracted
            .items
            .iter()
            .map(|i| (i.author.clone(), i.rating.map(|r| r.value)))
            .collect();
        assert_eq!(
            got,
            [
                (Some("John Smith".into()), Some(5.0)),
                (Some("Jane Doe".into()), Some(3.0))
            ]
        );
        assert_eq!(
            page.extracted.items[0].guid.as_deref(),
            Some("review_abc123")
        );
    }
}
