package io.totpd.webhook;

import static io.totpd.support.PackagedApp.TOTP;
import static io.totpd.support.PackagedApp.randomKey;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.totpd.dev.EmbeddedDatabase;
import io.totpd.otp.Base32;
import io.totpd.support.PackagedApp;
import io.totpd.support.WebhookReceiver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The "Done when" of issue 15: two packaged replicas, one killed with SIGKILL while delivering, and
 * still every event arrives, duplicates sharing one {@code webhook-id}.
 *
 * <p>Both replicas run the package on one embedded PostgreSQL, each with the same endpoint
 * ({@code receiver}, tenant {@code it}, the default events) but a different URL path, {@code /a} or
 * {@code /b}, so that the test's own HTTP receiver knows which replica sent each request. The receiver
 * records each request as it arrives and holds it {@link #HOLD} before answering 204, so deliveries are
 * in flight most of the time. {@value #USERS} users make 15 sent events each (and two audited but not
 * sent) through both replicas' APIs, requests alternating between them; then, while the receiver holds
 * several requests of one replica, the victim, its JVM is killed with SIGKILL (exit status 137). The
 * victim is whichever replica the receiver holds more requests of: one replica at a time sends an
 * endpoint's new events, and the other its retries, so a fixed choice would sometimes find nothing of
 * its own in flight. The victim's batch was held by its open transaction (the endpoint's lock, or the
 * rows' locks); its connection dies with it, so PostgreSQL releases them, and the survivor sends the
 * batch again from the cursor the victim never moved.
 *
 * <p>Then: the distinct {@code webhook-id}s received are exactly the subscribed events of the trail;
 * every request is signed with the endpoint's secret and is about the event its id names; an id that
 * arrived more than once came with the same bytes each time; each user's events first arrived in the
 * order of the trail; every request the victim had in flight at the kill (held with at least half its
 * hold to go, so that the victim cannot have had the answer) was sent again by the survivor under the
 * same id; and every row of {@code webhook_delivery} ends {@code delivered}.
 * The figures (events, duplicates, time from the kill to the last delivery) go to standard output.
 */
class WebhookReplicasIT {

    private static final int USERS = 20;
    /**
     * Half the timeout, so that attempts are answered in time unless the machine is very busy; long
     * enough to catch the victim with requests in flight.
     */
    private static final Duration HOLD = Duration.ofMillis(1000);
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final String SECRET = "whsec_" + Base64.getEncoder().encodeToString(randomBytes(32));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();


    private static EmbeddedPostgres postgres;
    private static Receiver receiver;
    private static PackagedApp a;
    private static PackagedApp b;

    @AfterAll
    static void stop() throws Exception {
        try {
            PackagedApp.stopAll(postgres, a, b);
        } finally {
            if (receiver != null) {
                receiver.stop();
            }
        }
    }

    @Test
    void everyEventArrivesWhenAReplicaIsKilledMidDeliveryAndDuplicatesShareTheirWebhookId() throws Exception {
        Instant testStart = Instant.now();
        postgres = EmbeddedDatabase.startEphemeral();
        receiver = new Receiver(HOLD);
        String encryptionKey = randomKey("k1");
        a = PackagedApp.launch(environment(encryptionKey, "/a"));
        b = PackagedApp.launch(environment(encryptionKey, "/b"));
        a.awaitReady();
        b.awaitReady();
        Instant ready = Instant.now();
        // destroyForcibly must reach the JVM itself, not a shell around it, or the JVM would live on.
        for (PackagedApp replica : new PackagedApp[] {a, b}) {
            String command = replica.process().info().command().orElse("");
            assertTrue(command.endsWith("/java"), "the replica's process is the JVM: " + command);
        }

        Instant eventsStart = Instant.now();
        Instant activated = makeEvents();
        Instant eventsMade = Instant.now();

        // Kill a replica while the receiver holds several of its requests, each far enough from its answer
        // that the replica cannot have learnt the outcome before it dies.
        Receiver.InFlight inFlight = receiver.awaitInFlight(3, Duration.ofMillis(500), Duration.ofSeconds(30));
        String victimPath = inFlight.path();
        String survivorPath = victimPath.equals("/a") ? "/b" : "/a";
        PackagedApp victim = victimPath.equals("/a") ? a : b;
        Set<String> inFlightAtKill = inFlight.ids();
        int sentBySurvivorBeforeKill = receiver.count(survivorPath);
        Instant killed = Instant.now();
        victim.process().destroyForcibly();
        assertTrue(victim.process().waitFor(10, TimeUnit.SECONDS), "the victim died");
        assertEquals(137, victim.process().exitValue(), "the victim was killed by SIGKILL (128 + 9)");
        int sentByVictim = receiver.count(victimPath);

        // The survivor takes over: the victim's locks go with its connection, then every queue drains.
        Set<String> expected;
        Map<String, String> typeOf = new HashMap<>();
        Map<String, String> userOf = new HashMap<>();
        Map<String, List<Long>> trailByUser = new TreeMap<>();
        int auditedNotSent;
        try (Connection connection = PackagedApp.connect(postgres); Statement sql = connection.createStatement()) {
            auditedNotSent = 0;
            expected = new TreeSet<>();
            try (ResultSet row = sql.executeQuery("SELECT id, type, user_id FROM audit_event WHERE tenant = 'it' ORDER BY id")) {
                while (row.next()) {
                    // The endpoint has the default events: all but code.verified.
                    String sentAs = SentAs.TYPES.get(row.getString(2).toLowerCase(java.util.Locale.ROOT));
                    if ("code.verified".equals(sentAs)) {
                        sentAs = null;
                    }
                    if (sentAs == null) {
                        auditedNotSent++;
                        continue;
                    }
                    String id = "msg_" + row.getLong(1);
                    expected.add(id);
                    typeOf.put(id, sentAs);
                    userOf.put(id, row.getString(3));
                    trailByUser.computeIfAbsent(row.getString(3), u -> new ArrayList<>()).add(row.getLong(1));
                }
            }
            assertEquals(USERS * 15, expected.size(), "the events the users' lives make for the endpoint");
            assertEquals(USERS * 2, auditedNotSent, "and those audited but not subscribed: a refused check and a sign-in each");
            Instant deadline = Instant.now().plusSeconds(60);
            while (Instant.now().isBefore(deadline) && !(receiver.ids().containsAll(expected) && pending(sql) == 0)) {
                Thread.sleep(100);
            }
            Instant allDelivered = Instant.now();
            // Room for a stray late request, which the checks below would then see.
            Thread.sleep(300);

            List<Received> received = receiver.all();
            assertEquals(expected, receiver.ids(), "the distinct webhook-ids received are exactly the subscribed events");
            assertEquals(0, pending(sql), "no delivery is left pending");
            try (ResultSet rows = sql.executeQuery("SELECT status, count(*) FROM webhook_delivery GROUP BY status")) {
                Map<String, Long> statuses = new HashMap<>();
                while (rows.next()) {
                    statuses.put(rows.getString(1), rows.getLong(2));
                }
                assertEquals(Map.of("delivered", (long) expected.size()), statuses, "every row of webhook_delivery ends delivered");
            }
            Set<String> rowIds = new TreeSet<>();
            try (ResultSet rows = sql.executeQuery("SELECT event_id, endpoint FROM webhook_delivery")) {
                while (rows.next()) {
                    rowIds.add("msg_" + rows.getLong(1));
                    assertEquals("receiver", rows.getString(2));
                }
            }
            assertEquals(expected, rowIds, "one row per subscribed event, no more");

            // Each request: signed with the endpoint's secret, about the event its id names.
            Map<String, byte[]> bodyOf = new HashMap<>();
            Map<String, List<String>> pathsOf = new HashMap<>();
            for (Received r : received) {
                assertTrue(WebhookReceiver.verifies(SECRET, r.id(), r.timestamp(), r.body(), r.signature()),
                        "signed: " + r.id() + " at " + r.path());
                JsonNode json = JSON.readTree(r.body());
                assertEquals(r.id(), "msg_" + json.get("data").get("eventId").asLong());
                assertEquals(typeOf.get(r.id()), json.get("type").asText(), r.id());
                assertEquals(userOf.get(r.id()), json.get("data").get("userId").asText(), r.id());
                byte[] first = bodyOf.putIfAbsent(r.id(), r.body());
                if (first != null) {
                    assertArrayEquals(first, r.body(), "a duplicate carries the same bytes: " + r.id());
                }
                pathsOf.computeIfAbsent(r.id(), id -> new ArrayList<>()).add(r.path());
            }

            // Per user, the first arrival of each event in the order of the trail: one at a time, in order.
            Map<String, List<Long>> firstArrivals = new TreeMap<>();
            Set<String> seen = new HashSet<>();
            for (Received r : received) {
                if (seen.add(r.id())) {
                    firstArrivals.computeIfAbsent(userOf.get(r.id()), u -> new ArrayList<>())
                            .add(Long.parseLong(r.id().substring("msg_".length())));
                }
            }
            assertEquals(trailByUser, firstArrivals, "each user's events first arrived in the order of the trail");

            // The kill was real: what the victim had in flight, it never finished; the survivor sent each again, same id.
            assertFalse(inFlightAtKill.isEmpty());
            for (String id : inFlightAtKill) {
                assertTrue(pathsOf.get(id).contains(survivorPath), "the survivor sent again what the victim had in flight at the kill: "
                        + id + " " + pathsOf.get(id));
            }
            assertEquals(sentByVictim, receiver.count(victimPath), "nothing arrived from the victim after its death");

            Map<String, List<String>> duplicates = pathsOf.entrySet().stream().filter(e -> e.getValue().size() > 1)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            long takenOver = duplicates.values().stream().filter(p -> p.get(0).equals(victimPath) && p.contains(survivorPath)).count();
            Instant firstResend = received.stream().filter(r -> r.path().equals(survivorPath) && inFlightAtKill.contains(r.id()))
                    .map(Received::at).min(Instant::compareTo).orElseThrow();
            System.out.println("WebhookReplicasIT: " + expected.size() + " events sent to the endpoint for " + USERS + " users ("
                    + auditedNotSent + " more audited but not subscribed), made in " + seconds(eventsStart, eventsMade) + " s (the activations in "
                    + seconds(eventsStart, activated) + " s), after the replicas were ready in " + seconds(testStart, ready) + " s; "
                    + received.size() + " requests received, " + (received.size() - expected.size()) + " of them duplicates, of "
                    + duplicates.size() + " webhook-ids (" + takenOver + " first sent by the victim, then by the survivor)");
            duplicates.keySet().removeAll(inFlightAtKill);
            System.out.println("WebhookReplicasIT: duplicates other than those the victim had in flight at the kill (requests "
                    + "held closer to their answer, or answered but not recorded, or a timeout on a busy machine): " + duplicates);
            System.out.println("WebhookReplicasIT: replica " + victimPath + " killed (SIGKILL) " + seconds(eventsMade, killed)
                    + " s after the last event was made, with " + inFlightAtKill.size() + " requests held with 0.5 s or more to go; "
                    + "before the kill it had sent " + sentByVictim + " requests, replica " + survivorPath + " " + sentBySurvivorBeforeKill
                    + "; the survivor sent the first of them again at +" + seconds(killed, firstResend)
                    + " s, all delivered at +" + seconds(killed, allDelivered) + " s; test took " + seconds(testStart, Instant.now()) + " s");
        }
    }

    /** The settings of one replica: one endpoint, {@code receiver}, at the receiver's {@code path}, for tenant "it". */
    private static Map<String, String> environment(String encryptionKey, String path) {
        Map<String, String> env = new HashMap<>(PackagedApp.datasource(postgres));
        env.put("TOTPD_ENCRYPTION_KEYS", encryptionKey);
        env.put("TOTPD_WEBHOOKS_RECEIVER_URL", "http://127.0.0.1:" + receiver.port() + path);
        env.put("TOTPD_WEBHOOKS_RECEIVER_TENANT", "it");
        env.put("TOTPD_WEBHOOKS_RECEIVER_SECRET", SECRET);
        env.put("TOTPD_WEBHOOKS_ALLOW_HTTP", "true");
        env.put("TOTPD_WEBHOOKS_TIMEOUT", TIMEOUT.toMillis() + "ms");
        env.put("TOTPD_WEBHOOKS_POLL", "100ms");
        // Should an attempt time out on this busy machine, its retry comes soon rather than in 5 s.
        env.put("TOTPD_WEBHOOKS_RETRY_DELAY", "1s");
        // Four activations at once may queue for Argon2id on two cores; waiting beats a 503 this test is not about.
        env.put("TOTPD_BACKUP_CODES_HASH_WAIT", "30s");
        return env;
    }

    /**
     * Each user's life through both replicas, requests alternating between them, six users at a time:
     * 15 events each for the endpoint (added, activated, a replay, five rejected codes and the lock,
     * unlock, suspend, resume, a second authenticator added, renamed and removed), and two audited but
     * not sent (a check refused while locked, a sign-in, which {@code *} leaves out). First every user's
     * activation, which costs ten Argon2id hashes, then the rest of every life, which is cheap: so every
     * user's queue starts early, and its last event is sent soon after the last one is made.
     */
    private static Instant makeEvents() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<User>> started = new ArrayList<>();
            for (int i = 0; i < USERS; i++) {
                String userId = "killed-" + i;
                started.add(pool.submit(() -> activeUser(userId)));
            }
            List<Future<?>> lives = new ArrayList<>();
            for (Future<User> user : started) {
                User active = user.get(90, TimeUnit.SECONDS);
                lives.add(pool.submit(() -> {
                    restOfLife(active);
                    return null;
                }));
            }
            Instant activated = Instant.now();
            for (Future<?> life : lives) {
                life.get(60, TimeUnit.SECONDS);
            }
            return activated;
        } finally {
            pool.shutdownNow();
        }
    }

    /** A user and its phone's secret; {@code step} was used by the activation; {@code turn} picks the next replica. */
    private record User(String userId, byte[] secret, long step, AtomicInteger turn) {

        JsonNode post(String path, String body, int expectedStatus) throws Exception {
            return replica().post(path, body, expectedStatus);
        }

        PackagedApp replica() {
            return next(turn);
        }

        /** The start of a /verify body. */
        String json() {
            return "{\"userId\":\"" + userId + "\"";
        }
    }

    /** Replica a and replica b in turns. */
    private static PackagedApp next(AtomicInteger turn) {
        return turn.getAndIncrement() % 2 == 0 ? a : b;
    }

    /** Enrolled, activated, and the activation's code tried again: a replay. */
    private static User activeUser(String userId) throws Exception {
        AtomicInteger turn = new AtomicInteger();
        byte[] secret = Base32.decode(next(turn).post("/enroll", "{\"userId\":\"" + userId + "\"}", 201).get("secret").asText());
        long step = TOTP.step(Instant.now());
        User user = new User(userId, secret, step, turn);
        String activation = user.json() + ",\"code\":\"" + TOTP.code(secret, step) + "\"}";
        user.post("/activate", activation, 200);
        user.post("/verify", activation, 422);
        return user;
    }

    private static void restOfLife(User user) throws Exception {
        long now = TOTP.step(Instant.now());
        String wrong = user.json() + ",\"code\":\"" + wrongCode(user.secret(), user.step(), now) + "\"}";
        for (int i = 0; i < 5; i++) {
            user.post("/verify", wrong, 422);
        }
        // A right code, refused while locked, accepted after the unlock: of the step after the activation's,
        // or of the present one if time has moved on since.
        String right = user.json() + ",\"code\":\"" + TOTP.code(user.secret(), Math.max(user.step() + 1, now)) + "\"}";
        user.post("/verify", right, 429);
        String path = "/users/" + user.userId();
        user.post(path + "/unlock", "", 200);
        user.post("/verify", right, 200);
        user.post(path + "/suspend", "", 200);
        user.post(path + "/resume", "", 200);
        String tablet = path + "/authenticators/" + user.post(path + "/authenticators", "{\"name\":\"Tablet\"}", 201)
                .get("authenticatorId").asText();
        HttpResponse<String> renamed = send(user.replica(), "PATCH", tablet, "{\"name\":\"Old tablet\"}");
        assertEquals(200, renamed.statusCode(), renamed.body());
        HttpResponse<String> removed = send(user.replica(), "DELETE", tablet, null);
        assertEquals(204, removed.statusCode(), removed.body());
    }

    /** A PATCH or DELETE as the caller "it", which {@link PackagedApp} has no helper for. */
    private static HttpResponse<String> send(PackagedApp replica, String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(replica.uri(path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + PackagedApp.API_KEY);
        if (body == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A code that none of the steps from a little before {@code from} to a little after {@code to} gives. */
    private static String wrongCode(byte[] secret, long from, long to) {
        Set<String> near = new HashSet<>();
        for (long s = from - 3; s <= to + 5; s++) {
            near.add(TOTP.code(secret, s));
        }
        for (int candidate = 0; ; candidate++) {
            String code = String.format(Locale.ROOT, "%06d", candidate);
            if (!near.contains(code)) {
                return code;
            }
        }
    }

    private static long pending(Statement sql) throws Exception {
        try (ResultSet count = sql.executeQuery("SELECT count(*) FROM webhook_delivery WHERE status = 'pending'")) {
            count.next();
            return count.getLong(1);
        }
    }

    private static String seconds(Instant from, Instant to) {
        return String.format(Locale.ROOT, "%.1f", Duration.between(from, to).toMillis() / 1000.0);
    }

    private static byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    /** One request as it arrived: the path tells the replica, {@code sequence} the order of arrival. */
    record Received(long sequence, String path, String id, String timestamp, String signature, byte[] body, Instant at) {
    }

    /**
     * A slow webhook receiver: records each request the moment its body is read (a real receiver may
     * act on an event whose answer never reaches the sender), holds it, then answers 204, or fails to
     * when the sender is gone. Knows which requests it is holding, by path.
     */
    static final class Receiver {

        private final HttpServer server;
        private final ExecutorService threads = Executors.newCachedThreadPool();
        private final Duration hold;
        private final AtomicLong sequence = new AtomicLong();
        private final List<Received> received = new CopyOnWriteArrayList<>();
        private final Map<Received, Boolean> holding = new ConcurrentHashMap<>();

        Receiver(Duration hold) throws IOException {
            this.hold = hold;
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
            server.createContext("/", this::handle);
            // A thread per request: every request of every replica is held at once.
            server.setExecutor(threads);
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        private void handle(HttpExchange exchange) throws IOException {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            var headers = exchange.getRequestHeaders();
            Received r;
            // One at a time, so that the sequence is also the order in the list.
            synchronized (received) {
                r = new Received(sequence.incrementAndGet(), exchange.getRequestURI().getPath(), headers.getFirst("webhook-id"),
                        headers.getFirst("webhook-timestamp"), headers.getFirst("webhook-signature"), body, Instant.now());
                received.add(r);
                holding.put(r, true);
            }
            try {
                Thread.sleep(hold.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            holding.remove(r);
            try {
                exchange.sendResponseHeaders(204, -1);
            } catch (IOException senderGone) {
                // A killed replica's connection: there is no one to answer.
            } finally {
                exchange.close();
            }
        }

        /** The webhook-ids of the requests held at one path. */
        record InFlight(String path, Set<String> ids) {
        }

        /**
         * Waits until at least {@code count} requests to one path are held with more than {@code margin}
         * of their hold left; answers those of the path with the most.
         */
        InFlight awaitInFlight(int count, Duration margin, Duration patience) throws InterruptedException {
            Instant deadline = Instant.now().plus(patience);
            while (Instant.now().isBefore(deadline)) {
                Instant youngerThan = Instant.now().minus(hold.minus(margin));
                Map<String, Set<String>> byPath = holding.keySet().stream().filter(r -> r.at().isAfter(youngerThan))
                        .collect(Collectors.groupingBy(Received::path, Collectors.mapping(Received::id, Collectors.toCollection(TreeSet::new))));
                var most = byPath.entrySet().stream().max(Map.Entry.comparingByValue((x, y) -> Integer.compare(x.size(), y.size())));
                if (most.isPresent() && most.get().getValue().size() >= count) {
                    return new InFlight(most.get().getKey(), most.get().getValue());
                }
                Thread.sleep(10);
            }
            throw new AssertionError("the receiver never held " + count + " requests of one replica at once");
        }

        List<Received> all() {
            return List.copyOf(received);
        }

        Set<String> ids() {
            return received.stream().map(Received::id).collect(Collectors.toCollection(TreeSet::new));
        }

        int count(String path) {
            return (int) received.stream().filter(r -> r.path().equals(path)).count();
        }

        void stop() {
            server.stop(0);
            threads.shutdownNow();
        }
    }
}
