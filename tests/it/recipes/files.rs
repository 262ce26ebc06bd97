//! Recipe files: every shipped file loads; bad files name file, key and line; URL
//! templates fill safely.

use std::path::{Path, PathBuf};

use vigia::recipe::{self, Kind, Params, RecipeError};

use super::{GOOD_HEAD, builtin, crate_dir};

// ---------------------------------------------------------------- recipe files

/// Every `*.toml` under `sources/`, recursively.
fn recipe_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir)
        .expect("sources/ is readable")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            recipe_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
}

#[test]
fn recipes_every_file_loads_and_validates() {
    let mut files = Vec::new();
    recipe_files(&crate_dir().join("sources"), &mut files);
    assert!(files.len() >= 11, "found only {} recipe files", files.len());
    let embedded: Vec<&str> = recipe::builtin_paths().collect();
    for path in &files {
        let rel = path
            .strip_prefix(crate_dir())
            .expect("under crate")
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(path).expect("readable");
        let recipe = recipe::parse(&text, &rel).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            embedded.contains(&rel.as_str()),
            "{rel} is not embedded in recipe::builtin()"
        );
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("stem");
        assert_eq!(recipe.name, stem, "{rel}: `name` must match the file name");
        let group = path
            .parent()
            .and_then(Path::file_name)
            .and_then(|g| g.to_str());
        let expected_group = match recipe.kind() {
            Kind::Feed if recipe.name.ends_with("-alerts") => "alerts",
            Kind::Feed => "feeds",
            _ => "review",
        };
        assert_eq!(group, Some(expected_group), "{rel}: wrong folder");
        assert!(recipe.sample.is_some(), "{rel}: document a [sample]");
        assert!(
            recipe.default_interval.is_some(),
            "{rel}: set default_interval"
        );
        // The documented examples must build a valid URL.
        let mut params = Params::default();
        for p in &recipe.params {
            let example = p.example.clone();
            assert!(
                example.is_some() || !p.required,
                "{rel}: required `{}` needs an example",
                p.name.as_str()
            );
            match p.name {
                recipe::ParamName::Url => params.url = example,
                recipe::ParamName::Query => params.query = example,
                recipe::ParamName::Id => params.id = example,
                recipe::ParamName::Lang => params.lang = example,
                recipe::ParamName::Country => params.country = example,
            }
        }
        let built = recipe
            .url_for(&params)
            .unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert!(built.starts_with("https://"), "{rel}: {built}");
        assert!(
            recipe::find(&recipe.name).is_some(),
            "{rel}: not found by name"
        );
    }
    assert_eq!(
        recipe::builtin().len(),
        files.len(),
        "a built-in recipe failed to load"
    );
}

