-- One TOTP factor per user and tenant. The secret is stored only as AES-256-GCM ciphertext
-- (nonce || ciphertext || tag) under the key named by secret_key_id; its associated data binds it
-- to (tenant, user_id, id), so a ciphertext copied to another row does not decrypt.
CREATE TABLE factor (
    id                    uuid         PRIMARY KEY,
    tenant                varchar(64)  NOT NULL,
    user_id               varchar(128) NOT NULL,
    account_name          varchar(128) NOT NULL,
    state                 varchar(16)  NOT NULL CHECK (state IN ('PENDING', 'ACTIVE')),
    algorithm             varchar(8)   NOT NULL CHECK (algorithm IN ('SHA1', 'SHA256', 'SHA512')),
    digits                smallint     NOT NULL CHECK (digits IN (6, 8)),
    period_seconds        integer      NOT NULL CHECK (period_seconds > 0),
    secret_key_id         varchar(32)  NOT NULL,
    secret_ciphertext     bytea        NOT NULL,
    created_at            timestamptz  NOT NULL,
    enrollment_expires_at timestamptz,
    activated_at          timestamptz,
    last_verified_at      timestamptz,
    -- The highest time step ever accepted: the replay rule (RFC 6238 5.2) lives here, so it holds
    -- across restarts and replicas.
    last_step             bigint,
    CONSTRAINT factor_tenant_user_unique UNIQUE (tenant, user_id)
);

-- Lets key rotation find the rows still under an old key.
CREATE INDEX factor_secret_key_id ON factor (secret_key_id);
