//! Live alerting in the worker: the same rules, detectors and grouping as the backtest,
//! made durable.
//!
//! - New mentions go through the rule engine inside the poll's transaction, and every
//!   fired alert is written there too ([`Live::fire`]): the mention and the alerts it causes
//!   commit together, so a crash cannot keep one without the other.
//! - Grouping lives in memory; at start ([`Live::warm`]) the detectors see the last weeks
//!   of mentions (so baselines exist and a crisis already announced is not announced again)
//!   and every alert not yet notified is put back into its group, so a crash between commit
//!   and notification still sends it once (A04).
//! - When a group is due ([`Live::notify_due`]) one transaction renders it per recipient and
//!   webhook into outbox rows with stable dedup keys, applies daily budgets (A08) and marks
//!   the alerts notified; the sender ([`crate::notify::sender`]) delivers the outbox.
//! - Several workers may hold the same unnotified alert (each warms every pending alert at
//!   start, and adopts those a dead worker left behind: [`Live::adopt_orphans`]), so a
//!   notification first marks its alerts notified, in its own transaction, and leaves out
//!   (and forgets) those another worker marked first: an alert is notified once, and only
//!   the worker that notified it repeats it.
//! - The detectors count what they see, and they see a poll's mentions before its commit.
//!   When that commit fails the poll is retried and would be counted twice (a false spike
//!   after an outage), so a failed save marks the detectors stale ([`Live::rolled_back`])
//!   and the next save first rebuilds them from what is committed ([`Live::rebuild_if_stale`]).
//! - The database may fail (a PostgreSQL restart): a notification that could not be
//!   written is given back to its group and tried again, and source-failure alerts that
//!   could not be stored are kept until they are, so an outage delays alerts but loses none.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::grouping::{Flush, Grouper};
use super::notice::{Notice, NoticeLang, NoticeMention, RuleKind};
use super::rules::{
    Engine, EngineError, Fired, MentionEvent, RecipientConfig, RuleConfig, event_time,
    recipient_for,
};
use crate::config::{BrandConfig, Config, WebhookConfig};
use crate::matching::Matcher;
use crate::notify::{email, smtp, webhook};
use crate::store::{
    self, MentionFilter, MentionRow, NewAlert, NewMention, NewOutbox, Store, StoreError,
};

/// How far back the detectors are warmed at start (the spike baseline's history).
pub const WARM_DAYS: i64 = 28;
/// How long past its rule's longest hold an unnotified alert waits before another worker
/// adopts it ([`Live::adopt_orphans`]).
pub const ORPHAN_GRACE: Duration = Duration::minutes(2);
/// Mentions listed in one notification; the rest are counted.
pub const MAX_LISTED: usize = 10;

/// Why the live alert path could not start or go on.
#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The rules could not be built.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A notification could not be rendered.
    #[error(transparent)]
    Notify(#[from] crate::notify::NotifyError),
}

/// The worker's alerting state: engine, groups and what is needed to render notices.
pub struct Live {
    engine: Mutex<Engine>,
    grouper: Mutex<Grouper>,
    /// Stored alert id per (rule, alert key), to mark alerts notified.
    alert_ids: Mutex<HashMap<(String, String), i64>>,
    rules: Vec<RuleConfig>,
    recipients: Vec<RecipientConfig>,
    webhooks: Vec<WebhookConfig>,
    brands: Vec<BrandConfig>,
    /// Highlights brands in notice snippets (built once).
    matcher: Matcher,
    dashboard: Option<String>,
    from_domain: String,
    /// Source-failure alerts fired while the database could not store them.
    unstored: Mutex<Vec<Fired>>,
    /// The detectors saw mentions whose transaction did not commit.
    stale: AtomicBool,
    /// Unanswered alerts known to be stored (by any worker), so each round writes only
    /// new ones.
    unanswered_stored: Mutex<std::collections::HashSet<String>>,
}

impl Live {
    /// The live path for a config, or `None` when it has no rules.
    pub fn new(config: &Config) -> Result<Option<Live>, LiveError> {
        if config.rules.is_empty() {
            return Ok(None);
        }
        let from_domain = smtp::sender_domain(config);
        Ok(Some(Live {
            engine: Mutex::new(Engine::new(&config.rules)?),
            grouper: Mutex::new(Grouper::new(&config.rules)),
            alert_ids: Mutex::new(HashMap::new()),
            rules: config.rules.clone(),
            recipients: config.recipients.clone(),
            webhooks: config.webhooks.clone(),
            brands: config.brands.clone(),
            matcher: Matcher::new(&config.brands),
            dashboard: config.web.base_url.clone(),
            from_domain,
            unstored: Mutex::new(Vec::new()),
            stale: AtomicBool::new(false),
            unanswered_stored: Mutex::new(std::collections::HashSet::new()),
        }))
    }

