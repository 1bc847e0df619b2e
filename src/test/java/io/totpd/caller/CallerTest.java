package io.totpd.caller;

import static io.totpd.support.Contract.anonymous;
import static io.totpd.support.Contract.api;
import static io.totpd.support.Contract.as;
import static io.totpd.support.Users.activated;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.newUserId;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.totpd.support.ApiKeys;
import io.totpd.support.Contract;
import io.totpd.support.TestClock;
import io.totpd.support.Users.Activated;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Only known callers get in, each only with its scopes, and each sees only its own tenant's users. */
@QuarkusTest
class CallerTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Inject
    TestClock clock;

    /** An operation of the contract and the scope it declares ("none" when it needs no key). */
    private record Operation(String method, String path, String scope) {

        Response call(RequestSpecification request) {
            return request.contentType("application/json").body("{}").request(method.toUpperCase(Locale.ROOT), path);
        }

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    /** Every operation openapi.yaml names, so that a new one cannot be left out of these checks. */
    private static List<Operation> operations() throws IOException {
        JsonNode document = YAML.readTree(Contract.OPENAPI.toFile());
        List<Operation> operations = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = document.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> methods = path.getValue().fields(); methods.hasNext(); ) {
                Map.Entry<String, JsonNode> method = methods.next();
                if (!List.of("get", "put", "post", "delete", "patch").contains(method.getKey())) {
                    continue;
                }
                JsonNode security = method.getValue().get("security");
                boolean open = security != null && security.isArray() && security.isEmpty();
                String scope = open ? "none" : method.getValue().path("x-required-scope").asText("missing");
                operations.add(new Operation(method.getKey(),
                        path.getKey().replace("{userId}", "someone").replace("{token}", "x")
                                .replace("{authenticatorId}", "3f0c8a52-7d1e-4b6a-9c2f-5e8d1a7b4c60").replace("{deliveryId}", "1"), scope));
            }
        }
        return operations;
    }

    @Test
    void everyProtectedOperationWantsAKey() throws IOException {
        int walked = 0;
        for (Operation operation : operations()) {
            if (operation.scope().equals("none")) {
                continue;
            }
            walked++;
            operation.call(anonymous()).then().statusCode(401).header("WWW-Authenticate", "Bearer")
                    .contentType("application/problem+json").body("type", equalTo("urn:totpd:problem:unauthorized"));
            assertEquals(401, operation.call(anonymous().auth().oauth2("not-a-key")).statusCode(), operation.toString());
            assertEquals(401, operation.call(anonymous().header("Authorization", "Basic dGVzdDp0ZXN0")).statusCode(),
                    operation.toString());
        }
        assertEquals(true, walked >= 8, "operations walked: " + walked);
    }

    @Test
    void aVerifyOnlyCallerCannotManageImportOrExport() throws IOException {
        for (Operation operation : operations()) {
            assertFalse(operation.scope().equals("missing"), operation + " declares no x-required-scope");
            Response response = operation.call(anonymous().auth().oauth2(ApiKeys.LOGIN));
            if (!List.of("verify", "none", "any").contains(operation.scope())) {
                assertEquals(403, response.statusCode(), operation.toString());
                response.then().body("type", equalTo("urn:totpd:problem:forbidden"));
            } else {
                assertFalse(response.statusCode() == 401 || response.statusCode() == 403,
                        operation + " answered " + response.statusCode());
            }
        }
    }

    @Test
    void aVerifyOnlyCallerCanSignUsersIn() {
        String userId = newUserId();
        Activated user = activated(userId, clock);
        clock.advance(Duration.ofSeconds(30));
        as(ApiKeys.LOGIN).body(Map.of("userId", userId, "code", code(user.secret(), clock, 0))).post("/verify")
                .then().statusCode(200);
        as(ApiKeys.LOGIN).body(Map.of("userId", userId, "backupCode", user.backupCodes().get(0))).post("/recover")
                .then().statusCode(200);
    }

    @Test
    void anotherTenantCannotSeeOrTouchAUser() {
        String userId = newUserId();
        Activated user = activated(userId, clock);
        String before = api().get("/users/" + userId).then().statusCode(200).extract().asString();

        String rival = ApiKeys.RIVAL;
        as(rival).get("/users/" + userId).then().statusCode(404).body("type", equalTo("urn:totpd:problem:factor-not-found"));
        as(rival).body(Map.of("userId", userId, "code", code(user.secret(), clock, 1))).post("/verify")
                .then().statusCode(404).body("type", equalTo("urn:totpd:problem:factor-not-found"));
        as(rival).body(Map.of("userId", userId, "backupCode", user.backupCodes().get(0))).post("/recover")
                .then().statusCode(404);
        as(rival).post("/users/" + userId + "/backup-codes").then().statusCode(404);
        as(rival).delete("/users/" + userId).then().statusCode(404);
        as(rival).get("/enroll/" + userId + "/qr.png").then().statusCode(404);
        as(rival).body(Map.of("userId", userId, "code", "123456")).post("/activate").then().statusCode(404);

        // The same user id under another tenant is another user: enrolling it there changes nothing here.
        as(rival).body(Map.of("userId", userId)).post("/enroll").then().statusCode(201);
        as(rival).get("/users/" + userId).then().statusCode(200).body("state", equalTo("pending"));

        assertEquals(before, api().get("/users/" + userId).then().statusCode(200).extract().asString());
        api().body(Map.of("userId", userId, "code", code(user.secret(), clock, 1))).post("/verify").then().statusCode(200);
        api().body(Map.of("userId", userId, "backupCode", user.backupCodes().get(0))).post("/recover").then().statusCode(200);
    }
}
