package io.totpd.support;

import static io.totpd.support.Contract.api;

import io.restassured.path.json.JsonPath;
import io.totpd.otp.Base32;
import io.totpd.otp.HmacAlgorithm;
import io.totpd.otp.Totp;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

    /** Enrolls and activates a new user with the current code; returns the secret. */
    public static String activeUser(String userId, Clock clock) {
        return activated(userId, clock).secret();
    }

    /** Enrolls and activates a new user with the current code. */
    public static Activated activated(String userId, Clock clock) {
        String secret = enroll(userId).getString("secret");
        List<String> backupCodes = api().body(Map.of("userId", userId, "code", code(secret, clock, 0))).post("/activate")
                .then().statusCode(200).extract().jsonPath().getList("backupCodes", String.class);
        return new Activated(secret, backupCodes);
    }

    /** What activation hands over: the secret the phone holds and the backup codes, in display form. */
    public record Activated(String secret, List<String> backupCodes) {
    }
}
