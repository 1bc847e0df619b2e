package io.totpd.webhook;

import io.totpd.db.Jdbc;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * The door to table {@code webhook_delivery}, the outbox: rows are inserted with the events they
 * report ({@link io.totpd.audit.AuditEvents}); this class claims, finishes, lists, retries and purges
 * them, in plain JDBC.
 *
 * <p>Concurrency rule: a sender takes the due rows it sends with {@code FOR UPDATE SKIP LOCKED} in a
 * transaction that stays open while the batch is sent and ends with their outcomes, so senders on
 * every replica share the due rows without waiting for each other, and the rows of a sender that
 * dies return the moment its connection drops (its unfinished attempt is sent again, under the same
 * {@code webhook-id}). A row is taken only while no earlier row of the same (endpoint, tenant, user) is
 * pending, which keeps each user's events in order. There is no cursor: a row whose transaction
 * commits late is taken late, not skipped. Nothing else ever waits for these locks: the requests
 * insert new rows, and the retry and the purge touch only finished ones.
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
     * How an attempt at delivery {@code id}, made at {@code attemptedAt}, ended: {@link Status#DELIVERED}
     * or {@link Status#FAILED} with {@code finishedAt} set, or {@link Status#PENDING} and due again at
     * {@code nextAttemptAt}. {@code httpStatus} is null when the receiver gave no answer.
     */
    public record Outcome(long id, Status status, Instant attemptedAt, Instant nextAttemptAt, Integer httpStatus, String error,
            Instant finishedAt) {
    }

    /** The pending deliveries of one endpoint and the time of the oldest event among them. */
    public record Backlog(long pending, Instant oldest) {
    }

    private static final String COLUMNS = """
             id, endpoint, event_id, type, tenant, user_id, authenticator_id, name, method, caller, request_id, occurred_at,
            status, attempts, next_attempt_at, retry_from, last_attempt_at, last_status, last_error, finished_at""";

    /**
     * The due heads of the endpoint's queues, oldest due first, locked for the sender's transaction.
     * Whether a row is its queue's head is a correlated subquery on purpose: it is always one probe of
     * the queue index, where a NOT EXISTS let the planner, with statistics taken while nothing was
     * pending (the usual state), compare every pending row with every other: 2.3 s for 2,000.
     */
    private static final String DUE = "SELECT " + COLUMNS + """
             FROM webhook_delivery c
            WHERE c.endpoint = ? AND c.status = 'pending' AND c.next_attempt_at <= ?
              AND c.id = (SELECT p.id FROM webhook_delivery p
                           WHERE p.endpoint = c.endpoint AND p.tenant = c.tenant AND p.user_id = c.user_id
                             AND p.status = 'pending'
                           ORDER BY p.id LIMIT 1)
            ORDER BY c.next_attempt_at
            LIMIT ?
              FOR UPDATE SKIP LOCKED""";

    /**
     * For the claim's transaction only. With statistics taken while the table was empty (reltuples 0,
     * as after a VACUUM ANALYZE between bursts), every path of the queue-head subquery is costed at one
     * row, and the planner took the due index plus a sort as readily as the queue index: a scan of
     * every pending row per candidate, 875 ms for 50 of 20,000 pending, past the statement timeout
     * soon after, so the sender stalled while the backlog grew. The queue index answers without a
     * sort, so forbidding sorts leaves it the one cheap path (1 ms); the claim needs no sort itself.
     */
    private static final String NO_SORT = "SET LOCAL enable_sort = off";

    /** A batch's outcomes, one statement; times travel as ISO-8601 text, which PostgreSQL reads exactly. */
    private static final String FINISH = """
            UPDATE webhook_delivery d
               SET status = o.status, attempts = d.attempts + 1, last_attempt_at = o.attempted_at::timestamptz,
                   next_attempt_at = o.next_attempt_at::timestamptz, last_status = o.http_status::smallint,
                   last_error = o.error, finished_at = o.finished_at::timestamptz
              FROM unnest(?::bigint[], ?::varchar[], ?::text[], ?::text[], ?::int[], ?::varchar[], ?::text[])
                   AS o(id, status, attempted_at, next_attempt_at, http_status, error, finished_at)
             WHERE d.id = o.id""";

    private static final String RETRY = "UPDATE webhook_delivery SET status = 'pending', finished_at = NULL, "
            + "next_attempt_at = ?, retry_from = ? WHERE tenant = ? AND id = ? AND status = 'failed' "
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
     * Takes up to {@code limit} deliveries of {@code endpoint} due at {@code now} (in id order), hands
     * them to {@code send}, and writes the outcomes it returns, all in one transaction that holds the
     * rows meanwhile; answers how many were taken. Throws
     * {@link jakarta.persistence.PersistenceException} when the database fails: nothing is written, and
     * the rows are due again at once.
     */
    public int sendDue(String endpoint, Instant now, int limit, Function<List<Delivery>, List<Outcome>> send) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                List<Delivery> due;
                try (Statement plan = connection.createStatement()) {
                    plan.execute(NO_SORT);
                }
                try (PreparedStatement select = connection.prepareStatement(DUE)) {
                    Jdbc.bind(select, endpoint, now, limit);
                    due = read(select);
                }
                if (!due.isEmpty()) {
                    due.sort(Comparator.comparingLong(Delivery::id));
                    finish(connection, send.apply(due));
                }
                connection.commit();
                return due.size();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw Jdbc.failure("sending webhook deliveries", e);
        }
    }

    private static void finish(Connection connection, List<Outcome> outcomes) throws SQLException {
        try (PreparedStatement finish = connection.prepareStatement(FINISH)) {
            finish.setArray(1, connection.createArrayOf("bigint", outcomes.stream().map(Outcome::id).toArray(Long[]::new)));
            finish.setArray(2, connection.createArrayOf("varchar", outcomes.stream().map(o -> o.status().column()).toArray()));
            finish.setArray(3, connection.createArrayOf("text", outcomes.stream().map(o -> text(o.attemptedAt())).toArray()));
            finish.setArray(4, connection.createArrayOf("text", outcomes.stream().map(o -> text(o.nextAttemptAt())).toArray()));
            finish.setArray(5, connection.createArrayOf("int4", outcomes.stream().map(Outcome::httpStatus).toArray(Integer[]::new)));
            finish.setArray(6, connection.createArrayOf("varchar", outcomes.stream().map(Outcome::error).toArray()));
            finish.setArray(7, connection.createArrayOf("text", outcomes.stream().map(o -> text(o.finishedAt())).toArray()));
            finish.executeUpdate();
        }
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
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
