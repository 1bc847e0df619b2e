-- Secrets are stored only as AES-256-GCM ciphertext (nonce || ciphertext || tag) under the key named
-- by secret_key_id; the associated data binds each ciphertext to its table and row (tenant, user_id,
-- id), so a ciphertext copied to another row does not decrypt.

-- A pending enrollment: a new secret waiting for its first code. At most one per user.
CREATE TABLE enrollment (
    id                uuid         PRIMARY KEY,
    tenant            varchar(64)  NOT NULL,
    user_id           varchar(128) NOT NULL,
    account_name      varchar(128) NOT NULL,
    algorithm         varchar(8)   NOT NULL CHECK (algorithm IN ('SHA1', 'SHA256', 'SHA512')),
    digits            smallint     NOT NULL CHECK (digits IN (6, 8)),
    period_seconds    integer      NOT NULL CHECK (period_seconds > 0),
    secret_key_id     varchar(32)  NOT NULL,
    secret_ciphertext bytea        NOT NULL,
    created_at        timestamptz  NOT NULL,
    expires_at        timestamptz  NOT NULL,
    CONSTRAINT enrollment_tenant_user_unique UNIQUE (tenant, user_id)
);

-- A user's activated factor. At most one per user; a replacement is an enrollment beside it.
CREATE TABLE factor (
    id                       uuid         PRIMARY KEY,
    tenant                   varchar(64)  NOT NULL,
    user_id                  varchar(128) NOT NULL,
    state                    varchar(16)  NOT NULL CHECK (state IN ('ACTIVE', 'DISABLED')),
    algorithm                varchar(8)   NOT NULL CHECK (algorithm IN ('SHA1', 'SHA256', 'SHA512')),
    digits                   smallint     NOT NULL CHECK (digits IN (6, 8)),
    period_seconds           integer      NOT NULL CHECK (period_seconds > 0),
    secret_key_id            varchar(32)  NOT NULL,
    secret_ciphertext        bytea        NOT NULL,
    created_at               timestamptz  NOT NULL,
    activated_at             timestamptz  NOT NULL,
    last_verified_at         timestamptz,
    -- The highest time step ever accepted: the replay rule (RFC 6238 5.2) lives here, so it holds
    -- across restarts and replicas.
    last_step                bigint       NOT NULL,
    -- Where, in steps from server time, the phone's last code matched (RFC 6238 section 6).
    drift_steps              smallint     NOT NULL DEFAULT 0,
    -- Two failure budgets, shared by every replica: TOTP codes and backup codes.
    failed_attempts          integer      NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until             timestamptz,
    recovery_failed_attempts integer      NOT NULL DEFAULT 0 CHECK (recovery_failed_attempts >= 0),
    recovery_locked_until    timestamptz,
    CONSTRAINT factor_tenant_user_unique UNIQUE (tenant, user_id)
);

-- Backup codes, only as salted Argon2id hashes in PHC format. tag is the code's first character,
-- public by design (distinct within a set), so a redemption hashes once.
CREATE TABLE backup_code (
    id         uuid        PRIMARY KEY,
    factor_id  uuid        NOT NULL REFERENCES factor (id) ON DELETE CASCADE,
    tag        varchar(1)  NOT NULL,
    hash       text        NOT NULL,
    created_at timestamptz NOT NULL,
    used_at    timestamptz,
    CONSTRAINT backup_code_factor_tag_unique UNIQUE (factor_id, tag)
);

-- Let key rotation find the rows still under an old key.
CREATE INDEX enrollment_secret_key_id ON enrollment (secret_key_id);
CREATE INDEX factor_secret_key_id ON factor (secret_key_id);

-- The audit trail: every outcome, written in the transaction of the change it records. It outlives
-- the factor (no foreign key) and is pruned by age. Never a secret, code or backup code.
CREATE TABLE audit_event (
    id          bigint       GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant      varchar(64)  NOT NULL,
    user_id     varchar(128) NOT NULL,
    type        varchar(32)  NOT NULL,
    method      varchar(16),
    caller      varchar(64)  NOT NULL,
    request_id  varchar(64)  NOT NULL,
    occurred_at timestamptz  NOT NULL
);

CREATE INDEX audit_event_user ON audit_event (tenant, user_id, id DESC);
CREATE INDEX audit_event_occurred_at ON audit_event (occurred_at);
