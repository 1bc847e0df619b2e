-- Webhooks are sent straight from the audit trail (issue 15): the statement that records an event no
-- longer also writes a delivery row, and a sender writes each delivery's row once, with the outcome of
-- its first attempt, a batch at a time. A row per delivery written in the sign-in's statement, then
-- locked and updated by the sender, cost PostgreSQL more than half a sign-in: pgbench running the same
-- statements did 0.61 of the sign-ins it did without webhooks, and 0.97 with this (bench/RESULTS.md).
--
-- Each endpoint reads the trail past a cursor in (xid, id) order. An identity cursor alone would skip
-- an event whose transaction drew its id early and committed late; so a sender only reads events whose
-- transaction id is below the oldest one still running (pg_snapshot_xmin), all of which have committed
-- or rolled back for good, and no event can appear behind the cursor later.

-- Building the index below takes as long as reading the trail; taking the table's locks must not:
-- behind a long transaction (an export) the migration fails, and the next start-up tries again,
-- rather than hold every sign-in up behind it.
SET LOCAL statement_timeout = 0;
SET LOCAL lock_timeout = '5s';

-- The transaction that recorded the event. Existing events keep null: their deliveries were written
-- with them, and no cursor reads them. Setting a default changes no existing row, so neither statement
-- rewrites the table.
ALTER TABLE audit_event ADD COLUMN xid xid8;
ALTER TABLE audit_event ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
-- The authenticator's name when the event was recorded (its payload's "name"), which a later rename or
-- removal must not change.
ALTER TABLE audit_event ADD COLUMN authenticator_name varchar(64);

-- What senders read: the events past a cursor, in order (a partition each; new partitions get it too).
-- It starts empty, but building it reads every partition once, and inserts (the previous version's
-- sign-ins included) wait for as long as that takes.
CREATE INDEX audit_event_xid ON audit_event (xid, id) WHERE xid IS NOT NULL;

-- Where each endpoint's sender stands: every event with (xid, id) <= (xid, event_id) has its delivery
-- row (or was not for this endpoint). A sender holds an advisory lock on the endpoint while it sends a
-- batch, so one replica at a time moves an endpoint's cursor; retries (rows still pending) are shared by
-- every replica with FOR UPDATE SKIP LOCKED as before.
CREATE TABLE webhook_cursor (
    endpoint varchar(64) PRIMARY KEY,
    xid      xid8        NOT NULL,
    event_id bigint      NOT NULL
);

-- One delivery per event and endpoint. While a previous version still runs beside this one during a
-- rolling update, it writes delivery rows with its events; the sender finds them here and leaves them
-- to the retry path rather than sending the event twice.
CREATE UNIQUE INDEX webhook_delivery_event ON webhook_delivery (endpoint, event_id);
