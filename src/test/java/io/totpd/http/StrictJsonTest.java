package io.totpd.http;

import static io.totpd.support.Contract.raw;
import static io.totpd.support.Problems.assertProblem;
import static io.totpd.support.Users.activeUser;
import static io.totpd.support.Users.newUserId;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.restassured.response.ValidatableResponse;
import io.quarkus.test.junit.QuarkusTest;
import io.totpd.support.TestClock;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A body means exactly one thing: one JSON object, each member once, each of the type the contract
 * gives it, sent as application/json. Anything else is refused before it can change a user.
 */
@QuarkusTest
class StrictJsonTest {

    private static final String[] BODY_ENDPOINTS = {"/enroll", "/activate", "/verify", "/recover"};

    @Inject
    TestClock clock;

    /** A complete, well-typed body for each endpoint, member by member, as JSON text. */
    private static Map<String, String> members(String path, String userId) {
        Map<String, String> members = new LinkedHashMap<>();
        members.put("userId", "\"" + userId + "\"");
        switch (path) {
            case "/enroll" -> {
                members.put("accountName", "\"a@example.com\"");
                members.put("replace", "false");
            }
            case "/recover" -> members.put("backupCode", "\"7KQM-3XD9-PR2A\"");
            default -> members.put("code", "\"123456\"");
        }
        return members;
    }

    private static String object(Map<String, String> members) {
        return members.entrySet().stream().map(m -> "\"" + m.getKey() + "\": " + m.getValue())
                .collect(Collectors.joining(", ", "{", "}"));
    }

    static Stream<Arguments> repeatedMembers() {
        return Stream.of(BODY_ENDPOINTS).flatMap(path -> Stream.of(
                // After every member was seen: Jackson has already built the record when the repeat arrives.
                Arguments.of(path, object(members(path, "%s")).replaceFirst("}$", ", \"userId\": \"%s\"}"), "userId"),
                // Before the others: without detection the last value would silently win.
                Arguments.of(path, object(members(path, "%s")).replaceFirst("^\\{", "{\"userId\": \"other\", "), "userId")));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("repeatedMembers")
    void aRepeatedMemberIs400NamingIt(String path, String template, String field) {
        String userId = newUserId();
        assertProblem(post(path, template.replace("%s", userId)), 400, "invalid-request").body("detail", containsString(field));
        nothingEnrolled(userId);
    }

    @Test
    void aRepeatedCodeIs400() {
        assertProblem(post("/verify", "{\"userId\": \"u1\", \"code\": \"123456\", \"code\": \"654321\"}"), 400, "invalid-request")
                .body("detail", containsString("code"));
    }

    static Stream<Arguments> wrongTypes() {
        return Stream.of(
                Arguments.of("/enroll", "replace", "1"),
                Arguments.of("/enroll", "replace", "0"),
                Arguments.of("/enroll", "replace", "\"true\""),
                Arguments.of("/enroll", "replace", "\"false\""),
                Arguments.of("/enroll", "replace", "\"\""),
                Arguments.of("/enroll", "replace", "1.0"),
                Arguments.of("/enroll", "replace", "[true]"),
                Arguments.of("/enroll", "replace", "{}"),
                Arguments.of("/enroll", "accountName", "12"),
                Arguments.of("/enroll", "accountName", "false"),
                Arguments.of("/enroll", "accountName", "[\"a\"]"),
                Arguments.of("/enroll", "userId", "1e3"),
                Arguments.of("/enroll", "userId", "true"),
                Arguments.of("/verify", "code", "123456"),
                Arguments.of("/verify", "code", "123456.0"),
                Arguments.of("/verify", "code", "1e5"),
                Arguments.of("/verify", "code", "false"),
                Arguments.of("/verify", "code", "{\"c\": \"123456\"}"),
                Arguments.of("/activate", "code", "123456"),
                Arguments.of("/recover", "backupCode", "123456789012"),
                Arguments.of("/recover", "backupCode", "true"),
                Arguments.of("/recover", "userId", "[]"));
    }

    @ParameterizedTest(name = "{0} {1}: {2}")
    @MethodSource("wrongTypes")
    void aValueOfTheWrongTypeIs400NamingTheField(String path, String field, String json) {
        String userId = newUserId();
        Map<String, String> members = members(path, userId);
        members.put(field, json);
        assertProblem(post(path, object(members)), 400, "invalid-request").body("detail", equalTo(field + ": wrong type"));
        nothingEnrolled(userId);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1", "\"true\""})
    void aCoercedReplaceStartsNoReplacement(String replace) {
        String userId = newUserId();
        activeUser(userId, clock);
        assertProblem(post("/enroll", "{\"userId\": \"" + userId + "\", \"replace\": " + replace + "}"), 400, "invalid-request")
                .body("detail", equalTo("replace: wrong type"));
        assertProblem(raw().get("/enroll/" + userId + "/qr.png").then(), 404, "enrollment-not-found");
    }

    @ParameterizedTest
    @ValueSource(strings = {" junk", "{\"userId\": \"x\"}", " {}", "]", "}", " 1", " \"\"", " null", ",", "\u0000"})
    void contentAfterTheValueIs400(String trailer) {
        String userId = newUserId();
        assertProblem(post("/enroll", "{\"userId\": \"" + userId + "\"}" + trailer), 400, "invalid-request");
        nothingEnrolled(userId);
    }

    @Test
    void whitespaceAfterTheValueIsNoContent() {
        String userId = newUserId();
        raw().contentType("application/json").body("{\"userId\": \"" + userId + "\"}\r\n\t ").post("/enroll")
                .then().statusCode(201);
    }

    static Stream<Arguments> jsonEndpointsWithoutJsonContentType() {
        return Stream.of(BODY_ENDPOINTS).flatMap(path -> Stream.of(
                Arguments.of(path, null), Arguments.of(path, "*/*"), Arguments.of(path, "application/*")));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("jsonEndpointsWithoutJsonContentType")
    void aBodyWithoutTheJsonMediaTypeIs415(String path, String contentType) {
        String userId = newUserId();
        // Bytes, because REST Assured will not encode a string without knowing its media type.
        var request = raw().body(object(members(path, userId)).getBytes(StandardCharsets.UTF_8));
        request = contentType == null ? request.noContentType() : request.contentType(contentType);
        assertProblem(request.post(path).then(), 415, "unsupported-media-type");
        nothingEnrolled(userId);
    }

    @Test
    void noBodyAndNoMediaTypeIs415() {
        assertProblem(raw().noContentType().post("/verify").then(), 415, "unsupported-media-type");
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json; charset=utf-8", "application/json;charset=UTF-8", "Application/JSON"})
    void jsonWithACharsetIsAccepted(String contentType) {
        raw().contentType(contentType).body("{\"userId\": \"" + newUserId() + "\"}").post("/enroll").then().statusCode(201);
    }

    @Test
    void operationsWithoutABodyNeedNoMediaType() {
        String userId = newUserId();
        activeUser(userId, clock);
        raw().noContentType().post("/users/" + userId + "/backup-codes").then().statusCode(200);
        raw().noContentType().get("/users/" + userId).then().statusCode(200);
    }

    private static ValidatableResponse post(String path, String body) {
        return raw().contentType("application/json").body(body).post(path).then();
    }

    private static void nothingEnrolled(String userId) {
        assertProblem(raw().get("/users/" + userId).then(), 404, "factor-not-found");
    }
}
