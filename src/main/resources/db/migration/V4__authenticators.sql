-- A user owns several authenticators (issue 12). What belongs to the person moves to user_account:
-- the failure budgets, the lock, the state, the backup codes and the replay mark; what belongs to a
-- device stays with its authenticator: its secret, parameters, drift and times. Existing rows keep
-- their ids, so every sealed secret (bound to its row id) and every signed QR link keeps working.

CREATE TABLE user_account (
    id                       uuid         PRIMARY KEY,
    tenant                   varchar(64)  NOT NULL,
    user_id                  varchar(128) NOT NULL,
    -- Bumped by every write: /verify writes back only if it is still the one it read (compare-and-set).
    version                  bigint       NOT NULL DEFAULT 0,
    state                    varchar(16)  NOT NULL CHECK (state IN ('ACTIVE', 'DISABLED')),
    -- Set by a helpdesk: /verify and /recover refuse without evaluating anything until resumed.
    suspended                boolean      NOT NULL DEFAULT false,
    created_at               timestamptz  NOT NULL,
    last_verified_at         timestamptz,
    -- The replay mark: the end, in Unix seconds, of the latest time step accepted from any of the
    -- user's authenticators. A code is accepted only for a step that starts at or after it (RFC 6238
    -- 5.2, per user), which also orders authenticators of different periods. Null: nothing accepted yet.
    replay_mark              bigint,
    -- The authenticator whose code was accepted last, and when. A sign-in with the same device as the
    -- last one then writes this row alone; the authenticator row is written only when the user
    -- switches devices (the one left gets its last use) or a device's drift moves.
    last_authenticator_id      uuid,
    last_authenticator_used_at timestamptz,
    failed_attempts          integer      NOT NULL DEFAULT 0 CHECK (failed_attempts >= 0),
    locked_until             timestamptz,
    recovery_failed_attempts integer      NOT NULL DEFAULT 0 CHECK (recovery_failed_attempts >= 0),
    recovery_locked_until    timestamptz,
    CONSTRAINT user_account_tenant_user_unique UNIQUE (tenant, user_id)
);

CREATE TABLE authenticator (
    id                uuid         PRIMARY KEY,
    user_account_id   uuid         NOT NULL REFERENCES user_account (id) ON DELETE CASCADE,
    name              varchar(64)  NOT NULL,
    state             varchar(16)  NOT NULL CHECK (state IN ('PENDING', 'ACTIVE')),
    -- Made by POST /enroll: when activated it becomes the user's only authenticator, as /enroll
    -- always promised. At most one per user, and its name does not count against the others'.
    replaces_others   boolean      NOT NULL DEFAULT false,
    -- The label in the QR code of a pending authenticator; null for the ones migrated active.
    account_name      varchar(128),
    algorithm         varchar(8)   NOT NULL CHECK (algorithm IN ('SHA1', 'SHA256', 'SHA512')),
    digits            smallint     NOT NULL CHECK (digits IN (6, 8)),
    period_seconds    integer      NOT NULL CHECK (period_seconds > 0),
    secret_key_id     varchar(32)  NOT NULL,
    secret_ciphertext bytea        NOT NULL,
    -- Where, in steps from server time, this device's last code matched (RFC 6238 section 6).
    drift_steps       smallint     NOT NULL DEFAULT 0,
    -- The last use of a device other than the user's last one (for that one, see user_account).
    created_at        timestamptz  NOT NULL,
    expires_at        timestamptz,
    activated_at      timestamptz,
    last_used_at      timestamptz,
    CHECK ((state = 'PENDING') = (expires_at IS NOT NULL AND activated_at IS NULL))
);

-- Names are unique per user among the authenticators that stay (the enrollment of /enroll takes its
-- name only once the others are gone); the same index finds a user's authenticators for /verify.
CREATE UNIQUE INDEX authenticator_user_name_unique ON authenticator (user_account_id, name, replaces_others);
CREATE UNIQUE INDEX authenticator_enrollment_unique ON authenticator (user_account_id) WHERE replaces_others;

-- Every accepted code updates a user_account row and an authenticator row, in columns no index holds:
-- with room left on each page, PostgreSQL updates them in place (HOT), writing no index entry at all.
-- Key rotation finds rows on old keys by walking the primary key (secret_key_id <> k uses no index).
ALTER TABLE user_account SET (fillfactor = 80);
ALTER TABLE authenticator SET (fillfactor = 80);

-- Every factor becomes a user with one active authenticator named "Authenticator" (the factor's id).
INSERT INTO user_account (id, tenant, user_id, version, state, created_at, last_verified_at, replay_mark,
                          last_authenticator_id, last_authenticator_used_at,
                          failed_attempts, locked_until, recovery_failed_attempts, recovery_locked_until)
SELECT gen_random_uuid(), tenant, user_id, version, state, created_at, last_verified_at,
       (last_step + 1) * period_seconds, id, last_verified_at,
       failed_attempts, locked_until, recovery_failed_attempts, recovery_locked_until
  FROM factor;

INSERT INTO authenticator (id, user_account_id, name, state, algorithm, digits, period_seconds, secret_key_id,
                           secret_ciphertext, drift_steps, created_at, activated_at, last_used_at)
SELECT f.id, u.id, 'Authenticator', 'ACTIVE', f.algorithm, f.digits, f.period_seconds, f.secret_key_id,
       f.secret_ciphertext, f.drift_steps, f.created_at, f.activated_at, f.last_verified_at
  FROM factor f JOIN user_account u ON u.tenant = f.tenant AND u.user_id = f.user_id;

-- A pending enrollment becomes the pending authenticator of /enroll (the enrollment's id), for a
-- user made for it when there was no factor.
INSERT INTO user_account (id, tenant, user_id, state, created_at)
SELECT gen_random_uuid(), e.tenant, e.user_id, 'ACTIVE', e.created_at
  FROM enrollment e
 WHERE NOT EXISTS (SELECT 1 FROM user_account u WHERE u.tenant = e.tenant AND u.user_id = e.user_id);

INSERT INTO authenticator (id, user_account_id, name, state, replaces_others, account_name, algorithm, digits,
                           period_seconds, secret_key_id, secret_ciphertext, created_at, expires_at)
SELECT e.id, u.id, 'Authenticator', 'PENDING', true, e.account_name, e.algorithm, e.digits, e.period_seconds,
       e.secret_key_id, e.secret_ciphertext, e.created_at, e.expires_at
  FROM enrollment e JOIN user_account u ON u.tenant = e.tenant AND u.user_id = e.user_id;

-- Backup codes belong to the user.
ALTER TABLE backup_code ADD COLUMN user_account_id uuid REFERENCES user_account (id) ON DELETE CASCADE;
UPDATE backup_code b SET user_account_id = u.id
  FROM factor f JOIN user_account u ON u.tenant = f.tenant AND u.user_id = f.user_id
 WHERE b.factor_id = f.id;
ALTER TABLE backup_code ALTER COLUMN user_account_id SET NOT NULL;
ALTER TABLE backup_code DROP COLUMN factor_id;
ALTER TABLE backup_code ADD CONSTRAINT backup_code_user_tag_unique UNIQUE (user_account_id, tag);

DROP TABLE enrollment;
DROP TABLE factor;

-- Which authenticator an event is about, where it is about one.
ALTER TABLE audit_event ADD COLUMN authenticator_id uuid;
