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

    private Ddl() {
    }

    /**
     * Runs {@code sql} (one or more statements separated by semicolons) in one transaction.
     *
     * @throws SQLException when a statement fails or its lock is not granted within 30 s
     */
    public static void execute(DataSource database, String sql) throws SQLException {
        try (Connection connection = database.getConnection(); Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            try {
                statement.execute("SET LOCAL lock_timeout = '30s'; SET LOCAL statement_timeout = '60s'");
                statement.execute(sql);
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            } finally {
                connection.setAutoCommit(true);
            }
        }
    }
}
