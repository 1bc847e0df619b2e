package io.totpd.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.totpd.support.ApiKeys;
import io.totpd.support.Contract;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every answer the HTTP layer gives, also before the application sees the request, follows the
 * contract: the standard headers, a Date, and a problem body for an error. Sent over a plain socket,
 * since HTTP clients refuse to send most of these requests.
 */
@QuarkusTest
class HttpLayerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "Authorization: Bearer " + ApiKeys.PORTAL + "\r\n";

    @TestHTTPResource("/")
    URL root;

    /**
     * Vert.x's HTTP codec answers what it cannot parse before any route, and Quarkus 3.33 has no hook
     * for it (quarkusio/quarkus#55082): a bare 400 and a closed connection, documented as such.
     */
    @Test
    void anUnparsableRequestIs400() throws IOException {
        assertEquals(400, send("GET /users/x HTTP/1.1\r\nHost: t\r\nthis is no header\r\n\r\n").status);
    }

    @Test
    void optionsOnEveryPathOfTheContractNamesExactlyItsMethods() throws IOException {
        JsonNode paths = new ObjectMapper(new YAMLFactory()).readTree(Contract.OPENAPI.toFile()).get("paths");
        for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> path = it.next();
            Set<String> documented = new TreeSet<>();
            path.getValue().fieldNames().forEachRemaining(name -> {
                if (Set.of("get", "head", "post", "put", "patch", "delete").contains(name)) {
                    documented.add(name.toUpperCase(Locale.ROOT));
                }
            });
            if (documented.contains("GET")) {
                documented.add("HEAD");
            }
            String concrete = path.getKey().replaceAll("\\{[^}]+}", "alice");
            Response options = send("OPTIONS " + concrete + " HTTP/1.1\r\nHost: t\r\n\r\n");
            problem(options, 405, "method-not-allowed");
            assertEquals(documented, allow(options), concrete);
        }
    }

    @Test
    void anUnknownPathIs404() throws IOException {
        problem(send("GET /nope HTTP/1.1\r\nHost: t\r\n" + KEY + "\r\n"), 404, "not-found");
    }

    @Test
    void anUnsupportedMethodIs405WithAnAccurateAllow() throws IOException {
        Response put = send("PUT /verify HTTP/1.1\r\nHost: t\r\n" + KEY + "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
        problem(put, 405, "method-not-allowed");
        assertEquals(Set.of("POST"), allow(put));
        Response patch = send("PATCH /users/alice HTTP/1.1\r\nHost: t\r\n" + KEY + "Content-Length: 0\r\n\r\n");
        problem(patch, 405, "method-not-allowed");
        assertEquals(Set.of("GET", "HEAD", "DELETE"), allow(patch));
        // Every method Allow names must really be answered by something other than 405.
        for (String method : allow(patch)) {
            Response answer = send(method + " /users/alice HTTP/1.1\r\nHost: t\r\n" + KEY + "Content-Length: 0\r\n\r\n");
            assertTrue(answer.status != 405, method + " is in Allow but answers 405");
        }
    }

    @Test
    void everyPathOfTheContractAnswersEveryMethodItDoesNotListWith405() throws IOException {
        // Also where resource classes share a prefix (/users/{userId}, .../authenticators, .../events).
        for (String path : List.of("/users/alice/events", "/users/alice/authenticators",
                "/users/alice/authenticators/3f0c8a52-7d1e-4b6a-9c2f-5e8d1a7b4c60",
                "/users/alice/authenticators/3f0c8a52-7d1e-4b6a-9c2f-5e8d1a7b4c60/activate",
                "/users/alice/authenticators/3f0c8a52-7d1e-4b6a-9c2f-5e8d1a7b4c60/qr.png", "/users/alice/unlock")) {
            Set<String> allowed = allow(send("OPTIONS " + path + " HTTP/1.1\r\nHost: t\r\n" + KEY + "\r\n"));
            for (String method : List.of("GET", "POST", "PUT", "PATCH", "DELETE")) {
                if (!allowed.contains(method)) {
                    Response answer = send(method + " " + path + " HTTP/1.1\r\nHost: t\r\n" + KEY + "Content-Length: 0\r\n\r\n");
                    problem(answer, 405, "method-not-allowed");
                    assertEquals(allowed, allow(answer), method + " " + path);
                }
            }
        }
    }

    @Test
    void optionsIs405WithAllowOnKnownPathsAnd404Elsewhere() throws IOException {
        Response known = send("OPTIONS /verify HTTP/1.1\r\nHost: t\r\n\r\n");
        problem(known, 405, "method-not-allowed");
        assertEquals(Set.of("POST"), allow(known));
        Response users = send("OPTIONS /users/alice/events HTTP/1.1\r\nHost: t\r\n\r\n");
        problem(users, 405, "method-not-allowed");
        assertEquals(Set.of("GET", "HEAD"), allow(users));
        problem(send("OPTIONS /nope HTTP/1.1\r\nHost: t\r\n\r\n"), 404, "not-found");
    }

    @Test
    void anUnacceptableAcceptIs406() throws IOException {
        problem(send("GET /users/alice HTTP/1.1\r\nHost: t\r\n" + KEY + "Accept: text/html\r\n\r\n"), 406, "not-acceptable");
    }

    @Test
    void aDeclaredBodyOverTheLimitIs413() throws IOException {
        problem(send("POST /verify HTTP/1.1\r\nHost: t\r\n" + KEY + "Content-Type: application/json\r\nContent-Length: 20000\r\n\r\n{"),
                413, "payload-too-large");
    }

    @Test
    void aChunkedBodyOverTheLimitIs413() throws IOException {
        problem(send(chunked("x".repeat(5 * 4096))), 413, "payload-too-large");
    }

    /** Whatever the body holds: JSON whose first fault (an unknown member) lies before the limit too. */
    @Test
    void aChunkedBodyOverTheLimitIs413WhereverItsFirstFaultLies() throws IOException {
        for (int size : new int[] {16 * 1024 + 500, 20_000, 100_000, 1_000_000}) {
            String body = "{\"userId\":\"alice\",\"code\":\"123456\",\"pad\":\"" + "x".repeat(size) + "\"}";
            problem(send(chunked(body)), 413, "payload-too-large");
        }
    }

    /**
     * A body within the limit reaches the operation however it comes: declared, chunked in pieces of a
     * few bytes, after an {@code Expect: 100-continue} (the answer 100 comes before the body is sent),
     * and over cleartext HTTP/2, which {@code java.net.http.HttpClient} upgrades to by default.
     */
    @Test
    void aBodyWithinTheLimitReachesTheOperationHoweverItIsSent() throws Exception {
        String declared = enrollment();
        assertEquals(201, send("POST /enroll HTTP/1.1\r\nHost: t\r\n" + KEY + "Content-Type: application/json\r\nContent-Length: "
                + declared.length() + "\r\n\r\n" + declared).status);

        String body = enrollment();
        StringBuilder pieces = new StringBuilder("POST /enroll HTTP/1.1\r\nHost: t\r\n" + KEY
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int from = 0; from < body.length(); from += 3) {
            String piece = body.substring(from, Math.min(body.length(), from + 3));
            pieces.append(Integer.toHexString(piece.length())).append("\r\n").append(piece).append("\r\n");
        }
        assertEquals(201, send(pieces.append("0\r\n\r\n").toString()).status);

        String continued = enrollment();
        try (Socket socket = new Socket(root.getHost(), root.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /enroll HTTP/1.1\r\nHost: t\r\n" + KEY + "Content-Type: application/json\r\nExpect: 100-continue\r\n"
                    + "Content-Length: " + continued.length() + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertEquals(100, Response.read(socket.getInputStream()).status);
            out.write(continued.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertEquals(201, Response.read(socket.getInputStream()).status);
        }

        java.net.http.HttpClient http2 = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_2).build();
        for (int i = 0; i < 3; i++) {
            java.net.http.HttpResponse<String> answer = http2.send(java.net.http.HttpRequest.newBuilder(root.toURI().resolve("/enroll"))
                    .header("Authorization", "Bearer " + ApiKeys.PORTAL).header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(enrollment())).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(201, answer.statusCode(), answer.body());
            if (i > 0) {
                assertEquals(java.net.http.HttpClient.Version.HTTP_2, answer.version(), "the connection was upgraded");
            }
        }
    }

    private static String enrollment() {
        return "{\"userId\":\"body-" + java.util.UUID.randomUUID() + "\"}";
    }

    private static String chunked(String body) {
        StringBuilder request = new StringBuilder("POST /verify HTTP/1.1\r\nHost: t\r\n" + KEY
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int from = 0; from < body.length(); from += 4096) {
            String chunk = body.substring(from, Math.min(body.length(), from + 4096));
            request.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
        }
        return request.append("0\r\n\r\n").toString();
    }

    @Test
    void aRequestLineOverTheLimitIs414() throws IOException {
        problem(send("GET /users/" + "a".repeat(5000) + " HTTP/1.1\r\nHost: t\r\n" + KEY + "\r\n"), 414, "uri-too-long");
        problem(send("GET /users/alice/events?limit=" + "1".repeat(5000) + " HTTP/1.1\r\nHost: t\r\n" + KEY + "\r\n"),
                414, "uri-too-long");
    }

    @Test
    void anUnsupportedContentTypeIs415() throws IOException {
        problem(send("POST /verify HTTP/1.1\r\nHost: t\r\n" + KEY + "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi"),
                415, "unsupported-media-type");
    }

    @Test
    void headersOverTheLimitAre431() throws IOException {
        problem(send("GET /users/alice HTTP/1.1\r\nHost: t\r\n" + KEY + "X-Big: " + "b".repeat(9000) + "\r\n\r\n"),
                431, "request-header-fields-too-large");
        StringBuilder many = new StringBuilder("GET /users/alice HTTP/1.1\r\nHost: t\r\n" + KEY);
        for (int i = 0; i < 300; i++) {
            many.append("X-Header-").append(i).append(": ").append("v".repeat(40)).append("\r\n");
        }
        problem(send(many.append("\r\n").toString()), 431, "request-header-fields-too-large");
    }

    @Test
    void successesCarryTheStandardHeadersToo() throws IOException {
        Response ok = send("GET /users/alice/events HTTP/1.1\r\nHost: t\r\n" + KEY + "X-Request-Id: layer-test-1\r\n\r\n");
        assertEquals(200, ok.status, ok.toString());
        standardHeaders(ok);
        assertEquals("layer-test-1", ok.headers.get("x-request-id"));
        Response health = send("GET /q/health/live HTTP/1.1\r\nHost: t\r\n\r\n");
        assertEquals(200, health.status, health.toString());
        standardHeaders(health);
    }

    @Test
    void theDateMovesOnFromOneSecondToTheNext() throws Exception {
        String request = "GET /q/health/live HTTP/1.1\r\nHost: t\r\n\r\n";
        String first = send(request).headers.get("date");
        Thread.sleep(1_100);
        String second = send(request).headers.get("date");
        assertNotEquals(first, second, "two answers more than a second apart");
        assertTrue(ZonedDateTime.parse(second, DateTimeFormatter.RFC_1123_DATE_TIME)
                .isAfter(ZonedDateTime.parse(first, DateTimeFormatter.RFC_1123_DATE_TIME)), first + " then " + second);
    }

    private static Set<String> allow(Response response) {
        String allow = response.headers.get("allow");
        assertNotNull(allow, "no Allow header: " + response);
        Set<String> methods = new TreeSet<>();
        for (String method : allow.split(",")) {
            methods.add(method.trim());
        }
        return methods;
    }

    private static void problem(Response response, int status, String type) throws IOException {
        assertEquals(status, response.status, response.toString());
        assertEquals("application/problem+json", response.headers.get("content-type"), response.toString());
        JsonNode body = JSON.readTree(response.body);
        assertEquals("urn:totpd:problem:" + type, body.path("type").asText(), response.toString());
        assertEquals(status, body.path("status").asInt(), response.toString());
        assertTrue(body.path("title").isTextual() && body.path("detail").isTextual(), response.toString());
        assertEquals(Set.of("type", "title", "status", "detail"), fieldNames(body), response.toString());
        standardHeaders(response);
    }

    private static void standardHeaders(Response response) {
        assertEquals("no-store", response.headers.get("cache-control"), response.toString());
        assertEquals("nosniff", response.headers.get("x-content-type-options"), response.toString());
        assertEquals("no-referrer", response.headers.get("referrer-policy"), response.toString());
        assertNotNull(response.headers.get("x-request-id"), response.toString());
        String date = response.headers.get("date");
        assertNotNull(date, "no Date header: " + response);
        // The text is made once a second and reused: it must still say when this answer was sent.
        long age = Duration.between(ZonedDateTime.parse(date, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant(),
                Instant.now()).toSeconds();
        assertTrue(age >= 0 && age <= 2, "Date " + date + " is " + age + " s old: " + response);
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new TreeSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** One request on a new connection; the answer is read until the server closes or the body ends. */
    private Response send(String request) throws IOException {
        try (Socket socket = new Socket(root.getHost(), root.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (IOException closedWhileSending) {
                // The server may answer and close before the whole request is sent; read what it said.
            }
            return Response.read(socket.getInputStream());
        }
    }

    private record Response(int status, Map<String, String> headers, byte[] body) {

        static Response read(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int last4 = 0;
            int b;
            while ((b = in.read()) != -1) {
                head.write(b);
                last4 = (last4 << 8) | b;
                if (last4 == 0x0d0a0d0a) {
                    break;
                }
            }
            String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
            if (lines.length == 0 || !lines[0].startsWith("HTTP/1.")) {
                throw new IOException("no HTTP response: " + head.toString(StandardCharsets.ISO_8859_1));
            }
            int status = Integer.parseInt(lines[0].substring(9, 12));
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line : Arrays.copyOfRange(lines, 1, lines.length)) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.merge(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim(),
                            (a, c) -> a + ", " + c);
                }
            }
            byte[] body;
            if (headers.containsKey("content-length")) {
                body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
            } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                ByteArrayOutputStream chunks = new ByteArrayOutputStream();
                while (true) {
                    int length = Integer.parseInt(readLine(in).trim(), 16);
                    if (length == 0) {
                        break;
                    }
                    chunks.write(in.readNBytes(length));
                    readLine(in);
                }
                body = chunks.toByteArray();
            } else {
                body = new byte[0];
            }
            return new Response(status, headers, body);
        }

        private static String readLine(InputStream in) throws IOException {
            StringBuilder line = new StringBuilder();
            int b;
            while ((b = in.read()) != -1 && b != '\n') {
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            return line.toString();
        }

        @Override
        public String toString() {
            return status + " " + headers + " " + new String(body, StandardCharsets.UTF_8);
        }
    }
}
