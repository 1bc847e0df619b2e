-- audit_event becomes partitioned by occurred_at, a partition per month (issue 14): retention then
-- drops a whole partition, a statement that costs the same for a million rows as for one, instead of
-- deleting rows a batch at a time, and a user's newest events are found in the newest partitions.
--
-- Every existing event is kept, with its id: the rows are copied once into monthly partitions that
-- cover them (this takes time in proportion to the table; inserts wait for it, the previous version's
-- included). Nothing the previous version runs changes: it inserts through the parent table, reads
-- by tenant and user, and deletes by age, all of which a partitioned table answers the same.
--
-- From here on the service keeps partitions ahead of time itself (AuditPartitions, on start-up and
-- every hour), at the interval totpd.audit.partition sets; the migration makes those up to the end
-- of next month. A row whose time no partition covers (a clock far ahead, a service that did not run
-- for months) goes to the default partition, so an insert never fails for want of one; the service
-- moves such rows into their partition when it creates it.

-- The copy takes as long as it takes; taking the table's lock must not: behind a long transaction
-- (an export) it fails, and the next start-up tries again, rather than holding every insert up.
SET LOCAL statement_timeout = 0;
SET LOCAL lock_timeout = '5s';

ALTER TABLE audit_event RENAME TO audit_event_v6;
ALTER INDEX audit_event_pkey RENAME TO audit_event_v6_pkey;
ALTER INDEX audit_event_user RENAME TO audit_event_v6_user;
ALTER INDEX audit_event_occurred_at RENAME TO audit_event_v6_occurred_at;
ALTER SEQUENCE audit_event_id_seq RENAME TO audit_event_v6_id_seq;

-- PostgreSQL 15 has no identity columns on partitioned tables: a sequence of its own gives the ids,
-- continuing where the old one stopped, so an id is never given twice.
CREATE SEQUENCE audit_event_id_seq AS bigint;
SELECT setval('audit_event_id_seq', last_value, is_called) FROM audit_event_v6_id_seq;

CREATE TABLE audit_event (
    id               bigint       NOT NULL DEFAULT nextval('audit_event_id_seq'),
    tenant           varchar(64)  NOT NULL,
    -- Null for an event about the whole tenant (an export's summary).
    user_id          varchar(128),
    type             varchar(32)  NOT NULL,
    method           varchar(16),
    caller           varchar(64)  NOT NULL,
    request_id       varchar(64)  NOT NULL,
    occurred_at      timestamptz  NOT NULL,
    authenticator_id uuid,
    -- A unique key of a partitioned table must hold its partition key. This one also finds the event
    -- that a page's "before" names, one index probe per partition.
    PRIMARY KEY (id, occurred_at)
) PARTITION BY RANGE (occurred_at);
ALTER SEQUENCE audit_event_id_seq OWNED BY audit_event.id;

-- A user's events, newest first, in the order pages are read: by time, then id.
CREATE INDEX audit_event_user ON audit_event (tenant, user_id, occurred_at DESC, id DESC);

CREATE TABLE audit_event_default PARTITION OF audit_event DEFAULT;

-- Monthly partitions, in UTC, from the month of the oldest event to the end of next month, named by
-- their first day (audit_event_20261101) as the service names its own.
DO $$
DECLARE
    month timestamptz := date_trunc('month', coalesce((SELECT min(occurred_at) FROM audit_event_v6), now()), 'UTC');
    last  timestamptz := date_trunc('month', now(), 'UTC') + interval '2 months';
BEGIN
    WHILE month < last LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF audit_event FOR VALUES FROM (%L) TO (%L)',
                       'audit_event_' || to_char(month AT TIME ZONE 'UTC', 'YYYYMMDD'),
                       month, (month AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC');
        month := (month AT TIME ZONE 'UTC' + interval '1 month') AT TIME ZONE 'UTC';
    END LOOP;
END
$$;

INSERT INTO audit_event (id, tenant, user_id, type, method, caller, request_id, occurred_at, authenticator_id)
SELECT id, tenant, user_id, type, method, caller, request_id, occurred_at, authenticator_id FROM audit_event_v6;

DROP TABLE audit_event_v6;
