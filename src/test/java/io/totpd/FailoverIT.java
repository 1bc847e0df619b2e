package io.totpd;

import static io.totpd.support.PackagedApp.TOTP;
import static io.totpd.support.PackagedApp.randomKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.totpd.dev.Ports;
import io.totpd.support.PackagedApp;
import io.totpd.support.PackagedApp.ActiveUser;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A hard failover of PostgreSQL in the middle of sign-ins, on a real pg_auto_failover formation (a
 * monitor and two PostgreSQL 15 nodes with synchronous replication, made by
 * {@code src/test/ha/cluster.sh}; Debian packages {@code postgresql-15-auto-failover} and
 * {@code pg-auto-failover-cli}, which {@code .ci/run} installs). Two replicas of the package, given
 * the multi-host URL with {@code targetServerType=primary}, must find the new primary by themselves,
 * answer 503 (never 500) while there is none, and never accept again a code they accepted before the
 * failure, not even when the old primary comes back.
 */
class FailoverIT {

    private static final Path SCRIPT = Path.of("src", "test", "ha", "cluster.sh").toAbsolutePath();
    private static final Path CLUSTER = Path.of("target", "failover-it").toAbsolutePath();
    private static final Path CLUSTER_LOG = Path.of("target", "failover-it-cluster.log").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Users who sign in before the failure, whose replay marks it must not lose. */
    private static final int USERS = 8;
    /** Users who first sign in after it, whose fresh codes show the moment sign-ins work again. */
    private static final int FRESH_USERS = 8;
    private static final int CLIENTS = 4;
    /** The bound on the 503s: they stop at most this long after the new primary takes writes. */
    private static final Duration GAP_AFTER_PROMOTION = Duration.ofSeconds(15);

    private static int monitorPort;
    private static int node1Port;
    private static int node2Port;
    private static PackagedApp a;
    private static PackagedApp b;

