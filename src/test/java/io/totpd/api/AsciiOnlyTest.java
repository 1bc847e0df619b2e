package io.totpd.api;

import static io.totpd.support.Contract.raw;
import static io.totpd.support.Problems.assertProblem;
import static io.totpd.support.Users.newUserId;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.totpd.support.UnicodeTraps;
import io.totpd.support.UnicodeTraps.Trap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Every input the API normalises is read in its documented ASCII alphabet only: a character that
 * Unicode case mapping or folding would turn into an accepted one is a 400, never that character.
 */
@QuarkusTest
class AsciiOnlyTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "{0}")
    @FieldSource("io.totpd.support.UnicodeTraps#ALL")
    void backupCodes(Trap trap) throws Exception {
        // An unknown user: a well-formed code would be 404, so only a 400 shows the code was refused.
        for (String host : new String[] {"ISKA-FFLB-STFI", "1CAB-K3XD-9PR2", "7KQM 3XD9-PR2A"}) {
            invalid(post("/recover", Map.of("userId", newUserId(), "backupCode", UnicodeTraps.planted(host, trap))));
        }
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("io.totpd.support.UnicodeTraps#ALL")
    void totpCodes(Trap trap) throws Exception {
        for (String path : new String[] {"/verify", "/activate"}) {
            invalid(post(path, Map.of("userId", newUserId(), "code", UnicodeTraps.planted("123 456", trap))));
        }
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("io.totpd.support.UnicodeTraps#ALL")
    void userIds(Trap trap) throws Exception {
        String userId = UnicodeTraps.planted("traps-ISKAFF1BC-" + newUserId(), trap);
        invalid(post("/enroll", Map.of("userId", userId)));
        invalid(post("/verify", Map.of("userId", userId, "code", "123456")));
        invalid(post("/recover", Map.of("userId", userId, "backupCode", "7KQM-3XD9-PR2A")));
        invalid(raw().get("/users/{userId}", userId).then());
        invalid(raw().get("/users/{userId}/events", userId).then());
        invalid(raw().get("/enroll/{userId}/qr.png", userId).then());
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("io.totpd.support.UnicodeTraps#ALL")
    void numbersInQueryParameters(Trap trap) {
        String userId = newUserId();
        invalid(raw().queryParam("limit", UnicodeTraps.planted("12", trap)).get("/users/{userId}/events", userId).then());
        invalid(raw().queryParam("before", UnicodeTraps.planted("12", trap)).get("/users/{userId}/events", userId).then());
    }

    private static ValidatableResponse post(String path, Map<String, String> body) throws Exception {
        return raw().contentType("application/json; charset=UTF-8").body(JSON.writeValueAsBytes(body)).post(path).then();
    }

    private static void invalid(ValidatableResponse response) {
        assertProblem(response, 400, "invalid-request");
    }
}
