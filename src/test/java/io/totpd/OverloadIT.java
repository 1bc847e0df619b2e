package io.totpd;

import static io.totpd.support.PackagedApp.TOTP;
import static io.totpd.support.PackagedApp.connect;
import static io.totpd.support.PackagedApp.randomKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.totpd.dev.EmbeddedDatabase;
import io.totpd.otp.Base32;
import io.totpd.support.Manifests;
import io.totpd.support.PackagedApp;
import io.totpd.support.SeededFactors;
import io.totpd.support.PackagedApp.ActiveUser;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.lang.System.Logger.Level;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package under more than it can do at once (REQUIREMENTS 24, 25, 28): it must degrade with 503
 * and Retry-After, never crash, never answer 500, and never outgrow the pod's memory.
 */
class OverloadIT {

    private static final System.Logger LOG = System.getLogger(OverloadIT.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = randomKey("k1");

    private static EmbeddedPostgres postgres;

    @BeforeAll
    static void startDatabase() {
        postgres = EmbeddedDatabase.startEphemeral();
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        postgres.close();
    }

    @Test
    void aBurstOfRecoveriesAndActivationsNeitherCrashesNorOutgrowsThePod() throws Exception {
        int limit = Manifests.memoryLimitMebibytes();
        Map<String, String> env = new HashMap<>(Manifests.jvmSettings());
        env.putAll(PackagedApp.datasource(postgres));
        env.put("TOTPD_ENCRYPTION_KEYS", KEY);
        PackagedApp app = PackagedApp.launchWithMemoryLimit(env, limit).awaitReady();
        try {
            // 50 users whose recoveries each cost an Argon2id hash (a wrong code of a user without
            // backup codes is hashed against the decoy), and 10 enrollments to activate with right codes.
            List<String> recovering = insertActiveUsers(50);
            Map<String, byte[]> enrolling = new HashMap<>();
            for (int i = 0; i < 10; i++) {
                String userId = "activating-" + i + "-" + System.nanoTime();
                JsonNode enrollment = app.post("/enroll", "{\"userId\":\"" + userId + "\"}", 201);
                enrolling.put(userId, Base32.decode(enrollment.get("secret").asText()));
            }
            List<Supplier<HttpResponse<String>>> burst = new ArrayList<>();
            recovering.forEach(userId -> burst.add(() -> send(app, "/recover",
                    "{\"userId\":\"" + userId + "\",\"backupCode\":\"0000-0000-0000\"}")));
            enrolling.forEach((userId, secret) -> burst.add(() -> send(app, "/activate",
                    "{\"userId\":\"" + userId + "\",\"code\":\"" + TOTP.code(secret, TOTP.step(Instant.now())) + "\"}")));

            Map<Integer, Integer> statuses = new TreeMap<>();
            for (HttpResponse<String> answer : atOnce(burst)) {
                statuses.merge(answer.statusCode(), 1, Integer::sum);
                assertTrue(answer.statusCode() / 100 == 2 || answer.statusCode() / 100 == 4 || isBusy(answer),
                        answer.statusCode() + " " + answer.body());
            }
            assertTrue(app.process().isAlive(), "the process is still up\n" + app.output());
            assertEquals(200, app.get("/q/health/live"));
            long peak = app.peakResidentMebibytes();
            LOG.log(Level.INFO, "Burst of 50 recoveries and 10 activations with the manifests'' JVM settings and a {0} MiB limit: "
                    + "answers {1}, peak RSS {2} MiB ({3} % of the limit); {4}", limit, statuses, peak, peak * 100 / limit,
                    app.output().lines().map(line -> line.replaceAll(".*(at most \\d+ hashes at once[^\"]*).*", "$1"))
                            .filter(line -> line.startsWith("at most")).findFirst().orElse("no bulkhead line in the log"));
            assertTrue(peak < limit * 0.85, "peak RSS " + peak + " MiB of a " + limit + " MiB limit");
            // What the burst refused was only delayed: the same activations work now.
            assertEquals(10, statuses.getOrDefault(200, 0) + countRetried(app, enrolling), "every activation succeeds once retried");
        } finally {
            app.stop();
        }
    }

    @Test
    void anExhaustedConnectionPoolAnswers503WithRetryAfterAndChangesNothing() throws Exception {
        Map<String, String> env = new HashMap<>(PackagedApp.datasource(postgres));
        env.put("TOTPD_ENCRYPTION_KEYS", KEY);
        env.put("QUARKUS_DATASOURCE_JDBC_MAX_SIZE", "2");
        env.put("QUARKUS_DATASOURCE_JDBC_ACQUISITION_TIMEOUT", "1S");
        PackagedApp app = PackagedApp.launch(env).awaitReady();
        try {
            ActiveUser user = app.newActiveUser();
            String body = user.verifyBody(1);
            Map<Integer, Integer> statuses = new TreeMap<>();
            // Another transaction holds the user's factor: the first checks wait on it with both of the
            // pool's connections, and the rest find no connection free.
            try (Connection connection = connect(postgres)) {
                connection.setAutoCommit(false);
                try (PreparedStatement lock = connection.prepareStatement(
                        "SELECT 1 FROM user_account WHERE tenant = 'it' AND user_id = ? FOR UPDATE")) {
                    lock.setString(1, user.userId());
                    lock.execute();
                }
                List<Supplier<HttpResponse<String>>> burst = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    burst.add(() -> send(app, "/verify", body));
                }
                for (HttpResponse<String> answer : atOnce(burst)) {
                    statuses.merge(answer.statusCode(), 1, Integer::sum);
                    String type = JSON.readTree(answer.body()).path("type").asText();
                    assertTrue(Set.of("urn:totpd:problem:conflict", "urn:totpd:problem:service-busy").contains(type),
                            answer.statusCode() + " " + answer.body());
                    assertTrue(answer.headers().firstValue("Retry-After").isPresent(), answer.body());
                }
                connection.rollback();
            }
            LOG.log(Level.INFO, "20 checks against a pool of 2 whose connections all wait on a lock: answers {0}", statuses);
            assertTrue(statuses.getOrDefault(503, 0) > 0, "some found the pool exhausted: " + statuses);
            // None of them consumed the code or counted a failure.
            app.post("/verify", body, 200);
        } finally {
            app.stop();
        }
    }

