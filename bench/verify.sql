-- What one accepted /verify sends, statement for statement (FactorRows): the factor row read without
-- a lock, then one statement that writes it back if its version is unchanged and inserts the audit
-- event. Both run on an autocommit connection, so each is its own transaction and one round trip.
-- The step is written back unchanged: moving it on, as a login does, would make the users' next
-- right codes in the HTTP phases look replayed.
\set n random(0, :users - 1)
SELECT id, version, state, algorithm, digits, period_seconds, secret_key_id, secret_ciphertext,
       last_step, drift_steps, last_verified_at, failed_attempts, locked_until
  FROM factor WHERE tenant = 'bench' AND user_id = 'bench-' || :n \gset f_
WITH changed AS (
    UPDATE factor SET version = version + 1, state = 'ACTIVE', last_step = :f_last_step, drift_steps = 0,
                      last_verified_at = now(), failed_attempts = 0, locked_until = NULL
     WHERE id = :f_id AND version = :f_version
 RETURNING tenant, user_id)
INSERT INTO audit_event (method, caller, request_id, occurred_at, type, tenant, user_id)
SELECT 'totp', 'bench', 'pgbench', now(), e.type, changed.tenant, changed.user_id
  FROM changed, unnest(ARRAY['VERIFIED']::varchar[]) WITH ORDINALITY AS e(type, n) ORDER BY e.n;
