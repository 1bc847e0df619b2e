package io.totpd.db;

import static io.totpd.support.Contract.api;
import static io.totpd.support.Users.activated;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.enroll;
import static io.totpd.support.Users.eventTypes;
import static io.totpd.support.Users.newUserId;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import io.totpd.support.TestClock;
import io.totpd.support.Users.Activated;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An answer that is not 2xx means nothing changed (REQUIREMENTS 25). Another transaction holds the
 * user's lock or the factor's row for longer than the database waits ({@code lock_timeout}): the
 * database gives up first and rolls back, the caller hears 409 {@code conflict} with Retry-After,
 * and once the lock is gone the same request works as if the first had never been sent.
 */
@QuarkusTest
class BusyDatabaseTest {

    @Inject
    TestClock clock;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void aRightCodeRefusedWhileTheFactorIsLockedIsNotConsumed() throws Exception {
        String userId = newUserId();
        String secret = activated(userId, clock).secret();
        clock.advance(Duration.ofSeconds(30));
        Map<String, String> body = Map.of("userId", userId, "code", code(secret, clock, 0));

        List<String> before = eventTypes(userId);
        whileHolding(userRow(userId), () -> busy(api().body(body).post("/verify").then()));
        assertEquals(before, eventTypes(userId), "nothing was recorded");
        api().body(body).post("/verify").then().statusCode(200);
    }

    @Test
    void aWrongCodeRefusedWhileTheFactorIsLockedIsNotCounted() throws Exception {
        String userId = newUserId();
        String secret = activated(userId, clock).secret();
        clock.advance(Duration.ofSeconds(30));

        whileHolding(userRow(userId),
                () -> busy(api().body(Map.of("userId", userId, "code", code(secret, clock, 7))).post("/verify").then()));
        api().get("/users/" + userId).then().statusCode(200).body("failedAttempts", equalTo(0));
    }

    @Test
    void aRecoveryRefusedWhileTheFactorIsLockedSpendsNoBackupCode() throws Exception {
        String userId = newUserId();
        Activated user = activated(userId, clock);
        Map<String, String> body = Map.of("userId", userId, "backupCode", user.backupCodes().get(0));

        whileHolding(userRow(userId), () -> busy(api().body(body).post("/recover").then()));
        api().get("/users/" + userId).then().body("backupCodesRemaining", equalTo(10));
        api().body(body).post("/recover").then().statusCode(200).body("backupCodesRemaining", equalTo(9));
    }

    @Test
    void newBackupCodesRefusedWhileTheUserIsLockedLeaveTheOldSet() throws Exception {
        String userId = newUserId();
        Activated user = activated(userId, clock);

        whileHolding(userLock(userId), () -> busy(api().post("/users/" + userId + "/backup-codes").then()));
        api().body(Map.of("userId", userId, "backupCode", user.backupCodes().get(0))).post("/recover").then().statusCode(200);
    }

    @Test
    void anActivationRefusedWhileTheUserIsLockedLeavesTheEnrollmentPending() throws Exception {
        String userId = newUserId();
        String secret = enroll(userId).getString("secret");
        Map<String, String> body = Map.of("userId", userId, "code", code(secret, clock, 0));

        whileHolding(userLock(userId), () -> busy(api().body(body).post("/activate").then()));
        api().get("/users/" + userId).then().body("state", equalTo("pending"));
        api().body(body).post("/activate").then().statusCode(200);
    }

    @Test
    void aDeleteOrEnrollmentRefusedWhileTheUserIsLockedChangesNothing() throws Exception {
        String userId = newUserId();
        activated(userId, clock);
        List<String> before = eventTypes(userId);

        whileHolding(userLock(userId), () -> busy(api().delete("/users/" + userId).then()));
        whileHolding(userLock(userId), () -> busy(api().body(Map.of("userId", userId, "replace", true)).post("/enroll").then()));
        api().get("/users/" + userId).then().statusCode(200).body("state", equalTo("active"));
        assertEquals(before, eventTypes(userId));
    }

    private static void busy(ValidatableResponse response) {
        response.statusCode(409).contentType("application/problem+json")
                .header("Retry-After", "1")
                .body("type", equalTo("urn:totpd:problem:conflict"));
    }

    private static String userRow(String userId) {
        return "SELECT 1 FROM user_account WHERE tenant = 'acme' AND user_id = '" + userId + "' FOR UPDATE";
    }

    /** What every operation that changes several of the user's rows takes first (io.totpd.db.UserLock). */
    private static String userLock(String userId) {
        return "SELECT 1 FROM pg_advisory_xact_lock(hashtextextended('acme/" + userId + "', 0))";
    }

    /** Runs {@code request} while another transaction holds what {@code lockingQuery} locks. */
    private void whileHolding(String lockingQuery, Runnable request) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement lock = connection.prepareStatement(lockingQuery)) {
                lock.execute();
            }
            try {
                request.run();
            } finally {
                connection.rollback();
                connection.setAutoCommit(true);
            }
        }
    }
}
