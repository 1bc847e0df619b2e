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
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * The door to tables {@code webhook_delivery} and {@code webhook_cursor}, in plain JDBC: the events
 * to send are read from the audit trail, the outbox, past each endpoint's cursor; a delivery's row is
 * written with the outcome of its first attempt, and rows still pending are retried, listed, retried
 * by hand and purged here.
 *
 * <p>Concurrency rules. <b>New events</b> ({@link #sendNew}): a sender takes the endpoint's advisory
 * transaction lock (without waiting: another replica holding it is sending that endpoint's batch),
 * reads the next events in {@code (xid, id)} order, only those whose transaction id is below the
 * oldest still running ({@code pg_snapshot_xmin}), sends them, and writes their rows and the moved
 * cursor in the same transaction. So an event whose transaction drew its id early and commits late
 * is read late, never skipped (the pitfall of a cursor over ids alone); a sender that dies leaves the
 * cursor where it was, and the next one sends its batch again under the same {@code webhook-id}. Per
 * user the order of {@code xid} is the order of the changes: every change of a user takes the user's
 * lock before its first write ({@link io.totpd.db.UserLock}), and {@code /verify}'s compare-and-set
 * writes nothing when another write came first. A long-running writing transaction on the database
 * holds every endpoint's cursor back until it ends. <b>Retries</b> ({@link #sendDue}): the due rows are
 * taken with {@code FOR UPDATE SKIP LOCKED} in a transaction that stays open while they are sent and
 * ends with their outcomes, so senders on every replica share them without waiting for each other,
 * and the rows of a sender that dies return the moment its connection drops. A row is taken only
 * while no earlier row of the same (endpoint, tenant, user) is pending, and a new event of a user
 * with a pending row, or with an earlier event in the same batch, is queued behind it as a pending
 * row, not sent, which keeps each user's events in order. Nothing
 * else ever waits for these locks: the retry by hand and the purge touch only finished rows.
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

    /**
     * In one statement: the endpoint's lock (held by the transaction, not waited for), its cursor,
     * whether that cursor is ahead of every transaction id this server has given (the database was
     * restored into a new cluster, whose ids start again from small numbers), the horizon (the oldest
     * transaction id still running, below which every event has committed or rolled back for good),
     * and, only with the lock and a cursor that is not ahead, the endpoint's next events past the
     * cursor and below the horizon, in order, one row each (none: one row with the event's columns
     * null). Each event comes with whether it already has a delivery row here (written by a previous
     * version during a rolling update) and whether its user has a pending one (so it must queue behind
     * it). The horizon and the events come from the statement's one snapshot, which sees every event
     * below its own xmin. The row comparison is an index condition of {@code audit_event_xid}; the
     * cursor is MATERIALIZED so that the lock is tried exactly once.
     */
    private static final String NEXT = """
            WITH c AS MATERIALIZED (
                 SELECT pg_try_advisory_xact_lock(hashtextextended('webhook/' || ?, 0)) AS locked, c.xid, c.event_id,
                        c.xid > pg_snapshot_xmax(pg_current_snapshot()) AS ahead,
                        pg_snapshot_xmin(pg_current_snapshot()) AS horizon
                   FROM (SELECT 1) one LEFT JOIN webhook_cursor c ON c.endpoint = ?)
            SELECT c.locked, c.xid::text, c.event_id, c.ahead, c.horizon::text,
                   e.id, e.xid::text, e.type, e.user_id, e.authenticator_id, e.authenticator_name, e.method, e.caller,
                   e.request_id, e.occurred_at, k.known IS NOT NULL, q.queued IS NOT NULL
              FROM c
              LEFT JOIN LATERAL (SELECT * FROM audit_event a
                                  WHERE c.locked AND NOT c.ahead
                                    AND (a.xid, a.id) > (c.xid, c.event_id) AND a.xid < c.horizon
                                    AND a.tenant = ? AND a.type = ANY (?::varchar[]) AND a.user_id IS NOT NULL
                                  ORDER BY a.xid, a.id LIMIT ?) e ON true
              -- Lateral probes with a LIMIT, one index probe per event: as EXISTS, the planner hashed every
              -- row of the endpoint instead (tens of milliseconds at 100,000 rows, and growing).
              LEFT JOIN LATERAL (SELECT true AS known FROM webhook_delivery d
                                  WHERE d.endpoint = ? AND d.event_id = e.id LIMIT 1) k ON true
              LEFT JOIN LATERAL (SELECT true AS queued FROM webhook_delivery p
                                  WHERE p.endpoint = ? AND p.tenant = e.tenant AND p.user_id = e.user_id AND p.status = 'pending'
                                  LIMIT 1) q ON true
             ORDER BY e.xid, e.id""";

    private static final String MOVE_CURSOR = """
            INSERT INTO webhook_cursor (endpoint, xid, event_id) VALUES (?, ?::xid8, ?)
            ON CONFLICT (endpoint) DO UPDATE SET xid = excluded.xid, event_id = excluded.event_id""";

    /** New rows, in the order given (their ids follow it); times travel as ISO-8601 text. */
    private static final String INSERT = """
            INSERT INTO webhook_delivery (endpoint, tenant, event_id, type, user_id, authenticator_id, name, method, caller,
                                          request_id, occurred_at, retry_from, status, next_attempt_at, attempts,
                                          last_attempt_at, last_status, last_error, finished_at)
            SELECT ?, ?, r.event_id, r.type, r.user_id, r.authenticator_id, r.name, r.method, r.caller, r.request_id,
                   r.occurred_at::timestamptz, r.occurred_at::timestamptz, r.status, r.next_attempt_at::timestamptz, r.attempts,
                   r.last_attempt_at::timestamptz, r.last_status::smallint, r.last_error, r.finished_at::timestamptz
              FROM unnest(?::bigint[], ?::varchar[], ?::varchar[], ?::uuid[], ?::varchar[], ?::varchar[], ?::varchar[],
                          ?::varchar[], ?::text[], ?::varchar[], ?::text[], ?::int[], ?::text[], ?::int[], ?::varchar[], ?::text[])
                   WITH ORDINALITY AS r(event_id, type, user_id, authenticator_id, name, method, caller, request_id, occurred_at,
                                        status, next_attempt_at, attempts, last_attempt_at, last_status, last_error, finished_at, n)
             ORDER BY r.n
            ON CONFLICT (endpoint, event_id) DO NOTHING""";

    /** {@link #INSERT} with {@link #MOVE_CURSOR} before it: a batch's writes in one statement. */
    private static final String INSERT_MOVING_CURSOR = "WITH moved AS (" + MOVE_CURSOR + ")\n" + INSERT;

    /** Events past the endpoint's cursor that are for it: not yet taken by any sender. */
    private static final String BEHIND = """
            SELECT e.n, e.oldest FROM webhook_cursor c CROSS JOIN LATERAL (
                   SELECT count(*) AS n, min(a.occurred_at) AS oldest FROM audit_event a
                    WHERE (a.xid, a.id) > (c.xid, c.event_id) AND a.tenant = ? AND a.type = ANY (?::varchar[])
                      AND a.user_id IS NOT NULL) e
             WHERE c.endpoint = ?""";

    private static final String BACKLOG = """
            SELECT endpoint, count(*), min(occurred_at) FROM webhook_delivery WHERE status = 'pending' GROUP BY endpoint""";

    private static final Logger LOG = Logger.getLogger(WebhookDeliveries.class);

    private final DataSource dataSource;

    WebhookDeliveries(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** An event read past a cursor, as the delivery it will be, and where it stands in the trail. */
    private record Unsent(String xid, Delivery delivery, boolean known, boolean queued) {
    }

    /**
     * Takes up to {@code limit} of the endpoint's new events from the audit trail, hands those to send
     * now to {@code send} (the first of each user that has no pending row), and writes a row for each
     * with the outcome {@code send} returns, or pending and queued behind its user's earlier delivery,
     * and the moved cursor, all in one transaction; answers how many events it took. Answers 0 at once when another replica is
     * sending this endpoint's new events, and when the endpoint has no cursor yet: the first one starts
     * at the oldest running transaction, so an endpoint gets the events recorded from about the time it
     * was first configured. Throws {@link jakarta.persistence.PersistenceException} when the database
     * fails: nothing is written, and the same events are taken again.
     */
    public int sendNew(Endpoints.Endpoint endpoint, int limit, Function<List<Delivery>, List<Outcome>> send) {
        Map<String, EventType> routes = new HashMap<>();
        endpoint.routes().forEach((audited, type) -> routes.put(audited.name(), type));
        return inTransaction("sending new webhook events", connection -> {
            String cursorXid;
            long cursorId;
            String horizon;
            List<Unsent> unsent = new ArrayList<>();
            try (PreparedStatement select = connection.prepareStatement(NEXT)) {
                Jdbc.bind(select, endpoint.name(), endpoint.name(), endpoint.tenant(), routes.keySet().toArray(String[]::new),
                        limit, endpoint.name(), endpoint.name());
                try (ResultSet row = select.executeQuery()) {
                    row.next();
                    if (!row.getBoolean(1)) {
                        return 0;
                    }
                    cursorXid = row.getString(2);
                    cursorId = row.getLong(3);
                    horizon = row.getString(5);
                    if (cursorXid != null && row.getBoolean(4)) {
                        LOG.errorf("Webhook endpoint '%s': its cursor (transaction %s) is ahead of every transaction this "
                                + "database has run, so the database was restored into a new cluster. Sending from transaction "
                                + "%s on; events recorded before the restore that were not sent yet are not sent.",
                                endpoint.name(), cursorXid, horizon);
                        cursorXid = null;
                    }
                    do {
                        if (row.getObject(6) == null) {
                            continue;
                        }
                        Instant occurredAt = Jdbc.instant(row, 15);
                        Delivery delivery = new Delivery(0, endpoint.name(), row.getLong(6),
                                routes.get(row.getString(8)).wireName(), endpoint.tenant(), row.getString(9),
                                row.getObject(10, UUID.class), row.getString(11), row.getString(12), row.getString(13),
                                row.getString(14), occurredAt, Status.PENDING, 0, occurredAt, occurredAt, null, null, null, null);
                        unsent.add(new Unsent(row.getString(7), delivery, row.getBoolean(16), row.getBoolean(17)));
                    } while (row.next());
                }
            }
            if (cursorXid == null) {
                moveCursor(connection, endpoint.name(), horizon, 0);
                return 0;
            }
            // One event of a user is sent at a time: the user's later events in the batch, and every
            // event of a user with a pending row, become pending rows queued behind it, which the
            // retries send in order (sendDue) once the one before is delivered or failed.
            Set<String> sending = new HashSet<>();
            List<Unsent> batch = new ArrayList<>(unsent.size());
            for (Unsent u : unsent) {
                batch.add(u.known() || u.queued() || sending.add(u.delivery().userId()) ? u
                        : new Unsent(u.xid(), u.delivery(), false, true));
            }
            List<Delivery> toSend = batch.stream().filter(u -> !u.known() && !u.queued()).map(Unsent::delivery).toList();
            List<Outcome> outcomes = toSend.isEmpty() ? List.of() : send.apply(toSend);
            // A full batch moves the cursor past its last event; a short one took everything below the horizon.
            Unsent last = unsent.isEmpty() ? null : unsent.get(unsent.size() - 1);
            String toXid = unsent.size() == limit ? last.xid() : horizon;
            long toId = unsent.size() == limit ? last.delivery().eventId() : 0;
            if (!insert(connection, endpoint, batch, outcomes, toXid, toId) && (!toXid.equals(cursorXid) || toId != cursorId)) {
                moveCursor(connection, endpoint.name(), toXid, toId);
            }
            return unsent.size();
        });
    }

    private static void moveCursor(Connection connection, String endpoint, String xid, long eventId) throws SQLException {
        try (PreparedStatement move = connection.prepareStatement(MOVE_CURSOR)) {
            Jdbc.bind(move, endpoint, xid, eventId);
            move.executeUpdate();
        }
    }

    /**
     * The rows of a batch from the trail, in its order: a sent event's with its outcome
     * ({@code outcomes} follow the sent ones), a queued event's pending and not yet attempted; and, in
     * the same statement (one round trip fewer a batch), the cursor moved to {@code (xid, eventId)}.
     * Answers false, having written nothing, when the batch has no row to write.
     */
    private static boolean insert(Connection connection, Endpoints.Endpoint endpoint, List<Unsent> batch, List<Outcome> outcomes,
            String xid, long eventId) throws SQLException {
        List<Delivery> rows = new ArrayList<>();
        List<Outcome> rowOutcomes = new ArrayList<>();
        int sent = 0;
        for (Unsent unsent : batch) {
            if (unsent.known()) {
                continue;
            }
            Delivery d = unsent.delivery();
            rows.add(d);
            rowOutcomes.add(unsent.queued() ? new Outcome(0, Status.PENDING, null, d.occurredAt(), null, null, null)
                    : outcomes.get(sent++));
        }
        if (rows.isEmpty()) {
            return false;
        }
        try (PreparedStatement insert = connection.prepareStatement(INSERT_MOVING_CURSOR)) {
            Jdbc.bind(insert, endpoint.name(), xid, eventId, endpoint.name(), endpoint.tenant());
            array(insert, 6, "bigint", rows, Delivery::eventId);
            array(insert, 7, "varchar", rows, Delivery::type);
            array(insert, 8, "varchar", rows, Delivery::userId);
            array(insert, 9, "uuid", rows, Delivery::authenticatorId);
            array(insert, 10, "varchar", rows, Delivery::name);
            array(insert, 11, "varchar", rows, Delivery::method);
            array(insert, 12, "varchar", rows, Delivery::caller);
            array(insert, 13, "varchar", rows, Delivery::requestId);
            array(insert, 14, "text", rows, d -> text(d.occurredAt()));
            array(insert, 15, "varchar", rowOutcomes, o -> o.status().column());
            array(insert, 16, "text", rowOutcomes, o -> text(o.nextAttemptAt()));
            array(insert, 17, "int4", rowOutcomes, o -> o.attemptedAt() == null ? 0 : 1);
            array(insert, 18, "text", rowOutcomes, o -> text(o.attemptedAt()));
            array(insert, 19, "int4", rowOutcomes, Outcome::httpStatus);
            array(insert, 20, "varchar", rowOutcomes, Outcome::error);
            array(insert, 21, "text", rowOutcomes, o -> text(o.finishedAt()));
            insert.executeUpdate();
        }
        return true;
    }

    private static <T> void array(PreparedStatement statement, int index, String type, List<T> items, Function<T, Object> value)
            throws SQLException {
        statement.setArray(index, statement.getConnection().createArrayOf(type, items.stream().map(value).toArray()));
    }

    /**
     * Takes up to {@code limit} deliveries of {@code endpoint} due at {@code now} (in id order), hands
     * them to {@code send}, and writes the outcomes it returns, all in one transaction that holds the
     * rows meanwhile; answers how many were taken. Throws
     * {@link jakarta.persistence.PersistenceException} when the database fails: nothing is written, and
     * the rows are due again at once.
     */
    public int sendDue(String endpoint, Instant now, int limit, Function<List<Delivery>, List<Outcome>> send) {
        return inTransaction("sending webhook deliveries", connection -> {
            try (Statement plan = connection.createStatement()) {
                plan.execute(NO_SORT);
            }
            List<Delivery> due;
            try (PreparedStatement select = connection.prepareStatement(DUE)) {
                Jdbc.bind(select, endpoint, now, limit);
                due = read(select);
            }
            if (!due.isEmpty()) {
                due.sort(Comparator.comparingLong(Delivery::id));
                finish(connection, send.apply(due));
            }
            return due.size();
        });
    }

    private interface Work {
        int run(Connection connection) throws SQLException;
    }

    /**
     * {@code work} in a transaction of its own, committed when it returns and rolled back when it
     * throws; a database failure becomes {@link jakarta.persistence.PersistenceException} ("{@code what}
     * failed").
     */
    private int inTransaction(String what, Work work) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                int result = work.run(connection);
                connection.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw Jdbc.failure(what, e);
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

    /**
     * The endpoint's events not yet taken from the trail by any sender (0 and null before its first
     * cursor): with {@link #backlog()}, what is still to be delivered.
     */
    public Backlog behind(Endpoints.Endpoint endpoint) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(BEHIND)) {
            Jdbc.bind(select, endpoint.tenant(), endpoint.routes().keySet().stream().map(Enum::name).toArray(String[]::new),
                    endpoint.name());
            try (ResultSet row = select.executeQuery()) {
                return row.next() ? new Backlog(row.getLong(1), Jdbc.instant(row, 2)) : new Backlog(0, null);
            }
        } catch (SQLException e) {
            throw Jdbc.failure("counting unsent webhook events", e);
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
