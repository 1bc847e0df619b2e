package io.totpd.db;

import jakarta.inject.Singleton;
import jakarta.persistence.EntityManager;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;
import javax.sql.DataSource;

/**
 * The lock on one user of one tenant, held until the transaction ends: a PostgreSQL advisory
 * transaction lock on a 64-bit hash of tenant and user id. It exists whether or not the user has
 * any row yet, so "how many authenticators are there?" and the write that follows are decided under
 * one lock, and a delete that starts while an activation runs waits for it instead of finding nothing.
 *
 * <p><b>Lock order.</b> Every operation that changes a user's authenticators or several of its rows
 * (enroll, add, activate, rename, remove, unlock, suspend, delete, new backup codes) takes this lock
 * first, then the rows in this order: user_account, authenticator, backup codes. A call that adds or
 * removes authenticators also locks its tenant's {@code tenant_usage} row (explicitly in
 * {@link io.totpd.quota.TenantCaps}, or through the triggers of migration V9), always after this lock;
 * it is the only row such calls on different users share, and none takes a user's lock after it. {@code /verify} takes
 * no lock: one compare-and-set statement writes user_account, then the matched authenticator (a suffix
 * of the order); {@code /recover} locks the user_account row, then spends one backup code. Key
 * rotation locks authenticator rows alone, with SKIP LOCKED, so it never waits. Since every path takes its locks in one
 * order, no two can deadlock; should the database still report one, {@link Transactions} runs the
 * loser again. Two users whose hashes collide merely take turns.
 *
 * <p>Waits are bounded by the server's {@code lock_timeout} (see application.properties): a call
 * that waits longer is rolled back and answered 409 {@code conflict} with {@code Retry-After}.
 */
@Singleton
public class UserLock {

    private final EntityManager entities;
    private final DataSource dataSource;

    UserLock(EntityManager entities, DataSource dataSource) {
        this.entities = entities;
        this.dataSource = dataSource;
    }

    /** Takes the lock, waiting for a transaction that holds it; needs a transaction. */
    public void lock(String tenant, String userId) {
        // Neither a tenant nor a user id can hold '/', so no two users share a key text.
        entities.createNativeQuery("SELECT count(*) FROM pg_advisory_xact_lock(hashtextextended(?1, 0))")
                .setParameter(1, tenant + "/" + userId)
                .getSingleResult();
    }

    /**
     * Takes the locks of several users of one tenant in one round trip (an import batch), in the order
     * of their user ids: every caller that holds more than one takes them in that order, so two
     * batches that share users wait for each other instead of deadlocking. (Should two users' hashes
     * collide, the order could cross; PostgreSQL then reports a deadlock, which {@link Transactions}
     * runs again.) Needs a transaction.
     */
    public void lockAll(String tenant, Collection<String> userIds) {
        Object[] keys = userIds.stream().distinct().sorted().map(userId -> tenant + "/" + userId).toArray();
        // A lateral call per element, in the array's order, which is the order above.
        try (Connection connection = dataSource.getConnection();
                PreparedStatement lock = connection.prepareStatement("""
                        SELECT count(*) FROM unnest(?::text[]) WITH ORDINALITY AS k(key, n),
                               LATERAL pg_advisory_xact_lock(hashtextextended(k.key, 0))""")) {
            lock.setArray(1, connection.createArrayOf("text", keys));
            lock.executeQuery().close();
        } catch (SQLException e) {
            throw Jdbc.failure("locking users", e);
        }
    }
}