/// Parses `text` as `bad.toml` and returns the error message.
fn refused(text: &str) -> String {
    match recipe::parse(text, "sources/review/bad.toml") {
        Ok(r) => panic!("accepted a bad recipe: {r:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn recipes_unknown_key_names_file_key_and_line() {
    let msg = refused(&format!(
        "{GOOD_HEAD}kind = \"html\"\nurl = \"https://x.example/\"\n\n[html]\nitem = \"li\"\ntitel = {{ selector = \"h2\" }}\n"
    ));
    assert!(msg.starts_with("sources/review/bad.toml:8:"), "{msg}");
    assert!(msg.contains("html") && msg.contains("titel"), "{msg}");
}

#[test]
fn recipes_bad_selector_and_date_format_name_key_and_line() {
    let msg = refused(&format!(
        "{GOOD_HEAD}kind = \"html\"\nurl = \"https://x.example/\"\n[html]\nitem = \"li:frobnicate\"\n"
    ));
    assert!(msg.starts_with("sources/review/bad.toml:6:"), "{msg}");
    assert!(
        msg.contains("html.item") && msg.contains("not a valid CSS selector"),
        "{msg}"
    );

    let msg = refused(&format!(
        "{GOOD_HEAD}kind = \"html\"\nurl = \"https://x.example/\"\n[html]\nitem = \"li\"\n[html.date]\nselector = \"time\"\nformat = \"dd/mm/yyyy\"\n"
    ));
    assert!(msg.starts_with("sources/review/bad.toml:9:"), "{msg}");
    assert!(msg.contains("html.date.format"), "{msg}");
}

#[test]
fn recipes_meaning_errors_name_file_key_and_line() {
    let cases = [
        (
            format!(
                "{GOOD_HEAD}kind = \"feed\"\nurl_template = \"https://x.example/?q={{query}}\"\n"
            ),
            "url_template",
            "no [[param]] declares `query`",
        ),
        (
            format!(
                "{GOOD_HEAD}kind = \"feed\"\nurl = \"https://x.example/\"\nurl_template = \"{{url}}\"\n"
            ),
            "url_template",
            "not both",
        ),
        (
            format!(
                "{GOOD_HEAD}kind = \"feed\"\nurl_template = \"https://x.example/?q={{query}}\"\n[[param]]\nname = \"query\"\nrequired = true\ndefault = \"x\"\ndoc = \"words\"\n"
            ),
            "param[0].default",
            "cannot have a default",
        ),
        (
            format!(
                "{GOOD_HEAD}kind = \"feed\"\nurl = \"https://x.example/\"\n[html]\nitem = \"li\"\n"
            ),
            "html",
            "does not apply",
        ),
        (
            format!(
                "{GOOD_HEAD}kind = \"html\"\nurl = \"https://x.example/\"\n[html]\nitem = \"li\"\nrating = {{ attr = \"title\", best = 1, worst = 5 }}\n"
            ),
            "html.rating",
            "must exceed",
        ),
        (
            format!(
                "{GOOD_HEAD}kind = \"feed\"\nurl_template = \"https://x.example/{{url}}\"\n[[param]]\nname = \"url\"\ndoc = \"d\"\n"
            ),
            "url_template",
            "whole template",
        ),
        (
            format!(
                "{GOOD_HEAD}kind = \"json\"\nurl = \"https://x.example/\"\n[json]\nitems = \"a\"\nskip_without = [\"rating\"]\n"
            ),
            "json.skip_without",
            "no `rating` path",
        ),
    ];
    for (text, key, needle) in cases {
        let msg = refused(&text);
        assert!(msg.starts_with("sources/review/bad.toml:"), "{msg}");
        assert!(
            !msg.starts_with("sources/review/bad.toml:0:"),
            "line not found: {msg}"
        );
        assert!(
            msg.contains(&format!(": {key}: ")),
            "{key} not named: {msg}"
        );
        assert!(msg.contains(needle), "{msg}");
    }
}

#[test]
fn recipes_syntax_error_names_line() {
    let msg = refused(&format!(
        "{GOOD_HEAD}kind = \"feed\nurl = \"https://x.example/\"\n"
    ));
    assert!(msg.starts_with("sources/review/bad.toml:3:"), "{msg}");
    assert!(msg.contains("(syntax)"), "{msg}");
}

// ---------------------------------------------------------------- URL templates

#[test]
fn recipes_url_template_encodes_and_fills_defaults() {
    let news = builtin("google-news");
    let url = news
        .url_for(&Params {
            query: Some("\"Café Brújula\" & co".into()),
            ..Params::default()
        })
        .expect("url");
    assert_eq!(
        url,
        "https://news.google.com/rss/search?q=%22Caf%C3%A9%20Br%C3%BAjula%22%20%26%20co&hl=en&gl=US&ceid=US:en"
    );
    let es = news
        .url_for(&Params {
            query: Some("brújula".into()),
            lang: Some("es".into()),
            country: Some("ES".into()),
            ..Params::default()
        })
        .expect("url");
    assert!(es.ends_with("&hl=es&gl=ES&ceid=ES:es"), "{es}");
    assert_eq!(
        news.lang_hint(&Params {
            lang: Some("es-419".into()),
            ..Params::default()
        })
        .as_deref(),
        Some("es")
    );
}

#[test]
fn recipes_url_template_refuses_missing_unknown_and_foreign_params() {
    let news = builtin("google-news");
    let err = news
        .url_for(&Params::default())
        .expect_err("query is required");
    assert!(
        matches!(err, RecipeError::MissingParam { ref param, .. } if param == "query"),
        "{err}"
    );
    assert!(err.to_string().contains("`query`"), "{err}");

    let err = news
        .url_for(&Params {
            query: Some("x".into()),
            id: Some("y".into()),
            ..Params::default()
        })
        .expect_err("id is not a google-news parameter");
    assert!(matches!(err, RecipeError::UnknownParam { .. }), "{err}");

    let alerts = builtin("google-alerts");
    let err = alerts
        .url_for(&Params {
            url: Some("https://evil.example/alerts/feeds/1/2".into()),
            ..Params::default()
        })
        .expect_err("not a Google Alerts URL");
    assert!(
        err.to_string()
            .contains("https://www.google.com/alerts/feeds/"),
        "{err}"
    );
    let ok = alerts
        .url_for(&Params {
            url: Some(" https://www.google.com/alerts/feeds/123/456 ".into()),
            ..Params::default()
        })
        .expect("pasted URL");
    assert_eq!(ok, "https://www.google.com/alerts/feeds/123/456");

    let err = builtin("rss")
        .url_for(&Params {
            url: Some("file:///etc/passwd".into()),
            ..Params::default()
        })
        .expect_err("not http(s)");
    assert!(matches!(err, RecipeError::BadUrl { .. }), "{err}");
}
