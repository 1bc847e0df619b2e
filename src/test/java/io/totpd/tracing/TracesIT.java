package io.totpd.tracing;

import static io.totpd.support.PackagedApp.launch;
import static io.totpd.support.PackagedApp.randomKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.totpd.dev.EmbeddedDatabase;
import io.totpd.otp.Base32;
import io.totpd.support.Leaks;
import io.totpd.support.PackagedApp;
import io.totpd.support.PackagedApp.ActiveUser;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The package with and without an OTLP endpoint, as an operator switches traces on: with one, the
 * spans of a sign-in reach the collector, in the caller's trace (which decides whether it is sampled,
 * whatever the ratio), without the code, the API key, the secret or the user id, and the JSON log line
 * of the request names the trace; without one, nothing is traced at all. The collector here is a bare OTLP/HTTP receiver that keeps each export's bytes
 * (protobuf carries strings as they are, so searching them is enough).
 */
class TracesIT {

    private static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
    private static final String TRACEPARENT = "00-" + TRACE_ID + "-b7ad6b7169203331-01";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static EmbeddedPostgres postgres;
    private static Map<String, String> database;
    private static HttpServer collector;
    private static final List<byte[]> exports = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start() throws IOException {
        database = PackagedApp.configuredDatasource().orElse(null);
        if (database == null) {
            postgres = EmbeddedDatabase.startEphemeral();
            database = PackagedApp.datasource(postgres);
        }
        collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        collector.createContext("/v1/traces", exchange -> {
            exports.add(exchange.getRequestBody().readAllBytes());
            // An empty ExportTraceServiceResponse: everything accepted.
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        collector.start();
    }

    @AfterAll
    static void stop() throws IOException {
        collector.stop(0);
        if (postgres != null) {
            postgres.close();
        }
    }

    @BeforeEach
    void forgetEarlierExports() {
        exports.clear();
    }

    @Test
    void withAnEndpointASignInIsTracedInTheCallersTraceWithoutCodeKeySecretOrUser() throws Exception {
        PackagedApp app = launch(environment(Map.of(
                "QUARKUS_OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:" + collector.getAddress().getPort(),
                "QUARKUS_OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
                // Requests that come without a trace of their own are not traced; the caller's decides for its own.
                "QUARKUS_OTEL_TRACES_SAMPLER_ARG", "0.0")));
        try {
            app.awaitReady();
            ActiveUser user = app.newActiveUser();
            String body = user.verifyBody(1);
            HttpResponse<String> verified = app.send("/verify", body, Map.of("traceparent", TRACEPARENT));
            assertEquals(200, verified.statusCode(), verified.body());

            // The request's span ends after its answer, so it may come in a later export than its statements.
            String exported = awaitExport(new String(HexFormat.of().parseHex(TRACE_ID), StandardCharsets.ISO_8859_1), "POST /verify");
            assertTrue(exported.contains("FROM user_account u LEFT JOIN authenticator"), "the sign-in's read");
            assertTrue(exported.contains("UPDATE user_account SET"), "the sign-in's write");
            assertFalse(exported.contains("POST /enroll") || exported.contains("POST /activate"), "sampled out at a ratio of 0");
            String code = JSON.readTree(body).get("code").asText();
            for (String secret : List.of(code, PackagedApp.API_KEY, Base32.encode(user.secret()), user.userId())) {
                assertFalse(Leaks.holds(exported, secret), "a span holds " + secret);
            }

            JsonNode logged = logLine(app, "verify accepted");
            assertEquals(TRACE_ID, logged.path("mdc").path("traceId").asText(), logged.toString());
        } finally {
            app.stop();
        }
    }

    @Test
    void withoutAnEndpointNothingIsTraced() throws Exception {
        PackagedApp app = launch(environment(Map.of()));
        try {
            app.awaitReady();
            ActiveUser user = app.newActiveUser();
            HttpResponse<String> verified = app.send("/verify", user.verifyBody(1), Map.of("traceparent", TRACEPARENT));
            assertEquals(200, verified.statusCode(), verified.body());

            JsonNode logged = logLine(app, "verify accepted");
            assertTrue(logged.path("mdc").path("traceId").isMissingNode(), "no span, so no trace id: " + logged);
            // The batch processor would have sent (or failed to send, to Quarkus's default localhost:4317) by now.
            Thread.sleep(1500);
            assertEquals(List.of(), exports);
            for (String line : app.output().lines().filter(line -> line.startsWith("{")).toList()) {
                assertFalse(JSON.readTree(line).path("loggerName").asText().contains("opentelemetry"), line);
            }
        } finally {
            app.stop();
        }
    }

    /** The database, a key, and a batch processor that sends within a tenth of a second, on top of {@code more}. */
    private static Map<String, String> environment(Map<String, String> more) {
        Map<String, String> env = new HashMap<>(database);
        env.put("TOTPD_ENCRYPTION_KEYS", randomKey("k1"));
        env.put("QUARKUS_OTEL_BSP_SCHEDULE_DELAY", "100ms");
        env.putAll(more);
        return env;
    }

    /** The bytes of the exports so far, as Latin-1 text (one char a byte), once they hold each of {@code wanted}. */
    private static String awaitExport(String... wanted) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(15);
        while (Instant.now().isBefore(deadline)) {
            StringBuilder all = new StringBuilder();
            synchronized (exports) {
                exports.forEach(export -> all.append(new String(export, StandardCharsets.ISO_8859_1)));
            }
            if (Arrays.stream(wanted).allMatch(needle -> all.indexOf(needle) >= 0)) {
                return all.toString();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the exports never held the caller's trace id and the span of its request: " + exports.size());
    }

    /** The JSON log line whose message contains {@code text}; the service logs each code check once. */
    private static JsonNode logLine(PackagedApp app, String text) throws IOException {
        for (String line : app.output().lines().filter(line -> line.startsWith("{")).toList()) {
            JsonNode json = JSON.readTree(line);
            if (json.path("message").asText().contains(text)) {
                return json;
            }
        }
        throw new AssertionError("no log line says " + text + "\n" + app.output());
    }
}
