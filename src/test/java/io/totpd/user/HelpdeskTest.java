package io.totpd.user;

import static io.totpd.support.Contract.api;
import static io.totpd.support.Problems.assertProblem;
import static io.totpd.support.Users.activated;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.eventTypes;
import static io.totpd.support.Users.newUserId;
import static io.totpd.support.Users.recover;
import static io.totpd.support.Users.verify;
import static io.totpd.support.Users.wrongCode;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.totpd.support.AuthenticatorCalls;
import io.totpd.support.AuthenticatorCalls.Device;
import io.totpd.support.TestClock;
import io.totpd.support.Users.Activated;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a helpdesk does for a user who called: unlock, suspend and resume. */
@QuarkusTest
class HelpdeskTest {

    private static final Duration STEP = Duration.ofSeconds(30);

    @Inject
    TestClock clock;

    @Test
    void unlockClearsARunningLockAndBothCounts() {
        String userId = newUserId();
        Activated user = activated(userId, clock);
        clock.advance(STEP);
        for (int i = 0; i < 5; i++) {
            verify(userId, wrongCode(user.secret(), clock)).then().statusCode(422);
        }
        for (int i = 0; i < 5; i++) {
            recover(userId, "ZZZZ-ZZZZ-ZZZZ").then().statusCode(422);
        }
        assertProblem(verify(userId, code(user.secret(), clock, 0)).then(), 429, "factor-locked");
        assertProblem(recover(userId, user.backupCodes().get(0)).then(), 429, "factor-locked");

        api().post("/users/" + userId + "/unlock").then().statusCode(200)
                .body("failedAttempts", equalTo(0)).body("lockedUntil", nullValue()).body("state", equalTo("active"));
        verify(userId, code(user.secret(), clock, 0)).then().statusCode(200);
        recover(userId, user.backupCodes().get(0)).then().statusCode(200);
        assertEquals("unlocked", eventTypes(userId).get(2));
    }

    @Test
    void unlockDoesNotEnableAUserDisabledByFailuresButANewAuthenticatorDoes() {
        String userId = newUserId();
        String secret = activated(userId, clock).secret();
        clock.advance(STEP);
        for (int i = 0; i < 100; i++) {
            verify(userId, wrongCode(secret, clock)).then().statusCode(422);
            // Each attempt waits out the lock the one before it earned (15 minutes at most).
            clock.advance(Duration.ofMinutes(15));
        }
        assertProblem(verify(userId, code(secret, clock, 0)).then(), 403, "factor-disabled");
        api().post("/users/" + userId + "/unlock").then().statusCode(200).body("state", equalTo("disabled"));
        assertProblem(verify(userId, code(secret, clock, 0)).then(), 403, "factor-disabled");

        Device fresh = AuthenticatorCalls.added(userId, "New phone", clock);
        api().get("/users/" + userId).then().body("state", equalTo("active")).body("failedAttempts", equalTo(0));
        clock.advance(STEP);
        verify(userId, code(fresh.secret(), clock, 0)).then().statusCode(200);
    }

    @Test
    void suspendRefusesARightCodeWithoutCountingAndResumeRestoresIt() {
        String userId = newUserId();
        Activated user = activated(userId, clock);
        clock.advance(STEP);

        api().post("/users/" + userId + "/suspend").then().statusCode(200).body("suspended", equalTo(true));
        assertProblem(verify(userId, code(user.secret(), clock, 0)).then(), 403, "user-suspended");
        assertProblem(verify(userId, wrongCode(user.secret(), clock)).then(), 403, "user-suspended");
        assertProblem(recover(userId, user.backupCodes().get(0)).then(), 403, "user-suspended");
        api().get("/users/" + userId).then().body("suspended", equalTo(true)).body("failedAttempts", equalTo(0))
                .body("backupCodesRemaining", equalTo(10));

        api().post("/users/" + userId + "/resume").then().statusCode(200).body("suspended", equalTo(false));
        verify(userId, code(user.secret(), clock, 0)).then().statusCode(200);
        recover(userId, user.backupCodes().get(0)).then().statusCode(200);
        List<String> events = eventTypes(userId);
        assertEquals(List.of("recovered", "verified", "resumed", "refused", "refused", "refused", "suspended"),
                events.subList(0, 7));
    }

    @Test
    void helpdeskCallsOnAnUnknownUserAre404() {
        String userId = newUserId();
        for (String call : List.of("unlock", "suspend", "resume")) {
            assertProblem(api().post("/users/" + userId + "/" + call).then(), 404, "factor-not-found");
        }
    }

    @Test
    void theStatusSaysWhenBackupCodesRunLow() {
        String userId = newUserId();
        Activated user = activated(userId, clock);
        for (int i = 0; i < 7; i++) {
            recover(userId, user.backupCodes().get(i)).then().statusCode(200);
        }
        api().get("/users/" + userId).then().body("backupCodesRemaining", equalTo(3)).body("backupCodesLow", equalTo(false));
        recover(userId, user.backupCodes().get(7)).then().statusCode(200).body("backupCodesRemaining", equalTo(2));
        api().get("/users/" + userId).then().body("backupCodesLow", equalTo(true)).body("lastVerifiedAt", notNullValue());
        assertEquals(List.of("backup_codes_low", "recovered"), eventTypes(userId).subList(0, 2));
    }
}
