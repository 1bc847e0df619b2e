package io.totpd;

import static io.totpd.support.PackagedApp.TOTP;
import static io.totpd.support.PackagedApp.connect;
import static io.totpd.support.PackagedApp.launch;
import static io.totpd.support.PackagedApp.randomKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.totpd.dev.EmbeddedDatabase;
import io.totpd.support.PackagedApp;
import io.totpd.support.SeededFactors;
import io.totpd.support.PackagedApp.ActiveUser;
import io.totpd.support.Threads;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.lang.System.Logger.Level;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two instances of the package against one PostgreSQL, as Kubernetes runs them: they must never
 * disagree, about a used code, a failure count, or a key rotation in progress.
 */
class ReplicasIT {

    private static final System.Logger LOG = System.getLogger(ReplicasIT.class.getName());
    private static final int ROTATED_USERS = 4_000;
    private static final String OLD_KEY = randomKey("k1");
    private static final String NEW_KEY = randomKey("k2");

    private static EmbeddedPostgres postgres;
    private static volatile PackagedApp a;
    private static volatile PackagedApp b;
    /** The replica being replaced, which the "Service" no longer routes to, as Kubernetes does on termination. */
    private static volatile PackagedApp draining;
    private static final Map<String, byte[]> rotatedUsers = new HashMap<>();

    @BeforeAll
    static void startTwoReplicas() throws Exception {
        postgres = EmbeddedDatabase.startEphemeral();
        a = launch(environment(OLD_KEY));
        b = launch(environment(OLD_KEY));
        a.awaitReady();
        b.awaitReady();
        insertFactorsUnderTheOldKey();
    }

    @AfterAll
    static void stop() throws Exception {
        PackagedApp.stopAll(postgres, a, b);
    }

    private static Map<String, String> environment(String keys) {
        Map<String, String> env = new HashMap<>(PackagedApp.datasource(postgres));
        env.put("TOTPD_ENCRYPTION_KEYS", keys);
        env.put("TOTPD_ENCRYPTION_ROTATION_INTERVAL", "1s");
        env.put("TOTPD_ENCRYPTION_ROTATION_BATCH", "10");
        return env;
    }

