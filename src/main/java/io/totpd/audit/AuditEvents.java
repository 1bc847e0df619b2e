package io.totpd.audit;

import io.totpd.db.Jdbc;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The door to table {@code audit_event}: every insert, read and purge of events, in plain JDBC.
 *
 * <p>Concurrency rule: rows are only ever inserted, in the transaction of the change they record (or,
 * on {@code /verify}, in the one statement that makes the change: {@link #insertFrom}), and deleted
 * only by age; nothing updates them, so no lock is ever taken on this table.
 */
@Singleton
public class AuditEvents {

    /** Many users' events of one request and moment, in the order given (ids follow it). */
    private static final String INSERT = """
            INSERT INTO audit_event (method, caller, request_id, occurred_at, authenticator_id, tenant, type, user_id)
            SELECT ?, ?, ?, ?, e.authenticator_id, ?, e.type, e.user_id
              FROM unnest(?::uuid[], ?::varchar[], ?::varchar[]) WITH ORDINALITY AS e(authenticator_id, type, user_id, n)
             ORDER BY e.n""";

    private static final String PAGE = """
            SELECT id, type, method, caller, request_id, occurred_at, authenticator_id FROM audit_event
             WHERE tenant = ? AND user_id = ? AND id < ? ORDER BY id DESC LIMIT ?""";

    private static final String PURGE = """
            DELETE FROM audit_event WHERE id IN (SELECT id FROM audit_event WHERE occurred_at < ? LIMIT ?)""";

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
            insert.executeUpdate();
        } catch (SQLException e) {
            throw Jdbc.failure("recording audit events", e);
        }
    }

    /**
     * The same insert as the last part of a statement, for events that must commit with a change made
     * by that statement and only if it was made: {@code source} names a CTE that returns the changed
     * row's {@code tenant} and {@code user_id}, and yields no row when nothing changed. Its parameters
     * are bound by {@link #bind}.
     */
    public static String insertFrom(String source) {
        return """
                INSERT INTO audit_event (method, caller, request_id, occurred_at, authenticator_id, type, tenant, user_id)
                SELECT ?, ?, ?, ?, ?, e.type, %1$s.tenant, %1$s.user_id
                  FROM %1$s, unnest(?::varchar[]) WITH ORDINALITY AS e(type, n) ORDER BY e.n""".formatted(source);
    }

    /** Binds the parameters of {@link #insertFrom} from index {@code first}; returns the next free index. */
    public static int bind(PreparedStatement statement, int first, Batch batch) throws SQLException {
        int next = bindStamp(statement, first, batch);
        bindTypes(statement, next, batch.types());
        return next + 1;
    }

    /** A page of a user's events, newest first, with ids below {@code before}. */
    List<AuditEvent> page(String tenant, String userId, long before, int limit) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement select = connection.prepareStatement(PAGE)) {
            select.setString(1, tenant);
            select.setString(2, userId);
            select.setLong(3, before);
            select.setInt(4, limit);
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

    /** Deletes at most {@code batch} events older than {@code cutoff}, in a statement of its own; returns how many. */
    int deleteOlderThan(Instant cutoff, int batch) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement delete = connection.prepareStatement(PURGE)) {
            Jdbc.setTimestamp(delete, 1, cutoff);
            delete.setInt(2, batch);
            return delete.executeUpdate();
        } catch (SQLException e) {
            throw Jdbc.failure("purging audit events", e);
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

    private static void bindTypes(PreparedStatement statement, int index, List<AuditEvent.Type> types) throws SQLException {
        statement.setArray(index, statement.getConnection().createArrayOf("varchar", types.stream().map(Enum::name).toArray()));
    }
}
