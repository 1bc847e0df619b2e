package io.totpd.support;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * Schema changes a test makes to the shared database (triggers that inject faults, and their removal).
 *
 * <p>They run through the service's pool, whose connections carry the service's short lock and
 * statement timeouts (1 s and 1.5 s, {@code new-connection-sql}). DDL takes a table lock that waits for
 * every open transaction on the table, and the background work of the running service (webhook
 * senders reading the audit trail, partition jobs) holds such transactions now and then: under a
 * loaded CI machine that wait outlasted the service's timeouts and failed tests in their set-up or
 * clean-up. Here the wait is bounded by 30 s instead, in one transaction, so a change is made whole or
 * not at all.
 */
public final class Ddl {

    /** pgjdbc's "This connection has been closed." */
    private static final String CONNECTION_CLOSED = "08003";

    private Ddl() {
    }

    /**
     * Runs {@code sql} (one or more statements separated by semicolons) in one transaction. A pooled
     * connection that the pool closes under it (the pool discards one whose commit failed, which the
     * fault-injecting tests cause on purpose, and may hand it out first) is not the change's failure:
     * it is made once more, on another connection.
     *
     * @throws SQLException when a statement fails or its lock is not granted within 30 s
     */
    public static void execute(DataSource database, String sql) throws SQLException {
        try {
            executeOnce(database, sql);
        } catch (SQLException e) {
            if (!CONNECTION_CLOSED.equals(e.getSQLState())) {
                throw e;
            }
            executeOnce(database, sql);
        }
    }

    private static void executeOnce(DataSource database, String sql) throws SQLException {
        try (Connection connection = database.getConnection(); Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            try {
                statement.execute("SET LOCAL lock_timeout = '30s'; SET LOCAL statement_timeout = '60s'");
                statement.execute(sql);
                connection.commit();
            } catch (SQLException e) {
                if (!connection.isClosed()) {
                    connection.rollback();
                }
                throw e;
            }
            try {
                connection.setAutoCommit(true);
            } catch (SQLException closedAfterCommit) {
                // Committed: a connection closed since then is the pool's to discard, not a failure here.
            }
        }
    }
}
