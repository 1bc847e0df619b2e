-- What one accepted /verify sends, statement for statement (UserAccounts.SIGN_IN_READ and SIGN_IN_WRITE):
-- the user read with its active authenticators without a lock, one row per authenticator (DEVICES
-- rows per bench user), then one statement that writes the user back if its version is unchanged,
-- with the matched authenticator as its last device, and inserts the audit event with that
-- authenticator's name (AuditEvents.insertFrom; webhooks are sent from it later). Its two device
-- updates run with no id, as the service's do when the user signs in with the same device as last
-- time and the drift stays: they write nothing. Both run on an autocommit
-- connection, so each is its own transaction and one round trip.
-- The read is the service's statement, and all its rows come back, as to the service. \gset refuses more
-- than one row; \aset keeps the last row's columns, and of a name the user and the authenticator
-- share, the later column (the authenticator's). So :r_id is the user's last device, the one whose
-- codes the HTTP phases send (Bodies); :r_user_account_id is the user's id; :r_version and
-- :r_replay_mark are the user's. The replay mark is written back unchanged: moving it on, as a login
-- does, would make the users' next right codes in the HTTP phases look replayed.
\set n random(0, :users - 1)
SELECT u.id, u.version, u.tenant, u.user_id, u.state, u.suspended, u.created_at, u.last_verified_at, u.replay_mark,
       u.failed_attempts, u.locked_until, u.recovery_failed_attempts, u.recovery_locked_until,
       u.last_authenticator_id, u.last_authenticator_used_at,
       a.id, a.user_account_id, u.tenant, u.user_id, a.name, a.state, a.replaces_others, a.account_name,
       a.algorithm, a.digits, a.period_seconds, a.secret_key_id, a.secret_ciphertext, a.drift_steps,
       a.created_at, a.expires_at, a.activated_at,
       CASE WHEN u.last_authenticator_id = a.id THEN u.last_authenticator_used_at ELSE a.last_used_at END
  FROM user_account u LEFT JOIN authenticator a ON a.user_account_id = u.id AND a.state = 'ACTIVE'
 WHERE u.tenant = 'bench' AND u.user_id = 'bench-' || :n ORDER BY a.activated_at, a.id \aset r_
WITH changed AS (
    UPDATE user_account SET version = version + 1, state = 'ACTIVE', replay_mark = :r_replay_mark, last_verified_at = now(),
                            failed_attempts = 0, locked_until = NULL, last_authenticator_id = :r_id,
                            last_authenticator_used_at = now()
     WHERE id = :r_user_account_id AND version = :r_version
 RETURNING id, tenant, user_id),
left_device AS (
    UPDATE authenticator SET last_used_at = NULL
      FROM changed WHERE authenticator.id = NULL AND authenticator.user_account_id = changed.id),
drifted_device AS (
    UPDATE authenticator SET drift_steps = 0
      FROM changed WHERE authenticator.id = NULL AND authenticator.user_account_id = changed.id),
audited AS (
    INSERT INTO audit_event (method, caller, request_id, occurred_at, authenticator_id, type, tenant, user_id,
                             authenticator_name)
    SELECT 'totp', 'bench', 'pgbench', now(), :r_id, e.type, changed.tenant, changed.user_id,
           (SELECT a.name FROM authenticator a WHERE a.id = :r_id)
      FROM changed, unnest(ARRAY['VERIFIED']::varchar[]) WITH ORDINALITY AS e(type, n) ORDER BY e.n
 RETURNING id)
SELECT count(*) FROM audited;
