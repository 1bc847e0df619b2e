package io.totpd;

import static io.totpd.support.Contract.api;
import static io.totpd.support.Contract.raw;
import static io.totpd.support.Users.activeUser;
import static io.totpd.support.Users.enroll;
import static io.totpd.support.Users.newUserId;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.totpd.support.TestClock;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Where the contract and the behaviour once disagreed: what the contract says is what happens. */
@QuarkusTest
class ContractAgreementTest {

    @Inject
    TestClock clock;

    @Test
    void aCodeOfTheWrongLengthForTheFactorIsMalformedAndNotCounted() {
        String userId = newUserId();
        activeUser(userId, clock);
        for (int attempt = 0; attempt < 6; attempt++) {
            raw().contentType("application/json").body(Map.of("userId", userId, "code", "1234 5678")).post("/verify")
                    .then().statusCode(400).contentType("application/problem+json")
                    .body("type", equalTo("urn:totpd:problem:invalid-request"));
        }
        api().get("/users/{userId}", userId).then().statusCode(200).body("failedAttempts", equalTo(0));
        api().get("/users/{userId}/events", userId).then().statusCode(200).body("events.type[0]", equalTo("activated"));
    }

    @Test
    void anActivationCodeOfTheWrongLengthIsMalformed() {
        String userId = newUserId();
        enroll(userId);
        raw().contentType("application/json").body(Map.of("userId", userId, "code", "12345678")).post("/activate")
                .then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("urn:totpd:problem:invalid-request"));
        api().get("/users/{userId}/events", userId).then().statusCode(200).body("events.type[0]", equalTo("enrolled"));
    }

    @Test
    void anExpiredEnrollmentIsReportedAsExpired() {
        String userId = newUserId();
        enroll(userId);
        api().get("/users/{userId}", userId).then().statusCode(200).body("state", equalTo("pending"));
        clock.advance(Duration.ofMinutes(15));
        api().get("/users/{userId}", userId).then().statusCode(200).body("state", equalTo("expired"));
        raw().get("/enroll/{userId}/qr.png", userId).then().statusCode(410);
    }
}
