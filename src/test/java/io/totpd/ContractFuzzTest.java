package io.totpd;

import static io.totpd.support.Contract.anonymous;
import static io.totpd.support.Contract.raw;
import static io.totpd.support.Users.activeUser;
import static io.totpd.support.Users.newUserId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.totpd.support.ApiKeys;
import io.totpd.support.Contract;
import io.totpd.support.TestClock;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.engine.SourceOfRandomness;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every operation of openapi.yaml, called with bodies and parameters mutated from its own schemas:
 * wrong types, repeated, extra and missing members, content after the body, other media types, odd
 * Unicode, huge numbers. Whatever is sent, the answer is never a 5xx, every 4xx is a problem the
 * contract allows, a body the contract forbids is a 400, and a refused request changes nothing in the
 * database.
 *
 * <p>jqwik supplies the generators, driven by a {@link Random} with a fixed seed: jqwik's own engine
 * cannot run a {@code @QuarkusTest}, which needs JUnit Jupiter. Another run:
 * {@code ./mvnw test -Dtest=ContractFuzzTest -Dtotpd.fuzz.seed=42 -Dtotpd.fuzz.tries=200}; a
 * failure names the seed, the try and the exchange.
 */
@QuarkusTest
class ContractFuzzTest {

    private static final long SEED = Long.getLong("totpd.fuzz.seed", 20240611L);
    private static final int TRIES = Integer.getInteger("totpd.fuzz.tries", 40);
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch");

    /** Characters that survive a careless normalisation as something else, or break a careless store. */
    private static final List<String> TRAPS = List.of("\u0131", "\u0130", "\u017F", "\u212A", "\u00DF", "\uFB00",
            "\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16", "\u0661\u0662\u0663\u0664\u0665\u0666", "e\u0301", "\u0301",
            "\u0000", "\uD800", "\uDC00", "\uD83D\uDE00", "\u200B", "\u202E", "\uFEFF", "\u00A0", "\u2028", "\r\n",
            "\t", "\"", "\\", "/", "%2F", "%00", ":", "..", ".", "+", " ", "\u007F", "\uFFFF");

    private static final List<String> WRONG_TYPED = List.of("0", "1", "-1", "123456", "012345", "1.5", "-0.0",
            "1e400", "-1e-400", "123456789012345678901234567890", "9".repeat(1200), "true", "false", "null",
            "\"\"", "\"true\"", "\"1\"", "\"123456\"", "[]", "[\"123456\"]", "[true]", "{}", "{\"a\": 1}");

    private static final Arbitrary<Mutation> MUTATIONS = Arbitraries.of(Mutation.class);
    private static final Arbitrary<String> ODD_TEXT = Arbitraries.oneOf(Arbitraries.of(TRAPS),
                    Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(8),
                    Arbitraries.strings().all().ofMinLength(1).ofMaxLength(3))
            .list().ofMinSize(1).ofMaxSize(6).map(parts -> String.join("", parts));
    private static final Arbitrary<String> ODD_SEGMENTS = Arbitraries.of("", ".", "..", "a".repeat(129), "a".repeat(1000), "a/b",
            "%2F", "..%2F..", "-", "@", "a.b_c+d@e-f");
    private static final Arbitrary<String> NOT_WHOLE_NUMBERS = Arbitraries.of("", "abc", "1.5", "-1", "0", "+5", " 5", "0x10",
            "1e3", "\uFF15", "\u0665", "99999999999999999999", "1".repeat(300));
    private static final Arbitrary<String> EXTRA_NAMES = Arbitraries.of("", "\u0000", "__proto__", "USERID", "userid",
            "\uFF43\uFF4F\uFF44\uFF45", "co\u0301de", "user\u0130d", " ");
    private static final Arbitrary<String> TRAILERS = Arbitraries.of(" x", "{}", " {\"userId\": \"x\"}", "]", "}", ",", " 1",
            " null", "\u0000", "\uFEFF", "//", "/* */", " \"\"");
    /** Form bodies are left out: REST Assured insists on encoding those itself. */
    private static final Arbitrary<String> MEDIA_TYPES = Arbitraries.of("", "*/*", "application/*", "text/plain", "text/json",
            "application/problem+json", "application/json-patch+json", "application/xml");
    private static final Map<String, Arbitrary<String>> VALUES = new java.util.concurrent.ConcurrentHashMap<>();

