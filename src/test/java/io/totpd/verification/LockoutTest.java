package io.totpd.verification;

import static io.totpd.support.Contract.api;
import static io.totpd.support.Users.activate;
import static io.totpd.support.Users.activated;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.newUserId;
import static io.totpd.support.Users.recover;
import static io.totpd.support.Users.verify;
import static io.totpd.support.Users.wrongCode;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import io.quarkus.test.junit.QuarkusTest;
import io.totpd.support.TestClock;
import io.totpd.support.Users.Activated;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Guessing is useless: five wrong codes lock the factor, with a back-off that doubles, and 100 disable it. */
@QuarkusTest
class LockoutTest {

    private static final Duration STEP = Duration.ofSeconds(30);

    @Inject
    TestClock clock;

    @Test
    void theFifthWrongCodeLocksWithABackOffThatDoubles() {
        String userId = newUserId();
        String secret = activated(userId, clock).secret();
        clock.advance(STEP);

        for (int i = 1; i <= 5; i++) {
            verify(userId, wrongCode(secret, clock)).then().statusCode(422).body("type", equalTo("urn:totpd:problem:invalid-code"));
        }
        api().get("/users/" + userId).then().body("failedAttempts", equalTo(5)).body("lockedUntil", notNullValue());

        // While locked, not even the right code is evaluated.
        verify(userId, code(secret, clock, 0)).then().statusCode(429)
                .header("Retry-After", "30").body("type", equalTo("urn:totpd:problem:factor-locked"));
        clock.advance(Duration.ofSeconds(29));
        verify(userId, code(secret, clock, 0)).then().statusCode(429).header("Retry-After", "1");

        clock.advance(Duration.ofSeconds(1));
        verify(userId, wrongCode(secret, clock)).then().statusCode(422);
        verify(userId, code(secret, clock, 0)).then().statusCode(429).header("Retry-After", "60");
        clock.advance(Duration.ofSeconds(60));
        verify(userId, wrongCode(secret, clock)).then().statusCode(422);
        verify(userId, code(secret, clock, 0)).then().statusCode(429).header("Retry-After", "120");

        clock.advance(Duration.ofSeconds(120));
        verify(userId, code(secret, clock, 0)).then().statusCode(200);
        api().get("/users/" + userId).then().body("failedAttempts", equalTo(0)).body("lockedUntil", nullValue());
    }

    @Test
    void theLockIsCappedAtFifteenMinutes() {
        String userId = newUserId();
        String secret = activated(userId, clock).secret();
        for (int failure = 1; failure <= 12; failure++) {
            clock.advance(Duration.ofMinutes(15));
            verify(userId, wrongCode(secret, clock)).then().statusCode(422);
        }
        verify(userId, code(secret, clock, 0)).then().statusCode(429).header("Retry-After", "900");
    }

    @Test
    void oneHundredConsecutiveFailuresDisableTheFactorUntilEnrolledAgain() {
        String userId = newUserId();
        String secret = activated(userId, clock).secret();
        for (int failure = 1; failure <= 100; failure++) {
            clock.advance(Duration.ofMinutes(15));
            verify(userId, wrongCode(secret, clock)).then().statusCode(422);
        }
        clock.advance(Duration.ofMinutes(15));
        verify(userId, code(secret, clock, 0)).then().statusCode(403).body("type", equalTo("urn:totpd:problem:factor-disabled"));
        api().get("/users/" + userId).then().body("state", equalTo("disabled")).body("failedAttempts", equalTo(100))
                .body("lockedUntil", nullValue());
        api().post("/users/" + userId + "/backup-codes").then().statusCode(403);

        // Enrolling again needs no "replace": the disabled factor is replaced on activation.
        String renewed = api().body(Map.of("userId", userId)).post("/enroll").then().statusCode(201).extract().path("secret");
        activate(userId, code(renewed, clock, 0)).then().statusCode(200);
        clock.advance(STEP);
        verify(userId, code(renewed, clock, 0)).then().statusCode(200);
        api().get("/users/" + userId).then().body("state", equalTo("active")).body("failedAttempts", equalTo(0));
    }

    @Test
    void aBackupCodeWorksWhileTotpIsLockedAndLiftsTheLock() {
        String userId = newUserId();
        Activated user = activated(userId, clock);
        clock.advance(STEP);
        for (int i = 0; i < 5; i++) {
            verify(userId, wrongCode(user.secret(), clock)).then().statusCode(422);
        }
        verify(userId, code(user.secret(), clock, 0)).then().statusCode(429);

        recover(userId, user.backupCodes().get(0)).then().statusCode(200);
        api().get("/users/" + userId).then().body("failedAttempts", equalTo(0)).body("lockedUntil", nullValue());
        verify(userId, code(user.secret(), clock, 0)).then().statusCode(200);
    }

    @Test
    void backupCodesHaveABudgetOfTheirOwn() {
        String userId = newUserId();
        Activated user = activated(userId, clock);
        for (int i = 0; i < 5; i++) {
            recover(userId, "0000-0000-0000").then().statusCode(422);
        }
        recover(userId, user.backupCodes().get(0)).then().statusCode(429).header("Retry-After", "30")
                .body("type", equalTo("urn:totpd:problem:factor-locked"));
        // The TOTP budget is untouched, and a right TOTP code does not lift the recovery lock.
        verify(userId, code(user.secret(), clock, 1)).then().statusCode(200);
        recover(userId, user.backupCodes().get(0)).then().statusCode(429);
        clock.advance(Duration.ofSeconds(30));
        recover(userId, user.backupCodes().get(0)).then().statusCode(200);
    }
}
