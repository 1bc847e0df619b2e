package io.totpd.db;

import jakarta.persistence.PersistenceException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;

/**
 * What the table classes share when they talk JDBC: timestamps as pgjdbc maps {@code timestamptz}
 * (OffsetDateTime both ways, whatever the JVM's time zone), and failures thrown as
 * {@link PersistenceException}, as the ORM's are, so that {@link DatabaseFailure} reads them alike.
 */
public final class Jdbc {

    private Jdbc() {
    }

    public static void setTimestamp(PreparedStatement statement, int index, Instant instant) throws SQLException {
        statement.setObject(index, instant == null ? null : instant.atOffset(ZoneOffset.UTC));
    }

    public static Instant instant(ResultSet row, int column) throws SQLException {
        OffsetDateTime timestamp = row.getObject(column, OffsetDateTime.class);
        return timestamp == null ? null : timestamp.toInstant();
    }

    /** {@code what} failed: names the operation, never a value. */
    public static PersistenceException failure(String what, SQLException cause) {
        return new PersistenceException(what + " failed", cause);
    }

    /**
     * Binds {@code parameters} from index 1; an {@link Instant} as a timestamptz, a {@code String[]} or
     * {@code UUID[]} as a PostgreSQL array (for {@code = ANY (?)}), anything else as pgjdbc maps it.
     */
    public static void bind(PreparedStatement statement, Object... parameters) throws SQLException {
        for (int i = 0; i < parameters.length; i++) {
            if (parameters[i] instanceof Instant instant) {
                setTimestamp(statement, i + 1, instant);
            } else if (parameters[i] instanceof String[] strings) {
                statement.setArray(i + 1, statement.getConnection().createArrayOf("varchar", strings));
            } else if (parameters[i] instanceof java.util.UUID[] ids) {
                statement.setArray(i + 1, statement.getConnection().createArrayOf("uuid", ids));
            } else {
                statement.setObject(i + 1, parameters[i]);
            }
        }
    }
}
