package io.totpd.http;

import static io.restassured.RestAssured.given;
import static io.totpd.support.Contract.api;
import static io.totpd.support.Users.activeUser;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.newUserId;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.totpd.support.TestClock;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What an operator's Prometheus scrapes: outcomes, latency, drift, pool and rotation, no user ids. */
@QuarkusTest
class MetricsTest {

    @Inject
    TestClock clock;

    @Test
    void theMetricsOperatorsNeedAreExposed() {
        String userId = newUserId();
        String secret = activeUser(userId, clock);
        // Two steps on, a code from one step back: a phone whose clock is slow.
        clock.advance(Duration.ofSeconds(60));
        api().body(Map.of("userId", userId, "code", code(secret, clock, -1))).post("/verify").then().statusCode(200);

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertMetric(metrics, "^http_server_requests_seconds_bucket\\{.*uri=\"/verify\".*le=\"[0-9.]+\".*} \\d");
        assertMetric(metrics, "^totpd_verify_matched_offset_total\\{offset=\"-1\"} [1-9]");
        assertMetric(metrics, "^totpd_code_checks_total\\{operation=\"verify\",outcome=\"accepted\"} [1-9]");
        assertMetric(metrics, "^totpd_secrets_on_old_keys \\d");
        assertMetric(metrics, "^agroal_active_count\\{datasource=\"default\"} \\d");
        assertMetric(metrics, "^agroal_awaiting_count\\{datasource=\"default\"} \\d");
        assertFalse(metrics.contains(userId), "no user id in any label");
    }

    @Test
    void answersMadeBeforeRoutingNameTheRouteNotThePath() {
        String userId = newUserId();
        // Without a key and before any resource runs: what an outsider could send to grow the metrics.
        given().options("/users/" + userId).then().statusCode(405);
        given().patch("/users/" + userId).then().statusCode(405);
        given().get("/no-such-" + userId).then().statusCode(404);
        given().get("/users/" + userId + "x".repeat(2100)).then().statusCode(414);

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertFalse(metrics.contains(userId), "no path a caller made up is a label");
        assertMetric(metrics, "^http_server_requests_seconds_count\\{.*method=\"OPTIONS\".*uri=\"/users/\\{userId}\".*} [1-9]");
        assertMetric(metrics, "^http_server_requests_seconds_count\\{.*status=\"404\".*uri=\"UNMATCHED\".*} [1-9]");
        assertMetric(metrics, "^agroal_awaiting_count\\{datasource=\"default\"} \\d");
        assertMetric(metrics, "^totpd_hashing_places_free \\d");
    }

    private static void assertMetric(String metrics, String line) {
        assertTrue(Pattern.compile(line, Pattern.MULTILINE).matcher(metrics).find(), "no line like " + line);
    }
}