    /// Feed the detectors the last [`WARM_DAYS`] of mentions (without firing) and put every
    /// alert not yet notified back into its group.
    pub async fn warm(&self, store: &Store, now: DateTime<Utc>) -> Result<(), LiveError> {
        let history = recent(store, now).await?;
        {
            let mut engine = lock(&self.engine);
            for m in &history {
                engine.warm(&event_of_row(m));
            }
        }
        for row in store.pending_alerts().await? {
            self.adopt(row, now);
        }
        Ok(())
    }

    /// Take over alerts that another worker stored but never notified because it died for
    /// good (a crash that is followed by a restart is covered by [`Live::warm`]). An alert
    /// counts as orphaned once it has waited longer than its rule could hold it (the larger
    /// of `group_wait` and `group_interval`) plus [`ORPHAN_GRACE`]. Adopting one a live
    /// worker still holds is harmless: whoever notifies first claims it, and the other
    /// drops it. Returns how many were adopted.
    pub async fn adopt_orphans(
        &self,
        store: &Store,
        now: DateTime<Utc>,
    ) -> Result<usize, LiveError> {
        let mut adopted = 0;
        for row in store.pending_alerts().await? {
            let Some(rule) = self.rules.iter().find(|r| r.name == row.alert.rule) else {
                continue;
            };
            let timing = rule.timing();
            let held = timing.group_wait.max(timing.group_interval) + ORPHAN_GRACE;
            if ts(row.alert.fired_at) + held > now
                || lock(&self.alert_ids).values().any(|id| *id == row.id)
            {
                continue;
            }
            tracing::info!(alert = row.id, rule = %row.alert.rule, "adopting an alert left unnotified");
            self.adopt(row, now);
            adopted += 1;
        }
        Ok(adopted)
    }

    /// Put a stored, unnotified alert into its group.
    fn adopt(&self, row: store::AlertRow, now: DateTime<Utc>) {
        let a = row.alert;
        let Some(kind) = parse_kind(&a.kind) else {
            return;
        };
        let Ok(why) = serde_json::from_str(&a.why) else {
            return;
        };
        let key = a
            .dedup_key
            .split_once('|')
            .map_or(a.dedup_key.clone(), |(_, k)| k.to_string());
        lock(&self.alert_ids).insert((a.rule.clone(), key.clone()), row.id);
        let fired = Fired {
            rule: a.rule,
            kind,
            brand: a.brand,
            at: ts(a.fired_at),
            key,
            mention_ids: a.mention_ids,
            why,
        };
        lock(&self.grouper).add(fired, now);
    }

    /// A save that had fed the detectors did not commit: their counts now include
    /// mentions that are not stored (and will be seen again when the poll is retried).
    pub fn rolled_back(&self) {
        self.stale.store(true, Ordering::SeqCst);
    }

    /// After [`Live::rolled_back`]: new detectors fed from the committed mentions of the
    /// last [`WARM_DAYS`], as at start. Source-failure episodes start afresh (their alerts
    /// are deduplicated in the store). A poll that fed the old detectors while this ran is
    /// not in the new ones; counting a few mentions too few after an outage is the safe
    /// side (a missed spike still gets its instant alerts; a phantom one would page people).
    pub async fn rebuild_if_stale(
        &self,
        store: &Store,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        if !self.stale.swap(false, Ordering::SeqCst) {
            return Ok(());
        }
        let history = match recent(store, now).await {
            Ok(h) => h,
            Err(e) => {
                self.stale.store(true, Ordering::SeqCst);
                return Err(e);
            }
        };
        let mut fresh = match Engine::new(&self.rules) {
            Ok(engine) => engine,
            Err(e) => {
                // Cannot happen: the same rules built the first engine at start.
                tracing::error!(error = %e, "alert detectors could not be rebuilt");
                return Ok(());
            }
        };
        for m in &history {
            fresh.warm(&event_of_row(m));
        }
        *lock(&self.engine) = fresh;
        tracing::info!(
            mentions = history.len(),
            "alert detectors rebuilt from stored mentions after a failed save"
        );
        Ok(())
    }

