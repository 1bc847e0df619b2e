package io.totpd.audit;

import io.totpd.db.Jdbc;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.UUID;
import javax.sql.DataSource;
import org.jboss.logging.Logger;

/**
 * The door to table {@code audit_event}: every insert and read of events, and the making and
 * dropping of its partitions, in plain JDBC.
 *
 * <p>The table is partitioned by {@code occurred_at} (migration V7): {@link AuditPartitions} decides
 * which partitions to make and drop, this class makes and drops them.
 *
 * <p>The trail is also the webhooks' outbox: senders read it past a cursor in the order of column
 * {@code xid}, the recording transaction's id ({@link io.totpd.webhook.WebhookDeliveries}), so a change
 * and what is sent about it commit together or not at all.
 *
 * <p>Concurrency rule: rows are only ever inserted, in the transaction of the change they record (or,
 * on {@code /verify}, in the one statement that makes the change: {@link #insertFrom}), and removed
 * only with their whole partition; nothing updates them, so no row is ever locked. Partitions change
 * under one advisory lock, held by one replica at a time, and never wait long for a table lock.
 */
@Singleton
public class AuditEvents {

    private static final Logger LOG = Logger.getLogger(AuditEvents.class);

    /** The end of a statement that records events: how many it recorded. */
    private static final String COUNT = """
            SELECT count(*) FROM audited""";

    /**
     * Many users' events of one request and moment, in the order given (ids follow it), each with its
     * authenticator's name as it is in this transaction.
     */
    private static final String INSERT = """
            WITH audited AS (
                INSERT INTO audit_event (method, caller, request_id, occurred_at, authenticator_id, tenant, type, user_id,
                                         authenticator_name)
                SELECT ?, ?, ?, ?, e.authenticator_id, ?, e.type, e.user_id, a.name
                  FROM unnest(?::uuid[], ?::varchar[], ?::varchar[]) WITH ORDINALITY AS e(authenticator_id, type, user_id, n)
                  LEFT JOIN authenticator a ON a.id = e.authenticator_id
                 ORDER BY e.n
             RETURNING id)
            """ + COUNT;

    private static final String COLUMNS = "e.id, e.type, e.method, e.caller, e.request_id, e.occurred_at, e.authenticator_id";

    /**
     * Newest first by time, then id: the order of the user index, which the partitions' time ranges
     * also follow, so the newest partitions are read first and the rest only if the page needs them.
     * An id alone would not do: a request's stamp is taken before its insert draws an id, so ids and
     * times can disagree by a few milliseconds between concurrent requests.
     */
    private static final String NEWEST = "SELECT " + COLUMNS + """
             FROM audit_event e
            WHERE e.tenant = ? AND e.user_id = ? ORDER BY e.occurred_at DESC, e.id DESC LIMIT ?""";

    /**
     * The same, after the event a page's {@code before} names (an id of one of the user's events):
     * found first, one probe of each partition's primary key, then each partition's user index is
     * entered just past it (the row comparison is an index condition).
     */
    private static final String AFTER = "SELECT " + COLUMNS + """
             FROM (SELECT tenant, user_id, occurred_at, id FROM audit_event WHERE tenant = ? AND user_id = ? AND id = ?) b
            CROSS JOIN LATERAL (SELECT * FROM audit_event e
                                 WHERE e.tenant = b.tenant AND e.user_id = b.user_id AND (e.occurred_at, e.id) < (b.occurred_at, b.id)
                                 ORDER BY e.occurred_at DESC, e.id DESC LIMIT ?) e
            ORDER BY e.occurred_at DESC, e.id DESC""";

    /**
     * The range partitions, oldest first, with the bounds PostgreSQL prints for them (the default
     * partition has none); the bounds are parsed back by the same session that printed them.
     */
    private static final String PARTITIONS = """
            SELECT c.relname, bound[1]::timestamptz, bound[2]::timestamptz
              FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid,
                   regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\) TO \\(''([^'']+)''\\)') AS bound
             WHERE i.inhparent = 'audit_event'::regclass AND bound IS NOT NULL
             ORDER BY 2""";

    /** Held by whichever replica changes the partitions, for its transaction; the others skip their turn. */
    private static final long PARTITIONS_LOCK = 0x746f7470_64617564L;

    /** A partition of the trail: the events with {@code from <= occurredAt < to}. */
    public record Partition(String name, Instant from, Instant to) {
    }

