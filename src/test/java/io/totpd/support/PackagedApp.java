package io.totpd.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.totpd.otp.Base32;
import io.totpd.otp.HmacAlgorithm;
import io.totpd.otp.Totp;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The package operators run, {@code java -jar quarkus-run.jar} in {@code target/quarkus-app} in the
 * prod profile, started as a separate process, as many times as a test needs. A
 * {@code GC_CONTAINER_OPTIONS} and {@code JAVA_OPTS_APPEND} in the environment give the JVM options,
 * as they do in the image, whose {@code /deployments} is the package directory.
 *
 * <p>Each process binds port 0 and {@link #port} reads the port the kernel gave it from the
 * "Listening on" line. A port a test picks and hands over is free when picked but not when the
 * package binds it, seconds later, if an outgoing connection of the machine (any test's, from the
 * same ephemeral range) has taken it meanwhile: the package then exits with "Port ... seems to be in
 * use", as CI once met.
 */
public final class PackagedApp {

    public static final Path DIRECTORY = Path.of("target", "quarkus-app");
    /**
     * The API key of the caller "it" (tenant "it", both scopes) that {@link #launch} configures, with
     * rates out of reach.
     */
    public static final String API_KEY = "packaged-application-test-key";
    public static final Totp TOTP = new Totp(HmacAlgorithm.SHA1, 6, Duration.ofSeconds(30));

    /** HTTP/1.1, as a Kubernetes Service carries the callers' traffic. */
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Quarkus's start line, plain or inside a JSON log record: "... Listening on: http://0.0.0.0:41234". */
    private static final Pattern LISTENING = Pattern.compile("Listening on: https?://\\S*?:(\\d+)");

    private final Process process;
    private final Path log;
    private volatile int port;

    private PackagedApp(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** The datasource settings for a database, as environment variables. */
    public static Map<String, String> datasource(EmbeddedPostgres postgres) {
        return Map.of("QUARKUS_DATASOURCE_JDBC_URL", postgres.getJdbcUrl("postgres", "postgres"),
                "QUARKUS_DATASOURCE_USERNAME", "postgres",
                "QUARKUS_DATASOURCE_PASSWORD", "postgres");
    }

    /**
     * The datasource settings of the server the tests were pointed at ({@code QUARKUS_DATASOURCE_*} in
     * the environment, as README "Test it" allows), or empty when there is none and a test starts its
     * own database. {@link #launch} hands the package no {@code QUARKUS_*} of its own, so these are passed on.
     */
    public static Optional<Map<String, String>> configuredDatasource() {
        if (System.getenv("QUARKUS_DATASOURCE_JDBC_URL") == null) {
            return Optional.empty();
        }
        Map<String, String> settings = new HashMap<>();
        System.getenv().forEach((name, value) -> {
            if (name.startsWith("QUARKUS_DATASOURCE_")) {
                settings.put(name, value);
            }
        });
        return Optional.of(settings);
    }

    /** A connection to the database as the user {@link #datasource} gives the package. */
    public static Connection connect(EmbeddedPostgres postgres) throws SQLException {
        return DriverManager.getConnection(postgres.getJdbcUrl("postgres", "postgres"), "postgres", "postgres");
    }

    /**
     * What a test's {@code @AfterAll} does with the replicas it started and its database: stops each
     * replica that was launched, in order, then closes the database if it was started.
     */
    public static void stopAll(EmbeddedPostgres postgres, PackagedApp... replicas) throws InterruptedException, IOException {
        for (PackagedApp app : replicas) {
            if (app != null) {
                app.stop();
            }
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    /** A new random encryption key entry, {@code id:base64}. */
    public static String randomKey(String id) {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return id + ":" + Base64.getEncoder().encodeToString(key);
    }

    public static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Starts the package with the caller "it" configured and the given environment on top. */
    public static PackagedApp launch(Map<String, String> environment) throws IOException {
        return launch(environment, true);
    }

    public static PackagedApp launch(Map<String, String> environment, boolean withCaller) throws IOException {
        return launch(environment, withCaller, 0);
    }

    /**
     * Starts the package as a pod with a memory limit of {@code limitMebibytes} runs it: the JVM sizes
     * itself for that much memory ({@code -XX:MaxRAM}), and where this machine lets a test make a
     * memory cgroup (cgroup v1, as root), the process runs in one with that limit, so that exceeding
     * it kills the process as the kernel kills a container.
     */
    public static PackagedApp launchWithMemoryLimit(Map<String, String> environment, int limitMebibytes) throws IOException {
        return launch(DIRECTORY, environment, true, limitMebibytes);
    }

    /**
     * Starts another package, such as an earlier version's, from its {@code quarkus-app} directory,
     * as {@link #launch(Map)} starts this one: with the caller "it" and the given environment on top.
     */
    public static PackagedApp launch(Path directory, Map<String, String> environment) throws IOException {
        return launch(directory, environment, true, 0);
    }

    private static PackagedApp launch(Map<String, String> environment, boolean withCaller, int limitMebibytes)
            throws IOException {
        return launch(DIRECTORY, environment, withCaller, limitMebibytes);
    }

    private static PackagedApp launch(Path directory, Map<String, String> environment, boolean withCaller, int limitMebibytes)
            throws IOException {
        Path log = Files.createTempFile("totpd-packaged", ".log");
        log.toFile().deleteOnExit();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        String options = (environment.getOrDefault("GC_CONTAINER_OPTIONS", "") + " "
                + environment.getOrDefault("JAVA_OPTS_APPEND", "")).replace("/deployments/", "").trim();
        if (!options.isEmpty()) {
            command.addAll(List.of(options.split("\\s+")));
        }
        // The build's AOT cache, as the image starts with its own: a shorter start for every test.
        if (!options.contains("-XX:AOTCache") && Files.exists(directory.resolve("app.aot"))) {
            command.add("-XX:AOTCache=app.aot");
        }
        if (limitMebibytes > 0) {
            command.add("-XX:MaxRAM=" + limitMebibytes + "m");
        }
        command.addAll(List.of("-jar", "quarkus-run.jar"));
        Path cgroup = limitMebibytes > 0 ? memoryCgroup(limitMebibytes) : null;
        if (cgroup != null) {
            // The shell joins the cgroup, then becomes the JVM, so the JVM and nothing else is in it.
            List<String> wrapped = new ArrayList<>(List.of("sh", "-c",
                    "echo $$ > " + cgroup.resolve("cgroup.procs") + " && exec \"$@\"", "sh"));
            wrapped.addAll(command);
            command = wrapped;
        }
        // From the package directory, as the AOT cache was made and as the image runs it.
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("QUARKUS_") || name.startsWith("TOTPD_") || name.startsWith("JAVA_OPTS") || name.equals("GC_CONTAINER_OPTIONS"));
        env.put("QUARKUS_HTTP_PORT", "0");
        if (withCaller) {
            env.put("TOTPD_CALLERS_IT_TENANT", "it");
            env.put("TOTPD_CALLERS_IT_SCOPES", "verify,manage");
            env.put("TOTPD_CALLERS_IT_KEY_SHA256", HexFormat.of().formatHex(sha256(API_KEY)));
            // The packaged tests load the service on purpose (bursts, races, failovers, rotations under
            // sign-ins): rates they never reach, so that none of them meets a 429 it did not ask for.
            for (String bucket : List.of("CHECKS", "EXPENSIVE", "OTHER")) {
                env.put("TOTPD_CALLERS_IT_QUOTA_" + bucket + "_RATE", "1000000");
                env.put("TOTPD_CALLERS_IT_QUOTA_" + bucket + "_BURST", "1000000000");
            }
        }
        env.putAll(environment);
        return new PackagedApp(builder.start(), log);
    }

    /**
     * A new memory cgroup limited to {@code limitMebibytes}, or null where this machine has none a
     * test may make (no cgroup v1 memory controller, or not root).
     */
    private static Path memoryCgroup(int limitMebibytes) {
        Path root = Path.of("/sys/fs/cgroup/memory");
        if (!Files.isWritable(root)) {
            return null;
        }
        try (var old = Files.newDirectoryStream(root, "totpd-test-*")) {
            // Those of earlier runs whose process has exited; one still in use refuses to go.
            old.forEach(group -> group.toFile().delete());
        } catch (IOException e) {
            // nothing to tidy
        }
        try {
            Path group = Files.createDirectories(root.resolve("totpd-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime()));
            Files.writeString(group.resolve("memory.limit_in_bytes"), Long.toString(limitMebibytes * 1024L * 1024L));
            return group;
        } catch (IOException e) {
            return null;
        }
    }

    public Process process() {
        return process;
    }

    /** The file that holds the process's standard output and error. */
    public Path log() {
        return log;
    }

    /**
     * The port the package listens on, from its "Listening on" line: waits up to 60 s for the line.
     *
     * @throws AssertionError when the process exits or does not start listening in time
     */
    public int port() {
        if (port == 0) {
            Instant deadline = Instant.now().plusSeconds(60);
            while (port == 0) {
                Matcher matcher = LISTENING.matcher(output());
                if (matcher.find()) {
                    port = Integer.parseInt(matcher.group(1));
                } else if (!process.isAlive()) {
                    throw new AssertionError("the application exited\n" + output());
                } else if (Instant.now().isAfter(deadline)) {
                    throw new AssertionError("the application was not listening within 60 s\n" + output());
                } else {
                    sleep();
                }
            }
        }
        return port;
    }

    private static void sleep() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The most memory the process has held resident since it started (VmHWM), in MiB. */
    public long peakResidentMebibytes() throws IOException {
        return statusKibibytes("VmHWM") / 1024;
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    /** POSTs JSON as the caller "it" and asserts the status. */
    public JsonNode post(String path, String body, int expectedStatus) throws Exception {
        HttpResponse<String> response = send(path, body);
        assertEquals(expectedStatus, response.statusCode(), response.body());
        return JSON.readTree(response.body());
    }

    public HttpResponse<String> send(String path, String body) throws IOException, InterruptedException {
        return send(path, body, Map.of());
    }

    /** POSTs JSON as the caller "it" with more headers, such as a {@code traceparent}. */
    public HttpResponse<String> send(String path, String body, Map<String, String> headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + API_KEY)
                .timeout(Duration.ofSeconds(30));
        headers.forEach(request::header);
        return HTTP.send(request.POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    public int get(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    public String getText(String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    public int awaitExit() throws InterruptedException {
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("the application did not exit");
        }
        return process.exitValue();
    }

    /** Stops it as Kubernetes does, with SIGTERM, and waits for the exit. */
    public int stop() throws InterruptedException {
        process.destroy();
        return awaitExit();
    }

    public PackagedApp awaitReady() throws Exception {
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new AssertionError("the application exited\n" + output());
            }
            try {
                if (get("/q/health/ready") == 200) {
                    return this;
                }
            } catch (IOException notListeningYet) {
                // keep polling
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the application was not ready within 60 s\n" + output());
    }

    public String output() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public String quarkusStartedIn() {
        Matcher matcher = Pattern.compile("started in ([0-9.]+s)").matcher(output());
        return matcher.find() ? "Quarkus reports started in " + matcher.group(1) : "no start line";
    }

    public long residentMebibytes() throws IOException {
        return statusKibibytes("VmRSS") / 1024;
    }

    private long statusKibibytes(String field) throws IOException {
        Map<String, String> status = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            int colon = line.indexOf(':');
            status.put(line.substring(0, colon), line.substring(colon + 1).trim());
        }
        return Long.parseLong(status.get(field).replace(" kB", ""));
    }

    /** A user enrolled and activated through this application's API. */
    public ActiveUser newActiveUser() throws Exception {
        String userId = "packaged-" + System.nanoTime();
        JsonNode enrollment = post("/enroll", "{\"userId\":\"" + userId + "\"}", 201);
        byte[] secret = Base32.decode(enrollment.get("secret").asText());
        long step = TOTP.step(Instant.now());
        JsonNode activation = post("/activate", "{\"userId\":\"" + userId + "\",\"code\":\"" + TOTP.code(secret, step) + "\"}", 200);
        List<String> backupCodes = new ArrayList<>();
        activation.get("backupCodes").forEach(code -> backupCodes.add(code.asText()));
        return new ActiveUser(userId, secret, step, backupCodes);
    }

    /** What the phone and the printed sheet of an active user hold. */
    public record ActiveUser(String userId, byte[] secret, long activationStep, List<String> backupCodes) {

        /** The body of a /verify for the code {@code offset} steps after the activation step. */
        public String verifyBody(int offset) {
            return "{\"userId\":\"" + userId + "\",\"code\":\"" + TOTP.code(secret, activationStep + offset) + "\"}";
        }
    }
}
