-- Caps per tenant (issue 18): how many authenticators each tenant has, and which of them are pending
-- until when, kept by the database itself, so that every writer keeps them right: this version, the
-- previous one during a rolling upgrade, an operator's SQL, a bulk load with COPY. Additive: the
-- previous version runs on this schema, its writes counted by the triggers below.
--
-- tenant_usage: a row per tenant with its authenticators, pending and active, expired pending ones
-- included until they are removed (the rows the cap on authenticators bounds). Each statement that
-- adds or removes authenticators updates it, in its own transaction, so the count is exact at every
-- commit. The row is also the tenant's lock: a call that adds authenticators or pending enrollments
-- locks it first (io.totpd.quota.TenantCaps), counts, and decides under it, so two enrollments
-- racing at a cap, on any replicas, take turns. Lock order: the user's lock, then this row.
--
-- pending_enrollment: a row per pending authenticator with its tenant and expiry, so that a tenant's
-- unexpired enrollments are one range of an index, whatever the size of the tenant or of the table.
--
-- /verify writes neither: it inserts and removes no authenticator, and updates only columns that no
-- trigger here watches.

-- The count and the copy below must see every authenticator: the triggers' lock (taken first) holds
-- writers back until this transaction commits, which takes time in proportion to the tables (2.6 s
-- for a million authenticators on a busy 2-core machine). Taking the locks must not wait behind a
-- long transaction.
SET LOCAL statement_timeout = 0;
SET LOCAL lock_timeout = '5s';
LOCK TABLE user_account, authenticator IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE tenant_usage (
    tenant         varchar(64) PRIMARY KEY,
    authenticators bigint      NOT NULL CHECK (authenticators >= 0)
);

CREATE TABLE pending_enrollment (
    authenticator_id uuid        PRIMARY KEY REFERENCES authenticator (id) ON DELETE CASCADE,
    tenant           varchar(64) NOT NULL,
    expires_at       timestamptz NOT NULL
);
CREATE INDEX pending_enrollment_tenant ON pending_enrollment (tenant, expires_at);

-- Once per statement, however many rows it added (an import batch is one or a few statements).
CREATE FUNCTION authenticators_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO tenant_usage AS t (tenant, authenticators)
    SELECT u.tenant, count(*) FROM added a JOIN user_account u ON u.id = a.user_account_id GROUP BY u.tenant ORDER BY u.tenant
        ON CONFLICT (tenant) DO UPDATE SET authenticators = t.authenticators + excluded.authenticators;
    INSERT INTO pending_enrollment (authenticator_id, tenant, expires_at)
    SELECT a.id, u.tenant, a.expires_at FROM added a JOIN user_account u ON u.id = a.user_account_id
     WHERE a.state = 'PENDING';
    RETURN NULL;
END $$;

CREATE TRIGGER authenticators_added AFTER INSERT ON authenticator REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION authenticators_added();

-- Authenticators removed with their user (DELETE FROM user_account cascades) find no user here: that
-- row is gone by then, and user_account_removed has counted them already. Their pending_enrollment
-- rows go by the foreign key.
CREATE FUNCTION authenticators_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tenant_usage t SET authenticators = t.authenticators - r.n
      FROM (SELECT u.tenant, count(*) AS n FROM removed a JOIN user_account u ON u.id = a.user_account_id
             GROUP BY u.tenant) r
     WHERE t.tenant = r.tenant;
    RETURN NULL;
END $$;

CREATE TRIGGER authenticators_removed AFTER DELETE ON authenticator REFERENCING OLD TABLE AS removed
    FOR EACH STATEMENT EXECUTE FUNCTION authenticators_removed();

CREATE FUNCTION user_account_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tenant_usage t SET authenticators = t.authenticators - c.n
      FROM (SELECT count(*) AS n FROM authenticator WHERE user_account_id = OLD.id) c
     WHERE t.tenant = OLD.tenant AND c.n > 0;
    RETURN OLD;
END $$;

CREATE TRIGGER user_account_removed BEFORE DELETE ON user_account
    FOR EACH ROW EXECUTE FUNCTION user_account_removed();

-- An enrollment made again (a new expiry), activated (no longer pending), or replaced by an import.
CREATE FUNCTION authenticator_pending_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.state = 'PENDING' THEN
        INSERT INTO pending_enrollment (authenticator_id, tenant, expires_at)
        SELECT NEW.id, u.tenant, NEW.expires_at FROM user_account u WHERE u.id = NEW.user_account_id
            ON CONFLICT (authenticator_id) DO UPDATE SET expires_at = excluded.expires_at;
    ELSE
        DELETE FROM pending_enrollment WHERE authenticator_id = NEW.id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER authenticator_pending_changed AFTER UPDATE OF state, expires_at ON authenticator FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.expires_at IS DISTINCT FROM NEW.expires_at)
    EXECUTE FUNCTION authenticator_pending_changed();

INSERT INTO tenant_usage (tenant, authenticators)
SELECT u.tenant, count(*) FROM authenticator a JOIN user_account u ON u.id = a.user_account_id GROUP BY u.tenant;

INSERT INTO pending_enrollment (authenticator_id, tenant, expires_at)
SELECT a.id, u.tenant, a.expires_at FROM authenticator a JOIN user_account u ON u.id = a.user_account_id
 WHERE a.state = 'PENDING';
