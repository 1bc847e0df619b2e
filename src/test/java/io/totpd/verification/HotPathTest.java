package io.totpd.verification;

import static io.totpd.support.Contract.api;
import static io.totpd.support.Users.activeUser;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.eventTypes;
import static io.totpd.support.Users.newUserId;
import static io.totpd.support.Users.verify;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.totpd.audit.AuditEvent;
import io.totpd.audit.AuditEvents;
import io.totpd.audit.AuditTrail;
import io.totpd.core.UserAccounts;
import io.totpd.support.Ddl;
import io.totpd.support.AuthenticatorCalls;
import io.totpd.support.AuthenticatorCalls.Device;
import io.totpd.support.StatementCounter;
import io.totpd.support.StatementCounter.Counts;
import io.totpd.support.TestClock;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * /verify is on every login: one read and at most one write, each a single round trip on an
 * autocommit connection, with no commit of its own to wait for.
 */
@QuarkusTest
class HotPathTest {

    @Inject
    TestClock clock;

    @Inject
    StatementCounter counter;

    @Inject
    UserAccounts users;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void anAcceptedCodeCostsOneReadAndOneWrite() {
        String userId = newUserId();
        String secret = activeUser(userId, clock);
        clock.advance(Duration.ofSeconds(30));

        Counts counts = counter.during(() ->
                verify(userId, code(secret, clock, 0)).then().statusCode(200));
        assertEquals(new Counts(2, 0), counts);
        assertEquals(List.of("verified", "activated", "enrolled"), eventTypes(userId));
    }

    @Test
    void aWrongCodeCostsOneReadAndTheWriteOfItsFailure() {
        String userId = newUserId();
        String secret = activeUser(userId, clock);
        clock.advance(Duration.ofSeconds(30));
        String wrong = code(secret, clock, 5);

        Counts counts = counter.during(() ->
                verify(userId, wrong).then().statusCode(422));
        assertEquals(new Counts(2, 0), counts);
        api().get("/users/" + userId).then().body("failedAttempts", equalTo(1));
    }

    @Test
    void aReplayedCodeCostsOneReadAndItsAuditEvent() {
        String userId = newUserId();
        String secret = activeUser(userId, clock);

        Counts counts = counter.during(() ->
                verify(userId, code(secret, clock, 0)).then().statusCode(422));
        assertEquals(new Counts(2, 0), counts);
        assertEquals(List.of("replayed", "activated", "enrolled"), eventTypes(userId));
    }

    @Test
    void anUnknownUserCostsOneRead() {
        Counts counts = counter.during(() ->
                verify(newUserId(), "123456").then().statusCode(404));
        assertEquals(new Counts(1, 0), counts);
    }

    @Test
    void aWriteBasedOnAStaleReadChangesNothingAndRecordsNothing() {
        String userId = newUserId();
        activeUser(userId, clock);
        UserAccounts.SignIn first = users.forSignIn("acme", userId);
        UserAccounts.SignIn second = users.forSignIn("acme", userId);
        AuditTrail.Stamp stamp = new AuditTrail.Stamp("acme", "portal", "stale-write-test", clock.instant());

        first.user().totpAttempts.failures = 1;
        assertTrue(users.signIn(first.user(), UserAccounts.DeviceWrites.NONE, batch(stamp, userId, AuditEvent.Type.REJECTED)));
        second.user().replayMark = second.user().replayMark + 30;
        assertFalse(users.signIn(second.user(), UserAccounts.DeviceWrites.NONE, batch(stamp, userId, AuditEvent.Type.VERIFIED)),
                "second write of one version");

        UserAccounts.SignIn now = users.forSignIn("acme", userId);
        assertEquals(first.user().replayMark, now.user().replayMark);
        assertEquals(1, now.user().totpAttempts.failures);
        assertEquals(List.of("rejected", "activated", "enrolled"), eventTypes(userId));
    }

    @Test
    void aCheckThatKeepsLosingTheRaceGivesUpWithAConflictAndCountsNothing() throws SQLException {
        String userId = newUserId();
        String secret = activeUser(userId, clock);
        clock.advance(Duration.ofSeconds(30));
        // Another replica that always writes first: PostgreSQL skips every update of this user's row.
        Ddl.execute(dataSource, "CREATE OR REPLACE FUNCTION always_raced() RETURNS trigger LANGUAGE plpgsql AS "
                + "$$ BEGIN IF OLD.user_id = '" + userId + "' THEN RETURN NULL; END IF; RETURN NEW; END $$;"
                + "DROP TRIGGER IF EXISTS always_raced ON user_account;"
                + "CREATE TRIGGER always_raced BEFORE UPDATE ON user_account FOR EACH ROW EXECUTE FUNCTION always_raced()");
        try {
            Counts counts = counter.during(() -> verify(userId, code(secret, clock, 0))
                    .then().statusCode(409).body("type", equalTo("urn:totpd:problem:conflict")));
            assertEquals(new Counts(20, 0), counts, "ten reads and ten writes, then it stops");
        } finally {
            Ddl.execute(dataSource, "DROP TRIGGER always_raced ON user_account; DROP FUNCTION always_raced()");
        }
        api().get("/users/" + userId).then().body("failedAttempts", equalTo(0)).body("lastVerifiedAt", equalTo(null));
        assertEquals(List.of("activated", "enrolled"), eventTypes(userId));
    }

    @Test
    void withThreeAuthenticatorsACodeOfTheThirdStillCostsOneReadAndOneWrite() {
        String userId = newUserId();
        activeUser(userId, clock);
        AuthenticatorCalls.added(userId, "Tablet", clock);
        Device third = AuthenticatorCalls.added(userId, "Password manager", clock);
        clock.advance(Duration.ofSeconds(30));

        Counts counts = counter.during(() -> verify(userId, code(third.secret(), clock, 0)).then().statusCode(200)
                .body("authenticatorId", equalTo(third.id())).body("name", equalTo("Password manager")));
        assertEquals(new Counts(2, 0), counts);
        Counts wrong = counter.during(() -> verify(userId, code(third.secret(), clock, 5)).then().statusCode(422));
        assertEquals(new Counts(2, 0), wrong, "a wrong code is checked against all three in the same read");
    }

    @Test
    void aSignInWithTheSameDeviceAsLastTimeWritesTheUsersRowAlone() throws SQLException {
        String userId = newUserId();
        String secret = activeUser(userId, clock);
        clock.advance(Duration.ofSeconds(30));
        verify(userId, code(secret, clock, 0)).then().statusCode(200);
        long before = authenticatorRowVersion(userId);
        clock.advance(Duration.ofSeconds(30));
        verify(userId, code(secret, clock, 0)).then().statusCode(200);
        assertEquals(before, authenticatorRowVersion(userId), "the authenticator row was not rewritten");
        api().get("/users/" + userId + "/authenticators").then()
                .body("authenticators[0].lastUsedAt", equalTo(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS)
                        .toString()));
    }

    /** The transaction that last wrote the user's authenticator row (xmin). */
    private long authenticatorRowVersion(String userId) throws SQLException {
        try (Connection connection = dataSource.getConnection(); Statement sql = connection.createStatement();
                java.sql.ResultSet row = sql.executeQuery("SELECT a.xmin::text::bigint FROM authenticator a "
                        + "JOIN user_account u ON u.id = a.user_account_id WHERE u.user_id = '" + userId + "'")) {
            row.next();
            return row.getLong(1);
        }
    }

    private static AuditEvents.Batch batch(AuditTrail.Stamp stamp, String userId, AuditEvent.Type type) {
        return new AuditEvents.Batch(stamp, userId, null, "totp", List.of(type));
    }
}
