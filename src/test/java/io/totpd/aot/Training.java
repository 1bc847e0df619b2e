package io.totpd.aot;

import com.sun.net.httpserver.HttpServer;
import io.totpd.dev.Ports;
import io.totpd.otp.Base32;
import io.totpd.otp.HmacAlgorithm;
import io.totpd.otp.Totp;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The training run that makes the package's JDK AOT cache (JEP 483, 514): starts the package in
 * {@code args[0]} (a {@code quarkus-app} directory) with {@code -XX:AOTCacheOutput=app.aot} against
 * a throw-away embedded PostgreSQL, signs users up and in over HTTP as callers do, with a webhook
 * receiver taking every event, then stops it with SIGTERM, upon which the JVM writes
 * {@code app.aot} into that directory.
 *
 * <p>A cache loads only in the JVM build that wrote it, so this runs on the JVM that will run the
 * package: the build's ({@code ./mvnw package}, for the tests and the benchmark) and the image's
 * ({@code src/main/docker/Dockerfile.jvm}). Its class path is this class, the service's framework-free
 * {@code io.totpd.otp} (to compute codes), {@code io.totpd.dev.Ports} (a port for its database) and
 * the embedded PostgreSQL with its dependencies, which the build copies into
 * {@code target/aot-training}. Exits non-zero, naming the step, when the service does not answer as
 * the contract says or no cache is written.
 */
public final class Training {

    private static final System.Logger LOG = System.getLogger(Training.class.getName());

    /**
     * Users signed up and in: every class a request loads is in the cache after the first user; a
     * few more cover what runs in the background meanwhile (webhook deliveries, the sender's loop).
     */
    private static final int USERS = 5;
    private static final String KEY = "aot-training-key";
    private static final Pattern SECRET = Pattern.compile("\"secret\":\"([A-Z2-7]+)\"");
    private static final Pattern QR = Pattern.compile("\"qrCodeUrl\":\"([^\"]+)\"");
    private static final Pattern BACKUP_CODE = Pattern.compile("\"backupCodes\":\\[\"([^\"]+)\"");
    /** Quarkus's start line in the JSON log: "... Listening on: http://0.0.0.0:41234". */
    private static final Pattern LISTENING = Pattern.compile("Listening on: http://\\S*?:(\\d+)");

    private final HttpClient http = HttpClient.newHttpClient();
    private final URI base;

    private Training(int port) {
        this.base = URI.create("http://127.0.0.1:" + port);
    }