    /**
     * Events of one request about one user, in order; {@code authenticatorId} and {@code method} may be
     * null, and {@code userId} too for an event about the whole tenant (an export's summary).
     */
    public record Batch(AuditTrail.Stamp stamp, String userId, UUID authenticatorId, String method,
            List<AuditEvent.Type> types) {
    }

    private final DataSource dataSource;

    AuditEvents(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** Inserts the batch: in the caller's transaction if there is one, else on its own. */
    public void insert(Batch batch) {
        insertAll(List.of(batch));
    }

    /**
     * Inserts the events of several users, all of one request and one moment (an import or export
     * batch: every batch must share the first one's stamp and method), as one statement, in the
     * caller's transaction.
     */
    public void insertAll(List<Batch> batches) {
        if (batches.isEmpty()) {
            return;
        }
        Batch first = batches.get(0);
        List<UUID> authenticators = new ArrayList<>();
        List<String> types = new ArrayList<>();
        List<String> users = new ArrayList<>();
        for (Batch batch : batches) {
            if (!batch.stamp().equals(first.stamp()) || !java.util.Objects.equals(batch.method(), first.method())) {
                throw new IllegalArgumentException("events of one insert share their stamp and method");
            }
            for (AuditEvent.Type type : batch.types()) {
                authenticators.add(batch.authenticatorId());
                types.add(type.name());
                users.add(batch.userId());
            }
        }
        try (Connection connection = dataSource.getConnection();
                PreparedStatement insert = connection.prepareStatement(INSERT)) {
            Jdbc.bind(insert, first.method(), first.stamp().caller(), first.stamp().requestId(), first.stamp().occurredAt(),
                    first.stamp().tenant(), authenticators.toArray(UUID[]::new), types.toArray(String[]::new),
                    users.toArray(String[]::new));
            insert.execute();
        } catch (SQLException e) {
            throw Jdbc.failure("recording audit events", e);
        }
    }

    /**
     * The same insert as the last part of a statement, for events that must commit with a change made
     * by that statement and only if it was made: {@code source} names a CTE that returns the changed
     * row's {@code tenant} and {@code user_id}, and yields no row when nothing changed. The text goes
     * after the statement's last CTE (it starts with a comma), and ends the statement with a query that
     * answers how many events were recorded: none when nothing changed. Its parameters are bound by
     * {@link #bind}.
     */
    public static String insertFrom(String source) {
        return """
                , audited AS (
                    INSERT INTO audit_event (method, caller, request_id, occurred_at, authenticator_id, type, tenant, user_id,
                                             authenticator_name)
                    SELECT ?, ?, ?, ?, ?, e.type, %1$s.tenant, %1$s.user_id, (SELECT a.name FROM authenticator a WHERE a.id = ?)
                      FROM %1$s, unnest(?::varchar[]) WITH ORDINALITY AS e(type, n) ORDER BY e.n
                 RETURNING id)
                """.formatted(source) + COUNT;
    }

    /** Binds the parameters of {@link #insertFrom} from index {@code first}; returns the next free index. */
    public int bind(PreparedStatement statement, int first, Batch batch) throws SQLException {
        int next = bindStamp(statement, first, batch);
        statement.setObject(next, batch.authenticatorId());
        bindTypes(statement, next + 1, batch.types());
        return next + 2;
    }

    /**
     * A page of a user's events, newest first; after the event {@code before} when it is not null (an
     * id that is not one of the user's events gives an empty page).
     */
    List<AuditEvent> page(String tenant, String userId, Long before, int limit) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(before == null ? NEWEST : AFTER)) {
            if (before == null) {
                Jdbc.bind(select, tenant, userId, limit);
            } else {
                Jdbc.bind(select, tenant, userId, before, limit);
            }
            List<AuditEvent> page = new ArrayList<>(limit);
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    page.add(new AuditEvent(row.getLong(1), tenant, userId, row.getObject(7, UUID.class),
                            AuditEvent.Type.valueOf(row.getString(2)), row.getString(3), row.getString(4), row.getString(5),
                            Jdbc.instant(row, 6)));
                }
            }
            return page;
        } catch (SQLException e) {
            throw Jdbc.failure("reading audit events", e);
        }
    }

    /** The range partitions, oldest first. */
    List<Partition> partitions() {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(PARTITIONS);
                ResultSet row = select.executeQuery()) {
            List<Partition> partitions = new ArrayList<>();
            while (row.next()) {
                partitions.add(new Partition(row.getString(1), Jdbc.instant(row, 2), Jdbc.instant(row, 3)));
            }
            return partitions;
        } catch (SQLException e) {
            throw Jdbc.failure("listing audit event partitions", e);
        }
    }

    /**
     * Adds the partition {@code [from, to)}, named after its first day, and moves into it the events
     * of that range that the default partition holds. It is made as a table of its own and then
     * attached, which takes only a SHARE UPDATE EXCLUSIVE lock on {@code audit_event}: inserts go on
     * meanwhile. Returns false, having changed nothing, when another replica holds the partitions'
     * lock. Throws {@link jakarta.persistence.PersistenceException} on a database failure, such as a
     * lock not granted within {@code lockTimeout}.
     */
    boolean createPartition(Instant from, Instant to, Duration lockTimeout) {
        String name = "audit_event_" + DateTimeFormatter.BASIC_ISO_DATE.format(from.atOffset(ZoneOffset.UTC).toLocalDate());
        return changePartitions(lockTimeout, statement -> {
            statement.execute("CREATE TABLE " + name + " (LIKE audit_event INCLUDING DEFAULTS)");
            int moved = statement.executeUpdate("WITH moved AS (DELETE FROM audit_event_default WHERE occurred_at >= '%s'"
                    .formatted(from) + " AND occurred_at < '%s' RETURNING *) INSERT INTO %s SELECT * FROM moved".formatted(to, name));
            statement.execute("ALTER TABLE audit_event ATTACH PARTITION %s FOR VALUES FROM ('%s') TO ('%s')".formatted(name, from, to));
            if (moved > 0) {
                LOG.warnf("Moved %d audit events from the default partition into %s: partitions were not made ahead in time",
                        moved, name);
            }
        });
    }

    /**
     * Drops a partition and every event in it, in one statement whatever their number. DROP takes an
     * ACCESS EXCLUSIVE lock on {@code audit_event} for an instant; it waits for it no longer than
     * {@code lockTimeout}, so that inserts never queue behind it for longer. Returns false when
     * another replica holds the partitions' lock; throws as {@link #createPartition} does.
     */
    boolean dropPartition(Partition partition, Duration lockTimeout) {
        return changePartitions(lockTimeout,
                statement -> statement.execute("DROP TABLE \"" + partition.name().replace("\"", "\"\"") + "\""));
    }

    private interface Change {
        void apply(Statement statement) throws SQLException;
    }

    /**
     * {@code change} in a transaction of its own under the partitions' advisory lock, with the given
     * lock timeout and no statement or socket timeout: moving events out of the default partition
     * takes as long as there are events to move.
     */
    private boolean changePartitions(Duration lockTimeout, Change change) {
        try (Connection connection = dataSource.getConnection()) {
            int socketTimeout = connection.getNetworkTimeout();
            connection.setNetworkTimeout(Runnable::run, 0);
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET LOCAL lock_timeout = " + lockTimeout.toMillis());
                statement.execute("SET LOCAL statement_timeout = 0");
                try (ResultSet locked = statement.executeQuery("SELECT pg_try_advisory_xact_lock(" + PARTITIONS_LOCK + ")")) {
                    if (!locked.next() || !locked.getBoolean(1)) {
                        connection.rollback();
                        return false;
                    }
                }
                change.apply(statement);
                connection.commit();
                return true;
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
                connection.setNetworkTimeout(Runnable::run, socketTimeout);
            }
        } catch (SQLException e) {
            throw Jdbc.failure("changing audit event partitions", e);
        }
    }

    private static int bindStamp(PreparedStatement statement, int first, Batch batch) throws SQLException {
        statement.setString(first, batch.method());
        statement.setString(first + 1, batch.stamp().caller());
        statement.setString(first + 2, batch.stamp().requestId());
        Jdbc.setTimestamp(statement, first + 3, batch.stamp().occurredAt());
        statement.setObject(first + 4, batch.authenticatorId());
        return first + 5;
    }

    /**
     * The types as an array literal, {@code {VERIFIED,...}}, which the statement's {@code ?::varchar[]}
     * casts: type names are upper-case letters and underscores, nothing to quote. pgjdbc's
     * {@code createArrayOf} looks the array type up in a cache on every call, 1.5 % of {@code /verify}.
     */
    private static void bindTypes(PreparedStatement statement, int index, List<AuditEvent.Type> types) throws SQLException {
        StringJoiner literal = new StringJoiner(",", "{", "}");
        types.forEach(type -> literal.add(type.name()));
        statement.setString(index, literal.toString());
    }
}
