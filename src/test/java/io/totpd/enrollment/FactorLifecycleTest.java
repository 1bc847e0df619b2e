package io.totpd.enrollment;

import static io.totpd.support.Contract.api;
import static io.totpd.support.Contract.raw;
import static io.totpd.support.Users.activate;
import static io.totpd.support.Users.activeUser;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.enroll;
import static io.totpd.support.Users.newUserId;
import static io.totpd.support.Users.verify;
import static io.totpd.support.Users.wrongCode;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.totpd.support.QrImages;
import io.totpd.support.TestClock;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class FactorLifecycleTest {

    private static final Duration STEP = Duration.ofSeconds(30);

    @Inject
    TestClock clock;

    @Test
    void enrollmentReturnsANewSecretInEveryFormAnAppNeeds() {
        String userId = newUserId();
        Instant before = clock.instant();

        JsonPath enrollment = enroll(userId);

        String secret = enrollment.getString("secret");
        assertEquals(32, secret.length(), "160 bits in Base32");
        assertEquals(secret, enrollment.getString("manualEntryKey").replace(" ", ""));
        assertEquals("otpauth://totp/totpd:" + userId + "?secret=" + secret + "&issuer=totpd", enrollment.getString("otpauthUri"));
        assertEquals(true, enrollment.getString("qrCodeUrl").startsWith("/qr/"), enrollment.getString("qrCodeUrl"));
        assertEquals("SHA1", enrollment.getString("algorithm"));
        assertEquals(6, enrollment.getInt("digits"));
        assertEquals(30, enrollment.getInt("period"));
        assertEquals(before.plus(Duration.ofMinutes(15)).toEpochMilli(), Instant.parse(enrollment.getString("expiresAt")).toEpochMilli());
    }

    @Test
    void accountNameIsTheLabelShownInTheApp() {
        String userId = newUserId();
        String uri = api().body(Map.of("userId", userId, "accountName", "Alice Smith (work)"))
                .post("/enroll").then().statusCode(201).extract().path("otpauthUri");
        assertEquals(true, uri.startsWith("otpauth://totp/totpd:Alice%20Smith%20%28work%29?secret="), uri);
    }

    @Test
    void qrCodeDecodesToExactlyTheOtpauthUri() throws Exception {
        String userId = newUserId();
        JsonPath enrollment = enroll(userId);

        for (int size : new int[] {120, 256, 1000}) {
            byte[] png = api().queryParam("size", size).get(enrollment.getString("qrCodeUrl"))
                    .then().statusCode(200).contentType("image/png").header("Cache-Control", "no-store")
                    .extract().asByteArray();
            assertEquals(size, QrImages.image(png).getWidth());
            assertEquals(enrollment.getString("otpauthUri"), QrImages.decode(png));
        }
    }

    @Test
    void qrCodeSizeIsBounded() {
        String userId = newUserId();
        enroll(userId);
        for (String size : new String[] {"119", "1001", "0", "-5", "abc", "12.5", "1e3"}) {
            raw().queryParam("size", size).get("/enroll/" + userId + "/qr.png")
                    .then().statusCode(400).contentType("application/problem+json")
                    .body("type", equalTo("urn:totpd:problem:invalid-request"));
        }
    }

    @Test
    void aFactorGoesFromEnrollmentToVerifiedLogins() {
        String userId = newUserId();
        String secret = enroll(userId).getString("secret");
        api().get("/users/" + userId).then().statusCode(200)
                .body("state", equalTo("pending")).body("createdAt", notNullValue())
                .body("activatedAt", nullValue()).body("lastVerifiedAt", nullValue());

        String activationCode = code(secret, clock, 0);
        activate(userId, activationCode)
                .then().statusCode(200)
                .body("userId", equalTo(userId)).body("state", equalTo("active")).body("activatedAt", notNullValue())
                .body("backupCodes.size()", equalTo(10));

        // The activation code's step counts as used: it cannot be replayed as the first login.
        verify(userId, activationCode).then().statusCode(422).body("type", equalTo("urn:totpd:problem:code-already-used"));

        clock.advance(STEP);
        String loginCode = code(secret, clock, 0);
        verify(userId, loginCode).then().statusCode(200)
                .body("userId", equalTo(userId)).body("verified", equalTo(true)).body("method", equalTo("totp"));
        verify(userId, loginCode).then().statusCode(422).body("type", equalTo("urn:totpd:problem:code-already-used"))
                .body("status", equalTo(422));

        api().get("/users/" + userId).then().statusCode(200)
                .body("state", equalTo("active")).body("lastVerifiedAt", equalTo(clock.instant().truncatedTo(ChronoUnit.MILLIS).toString()));
    }

    @Test
    void aWrongCodeIsRejectedAndTheRightOneStillWorks() {
        String userId = newUserId();
        String secret = activeUser(userId, clock);
        clock.advance(STEP);
        String right = code(secret, clock, 0);
        String wrong = wrongCode(secret, clock);

        verify(userId, wrong).then().statusCode(422).contentType("application/problem+json")
                .body("type", equalTo("urn:totpd:problem:invalid-code"));
        verify(userId, right).then().statusCode(200);
    }

    @Test
    void codesOneStepOffAreAcceptedAndTwoStepsOffRejected() {
        String userId = newUserId();
        String secret = activeUser(userId, clock);
        clock.advance(STEP.multipliedBy(10));

        verify(userId, code(secret, clock, -2)).then().statusCode(422).body("type", equalTo("urn:totpd:problem:invalid-code"));
        verify(userId, code(secret, clock, 2)).then().statusCode(422).body("type", equalTo("urn:totpd:problem:invalid-code"));
        verify(userId, code(secret, clock, -1)).then().statusCode(200);
        verify(userId, code(secret, clock, 0)).then().statusCode(200);
        verify(userId, code(secret, clock, 1)).then().statusCode(200);
        // Once a step is used, it and every earlier step are spent.
        verify(userId, code(secret, clock, 0)).then().statusCode(422).body("type", equalTo("urn:totpd:problem:code-already-used"));
    }

    @Test
    void codesWithSpacesAreAccepted() {
        String userId = newUserId();
        String secret = activeUser(userId, clock);
        clock.advance(STEP);
        String code = code(secret, clock, 0);
        verify(userId, code.substring(0, 3) + " " + code.substring(3)).then().statusCode(200);
    }

    @Test
    void enrollingAgainReplacesThePendingSecret() {
        String userId = newUserId();
        String first = enroll(userId).getString("secret");
        String second = enroll(userId).getString("secret");

        activate(userId, code(first, clock, 0)).then().statusCode(422).body("type", equalTo("urn:totpd:problem:invalid-code"));
        api().get("/users/" + userId).then().body("state", equalTo("pending"));
        activate(userId, code(second, clock, 0)).then().statusCode(200);
    }

    @Test
    void anActiveFactorIsNotReplacedByEnrollingAgain() {
        String userId = newUserId();
        activeUser(userId, clock);
        api().body(Map.of("userId", userId)).post("/enroll").then().statusCode(409)
                .body("type", equalTo("urn:totpd:problem:factor-already-active"));
        activate(userId, "123456").then().statusCode(409);
    }

    @Test
    void theQrCodeIsGoneOnceTheFactorIsActive() {
        String userId = newUserId();
        activeUser(userId, clock);
        api().get("/enroll/" + userId + "/qr.png").then().statusCode(404)
                .contentType("application/problem+json").body("type", equalTo("urn:totpd:problem:enrollment-not-found"));
    }

    @Test
    void aPendingEnrollmentExpires() {
        String userId = newUserId();
        String secret = enroll(userId).getString("secret");
        clock.advance(Duration.ofMinutes(15));

        activate(userId, code(secret, clock, 0)).then().statusCode(410).body("type", equalTo("urn:totpd:problem:enrollment-expired"));
        api().get("/enroll/" + userId + "/qr.png").then().statusCode(410);

        String renewed = enroll(userId).getString("secret");
        activate(userId, code(renewed, clock, 0)).then().statusCode(200);
    }

    @Test
    void anEnrollmentIsActivatableUntilItsLastMoment() {
        String userId = newUserId();
        String secret = enroll(userId).getString("secret");
        clock.advance(Duration.ofMinutes(15).minusMillis(1));
        activate(userId, code(secret, clock, 0)).then().statusCode(200);
    }

    @Test
    void onlyAnActiveFactorVerifies() {
        String pending = newUserId();
        String secret = enroll(pending).getString("secret");
        verify(pending, code(secret, clock, 0)).then().statusCode(404).body("type", equalTo("urn:totpd:problem:factor-not-found"));
        verify(newUserId(), "123456").then().statusCode(404).body("type", equalTo("urn:totpd:problem:factor-not-found"));
        activate(newUserId(), "123456").then().statusCode(404).body("type", equalTo("urn:totpd:problem:enrollment-not-found"));
        api().get("/users/" + newUserId()).then().statusCode(404).body("type", equalTo("urn:totpd:problem:factor-not-found"));
    }

    @Test
    void deletingRemovesTheFactor() {
        String userId = newUserId();
        String secret = activeUser(userId, clock);
        api().delete("/users/" + userId).then().statusCode(204);

        api().get("/users/" + userId).then().statusCode(404);
        clock.advance(STEP);
        verify(userId, code(secret, clock, 0)).then().statusCode(404);
        api().delete("/users/" + userId).then().statusCode(404);
        // Enrolling again starts from nothing: a new secret.
        String renewed = enroll(userId).getString("secret");
        assertEquals(false, renewed.equals(secret));
    }

    @Test
    void everyAnswerForbidsCaching() {
        String userId = newUserId();
        api().body(Map.of("userId", userId)).post("/enroll").then().statusCode(201).header("Cache-Control", "no-store")
                .header("Location", matchesPattern(".*/users/" + userId));
        verify(userId, "123456").then().header("Cache-Control", "no-store");
    }
}