    public static void main(String[] args) throws Exception {
        // The embedded PostgreSQL logs through SLF4J, which has no provider here: no warning about it.
        System.setProperty("slf4j.internal.verbosity", "ERROR");
        Path app = Path.of(args.length > 0 ? args[0] : "target/quarkus-app").toAbsolutePath();
        Path cache = app.resolve("app.aot");
        Files.deleteIfExists(cache);
        Path log = Files.createTempFile("totpd-aot-training", ".log");
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hooks", exchange -> {
            exchange.getRequestBody().readAllBytes();
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().setPort(Ports.unused()).start()) {
            List<String> jvmOptions = List.of(args).subList(Math.min(1, args.length), args.length);
            Process service = start(app, cache, jvmOptions, log, postgres, receiver.getAddress().getPort());
            try {
                Training training = new Training(awaitListening(service, log));
                training.awaitReady(service);
                long started = System.nanoTime();
                for (int i = 0; i < USERS; i++) {
                    training.signUpAndIn("aot-" + i);
                }
                LOG.log(System.Logger.Level.INFO, "aot training: {0} users in {1} ms", USERS, (System.nanoTime() - started) / 1_000_000);
            } catch (Exception | AssertionError e) {
                service.destroyForcibly();
                LOG.log(System.Logger.Level.ERROR, "the trained service's log:\n" + Files.readString(log));
                throw e;
            }
            // SIGTERM: the service stops as in production, then the JVM assembles the cache on exit.
            service.destroy();
            if (!service.waitFor(10, TimeUnit.MINUTES)) {
                service.destroyForcibly();
                throw new IllegalStateException("the trained service did not exit in 10 minutes; log " + log);
            }
        } finally {
            receiver.stop(0);
        }
        if (!Files.isRegularFile(cache) || Files.size(cache) == 0) {
            LOG.log(System.Logger.Level.ERROR, "the trained service's log:\n" + Files.readString(log));
            throw new IllegalStateException("the training run wrote no " + cache);
        }
        LOG.log(System.Logger.Level.INFO, "aot training: {0}, {1} MiB", cache, Files.size(cache) >> 20);
        Files.delete(log);
    }

    private static Process start(Path app, Path cache, List<String> jvmOptions, Path log, EmbeddedPostgres postgres, int receiverPort)
            throws IOException, NoSuchAlgorithmException {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        byte[] hookSecret = new byte[32];
        new SecureRandom().nextBytes(hookSecret);
        // Classes only, without the method profiles JEP 515 would add: those did not shorten the
        // start, and cost 15-30 MiB of resident memory under OverloadIT's burst (peak RSS 327-345 MiB
        // with them, 311-313 without, of a 384 MiB limit whose 85 % is 326).
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:AOTCacheOutput=" + cache, "-XX:+UnlockDiagnosticVMOptions", "-XX:-AOTRecordTraining",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", "quarkus-run.jar"));
        // From the package directory, as the image and the tests run it: the cache records the class path.
        ProcessBuilder builder = new ProcessBuilder(command).directory(app.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("QUARKUS_") || name.startsWith("TOTPD_") || name.startsWith("JAVA_"));
        env.putAll(Map.of(
                // Port 0, the kernel's choice at bind time: a free port picked here and handed over
                // could be taken by another process's connection before the service binds it.
                "QUARKUS_HTTP_PORT", "0",
                "QUARKUS_DATASOURCE_JDBC_URL", postgres.getJdbcUrl("postgres", "postgres"),
                "QUARKUS_DATASOURCE_USERNAME", "postgres",
                "QUARKUS_DATASOURCE_PASSWORD", "postgres",
                "TOTPD_ENCRYPTION_KEYS", "training:" + Base64.getEncoder().encodeToString(key),
                "TOTPD_CALLERS_TRAINING_TENANT", "training",
                "TOTPD_CALLERS_TRAINING_SCOPES", "verify,manage",
                "TOTPD_CALLERS_TRAINING_KEY_SHA256", HexFormat.of().formatHex(sha256(KEY))));
        env.putAll(Map.of(
                "TOTPD_WEBHOOKS_ALLOW_HTTP", "true",
                "TOTPD_WEBHOOKS_TRAINING_URL", "http://127.0.0.1:" + receiverPort + "/hooks",
                "TOTPD_WEBHOOKS_TRAINING_TENANT", "training",
                "TOTPD_WEBHOOKS_TRAINING_SECRET", "whsec_" + Base64.getEncoder().encodeToString(hookSecret),
                "TOTPD_WEBHOOKS_TRAINING_EVENTS", "*,code.verified"));
        return builder.start();
    }

    /** The port the service bound, from its "Listening on" line; waits up to 2 minutes. */
    private static int awaitListening(Process service, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            Matcher matcher = LISTENING.matcher(Files.readString(log));
            if (matcher.find()) {
                return Integer.parseInt(matcher.group(1));
            }
            if (!service.isAlive()) {
                throw new IllegalStateException("the service exited with " + service.exitValue() + " before it listened");
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the service was not listening in 2 minutes");
    }

    private void awaitReady(Process service) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (System.nanoTime() < deadline) {
            if (!service.isAlive()) {
                throw new IllegalStateException("the service exited with " + service.exitValue() + " before it was ready");
            }
            try {
                if (http.send(HttpRequest.newBuilder(base.resolve("/q/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notListeningYet) {
                // the port opens late in start-up
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the service was not ready in 2 minutes");
    }

    /** Enrollment with its QR code, activation, a wrong code, a replay, a sign-in, a recovery, a look-up. */
    private void signUpAndIn(String userId) throws Exception {
        String enrolled = send("POST", "/enroll", "{\"userId\":\"" + userId + "\",\"accountName\":\"" + userId + "@example.com\"}", 201);
        byte[] secret = Base32.decode(find(SECRET, enrolled));
        expect(200, http.send(HttpRequest.newBuilder(base.resolve(find(QR, enrolled))).build(),
                HttpResponse.BodyHandlers.ofByteArray()).statusCode(), "GET the QR code");
        Totp totp = new Totp(HmacAlgorithm.SHA1, 6, Duration.ofSeconds(30));
        long step = totp.step(Instant.now());
        String activated = send("POST", "/activate", check(userId, totp.code(secret, step)), 200);
        send("POST", "/verify", check(userId, totp.code(secret, step - 5)), 422);
        send("POST", "/verify", check(userId, totp.code(secret, step)), 422);
        send("POST", "/verify", check(userId, totp.code(secret, step + 1)), 200);
        send("POST", "/recover", "{\"userId\":\"" + userId + "\",\"backupCode\":\"" + find(BACKUP_CODE, activated) + "\"}", 200);
        send("GET", "/users/" + userId, null, 200);
        send("GET", "/q/metrics", null, 200);
    }

    private static String check(String userId, String code) {
        return "{\"userId\":\"" + userId + "\",\"code\":\"" + code + "\"}";
    }

    private String send(String method, String path, String json, int expected) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).header("Authorization", "Bearer " + KEY);
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        HttpResponse<String> response = http.send(request.method(method, json == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        expect(expected, response.statusCode(), method + " " + path + ": " + response.body());
        return response.body();
    }

    private static void expect(int expected, int actual, String what) {
        if (expected != actual) {
            throw new AssertionError(what + " answered " + actual + ", not " + expected);
        }
    }

    private static String find(Pattern pattern, String body) {
        Matcher matcher = pattern.matcher(body);
        if (!matcher.find()) {
            throw new AssertionError("no " + pattern + " in " + body);
        }
        return matcher.group(1);
    }

    private static byte[] sha256(String text) throws NoSuchAlgorithmException {
        return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    }
}
