package io.totpd.webhook;

import io.totpd.db.Jdbc;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The door to table {@code webhook_delivery}, the outbox: rows are inserted with the events they
 * report ({@link io.totpd.audit.AuditEvents}); this class claims, finishes, lists, retries and purges
 * them, in plain JDBC.
 *
 * <p>Concurrency rule: a sender claims a row by moving its {@code next_attempt_at} to the end of its
 * lease, in one statement that takes the row with {@code FOR UPDATE SKIP LOCKED}, so senders on every
 * replica share the due rows without waiting for each other; a sender that dies leaves its rows due
 * again when the lease ends. A row is claimed only while no earlier row of the same (endpoint, tenant,
 * user) is pending, which keeps each user's events in order. The outcome is written only by the claim
 * that is still current (same {@code attempts}), so a sender that outlived its lease cannot undo a
 * newer attempt. There is no cursor: a row whose transaction commits late is claimed late, not skipped.
 */
@Singleton
public class WebhookDeliveries {

    /** Where a delivery stands. */
    public enum Status {
        PENDING, DELIVERED, FAILED;

        String column() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One event for one endpoint, and how its delivery went; {@code name}, {@code method} may be null. */
    public record Delivery(long id, String endpoint, long eventId, String type, String tenant, String userId,
            UUID authenticatorId, String name, String method, String caller, String requestId, Instant occurredAt,
            Status status, int attempts, Instant nextAttemptAt, Instant retryFrom, Instant lastAttemptAt,
            Integer lastStatus, String lastError, Instant finishedAt) {
    }

    /**
     * How an attempt of claimed delivery {@code id} (claim {@code attempts}) ended: delivered when
     * {@code finishedAt} is set and {@code status} is delivered; otherwise due again at
     * {@code nextAttemptAt}, or failed for good.
     */
    public record Outcome(long id, int attempts, Status status, Instant nextAttemptAt, Integer httpStatus, String error,
            Instant finishedAt) {
    }

    /** The pending deliveries of one endpoint and the time of the oldest event among them. */
    public record Backlog(long pending, Instant oldest) {
    }

    private static final String COLUMNS = """
            id, endpoint, event_id, type, tenant, user_id, authenticator_id, name, method, caller, request_id, occurred_at,
            status, attempts, next_attempt_at, retry_from, last_attempt_at, last_status, last_error, finished_at""";

    /**
     * The due heads of the endpoint's queues, oldest due first; each becomes the sender's for its lease.
     * Whether a row is its queue's head is a correlated subquery on purpose: it is always one probe of
     * the queue index, where a NOT EXISTS let the planner, with statistics taken while nothing was
     * pending (the usual state), compare every pending row with every other: 2.3 s for 2,000.
     */
    private static final String CLAIM = """
            UPDATE webhook_delivery d SET next_attempt_at = ?, attempts = d.attempts + 1, last_attempt_at = ?
             WHERE d.id IN (
                   SELECT c.id FROM webhook_delivery c
                    WHERE c.endpoint = ? AND c.status = 'pending' AND c.next_attempt_at <= ?
                      AND c.id = (SELECT p.id FROM webhook_delivery p
                                   WHERE p.endpoint = c.endpoint AND p.tenant = c.tenant AND p.user_id = c.user_id
                                     AND p.status = 'pending'
                                   ORDER BY p.id LIMIT 1)
                    ORDER BY c.next_attempt_at
                    LIMIT ?
                      FOR UPDATE OF c SKIP LOCKED)
            RETURNING""" + " " + COLUMNS;

    private static final String FINISH = """
            UPDATE webhook_delivery SET status = ?, next_attempt_at = ?, last_status = ?, last_error = ?, finished_at = ?
             WHERE id = ? AND attempts = ? AND status = 'pending'""";

    private static final String RETRY = "UPDATE webhook_delivery SET status = 'pending', finished_at = NULL, "
            + "next_attempt_at = ?, retry_from = ?, last_error = NULL WHERE tenant = ? AND id = ? AND status = 'failed' "
            + "RETURNING " + COLUMNS;

    private static final String PURGE = """
            DELETE FROM webhook_delivery WHERE id IN (
                   SELECT id FROM webhook_delivery WHERE status <> 'pending' AND finished_at < ?
                    ORDER BY finished_at LIMIT ? FOR UPDATE SKIP LOCKED)""";

    private static final String BACKLOG = """
            SELECT endpoint, count(*), min(occurred_at) FROM webhook_delivery WHERE status = 'pending' GROUP BY endpoint""";

    private final DataSource dataSource;

