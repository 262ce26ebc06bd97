//! The dashboard (issue #7): security (W01–W04, W09, roles), pages and languages, hostile
//! content (W06, W07), the API and its tokens, and the end-to-end story in a real headless
//! Chromium.

mod access;
mod api;
mod assign_mail;
mod bulk;
mod cli;
mod e2e;
mod hostile;
mod pages;
mod security;
mod triage;
