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

CREATE INDEX mentions_response ON mentions (brand, first_response_at);

-- The triage inbox (src/store/inbox.rs explains the order and why it is precomputed).
-- The source's weight is copied onto each mention so that the urgency order is one
-- indexed column; sync_sources rewrites it when the config changes a weight.
ALTER TABLE mentions ADD COLUMN weight DOUBLE PRECISION NOT NULL DEFAULT 1.0;
-- The label a person sees: their correction, else the computed one.
ALTER TABLE mentions ADD COLUMN label_eff TEXT GENERATED ALWAYS AS
    (COALESCE(label_override, label)) STORED;
-- Urgency, highest first: open before closed, unanswered before answered, negative before
-- the rest, then negativity × source weight plus 0.05 per day of waiting. Independent of
-- the clock, so it can be indexed; kept in step with inbox.rs `URGENCY`.
ALTER TABLE mentions ADD COLUMN urgency DOUBLE PRECISION GENERATED ALWAYS AS (CAST(
      (CASE WHEN status IN ('new', 'acknowledged') THEN 40000.0 ELSE 0.0 END)
    + (CASE WHEN first_response_at IS NULL THEN 20000.0 ELSE 0.0 END)
    + (CASE WHEN COALESCE(label_override, label) = 'negative'
            THEN 10000.0 + weight * (CASE WHEN compound < 0 THEN -compound ELSE 0.0 END)
            ELSE 0.0 END)
    + (1600000000 - fetched_at) / 1728000.0
    AS DOUBLE PRECISION)) STORED;

-- Listing in urgency order with any filter evaluated inside the index (no row reads).
CREATE INDEX mentions_inbox ON mentions
    (urgency, status, brand, label_eff, source, lang, assignee, fetched_at);
-- One index per filter for counting per status and for listing small results; each ends
-- in `urgency` so a small result is sorted without reading rows.
CREATE INDEX mentions_status_urgency ON mentions (status, urgency);
CREATE INDEX mentions_brand_label ON mentions (brand, label_eff, status, urgency);
CREATE INDEX mentions_source_time ON mentions (source, fetched_at, status, urgency);
CREATE INDEX mentions_lang ON mentions (lang, status, urgency);
CREATE INDEX mentions_assignee ON mentions (assignee, status, urgency)
    WHERE assignee IS NOT NULL;
-- Newest / oldest first, date ranges and the KPIs' periods (replaces mentions_fetched).
CREATE INDEX mentions_fetched_status ON mentions (fetched_at, status, urgency);
DROP INDEX mentions_fetched;
-- Most negative first.
CREATE INDEX mentions_compound ON mentions (compound, urgency);
-- Counting the hits of a text search by id, without reading rows.
CREATE INDEX mentions_id_status ON mentions (id, status, brand, label_eff, assignee);
-- Nothing reads by raw label any more (the effective label is what counts).
DROP INDEX mentions_label_status;

-- A new mention takes its source's weight (1.0 unless the config says otherwise).
CREATE FUNCTION vigia_mention_weight() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.weight := COALESCE((SELECT weight FROM sources WHERE name = NEW.source), 1.0);
    RETURN NEW;
END
$$;
CREATE TRIGGER mentions_weight BEFORE INSERT ON mentions
    FOR EACH ROW EXECUTE FUNCTION vigia_mention_weight();

-- Free text on PostgreSQL is matched word by word with regular expressions (see inbox.rs);
-- SQLite has an FTS5 index instead.
