package io.totpd.tracing;

import static io.totpd.support.Contract.anonymous;
import static io.totpd.support.Contract.api;
import static io.totpd.support.Contract.raw;
import static io.totpd.support.Users.activated;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.enroll;
import static io.totpd.support.Users.newUserId;
import static io.totpd.support.Users.verify;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.totpd.support.ApiKeys;
import io.totpd.support.TestClock;
import io.totpd.support.Users.Activated;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Traces as an operator sees them once an OTLP endpoint is configured: a span for each request and
 * one for each statement it sends, and nothing in them a caller sent as a credential: no code, backup
 * code, secret, API key, QR link token or request body, and no user id.
 */
@QuarkusTest
@TestProfile(TracingTest.Traced.class)
class TracingTest {

    /** An OTLP endpoint configured is what turns traces on; the in-memory exporter takes the place of OTLP. */
    public static class Traced implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.exporter.otlp.endpoint", "http://127.0.0.1:4317",
                    "quarkus.otel.bsp.schedule.delay", "10ms");
        }
    }

    private static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
    private static final AttributeKey<String> URL_QUERY = AttributeKey.stringKey("url.query");
    private static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");

    @Inject
    InMemorySpanExporter exporter;

    @Inject
    TestClock clock;

    @Inject
    DataSource dataSource;

    @BeforeEach
    void forgetEarlierSpans() {
        exporter.reset();
    }

    @Test
    void aVerifyIsOneServerSpanWithItsOneReadAndOneWriteAndNoCodeKeySecretOrUser() {
        String userId = newUserId();
        Activated user = activated(userId, clock);
        clock.advance(Duration.ofSeconds(30));
        String code = code(user.secret(), clock, 0);
        awaitServerSpan("POST /activate");
        exporter.reset();

        verify(userId, code).then().statusCode(200);

        SpanData server = awaitServerSpan("POST /verify");
        List<SpanData> trace = trace(server.getTraceId());
        assertEquals(1, trace.stream().filter(span -> span.getKind() == SpanKind.SERVER).count(), describe(trace));
        assertEquals("/verify", server.getAttributes().get(URL_PATH));
        assertEquals("/verify", server.getAttributes().get(HTTP_ROUTE));
        List<String> statements = trace.stream().filter(span -> statement(span) != null)
                .peek(span -> assertEquals(server.getSpanId(), span.getParentSpanId(), "a statement of the request"))
                .map(TracingTest::statement).toList();
        assertEquals(2, statements.size(), describe(trace));
        assertTrue(statements.get(0).startsWith("SELECT") && statements.get(0).contains("FROM user_account u LEFT JOIN authenticator"),
                statements.get(0));
        assertTrue(statements.get(1).startsWith("WITH changed AS (") && statements.get(1).contains("UPDATE user_account SET"),
                statements.get(1));

        List<String> secrets = new ArrayList<>(List.of(code, user.secret(), ApiKeys.PORTAL, userId));
        secrets.addAll(user.backupCodes());
        assertNowhere(trace, secrets);
    }

    @Test
    void aStatementHoldsPlaceholdersNeverTheValuesBound() {
        String userId = newUserId();
        Activated user = activated(userId, clock);
        clock.advance(Duration.ofSeconds(30));
        exporter.reset();

        api().body(Map.of("userId", userId, "backupCode", user.backupCodes().get(0))).post("/recover").then().statusCode(200);

        List<SpanData> trace = trace(awaitServerSpan("POST /recover").getTraceId());
        List<String> statements = trace.stream().map(TracingTest::statement).filter(s -> s != null).toList();
        assertFalse(statements.isEmpty(), describe(trace));
        assertTrue(statements.stream().allMatch(s -> s.contains("?")), String.join("\n", statements));
        assertNowhere(trace, List.of(userId, "acme", user.backupCodes().get(0), user.backupCodes().get(0).replace("-", "")));
    }

    @Test
    void aCallersTraceparentMakesTheRequestAChildOfTheCallersSpan() {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String callerSpan = "00f067aa0ba902b7";

        api().header("traceparent", "00-" + traceId + "-" + callerSpan + "-01").get("/users/" + newUserId())
                .then().statusCode(404);

        SpanData server = awaitServerSpan("GET /users/{userId}");
        assertEquals(traceId, server.getTraceId());
        assertEquals(callerSpan, server.getParentSpanId());
        assertTrue(server.getParentSpanContext().isRemote());
    }

    @Test
    void aQrLinkIsInNoSpanNorItsToken() {
        JsonPath enrollment = enroll(newUserId());
        String link = enrollment.getString("qrCodeUrl");
        String token = link.substring("/qr/".length());
        exporter.reset();

        anonymous().queryParam("size", 300).get(link).then().statusCode(200);
        anonymous().get(link + "x").then().statusCode(404);

        List<SpanData> spans = awaitServerSpans("GET /qr/{token}", 2);
        for (SpanData server : spans) {
            assertEquals("/qr/{token}", server.getAttributes().get(URL_PATH));
        }
        assertTrue(spans.stream().anyMatch(span -> "size=REDACTED".equals(span.getAttributes().get(URL_QUERY))), describe(spans));
        assertNowhere(exporter.getFinishedSpanItems(), List.of(token));
    }

    @Test
    void aUserIdInAPathOrAQueryIsInNoSpan() {
        String userId = newUserId();
        enroll(userId);
        exporter.reset();

        api().queryParam("limit", 5).get("/users/" + userId + "/events").then().statusCode(200);
        api().queryParam("userId", userId).get("/webhooks/deliveries").then().statusCode(200);
        // Answered before any resource runs: a method the path does not have, and a path that is none.
        raw().put("/users/" + userId).then().statusCode(405);
        raw().get("/no-such-path/" + userId).then().statusCode(404);

        awaitServerSpan("GET /users/{userId}/events");
        awaitServerSpan("GET /webhooks/deliveries");
        List<SpanData> spans = awaitSpans(all -> all.stream().filter(span -> span.getKind() == SpanKind.SERVER).count() >= 4);
        assertTrue(spans.stream().anyMatch(span -> "userId=REDACTED".equals(span.getAttributes().get(URL_QUERY))), describe(spans));
        assertNowhere(spans, List.of(userId));
    }

    @Test
    void aBodyThatCannotBeReadIsInNoSpan() {
        String userId = newUserId();
        exporter.reset();

        // A JSON parser names the token it choked on; the failure must not carry it into the trace.
        raw().contentType("application/json").body("{\"userId\":\"" + userId + "\",\"code\":abcdef}").post("/verify")
                .then().statusCode(400);
        raw().contentType("application/json").body("{\"userId\":\"" + userId + "\",\"backupCode\":true,\"x\":\"qwerty\"}")
                .post("/recover").then().statusCode(400);
        raw().contentType("application/json").body("{\"userId\":\"" + userId + "\",\"code\":\"12a456\"}").post("/verify")
                .then().statusCode(400);

        List<SpanData> spans = awaitSpans(all -> all.stream().filter(span -> span.getKind() == SpanKind.SERVER).count() >= 3);
        assertNowhere(spans, List.of(userId, "abcdef", "qwerty", "12a456"));
    }

    @Test
    void aStatementNoRequestMadeIsNoTrace() throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement sql = connection.createStatement()) {
            sql.execute("SELECT 1 AS outside_a_request");
        }
        api().get("/users/" + newUserId()).then().statusCode(404);

        List<SpanData> spans = List.of(awaitServerSpan("GET /users/{userId}"));
        List<SpanData> all = exporter.getFinishedSpanItems();
        assertTrue(all.stream().noneMatch(span -> span.getParentSpanContext().isValid() == false && span.getKind() == SpanKind.CLIENT),
                describe(all));
        assertNowhere(all, List.of("outside_a_request"));
        assertFalse(spans.isEmpty());
    }

    /** The statement a span ran, under the old or the stable semantic conventions; null for other spans. */
    private static String statement(SpanData span) {
        String old = span.getAttributes().get(AttributeKey.stringKey("db.statement"));
        return old != null ? old : span.getAttributes().get(AttributeKey.stringKey("db.query.text"));
    }

    private SpanData awaitServerSpan(String name) {
        return awaitServerSpans(name, 1).get(0);
    }

    private List<SpanData> awaitServerSpans(String name, int count) {
        Predicate<SpanData> named = span -> span.getKind() == SpanKind.SERVER && span.getName().equals(name);
        return awaitSpans(all -> all.stream().filter(named).count() >= count).stream().filter(named).toList();
    }

    /** The spans exported so far, once {@code done} holds of them; the server span ends after the answer is sent. */
    private List<SpanData> awaitSpans(Predicate<List<SpanData>> done) {
        Instant deadline = Instant.now().plusSeconds(10);
        while (true) {
            List<SpanData> spans = exporter.getFinishedSpanItems();
            if (done.test(spans)) {
                return spans;
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("the spans never came: " + describe(spans));
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private List<SpanData> trace(String traceId) {
        return exporter.getFinishedSpanItems().stream().filter(span -> span.getTraceId().equals(traceId))
                .sorted((a, b) -> Long.compare(a.getStartEpochNanos(), b.getStartEpochNanos())).toList();
    }

    /** No name, attribute value or event (its name and attributes) of any span contains any of {@code values}. */
    private static void assertNowhere(List<SpanData> spans, List<String> values) {
        assertFalse(spans.isEmpty());
        for (SpanData span : spans) {
            List<String> texts = new ArrayList<>(List.of(span.getName()));
            texts.addAll(values(span.getAttributes()));
            for (EventData event : span.getEvents()) {
                texts.add(event.getName());
                texts.addAll(values(event.getAttributes()));
            }
            for (String value : values) {
                assertNotNull(value);
                for (String text : texts) {
                    assertFalse(text.contains(value), "span " + span.getName() + " holds \"" + value + "\": " + text);
                }
            }
        }
    }

    private static List<String> values(Attributes attributes) {
        return attributes.asMap().values().stream().map(String::valueOf).toList();
    }

    private static String describe(List<SpanData> spans) {
        return spans.stream().map(span -> span.getKind() + " " + span.getName() + " " + span.getAttributes())
                .collect(Collectors.joining("\n", "\n", ""));
    }
}
