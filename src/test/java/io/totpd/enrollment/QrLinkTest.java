package io.totpd.enrollment;

import static io.totpd.support.Contract.anonymous;
import static io.totpd.support.Contract.api;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.enroll;
import static io.totpd.support.Users.newUserId;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import io.totpd.support.QrImages;
import io.totpd.support.TestClock;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The enrollment QR code as a browser loads it: a signed link, no API key. */
@QuarkusTest
class QrLinkTest {

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    @Inject
    TestClock clock;

    @Test
    void theSignedLinkLoadsWithoutAKey() throws Exception {
        JsonPath enrollment = enroll(newUserId());
        String link = enrollment.getString("qrCodeUrl");
        assertEquals(true, link.matches("/qr/[A-Za-z0-9_-]{54}"), link);

        byte[] png = anonymous().queryParam("size", 300).get(link).then().statusCode(200).contentType("image/png")
                .header("Cache-Control", "no-store").header("Referrer-Policy", "no-referrer")
                .extract().asByteArray();
        assertEquals(enrollment.getString("otpauthUri"), QrImages.decode(png));
    }

    @Test
    void theLinkDiesWithItsEnrollment() {
        String userId = newUserId();
        JsonPath enrollment = enroll(userId);
        String link = enrollment.getString("qrCodeUrl");
        clock.advance(Duration.ofMinutes(15).minusSeconds(1));
        anonymous().get(link).then().statusCode(200);
        clock.advance(Duration.ofSeconds(1));
        gone(anonymous().get(link).then());
    }

    @Test
    void theLinkDiesOnActivationAndOnEnrollingAgain() {
        String userId = newUserId();
        JsonPath first = enroll(userId);
        JsonPath second = enroll(userId);
        gone(anonymous().get(first.getString("qrCodeUrl")).then());
        anonymous().get(second.getString("qrCodeUrl")).then().statusCode(200);

        api().body(Map.of("userId", userId, "code", code(second.getString("secret"), clock, 0))).post("/activate")
                .then().statusCode(200);
        gone(anonymous().get(second.getString("qrCodeUrl")).then());
    }

    @Test
    void aLinkWithAnyByteOrCharacterChangedIsRefused() {
        String link = enroll(newUserId()).getString("qrCodeUrl");
        String token = link.substring("/qr/".length());
        byte[] bytes = Base64.getUrlDecoder().decode(token);
        for (int i = 0; i < bytes.length; i++) {
            byte[] changed = bytes.clone();
            changed[i] ^= 0x01;
            gone(anonymous().get("/qr/" + Base64.getUrlEncoder().withoutPadding().encodeToString(changed)).then());
        }
        for (int i = 0; i < token.length(); i++) {
            char other = ALPHABET.charAt((ALPHABET.indexOf(token.charAt(i)) + 1) % ALPHABET.length());
            gone(anonymous().get("/qr/" + token.substring(0, i) + other + token.substring(i + 1)).then());
        }
        gone(anonymous().get("/qr/" + token.substring(1)).then());
        gone(anonymous().get("/qr/" + token + "A").then());
        gone(anonymous().get("/qr/nonsense").then());
        anonymous().get(link).then().statusCode(200);
    }

    /** Every way a link can be wrong looks the same, so the answer tells an attacker nothing. */
    private static void gone(ValidatableResponse response) {
        response.statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("urn:totpd:problem:not-found"))
                .body("detail", matchesPattern("no such QR code"));
    }
}
