-- Alerts and their delivery (at-least-once, never lost).

-- Every alert a rule fired, written in the same transaction as the mention that caused it,
-- so a crash before sending loses nothing: unnotified alerts are picked up at restart.
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    dedup_key   TEXT    NOT NULL UNIQUE,
    rule        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    brand       TEXT,
    fired_at    INTEGER NOT NULL,
    mention_ids TEXT    NOT NULL,
    why         TEXT    NOT NULL,
    notified_at INTEGER
);
CREATE INDEX alerts_pending ON alerts (notified_at, fired_at);

-- Messages to deliver: one row per (notification, recipient or webhook), rendered, with a
-- unique dedup key from which the SMTP Message-ID derives.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    dedup_key       TEXT    NOT NULL UNIQUE,
    channel         TEXT    NOT NULL,
    recipient       TEXT    NOT NULL,
    rule            TEXT    NOT NULL,
    brand           TEXT,
    subject         TEXT    NOT NULL,
    body_text       TEXT    NOT NULL,
    body_html       TEXT,
    payload         TEXT,
    message_id      TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    lease_until     INTEGER,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Notifications held back by a recipient's daily budget; the digest reports them (A08).
CREATE TABLE alert_budget (
    recipient TEXT    NOT NULL,
    kind      TEXT    NOT NULL,
    day       TEXT    NOT NULL,
    sent      INTEGER NOT NULL DEFAULT 0,
    held      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (recipient, kind, day)
);
