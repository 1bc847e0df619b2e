package io.totpd;

import static io.totpd.support.PackagedApp.TOTP;
import static io.totpd.support.PackagedApp.connect;
import static io.totpd.support.PackagedApp.launch;
import static io.totpd.support.PackagedApp.randomKey;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.totpd.dev.EmbeddedDatabase;
import io.totpd.otp.Base32;
import io.totpd.support.PackagedApp;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.lang.System.Logger.Level;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every pair of lifecycle calls, fired at one user from several threads at once on two packaged
 * replicas, again and again (REQUIREMENTS 26). Whatever the interleaving, the answers must agree with
 * what the database holds afterwards: no 5xx; one audit event per change, and one change per 2xx
 * answer; the events, in the order they committed, make a history in which each change was allowed
 * (nothing is activated without an enrollment, no code is accepted for a deleted user); and that
 * history ends in the state the tables show.
 */
class LifecycleRaceIT {

    private static final System.Logger LOG = System.getLogger(LifecycleRaceIT.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    /** Calls of each of the two operations per round. */
    private static final int THREADS_PER_OPERATION = 3;
    private static final int REPEATS = 2;

    private static EmbeddedPostgres postgres;
    private static PackagedApp a;
    private static PackagedApp b;

    enum Operation {
        ENROLL, REPLACE, ACTIVATE, DELETE, REGENERATE, VERIFY, RECOVER
    }

    /** What the test knows of one user's secrets and backup codes, as the racing calls learn it. */
    private static final class Known {
        final AtomicReference<byte[]> pending = new AtomicReference<>();
        final AtomicReference<byte[]> active = new AtomicReference<>();
        final AtomicReference<List<String>> backupCodes = new AtomicReference<>(List.of());
        final AtomicInteger nextBackupCode = new AtomicInteger();
    }

    private record Answer(Operation operation, int status, String body) {
    }

    @BeforeAll
    static void startTwoReplicas() throws Exception {
        postgres = EmbeddedDatabase.startEphemeral();
        Map<String, String> env = new HashMap<>(PackagedApp.datasource(postgres));
        env.put("TOTPD_ENCRYPTION_KEYS", randomKey("k1"));
        // This test is about correctness under races, not capacity: no call may be turned away for it,
        // by the hashing bound or by a lock wait that a loaded machine stretches past the usual second.
        env.put("TOTPD_BACKUP_CODES_HASH_WAIT", "60s");
        env.put("QUARKUS_DATASOURCE_JDBC_NEW_CONNECTION_SQL", "SET lock_timeout = '20s'; SET statement_timeout = '25s'");
        env.put("QUARKUS_DATASOURCE_JDBC_ADDITIONAL_JDBC_PROPERTIES_SOCKETTIMEOUT", "30");
        a = launch(env);
        b = launch(env);
        a.awaitReady();
        b.awaitReady();
    }

    @AfterAll
    static void stop() throws Exception {
        PackagedApp.stopAll(postgres, a, b);
    }

    @Test
    void everyPairOfLifecycleCallsRacingOnOneUserAgreesWithTheFinalState() throws Exception {
        List<String> violations = Collections.synchronizedList(new ArrayList<>());
        Map<Integer, Integer> statuses = Collections.synchronizedMap(new java.util.TreeMap<>());
        int calls = 0;
        ExecutorService pool = Executors.newFixedThreadPool(2 * THREADS_PER_OPERATION);
        try {
            Operation[] operations = Operation.values();
            for (int repeat = 0; repeat < REPEATS; repeat++) {
                for (int i = 0; i < operations.length; i++) {
                    for (int j = i; j < operations.length; j++) {
                        List<Answer> answers = round(pool, operations[i], operations[j], violations);
                        answers.forEach(answer -> statuses.merge(answer.status(), 1, Integer::sum));
                        calls += answers.size();
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
        LOG.log(Level.INFO, "Lifecycle races: {0} racing calls on two replicas, answers by status {1}, {2} violations",
                calls, statuses, violations.size());
        assertEquals(List.of(), violations);
    }

    /** One user, set up active with a pending replacement; then two operations race on it. */
    private static List<Answer> round(ExecutorService pool, Operation first, Operation second, List<String> violations)
            throws Exception {
        String userId = "race-" + first + "-" + second + "-" + System.nanoTime();
        Known known = new Known();
        setUp(userId, known);
        long lastSetupEvent = lastEventId(userId);

        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<Answer>> futures = new ArrayList<>();
        for (int t = 0; t < 2 * THREADS_PER_OPERATION; t++) {
            Operation operation = t % 2 == 0 ? first : second;
            PackagedApp replica = (t / 2) % 2 == 0 ? a : b;
            futures.add(CompletableFuture.supplyAsync(() -> {
                try {
                    start.await();
                    return call(replica, operation, userId, known);
                } catch (Exception e) {
                    return new Answer(operation, -1, e.toString());
                }
            }, pool));
        }
        start.countDown();
        List<Answer> answers = futures.stream().map(CompletableFuture::join).toList();
        check(userId, first + " x " + second, answers, lastSetupEvent, violations);
        return answers;
    }

    private static void setUp(String userId, Known known) throws Exception {
        JsonNode enrollment = a.post("/enroll", "{\"userId\":\"" + userId + "\"}", 201);
        byte[] secret = Base32.decode(enrollment.get("secret").asText());
        JsonNode activation = a.post("/activate", codeBody(userId, secret, 0), 200);
        known.active.set(secret);
        known.backupCodes.set(texts(activation.get("backupCodes")));
        JsonNode replacement = a.post("/enroll", "{\"userId\":\"" + userId + "\",\"replace\":true}", 201);
        known.pending.set(Base32.decode(replacement.get("secret").asText()));
    }

    private static Answer call(PackagedApp replica, Operation operation, String userId, Known known) throws Exception {
        HttpResponse<String> response = switch (operation) {
            case ENROLL -> post(replica, "/enroll", "{\"userId\":\"" + userId + "\"}");
            case REPLACE -> post(replica, "/enroll", "{\"userId\":\"" + userId + "\",\"replace\":true}");
            case ACTIVATE -> {
                byte[] secret = known.pending.get();
                HttpResponse<String> activated = post(replica, "/activate", codeBody(userId, secret, 0));
                if (activated.statusCode() == 200) {
                    known.active.set(secret);
                }
                yield activated;
            }
            case DELETE -> send(replica, HttpRequest.newBuilder(replica.uri("/users/" + userId)).DELETE());
            case REGENERATE -> send(replica, HttpRequest.newBuilder(replica.uri("/users/" + userId + "/backup-codes"))
                    .POST(HttpRequest.BodyPublishers.noBody()));
            // The next step: the activation used the current one.
            case VERIFY -> post(replica, "/verify", codeBody(userId, known.active.get(), 1));
            case RECOVER -> {
                List<String> codes = known.backupCodes.get();
                String code = codes.get(known.nextBackupCode.getAndIncrement() % codes.size());
                yield post(replica, "/recover", "{\"userId\":\"" + userId + "\",\"backupCode\":\"" + code + "\"}");
            }
        };
        if (response.statusCode() == 200 && (operation == Operation.ACTIVATE || operation == Operation.REGENERATE)) {
            known.backupCodes.set(texts(JSON.readTree(response.body()).get("backupCodes")));
        }
        if (response.statusCode() == 201) {
            known.pending.set(Base32.decode(JSON.readTree(response.body()).get("secret").asText()));
        }
        return new Answer(operation, response.statusCode(), response.body());
    }

    /** The checks of one round; each failed one is added to {@code violations}. */
    private static void check(String userId, String round, List<Answer> answers, long lastSetupEvent, List<String> violations)
            throws SQLException {
        for (Answer answer : answers) {
            if (answer.status() < 200 || answer.status() >= 500) {
                violations.add(round + ": " + answer.operation() + " answered " + answer.status() + " " + answer.body());
            }
        }
        Map<Operation, Integer> successes = new EnumMap<>(Operation.class);
        answers.stream().filter(answer -> answer.status() / 100 == 2)
                .forEach(answer -> successes.merge(answer.operation() == Operation.REPLACE ? Operation.ENROLL : answer.operation(),
                        1, Integer::sum));

        History history = new History();
        Map<Operation, Integer> changes = new EnumMap<>(Operation.class);
        try (Connection connection = connect(postgres); PreparedStatement events = connection.prepareStatement(
                "SELECT id, type FROM audit_event WHERE tenant = 'it' AND user_id = ? ORDER BY id")) {
            events.setString(1, userId);
            try (ResultSet rows = events.executeQuery()) {
                while (rows.next()) {
                    String type = rows.getString(2);
                    String wrong = history.apply(type);
                    if (wrong != null) {
                        violations.add(round + ": event " + type + " (id " + rows.getLong(1) + ") " + wrong);
                    }
                    Operation change = changeOf(type);
                    if (change != null && rows.getLong(1) > lastSetupEvent) {
                        changes.merge(change, 1, Integer::sum);
                    }
                }
            }
            if (!changes.equals(successes)) {
                violations.add(round + ": 2xx answers " + successes + " but changes recorded " + changes);
            }
            String tables = tableState(connection, userId);
            if (!tables.equals(history.state())) {
                violations.add(round + ": the events end in " + history.state() + " but the tables hold " + tables);
            }
        }
    }

    /** The operation whose 2xx answer an event records, if it records a change. */
    private static Operation changeOf(String eventType) {
        return switch (eventType) {
            case "ENROLLED" -> Operation.ENROLL;
            case "ACTIVATED", "REPLACED" -> Operation.ACTIVATE;
            case "DELETED" -> Operation.DELETE;
            case "BACKUP_CODES_REGENERATED" -> Operation.REGENERATE;
            case "VERIFIED" -> Operation.VERIFY;
            case "RECOVERED" -> Operation.RECOVER;
            default -> null;
        };
    }

    /** The user's history replayed from its events: the factor and whether an enrollment is pending. */
    private static final class History {
        private String factor = "none";
        private boolean pending;

        /** Applies one event; says what is wrong with it, or null. */
        String apply(String type) {
            switch (type) {
                case "ENROLLED" -> pending = true;
                case "ACTIVATED", "REPLACED" -> {
                    if (!pending || type.equals("ACTIVATED") != factor.equals("none")) {
                        return "with factor " + factor + " and pending " + pending;
                    }
                    factor = "ACTIVE";
                    pending = false;
                }
                case "DELETED" -> {
                    if (factor.equals("none") && !pending) {
                        return "deleted a user who had nothing";
                    }
                    factor = "none";
                    pending = false;
                }
                case "BACKUP_CODES_REGENERATED", "VERIFIED", "RECOVERED" -> {
                    if (!factor.equals("ACTIVE")) {
                        return "with factor " + factor;
                    }
                }
                case "DISABLED" -> factor = "DISABLED";
                default -> {
                }
            }
            return null;
        }

        String state() {
            return "factor " + factor + ", pending " + pending;
        }
    }

    private static String tableState(Connection connection, String userId) throws SQLException {
        String factor = "none";
        boolean pending;
        try (PreparedStatement read = connection.prepareStatement("""
                SELECT u.state FROM user_account u WHERE u.tenant = 'it' AND u.user_id = ?
                   AND EXISTS (SELECT 1 FROM authenticator a WHERE a.user_account_id = u.id AND a.state = 'ACTIVE')""")) {
            read.setString(1, userId);
            try (ResultSet row = read.executeQuery()) {
                if (row.next()) {
                    factor = row.getString(1);
                }
            }
        }
        try (PreparedStatement read = connection.prepareStatement("""
                SELECT 1 FROM authenticator a JOIN user_account u ON u.id = a.user_account_id
                 WHERE u.tenant = 'it' AND u.user_id = ? AND a.state = 'PENDING'""")) {
            read.setString(1, userId);
            try (ResultSet row = read.executeQuery()) {
                pending = row.next();
            }
        }
        return "factor " + factor + ", pending " + pending;
    }

    private static long lastEventId(String userId) throws SQLException {
        try (Connection connection = connect(postgres); PreparedStatement read = connection.prepareStatement(
                "SELECT coalesce(max(id), 0) FROM audit_event WHERE tenant = 'it' AND user_id = ?")) {
            read.setString(1, userId);
            try (ResultSet row = read.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }

    private static String codeBody(String userId, byte[] secret, int stepsAhead) {
        return "{\"userId\":\"" + userId + "\",\"code\":\"" + TOTP.code(secret, TOTP.step(Instant.now()) + stepsAhead) + "\"}";
    }

    private static List<String> texts(JsonNode array) {
        List<String> texts = new ArrayList<>();
        array.forEach(node -> texts.add(node.asText()));
        return texts;
    }

    private static HttpResponse<String> post(PackagedApp replica, String path, String body) throws Exception {
        return send(replica, HttpRequest.newBuilder(replica.uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private static HttpResponse<String> send(PackagedApp replica, HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.header("Authorization", "Bearer " + PackagedApp.API_KEY).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