    @Inject
    AgroalDataSource database;

    @Inject
    TestClock clock;

    /** An operation of the contract, with its parameters and its body's schema (null without a body). */
    private record Operation(String method, String path, List<JsonNode> parameters, JsonNode body, String scope) {

        @Override
        public String toString() {
            return method.toUpperCase(Locale.ROOT) + " " + path;
        }
    }

    /** What was sent and what the contract demands of the answer: {@code status} 0 means any non-5xx. */
    private record Exchange(String method, String url, String contentType, String body, int status, String why) {

        @Override
        public String toString() {
            return method + " " + url + " [" + contentType + "] " + (body == null ? "" : abbreviated(body)) + " (" + why + ")";
        }
    }

    @TestFactory
    Stream<DynamicTest> everyOperationSurvivesMutatedInput() throws IOException {
        List<Operation> operations = operations();
        assertTrue(operations.size() >= 10, "operations read from openapi.yaml: " + operations);
        String activeUser = newUserId();
        activeUser(activeUser, clock);
        return operations.stream().map(operation -> DynamicTest.dynamicTest(operation.toString(),
                () -> fuzz(operation, activeUser)));
    }

    private void fuzz(Operation operation, String activeUser) throws SQLException {
        // jqwik's generators need a jqwik thread; sampling runs anywhere, from the seeded source of randomness.
        Random random = SourceOfRandomness.create(Long.toString(SEED * 31 + operation.toString().hashCode()));
        // Nothing else writes while this runs (the test profile has no scheduler), so the state after a
        // refused request is the state before the next one.
        String known = null;
        for (int attempt = 0; attempt < TRIES; attempt++) {
            Exchange exchange = mutated(operation, random, activeUser);
            String where = "seed " + SEED + ", try " + attempt + ": " + exchange;
            String before = known != null ? known : snapshot();
            known = null;
            Response response;
            try {
                response = send(exchange, operation.scope());
            } catch (RuntimeException | AssertionError e) {
                throw new AssertionError(where + ": the answer breaks the contract: " + e.getMessage(), e);
            }
            int status = response.statusCode();
            String answer = status + " " + abbreviated(response.asString());
            assertTrue(status < 500, where + " answered " + answer);
            if (exchange.status() != 0) {
                assertEquals(exchange.status(), status, where + " answered " + answer);
            }
            if (status >= 400) {
                assertTrue(response.contentType().startsWith("application/problem+json"), where + " answered " + answer);
                assertEquals(status, response.jsonPath().getInt("status"), where);
                if (isRefusal(status, response.jsonPath().getString("type"))) {
                    known = snapshot();
                    assertEquals(before, known, where + " answered " + answer + " but changed the database");
                }
            }
        }
    }

    /**
     * Wrong and replayed codes and locks are outcomes the service records by design (failure counts,
     * audit events); every other 4xx refuses the request before anything is written.
     */
    private static boolean isRefusal(int status, String type) {
        return status != 409 && status != 422 && status != 429 && !type.endsWith(":factor-disabled");
    }

    private Exchange mutated(Operation operation, Random random, String activeUser) {
        String userId = random.nextInt(4) == 0 ? activeUser : newUserId();
        StringBuilder path = new StringBuilder();
        List<String> query = new ArrayList<>();
        List<String> why = new ArrayList<>();
        String template = operation.path();
        Map<String, String> pathValues = new LinkedHashMap<>();
        for (JsonNode parameter : operation.parameters()) {
            String name = parameter.path("name").asText();
            boolean mutate = random.nextInt(3) == 0;
            boolean inPath = parameter.path("in").asText().equals("path");
            String value = mutate ? oddParameter(parameter.path("schema"), inPath, random) : validParameter(name, parameter, userId);
            if (mutate) {
                why.add(name + " mutated");
            }
            if (inPath) {
                pathValues.put(name, value);
            } else if (value != null) {
                query.add(encode(name) + "=" + encode(value));
            }
        }
        for (Map.Entry<String, String> value : pathValues.entrySet()) {
            template = template.replace("{" + value.getKey() + "}", encode(value.getValue()));
        }
        path.append(template);
        if (!query.isEmpty()) {
            path.append('?').append(String.join("&", query));
        }
        if (operation.body() == null) {
            return new Exchange(operation.method(), path.toString(), null, null, 0, String.join(", ", why));
        }
        return mutatedBody(operation, path.toString(), userId, random, why);
    }