    /// Run new mentions (with their store ids) through the rules and store what fired in
    /// the caller's transaction; call [`Live::fired_committed`] after the commit.
    pub async fn fire(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        new: &[(i64, &NewMention)],
    ) -> Result<Vec<(Fired, i64)>, StoreError> {
        let fired: Vec<Fired> = {
            let mut engine = lock(&self.engine);
            new.iter()
                .flat_map(|(id, m)| engine.observe(&event_of_new(*id, m)))
                .collect()
        };
        let mut out = Vec::new();
        for f in fired {
            if let Some(id) = store::insert_alerts(tx, &[stored(&f)]).await?.first() {
                out.push((f, *id));
            }
        }
        Ok(out)
    }

    /// After the poll's commit: the new alerts join their groups.
    pub fn fired_committed(&self, fired: Vec<(Fired, i64)>, now: DateTime<Utc>) {
        for (f, id) in fired {
            lock(&self.alert_ids).insert((f.rule.clone(), f.key.clone()), id);
            lock(&self.grouper).add(f, now);
        }
    }

    /// Unanswered rules: every open negative mention with no response that has waited the
    /// rule's `after` (default: three quarters of its brand's `sla`) fires once (the alert
    /// key is the mention, deduplicated in the store, so once across workers and
    /// restarts). Mentions that waited more than a week past it are left to the digest: a
    /// rule added to an old backlog does not flood the team.
    pub async fn unanswered(&self, store: &Store, now: DateTime<Utc>) -> Result<usize, LiveError> {
        let rules: Vec<&RuleConfig> = self
            .rules
            .iter()
            .filter(|r| r.kind == RuleKind::Unanswered)
            .collect();
        if rules.is_empty() {
            return Ok(0);
        }
        let sla = |brand: &str| {
            self.brands
                .iter()
                .find(|b| b.name == brand)
                .map_or(24 * 3600, |b| b.sla_secs())
        };
        let after = |rule: &RuleConfig, brand: &str| match rule.after {
            Some(d) => d.as_secs() as i64,
            None => sla(brand) * 3 / 4,
        };
        // One read covers every rule: from the longest wait plus a week to the shortest.
        let waits: Vec<i64> = rules
            .iter()
            .flat_map(|r| self.brands.iter().map(|b| after(r, &b.name)))
            .collect();
        let (Some(shortest), Some(longest)) = (waits.iter().min(), waits.iter().max()) else {
            return Ok(0);
        };
        let t = now.timestamp();
        let waiting = store
            .unanswered_negatives(t - longest - 7 * 86_400, t - shortest + 1)
            .await?;
        let mut fired = Vec::new();
        for rule in rules {
            for m in &waiting {
                let wait = after(rule, &m.brand);
                let waited = t - m.fetched_at;
                if !rule.applies_to(&m.brand) || waited < wait || waited > wait + 7 * 86_400 {
                    continue;
                }
                fired.push(Fired {
                    rule: rule.name.clone(),
                    kind: RuleKind::Unanswered,
                    brand: Some(m.brand.clone()),
                    at: now,
                    key: format!("mention:{}", m.id),
                    mention_ids: vec![m.id],
                    why: super::notice::Why::Unanswered {
                        waited_secs: waited,
                        sla_secs: sla(&m.brand),
                    },
                });
            }
        }
        fired.retain(|f| !lock(&self.unanswered_stored).contains(&stored(f).dedup_key));
        if fired.is_empty() {
            return Ok(0);
        }
        let mut tx = store.begin_write().await?;
        let mut stored_now = Vec::new();
        let mut keys = Vec::new();
        for f in fired {
            let row = stored(&f);
            keys.push(row.dedup_key.clone());
            if let Some(id) = store::insert_alerts(&mut tx, &[row]).await?.first() {
                stored_now.push((f, *id));
            }
        }
        tx.commit().await.map_err(StoreError::from)?;
        lock(&self.unanswered_stored).extend(keys);
        let n = stored_now.len();
        self.fired_committed(stored_now, now);
        Ok(n)
    }

