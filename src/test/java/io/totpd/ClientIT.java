package io.totpd;

import static io.totpd.support.PackagedApp.TOTP;
import static io.totpd.support.PackagedApp.datasource;
import static io.totpd.support.PackagedApp.launch;
import static io.totpd.support.PackagedApp.randomKey;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.totpd.client.ApiClient;
import io.totpd.client.ApiException;
import io.totpd.client.api.AuthenticatorsApi;
import io.totpd.client.api.EnrollmentApi;
import io.totpd.client.api.UsersApi;
import io.totpd.client.api.VerificationApi;
import io.totpd.client.model.ActivateRequest;
import io.totpd.client.model.Activation;
import io.totpd.client.model.AddAuthenticatorRequest;
import io.totpd.client.model.AuditEvent;
import io.totpd.client.model.Authenticator;
import io.totpd.client.model.AuthenticatorActivation;
import io.totpd.client.model.CodeRequest;
import io.totpd.client.model.EnrollRequest;
import io.totpd.client.model.Enrollment;
import io.totpd.client.model.NewAuthenticator;
import io.totpd.client.model.RecoverRequest;
import io.totpd.client.model.Recovery;
import io.totpd.client.model.Verification;
import io.totpd.dev.EmbeddedDatabase;
import io.totpd.otp.Base32;
import io.totpd.support.PackagedApp;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The generated Java client (client/, made from openapi.yaml at this build) against the packaged
 * service: a user's life driven only through it, and every failure as its one {@link ApiException}
 * with the problem's type, status, detail and Retry-After. The TOTP codes a phone would show come
 * from io.totpd.otp.
 */
class ClientIT {

    private static EmbeddedPostgres postgres;
    private static PackagedApp app;
    private static ApiClient client;

    @BeforeAll
    static void start() throws Exception {
        postgres = EmbeddedDatabase.startEphemeral();
        Map<String, String> env = new HashMap<>(datasource(postgres));
        env.put("TOTPD_ENCRYPTION_KEYS", randomKey("k1"));
        app = launch(env).awaitReady();
        client = client(app.uri("").toString(), PackagedApp.API_KEY);
    }

    @AfterAll
    static void stop() throws Exception {
        PackagedApp.stopAll(postgres, app);
    }

    /** A client as the README builds one: the JDK's defaults, the API key in every request. */
    private static ApiClient client(String baseUri, String apiKey) {
        ApiClient client = new ApiClient().setRequestInterceptor(request -> request.header("Authorization", "Bearer " + apiKey));
        client.updateBaseUri(baseUri);
        return client;
    }

    private static String newUserId() {
        return "client-" + UUID.randomUUID();
    }

