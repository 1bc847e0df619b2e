package io.totpd.quota;

import static io.restassured.RestAssured.given;
import static io.totpd.support.Contract.as;
import static io.totpd.support.Problems.assertProblem;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.newUserId;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.totpd.otp.Base32;
import io.totpd.support.Ddl;
import io.totpd.support.ApiKeys;
import io.totpd.support.LogCapture;
import io.totpd.support.SeededFactors;
import io.totpd.support.TestClock;
import io.totpd.support.Users;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Rates per caller, on the test clock: callers LIMITED and NEIGHBOUR (tenant quota) check 1 code a
 * second with bursts of 3, and LIMITED has 1 unit a second with bursts of 20 for Argon2id work and for
 * everything else; SPRAYER (tenant spray) checks 5 a second with bursts of 20. Each test first lets
 * its callers' buckets fill (and their once-a-minute alarm come due) by moving the clock on.
 */
@QuarkusTest
class QuotaTest {

    /** The development key of the test profile, under which seeded users are sealed. */
    private static final String KEY = "development-only:s0zrCYubVE8U4EDvwuj5JY8+mybG01BlyJbpgm4Z//w=";

    @Inject
    TestClock clock;

    @Inject
    AgroalDataSource database;

    private static RequestSpecification limited() {
        return as(ApiKeys.LIMITED);
    }

    /** A code check of a user nobody enrolled: 404 when it is checked, and nothing to write either way. */
    private static Response check(String apiKey) {
        return as(apiKey).body(Map.of("userId", newUserId(), "code", "123456")).post("/verify");
    }

    private void fillBuckets() {
        clock.advance(Duration.ofSeconds(61));
    }

    @Test
    void aCallerOverItsCheckRateGets429WithRetryAfterAndIsServedAgainAfterThatLong() {
        fillBuckets();
        for (int i = 0; i < 3; i++) {
            check(ApiKeys.LIMITED).then().statusCode(404);
        }
        assertProblem(check(ApiKeys.LIMITED).then(), 429, "quota-exceeded")
                .header("Retry-After", "1")
                .body("title", equalTo("Quota exceeded"))
                .body("detail", containsString("checks quota (1 a second, bursts of 3 on each replica) is used up; retry in 1 s"));

        clock.advance(Duration.ofSeconds(1));
        check(ApiKeys.LIMITED).then().statusCode(404);
        assertProblem(check(ApiKeys.LIMITED).then(), 429, "quota-exceeded").header("Retry-After", "1");
        // Its other rates are its own: a call of another kind is still served.
        limited().get("/users/" + newUserId()).then().statusCode(404);
    }

    @Test
    void anotherCallerOfTheSameTenantIsUnaffected() {
        fillBuckets();
        for (int i = 0; i < 3; i++) {
            check(ApiKeys.LIMITED).then().statusCode(404);
        }
        check(ApiKeys.LIMITED).then().statusCode(429);
        for (int i = 0; i < 3; i++) {
            check(ApiKeys.NEIGHBOUR).then().statusCode(404);
        }
        check(ApiKeys.PORTAL).then().statusCode(404);
        check(ApiKeys.LIMITED).then().statusCode(429);
    }

    @Test
    void theExpensiveBudgetRunsOutFasterThanThePlainOne() {
        fillBuckets();
        List<String> users = List.of(newUserId(), newUserId(), newUserId());
        List<String> secrets = new ArrayList<>();
        for (String user : users) {
            secrets.add(limited().body(Map.of("userId", user)).post("/enroll").then().statusCode(201).extract().path("secret"));
        }
        // Each activation may hash ten backup codes: two use up a burst of 20, where 20 plain calls would take 20.
        activate(users.get(0), secrets.get(0)).then().statusCode(200);
        activate(users.get(1), secrets.get(1)).then().statusCode(200);
        assertProblem(activate(users.get(2), secrets.get(2)).then(), 429, "quota-exceeded")
                .header("Retry-After", "10").body("detail", containsString("expensive quota"));
        // Three enrollments and three status reads later, plain calls still have most of their burst.
        for (String user : users.subList(0, 2)) {
            limited().get("/users/" + user).then().statusCode(200).body("state", equalTo("active"));
        }
        limited().get("/users/" + users.get(2)).then().statusCode(200).body("state", equalTo("pending"));
        limited().get("/quota").then().statusCode(200).body("expensive.remaining", equalTo(0)).body("other.remaining", equalTo(14));

        clock.advance(Duration.ofSeconds(10));
        activate(users.get(2), secrets.get(2)).then().statusCode(200);
    }

