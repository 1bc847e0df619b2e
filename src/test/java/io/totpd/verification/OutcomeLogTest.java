package io.totpd.verification;

import static io.totpd.support.Contract.api;
import static io.totpd.support.Contract.raw;
import static io.totpd.support.Users.activate;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.enroll;
import static io.totpd.support.Users.newUserId;
import static io.totpd.support.Users.verify;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.totpd.support.Leaks;
import io.totpd.support.LogCapture;
import io.totpd.support.TestClock;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every code check is logged and counted; no secret, code, API key or otpauth URI reaches a log or a metric. */
@QuarkusTest
class OutcomeLogTest {

    @Inject
    TestClock clock;

    @Test
    void outcomesAreLoggedAndCountedWithoutSecrets() {
        double acceptedBefore = counter("verify", "accepted");
        double invalidBefore = counter("verify", "invalid-code");
        double replayedBefore = counter("verify", "code-already-used");
        LogCapture capture = LogCapture.start();
        List<String> secrets = new ArrayList<>(List.of(io.totpd.support.ApiKeys.PORTAL));
        String userId = newUserId();
        try {
            JsonPath enrollment = enroll(userId);
            String secret = enrollment.getString("secret");
            secrets.addAll(List.of(secret, enrollment.getString("manualEntryKey"), enrollment.getString("otpauthUri")));
            api().get(enrollment.getString("qrCodeUrl")).then().statusCode(200);

            String activation = code(secret, clock, 0);
            secrets.add(activation);
            activate(userId, activation).then().statusCode(200);
            clock.advance(Duration.ofSeconds(30));
            String login = code(secret, clock, 0);
            secrets.add(login);
            verify(userId, login).then().statusCode(200);
            verify(userId, login).then().statusCode(422);
            String wrong = login.equals("999999") ? "999998" : "999999";
            secrets.add(wrong);
            verify(userId, wrong).then().statusCode(422);
            raw().contentType("application/json").body("{\"userId\":\"" + userId + "\",\"code\":\"12a456\"}").post("/verify")
                    .then().statusCode(400);
        } finally {
            capture.close();
        }
        List<String> logs = capture.lines();

        assertEquals(acceptedBefore + 1, counter("verify", "accepted"));
        assertEquals(invalidBefore + 1, counter("verify", "invalid-code"));
        assertEquals(replayedBefore + 1, counter("verify", "code-already-used"));
        assertTrue(logs.contains("activate accepted user=" + userId), String.join("\n", logs));
        assertTrue(logs.contains("verify accepted user=" + userId), String.join("\n", logs));
        assertTrue(logs.contains("verify code-already-used user=" + userId), String.join("\n", logs));
        assertTrue(logs.contains("verify invalid-code user=" + userId), String.join("\n", logs));

        String metrics = Leaks.withoutValues(given().get("/q/metrics").then().statusCode(200).extract().asString());
        for (String secret : secrets) {
            for (String line : logs) {
                assertFalse(Leaks.holds(line, secret), "a log line holds a secret or code: " + line);
            }
            assertFalse(Leaks.holds(metrics, secret), "the metrics hold a secret or code: " + secret);
        }
        assertFalse(metrics.contains(userId), "metrics never carry a user id");
    }

    private static double counter(String operation, String outcome) {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher value = Pattern.compile("^totpd_code_checks_total\\{operation=\"" + operation + "\",outcome=\"" + outcome
                + "\"[^}]*} ([0-9.E+-]+)$", Pattern.MULTILINE).matcher(metrics);
        return value.find() ? Double.parseDouble(value.group(1)) : 0;
    }
}