    @Test
    void aUserEnrollsSignsInRecoversAndAddsASecondPhone() throws Exception {
        EnrollmentApi enrollment = new EnrollmentApi(client);
        VerificationApi verification = new VerificationApi(client);
        AuthenticatorsApi authenticators = new AuthenticatorsApi(client);
        String userId = newUserId();

        Enrollment enrolled = enrollment.enroll(new EnrollRequest().userId(userId).accountName("alice@example.com"));
        assertEquals(userId, enrolled.getUserId());
        assertEquals("otpauth", enrolled.getOtpauthUri().getScheme());
        byte[] secret = Base32.decode(enrolled.getSecret());
        long step = TOTP.step(Instant.now());
        Activation activation = enrollment.activate(new CodeRequest().userId(userId).code(TOTP.code(secret, step)));
        assertEquals(Activation.StateEnum.ACTIVE, activation.getState());
        assertEquals(10, activation.getBackupCodes().size());

        String fresh = TOTP.code(secret, step + 1);
        Verification verified = verification.verify(new CodeRequest().userId(userId).code(fresh));
        assertTrue(verified.getVerified());
        assertEquals(Verification.MethodEnum.TOTP, verified.getMethod());
        UUID firstPhone = verified.getAuthenticatorId();

        ApiException replay = assertThrows(ApiException.class,
                () -> verification.verify(new CodeRequest().userId(userId).code(fresh)));
        assertEquals(422, replay.status());
        assertTrue(replay.isType("code-already-used"), replay.getMessage());
        assertTrue(replay.isType("urn:totpd:problem:code-already-used"));
        assertFalse(replay.isType("invalid-code"));
        assertEquals("urn:totpd:problem:code-already-used", replay.type());
        assertEquals("Code already used", replay.title());
        assertFalse(replay.detail().isBlank());
        assertEquals(Optional.empty(), replay.retryAfter());

        Recovery recovery = verification.recover(new RecoverRequest().userId(userId)
                .backupCode(activation.getBackupCodes().iterator().next()));
        assertEquals(Recovery.MethodEnum.BACKUP_CODE, recovery.getMethod());
        assertEquals(9, recovery.getBackupCodesRemaining());

        NewAuthenticator workPhone = authenticators.addAuthenticator(userId, new AddAuthenticatorRequest().name("Work phone"));
        byte[] second = Base32.decode(workPhone.getSecret());
        AuthenticatorActivation added = authenticators.activateAuthenticator(userId, workPhone.getAuthenticatorId(),
                new ActivateRequest().code(TOTP.code(second, TOTP.step(Instant.now()))));
        assertEquals(AuthenticatorActivation.StateEnum.ACTIVE, added.getState());
        // Backup codes come only with a user's first active authenticator.
        assertTrue(added.getBackupCodes().isEmpty());

        List<Authenticator> listed = authenticators.listAuthenticators(userId).getAuthenticators();
        assertEquals(Set.of(firstPhone, workPhone.getAuthenticatorId()),
                Set.copyOf(listed.stream().map(Authenticator::getAuthenticatorId).toList()));
        assertEquals(Set.of("Authenticator", "Work phone"), Set.copyOf(listed.stream().map(Authenticator::getName).toList()));
        listed.forEach(phone -> assertEquals(Authenticator.StateEnum.ACTIVE, phone.getState()));

        List<AuditEvent> events = new UsersApi(client).listUserEvents(userId, 50, null).getEvents();
        assertEquals(List.of(AuditEvent.TypeEnum.ACTIVATED, AuditEvent.TypeEnum.AUTHENTICATOR_ADDED,
                        AuditEvent.TypeEnum.RECOVERED, AuditEvent.TypeEnum.REPLAYED, AuditEvent.TypeEnum.VERIFIED,
                        AuditEvent.TypeEnum.ACTIVATED, AuditEvent.TypeEnum.ENROLLED),
                events.stream().map(AuditEvent::getType).toList(), "newest first");
        events.forEach(event -> assertEquals("it", event.getCaller()));
    }

    @Test
    void aLockedFactorSaysHowLongToWait() throws Exception {
        VerificationApi verification = new VerificationApi(client);
        String userId = newUserId();
        byte[] secret = activeUser(userId);
        long step = TOTP.step(Instant.now());

        for (int i = 1; i <= 5; i++) {
            ApiException wrong = assertThrows(ApiException.class,
                    () -> verification.verify(new CodeRequest().userId(userId).code(wrongCode(secret, step))));
            assertEquals(422, wrong.status());
            assertTrue(wrong.isType("invalid-code"), wrong.getMessage());
            assertEquals(Optional.empty(), wrong.retryAfter());
        }
        ApiException locked = assertThrows(ApiException.class,
                () -> verification.verify(new CodeRequest().userId(userId).code(TOTP.code(secret, step + 1))));
        assertEquals(429, locked.status());
        assertTrue(locked.isType("factor-locked"), locked.getMessage());
        Duration wait = locked.retryAfter().orElseThrow();
        // The first lock is 30 s, counted from the fifth wrong code and rounded up to whole seconds.
        assertTrue(wait.compareTo(Duration.ofSeconds(25)) >= 0 && wait.compareTo(Duration.ofSeconds(30)) <= 0, wait.toString());
    }

    @Test
    void theReadmesSignInCheckTellsTheUserWhatHappened() throws Exception {
        SignInCheck signIn = new SignInCheck(app.uri("").toString(), PackagedApp.API_KEY);
        String userId = newUserId();
        byte[] secret = activeUser(userId);
        long step = TOTP.step(Instant.now());

        assertNull(signIn.secondFactor(userId, TOTP.code(secret, step + 1)));
        assertEquals("That code was used already: wait for the next one.", signIn.secondFactor(userId, TOTP.code(secret, step + 1)));
        for (int i = 1; i <= 5; i++) {
            assertEquals("That code is not right.", signIn.secondFactor(userId, wrongCode(secret, step)));
        }
        assertTrue(signIn.secondFactor(userId, TOTP.code(secret, step + 1)).matches("Too many wrong codes: try again in (2[5-9]|30) s\\."));
        assertEquals("Your code cannot be checked now: try again later.", signIn.secondFactor(newUserId(), "123456"));
        assertEquals("Your code cannot be checked now: try again later.",
                new SignInCheck(app.uri("").toString(), "not-a-key").secondFactor(userId, "123456"));
    }

