package io.totpd.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.totpd.dev.EmbeddedDatabase;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * Migration V7 turns an existing audit trail into monthly partitions: every event kept as it was,
 * with its id, in the partition of its month, and ids carry on after the last one ever given.
 */
class AuditMigrationTest {

    @Test
    void everyEventIsKeptWithItsIdInThePartitionOfItsMonth() throws Exception {
        try (EmbeddedPostgres postgres = EmbeddedDatabase.startEphemeral()) {
            DataSource database = postgres.getPostgresDatabase();
            Flyway.configure().dataSource(database).target("6").load().migrate();
            List<String> before;
            long lastGiven;
            try (Connection connection = database.getConnection(); Statement statement = connection.createStatement()) {
                // Fourteen months of events, every six hours, two tenants, some about an authenticator,
                // and a tenant-wide one with no user; then ids drawn by inserts that rolled back.
                statement.execute("""
                        INSERT INTO audit_event (tenant, user_id, type, method, caller, request_id, occurred_at, authenticator_id)
                        SELECT CASE WHEN n % 2 = 0 THEN 'acme' ELSE 'rival' END, 'user-' || (n % 50), 'VERIFIED', 'totp',
                               'portal', 'request-' || n, now() - n * interval '6 hours',
                               CASE WHEN n % 3 = 0 THEN gen_random_uuid() END
                          FROM generate_series(1, 1700) AS n;
                        INSERT INTO audit_event (tenant, user_id, type, caller, request_id, occurred_at)
                        VALUES ('acme', NULL, 'EXPORT', 'migrator', 'request-export', now());
                        SELECT nextval('audit_event_id_seq') FROM generate_series(1, 10);""");
                before = rows(statement);
                lastGiven = single(statement, "SELECT last_value FROM audit_event_id_seq");
            }

            Flyway.configure().dataSource(database).load().migrate();

            try (Connection connection = database.getConnection(); Statement statement = connection.createStatement()) {
                assertEquals(before, rows(statement), "every event, as it was");
                assertEquals(0, single(statement, "SELECT count(*) FROM audit_event_default"));
                assertEquals(0, single(statement, """
                        SELECT count(*) FROM audit_event
                         WHERE tableoid::regclass::text <> 'audit_event_' || to_char(occurred_at AT TIME ZONE 'UTC', 'YYYYMM') || '01'"""));
                assertTrue(single(statement, """
                        SELECT count(*) FROM pg_inherits WHERE inhparent = 'audit_event'::regclass""") >= 16,
                        "fifteen months of events and the next month, and the default partition");
                assertTrue(single(statement, """
                        INSERT INTO audit_event (tenant, user_id, type, caller, request_id, occurred_at)
                        VALUES ('acme', 'user-1', 'VERIFIED', 'portal', 'after', now()) RETURNING id""") > lastGiven);
                assertEquals(0, single(statement, "SELECT count(*) FROM pg_class WHERE relname LIKE 'audit_event_v6%'"));
            }
        }
    }

    private static List<String> rows(Statement statement) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (ResultSet row = statement.executeQuery("""
                SELECT id, tenant, user_id, type, method, caller, request_id, occurred_at, authenticator_id
                  FROM audit_event ORDER BY id""")) {
            while (row.next()) {
                StringBuilder line = new StringBuilder();
                for (int i = 1; i <= 9; i++) {
                    line.append(row.getString(i)).append('|');
                }
                rows.add(line.toString());
            }
        }
        return rows;
    }

    private static long single(Statement statement, String sql) throws SQLException {
        try (ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }
}
