-- What one accepted /verify sends, statement for statement (taken from the Hibernate SQL log):
-- the factor row locked, the audit event, the factor row written back, the commit. Factor is
-- @DynamicUpdate, so the UPDATE names only what a login changes: the step and the time.
\set n random(0, :users - 1)
BEGIN;
SELECT f1_0.id, f1_0.activated_at, f1_0.created_at, f1_0.drift_steps, f1_0.last_step, f1_0.last_verified_at,
       f1_0.recovery_failed_attempts, f1_0.recovery_locked_until, f1_0.algorithm, f1_0.digits, f1_0.period_seconds,
       f1_0.secret_ciphertext, f1_0.secret_key_id, f1_0.state, f1_0.tenant, f1_0.failed_attempts, f1_0.locked_until,
       f1_0.user_id
  FROM factor f1_0 WHERE f1_0.tenant = 'bench' AND f1_0.user_id = 'bench-' || :n
  FETCH FIRST 1 ROWS ONLY FOR NO KEY UPDATE OF f1_0 \gset f_
INSERT INTO audit_event (caller, method, occurred_at, request_id, tenant, type, user_id)
  VALUES ('bench', 'totp', now(), 'pgbench', 'bench', 'VERIFIED', 'bench-' || :n);
UPDATE factor SET last_step = last_step + 1, last_verified_at = now()
  WHERE id = :f_id;
END;
