-- Worker heartbeats (issue #8): one row per `vigia run` process, so readiness checks and
-- per-worker metrics can be read from the database every process shares, and so a dead
-- worker's leases can be taken over as soon as its heartbeat stops instead of when they end.

CREATE TABLE workers (
    id                 TEXT    PRIMARY KEY,      -- random per process
    role               TEXT    NOT NULL,         -- all | worker | web
    host               TEXT    NOT NULL,
    pid                BIGINT  NOT NULL,
    started_at         BIGINT  NOT NULL,
    heartbeat_at       BIGINT  NOT NULL,
    stopped_at         BIGINT,                   -- set on a clean stop (SIGTERM)
    polls              BIGINT  NOT NULL DEFAULT 0,   -- cumulative since start
    poll_errors        BIGINT  NOT NULL DEFAULT 0,
    mentions_new       BIGINT  NOT NULL DEFAULT 0,
    notifications_sent BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX workers_heartbeat ON workers (heartbeat_at);

-- Who holds a lease: a lease whose holder is no longer live can be claimed before it ends.
ALTER TABLE sources ADD COLUMN lease_owner TEXT;
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
