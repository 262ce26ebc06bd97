//! Notify: turns a [`Notice`](crate::alerts::notice::Notice) into something a person
//! reads (an email, a chat message) and hands it to SMTP or a webhook.
//!
//! The module is split by channel, with one shared view in the middle:
//! - `view` turns a notice into localized plain sentences (English or Spanish) and
//!   link-checked pieces; every outside string stays *data* there, never markup
//!   (`fmt` holds its pure helpers: flattening, highlights, links, numbers, dates);
//! - [`email`] renders that view with minijinja templates (HTML auto-escaped, plain text);
//! - [`smtp`] sends an [`email::Email`] with lettre and says whether a failure is worth
//!   retrying;
//! - [`webhook`] formats the same view as JSON or Slack-style `{"text": …}` and posts it;
//! - [`assignment`] is the dashboard's "assigned to you" email, queued like the others.
//!
//! Delivery bookkeeping (outbox rows, retries, dead letters) is not here: this module
//! only answers "did it go out, and if not, will trying again help?" through
//! [`SendError`], so the outbox owns the retry policy in one place.

pub mod assignment;
pub mod email;
pub(crate) mod fmt;
pub mod sender;
pub mod smtp;
mod view;
pub mod webhook;

/// A failure while preparing a notification (rendering or configuring a channel).
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// A built-in template failed to render: a bug in vigia, not in the config.
    #[error("could not render the {template} template: {message}; please report this as a bug")]
    Template {
        /// Which template.
        template: &'static str,
        /// What minijinja said.
        message: String,
    },
    /// The `from` address of the SMTP settings does not parse.
    #[error(
        "the SMTP `from` address {from:?} is not a valid address ({message}); use e.g. \"vigia <alerts@example.com>\""
    )]
    BadFrom {
        /// The configured value.
        from: String,
        /// Why it was refused.
        message: String,
    },
    /// The SMTP host cannot be used with the chosen TLS mode.
    #[error("cannot set up SMTP to {host:?} ({message}); check the `host` and `tls` settings")]
    SmtpSetup {
        /// The configured host.
        host: String,
        /// What went wrong.
        message: String,
    },
}

/// Why a delivery attempt failed, sorted by whether retrying can help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth retrying later (4xx replies, timeouts, refused connections, TLS trouble).
    #[error("temporary delivery failure, will retry: {0}")]
    Transient(String),
    /// Retrying will not help (5xx replies, bad address, rejected request): a dead letter.
    #[error("permanent delivery failure, fix the cause and retry the dead letter: {0}")]
    Permanent(String),
}

impl SendError {
    /// True when the outbox should try again later.
    pub fn is_transient(&self) -> bool {
        matches!(self, SendError::Transient(_))
    }
}