    /// Source health for source-failure rules; alerts are stored and grouped at once.
    pub async fn source_states(&self, store: &Store, now: DateTime<Utc>) -> Result<(), LiveError> {
        if !self.rules.iter().any(|r| r.kind == RuleKind::SourceFailure) {
            return Ok(());
        }
        let mut fired = Vec::new();
        for s in store.list_sources().await? {
            let failing_since = match s.state {
                store::SourceState::Failing
                | store::SourceState::Blocked
                | store::SourceState::Drifted => {
                    Some(ts(s.last_success_at.unwrap_or(s.created_at)))
                }
                _ => None,
            };
            let error = s.last_error.clone().unwrap_or_default();
            fired.extend(lock(&self.engine).source_state(
                &s.name,
                s.state.as_str(),
                failing_since,
                &error,
                now,
            ));
        }
        fired.append(&mut lock(&self.unstored));
        if fired.is_empty() {
            return Ok(());
        }
        match self.store_fired(store, &fired).await {
            Ok(new) => {
                self.fired_committed(new, now);
                Ok(())
            }
            Err(e) => {
                // The engine will not fire these again: keep them until they are stored.
                lock(&self.unstored).extend(fired);
                Err(e.into())
            }
        }
    }

    /// Store alerts fired outside a poll in one transaction; the new ones with their ids.
    async fn store_fired(
        &self,
        store: &Store,
        fired: &[Fired],
    ) -> Result<Vec<(Fired, i64)>, StoreError> {
        let mut tx = store.begin_write().await?;
        let mut new = Vec::new();
        for f in fired {
            if let Some(id) = store::insert_alerts(&mut tx, &[stored(f)]).await?.first() {
                new.push((f.clone(), *id));
            }
        }
        tx.commit().await?;
        Ok(new)
    }

    /// Turn every due group into outbox rows; returns how many messages were queued. When
    /// the database fails, the flushes not written go back to their groups.
    pub async fn notify_due(&self, store: &Store, now: DateTime<Utc>) -> Result<usize, LiveError> {
        let flushes = lock(&self.grouper).due(now);
        let mut queued = 0;
        let mut flushes = flushes.into_iter();
        while let Some(flush) = flushes.next() {
            match self.notify(store, &flush, now).await {
                Ok(n) => queued += n,
                Err(LiveError::Store(e)) => {
                    let mut grouper = lock(&self.grouper);
                    for back in std::iter::once(flush).chain(flushes) {
                        grouper.requeue(back, now);
                    }
                    return Err(e.into());
                }
                Err(e) => return Err(e),
            }
        }
        Ok(queued)
    }

    /// When the next group falls due, if any.
    pub fn next_wake(&self) -> Option<DateTime<Utc>> {
        lock(&self.grouper).next_wake()
    }

