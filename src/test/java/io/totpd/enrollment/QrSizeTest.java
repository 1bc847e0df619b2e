package io.totpd.enrollment;

import static io.totpd.support.Contract.anonymous;
import static io.totpd.support.Contract.api;
import static io.totpd.support.Contract.raw;
import static io.totpd.support.Users.newUserId;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import io.totpd.support.QrImages;
import java.awt.image.BufferedImage;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Nothing is accepted that cannot be served later: every QR code is exactly the size asked, or a 400. */
@QuarkusTest
class QrSizeTest {

    @Test
    void anAccountNameTooLongForAReadableQrCodeIsRefusedAtEnrollment() {
        raw().contentType("application/json").body(Map.of("userId", newUserId(), "accountName", "\uD83D\uDE00".repeat(128)))
                .post("/enroll").then().statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("urn:totpd:problem:invalid-request"))
                .body("detail", containsString("accountName"));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 16, 40, 64, 128})
    void everyAcceptedEnrollmentServesItsQrCodeAtEverySizeThatIsNotRefused(int emoji) throws Exception {
        String userId = newUserId();
        JsonPath enrollment = api().body(Map.of("userId", userId, "accountName", "\uD83D\uDE00".repeat(emoji))).post("/enroll")
                .then().extract().jsonPath();
        if (enrollment.get("otpauthUri") == null) {
            return; // refused at the door, which the test above covers
        }
        for (int size : new int[] {120, 121, 150, 199, 256, 333, 1000}) {
            ValidatableResponse answer = raw().queryParam("size", size).get("/enroll/{userId}/qr.png", userId).then();
            if (answer.extract().statusCode() == 200) {
                byte[] png = answer.contentType("image/png").extract().asByteArray();
                BufferedImage image = QrImages.image(png);
                assertEquals(size, image.getWidth(), "width at size " + size);
                assertEquals(size, image.getHeight(), "height at size " + size);
                assertEquals(enrollment.getString("otpauthUri"), QrImages.decode(png));
            } else {
                String detail = answer.statusCode(400).contentType("application/problem+json")
                        .body("type", equalTo("urn:totpd:problem:invalid-request")).extract().path("detail");
                Matcher smallest = Pattern.compile("at least (\\d+) pixels").matcher(detail);
                assertEquals(true, smallest.find(), detail);
                int least = Integer.parseInt(smallest.group(1));
                assertEquals(true, least > size, detail);
                byte[] png = raw().queryParam("size", least).get("/enroll/{userId}/qr.png", userId).then().statusCode(200)
                        .extract().asByteArray();
                assertEquals(least, QrImages.image(png).getWidth());
                raw().queryParam("size", least - 1).get("/enroll/{userId}/qr.png", userId).then().statusCode(400);
            }
        }
    }

    @Test
    void queryParametersThatAreEmptyOrRepeatedAre400() {
        String userId = newUserId();
        JsonPath enrollment = api().body(Map.of("userId", userId)).post("/enroll").then().statusCode(201).extract().jsonPath();
        String link = enrollment.getString("qrCodeUrl");
        for (String query : new String[] {"size=", "size", "size=300&size=300", "size=300&size=abc", "size=abc&size=300",
                "size=%20300", "size=300%20", "size=+300", "size=0300x"}) {
            invalid(raw().urlEncodingEnabled(false).get("/enroll/" + userId + "/qr.png?" + query).then());
            invalid(anonymous().urlEncodingEnabled(false).get(link + "?" + query).then());
        }
        for (String query : new String[] {"limit=", "limit", "limit=5&limit=5", "limit=5&limit=x", "before=", "before",
                "before=9&before=9", "before=9&before=x", "limit=%205"}) {
            invalid(raw().urlEncodingEnabled(false).get("/users/" + userId + "/events?" + query).then());
        }
    }

    private static void invalid(ValidatableResponse response) {
        response.statusCode(400).contentType("application/problem+json")
                .body("type", equalTo("urn:totpd:problem:invalid-request"));
    }
}
