package io.totpd.support;

import static io.totpd.support.Contract.api;
import static io.totpd.support.Users.code;

import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/** The calls of /users/{userId}/authenticators, for tests that give a user several authenticators. */
public final class AuthenticatorCalls {

    private AuthenticatorCalls() {
    }

    /** POST /users/{userId}/authenticators with this name; the raw response. */
    public static Response add(String userId, String name) {
        return api().body(name == null ? Map.of() : Map.of("name", name)).post("/users/" + userId + "/authenticators");
    }

    public static Response activate(String userId, String authenticatorId, String code) {
        return api().body(Map.of("code", code)).post("/users/" + userId + "/authenticators/" + authenticatorId + "/activate");
    }

    /** Adds and activates an authenticator named {@code name} with its current code. */
    public static Device added(String userId, String name, Clock clock) {
        JsonPath pending = add(userId, name).then().statusCode(201).extract().jsonPath();
        String id = pending.getString("authenticatorId");
        String secret = pending.getString("secret");
        List<String> backupCodes = activate(userId, id, code(secret, clock, 0)).then().statusCode(200)
                .extract().jsonPath().get("backupCodes");
        return new Device(id, secret, backupCodes);
    }

    /** An active authenticator: its id, the secret the phone holds, and the backup codes if it was the first (else null). */
    public record Device(String id, String secret, List<String> backupCodes) {
    }
}
