//! Why a recipe, or a source's parameters for it, were refused.
//!
//! Load-time errors name the recipe file, the key and the line, because the reader is
//! editing that file; run-time errors name the recipe and the parameter, because the
//! reader is editing a `[[source]]` entry in `vigia.toml`.

/// A recipe file that cannot be used, or parameter values a recipe cannot take.
#[derive(Debug, thiserror::Error)]
pub enum RecipeError {
    /// Bad TOML syntax, an unknown key, a wrong type, a bad selector or date format.
    #[error("{origin}:{line}:{column}: {key}: {message}")]
    Parse {
        /// The recipe file.
        origin: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The dotted key that failed (`html.rating.best`).
        key: String,
        /// What is wrong and what to write instead.
        message: String,
    },
    /// The file parses but its keys contradict each other or the rules.
    #[error("{origin}:{line}: {key}: {message}")]
    Invalid {
        /// The recipe file.
        origin: String,
        /// 1-based line of the key (0 when it could not be located).
        line: usize,
        /// The dotted key that is wrong.
        key: String,
        /// What is wrong and what to write instead.
        message: String,
    },
    /// A `[[source]]` entry lacks a parameter the recipe requires.
    #[error(
        "recipe `{recipe}` needs `{param}` ({doc}): add `{param} = \"…\"` to the [[source]] entry"
    )]
    MissingParam {
        /// The recipe.
        recipe: String,
        /// The missing parameter.
        param: String,
        /// The parameter's documentation.
        doc: String,
    },
    /// A `[[source]]` entry gives a parameter the recipe does not take.
    #[error(
        "recipe `{recipe}` takes no `{param}` parameter (it takes: {accepted}); remove it from the [[source]] entry"
    )]
    UnknownParam {
        /// The recipe.
        recipe: String,
        /// The parameter given.
        param: String,
        /// The parameters the recipe declares.
        accepted: String,
    },
    /// A parameter value the recipe cannot use.
    #[error("recipe `{recipe}`: `{param}` {message}")]
    BadParam {
        /// The recipe.
        recipe: String,
        /// The parameter.
        param: String,
        /// What is wrong with the value.
        message: String,
    },
    /// The filled-in URL is not an http(s) URL.
    #[error("recipe `{recipe}` builds `{url}`, which {message}; check the parameter values")]
    BadUrl {
        /// The recipe.
        recipe: String,
        /// The URL built.
        url: String,
        /// What is wrong with it.
        message: String,
    },
}
