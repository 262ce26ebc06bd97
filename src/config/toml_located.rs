//! TOML → serde types with the failing key and its line and column, for any vigia file.
//!
//! `vigia.toml` and the recipe files both promise errors that name the file, the key and
//! the line; this is the one place that keeps serde's key path and TOML's span together.

use serde::de::DeserializeOwned;

/// Where and why a TOML document did not deserialize.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TomlError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    /// The dotted key at fault (`source[0].interval`), `(syntax)` or `(top level)`.
    pub key: String,
    /// What is wrong.
    pub message: String,
}

/// Deserialize `text`, keeping the path of the failing key and the line of its span.
pub fn from_toml<T: DeserializeOwned>(text: &str) -> Result<T, TomlError> {
    let located = |span: Option<std::ops::Range<usize>>| {
        let offset = span.map_or(0, |s| s.start).min(text.len());
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, column)
    };
    let deserializer = toml::Deserializer::parse(text).map_err(|e| {
        let (line, column) = located(e.span());
        TomlError {
            line,
            column,
            key: "(syntax)".into(),
            message: e.message().trim().to_owned(),
        }
    })?;
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.into_inner();
        let (line, column) = located(inner.span());
        TomlError {
            line,
            column,
            key: if key == "." {
                "(top level)".into()
            } else {
                key
            },
            message: inner.message().trim().to_owned(),
        }
    })
}