    private enum Mutation { NONE, WRONG_TYPE, REPEAT_LAST, REPEAT_FIRST, EXTRA, MISSING, TRAILING, NOT_AN_OBJECT, ODD_TEXT, EMPTY_TEXT, MEDIA_TYPE }

    private Exchange mutatedBody(Operation operation, String url, String userId, Random random, List<String> why) {
        JsonNode schema = operation.body();
        Map<String, String> members = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> properties = schema.path("properties").fields(); properties.hasNext(); ) {
            Map.Entry<String, JsonNode> property = properties.next();
            members.put(property.getKey(), property.getKey().equals("userId") ? json(userId) : property.getValue().path("example").toString());
        }
        List<String> names = new ArrayList<>(members.keySet());
        String name = names.get(random.nextInt(names.size()));
        String type = schema.path("properties").path(name).path("type").asText();
        Mutation mutation = draw(MUTATIONS);
        String contentType = "application/json";
        String trailer = "";
        String whole = null;
        int expected = 400;
        switch (mutation) {
            case NONE, ODD_TEXT, EMPTY_TEXT -> expected = 0;
            case MEDIA_TYPE -> expected = 415;
            default -> { }
        }
        switch (mutation) {
            case WRONG_TYPE -> members.put(name, draw(valuesOf(type, false)));
            case REPEAT_LAST -> members.put(name + "\u0001", members.get(name));
            case REPEAT_FIRST -> {
                Map<String, String> repeated = new LinkedHashMap<>();
                repeated.put(name + "\u0001", draw(valuesOf(type, true)));
                repeated.putAll(members);
                members = repeated;
            }
            case EXTRA -> members.put(draw(random.nextBoolean() ? EXTRA_NAMES : ODD_TEXT).replace("\u0001", "")
                    + (random.nextBoolean() ? name : ""), "1");
            case MISSING -> {
                List<String> required = new ArrayList<>();
                schema.path("required").forEach(r -> required.add(r.asText()));
                if (required.isEmpty()) {
                    expected = 0;
                } else {
                    members.remove(required.get(random.nextInt(required.size())));
                }
            }
            case TRAILING -> trailer = draw(TRAILERS);
            case NOT_AN_OBJECT -> whole = draw(valuesOf("object", false));
            case ODD_TEXT -> members.put(name, json(draw(ODD_TEXT)));
            case EMPTY_TEXT -> members.put(name, "\"\"");
            case MEDIA_TYPE -> contentType = draw(MEDIA_TYPES);
            case NONE -> { }
        }
        why.add(mutation + " " + name);
        String body = whole != null ? whole : members.entrySet().stream()
                .map(m -> json(m.getKey().replace("\u0001", "")) + ": " + m.getValue())
                .collect(Collectors.joining(", ", "{", "}")) + trailer;
        return new Exchange(operation.method(), url, contentType.isEmpty() ? null : contentType, body, expected, String.join(", ", why));
    }

    /** JSON values of the schema type {@code type} ({@code same}), or of any other type but null. */
    private static Arbitrary<String> valuesOf(String type, boolean same) {
        return VALUES.computeIfAbsent(type + same, key -> Arbitraries.of(WRONG_TYPED.stream()
                .filter(v -> !v.equals("null") && isOfType(v, type) == same).toList()));
    }

    private static boolean isOfType(String json, String type) {
        return switch (type) {
            case "string" -> json.startsWith("\"");
            case "boolean" -> json.equals("true") || json.equals("false");
            case "integer" -> json.matches("-?\\d+");
            case "number" -> json.matches("-?[\\d.eE+-]+");
            default -> json.startsWith("{") || json.startsWith("[");
        } || json.equals("null");
    }

    private String validParameter(String name, JsonNode parameter, String userId) {
        if (name.equals("userId")) {
            return userId;
        }
        JsonNode example = parameter.has("example") ? parameter.get("example") : parameter.path("schema").path("example");
        return parameter.path("required").asBoolean() || !example.isMissingNode() ? example.asText() : null;
    }

    private String oddParameter(JsonNode schema, boolean inPath, Random random) {
        if (schema.path("type").asText().equals("integer")) {
            long min = schema.path("minimum").asLong(Long.MIN_VALUE);
            long max = schema.path("maximum").asLong(Long.MAX_VALUE);
            String outside = random.nextBoolean()
                    ? String.valueOf(min == Long.MIN_VALUE ? -1 : min - 1)
                    : max == Long.MAX_VALUE ? "9223372036854775808" : String.valueOf(max + 1);
            return random.nextInt(4) == 0 ? outside : draw(NOT_WHOLE_NUMBERS);
        }
        String value = draw(random.nextBoolean() ? ODD_TEXT : ODD_SEGMENTS);
        // An empty, "." or ".." segment makes the URL another path, of another operation (BadInputTest tries those).
        return inPath && Set.of("", ".", "..").contains(value) ? value + "x\u0131" : value;
    }

    /** jqwik's sampling draws from its thread's source of randomness, which {@link #fuzz} seeds. */
    private static <T> T draw(Arbitrary<T> arbitrary) {
        return arbitrary.sample();
    }

    /** Sent with a key of the scope the operation needs: the portal's, or the migrator's for import and export. */
    private static Response send(Exchange exchange, String scope) {
        RequestSpecification request = (Set.of("import", "export").contains(scope)
                ? anonymous().auth().oauth2(ApiKeys.MIGRATOR) : raw()).urlEncodingEnabled(false);
        if (exchange.body() != null) {
            request = request.body(exchange.body().getBytes(StandardCharsets.UTF_8));
            request = exchange.contentType() == null ? request.noContentType() : request.contentType(exchange.contentType());
        }
        return request.request(exchange.method().toUpperCase(Locale.ROOT), exchange.url());
    }

    /** The four tables a request can change; the audit trail only grows, so its count and last id do. */
    private String snapshot() throws SQLException {
        try (Connection connection = database.getConnection(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("""
                     SELECT (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM user_account t),
                            (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM authenticator t),
                            (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM backup_code t),
                            (SELECT count(*) || '/' || coalesce(max(id), 0) FROM audit_event)""")) {
            row.next();
            return "factor " + row.getString(1) + ", enrollment " + row.getString(2) + ", backup_code " + row.getString(3)
                    + ", audit_event " + row.getString(4);
        }
    }

    /** Every operation in openapi.yaml: read from the file, so a new one is fuzzed without a change here. */
    private static List<Operation> operations() throws IOException {
        JsonNode document = new ObjectMapper(new YAMLFactory()).readTree(Contract.OPENAPI.toFile());
        List<Operation> operations = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = document.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> methods = path.getValue().fields(); methods.hasNext(); ) {
                Map.Entry<String, JsonNode> method = methods.next();
                if (!METHODS.contains(method.getKey())) {
                    continue;
                }
                List<JsonNode> parameters = new ArrayList<>();
                path.getValue().path("parameters").forEach(p -> parameters.add(resolve(document, p)));
                method.getValue().path("parameters").forEach(p -> parameters.add(resolve(document, p)));
                JsonNode body = method.getValue().path("requestBody").path("content").path("application/json").path("schema");
                operations.add(new Operation(method.getKey(), path.getKey(), parameters,
                        body.isMissingNode() ? null : resolve(document, body),
                        method.getValue().path("x-required-scope").asText("")));
            }
        }
        return operations;
    }

    private static JsonNode resolve(JsonNode document, JsonNode node) {
        if (!node.has("$ref")) {
            return node;
        }
        JsonNode target = document;
        for (String part : node.get("$ref").asText().substring(2).split("/")) {
            target = target.path(part);
        }
        if (target.isMissingNode()) {
            fail("openapi.yaml: no " + node.get("$ref").asText());
        }
        return resolve(document, target);
    }

    /** JSON text of a string; some non-ASCII characters escaped, as JSON allows, and lone surrogates always. */
    private static String json(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || Character.isSurrogate(c) || (c > 0x7E && c % 2 == 0)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String abbreviated(String text) {
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }
}