    private static boolean isBusy(HttpResponse<String> answer) {
        try {
            return answer.statusCode() == 503 && answer.headers().firstValue("Retry-After").isPresent()
                    && JSON.readTree(answer.body()).path("type").asText().startsWith("urn:totpd:problem:service-");
        } catch (Exception e) {
            return false;
        }
    }

    /** Activates again, one by one, the enrollments the burst turned away; returns how many succeeded. */
    private static int countRetried(PackagedApp app, Map<String, byte[]> enrolling) throws Exception {
        int activated = 0;
        for (Map.Entry<String, byte[]> user : enrolling.entrySet()) {
            HttpResponse<String> answer = send(app, "/activate", "{\"userId\":\"" + user.getKey() + "\",\"code\":\""
                    + TOTP.code(user.getValue(), TOTP.step(Instant.now())) + "\"}");
            if (answer.statusCode() == 200) {
                activated++;
            }
        }
        return activated;
    }

    private static List<HttpResponse<String>> atOnce(List<Supplier<HttpResponse<String>>> requests) {
        ExecutorService pool = Executors.newFixedThreadPool(requests.size());
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (Supplier<HttpResponse<String>> request : requests) {
                answers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return request.get();
                }, pool));
            }
            start.countDown();
            return answers.stream().map(CompletableFuture::join).toList();
        } finally {
            pool.shutdownNow();
        }
    }

    private static HttpResponse<String> send(PackagedApp app, String path, String body) {
        try {
            return app.send(path, body);
        } catch (Exception e) {
            throw new AssertionError("no answer from " + path + ": " + e, e);
        }
    }

    /** Active users of tenant "it", written straight into the table. */
    private static List<String> insertActiveUsers(int count) throws SQLException {
        List<String> userIds = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            userIds.add("recovering-" + i + "-" + System.nanoTime());
        }
        try (Connection connection = connect(postgres)) {
            SeededFactors.insert(connection, KEY, "it", userIds, 0);
        }
        return userIds;
    }
}
