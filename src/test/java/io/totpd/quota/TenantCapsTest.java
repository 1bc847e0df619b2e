package io.totpd.quota;

import static io.totpd.support.Contract.as;
import static io.totpd.support.Problems.assertProblem;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.newUserId;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.totpd.otp.Base32;
import io.totpd.otp.Secrets;
import io.totpd.support.ApiKeys;
import io.totpd.support.Imports;
import io.totpd.support.TestClock;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Caps per tenant, each tenant the tests' own: {@code capped} may have 3 pending enrollments,
 * {@code racing} 5, {@code full} 5 authenticators in all.
 */
@QuarkusTest
class TenantCapsTest {

    @Inject
    TestClock clock;

    @Inject
    AgroalDataSource database;

    /** Lets every pending enrollment made so far expire (they live 15 minutes). */
    private void expireEveryPendingEnrollment() {
        clock.advance(Duration.ofMinutes(16));
    }

    private static Response enroll(String apiKey, String userId) {
        return as(apiKey).body(Map.of("userId", userId)).post("/enroll");
    }

    @Test
    void theCapOnPendingEnrollmentsRefusesTheNextUntilOneIsActivatedOrExpires() {
        expireEveryPendingEnrollment();
        as(ApiKeys.CAPPER).get("/quota").then().statusCode(200)
                .body("pendingEnrollments.limit", equalTo(3)).body("pendingEnrollments.used", equalTo(0));
        List<String> users = List.of(newUserId(), newUserId(), newUserId());
        List<String> secrets = new ArrayList<>();
        for (String user : users) {
            secrets.add(enroll(ApiKeys.CAPPER, user).then().statusCode(201).extract().path("secret"));
        }

        String refused = newUserId();
        assertProblem(enroll(ApiKeys.CAPPER, refused).then(), 409, "quota-exceeded")
                .body("title", equalTo("Quota exceeded"))
                .body("detail", containsString("3 pending enrollments, the most allowed (totpd.tenants.capped.max-pending-enrollments)"));
        assertProblem(as(ApiKeys.CAPPER).body(Map.of("name", "Tablet")).post("/users/" + refused + "/authenticators").then(),
                409, "quota-exceeded");
        as(ApiKeys.CAPPER).get("/users/" + refused).then().statusCode(404);
        // Enrolling a pending user again moves its expiry: it counted already.
        secrets.set(0, enroll(ApiKeys.CAPPER, users.get(0)).then().statusCode(201).extract().path("secret"));
        as(ApiKeys.CAPPER).get("/quota").then().statusCode(200).body("pendingEnrollments.used", equalTo(3));

        // An activated enrollment is pending no more.
        as(ApiKeys.CAPPER).body(Map.of("userId", users.get(0), "code", code(secrets.get(0), clock, 0))).post("/activate")
                .then().statusCode(200);
        enroll(ApiKeys.CAPPER, refused).then().statusCode(201);
        assertProblem(enroll(ApiKeys.CAPPER, newUserId()).then(), 409, "quota-exceeded");

        // Expired ones do not count, though their rows are still there.
        clock.advance(Duration.ofMinutes(15));
        as(ApiKeys.CAPPER).get("/quota").then().statusCode(200).body("pendingEnrollments.used", equalTo(0));
        for (int i = 0; i < 3; i++) {
            enroll(ApiKeys.CAPPER, newUserId()).then().statusCode(201);
        }
        // Made again after it expired, an enrollment is pending again, and counts again.
        assertProblem(enroll(ApiKeys.CAPPER, users.get(1)).then(), 409, "quota-exceeded");
    }

    @Test
    void enrollmentsRacingAtTheCapNeverPassItTogether() throws Exception {
        expireEveryPendingEnrollment();
        int racers = 12;
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        Map<String, Integer> answers = new TreeMap<>();
        try {
            List<Future<Response>> futures = new ArrayList<>();
            for (int i = 0; i < racers; i++) {
                String userId = newUserId();
                futures.add(pool.submit(() -> {
                    start.await();
                    return enroll(ApiKeys.RACER, userId);
                }));
            }
            start.countDown();
            for (Future<Response> future : futures) {
                Response answer = future.get();
                String outcome = answer.statusCode() + (answer.statusCode() == 201 ? "" : " " + answer.jsonPath().getString("type"));
                answers.merge(outcome, 1, Integer::sum);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(Map.of("201", 5, "409 urn:totpd:problem:quota-exceeded", 7), answers);
        as(ApiKeys.RACER).get("/quota").then().statusCode(200)
                .body("pendingEnrollments.limit", equalTo(5)).body("pendingEnrollments.used", equalTo(5));
    }

    @Test
    void theCapOnAuthenticatorsStopsImportLinesAndEnrollmentsUntilSomeAreRemoved() throws SQLException {
        // The tenant is this test's alone: start it empty, whatever an earlier run left in this database.
        try (Connection connection = database.getConnection(); Statement sql = connection.createStatement()) {
            sql.execute("DELETE FROM user_account WHERE tenant = 'full'");
        }
        assertEquals(0, usage("full"));
        StringBuilder lines = new StringBuilder();
        List<String> users = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            users.add(newUserId());
            lines.append("{\"userId\":\"").append(users.get(i)).append("\",\"secret\":\"")
                    .append(Base32.encode(Secrets.generate())).append("\"}\n");
        }
        JsonPath report = as(ApiKeys.FILLER).contentType(Imports.NDJSON).body(lines.toString().getBytes(StandardCharsets.UTF_8))
                .post("/import").then().statusCode(200).extract().jsonPath();
        assertEquals(5, report.getInt("created"));
        assertEquals(2, report.getInt("failed"));
        assertEquals(List.of("quota-exceeded", "quota-exceeded"), report.getList("errors.type"));
        assertEquals(List.of(6, 7), report.getList("errors.line"));
        assertEquals(List.of(users.get(5), users.get(6)), report.getList("errors.userId"));
        // A refused line makes no user either.
        as(ApiKeys.FILLER).get("/users/" + users.get(6)).then().statusCode(404);
        assertEquals(5, usage("full"));

        assertProblem(enroll(ApiKeys.FILLER, newUserId()).then(), 409, "quota-exceeded")
                .body("detail", containsString("5 authenticators, the most allowed (totpd.tenants.full.max-authenticators"));
        as(ApiKeys.FILLER).get("/quota").then().statusCode(200)
                .body("authenticators.limit", equalTo(5)).body("authenticators.used", equalTo(5));

        as(ApiKeys.FILLER).delete("/users/" + users.get(0)).then().statusCode(204);
        assertEquals(4, usage("full"));
        enroll(ApiKeys.FILLER, newUserId()).then().statusCode(201);
        assertEquals(5, usage("full"));
    }

    /** The tenant's authenticators as the database counts them. */
    private long usage(String tenant) throws SQLException {
        try (Connection connection = database.getConnection();
                PreparedStatement select = connection.prepareStatement("""
                        SELECT coalesce((SELECT authenticators FROM tenant_usage WHERE tenant = ?), 0),
                               (SELECT count(*) FROM authenticator a JOIN user_account u ON u.id = a.user_account_id
                                 WHERE u.tenant = ?)""")) {
            select.setString(1, tenant);
            select.setString(2, tenant);
            try (ResultSet row = select.executeQuery()) {
                row.next();
                assertEquals(row.getLong(2), row.getLong(1), "tenant_usage agrees with the rows");
                return row.getLong(1);
            }
        }
    }
}
