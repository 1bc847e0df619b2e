package io.totpd.quota;

import io.totpd.db.Jdbc;
import io.totpd.problem.ProblemType;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import javax.sql.DataSource;

/**
 * The door to tables {@code tenant_usage} and {@code pending_enrollment} (migration V9): each tenant's
 * authenticators and its pending enrollments, against its caps ({@link Quotas#caps}).
 *
 * <p>Concurrency rule: the database keeps both tables itself, with triggers on {@code authenticator}
 * and {@code user_account}, in the transaction of every change, so the counts are exact at every commit
 * whoever writes. A call that adds authenticators or pending enrollments first locks the tenant's
 * {@code tenant_usage} row ({@link #admit}, {@link #room}), then counts and decides, and writes in the
 * same transaction: two such calls in one tenant, on any replicas, take turns, and the second counts
 * what the first committed. Lock order: the users' locks ({@link io.totpd.db.UserLock}) first, then
 * this row; the triggers of any insert or removal of authenticators take it too. {@code /verify}
 * touches neither table.
 */
@Singleton
public class TenantCaps {

    /** A tenant's caps and what it uses of them now. */
    public record Usage(Quotas.Caps caps, long pendingEnrollments, long authenticators) {
    }

    /** Locks the tenant's row until the transaction ends (making it for a tenant without one), and reads its count. */
    private static final String LOCK = """
            INSERT INTO tenant_usage AS t (tenant, authenticators) VALUES (?, 0)
                ON CONFLICT (tenant) DO UPDATE SET authenticators = t.authenticators
            RETURNING authenticators""";

    /** The tenant's unexpired pending enrollments, counted up to a limit: one index range of at most that many entries. */
    private static final String PENDING = """
            SELECT count(*) FROM (SELECT 1 FROM pending_enrollment WHERE tenant = ? AND expires_at > ? LIMIT ?) p""";

    private final DataSource dataSource;
    private final Quotas quotas;

    TenantCaps(DataSource dataSource, Quotas quotas) {
        this.dataSource = dataSource;
        this.quotas = quotas;
    }

    /**
     * Admits a call that is about to add {@code authenticators} authenticators, {@code pendingEnrollments}
     * of them pending (or, for an expired enrollment made again, a pending enrollment alone), or refuses
     * it. Locks the tenant's usage row until the transaction ends, so the decision holds until the call
     * has written. Needs the transaction that writes; the caller holds the user's lock. Nothing at all
     * when quotas are off.
     *
     * @throws io.totpd.problem.ProblemException 409 {@code quota-exceeded} when either cap would be
     *     passed; the transaction is then rolled back, so nothing was written
     */
    public void admit(String tenant, int authenticators, int pendingEnrollments, Instant now) {
        if (!quotas.enabled()) {
            return;
        }
        Quotas.Caps caps = quotas.caps(tenant);
        long used = lock(tenant);
        // Only a call that adds rows is held to the cap on rows: one over it (a cap lowered) may still renew.
        if (authenticators > 0 && used + authenticators > caps.maxAuthenticators()) {
            throw ProblemType.TENANT_CAP_REACHED.exception("the tenant has " + used + " authenticators, the most allowed ("
                    + caps.authenticatorsSetting() + "; pending ones count until they are removed); remove some first");
        }
        if (pendingEnrollments > 0) {
            long pending = pending(tenant, now, caps.maxPendingEnrollments());
            if (pending + pendingEnrollments > caps.maxPendingEnrollments()) {
                throw ProblemType.TENANT_CAP_REACHED.exception("the tenant has " + pending + " pending enrollments, the most "
                        + "allowed (" + caps.pendingSetting() + "); retry when some are activated, expire or are removed");
            }
        }
    }

    /**
     * For an import batch: locks the tenant's usage row as {@link #admit} does and answers how many
     * authenticators may still be added (0 at the cap); {@link Long#MAX_VALUE} when quotas are off.
     */
    public long room(String tenant) {
        if (!quotas.enabled()) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, quotas.caps(tenant).maxAuthenticators() - lock(tenant));
    }

    /** The setting the tenant's cap on authenticators comes from, for a refusal's detail. */
    public String authenticatorsSetting(String tenant) {
        return quotas.caps(tenant).authenticatorsSetting();
    }

    /** What the tenant uses of its caps now, as committed; takes no lock. */
    public Usage usage(String tenant, Instant now) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement("""
                        SELECT coalesce((SELECT authenticators FROM tenant_usage WHERE tenant = ?), 0),
                               (SELECT count(*) FROM pending_enrollment WHERE tenant = ? AND expires_at > ?)""")) {
            Jdbc.bind(select, tenant, tenant, now);
            try (ResultSet row = select.executeQuery()) {
                row.next();
                return new Usage(quotas.caps(tenant), row.getLong(2), row.getLong(1));
            }
        } catch (SQLException e) {
            throw Jdbc.failure("reading the tenant's usage", e);
        }
    }

    private long lock(String tenant) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement lock = connection.prepareStatement(LOCK)) {
            Jdbc.bind(lock, tenant);
            try (ResultSet row = lock.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        } catch (SQLException e) {
            throw Jdbc.failure("locking the tenant's usage", e);
        }
    }

    private long pending(String tenant, Instant now, int limit) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement count = connection.prepareStatement(PENDING)) {
            Jdbc.bind(count, tenant, now, limit);
            try (ResultSet row = count.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        } catch (SQLException e) {
            throw Jdbc.failure("counting the tenant's pending enrollments", e);
        }
    }
}