    @Test
    void aWrongKeyIsTheUnauthorizedProblem() {
        VerificationApi stranger = new VerificationApi(client(app.uri("").toString(), "not-a-key"));
        ApiException unauthorized = assertThrows(ApiException.class,
                () -> stranger.verify(new CodeRequest().userId(newUserId()).code("123456")));
        assertEquals(401, unauthorized.status());
        assertTrue(unauthorized.isType("unauthorized"), unauthorized.getMessage());
        assertEquals(Optional.of("Bearer"), unauthorized.getResponseHeaders().firstValue("WWW-Authenticate"));
    }

    @Test
    void anAnswerThatIsNoProblemStillComesAsTheException() throws Exception {
        // What a proxy in front of totpd may answer: its own error page, or a bare 503 with a wait.
        HttpServer proxy = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        proxy.createContext("/verify", exchange -> {
            byte[] page = "<html><body>502 Bad Gateway</body></html>".getBytes(UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html");
            exchange.sendResponseHeaders(502, page.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(page);
            }
        });
        proxy.createContext("/recover", exchange -> {
            exchange.getResponseHeaders().add("Retry-After", "120");
            exchange.sendResponseHeaders(503, -1);
            exchange.close();
        });
        proxy.start();
        try {
            VerificationApi verification = new VerificationApi(client("http://127.0.0.1:" + proxy.getAddress().getPort(), "k"));
            ApiException page = assertThrows(ApiException.class,
                    () -> verification.verify(new CodeRequest().userId("alice").code("123456")));
            assertEquals(502, page.status());
            assertFalse(page.isProblem());
            assertEquals(ApiException.ABOUT_BLANK, page.type());
            assertFalse(page.isType("invalid-code"));
            assertNull(page.detail());
            assertTrue(page.getResponseBody().contains("502 Bad Gateway"), page.getResponseBody());
            assertTrue(page.getMessage().contains("502"), page.getMessage());

            ApiException busy = assertThrows(ApiException.class,
                    () -> verification.recover(new RecoverRequest().userId("alice").backupCode("7KQM-3XD9-PR2A")));
            assertEquals(503, busy.status());
            assertEquals(Optional.of(Duration.ofSeconds(120)), busy.retryAfter());
        } finally {
            proxy.stop(0);
        }
    }

    @Test
    void noAnswerAtAllIsTheExceptionWithItsCause() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        VerificationApi verification = new VerificationApi(client("http://127.0.0.1:" + closedPort, "k"));
        ApiException unreachable = assertThrows(ApiException.class,
                () -> verification.verify(new CodeRequest().userId("alice").code("123456")));
        assertEquals(0, unreachable.status());
        assertNull(unreachable.type());
        assertFalse(unreachable.isProblem());
        assertInstanceOf(IOException.class, unreachable.getCause());
    }

    @Test
    void theReadmeShowsTheSignInCheckAsItIs() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        String section = readme.substring(readme.indexOf("## Call it from Java"));
        int start = section.indexOf("```java\n") + "```java\n".length();
        String shown = section.substring(start, section.indexOf("```\n", start));
        String source = Files.readString(Path.of("src/test/java/io/totpd/SignInCheck.java"));
        assertEquals(source.substring(source.indexOf("import ")), shown);
    }

    /** Enrolls and activates {@code userId} through the client; the secret its phone holds. */
    private static byte[] activeUser(String userId) throws ApiException {
        EnrollmentApi enrollment = new EnrollmentApi(client);
        byte[] secret = Base32.decode(enrollment.enroll(new EnrollRequest().userId(userId)).getSecret());
        enrollment.activate(new CodeRequest().userId(userId).code(TOTP.code(secret, TOTP.step(Instant.now()))));
        return secret;
    }

    /** Six digits that are none of the codes around {@code step}, so that no window the service uses takes them. */
    private static String wrongCode(byte[] secret, long step) {
        Set<String> near = Set.copyOf(LongStream.rangeClosed(step - 4, step + 4).mapToObj(s -> TOTP.code(secret, s)).toList());
        for (int candidate = 0; ; candidate++) {
            String code = String.format("%06d", candidate);
            if (!near.contains(code)) {
                return code;
            }
        }
    }
}
