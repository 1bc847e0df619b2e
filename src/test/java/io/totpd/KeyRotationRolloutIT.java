package io.totpd;

import static io.totpd.support.PackagedApp.connect;
import static io.totpd.support.PackagedApp.launch;
import static io.totpd.support.PackagedApp.randomKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.totpd.dev.EmbeddedDatabase;
import io.totpd.support.PackagedApp;
import io.totpd.support.SeededFactors;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Step 2 of the README's key rotation on two packaged replicas, rotating every second: while one has
 * {@code k1,k2} and the other {@code k2,k1}, no row moves; once both have {@code k2,k1}, every row
 * moves to k2; a replica killed without a goodbye stops holding the others back when its heartbeat
 * expires.
 */
class KeyRotationRolloutIT {

    private static final System.Logger LOG = System.getLogger(KeyRotationRolloutIT.class.getName());
    private static final String K1 = randomKey("k1");
    private static final String K2 = randomKey("k2");
    private static final int ROWS_PER_KEY = 100;

    private static EmbeddedPostgres postgres;
    private static final List<PackagedApp> started = new ArrayList<>();

    @BeforeAll
    static void startDatabase() {
        postgres = EmbeddedDatabase.startEphemeral();
    }

    @AfterAll
    static void stop() throws Exception {
        for (PackagedApp app : started) {
            if (app.process().isAlive()) {
                app.stop();
            }
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void aRolloutOfTheKeyOrderMovesNothingUntilEveryReplicaHasIt() throws Exception {
        PackagedApp a = start(K1 + "," + K2);
        PackagedApp b = start(K2 + "," + K1);
        insertFactors(K1, ROWS_PER_KEY);
        insertFactors(K2, ROWS_PER_KEY);

        // Eight rotation intervals of a half-done rollout: each replica would move the other's rows back.
        Map<String, Long> before = rowsByKey();
        List<Map<String, Long>> samples = new ArrayList<>();
        Instant end = Instant.now().plusSeconds(8);
        while (Instant.now().isBefore(end)) {
            Thread.sleep(500);
            samples.add(rowsByKey());
        }
        assertEquals(Map.of("k1", (long) ROWS_PER_KEY, "k2", (long) ROWS_PER_KEY), before);
        for (Map<String, Long> sample : samples) {
            assertEquals(before, sample, "no row moved while the replicas disagree on the first key: " + samples);
        }
        for (PackagedApp replica : List.of(a, b)) {
            assertEquals(1, occurrences(replica.output(), "rollout is in progress"), "said once, not every second:\n"
                    + replica.output());
        }

        // The rollout finishes: the k1,k2 replica is stopped (SIGTERM) and its successor has k2,k1.
        a.stop();
        Instant replaced = Instant.now();
        a = start(K2 + "," + K1);
        assertWithin(Duration.ofSeconds(60), () -> rowsByKey().getOrDefault("k1", 0L) == 0, "every row moves to k2");
        Duration converged = Duration.between(replaced, Instant.now());
        for (PackagedApp replica : List.of(a, b)) {
            PackagedApp r = replica;
            assertWithin(Duration.ofSeconds(10), () -> gauge(r, "totpd_secrets_on_old_keys") == 0, "the gauge reaches 0");
        }
        assertEquals(Map.of("k2", 2L * ROWS_PER_KEY), rowsByKey());

        // A replica with the old order joins, then dies without deleting its heartbeat.
        PackagedApp late = start(K1 + "," + K2);
        insertFactors(K1, 50);
        Thread.sleep(4_000);
        assertEquals(50L, rowsByKey().get("k1"), "nothing moves while a live replica encrypts with k1");
        late.process().destroyForcibly().waitFor();
        Instant killed = Instant.now();
        assertEquals(1L, membersWithPrimary("k1"), "a killed replica leaves its heartbeat behind");
        Instant leaseEnds = leaseEnd("k1");
        assertWithin(Duration.ofSeconds(30), () -> rowsByKey().getOrDefault("k1", 0L) == 0,
                "rotation resumes once the killed replica's heartbeat expires");
        Instant moved = Instant.now();
        Duration resumed = Duration.between(killed, moved);

        LOG.log(Level.INFO, "Key order rollout on two replicas: {0} rows unchanged over {1} samples in 8 s; converged to k2 "
                + "{2} ms after the last replica was replaced; after a SIGKILL, 50 rows moved within {3} ms",
                2 * ROWS_PER_KEY, samples.size(), converged.toMillis(), resumed.toMillis());
        // Its last heartbeat may be up to one rotation interval (and a busy scheduler) older than the kill,
        // so the lease it left, not a fixed time after the kill, is what the others must wait for.
        assertFalse(moved.isBefore(leaseEnds), "held back until the heartbeat expired at " + leaseEnds + ", moved " + resumed
                + " after the kill");
    }

    private static PackagedApp start(String keys) throws Exception {
        Map<String, String> env = new HashMap<>(PackagedApp.datasource(postgres));
        env.put("TOTPD_ENCRYPTION_KEYS", keys);
        env.put("TOTPD_ENCRYPTION_ROTATION_INTERVAL", "1s");
        env.put("TOTPD_ENCRYPTION_ROTATION_BATCH", "10");
        PackagedApp app = launch(env);
        started.add(app);
        return app.awaitReady();
    }

    private static void insertFactors(String key, int count) throws SQLException {
        List<String> userIds = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            userIds.add("rollout-" + UUID.randomUUID());
        }
        try (Connection connection = connect(postgres)) {
            SeededFactors.insert(connection, key, "it", userIds, 0);
        }
    }

    private static Map<String, Long> rowsByKey() {
        Map<String, Long> rows = new HashMap<>();
        try (Connection connection = connect(postgres);
                ResultSet count = connection.createStatement().executeQuery(
                        "SELECT a.secret_key_id, count(*) FROM authenticator a JOIN user_account u ON u.id = a.user_account_id "
                                + "WHERE u.user_id LIKE 'rollout-%' GROUP BY a.secret_key_id")) {
            while (count.next()) {
                rows.put(count.getString(1), count.getLong(2));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return rows;
    }

    /** When the lease of the replica with this first key ends, by the database's clock (this machine's). */
    private static Instant leaseEnd(String keyId) throws SQLException {
        try (Connection connection = connect(postgres);
                PreparedStatement select = connection.prepareStatement(
                        "SELECT max(expires_at) FROM key_ring_member WHERE primary_key_id = ?")) {
            select.setString(1, keyId);
            try (ResultSet row = select.executeQuery()) {
                row.next();
                return row.getObject(1, java.time.OffsetDateTime.class).toInstant();
            }
        }
    }

    private static long membersWithPrimary(String keyId) throws SQLException {
        try (Connection connection = connect(postgres);
                PreparedStatement select = connection.prepareStatement(
                        "SELECT count(*) FROM key_ring_member WHERE primary_key_id = ?")) {
            select.setString(1, keyId);
            try (ResultSet count = select.executeQuery()) {
                count.next();
                return count.getLong(1);
            }
        }
    }

    private static double gauge(PackagedApp app, String name) {
        try {
            for (String line : app.getText("/q/metrics").split("\n")) {
                if (line.startsWith(name + " ")) {
                    return Double.parseDouble(line.substring(name.length() + 1));
                }
            }
            return -1;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static int occurrences(String text, String phrase) {
        int count = 0;
        for (int at = text.indexOf(phrase); at >= 0; at = text.indexOf(phrase, at + 1)) {
            count++;
        }
        return count;
    }

    private static void assertWithin(Duration limit, BooleanSupplier condition, String what) throws InterruptedException {
        Instant deadline = Instant.now().plus(limit);
        while (!condition.getAsBoolean()) {
            assertTrue(Instant.now().isBefore(deadline), what + " within " + limit.toSeconds() + " s; rows by key: " + rowsByKey());
            Thread.sleep(100);
        }
    }
}