    private Response activate(String userId, String secret) {
        return limited().body(Map.of("userId", userId, "code", code(secret, clock, 0))).post("/activate");
    }

    @Test
    void aSprayOfOneWrongCodeAcrossAThousandUsersIsCutOffAtTheRateAndTheRefusedOnesLeaveNoTrace() throws SQLException {
        String prefix = "spray-" + java.util.UUID.randomUUID() + "-";
        List<String> userIds = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            userIds.add(prefix + i);
        }
        Map<String, byte[]> secrets;
        try (Connection connection = database.getConnection()) {
            secrets = SeededFactors.insert(connection, KEY, "spray", userIds, Users.TOTP.step(clock.instant()) - 10);
        }
        fillBuckets();
        List<String> checked = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (int i = 0; i < userIds.size(); i++) {
            if (i > 0 && i % 100 == 0) {
                // The spray takes ten seconds of the test clock: a burst of 20, then 5 a second for 9 s.
                clock.advance(Duration.ofSeconds(1));
            }
            String userId = userIds.get(i);
            Response answer = as(ApiKeys.SPRAYER)
                    .body(Map.of("userId", userId, "code", Users.wrongCode(Base32.encode(secrets.get(userId)), clock)))
                    .post("/verify");
            if (answer.statusCode() == 422) {
                answer.then().body("type", equalTo("urn:totpd:problem:invalid-code"));
                checked.add(userId);
            } else {
                assertProblem(answer.then(), 429, "quota-exceeded");
                refused.add(userId);
            }
        }
        assertEquals(20 + 5 * 9, checked.size(), "checked: the burst and the rate");
        assertEquals(1000 - 65, refused.size());
        // The checked ones count a failure and record it; the refused ones were never evaluated.
        assertEquals(checked.size(), count("SELECT count(*) FROM user_account WHERE tenant = 'spray' AND user_id = ANY (?) "
                + "AND failed_attempts = 1", checked));
        assertEquals(checked.size(), count("SELECT count(*) FROM audit_event WHERE tenant = 'spray' AND user_id = ANY (?) "
                + "AND type = 'REJECTED'", checked));
        assertEquals(0, count("SELECT count(*) FROM user_account WHERE tenant = 'spray' AND user_id = ANY (?) "
                + "AND (failed_attempts <> 0 OR version <> 0)", refused));
        assertEquals(0, count("SELECT count(*) FROM audit_event WHERE tenant = 'spray' AND user_id = ANY (?)", refused));
    }

    @Test
    void theAuditEventIsWrittenAtMostOnceAMinuteAndNamesNoUser() throws SQLException {
        fillBuckets();
        // Events keep milliseconds.
        Instant start = clock.instant().truncatedTo(ChronoUnit.MILLIS);
        exhaustChecks();
        for (int i = 0; i < 5; i++) {
            check(ApiKeys.LIMITED).then().statusCode(429);
        }
        assertEquals(1, quotaEvents(start));
        clock.advance(Duration.ofSeconds(30));
        exhaustChecks();
        check(ApiKeys.LIMITED).then().statusCode(429);
        assertEquals(1, quotaEvents(start), "within the minute: counted, not recorded");
        clock.advance(Duration.ofSeconds(31));
        exhaustChecks();
        check(ApiKeys.LIMITED).then().statusCode(429);
        assertEquals(2, quotaEvents(start));
        assertEquals(2, count("SELECT count(*) FROM audit_event WHERE caller = 'limited' AND type = 'QUOTA_EXCEEDED' "
                + "AND tenant = 'quota' AND user_id IS NULL AND occurred_at >= ?", start));
    }

    @Test
    void whenTheEventCannotBeWrittenThe429StillGoesOutAndTheFailureIsLogged() throws SQLException {
        fillBuckets();
        Ddl.execute(database, """
                CREATE FUNCTION fail_quota_event() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'the test refuses this event'; END $$;
                CREATE TRIGGER fail_quota_event BEFORE INSERT ON audit_event FOR EACH ROW
                  WHEN (NEW.caller = 'neighbour' AND NEW.type = 'QUOTA_EXCEEDED') EXECUTE FUNCTION fail_quota_event();
                """);
        try (LogCapture log = LogCapture.start()) {
            for (int i = 0; i < 3; i++) {
                check(ApiKeys.NEIGHBOUR).then().statusCode(404);
            }
            assertProblem(check(ApiKeys.NEIGHBOUR).then(), 429, "quota-exceeded").header("Retry-After", "1");
            assertTrue(log.lines().stream().anyMatch(line -> line.startsWith("The quota-exceeded event of caller 'neighbour' "
                    + "could not be recorded")), String.join("\n", log.lines()));
        } finally {
            Ddl.execute(database, "DROP TRIGGER fail_quota_event ON audit_event; DROP FUNCTION fail_quota_event()");
        }
    }

    /** Uses up LIMITED's checks, whatever was left of them. */
    private static void exhaustChecks() {
        while (check(ApiKeys.LIMITED).statusCode() != 429) {
            // another check
        }
    }

    private long quotaEvents(Instant since) throws SQLException {
        return count("SELECT count(*) FROM audit_event WHERE caller = 'limited' AND type = 'QUOTA_EXCEEDED' AND occurred_at >= ?",
                since);
    }

    @Test
    void eachCallersAllowedAndLimitedCallsAreCounted() {
        fillBuckets();
        String before = metrics();
        for (int i = 0; i < 3; i++) {
            check(ApiKeys.LIMITED).then().statusCode(404);
        }
        check(ApiKeys.LIMITED).then().statusCode(429);
        check(ApiKeys.LIMITED).then().statusCode(429);
        String after = metrics();
        assertEquals(3, counter(after, "limited", "allowed") - counter(before, "limited", "allowed"));
        assertEquals(2, counter(after, "limited", "limited") - counter(before, "limited", "limited"));
        // Every caller's counters are there from the start, also those of a caller that never called.
        for (String caller : List.of("portal", "login", "rival", "migrator", "hooked", "limited", "neighbour", "sprayer",
                "capper", "filler", "racer")) {
            counter(after, caller, "allowed");
            counter(after, caller, "limited");
        }
    }

    private static String metrics() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    private static double counter(String metrics, String caller, String outcome) {
        Matcher line = Pattern.compile("^totpd_quota_requests_total\\{caller=\"" + caller + "\",outcome=\"" + outcome
                + "\"} (\\S+)$", Pattern.MULTILINE).matcher(metrics);
        assertTrue(line.find(), "no counter of " + caller + " " + outcome);
        return Double.parseDouble(line.group(1));
    }

    @Test
    void getQuotaShowsTheCallersRatesAndItsTenantsCapsAndCostsNothing() {
        fillBuckets();
        limited().get("/quota").then().statusCode(200)
                .body("caller", equalTo("limited")).body("tenant", equalTo("quota")).body("enforced", equalTo(true))
                .body("checks.rate", equalTo(1.0f)).body("checks.burst", equalTo(3))
                .body("checks.remaining", equalTo(3)).body("checks.secondsUntilFull", equalTo(0))
                .body("expensive.burst", equalTo(20)).body("other.burst", equalTo(20)).body("other.remaining", equalTo(20))
                .body("pendingEnrollments.limit", equalTo(10000)).body("authenticators.limit", equalTo(10000000));
        check(ApiKeys.LIMITED).then().statusCode(404);
        limited().get("/quota").then().statusCode(200)
                .body("checks.remaining", equalTo(2)).body("checks.secondsUntilFull", equalTo(1));
        exhaustChecks();
        // Over its rate, a caller can still look, as often as it likes: GET /quota is not charged.
        for (int i = 0; i < 25; i++) {
            limited().get("/quota").then().statusCode(200).body("checks.remaining", equalTo(0))
                    .body("other.remaining", equalTo(20));
        }
        // Any scope will do.
        as(ApiKeys.LOGIN).get("/quota").then().statusCode(200).body("caller", equalTo("login")).body("tenant", equalTo("acme"));
        as(ApiKeys.MIGRATOR).get("/quota").then().statusCode(200).body("caller", equalTo("migrator"));
    }

    private long count(String sql, Object parameter) throws SQLException {
        try (Connection connection = database.getConnection(); PreparedStatement select = connection.prepareStatement(sql)) {
            if (parameter instanceof List<?> list) {
                select.setArray(1, connection.createArrayOf("varchar", list.toArray()));
            } else {
                select.setObject(1, ((Instant) parameter).atOffset(java.time.ZoneOffset.UTC));
            }
            try (ResultSet row = select.executeQuery()) {
                row.next();
                return row.getLong(1);
            }
        }
    }
}
