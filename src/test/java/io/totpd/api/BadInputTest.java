package io.totpd.api;

import static io.totpd.support.Contract.raw;
import static io.totpd.support.Problems.assertProblem;
import static io.totpd.support.Users.activeUser;
import static io.totpd.support.Users.newUserId;
import static org.hamcrest.Matchers.both;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.notNullValue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.totpd.support.TestClock;
import jakarta.inject.Inject;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Whatever a caller sends, the answer is a 4xx problem, never a 5xx or an internal detail. */
@QuarkusTest
class BadInputTest {

    private static final String USER = "bad-input-" + java.util.UUID.randomUUID();

    @Inject
    TestClock clock;

    static Stream<Arguments> malformedBodies() {
        String longId = "u".repeat(129);
        return Stream.of(
                Arguments.of("/verify", "{\"userId\": \"a\", \"code\": "),
                Arguments.of("/verify", "not json"),
                Arguments.of("/verify", "[]"),
                Arguments.of("/verify", "null"),
                Arguments.of("/verify", ""),
                Arguments.of("/verify", "{}"),
                Arguments.of("/verify", "{\"userId\": \"" + USER + "\"}"),
                Arguments.of("/verify", "{\"code\": \"123456\"}"),
                Arguments.of("/verify", "{\"userId\": 42, \"code\": \"123456\"}"),
                Arguments.of("/verify", "{\"userId\": \"" + USER + "\", \"code\": 123456}"),
                Arguments.of("/verify", "{\"userId\": \"" + USER + "\", \"code\": true}"),
                Arguments.of("/verify", "{\"userId\": \"" + USER + "\", \"code\": [\"123456\"]}"),
                Arguments.of("/verify", "{\"userId\": {\"a\": 1}, \"code\": \"123456\"}"),
                Arguments.of("/verify", "{\"userId\": \"" + USER + "\", \"code\": \"123456\", \"extra\": 1}"),
                Arguments.of("/verify", "{\"userId\": \"" + USER + "\", \"code\": \"12a456\"}"),
                Arguments.of("/verify", "{\"userId\": \"" + USER + "\", \"code\": \"1234567\"}"),
                Arguments.of("/verify", "{\"userId\": \"" + USER + "\", \"code\": \"12345\"}"),
                Arguments.of("/verify", "{\"userId\": \"" + USER + "\", \"code\": \"\"}"),
                Arguments.of("/verify", "{\"userId\": \"" + USER + "\", \"code\": \"１２３４５６\"}"),
                Arguments.of("/verify", "{\"userId\": \"a/b\", \"code\": \"123456\"}"),
                Arguments.of("/verify", "{\"userId\": \"" + longId + "\", \"code\": \"123456\"}"),
                Arguments.of("/verify", "{\"userId\": \"" + "u".repeat(200) + "\", \"code\": \"123456\"}"),
                Arguments.of("/verify", "{\"userId\": \"\", \"code\": \"123456\"}"),
                Arguments.of("/verify", "{\"userId\": \"..\", \"code\": \"123456\"}"),
                Arguments.of("/verify", "{\"userId\": \"al ice\", \"code\": \"123456\"}"),
                Arguments.of("/activate", "{\"userId\": \"" + USER + "\", \"code\": \"abcdef\"}"),
                Arguments.of("/activate", "{\"userId\": \"a/b\", \"code\": \"123456\"}"),
                Arguments.of("/enroll", "{}"),
                Arguments.of("/enroll", "{\"userId\": \"" + longId + "\"}"),
                Arguments.of("/enroll", "{\"userId\": \"a/b\"}"),
                Arguments.of("/enroll", "{\"userId\": \"ok\", \"accountName\": \"a:b\"}"),
                Arguments.of("/enroll", "{\"userId\": \"ok\", \"accountName\": \"\"}"),
                Arguments.of("/enroll", "{\"userId\": \"ok\", \"accountName\": \"line\\nbreak\"}"),
                Arguments.of("/enroll", "{\"userId\": \"ok\", \"accountName\": \"" + "a".repeat(129) + "\"}"));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("malformedBodies")
    void malformedBodiesAre400(String path, String body) {
        assertProblem(raw().contentType("application/json").body(body).post(path).then(), 400, "invalid-request");
    }

    @Test
    void theDetailNamesTheField() {
        raw().contentType("application/json").body("{\"userId\": \"a/b\", \"code\": \"123456\"}").post("/verify")
                .then().statusCode(400).body("detail", containsString("userId"));
        raw().contentType("application/json").body("{\"userId\": \"a\", \"code\": 123456}").post("/verify")
                .then().statusCode(400).body("detail", equalTo("code: wrong type"));
        raw().contentType("application/json").body("{\"userId\": \"a\", \"code\": \"1\", \"pin\": 1}").post("/verify")
                .then().statusCode(400).body("detail", equalTo("unknown field 'pin'"));
    }

    @Test
    void aCodeOfTheWrongShapeIs400EvenForAnActiveUser() {
        String userId = newUserId();
        activeUser(userId, clock);
        for (String code : new String[] {"12a456", "1234567", "", "12345 6 7"}) {
            assertProblem(raw().contentType("application/json").body("{\"userId\": \"" + userId + "\", \"code\": \"" + code + "\"}")
                    .post("/verify").then(), 400, "invalid-request");
        }
    }

    @Test
    void aTwoMegabyteBodyIsRefusedUnread() {
        String huge = "{\"userId\": \"" + "a".repeat(2 * 1024 * 1024) + "\", \"code\": \"123456\"}";
        assertProblem(raw().contentType("application/json").body(huge).post("/verify").then(), 413, "payload-too-large");
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/xml", "application/x-www-form-urlencoded"})
    void nonJsonContentTypesAre415(String contentType) {
        assertProblem(raw().contentType(contentType).body("userId=a&code=123456").post("/verify").then(), 415, "unsupported-media-type");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/users/a%2Fb", "/users/..%2F..", "/users/al%20ice", "/users/"
            + "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"
            + "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"})
    void badUserIdsInPathsAre4xx(String path) {
        ValidatableResponse response = raw().urlEncodingEnabled(false).get(path).then();
        response.statusCode(both(greaterThanOrEqualTo(400)).and(lessThan(500)))
                .contentType("application/problem+json").body("type", notNullValue());
    }

    @Test
    void aUserIdWithASlashIsNoRoute() {
        assertProblem(raw().get("/users/a/b").then(), 404, "not-found");
        assertProblem(raw().delete("/users/a/b").then(), 404, "not-found");
    }

    @Test
    void unknownPathsAndMethodsAreProblems() {
        assertProblem(raw().get("/nope").then(), 404, "not-found");
        assertProblem(raw().contentType("application/json").body("{}").put("/verify").then(), 405, "method-not-allowed");
    }
}
