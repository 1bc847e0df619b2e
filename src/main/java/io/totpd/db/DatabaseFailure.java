package io.totpd.db;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Locale;
import java.util.Optional;

/**
 * What a failed database call means for the caller, read from the SQLSTATE of the first
 * {@link SQLException} in the cause chain (PostgreSQL manual, Appendix A). In every case the
 * statement and its transaction were rolled back on the server: none of these ever means "done".
 */
public enum DatabaseFailure {

    /** No connection could be made or it broke (class 08), or the server is shutting down (57P). */
    UNAVAILABLE,
    /**
     * No pooled connection was free in time (Agroal's acquisition timeout, which has no SQLSTATE), or
     * the server cancelled a statement that ran past {@code statement_timeout} (57014).
     */
    BUSY,
    /** Another transaction held a lock this one needed for longer than {@code lock_timeout} (55P03). */
    LOCK_TIMEOUT,
    /**
     * A serialization failure (40001) or a deadlock (40P01): the transaction lost a race and may
     * simply run again; also what CockroachDB and YugabyteDB raise under contention.
     */
    LOST_RACE,
    /** A unique constraint refused a row a concurrent transaction inserted first (23505). */
    DUPLICATE;

    /** The kind of {@code failure}, if it is a database failure at all. */
    public static Optional<DatabaseFailure> of(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLTransientConnectionException) {
                return Optional.of(UNAVAILABLE);
            }
            if (t instanceof SQLException sql) {
                String state = sql.getSQLState();
                if (state == null) {
                    String message = String.valueOf(sql.getMessage()).toLowerCase(Locale.ROOT);
                    if (message.contains("acquisition timeout")) {
                        return Optional.of(BUSY);
                    }
                    continue;
                }
                if (state.startsWith("08") || state.startsWith("57P")) {
                    return Optional.of(UNAVAILABLE);
                }
                switch (state) {
                    case "57014":
                        return Optional.of(BUSY);
                    case "55P03":
                        return Optional.of(LOCK_TIMEOUT);
                    case "40001", "40P01":
                        return Optional.of(LOST_RACE);
                    case "23505":
                        return Optional.of(DUPLICATE);
                    default:
                        return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
