-- The webhook outbox (issue 15): one row per event and endpoint subscribed to it, inserted by the
-- same statement that records the event in audit_event, so an event is sent exactly when the change
-- it reports committed. The row is also the delivery's state: senders on every replica take due
-- rows with FOR UPDATE SKIP LOCKED, and nothing reads it with a cursor, so a row whose transaction
-- commits late is sent late, never skipped.
CREATE TABLE webhook_delivery (
    id               bigint       GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The name of the endpoint in the configuration (totpd.webhooks.<name>.url).
    endpoint         varchar(64)  NOT NULL,
    -- The audit event this reports; the webhook-id header is "msg_" and this number, on every attempt.
    event_id         bigint       NOT NULL,
    type             varchar(32)  NOT NULL,
    tenant           varchar(64)  NOT NULL,
    user_id          varchar(128) NOT NULL,
    authenticator_id uuid,
    -- The authenticator's name when the event was recorded, if it still had one.
    name             varchar(64),
    method           varchar(16),
    caller           varchar(64)  NOT NULL,
    request_id       varchar(64)  NOT NULL,
    occurred_at      timestamptz  NOT NULL,
    status           varchar(16)  NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    -- When a sender may next take it: at first the event's time; after a failed attempt, the back-off.
    -- A sender holds the rows it sends locked until their outcomes are written, so one killed
    -- mid-attempt leaves them due again the moment its connection drops.
    next_attempt_at  timestamptz  NOT NULL,
    -- Retries back off from here and give up a set time after it: the event's time, or a manual retry's.
    retry_from       timestamptz  NOT NULL,
    attempts         integer      NOT NULL DEFAULT 0,
    last_attempt_at  timestamptz,
    -- The receiver's HTTP status of the last attempt; null when it gave none (timeout, refused connection).
    last_status      smallint,
    last_error       varchar(200),
    finished_at      timestamptz,
    CHECK ((status = 'pending') = (finished_at IS NULL))
);

-- What senders take: due rows, oldest first.
CREATE INDEX webhook_delivery_due ON webhook_delivery (endpoint, next_attempt_at) WHERE status = 'pending';
-- The queue of one user at one endpoint, in order: only its first pending row may be sent.
CREATE INDEX webhook_delivery_queue ON webhook_delivery (endpoint, tenant, user_id, id) WHERE status = 'pending';
-- GET /webhooks/deliveries, newest first, of a tenant or one of its users.
CREATE INDEX webhook_delivery_tenant ON webhook_delivery (tenant, id);
CREATE INDEX webhook_delivery_user ON webhook_delivery (tenant, user_id, id);
-- Finished rows are kept for a while for GET /webhooks/deliveries, then deleted oldest first.
CREATE INDEX webhook_delivery_finished ON webhook_delivery (finished_at) WHERE status <> 'pending';
