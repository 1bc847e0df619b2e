package io.totpd.enrollment;

import static io.totpd.support.Contract.api;
import static io.totpd.support.Users.activate;
import static io.totpd.support.Users.activated;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.newUserId;
import static io.totpd.support.Users.recover;
import static io.totpd.support.Users.verify;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.totpd.support.TestClock;
import io.totpd.support.Users.Activated;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class ReplacementAndDriftTest {

    private static final Duration STEP = Duration.ofSeconds(30);

    @Inject
    TestClock clock;

    @Test
    void aNewPhoneTakesOverOnlyWhenItsFirstCodeIsConfirmed() {
        String userId = newUserId();
        Activated old = activated(userId, clock);

        String fresh = api().body(Map.of("userId", userId, "replace", true)).post("/enroll")
                .then().statusCode(201).extract().path("secret");
        api().get("/enroll/" + userId + "/qr.png").then().statusCode(200);
        api().get("/users/" + userId).then().body("state", equalTo("active"));

        // Until the new phone is confirmed, the old one keeps working and the new one does not.
        clock.advance(STEP);
        verify(userId, code(fresh, clock, 0)).then().statusCode(422);
        verify(userId, code(old.secret(), clock, 0)).then().statusCode(200);
        activate(userId, code(old.secret(), clock, 1)).then().statusCode(422);

        clock.advance(STEP);
        activate(userId, code(fresh, clock, 0)).then().statusCode(200).body("backupCodes.size()", equalTo(10));

        clock.advance(STEP);
        verify(userId, code(old.secret(), clock, 0)).then().statusCode(422).body("type", equalTo("urn:totpd:problem:invalid-code"));
        verify(userId, code(fresh, clock, 0)).then().statusCode(200);
        // The old phone's backup codes went with it.
        recover(userId, old.backupCodes().get(0)).then().statusCode(422);
        api().get("/enroll/" + userId + "/qr.png").then().statusCode(404);
    }

    @Test
    void withoutReplaceAnActiveFactorIsKept() {
        String userId = newUserId();
        activated(userId, clock);
        api().body(Map.of("userId", userId, "replace", false)).post("/enroll")
                .then().statusCode(409).body("type", equalTo("urn:totpd:problem:factor-already-active"));
    }

    @Test
    void aPhoneOneStepBehindKeepsVerifying() {
        String userId = newUserId();
        String secret = api().body(Map.of("userId", userId)).post("/enroll").then().statusCode(201).extract().path("secret");
        activate(userId, code(secret, clock, -1)).then().statusCode(200);

        for (int login = 0; login < 5; login++) {
            clock.advance(STEP);
            verify(userId, code(secret, clock, -1)).then().statusCode(200);
        }
        // The window followed the phone: two steps behind is now inside it (two steps on, so that the
        // code's step was not used by the last login).
        clock.advance(STEP.multipliedBy(2));
        verify(userId, code(secret, clock, -2)).then().statusCode(200);
    }

    @Test
    void codesThreeStepsOffAreRejectedEvenForADriftingPhone() {
        String userId = newUserId();
        String secret = api().body(Map.of("userId", userId)).post("/enroll").then().statusCode(201).extract().path("secret");
        activate(userId, code(secret, clock, -1)).then().statusCode(200);
        clock.advance(STEP.multipliedBy(2));
        verify(userId, code(secret, clock, -2)).then().statusCode(200);

        for (int login = 0; login < 2; login++) {
            clock.advance(STEP.multipliedBy(4));
            verify(userId, code(secret, clock, -3)).then().statusCode(422);
            verify(userId, code(secret, clock, 3)).then().statusCode(422);
        }
        // A fresh factor has the plain window: two steps off is already too far.
        String other = newUserId();
        String otherSecret = activated(other, clock).secret();
        clock.advance(STEP.multipliedBy(4));
        verify(other, code(otherSecret, clock, -2)).then().statusCode(422);
        verify(other, code(otherSecret, clock, 2)).then().statusCode(422);
    }
}
