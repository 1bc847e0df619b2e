package io.totpd.factor;

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

    private static void assertMetric(String metrics, String line) {
        assertTrue(Pattern.compile(line, Pattern.MULTILINE).matcher(metrics).find(), "no line like " + line);
    }
}
