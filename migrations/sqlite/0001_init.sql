-- vigia schema v1 (SQLite). Timestamps are Unix seconds (UTC) in INTEGER columns so the
-- same queries run unchanged on SQLite and PostgreSQL.

-- One row per configured source, with its polling state.
CREATE TABLE sources (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL,
    url             TEXT    NOT NULL,
    interval_secs   INTEGER NOT NULL,
    active          INTEGER NOT NULL DEFAULT 1,
    state           TEXT    NOT NULL DEFAULT 'new',
    next_check_at   INTEGER NOT NULL DEFAULT 0,
    etag            TEXT,
    last_modified   TEXT,
    error_count     INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    last_error_at   INTEGER,
    last_success_at INTEGER,
    last_checked_at INTEGER,
    last_new_at     INTEGER,
    items_last_seen INTEGER NOT NULL DEFAULT 0,
    polls           INTEGER NOT NULL DEFAULT 0,
    lease_until     INTEGER,
    created_at      INTEGER NOT NULL
);
CREATE INDEX sources_due ON sources (active, next_check_at);

-- One row per (brand, item): the unique key is what makes re-polling idempotent.
CREATE TABLE mentions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    brand          TEXT    NOT NULL,
    item_key       TEXT    NOT NULL,
    source         TEXT    NOT NULL,
    url            TEXT,
    title          TEXT    NOT NULL,
    snippet        TEXT    NOT NULL,
    body           TEXT    NOT NULL,
    author         TEXT,
    published_at   INTEGER,
    fetched_at     INTEGER NOT NULL,
    lang           TEXT    NOT NULL,
    lang_reliable  INTEGER NOT NULL,
    compound       REAL    NOT NULL,
    pos            REAL    NOT NULL,
    neu            REAL    NOT NULL,
    neg            REAL    NOT NULL,
    label          TEXT    NOT NULL,
    whole_compound REAL    NOT NULL,
    terms          TEXT    NOT NULL,
    rating         REAL,
    rating_value   REAL,
    rating_best    REAL,
    label_override TEXT,
    status         TEXT    NOT NULL DEFAULT 'new',
    assignee       TEXT,
    UNIQUE (brand, item_key)
);
CREATE INDEX mentions_brand_time ON mentions (brand, published_at);
CREATE INDEX mentions_fetched ON mentions (fetched_at);
CREATE INDEX mentions_label_status ON mentions (label, status);

-- The triage history of a mention: every status change, note and assignment, who and when.
CREATE TABLE mention_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    mention_id  INTEGER NOT NULL REFERENCES mentions (id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    actor       TEXT    NOT NULL,
    action      TEXT    NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    detail      TEXT
);
CREATE INDEX mention_events_mention ON mention_events (mention_id, at);

-- A mention the team deleted stays deleted when the item reappears in a feed.
CREATE TABLE tombstones (
    brand      TEXT    NOT NULL,
    item_key   TEXT    NOT NULL,
    deleted_at INTEGER NOT NULL,
    deleted_by TEXT,
    PRIMARY KEY (brand, item_key)
);