    async fn notify(
        &self,
        store: &Store,
        flush: &Flush,
        now: DateTime<Utc>,
    ) -> Result<usize, LiveError> {
        let Some(rule) = self.rules.iter().find(|r| r.name == flush.rule) else {
            return Ok(0);
        };
        let ids: Vec<Option<i64>> = {
            let ids = lock(&self.alert_ids);
            flush
                .alerts
                .iter()
                .map(|a| ids.get(&(a.rule.clone(), a.key.clone())).copied())
                .collect()
        };
        let mut alert_ids: Vec<i64> = ids.iter().flatten().copied().collect();
        let mut tx = store.begin_write().await?;
        let mut flush = std::borrow::Cow::Borrowed(flush);
        if !flush.repeat {
            // Take the alerts for this notification; another worker may have sent some.
            let claimed = store::claim_alerts(&mut tx, &alert_ids, now.timestamp()).await?;
            if claimed.len() < alert_ids.len() {
                let (alerts, theirs): (Vec<(&Fired, _)>, Vec<_>) = flush
                    .alerts
                    .iter()
                    .zip(&ids)
                    .partition(|(_, id)| id.is_none_or(|id| claimed.contains(&id)));
                // Another worker notified these, and repeats them if they go on: not us.
                let theirs: Vec<String> = theirs.iter().map(|(a, _)| a.key.clone()).collect();
                lock(&self.grouper).forget(&flush.rule, flush.brand.as_deref(), &theirs);
                let alerts: Vec<Fired> = alerts.into_iter().map(|(a, _)| a.clone()).collect();
                if alerts.is_empty() {
                    return Ok(0);
                }
                flush.to_mut().alerts = alerts;
                alert_ids = claimed;
            }
        }
        if flush.kind == RuleKind::Unanswered {
            // Answered or closed since the alert fired: nothing left to remind anyone of.
            let mention_ids: Vec<i64> = flush
                .alerts
                .iter()
                .flat_map(|a| a.mention_ids.iter().copied())
                .collect();
            let waiting = store.still_unanswered(&mention_ids).await?;
            let (keep, gone): (Vec<Fired>, Vec<Fired>) = flush
                .alerts
                .iter()
                .cloned()
                .partition(|a| a.mention_ids.iter().any(|id| waiting.contains(id)));
            if !gone.is_empty() {
                let keys: Vec<String> = gone.into_iter().map(|a| a.key).collect();
                lock(&self.grouper).forget(&flush.rule, flush.brand.as_deref(), &keys);
                if keep.is_empty() {
                    // The claim stands (they count as handled), so nobody adopts them.
                    tx.commit().await.map_err(StoreError::from)?;
                    return Ok(0);
                }
                flush.to_mut().alerts = keep;
            }
        }
        let mut sorted_ids = alert_ids.clone();
        sorted_ids.sort_unstable();
        let group_key = format!(
            "{}|{}|{}{}",
            flush.rule,
            flush.brand.as_deref().unwrap_or("-"),
            sorted_ids
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(","),
            if flush.repeat {
                format!("|repeat@{}", flush.at.timestamp())
            } else {
                String::new()
            }
        );
        let mut notice = self.notice(store, &flush).await?;
        let day = now.date_naive().to_string();
        let mut messages = Vec::new();
        let mut addresses = rule.recipients.clone();
        let mut spanish: Vec<String> = Vec::new();
        if flush.kind == RuleKind::Unanswered {
            // The person a waiting mention is assigned to hears about it too.
            let ids: Vec<i64> = flush
                .alerts
                .iter()
                .flat_map(|a| a.mention_ids.iter().copied())
                .collect();
            for (who, lang) in store.assignees_of(&ids).await? {
                if !addresses.iter().any(|a| a.eq_ignore_ascii_case(&who)) {
                    if lang.as_deref() == Some("es") {
                        spanish.push(who.clone());
                    }
                    addresses.push(who);
                }
            }
        }
        for address in &addresses {
            let mut recipient = recipient_for(&self.recipients, address);
            // An assignee with no [[recipient]] entry reads it in their dashboard language.
            let configured = self
                .recipients
                .iter()
                .any(|r| r.address.eq_ignore_ascii_case(address));
            if !configured && spanish.contains(address) {
                recipient.lang = NoticeLang::Es;
            }
            let limit = recipient.budget.limit(flush.kind).map(i64::from);
            let (send, held) =
                store::admit_budget(&mut tx, address, flush.kind.as_str(), &day, limit).await?;
            if !send {
                continue;
            }
            notice.held_for_digest = held as usize;
            let mail = email::render(&notice, recipient.lang)?;
            let dedup_key = format!("email|{group_key}|{}", address.to_ascii_lowercase());
            messages.push(NewOutbox {
                message_id: smtp::message_id(&dedup_key, &self.from_domain),
                dedup_key,
                channel: "email".into(),
                recipient: address.clone(),
                rule: flush.rule.clone(),
                brand: flush.brand.clone(),
                subject: mail.subject,
                body_text: mail.text,
                body_html: Some(mail.html),
                payload: None,
            });
        }
        notice.held_for_digest = 0;
        for name in &rule.webhooks {
            let Some(hook) = self.webhooks.iter().find(|w| &w.name == name) else {
                continue;
            };
            let lang = recipient_for(&self.recipients, name).lang;
            let body = webhook::payload(&notice, hook.format, lang);
            let dedup_key = format!("webhook|{group_key}|{name}");
            messages.push(NewOutbox {
                message_id: smtp::message_id(&dedup_key, &self.from_domain),
                dedup_key,
                channel: "webhook".into(),
                recipient: name.clone(),
                rule: flush.rule.clone(),
                brand: flush.brand.clone(),
                subject: format!("{} {}", flush.rule, flush.brand.as_deref().unwrap_or("")),
                body_text: String::new(),
                body_html: None,
                payload: Some(body.to_string()),
            });
        }
        let queued =
            store::queue_notification(&mut tx, &messages, &alert_ids, now.timestamp()).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(queued)
    }

    /// What a flush says: the rule, the numbers, the mentions.
    async fn notice(&self, store: &Store, flush: &Flush) -> Result<Notice, LiveError> {
        let ids = flush.mention_ids();
        let rows = store.mentions_by_ids(&ids).await?;
        let listed: Vec<NoticeMention> = rows
            .iter()
            .take(MAX_LISTED)
            .map(|m| self.notice_mention(m))
            .collect();
        let why = flush
            .alerts
            .iter()
            .max_by_key(|a| a.count())
            .map(|a| a.why.clone())
            .unwrap_or(super::notice::Why::Instant { threshold: 0.0 });
        Ok(Notice {
            rule: flush.rule.clone(),
            kind: flush.kind,
            brand: flush.brand.clone(),
            fired_at: flush.at,
            why,
            more_mentions: rows.len().saturating_sub(listed.len()),
            mentions: listed,
            repeat: flush.repeat,
            held_for_digest: 0,
            dashboard: self.dashboard.clone(),
        })
    }