    WebhookDeliveries(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * Claims up to {@code limit} due deliveries of {@code endpoint} until {@code leaseEnd}, counting an
     * attempt for each; in id order.
     */
    public List<Delivery> claim(String endpoint, Instant now, Instant leaseEnd, int limit) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement claim = connection.prepareStatement(CLAIM)) {
            Jdbc.bind(claim, leaseEnd, now, endpoint, now, limit);
            List<Delivery> claimed = read(claim);
            claimed.sort(Comparator.comparingLong(Delivery::id));
            return claimed;
        } catch (SQLException e) {
            throw Jdbc.failure("claiming webhook deliveries", e);
        }
    }

    /** Writes the outcomes of a batch of attempts, in one round trip; outcomes of a lost claim are ignored. */
    public void finish(List<Outcome> outcomes) {
        if (outcomes.isEmpty()) {
            return;
        }
        try (Connection connection = dataSource.getConnection();
                PreparedStatement finish = connection.prepareStatement(FINISH)) {
            for (Outcome outcome : outcomes) {
                Jdbc.bind(finish, outcome.status().column(), outcome.nextAttemptAt(), outcome.httpStatus() == null ? null
                        : outcome.httpStatus().shortValue(), outcome.error(), outcome.finishedAt(), outcome.id(),
                        outcome.attempts());
                finish.addBatch();
            }
            finish.executeBatch();
        } catch (SQLException e) {
            throw Jdbc.failure("recording webhook attempts", e);
        }
    }

    /**
     * A page of the tenant's deliveries, newest first, after delivery {@code before} when it is not null;
     * only those in {@code status} and of {@code userId} when they are not null.
     */
    public List<Delivery> page(String tenant, Status status, String userId, Long before, int limit) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM webhook_delivery WHERE tenant = ?");
        List<Object> parameters = new ArrayList<>(List.of(tenant));
        if (userId != null) {
            sql.append(" AND user_id = ?");
            parameters.add(userId);
        }
        if (status != null) {
            sql.append(" AND status = ?");
            parameters.add(status.column());
        }
        if (before != null) {
            sql.append(" AND id < ?");
            parameters.add(before);
        }
        sql.append(" ORDER BY id DESC LIMIT ?");
        parameters.add(limit);
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(sql.toString())) {
            Jdbc.bind(select, parameters.toArray());
            return read(select);
        } catch (SQLException e) {
            throw Jdbc.failure("listing webhook deliveries", e);
        }
    }

    /** The tenant's delivery {@code id}; null if there is none. */
    public Delivery find(String tenant, long id) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT " + COLUMNS + " FROM webhook_delivery WHERE tenant = ? AND id = ?")) {
            Jdbc.bind(select, tenant, id);
            List<Delivery> found = read(select);
            return found.isEmpty() ? null : found.get(0);
        } catch (SQLException e) {
            throw Jdbc.failure("reading a webhook delivery", e);
        }
    }

    /**
     * Makes the tenant's failed delivery {@code id} pending again, due now, with a new retry period from
     * now; null if it is not a failed one.
     */
    public Delivery retry(String tenant, long id, Instant now) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement retry = connection.prepareStatement(RETRY)) {
            Jdbc.bind(retry, now, now, tenant, id);
            List<Delivery> retried = read(retry);
            return retried.isEmpty() ? null : retried.get(0);
        } catch (SQLException e) {
            throw Jdbc.failure("retrying a webhook delivery", e);
        }
    }

    /** Deletes up to {@code limit} deliveries finished before {@code before}; answers how many. */
    public int purge(Instant before, int limit) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement purge = connection.prepareStatement(PURGE)) {
            Jdbc.bind(purge, before, limit);
            return purge.executeUpdate();
        } catch (SQLException e) {
            throw Jdbc.failure("deleting old webhook deliveries", e);
        }
    }

    /** The pending deliveries of each endpoint that has any. */
    public Map<String, Backlog> backlog() {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(BACKLOG);
                ResultSet row = select.executeQuery()) {
            Map<String, Backlog> backlog = new HashMap<>();
            while (row.next()) {
                backlog.put(row.getString(1), new Backlog(row.getLong(2), Jdbc.instant(row, 3)));
            }
            return backlog;
        } catch (SQLException e) {
            throw Jdbc.failure("counting pending webhook deliveries", e);
        }
    }

    private static List<Delivery> read(PreparedStatement statement) throws SQLException {
        List<Delivery> rows = new ArrayList<>();
        try (ResultSet row = statement.executeQuery()) {
            while (row.next()) {
                rows.add(new Delivery(row.getLong(1), row.getString(2), row.getLong(3), row.getString(4), row.getString(5),
                        row.getString(6), row.getObject(7, UUID.class), row.getString(8), row.getString(9), row.getString(10),
                        row.getString(11), Jdbc.instant(row, 12), Status.valueOf(row.getString(13).toUpperCase(Locale.ROOT)),
                        row.getInt(14), Jdbc.instant(row, 15), Jdbc.instant(row, 16), Jdbc.instant(row, 17),
                        row.getObject(18, Integer.class), row.getString(19), Jdbc.instant(row, 20)));
            }
        }
        return rows;
    }
}