    @Test
    void fortySimultaneousVerifiesOfOneCodeOnTwoReplicasAcceptExactlyOne() throws Exception {
        ActiveUser user = a.newActiveUser();
        String body = user.verifyBody(1);
        ExecutorService pool = Executors.newFixedThreadPool(40);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                PackagedApp replica = i % 2 == 0 ? a : b;
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await();
                        return replica.send("/verify", body).statusCode();
                    } catch (Exception e) {
                        return -1;
                    }
                }, pool));
            }
            start.countDown();
            Map<Integer, Long> statuses = answers.stream().map(CompletableFuture::join)
                    .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
            assertEquals(Map.of(200, 1L, 422, 39L), statuses);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void failureCountsAndLocksAreShared() throws Exception {
        ActiveUser user = a.newActiveUser();
        String wrong = "{\"userId\":\"" + user.userId() + "\",\"code\":\"" + wrongCode(user) + "\"}";
        for (int i = 0; i < 5; i++) {
            (i % 2 == 0 ? a : b).post("/verify", wrong, 422);
        }
        a.post("/verify", user.verifyBody(1), 429);
        b.post("/verify", user.verifyBody(1), 429);
    }

    @Test
    void aRollingKeyRotationLosesNoVerification() throws Exception {
        List<String> users = new ArrayList<>(rotatedUsers.keySet());
        List<Long> observedRemaining = java.util.Collections.synchronizedList(new ArrayList<>());
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicBoolean rotated = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger verified = new java.util.concurrent.atomic.AtomicInteger();

        // Logins go on throughout, each to either replica, falling back to the other while one restarts.
        CompletableFuture<Void> logins = CompletableFuture.runAsync(() -> {
            try (Connection connection = connect(postgres)) {
                for (int i = 0; i < users.size() && !rotated.get(); i++) {
                    String userId = users.get(i);
                    String body = "{\"userId\":\"" + userId + "\",\"code\":\""
                            + TOTP.code(rotatedUsers.get(userId), TOTP.step(Instant.now())) + "\"}";
                    String outcome = verifyOnEither(body, i % 2 == 0);
                    if (outcome.equals("200")) {
                        verified.incrementAndGet();
                    } else {
                        failures.add(userId + " answered " + outcome);
                    }
                    if (i % 50 == 0) {
                        observedRemaining.add(onOldKey(connection));
                    }
                }
            } catch (SQLException e) {
                failures.add(e.toString());
            }
        }, Threads.ONE_PER_TASK);

        // Two rollouts, as the README says: first every replica learns the new key (second, so nothing
        // changes yet), then the new key becomes the first and each replica's re-encryption job, running
        // every second on both at once, moves the rows. A replica never meets a key it does not know.
        for (String keys : new String[] {OLD_KEY + "," + NEW_KEY, NEW_KEY + "," + OLD_KEY}) {
            a = replace(a, keys);
            b = replace(b, keys);
        }
        try (Connection connection = connect(postgres)) {
            Instant deadline = Instant.now().plusSeconds(120);
            while (onOldKey(connection) > 0 && Instant.now().isBefore(deadline)) {
                Thread.sleep(200);
            }
            assertEquals(0, onOldKey(connection), "every row moved to the new key");
        }
        rotated.set(true);
        logins.join();

        LOG.log(Level.INFO, "Rolling key rotation on two replicas: {0} logins during it, {1} failed; rows on the old key, "
                + "sampled during the logins: {2}", verified.get(), failures.size(), observedRemaining);
        assertEquals(List.of(), failures);
        assertTrue(observedRemaining.stream().anyMatch(n -> n > 0 && n < ROTATED_USERS),
                "logins ran while the re-encryption was under way: " + observedRemaining);
        for (PackagedApp replica : new PackagedApp[] {a, b}) {
            Instant deadline = Instant.now().plusSeconds(30);
            while (!replica.getText("/q/metrics").contains("totpd_secrets_on_old_keys 0.0") && Instant.now().isBefore(deadline)) {
                Thread.sleep(200);
            }
            assertTrue(replica.getText("/q/metrics").contains("totpd_secrets_on_old_keys 0.0"), "the gauge reaches zero");
        }
    }

    /** Takes a replica out of routing, lets its requests finish (SIGTERM, graceful), starts its successor. */
    private static PackagedApp replace(PackagedApp replica, String keys) throws Exception {
        draining = replica;
        Thread.sleep(100);
        replica.stop();
        PackagedApp successor = launch(environment(keys)).awaitReady();
        draining = null;
        return successor;
    }

    /**
     * A /verify on one replica, or on the other while the first is being replaced, as a Kubernetes
     * Service routes it. A refused connection (the request never arrived) is retried elsewhere; any
     * other failure is reported, never retried, since a retry could turn one login into two.
     */
    private static String verifyOnEither(String body, boolean aFirst) {
        PackagedApp first = aFirst ? a : b;
        PackagedApp second = aFirst ? b : a;
        if (first == draining) {
            first = second;
        }
        List<String> errors = new ArrayList<>();
        for (PackagedApp replica : new PackagedApp[] {first, second, first}) {
            try {
                var response = replica.send("/verify", body);
                return response.statusCode() == 200 ? "200" : response.statusCode() + " " + response.body() + " " + errors;
            } catch (java.net.ConnectException refused) {
                errors.add(refused.toString());
            } catch (java.io.IOException | InterruptedException e) {
                return "no answer: " + e + " " + errors;
            }
        }
        return "no replica: " + errors;
    }

    /** Active factors written as the older deployment would have, so that there is much to rotate. */
    private static void insertFactorsUnderTheOldKey() throws SQLException {
        List<String> userIds = new ArrayList<>();
        for (int i = 0; i < ROTATED_USERS; i++) {
            userIds.add("rotated-" + i);
        }
        try (Connection connection = connect(postgres)) {
            rotatedUsers.putAll(SeededFactors.insert(connection, OLD_KEY, "it", userIds, TOTP.step(Instant.now()) - 10));
        }
    }

    private static long onOldKey(Connection connection) throws SQLException {
        try (ResultSet count = connection.createStatement().executeQuery("SELECT count(*) FROM authenticator WHERE secret_key_id = 'k1'")) {
            count.next();
            return count.getLong(1);
        }
    }

    private static String wrongCode(ActiveUser user) {
        List<String> near = new ArrayList<>();
        for (int offset = -3; offset <= 5; offset++) {
            near.add(TOTP.code(user.secret(), user.activationStep() + offset));
        }
        for (int candidate = 0; ; candidate++) {
            String code = String.format("%06d", candidate);
            if (!near.contains(code)) {
                return code;
            }
        }
    }
}
