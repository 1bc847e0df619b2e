package io.totpd.core;

import io.totpd.audit.AuditEvent;
import io.totpd.audit.AuditTrail;
import io.totpd.otp.HmacAlgorithm;
import jakarta.persistence.PersistenceException;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * The factor row as {@code /verify} reads and writes it, in plain JDBC on autocommit connections: at
 * most two round trips and no ORM session, no transaction manager, no explicit commit.
 *
 * <p>The read takes no lock. The write is a compare-and-set on the row's version that carries the
 * request's audit events in the same statement, so the change and its events commit together or not
 * at all, and a write that lost a race to another replica changes nothing and tells the caller to
 * read again. Failures are thrown as {@link PersistenceException}, as the ORM's are, so that they map
 * to the same problems (503 while the database is out of reach).
 */
@Singleton
public class FactorRows {

    private static final String READ = """
            SELECT id, version, state, algorithm, digits, period_seconds, secret_key_id, secret_ciphertext,
                   last_step, drift_steps, last_verified_at, failed_attempts, locked_until
              FROM factor WHERE tenant = ? AND user_id = ?""";

    /** Events only, for outcomes that leave the factor as it is: a replay, a refusal. */
    private static final String RECORD = """
            INSERT INTO audit_event (method, caller, request_id, occurred_at, type, tenant, user_id)
            SELECT ?, ?, ?, ?, e.type, ?, ?
              FROM unnest(?::varchar[]) WITH ORDINALITY AS e(type, n) ORDER BY e.n""";

    /** The factor's change and its events, or nothing at all if the version moved on since the read. */
    private static final String UPDATE = """
            WITH changed AS (
                UPDATE factor SET version = version + 1, state = ?, last_step = ?, drift_steps = ?,
                                  last_verified_at = ?, failed_attempts = ?, locked_until = ?
                 WHERE id = ? AND version = ?
             RETURNING tenant, user_id)
            INSERT INTO audit_event (method, caller, request_id, occurred_at, type, tenant, user_id)
            SELECT ?, ?, ?, ?, e.type, changed.tenant, changed.user_id
              FROM changed, unnest(?::varchar[]) WITH ORDINALITY AS e(type, n) ORDER BY e.n""";

    private final DataSource dataSource;

    FactorRows(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** The user's factor as committed now, detached from any session; null if there is none. */
    public Factor find(String tenant, String userId) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement read = connection.prepareStatement(READ)) {
            read.setString(1, tenant);
            read.setString(2, userId);
            try (ResultSet row = read.executeQuery()) {
                return row.next() ? factor(row, tenant, userId) : null;
            }
        } catch (SQLException e) {
            throw new PersistenceException("reading a factor failed", e);
        }
    }

    /**
     * Writes what a check changed in {@code factor} together with its events, if the row is still at
     * the version that was read. False when another check got there first: nothing was written.
     */
    public boolean update(Factor factor, List<AuditEvent.Type> events, String method, AuditTrail.Stamp stamp) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement write = connection.prepareStatement(UPDATE)) {
            write.setString(1, factor.state.name());
            write.setLong(2, factor.lastStep);
            write.setShort(3, factor.driftSteps);
            write.setObject(4, timestamp(factor.lastVerifiedAt));
            write.setInt(5, factor.totpAttempts.failures);
            write.setObject(6, timestamp(factor.totpAttempts.lockedUntil));
            write.setObject(7, factor.id);
            write.setLong(8, factor.version);
            setStamp(write, 9, method, stamp);
            setTypes(write, 13, events);
            return write.executeUpdate() > 0;
        } catch (SQLException e) {
            throw new PersistenceException("writing a factor failed", e);
        }
    }

    /** Records events about a factor that stays as it is. */
    public void record(Factor factor, List<AuditEvent.Type> events, String method, AuditTrail.Stamp stamp) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement write = connection.prepareStatement(RECORD)) {
            setStamp(write, 1, method, stamp);
            write.setString(5, factor.tenant);
            write.setString(6, factor.userId);
            setTypes(write, 7, events);
            write.executeUpdate();
        } catch (SQLException e) {
            throw new PersistenceException("recording audit events failed", e);
        }
    }

    private static void setStamp(PreparedStatement statement, int first, String method, AuditTrail.Stamp stamp)
            throws SQLException {
        statement.setString(first, method);
        statement.setString(first + 1, stamp.caller());
        statement.setString(first + 2, stamp.requestId());
        statement.setObject(first + 3, timestamp(stamp.occurredAt()));
    }

    private static void setTypes(PreparedStatement statement, int index, List<AuditEvent.Type> types) throws SQLException {
        statement.setArray(index, statement.getConnection().createArrayOf("varchar", types.stream().map(Enum::name).toArray()));
    }

    private static Factor factor(ResultSet row, String tenant, String userId) throws SQLException {
        Factor factor = new Factor();
        factor.id = row.getObject(1, UUID.class);
        factor.version = row.getLong(2);
        factor.tenant = tenant;
        factor.userId = userId;
        factor.state = Factor.State.valueOf(row.getString(3));
        factor.secret = new TotpSecret();
        factor.secret.algorithm = HmacAlgorithm.valueOf(row.getString(4));
        factor.secret.digits = row.getShort(5);
        factor.secret.periodSeconds = row.getInt(6);
        factor.secret.secretKeyId = row.getString(7);
        factor.secret.secretCiphertext = row.getBytes(8);
        factor.lastStep = row.getLong(9);
        factor.driftSteps = row.getShort(10);
        factor.lastVerifiedAt = instant(row.getObject(11, OffsetDateTime.class));
        factor.totpAttempts.failures = row.getInt(12);
        factor.totpAttempts.lockedUntil = instant(row.getObject(13, OffsetDateTime.class));
        return factor;
    }

    // OffsetDateTime is what pgjdbc maps to timestamptz both ways, whatever the JVM's time zone.
    private static OffsetDateTime timestamp(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(OffsetDateTime timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }
}
