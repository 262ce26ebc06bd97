//! Email rendering: a notice becomes a subject, a plain-text body and an HTML body.
//!
//! The wording comes from the shared view (so email and webhooks agree); the layout comes
//! from two minijinja templates embedded at build time. Outside text only ever reaches a
//! template as a *value*: minijinja never parses values as template code, so a title like
//! `{{7*7}}` prints literally (A03), and the `.html` template auto-escapes every value.
//! The HTML is shaped for mail clients: nested tables, inline CSS, no script, no external
//! images or fonts. The subject is one flattened, capped line, so a title with
//! `\r\nBcc:` cannot add a header (A01). HTML escaping leaves `/` unescaped (see
//! [`escape_html`]) so that links read as plain URLs in every mail client.

use std::sync::LazyLock;

use minijinja::syntax::SyntaxConfig;
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, context, escape_formatter};

use super::NotifyError;
use super::view::View;
use crate::alerts::notice::{Notice, NoticeLang};

/// A rendered email, ready for [`super::smtp::Mailer::send`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    /// One line, no control characters, at most [`SUBJECT_MAX_CHARS`] characters.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
    /// HTML body (tables and inline CSS for mail clients).
    pub html: String,
}

/// Longest subject line, in characters.
pub const SUBJECT_MAX_CHARS: usize = super::view::SUBJECT_MAX_CHARS;

const TEXT_TEMPLATE: &str = "email.txt";
const HTML_TEMPLATE: &str = "email.html";

static TEMPLATES: LazyLock<Result<Environment<'static>, String>> = LazyLock::new(|| {
    mail_templates(&[
        (TEXT_TEMPLATE, include_str!("templates/email.txt")),
        (HTML_TEMPLATE, include_str!("templates/email.html")),
    ])
});

/// A template environment for email bodies (alerts, digest): strict about undefined
/// values, so a typo fails the template tests instead of printing an empty string, and
/// escaping with [`escape_html`], which also escapes quotes for attribute values.
pub(crate) fn mail_templates(
    templates: &[(&'static str, &'static str)],
) -> Result<Environment<'static>, String> {
    let mut env = Environment::new();
    let syntax = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .build()
        .map_err(|e| e.to_string())?;
    env.set_syntax(syntax);
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_formatter(|out, state, value| {
        if *state.auto_escape() == AutoEscape::Html
            && !value.is_safe()
            && let Some(s) = value.as_str()
        {
            return out
                .write_str(&escape_html(s))
                .map_err(minijinja::Error::from);
        }
        escape_formatter(out, state, value)
    });
    for (name, source) in templates {
        env.add_template(name, source).map_err(|e| e.to_string())?;
    }
    Ok(env)
}

/// Renders `notice` as an email in `lang`.
pub fn render(notice: &Notice, lang: NoticeLang) -> Result<Email, NotifyError> {
    let view = View::new(notice, lang);
    let text = render_one(TEXT_TEMPLATE, &view)?;
    let html = render_one(HTML_TEMPLATE, &view)?;
    Ok(Email {
        subject: view.subject,
        text,
        html,
    })
}

/// Renders only the plain-text body (webhooks reuse it as their `text`).
pub(crate) fn render_text(notice: &Notice, lang: NoticeLang) -> Result<String, NotifyError> {
    render_one(TEXT_TEMPLATE, &View::new(notice, lang))
}

/// Escapes text for HTML element content and quoted attributes. Unlike minijinja's
/// default it leaves `/` alone, so `href` values stay plain URLs for mail clients and
/// link scanners that do not decode entities in attributes.
pub(crate) fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn render_one(name: &'static str, view: &View) -> Result<String, NotifyError> {
    let fail = |message: String| NotifyError::Template {
        template: name,
        message,
    };
    let env = TEMPLATES.as_ref().map_err(|e| fail(e.clone()))?;
    let template = env.get_template(name).map_err(|e| fail(e.to_string()))?;
    template
        .render(context! { v => Serde(view) })
        .map_err(|e| fail(format!("{e:#}")))
}
