-- vigia schema v1 (PostgreSQL). Timestamps are Unix seconds (UTC) in BIGINT columns so the
-- same queries run unchanged on SQLite and PostgreSQL.

-- One row per configured source, with its polling state.
CREATE TABLE sources (
    id              BIGSERIAL PRIMARY KEY,
    name            TEXT    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL,
    url             TEXT    NOT NULL,
    interval_secs   BIGINT NOT NULL,
    active          BIGINT NOT NULL DEFAULT 1,
    state           TEXT    NOT NULL DEFAULT 'new',
    next_check_at   BIGINT NOT NULL DEFAULT 0,
    etag            TEXT,
    last_modified   TEXT,
    error_count     BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT,
    last_error_at   BIGINT,
    last_success_at BIGINT,
    last_checked_at BIGINT,
    last_new_at     BIGINT,
    items_last_seen BIGINT NOT NULL DEFAULT 0,
    polls           BIGINT NOT NULL DEFAULT 0,
    lease_until     BIGINT,
    created_at      BIGINT NOT NULL
);
CREATE INDEX sources_due ON sources (active, next_check_at);

-- One row per (brand, item): the unique key is what makes re-polling idempotent.
CREATE TABLE mentions (
    id             BIGSERIAL PRIMARY KEY,
    brand          TEXT    NOT NULL,
    item_key       TEXT    NOT NULL,
    source         TEXT    NOT NULL,
    url            TEXT,
    title          TEXT    NOT NULL,
    snippet        TEXT    NOT NULL,
    body           TEXT    NOT NULL,
    author         TEXT,
    published_at   BIGINT,
    fetched_at     BIGINT NOT NULL,
    lang           TEXT    NOT NULL,
    lang_reliable  BIGINT NOT NULL,
    compound       DOUBLE PRECISION    NOT NULL,
    pos            DOUBLE PRECISION    NOT NULL,
    neu            DOUBLE PRECISION    NOT NULL,
    neg            DOUBLE PRECISION    NOT NULL,
    label          TEXT    NOT NULL,
    whole_compound DOUBLE PRECISION    NOT NULL,
    terms          TEXT    NOT NULL,
    rating         DOUBLE PRECISION,
    rating_value   DOUBLE PRECISION,
    rating_best    DOUBLE PRECISION,
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
    id          BIGSERIAL PRIMARY KEY,
    mention_id  BIGINT NOT NULL REFERENCES mentions (id) ON DELETE CASCADE,
    at          BIGINT NOT NULL,
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
    deleted_at BIGINT NOT NULL,
    deleted_by TEXT,
    PRIMARY KEY (brand, item_key)
);
