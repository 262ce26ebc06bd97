//! "Assigned to you": the email a person gets when someone else gives them a mention, so
//! the clock the team is judged on does not run while the mention waits unseen in a list.
//!
//! It goes through the outbox like every other message (queued in the same transaction
//! as the assignment, delivered and retried by the worker's sender), so the dashboard can
//! run without SMTP access of its own and a crash never loses or doubles it. Written in
//! the assignee's own dashboard language when they have one; nobody is emailed about
//! their own assignments, and nothing is queued when `[smtp]` is not configured.

use std::sync::LazyLock;

use minijinja::{Environment, context};
use serde::Serialize;

use super::NotifyError;
use super::email::mail_templates;
use super::smtp;
use crate::alerts::notice::NoticeLang;
use crate::config::Config;
use crate::store::NewOutbox;
use crate::store::triage::MentionDetail;

static TEMPLATES: LazyLock<Result<Environment<'static>, String>> = LazyLock::new(|| {
    mail_templates(&[
        ("assignment.txt", include_str!("templates/assignment.txt")),
        ("assignment.html", include_str!("templates/assignment.html")),
    ])
});

/// The words of the message, per language.
#[derive(Serialize)]
struct Words {
    lead: String,
    score: &'static str,
    open: &'static str,
    original: &'static str,
    footer: &'static str,
}

impl Words {
    fn new(lang: NoticeLang, by: &str, brand: &str) -> Words {
        match lang {
            NoticeLang::En => Words {
                lead: format!("{by} assigned you a mention of {brand}."),
                score: "Score",
                open: "Open it in vigia",
                original: "Original",
                footer: "You get this because someone assigned you a mention in vigia.",
            },
            NoticeLang::Es => Words {
                lead: format!("{by} te ha asignado una mención de {brand}."),
                score: "Puntuación",
                open: "Ábrela en vigia",
                original: "Original",
                footer: "Recibes esto porque alguien te asignó una mención en vigia.",
            },
        }
    }
}

/// The outbox message telling `assignee` that `by` gave them `mention`; `None` when no
/// email should go (no `[smtp]`, or people assigning themselves).
pub fn message(
    config: &Config,
    mention: &MentionDetail,
    assignee: &str,
    by: &str,
    lang: NoticeLang,
    now: i64,
) -> Result<Option<NewOutbox>, NotifyError> {
    if config.smtp.is_none() || assignee.eq_ignore_ascii_case(by) {
        return Ok(None);
    }
    let words = Words::new(lang, by, &mention.brand);
    let link = config
        .web
        .base_url
        .as_deref()
        .map(|b| format!("{}/mentions/{}", b.trim_end_matches('/'), mention.id));
    let original = mention
        .url
        .as_deref()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
    let title = if mention.title.trim().is_empty() {
        mention.snippet.chars().take(80).collect()
    } else {
        mention.title.clone()
    };
    let subject = match lang {
        NoticeLang::En => format!("[vigia] Assigned to you: {} · {title}", mention.brand),
        NoticeLang::Es => format!("[vigia] Te han asignado: {} · {title}", mention.brand),
    };
    let ctx = context! {
        w => minijinja::Value::from(minijinja::value::Serde(&words)), title => title, snippet => mention.snippet.clone(),
        score => format!("{:+.2}", mention.compound), source => mention.source.clone(),
        link => link, original => original, lang => match lang { NoticeLang::En => "en", NoticeLang::Es => "es" },
    };
    let render = |name: &'static str| {
        let fail = |message: String| NotifyError::Template {
            template: name,
            message,
        };
        let env = TEMPLATES.as_ref().map_err(|e| fail(e.clone()))?;
        env.get_template(name)
            .and_then(|t| t.render(&ctx))
            .map_err(|e| fail(e.to_string()))
    };
    let dedup_key = format!(
        "assign|{}|{}|{now}",
        mention.id,
        assignee.to_ascii_lowercase()
    );
    Ok(Some(NewOutbox {
        message_id: smtp::message_id(&dedup_key, &smtp::sender_domain(config)),
        dedup_key,
        channel: "email".into(),
        recipient: assignee.to_string(),
        rule: "assignment".into(),
        brand: Some(mention.brand.clone()),
        subject,
        body_text: render("assignment.txt")?,
        body_html: Some(render("assignment.html")?),
        payload: None,
    }))
}
