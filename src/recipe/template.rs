//! URL templates: `https://news.google.com/rss/search?q={query}&hl={lang}`.
//!
//! Placeholder values are percent-encoded as whole components (a space is `%20`, `&` and
//! `/` are escaped), so search words can never add query parameters or path segments.
//! `{url}` is the exception: the user pastes a whole feed URL, so it must be the entire
//! template and is only checked (http(s), the recipe's `starts_with` prefixes).

use super::{ParamName, Params, Recipe, RecipeError};

/// One piece of a template.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Piece<'a> {
    /// Text copied as is.
    Literal(&'a str),
    /// A `{name}` placeholder.
    Placeholder(&'a str),
}

/// Splits a template into literals and placeholders, or says what is malformed.
pub(super) fn pieces(template: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err("has a `}` without a matching `{`".into());
        }
        let after = &rest[open + 1..];
        let close = after
            .find(['{', '}'])
            .filter(|&c| after[c..].starts_with('}'))
            .ok_or("has a `{` without a matching `}`")?;
        if open > 0 {
            out.push(Piece::Literal(&rest[..open]));
        }
        out.push(Piece::Placeholder(&after[..close]));
        rest = &after[close + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Literal(rest));
    }
    Ok(out)
}

/// The recipe's URL for `params`.
pub(super) fn fill(recipe: &Recipe, params: &Params) -> Result<String, RecipeError> {
    for name in ParamName::ALL {
        if params.get(name).is_some() && !recipe.params.iter().any(|p| p.name == name) {
            let accepted: Vec<&str> = recipe.params.iter().map(|p| p.name.as_str()).collect();
            return Err(RecipeError::UnknownParam {
                recipe: recipe.name.clone(),
                param: name.as_str().into(),
                accepted: if accepted.is_empty() {
                    "none".into()
                } else {
                    accepted.join(", ")
                },
            });
        }
    }
    let bad = |param: ParamName, message: String| RecipeError::BadParam {
        recipe: recipe.name.clone(),
        param: param.as_str().into(),
        message,
    };
    let mut url = String::with_capacity(recipe.url_template.len() + 32);
    let pieces = pieces(&recipe.url_template).map_err(|m| bad(ParamName::Url, m))?;
    for piece in pieces {
        let name = match piece {
            Piece::Literal(text) => {
                url.push_str(text);
                continue;
            }
            Piece::Placeholder(name) => name,
        };
        let Some(spec) =
            ParamName::from_name(name).and_then(|n| recipe.params.iter().find(|p| p.name == n))
        else {
            return Err(bad(
                ParamName::Url,
                format!("placeholder {{{name}}} is not declared"),
            ));
        };
        let value = params
            .get(spec.name)
            .or(spec.default.as_deref())
            .map(str::trim)
            .ok_or_else(|| RecipeError::MissingParam {
                recipe: recipe.name.clone(),
                param: spec.name.as_str().into(),
                doc: spec.doc.clone(),
            })?;
        if value.is_empty() {
            return Err(bad(
                spec.name,
                "is empty; give a value or leave it out".into(),
            ));
        }
        if !spec.starts_with.is_empty() && !spec.starts_with.iter().any(|p| value.starts_with(p)) {
            return Err(bad(
                spec.name,
                format!(
                    "must start with {} ({})",
                    spec.starts_with.join(" or "),
                    spec.doc
                ),
            ));
        }
        if spec.name == ParamName::Url {
            url.push_str(value);
        } else {
            encode_component(value, &mut url);
        }
    }
    let parsed = url::Url::parse(&url).map_err(|e| RecipeError::BadUrl {
        recipe: recipe.name.clone(),
        url: url.clone(),
        message: format!("is not a URL ({e})"),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(RecipeError::BadUrl {
            recipe: recipe.name.clone(),
            url,
            message: "is not an http(s) URL".into(),
        });
    }
    Ok(parsed.to_string())
}

/// Appends `value` percent-encoded: only RFC 3986 unreserved characters stay as they are.
pub(super) fn encode_component(value: &str, out: &mut String) {
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_split_into_pieces() {
        let p = pieces("https://x.example/s?q={query}&l={lang}").expect("pieces");
        assert_eq!(p.len(), 4);
        assert_eq!(p[1], Piece::Placeholder("query"));
        assert!(pieces("https://x/{query").is_err());
        assert!(pieces("https://x/}").is_err());
        assert!(pieces("https://x/{a{b}").is_err());
    }

    #[test]
    fn components_are_fully_encoded() {
        let mut out = String::new();
        encode_component("\"café & co\"/x?y=1", &mut out);
        assert_eq!(out, "%22caf%C3%A9%20%26%20co%22%2Fx%3Fy%3D1");
    }
}
