package io.totpd;

import static io.totpd.support.PackagedApp.TOTP;
import static io.totpd.support.PackagedApp.randomKey;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.totpd.dev.EmbeddedDatabase;
import io.totpd.otp.Base32;
import io.totpd.support.PackagedApp;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The V4 migration (factors and enrollments become users with authenticators) on data that the
 * previous version made through its own API, as an operator's upgrade meets it: the previous commit is
 * built from git and run against a fresh database, users are made in every state that matters, then
 * this version's package starts on the same database, Flyway migrates it, and each user must sign in
 * exactly as before: same secrets, same used codes, same drift, same failure count, lock and backup
 * codes, and pending enrollments that still activate.
 *
 * <p>Time is real (packaged apps have no clock to move), so the test works in 30 s steps: the code
 * that the last user verified on the old version is still inside the window when the new version
 * starts, and the drifting phone is asked for a code two steps back once the step after has begun.
 */
class MigrationIT {

    private static final System.Logger LOG = System.getLogger(MigrationIT.class.getName());

    /** The last commit with the old schema (Flyway V1-V3: factor, enrollment, backup_code(factor_id)). */
    private static final String OLD_COMMIT = "2a95ee5";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    private static final long PERIOD = TOTP.periodSeconds();
    private static final String ALREADY_USED = "urn:totpd:problem:code-already-used";
    private static final String INVALID_CODE = "urn:totpd:problem:invalid-code";
    private static final List<String> USERS = List.of("signed-in", "drifting", "failing", "pending", "replaced", "locked", "disabled");

    private EmbeddedPostgres postgres;
    private final List<PackagedApp> running = new ArrayList<>();

    /** A user's phone (its Base32 secret) and what the old version handed over with it. */
    private record Phone(String userId, String secret, List<String> backupCodes) {

        String code(long step) {
            return TOTP.code(Base32.decode(secret), step);
        }

        String body(long step) {
            return codeBody(userId, code(step));
        }
    }

