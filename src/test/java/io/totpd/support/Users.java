package io.totpd.support;

import static io.totpd.support.Contract.api;

import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.totpd.otp.Base32;
import io.totpd.otp.HmacAlgorithm;
import io.totpd.otp.Totp;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** Test users: each test makes its own, so no test depends on another's data or order. */
public final class Users {

    public static final Totp TOTP = new Totp(HmacAlgorithm.SHA1, 6, Duration.ofSeconds(30));

    private Users() {
    }

    public static String newUserId() {
        return "user-" + UUID.randomUUID();
    }

    /** Enrolls a new user and returns the enroll response. */
    public static JsonPath enroll(String userId) {
        return api().body(Map.of("userId", userId)).post("/enroll").then().statusCode(201).extract().jsonPath();
    }

    /** The code the user's phone shows {@code offset} steps from the clock's current step. */
    public static String code(String base32Secret, Clock clock, int offset) {
        return TOTP.code(Base32.decode(base32Secret), TOTP.step(clock.instant()) + offset);
    }

    /**
     * A 6-digit code that matches none of the user's codes from 3 steps before to 3 steps after the
     * clock's current step: wrong for any window the factor could accept now, however the digits fall.
     */
    public static String wrongCode(String base32Secret, Clock clock) {
        Set<String> near = new HashSet<>();
        for (int offset = -3; offset <= 3; offset++) {
            near.add(code(base32Secret, clock, offset));
        }
        for (int candidate = 0; ; candidate++) {
            String code = String.format("%06d", candidate);
            if (!near.contains(code)) {
                return code;
            }
        }
    }

    /** POST /verify of a TOTP code, as the portal caller. */
    public static Response verify(String userId, String code) {
        return api().body(Map.of("userId", userId, "code", code)).post("/verify");
    }

    /** POST /activate of the first code of a pending enrollment, as the portal caller. */
    public static Response activate(String userId, String code) {
        return api().body(Map.of("userId", userId, "code", code)).post("/activate");
    }

    /** POST /recover of a backup code, as the portal caller. */
    public static Response recover(String userId, String backupCode) {
        return api().body(Map.of("userId", userId, "backupCode", backupCode)).post("/recover");
    }

    /** The types of the user's audit events, newest first, as GET /users/{id}/events lists them. */
    public static List<String> eventTypes(String userId) {
        return api().get("/users/" + userId + "/events").then().statusCode(200).extract().jsonPath().getList("events.type");
    }

    /** Enrolls and activates a new user with the current code; returns the secret. */
    public static String activeUser(String userId, Clock clock) {
        return activated(userId, clock).secret();
    }

    /** Enrolls and activates a new user with the current code. */
    public static Activated activated(String userId, Clock clock) {
        String secret = enroll(userId).getString("secret");
        List<String> backupCodes = activate(userId, code(secret, clock, 0))
                .then().statusCode(200).extract().jsonPath().getList("backupCodes", String.class);
        return new Activated(secret, backupCodes);
    }

    /** What activation hands over: the secret the phone holds and the backup codes, in display form. */
    public record Activated(String secret, List<String> backupCodes) {
    }
}