    @BeforeAll
    static void startFormationAndReplicas() throws Exception {
        try {
            new ProcessBuilder("pg_autoctl", "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        } catch (IOException e) {
            fail("pg_autoctl is not installed (Debian packages postgresql-15-auto-failover and "
                    + "pg-auto-failover-cli; .ci/run installs them)");
        }
        monitorPort = Ports.unused();
        node1Port = Ports.unused();
        node2Port = Ports.unused();
        Files.deleteIfExists(CLUSTER_LOG);
        // Also when Maven is interrupted and @AfterAll never runs: no PostgreSQL outlives the test.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                cluster(Duration.ofMinutes(1), "down", CLUSTER.toString());
            } catch (Exception | AssertionError e) {
                System.err.println("FailoverIT: cluster.sh down failed: " + e);
            }
        }, "failover-cluster-down"));
        cluster(Duration.ofMinutes(10), "up", CLUSTER.toString(), Integer.toString(monitorPort),
                Integer.toString(node1Port), Integer.toString(node2Port));
        Map<String, String> env = new HashMap<>();
        // What an operator sets: every node of the formation, and "connect only to the one that takes writes".
        env.put("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://127.0.0.1:" + node1Port + ",127.0.0.1:" + node2Port
                + "/totpd?targetServerType=primary");
        env.put("QUARKUS_DATASOURCE_USERNAME", "postgres");
        env.put("QUARKUS_DATASOURCE_PASSWORD", "unused-trust-authentication");
        env.put("TOTPD_ENCRYPTION_KEYS", randomKey("k1"));
        a = PackagedApp.launch(env);
        b = PackagedApp.launch(env);
        a.awaitReady();
        b.awaitReady();
    }

    @AfterAll
    static void stopEverything() throws Exception {
        try {
            PackagedApp.stopAll(null, a, b);
        } finally {
            cluster(Duration.ofMinutes(2), "down", CLUSTER.toString());
        }
    }

    @Test
    void aHardFailoverOfThePrimaryLosesNoUsedCodeAndHealsByItself() throws Exception {
        Instant testStart = Instant.now();
        assertSynchronous(node1Port, "node1, the first primary");

        List<ActiveUser> users = new ArrayList<>();
        List<ActiveUser> freshUsers = new ArrayList<>();
        for (int i = 0; i < USERS + FRESH_USERS; i++) {
            (i < USERS ? users : freshUsers).add((i % 2 == 0 ? a : b).newActiveUser());
        }
        Readiness readinessA = new Readiness(a);
        Readiness readinessB = new Readiness(b);
        Load load = new Load(users, freshUsers);
        Promotion promotion = new Promotion();
        Instant killed;
        try {
            // The primary dies right after every user signed in within the current time step, so that
            // those replay marks, the last it committed, can still be tested as replays after the failover
            // (a code is only ever checked within one step of its own).
            killed = killWhenEveryUserSignedInThisStep(load, users);
            load.addFreshUsers();
            System.out.println("FailoverIT: node1 (primary) killed with kill -9, keeper and postmaster, at " + killed + ", "
                    + seconds(Instant.ofEpochSecond(TOTP.step(killed) * TOTP.periodSeconds()), killed) + " s into its time step");

            await("both replicas answer 200 again after the kill", Duration.ofSeconds(120),
                    () -> load.firstAfter(killed, e -> e.status == 200 && e.replica == 'a') != null
                            && load.firstAfter(killed, e -> e.status == 200 && e.replica == 'b') != null);
            List<Exchange> acceptedBefore = load.matching(e -> e.status == 200 && e.answered.isBefore(killed));
            List<Exchange> firstReplays = resubmit(acceptedBefore);

            await("the promotion seen, readiness back up on both replicas, and "
                    + GAP_AFTER_PROMOTION.plusSeconds(5).toSeconds() + " s of load after the promotion",
                    Duration.ofSeconds(120), () -> promotion.readWrite != null && promotion.reported != null
                            && Instant.now().isAfter(promotion.readWrite.plus(GAP_AFTER_PROMOTION).plusSeconds(5))
                            && readinessA.upAfter(killed) != null && readinessB.upAfter(killed) != null);

            // The old primary comes back, under load: pg_auto_failover makes it a standby of node2.
            Instant restarted = Instant.now();
            cluster(Duration.ofMinutes(1), "start", CLUSTER.toString(), "node1");
            await("node1 rejoined as the standby of node2", Duration.ofMinutes(3),
                    () -> "node1=secondary,node2=primary".equals(promotion.states()));
            Instant rejoined = Instant.now();
            await("five seconds of load after the rejoin", Duration.ofSeconds(10),
                    () -> Instant.now().isAfter(rejoined.plusSeconds(5)));
            load.stop();
            List<Exchange> lastReplays = resubmit(load.matching(e -> e.status == 200));

            assertAnswers(load, killed, promotion, firstReplays, lastReplays, acceptedBefore);
            assertReadiness(readinessA, killed);
            assertReadiness(readinessB, killed);
            assertTrue(a.process().isAlive() && b.process().isAlive(), "both replicas ran throughout, never restarted");
            assertEquals("node1=secondary,node2=primary", promotion.states(), "node2 stays the primary");
            assertEquals(List.of(false, true), List.of(inRecovery(node2Port), inRecovery(node1Port)),
                    "node2 takes writes, node1 replays its WAL");
            assertSynchronous(node2Port, "node2, the new primary, once node1 is its standby again");

            report(load, killed, promotion, readinessA, readinessB, firstReplays, lastReplays, restarted, rejoined);
            System.out.println("FailoverIT: test took " + seconds(testStart, Instant.now())
                    + " s (cluster set-up and replica start before it not counted)");
        } finally {
            load.stop();
            readinessA.stop();
            readinessB.stop();
            promotion.stop();
        }
    }

    /** Waits for the next time step, then until each user's code of that step was accepted, and kills node1. */
    private static Instant killWhenEveryUserSignedInThisStep(Load load, List<ActiveUser> users) throws Exception {
        long first = TOTP.step(Instant.now()) + 1;
        for (long step = first; step < first + 3; step++) {
            long target = step;
            await("time step " + target, Duration.ofSeconds(65), () -> TOTP.step(Instant.now()) >= target);
            Instant deadline = Instant.ofEpochSecond(target * TOTP.periodSeconds() + 15);
            while (Instant.now().isBefore(deadline)) {
                Set<String> signedIn = load.matching(e -> e.status == 200 && e.step == target).stream()
                        .map(e -> e.userId).collect(Collectors.toSet());
                if (signedIn.size() == users.size() && TOTP.step(Instant.now()) == target) {
                    // Taken before the kill, so that no 503 or readiness change can come before it.
                    Instant killed = Instant.now();
                    cluster(Duration.ofSeconds(30), "crash", CLUSTER.toString(), "node1");
                    return killed;
                }
                Thread.sleep(20);
            }
        }
        throw new AssertionError("the users did not all sign in within 15 s of a time step, three times running: "
                + load.statusCounts());
    }

    private static void assertAnswers(Load load, Instant killed, Promotion promotion, List<Exchange> firstReplays,
            List<Exchange> lastReplays, List<Exchange> acceptedBefore) {
        List<Exchange> all = load.matching(e -> true);
        assertTrue(all.size() > 0, "the load ran");
        assertEquals(List.of(), all.stream().filter(e -> !expected(e)).map(Exchange::toString).limit(20).toList(),
                "every answer under load is 200, 422 code-already-used, 409 conflict or a 503 problem; never 500, "
                        + "never silence");
        assertFalse(acceptedBefore.isEmpty(), "codes were accepted before the failure");
        // One 200 per user and time step at most, and never an earlier step after a later one.
        Map<String, List<Exchange>> acceptedByUser = all.stream().filter(e -> e.status == 200)
                .sorted((x, y) -> x.answered.compareTo(y.answered))
                .collect(Collectors.groupingBy(e -> e.userId, TreeMap::new, Collectors.toList()));
        acceptedByUser.forEach((user, accepted) -> {
            for (int i = 1; i < accepted.size(); i++) {
                assertTrue(accepted.get(i).step > accepted.get(i - 1).step,
                        "a second 200 for " + user + " without a later code: " + accepted.get(i - 1) + " then " + accepted.get(i));
            }
        });

        List<Exchange> unavailable = load.matching(e -> e.status == 503);
        assertFalse(unavailable.isEmpty(), "the replicas answered 503 while there was no primary");
        assertTrue(unavailable.stream().allMatch(e -> e.sent.isAfter(killed) || e.answered.isAfter(killed)),
                "no 503 before the failure: " + unavailable.get(0));
        assertTrue(promotion.readWrite != null, "pg_auto_failover opened node2 for writes");
        Instant lastUnavailable = unavailable.get(unavailable.size() - 1).answered;
        assertTrue(!lastUnavailable.isAfter(promotion.readWrite.plus(GAP_AFTER_PROMOTION)),
                "the 503s stop within " + GAP_AFTER_PROMOTION.toSeconds() + " s of the promotion; the last came "
                        + seconds(promotion.readWrite, lastUnavailable) + " s after it");
        Exchange firstAccepted = load.firstAfter(killed, e -> e.status == 200);
        assertTrue(firstAccepted.answered.isAfter(promotion.promoted),
                "nothing is accepted before pg_auto_failover promotes node2: " + firstAccepted);

        for (List<Exchange> replays : List.of(firstReplays, lastReplays)) {
            assertEquals(List.of(), replays.stream().filter(e -> e.status != 422 || !e.contentType.startsWith("application/problem+json"))
                    .map(Exchange::toString).toList(), "every code accepted once is refused when sent again");
            assertEquals(List.of(), replays.stream().filter(e -> !e.type.equals(expectedReplayType(e)) && expectedReplayType(e) != null)
                    .map(Exchange::toString).toList(), "a code still within its window is a replay, an older one invalid");
        }
        long killStep = TOTP.step(killed);
        long checkedAsReplays = firstReplays.stream()
                .filter(e -> e.step == killStep && "code-already-used".equals(expectedReplayType(e))).count();
        assertEquals(USERS, checkedAsReplays, "the codes accepted in the time step of the failure were sent again "
                + "within their window, and refused as replays: the replay marks survived the failover");
    }

    /**
     * The problem type a code sent again must get: {@code code-already-used} within one step of the
     * time it is checked at, {@code invalid-code} outside; null when it was sent so near a step's end
     * that either may be right.
     */
    private static String expectedReplayType(Exchange e) {
        boolean inWindowAtSend = e.step >= TOTP.step(e.sent) - 1;
        boolean inWindowAtAnswer = e.step >= TOTP.step(e.answered) - 1;
        if (inWindowAtSend != inWindowAtAnswer) {
            return null;
        }
        return inWindowAtSend ? "code-already-used" : "invalid-code";
    }

    private static boolean expected(Exchange e) {
        boolean problem = e.contentType.startsWith("application/problem+json");
        return switch (e.status) {
            case 200 -> true;
            case 422 -> problem && e.type.equals("code-already-used");
            case 409 -> problem && e.type.equals("conflict");
            case 503 -> problem && (e.type.equals("service-unavailable") || e.type.equals("service-busy"));
            default -> false;
        };
    }

    private static void assertReadiness(Readiness readiness, Instant killed) {
        Instant down = readiness.downAfter(killed);
        assertTrue(down != null, "replica " + readiness.app.port() + " reported not ready while there was no primary: "
                + readiness.changes);
        assertTrue(readiness.upAfter(down) != null, "and ready again by itself: " + readiness.changes);
        assertEquals(200, readiness.changes.get(readiness.changes.size() - 1).status(), "ready at the end: " + readiness.changes);
    }

    private static void report(Load load, Instant killed, Promotion promotion, Readiness readinessA, Readiness readinessB,
            List<Exchange> firstReplays, List<Exchange> lastReplays, Instant restarted, Instant rejoined) {
        List<Exchange> unavailable = load.matching(e -> e.status == 503);
        Instant firstUnavailable = unavailable.get(0).answered;
        Instant lastUnavailable = unavailable.get(unavailable.size() - 1).answered;
        Exchange firstAccepted = load.firstAfter(killed, e -> e.status == 200);
        Map<String, Long> gapTypes = unavailable.stream().collect(Collectors.groupingBy(e -> e.type, TreeMap::new, Collectors.counting()));
        long inGap = load.matching(e -> e.answered.isAfter(killed) && e.answered.isBefore(firstAccepted.answered)).size();
        System.out.println("FailoverIT: times from the kill: node2 out of recovery (pg_autoctl stop_replication, still "
                + "read-only) at +" + seconds(killed, promotion.promoted) + " s; node2 takes writes (the promotion) at +"
                + seconds(killed, promotion.readWrite) + " s; monitor reports node2 wait_primary at +"
                + seconds(killed, promotion.reported) + " s");
        System.out.println("FailoverIT: 503 gap " + seconds(firstUnavailable, lastUnavailable) + " s (first 503 at +"
                + seconds(killed, firstUnavailable) + " s, last at +" + seconds(killed, lastUnavailable) + " s, "
                + beforeOrAfter(promotion.readWrite, lastUnavailable) + " the promotion was seen); " + unavailable.size()
                + " requests answered 503 " + gapTypes + "; " + inGap + " requests answered between the kill and the first 200");
        System.out.println("FailoverIT: first 200 after the kill at +" + seconds(killed, firstAccepted.answered) + " s, "
                + seconds(promotion.readWrite, firstAccepted.answered) + " s after the promotion (replica "
                + firstAccepted.replica + ")");
        for (Readiness readiness : List.of(readinessA, readinessB)) {
            Instant down = readiness.downAfter(killed);
            System.out.println("FailoverIT: replica " + readiness.name + " readiness DOWN at +" + seconds(killed, down)
                    + " s, UP again at +" + seconds(killed, readiness.upAfter(down)) + " s");
        }
        System.out.println("FailoverIT: " + firstReplays.size() + " codes accepted before the failure sent again after it: "
                + typeCounts(firstReplays) + "; after node1 rejoined, all " + lastReplays.size() + " accepted codes sent again: "
                + typeCounts(lastReplays));
        System.out.println("FailoverIT: node1 restarted at +" + seconds(killed, restarted) + " s, rejoined as standby at +"
                + seconds(killed, rejoined) + " s; answers in all: " + load.statusCounts());
    }

    private static Map<String, Long> typeCounts(List<Exchange> exchanges) {
        return exchanges.stream().collect(Collectors.groupingBy(e -> e.status + " " + e.type, TreeMap::new, Collectors.counting()));
    }

    /** Sends each accepted code again, alternating the replicas, one after the other. */
    private static List<Exchange> resubmit(List<Exchange> accepted) {
        List<Exchange> answers = new ArrayList<>();
        for (int i = 0; i < accepted.size(); i++) {
            Exchange original = accepted.get(i);
            answers.add(Exchange.send(i % 2 == 0 ? a : b, i % 2 == 0 ? 'a' : 'b', original.userId, original.step, original.code));
        }
        return answers;
    }

    private static void assertSynchronous(int port, String which) throws SQLException {
        try (Connection connection = connect(port, "totpd", "postgres");
                Statement statement = connection.createStatement();
                ResultSet settings = statement.executeQuery("SELECT current_setting('synchronous_standby_names'), "
                        + "current_setting('synchronous_commit'), "
                        + "(SELECT string_agg(application_name || ' ' || sync_state, ', ') FROM pg_stat_replication)")) {
            settings.next();
            String names = settings.getString(1);
            String commit = settings.getString(2);
            String standbys = settings.getString(3);
            System.out.println("FailoverIT: " + which + ": synchronous_standby_names = '" + names
                    + "', synchronous_commit = " + commit + ", standbys: " + standbys);
            assertFalse(names.isBlank(), which + " names a synchronous standby");
            assertTrue(Set.of("on", "remote_apply").contains(commit), which + " waits for the standby's flush at commit");
            assertTrue(standbys != null && (standbys.endsWith(" quorum") || standbys.endsWith(" sync")),
                    which + " has its standby attached as synchronous: " + standbys);
        }
    }

    private static boolean inRecovery(int port) throws SQLException {
        try (Connection connection = connect(port, "totpd", "postgres");
                ResultSet recovery = connection.createStatement().executeQuery("SELECT pg_is_in_recovery()")) {
            recovery.next();
            return recovery.getBoolean(1);
        }
    }

    private static Connection connect(int port, String database, String user) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database
                + "?connectTimeout=2&socketTimeout=5", user, "");
    }

    /** Runs {@code src/test/ha/cluster.sh} and fails with its output if it does not succeed in time. */
    private static void cluster(Duration timeout, String... arguments) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(CLUSTER_LOG.toFile())).start();
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("cluster.sh " + String.join(" ", arguments) + " did not finish within " + timeout + "\n" + clusterLog());
        }
        assertEquals(0, process.exitValue(), "cluster.sh " + String.join(" ", arguments) + " failed\n" + clusterLog());
    }

    private static String clusterLog() throws IOException {
        List<String> lines = Files.readAllLines(CLUSTER_LOG);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()))
                + "\n(pg_autoctl's own logs: " + CLUSTER + "/*.log)";
    }

    private static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not within " + timeout.toSeconds() + " s: " + what);
            }
            Thread.sleep(50);
        }
    }

    /** "1.2 s after" or, when the poller saw the promotion only after the replicas found it, "0.4 s before". */
    private static String beforeOrAfter(Instant reference, Instant time) {
        return time.isBefore(reference) ? seconds(time, reference) + " s before" : seconds(reference, time) + " s after";
    }

    private static String seconds(Instant from, Instant to) {
        return from == null || to == null ? "never" : String.format(Locale.ROOT, "%.1f", Duration.between(from, to).toMillis() / 1000.0);
    }

    /** One /verify and its answer. */
    private record Exchange(String userId, long step, String code, char replica, Instant sent, Instant answered,
            int status, String contentType, String type, String detail) {

        static Exchange send(PackagedApp app, char replica, String userId, long step, String code) {
            Instant sent = Instant.now();
            try {
                HttpResponse<String> response = app.send("/verify", "{\"userId\":\"" + userId + "\",\"code\":\"" + code + "\"}");
                String contentType = response.headers().firstValue("Content-Type").orElse("");
                String type = "";
                if (contentType.startsWith("application/problem+json")) {
                    type = JSON.readTree(response.body()).path("type").asText().replace("urn:totpd:problem:", "");
                }
                return new Exchange(userId, step, code, replica, sent, Instant.now(), response.statusCode(), contentType, type,
                        response.statusCode() == 200 ? "" : response.body());
            } catch (IOException | InterruptedException e) {
                return new Exchange(userId, step, code, replica, sent, Instant.now(), -1, "", "", "no answer: " + e);
            }
        }

        @Override
        public String toString() {
            return replica + " " + userId + " step " + step + " sent " + sent + " answered " + answered + ": " + status + " "
                    + type + " " + detail;
        }
    }

    /** Clients signing in without pause but a short breath, each with the current code of a random user, on either replica. */
    private static final class Load {

        private final List<Exchange> exchanges = Collections.synchronizedList(new ArrayList<>());
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> clients = new ArrayList<>();
        private final List<ActiveUser> freshUsers;
        private volatile List<ActiveUser> users;

        Load(List<ActiveUser> users, List<ActiveUser> freshUsers) {
            this.users = List.copyOf(users);
            this.freshUsers = freshUsers;
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                Thread thread = new Thread(() -> {
                    for (int i = 0; running.get(); i++) {
                        List<ActiveUser> signingIn = this.users;
                        ActiveUser user = signingIn.get(ThreadLocalRandom.current().nextInt(signingIn.size()));
                        boolean onA = (client + i) % 2 == 0;
                        long step = TOTP.step(Instant.now());
                        exchanges.add(Exchange.send(onA ? a : b, onA ? 'a' : 'b', user.userId(), step,
                                TOTP.code(user.secret(), step)));
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }, "failover-load-" + c);
                thread.start();
                clients.add(thread);
            }
        }

        void addFreshUsers() {
            List<ActiveUser> all = new ArrayList<>(users);
            all.addAll(freshUsers);
            users = List.copyOf(all);
        }

        List<Exchange> matching(Predicate<Exchange> filter) {
            synchronized (exchanges) {
                return exchanges.stream().filter(filter).sorted((x, y) -> x.answered.compareTo(y.answered)).toList();
            }
        }

        Exchange firstAfter(Instant time, Predicate<Exchange> filter) {
            return matching(e -> e.answered.isAfter(time) && filter.test(e)).stream().findFirst().orElse(null);
        }

        Map<String, Long> statusCounts() {
            return typeCounts(matching(e -> true));
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread client : clients) {
                client.join(60_000);
            }
        }
    }

    /** /q/health/ready of one replica, polled every 200 ms: each change of its status, and when. */
    private static final class Readiness {

        final PackagedApp app;
        final char name;
        final List<Change> changes = Collections.synchronizedList(new ArrayList<>());
        private final Thread poller;
        private volatile boolean running = true;

        record Change(Instant at, int status) {
        }

        Readiness(PackagedApp app) {
            this.app = app;
            this.name = app == a ? 'a' : 'b';
            poller = new Thread(() -> {
                int last = 0;
                while (running) {
                    int status;
                    try {
                        status = app.get("/q/health/ready");
                    } catch (IOException e) {
                        status = -1;
                    } catch (InterruptedException e) {
                        return;
                    }
                    if (status != last) {
                        changes.add(new Change(Instant.now(), status));
                        last = status;
                    }
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "failover-readiness-" + name);
            poller.start();
        }

        Instant downAfter(Instant time) {
            return first(time, status -> status != 200);
        }

        Instant upAfter(Instant time) {
            return time == null ? null : first(time, status -> status == 200);
        }

        private Instant first(Instant time, java.util.function.IntPredicate status) {
            synchronized (changes) {
                return changes.stream().filter(c -> c.at.isAfter(time) && status.test(c.status)).map(Change::at).findFirst().orElse(null);
            }
        }

        void stop() throws InterruptedException {
            running = false;
            poller.join(30_000);
        }
    }

    /**
     * What pg_auto_failover does, polled every 100 ms: when node2 left recovery (pg_auto_failover's
     * {@code stop_replication}, where it still refuses writes until the old primary is known to be
     * down), when it takes writes, as {@code targetServerType=primary} asks, and when the monitor
     * reports that ({@code wait_primary}: a primary without a standby yet, or {@code primary}).
     */
    private static final class Promotion {

        volatile Instant promoted;
        volatile Instant readWrite;
        volatile Instant reported;
        private volatile String states = "";
        private final Thread poller;
        private volatile boolean running = true;

        Promotion() {
            poller = new Thread(() -> {
                while (running) {
                    try (Connection monitor = connect(monitorPort, "pg_auto_failover", "autoctl_node")) {
                        while (running) {
                            try (ResultSet rows = monitor.createStatement().executeQuery("SELECT string_agg(nodename || '=' "
                                    + "|| reportedstate, ',' ORDER BY nodeid) FROM pgautofailover.node")) {
                                rows.next();
                                states = rows.getString(1);
                            }
                            if (reported == null && (states.contains("node2=wait_primary") || states.contains("node2=primary"))) {
                                reported = Instant.now();
                            }
                            if (readWrite == null) {
                                try (Connection node2 = connect(node2Port, "totpd", "postgres");
                                        ResultSet role = node2.createStatement().executeQuery(
                                                "SELECT pg_is_in_recovery(), current_setting('transaction_read_only') = 'on'")) {
                                    role.next();
                                    if (promoted == null && !role.getBoolean(1)) {
                                        promoted = Instant.now();
                                    }
                                    if (!role.getBoolean(1) && !role.getBoolean(2)) {
                                        readWrite = Instant.now();
                                    }
                                } catch (SQLException notYet) {
                                    // node2 busy promoting; ask again
                                }
                            }
                            Thread.sleep(100);
                        }
                    } catch (SQLException e) {
                        // the monitor connection broke; open another
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "failover-promotion");
            poller.start();
        }

        String states() {
            return states;
        }

        void stop() throws InterruptedException {
            running = false;
            poller.join(30_000);
        }
    }
}
