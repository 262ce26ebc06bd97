-- The dashboard's accounts and the triage state the response KPIs are computed from.

-- People who log in to the dashboard. Passwords are Argon2id PHC strings, never plain.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL,
    role          TEXT    NOT NULL,            -- admin | member | viewer
    lang          TEXT,                        -- en | es; NULL: the browser's Accept-Language
    timezone      TEXT,                        -- IANA name; NULL: UTC
    created_at    INTEGER NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0
);

-- Server-side sessions. The cookie carries a random token; only its SHA-256 is stored, so
-- a leaked database does not hand out live sessions.
CREATE TABLE sessions (
    token_hash   TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

-- Per-user API tokens for /api/ (hashed like sessions; shown once when created).
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    token_hash   TEXT    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
);

-- The response clock: when the team first answered (the time they say they answered,
-- not when they clicked), where, and when the mention was closed.
ALTER TABLE mentions ADD COLUMN first_response_at INTEGER;
ALTER TABLE mentions ADD COLUMN response_url TEXT;
ALTER TABLE mentions ADD COLUMN resolved_at INTEGER;
-- Optimistic concurrency for triage: every change bumps it (W08).
ALTER TABLE mentions ADD COLUMN version INTEGER NOT NULL DEFAULT 0;

-- How much a source's mentions weigh in the inbox's urgency order (config `weight`).
ALTER TABLE sources ADD COLUMN weight REAL NOT NULL DEFAULT 1.0;

-- "Not about us" terms added from the dashboard, on top of the config's `exclude`.
CREATE TABLE brand_exclusions (
    brand    TEXT    NOT NULL,
    term     TEXT    NOT NULL,
    added_by TEXT    NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (brand, term)
);

-- Inline parts of a notification (the digest's charts): JSON
-- [{"cid": …, "content_type": …, "base64": …, "alt": …}], sent as multipart/related.
ALTER TABLE outbox ADD COLUMN inline_parts TEXT;

CREATE INDEX mentions_response ON mentions (brand, first_response_at);

-- The triage inbox (src/store/inbox.rs explains the order and why it is precomputed).
-- The source's weight is copied onto each mention so that the urgency order is one
-- indexed column; sync_sources rewrites it when the config changes a weight.
ALTER TABLE mentions ADD COLUMN weight REAL NOT NULL DEFAULT 1.0;
-- The label a person sees: their correction, else the computed one.
ALTER TABLE mentions ADD COLUMN label_eff TEXT GENERATED ALWAYS AS
    (COALESCE(label_override, label)) VIRTUAL;
-- Urgency, highest first: open before closed, unanswered before answered, negative before
-- the rest, then negativity × source weight plus 0.05 per day of waiting. Independent of
-- the clock, so it can be indexed; kept in step with inbox.rs `URGENCY`.
ALTER TABLE mentions ADD COLUMN urgency REAL GENERATED ALWAYS AS (
      (CASE WHEN status IN ('new', 'acknowledged') THEN 40000.0 ELSE 0.0 END)
    + (CASE WHEN first_response_at IS NULL THEN 20000.0 ELSE 0.0 END)
    + (CASE WHEN COALESCE(label_override, label) = 'negative'
            THEN 10000.0 + weight * (CASE WHEN compound < 0 THEN -compound ELSE 0.0 END)
            ELSE 0.0 END)
    + (1600000000 - fetched_at) / 1728000.0
) VIRTUAL;

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
CREATE TRIGGER mentions_weight AFTER INSERT ON mentions
WHEN (SELECT weight FROM sources WHERE name = NEW.source) <> NEW.weight
BEGIN
    UPDATE mentions SET weight = (SELECT weight FROM sources WHERE name = NEW.source)
    WHERE id = NEW.id;
END;

-- Free-text search over title and snippet: words, case- and accent-insensitive. An
-- external-content index (the text stays in mentions), kept in step by triggers. It also
-- holds one made-up word per (brand, label) pair, `fts_facet`, so that the most common
-- search, within one brand's negatives, intersects two word lists instead of looking up
-- every hit of the search word (inbox.rs `facet_word`).
ALTER TABLE mentions ADD COLUMN fts_facet TEXT GENERATED ALWAYS AS
    ('f' || hex(brand) || COALESCE(label_override, label)) VIRTUAL;
CREATE VIRTUAL TABLE mentions_fts USING fts5 (
    title, snippet, fts_facet, content = 'mentions', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2', detail = 'none'
);
CREATE TRIGGER mentions_fts_insert AFTER INSERT ON mentions BEGIN
    INSERT INTO mentions_fts (rowid, title, snippet, fts_facet)
    VALUES (NEW.id, NEW.title, NEW.snippet,
            'f' || hex(NEW.brand) || COALESCE(NEW.label_override, NEW.label));
END;
CREATE TRIGGER mentions_fts_delete AFTER DELETE ON mentions BEGIN
    INSERT INTO mentions_fts (mentions_fts, rowid, title, snippet, fts_facet)
    VALUES ('delete', OLD.id, OLD.title, OLD.snippet,
            'f' || hex(OLD.brand) || COALESCE(OLD.label_override, OLD.label));
END;
CREATE TRIGGER mentions_fts_update
AFTER UPDATE OF title, snippet, brand, label, label_override ON mentions BEGIN
    INSERT INTO mentions_fts (mentions_fts, rowid, title, snippet, fts_facet)
    VALUES ('delete', OLD.id, OLD.title, OLD.snippet,
            'f' || hex(OLD.brand) || COALESCE(OLD.label_override, OLD.label));
    INSERT INTO mentions_fts (rowid, title, snippet, fts_facet)
    VALUES (NEW.id, NEW.title, NEW.snippet,
            'f' || hex(NEW.brand) || COALESCE(NEW.label_override, NEW.label));
END;
INSERT INTO mentions_fts (mentions_fts) VALUES ('rebuild');
