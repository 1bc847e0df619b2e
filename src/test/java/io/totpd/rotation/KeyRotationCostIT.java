package io.totpd.rotation;

import static io.totpd.support.PackagedApp.datasource;
import static io.totpd.support.PackagedApp.launch;
import static io.totpd.support.PackagedApp.randomKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.totpd.dev.EmbeddedDatabase;
import io.totpd.support.PackagedApp;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Key rotation runs every interval on every replica; in steady state, every secret on the first key,
 * a run must cost nothing like the size of the table. With 200,000 authenticators and a run every
 * second, the job reads no row of the table: its count and its walk are ranges of an index that
 * hold no entry.
 */
class KeyRotationCostIT {

    private static final int ROWS = 200_000;

    private static EmbeddedPostgres postgres;
    private static PackagedApp app;

    @AfterAll
    static void stop() throws Exception {
        PackagedApp.stopAll(postgres, app);
    }

    @Test
    void aRunInSteadyStateReadsNoRowOfTheTable() throws Exception {
        postgres = EmbeddedDatabase.startEphemeral();
        String key = randomKey("k1");
        Map<String, String> environment = new HashMap<>(datasource(postgres));
        environment.put("TOTPD_ENCRYPTION_KEYS", key);
        environment.put("TOTPD_ENCRYPTION_ROTATION_INTERVAL", "1s");
        app = launch(environment).awaitReady();
        try (Connection connection = PackagedApp.connect(postgres); Statement sql = connection.createStatement()) {
            // Rows as the package writes them, all under the first key; their ciphertexts are never opened.
            sql.execute("""
                    INSERT INTO user_account (id, tenant, user_id, state, created_at)
                    SELECT md5('u' || g)::uuid, 'it', 'cost-' || g, 'ACTIVE', now() FROM generate_series(1, %1$d) g;
                    INSERT INTO authenticator (id, user_account_id, name, state, algorithm, digits, period_seconds,
                                               secret_key_id, secret_ciphertext, created_at, activated_at)
                    SELECT md5('a' || g)::uuid, md5('u' || g)::uuid, 'Authenticator', 'ACTIVE', 'SHA1', 6, 30,
                           'k1', '\\x00', now(), now() FROM generate_series(1, %1$d) g;
                    ANALYZE authenticator;""".formatted(ROWS));
            long[] before = reads(sql);
            // Five runs of the job, and time for the server to publish what they read.
            Thread.sleep(6_000);
            long[] after = reads(sql);
            assertTrue(after[2] >= before[2] + 3, "the job ran: authenticator index scans " + before[2] + " -> " + after[2]);
            assertEquals(before[0], after[0], "rows of authenticator read by sequential scans");
            assertTrue(after[1] - before[1] < 100, "rows of authenticator read through indexes: " + (after[1] - before[1]));
        }
    }

    /** Rows read by sequential scans, rows read through indexes, and index scans, of table authenticator. */
    private static long[] reads(Statement sql) throws Exception {
        sql.execute("SELECT pg_stat_clear_snapshot()");
        try (ResultSet row = sql.executeQuery("""
                SELECT seq_tup_read, coalesce(idx_tup_fetch, 0), coalesce(idx_scan, 0)
                  FROM pg_stat_user_tables WHERE relname = 'authenticator'""")) {
            row.next();
            return new long[] {row.getLong(1), row.getLong(2), row.getLong(3)};
        }
    }
}
