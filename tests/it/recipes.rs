//! Recipes: every shipped recipe file loads, bad files are refused with file/key/line,
//! URL templates fill safely, and every html/jsonld/json recipe turns its fixture pages
//! (written by us in the real sites' markup style) into the reviewed expected JSON.
//!
//! Golden files: `tests/fixtures/recipes/<recipe>/<case>.<ext>` →
//! `<case>.expected.json`. After a deliberate change, regenerate them with
//! `VIGIA_BLESS=1 cargo test --test it recipes` and review the diff before committing.
//!
//! `golden`: fixture pages → expected JSON; `files`: recipe files and URL templates;
//! `pages`: selector drift and JSON-LD (P13–P15), and the shared style-reference pages.

mod files;
mod golden;
mod pages;

use std::path::PathBuf;

use url::Url;
use vigia::recipe::{self, Recipe};

/// A recipe head that parses, for tests that break the rest.
pub(crate) const GOOD_HEAD: &str = "name = \"bad\"\ndescription = \"test\"\n";

/// The crate root.
pub(crate) fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A file under `tests/fixtures/recipes`.
pub(crate) fn fixture(rel: &str) -> PathBuf {
    crate_dir().join("tests/fixtures/recipes").join(rel)
}

/// A shipped recipe, which must exist.
pub(crate) fn builtin(name: &str) -> &'static Recipe {
    recipe::find(name).unwrap_or_else(|| panic!("built-in recipe `{name}` is missing"))
}

/// A URL literal.
pub(crate) fn url(s: &str) -> Url {
    Url::parse(s).expect("test URL")
}

pub(crate) fn shared_eval(rel: &str) -> Option<Vec<u8>> {
    let path = crate_dir().join("../shared/eval").join(rel);
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!(
                "{}: {e} (the evaluation corpus is required under CI=true)",
                path.display()
            )
        }
        Err(e) => {
            eprintln!("SKIPPED: {} is not readable ({e})", path.display());
            None
        }
    }
}