    @AfterEach
    void stop() throws Exception {
        for (PackagedApp app : running) {
            if (app.process().isAlive()) {
                app.stop();
            }
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void whatTheOldVersionStoredSignsInAfterTheMigration() throws Exception {
        long buildStarted = System.nanoTime();
        Path oldPackage = oldVersionPackage();
        long buildMillis = (System.nanoTime() - buildStarted) / 1_000_000;
        long started = System.nanoTime();

        postgres = EmbeddedDatabase.startEphemeral();
        String encryptionKey = randomKey("k1");
        Map<String, String> env = environment(encryptionKey);
        PackagedApp old = start(oldPackage, env);
        // A second replica of the old version, whose factors are disabled at the first wrong code: the
        // cheap way to a disabled user, with the other users on the usual lockout.
        Map<String, String> disablingEnv = new HashMap<>(env);
        disablingEnv.put("TOTPD_LOCKOUT_LOCK_AFTER_FAILURES", "1");
        disablingEnv.put("TOTPD_LOCKOUT_DISABLE_AFTER_FAILURES", "1");
        PackagedApp disabling = start(oldPackage, disablingEnv);
        old.awaitReady();
        disabling.awaitReady();

        // ---- The old version, through its API ----

        // (b) A phone running one step late: activated with the code of the step before, so the old
        // version stores drift -1, and verified once more below, a step later, with a late code again.
        long b0 = stepWithMargin();
        Phone drifting = activate(old, "drifting", b0 - 1);

        // (c) Three wrong codes after one backup code was used (a recovery would reset the count).
        Phone failing = activate(old, "failing", stepWithMargin());
        JsonNode recovered = old.post("/recover", recoverBody(failing, 0), 200);
        assertEquals(9, recovered.get("backupCodesRemaining").asInt());
        for (int i = 0; i < 3; i++) {
            assertProblem(old.post("/verify", codeBody(failing.userId(), wrongCode(failing)), 422), INVALID_CODE);
        }
        JsonNode failingBefore = getJson(old, "/users/failing", 200);
        assertEquals(3, failingBefore.get("failedAttempts").asInt(), failingBefore.toString());
        assertEquals(9, failingBefore.get("backupCodesRemaining").asInt(), failingBefore.toString());

        // (d) An enrollment that was never activated, with its signed QR link.
        JsonNode pendingEnrollment = old.post("/enroll", "{\"userId\":\"pending\",\"accountName\":\"pending@example.com\"}", 201);
        Phone pending = new Phone("pending", pendingEnrollment.get("secret").asText(), List.of());
        String pendingQr = pendingEnrollment.get("qrCodeUrl").asText();
        assertPng(old, pendingQr);

        // (e) An active user with a new phone enrolled as a replacement, not yet activated.
        Phone replaced = activate(old, "replaced", stepWithMargin());
        JsonNode replacement = old.post("/enroll", "{\"userId\":\"replaced\",\"replace\":true}", 201);
        Phone newPhone = new Phone("replaced", replacement.get("secret").asText(), List.of());
        String replacementQr = replacement.get("qrCodeUrl").asText();

        // (f) Locked by five wrong codes: the next right one is refused with 429.
        Phone locked = activate(old, "locked", stepWithMargin());
        for (int i = 0; i < 5; i++) {
            assertProblem(old.post("/verify", codeBody(locked.userId(), wrongCode(locked)), 422), INVALID_CODE);
        }
        assertProblem(old.post("/verify", locked.body(TOTP.step(Instant.now()) + 1), 429), "urn:totpd:problem:factor-locked");
        String lockedUntil = getJson(old, "/users/locked", 200).get("lockedUntil").asText();
        assertTrue(Instant.parse(lockedUntil).isAfter(Instant.now().plusSeconds(600)), lockedUntil);

        // (g) Disabled by a wrong code (on the replica that disables at the first one).
        Phone disabled = activate(disabling, "disabled", stepWithMargin());
        assertProblem(disabling.post("/verify", codeBody("disabled", wrongCode(disabled)), 422), INVALID_CODE);
        // The state is the database's: the other replica refuses the right code too.
        assertProblem(old.post("/verify", disabled.body(TOTP.step(Instant.now()) + 1), 403), "urn:totpd:problem:factor-disabled");

        // A fresh step, with time left in it: the drifting phone's second late code needs a step after
        // its activation, and the last used code (a) must still be inside the window when the new
        // version has started, which leaves the rest of this step and the whole next one for that.
        long s = TOTP.step(Instant.now());
        long waitStarted = System.nanoTime();
        if (s == b0 || secondsLeftInStep() < 20) {
            s = awaitStep(s + 1);
        }
        long waitedMillis = (System.nanoTime() - waitStarted) / 1_000_000;
        old.post("/verify", drifting.body(s - 1), 200);

        // (a) Signed in at the current step: activated with the code before it, then verified with this one.
        Phone signedIn = activate(old, "signed-in", s - 1);
        String usedCode = signedIn.code(s);
        old.post("/verify", codeBody("signed-in", usedCode), 200);

        // What the old version says of each user, to compare with what the new one says.
        Map<String, JsonNode> statusBefore = new HashMap<>();
        for (String userId : USERS) {
            statusBefore.put(userId, getJson(old, "/users/" + userId, 200));
        }

        // What the old schema holds: ids to find again, and the drift and replay state the new one must keep.
        Map<String, String> factorIds = ids("SELECT user_id, id FROM factor");
        Map<String, String> enrollmentIds = ids("SELECT user_id, id FROM enrollment");
        assertEquals(Map.of("drifting", "-1", "signed-in", "0"), ids(
                "SELECT user_id, drift_steps FROM factor WHERE user_id IN ('drifting', 'signed-in')"));
        assertEquals(Map.of("drifting", Long.toString(s - 1), "signed-in", Long.toString(s)), ids(
                "SELECT user_id, last_step FROM factor WHERE user_id IN ('drifting', 'signed-in')"));
        assertEquals(6, factorIds.size(), factorIds.toString());
        assertEquals(2, enrollmentIds.size(), enrollmentIds.toString());
        old.stop();
        disabling.stop();
        long oldPartMillis = (System.nanoTime() - started) / 1_000_000;

        // ---- This version on the same database: Flyway migrates at start-up ----

        PackagedApp current = start(PackagedApp.DIRECTORY, env).awaitReady();
        long newReadyMillis = (System.nanoTime() - started) / 1_000_000 - oldPartMillis;
        assertEquals("authenticators", ids("SELECT version, description FROM flyway_schema_history WHERE success").get("4"),
                "this version migrated the schema to V4");
        long migrated = TOTP.step(Instant.now());
        if (migrated > s + 1) {
            fail("this version was ready only " + (migrated - s) + " steps after the last old sign-in, when that sign-in's "
                    + "code is outside the window, so its replay cannot be shown; " + current.quarkusStartedIn());
        }

        // (a) The code used on the old version is used on the new one; the next one signs in, with the one
        // authenticator the factor became (its id is the factor's).
        assertProblem(current.post("/verify", codeBody("signed-in", usedCode), 422), ALREADY_USED);

        // Every user's status says what it said before: state, times, failures, lock, backup codes left.
        for (String userId : USERS) {
            JsonNode before = statusBefore.get(userId);
            JsonNode after = getJson(current, "/users/" + userId, 200);
            before.fieldNames().forEachRemaining(field -> assertEquals(before.get(field), after.get(field),
                    userId + "." + field + " before " + before + ", after " + after));
        }
        JsonNode signedInAuthenticators = getJson(current, "/users/signed-in/authenticators", 200).get("authenticators");
        assertEquals(1, signedInAuthenticators.size(), signedInAuthenticators.toString());
        assertAuthenticator(signedInAuthenticators.get(0), factorIds.get("signed-in"), "active");
        assertSignsIn(current, signedIn, TOTP.step(Instant.now()) + 1, factorIds.get("signed-in"));
        // The audit trail goes on from the old version's events, which name no authenticator.
        List<String> trail = new ArrayList<>();
        getJson(current, "/users/signed-in/events", 200).get("events").forEach(event -> trail.add(0, event.get("type").asText()
                + (event.get("authenticatorId").isNull() ? "" : "@" + event.get("authenticatorId").asText())));
        String authenticator = "@" + factorIds.get("signed-in");
        // The replay after the migration names the authenticator whose used step the code matched.
        assertEquals(List.of("enrolled", "activated", "verified", "replayed" + authenticator, "verified" + authenticator), trail);

        // (c) Three failures and nine backup codes; the used one stays used, another one works.
        JsonNode failingAfter = getJson(current, "/users/failing", 200);
        assertEquals("active", failingAfter.get("state").asText(), failingAfter.toString());
        assertEquals(3, failingAfter.get("failedAttempts").asInt(), failingAfter.toString());
        assertEquals(9, failingAfter.get("backupCodesRemaining").asInt(), failingAfter.toString());
        assertProblem(current.post("/recover", recoverBody(failing, 0), 422), ALREADY_USED);
        assertEquals(8, current.post("/recover", recoverBody(failing, 1), 200).get("backupCodesRemaining").asInt());
        assertSignsIn(current, failing, TOTP.step(Instant.now()) + 1, factorIds.get("failing"));

        // (d) The pending enrollment: its QR link still serves the PNG, and its secret activates it.
        assertEquals("pending", getJson(current, "/users/pending", 200).get("state").asText());
        JsonNode pendingAuthenticators = getJson(current, "/users/pending/authenticators", 200).get("authenticators");
        assertEquals(1, pendingAuthenticators.size(), pendingAuthenticators.toString());
        assertAuthenticator(pendingAuthenticators.get(0), enrollmentIds.get("pending"), "pending");
        assertPng(current, pendingQr);
        JsonNode activation = current.post("/activate", pending.body(TOTP.step(Instant.now())), 200);
        assertEquals(10, activation.get("backupCodes").size(), activation.toString());
        assertEquals("active", getJson(current, "/users/pending", 200).get("state").asText());
        assertEquals(404, current.get(pendingQr), "an activated enrollment's QR link is dead");

        // (e) The old phone works while the replacement is pending; activating the new phone removes the old one.
        JsonNode both = getJson(current, "/users/replaced/authenticators", 200).get("authenticators");
        assertEquals(2, both.size(), both.toString());
        assertSignsIn(current, replaced, TOTP.step(Instant.now()) + 1, factorIds.get("replaced"));
        assertPng(current, replacementQr);
        current.post("/activate", newPhone.body(TOTP.step(Instant.now())), 200);
        JsonNode onlyNew = getJson(current, "/users/replaced/authenticators", 200).get("authenticators");
        assertEquals(1, onlyNew.size(), onlyNew.toString());
        assertAuthenticator(onlyNew.get(0), enrollmentIds.get("replaced"), "active");
        // Invalid, not "already used": no authenticator of the user knows the old secret any more.
        long now = TOTP.step(Instant.now());
        for (long step = now - 1; step <= now + 1; step++) {
            assertProblem(current.post("/verify", replaced.body(step), 422), INVALID_CODE);
        }

        // (f) Still locked, until the same moment.
        assertProblem(current.post("/verify", locked.body(TOTP.step(Instant.now()) + 1), 429), "urn:totpd:problem:factor-locked");
        assertEquals(Instant.parse(lockedUntil), Instant.parse(getJson(current, "/users/locked", 200).get("lockedUntil").asText()));

        // (g) Still disabled, and a new enrollment brings the user back.
        assertEquals("disabled", getJson(current, "/users/disabled", 200).get("state").asText());
        assertProblem(current.post("/verify", disabled.body(TOTP.step(Instant.now()) + 1), 403), "urn:totpd:problem:factor-disabled");
        Phone reEnrolled = new Phone("disabled",
                current.post("/enroll", "{\"userId\":\"disabled\"}", 201).get("secret").asText(), List.of());
        current.post("/activate", reEnrolled.body(TOTP.step(Instant.now())), 200);

        // ---- Two steps after the last old sign-in ----
        // (b) A code two steps late is inside the window only if the migrated drift (-1) centres it there:
        // without the drift the window is the current step and one either side. Then one step late works.
        awaitStep(Math.max(s + 2, TOTP.step(Instant.now()) + 1));
        long late = TOTP.step(Instant.now());
        JsonNode twoLate = current.post("/verify", drifting.body(late - 2), 200);
        assertEquals(factorIds.get("drifting"), twoLate.get("authenticatorId").asText());
        assertEquals("Authenticator", twoLate.get("name").asText());
        current.post("/verify", drifting.body(late - 1), 200);

        // (e) The new phone signs in, as the user's only authenticator; so do the users activated above.
        assertSignsIn(current, newPhone, late + 1, enrollmentIds.get("replaced"));
        assertSignsIn(current, pending, late + 1, enrollmentIds.get("pending"));
        JsonNode reEnrolledSignIn = current.post("/verify", reEnrolled.body(late + 1), 200);
        assertNotEquals(factorIds.get("disabled"), reEnrolledSignIn.get("authenticatorId").asText());
        current.stop();
        LOG.log(Level.INFO, String.format("package of %s ready in %d ms; old version started and its users made in %d ms "
                + "(%d ms of it waiting for a fresh step); this version migrated and ready %d ms later, at step +%d of the "
                + "last old sign-in; whole test after the build %d ms", OLD_COMMIT, buildMillis, oldPartMillis,
                waitedMillis, newReadyMillis, migrated - s, (System.nanoTime() - started) / 1_000_000));
    }

    // ---- The old version's package ----

    /**
     * {@code target/quarkus-app} of {@link #OLD_COMMIT}, extracted from this repository's history and
     * packaged by its own build under {@code target/migration-from}; reused when an earlier run of the
     * same build made it. Maven runs offline, and with the local repository, exactly when this build
     * does (the Failsafe configuration passes both).
     */
    private static Path oldVersionPackage() throws Exception {
        Path base = Path.of("").toAbsolutePath();
        Path parent = base.resolve(Path.of("target", "migration-from"));
        Path tree = parent.resolve(OLD_COMMIT);
        Path built = parent.resolve(OLD_COMMIT + ".built");
        if (Files.exists(built)) {
            Path app = Path.of(Files.readString(built).trim());
            if (Files.exists(app.resolve("quarkus-run.jar"))) {
                LOG.log(Level.INFO, "reusing the package of " + OLD_COMMIT + " in " + app);
                return app;
            }
        }
        Files.createDirectories(parent);
        Files.deleteIfExists(built);
        deleteRecursively(tree);
        Files.createDirectories(tree);
        Path log = parent.resolve(OLD_COMMIT + ".build.log");
        Files.deleteIfExists(log);

        // The whole repository at that commit; this project is where it is in the current tree.
        String prefix = run(base, log, Duration.ofMinutes(1), "git", "rev-parse", "--show-prefix").trim();
        Path archive = parent.resolve(OLD_COMMIT + ".tar");
        run(base, log, Duration.ofMinutes(2), "git", "archive", "--format=tar", "-o", archive.toString(), OLD_COMMIT);
        run(base, log, Duration.ofMinutes(2), "tar", "-x", "-f", archive.toString(), "-C", tree.toString());
        Files.delete(archive);
        Path source = prefix.isEmpty() ? tree : tree.resolve(prefix);
        Path app = source.resolve(Path.of("target", "quarkus-app"));

        // The wrapper of this build, so the same Maven; offline only when this build is.
        List<String> maven = new ArrayList<>(List.of(base.resolve("mvnw").toString(), "-B"));
        if (System.getProperty("totpd.it.maven.offline", "").equals("offline=true")) {
            maven.add("-o");
        }
        String repository = System.getProperty("totpd.it.maven.repo.local", "");
        if (!repository.isBlank() && !repository.startsWith("${")) {
            maven.add("-Dmaven.repo.local=" + repository);
        }
        maven.addAll(List.of("package", "-DskipTests", "-Dquarkus.package.jar.appcds.enabled=false"));
        LOG.log(Level.INFO, "building " + OLD_COMMIT + " in " + source + ": " + String.join(" ", maven));
        long started = System.nanoTime();
        run(source, log, Duration.ofMinutes(15), maven.toArray(String[]::new));
        LOG.log(Level.INFO, "built " + OLD_COMMIT + " in " + (System.nanoTime() - started) / 1_000_000 + " ms");
        if (!Files.exists(app.resolve("quarkus-run.jar"))) {
            fail("the build of " + OLD_COMMIT + " made no " + app.resolve("quarkus-run.jar") + "\n" + tail(log));
        }
        Files.writeString(built, app + "\n");
        return app;
    }

    /** Runs a command, appending its output to {@code log}; fails the test with the log's tail unless it exits 0. */
    private static String run(Path directory, Path log, Duration timeout, String... command) throws Exception {
        Files.writeString(log, "$ " + String.join(" ", command) + "\n", StandardCharsets.UTF_8,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        Path output = Files.createTempFile("totpd-migration-command", ".log");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                    .redirectErrorStream(true).redirectOutput(output.toFile());
            // The outer Maven's own location must not steer the inner build to this project.
            builder.environment().remove("MAVEN_BASEDIR");
            builder.environment().remove("MAVEN_PROJECTBASEDIR");
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                fail("could not run " + String.join(" ", command) + ": " + e);
                return null;
            }
            boolean exited = process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
            if (!exited) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);
            Files.writeString(log, text, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
            if (!exited || process.exitValue() != 0) {
                fail((exited ? "exit " + process.exitValue() : "timed out after " + timeout) + ": "
                        + String.join(" ", command) + " (in " + directory + "; whole log " + log + ")\n" + tail(log));
            }
            return text;
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }

    private static void deleteRecursively(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    // ---- Applications and calls ----

    private Map<String, String> environment(String encryptionKey) {
        Map<String, String> env = new HashMap<>(PackagedApp.datasource(postgres));
        env.put("TOTPD_ENCRYPTION_KEYS", encryptionKey);
        // A lock long enough to outlast the upgrade; the default 30 s would end before the new version asks.
        env.put("TOTPD_LOCKOUT_FIRST_LOCK", "15m");
        // A loaded machine must not turn an activation away for want of a hashing place.
        env.put("TOTPD_BACKUP_CODES_HASH_WAIT", "30s");
        return env;
    }

    private PackagedApp start(Path directory, Map<String, String> env) throws IOException {
        PackagedApp app = PackagedApp.launch(directory, env);
        running.add(app);
        return app;
    }

    /** Enrolls and activates a user with the code of {@code step}; the phone and its backup codes. */
    private static Phone activate(PackagedApp app, String userId, long step) throws Exception {
        String secret = app.post("/enroll", "{\"userId\":\"" + userId + "\"}", 201).get("secret").asText();
        JsonNode activation = app.post("/activate", codeBody(userId, TOTP.code(Base32.decode(secret), step)), 200);
        List<String> backupCodes = new ArrayList<>();
        activation.get("backupCodes").forEach(code -> backupCodes.add(code.asText()));
        assertEquals(10, backupCodes.size());
        return new Phone(userId, secret, backupCodes);
    }

    /** A /verify with the code of {@code step} answers 200 from the authenticator the factor or enrollment became. */
    private static void assertSignsIn(PackagedApp app, Phone phone, long step, String authenticatorId) throws Exception {
        JsonNode verified = app.post("/verify", phone.body(step), 200);
        assertEquals("totp", verified.get("method").asText(), verified.toString());
        assertEquals(authenticatorId, verified.get("authenticatorId").asText(), verified.toString());
        assertEquals("Authenticator", verified.get("name").asText(), verified.toString());
    }

    private static void assertAuthenticator(JsonNode authenticator, String id, String state) {
        assertEquals(id, authenticator.get("authenticatorId").asText(), authenticator.toString());
        assertEquals("Authenticator", authenticator.get("name").asText(), authenticator.toString());
        assertEquals(state, authenticator.get("state").asText(), authenticator.toString());
    }

    private static void assertProblem(JsonNode problem, String type) {
        assertEquals(type, problem.path("type").asText(), problem.toString());
    }

    /** A signed QR link, fetched without a key as a browser does: 200 with a PNG. */
    private static void assertPng(PackagedApp app, String link) throws Exception {
        HttpResponse<byte[]> response = HTTP.send(HttpRequest.newBuilder(app.uri(link)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode(), new String(response.body(), StandardCharsets.UTF_8));
        assertEquals("image/png", response.headers().firstValue("Content-Type").orElse(""));
        assertArrayEquals(PNG_SIGNATURE, Arrays.copyOf(response.body(), PNG_SIGNATURE.length));
    }

    private static JsonNode getJson(PackagedApp app, String path, int expectedStatus) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(app.uri(path))
                .header("Authorization", "Bearer " + PackagedApp.API_KEY)
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(expectedStatus, response.statusCode(), path + ": " + response.body());
        return JSON.readTree(response.body());
    }

    private static String codeBody(String userId, String code) {
        return "{\"userId\":\"" + userId + "\",\"code\":\"" + code + "\"}";
    }

    private static String recoverBody(Phone phone, int index) {
        return "{\"userId\":\"" + phone.userId() + "\",\"backupCode\":\"" + phone.backupCodes().get(index) + "\"}";
    }

    /** A code of six digits that matches no step near now for this phone (nor the old and new windows). */
    private static String wrongCode(Phone phone) {
        long now = TOTP.step(Instant.now());
        List<String> near = new ArrayList<>();
        for (long step = now - 4; step <= now + 4; step++) {
            near.add(phone.code(step));
        }
        for (int candidate = 0; ; candidate++) {
            String code = String.format("%06d", candidate);
            if (!near.contains(code)) {
                return code;
            }
        }
    }

    // ---- Time ----

    private static double secondsLeftInStep() {
        long millis = System.currentTimeMillis();
        return (PERIOD * 1000 - Math.floorMod(millis, PERIOD * 1000)) / 1000.0;
    }

    /**
     * The current step, once at least 3 s of it are left, so that a code computed for it (or one step
     * before) is still judged in the same step by the server.
     */
    private static long stepWithMargin() throws InterruptedException {
        long step = TOTP.step(Instant.now());
        return secondsLeftInStep() < 3 ? awaitStep(step + 1) : step;
    }

    /** Sleeps until {@code step} has begun (and a little more, for the server's clock to agree); returns it. */
    private static long awaitStep(long step) throws InterruptedException {
        long startMillis = step * PERIOD * 1000 + 200;
        long wait = startMillis - System.currentTimeMillis();
        if (wait > 0) {
            Thread.sleep(wait);
        }
        return TOTP.step(Instant.now());
    }

    // ---- The database ----

    /** The first two columns of a query's rows, as text. */
    private Map<String, String> ids(String sql) throws SQLException {
        Map<String, String> rows = new HashMap<>();
        try (Connection connection = DriverManager.getConnection(postgres.getJdbcUrl("postgres", "postgres"), "postgres", "postgres");
                ResultSet row = connection.createStatement().executeQuery(sql)) {
            while (row.next()) {
                rows.put(row.getString(1), row.getString(2));
            }
        }
        return rows;
    }
}