    fn notice_mention(&self, m: &MentionRow) -> NoticeMention {
        let brand = self.brands.iter().position(|b| b.name == m.brand);
        let highlight = self
            .matcher
            .find(&m.snippet)
            .into_iter()
            .filter(|found| Some(found.brand) == brand)
            .flat_map(|found| found.spans)
            .collect();
        let listed: Vec<(String, f64)> = serde_json::from_str(&m.terms).unwrap_or_default();
        // A word used twice is one term with its weights summed.
        let mut terms: Vec<(String, f64)> = Vec::new();
        for (term, weight) in listed {
            match terms.iter_mut().find(|(t, _)| *t == term) {
                Some((_, w)) => *w += weight,
                None => terms.push((term, weight)),
            }
        }
        terms.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        terms.truncate(5);
        NoticeMention {
            id: m.id,
            title: m.title.clone(),
            source: m.source.clone(),
            url: m.url.clone(),
            snippet: m.snippet.clone(),
            highlight,
            compound: m.compound,
            label: m.label.clone(),
            top_terms: terms,
            published_at: ts(m.published_at.unwrap_or(m.fetched_at)),
            rating: m.rating,
        }
    }
}

/// The row stored for a fired alert; its dedup key is the rule plus the alert's own key.
fn stored(f: &Fired) -> NewAlert {
    NewAlert {
        dedup_key: format!("{}|{}", f.rule, f.key),
        rule: f.rule.clone(),
        kind: f.kind.as_str().to_string(),
        brand: f.brand.clone(),
        fired_at: f.at.timestamp(),
        mention_ids: f.mention_ids.clone(),
        why: serde_json::to_string(&f.why).unwrap_or_else(|_| "{}".into()),
    }
}

/// The stored mentions of the last [`WARM_DAYS`], oldest first.
async fn recent(store: &Store, now: DateTime<Utc>) -> Result<Vec<MentionRow>, StoreError> {
    let filter = MentionFilter {
        since: Some((now - Duration::days(WARM_DAYS)).timestamp()),
        ..MentionFilter::default()
    };
    let mut history = store.list_mentions(&filter).await?;
    history.reverse();
    Ok(history)
}

fn event_of_new(id: i64, m: &NewMention) -> MentionEvent {
    event(
        id,
        &m.brand,
        &m.source,
        m.url.as_deref(),
        &m.title,
        &m.body,
        &m.lang,
        m.compound,
        m.rating,
        m.published_at,
        m.fetched_at,
    )
}

fn event_of_row(m: &MentionRow) -> MentionEvent {
    event(
        m.id,
        &m.brand,
        &m.source,
        m.url.as_deref(),
        &m.title,
        &m.snippet,
        &m.lang,
        m.compound,
        m.rating,
        m.published_at,
        m.fetched_at,
    )
}

#[allow(clippy::too_many_arguments)]
fn event(
    id: i64,
    brand: &str,
    source: &str,
    url: Option<&str>,
    title: &str,
    text: &str,
    lang: &str,
    compound: f64,
    rating: Option<f64>,
    published_at: Option<i64>,
    fetched_at: i64,
) -> MentionEvent {
    MentionEvent {
        id,
        brand: brand.to_string(),
        source: source.to_string(),
        host: host_of(url),
        url: url.unwrap_or_default().to_string(),
        title: title.to_string(),
        text: text.to_string(),
        lang: Some(lang.to_string()),
        compound,
        rating,
        published_at: event_time(published_at.map(ts), ts(fetched_at)),
    }
}

fn host_of(url: Option<&str>) -> String {
    url.and_then(|u| url::Url::parse(u).ok())
        .and_then(|u| {
            u.host_str()
                .map(|h| h.trim_start_matches("www.").to_string())
        })
        .unwrap_or_default()
}

fn parse_kind(s: &str) -> Option<RuleKind> {
    [
        RuleKind::Instant,
        RuleKind::Spike,
        RuleKind::Spreading,
        RuleKind::SourceFailure,
        RuleKind::Unanswered,
    ]
    .into_iter()
    .find(|k| k.as_str() == s)
}

fn ts(secs: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(secs, 0).single().unwrap_or_default()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
