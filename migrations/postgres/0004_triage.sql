-- The dashboard's accounts and the triage state the response KPIs are computed from.

-- People who log in to the dashboard. Passwords are Argon2id PHC strings, never plain.
CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL,            -- admin | member | viewer
    lang          TEXT,                        -- en | es; NULL: the browser's Accept-Language
    timezone      TEXT,                        -- IANA name; NULL: UTC
    created_at    BIGINT  NOT NULL,
    disabled      BIGINT  NOT NULL DEFAULT 0
);

-- Server-side sessions. The cookie carries a random token; only its SHA-256 is stored, so
-- a leaked database does not hand out live sessions.
CREATE TABLE sessions (
    token_hash   TEXT    PRIMARY KEY,
    user_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf         TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    last_seen_at BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Per-user API tokens for /api/ (hashed like sessions; shown once when created).
CREATE TABLE api_tokens (
    id           BIGSERIAL PRIMARY KEY,
    user_id      BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   BIGINT  NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT
);

-- The response clock: when the team first answered (the time they say they answered,
-- not when they clicked), where, and when the mention was closed.
ALTER TABLE mentions ADD COLUMN first_response_at BIGINT;
ALTER TABLE mentions ADD COLUMN response_url TEXT;
ALTER TABLE mentions ADD COLUMN resolved_at BIGINT;
-- Optimistic concurrency for triage: every change bumps it (W08).
ALTER TABLE mentions ADD COLUMN version BIGINT  NOT NULL DEFAULT 0;

-- How much a source's mentions weigh in the inbox's urgency order (config `weight`).
ALTER TABLE sources ADD COLUMN weight DOUBLE PRECISION NOT NULL DEFAULT 1.0;

-- "Not about us" terms added from the dashboard, on top of the config's `exclude`.
CREATE TABLE brand_exclusions (
    brand    TEXT    NOT NULL,
    term     TEXT    NOT NULL,
    added_by TEXT    NOT NULL,
    added_at BIGINT  NOT NULL,
    PRIMARY KEY (brand, term)
);

-- Inline parts of a notification (the digest's charts): JSON
-- [{"cid": …, "content_type": …, "base64": …, "alt": …}], sent as multipart/related.
ALTER TABLE outbox ADD COLUMN inline_parts TEXT;

CREATE INDEX mentions_status_fetched ON mentions (status, fetched_at);
CREATE INDEX mentions_response ON mentions (brand, first_response_at);
