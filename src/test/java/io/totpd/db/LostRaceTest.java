package io.totpd.db;

import static io.totpd.support.Contract.api;
import static io.totpd.support.Users.activated;
import static io.totpd.support.Users.eventTypes;
import static io.totpd.support.Users.newUserId;
import static io.totpd.support.Users.recover;
import static io.totpd.support.Users.verify;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.totpd.support.Ddl;
import io.totpd.support.TestClock;
import io.totpd.support.Users.Activated;
import jakarta.inject.Inject;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A serialization failure (40001) or deadlock (40P01) means the transaction lost a race and was
 * rolled back whole (REQUIREMENTS 26): it is run again, a bounded number of times, and after that the
 * caller hears 409 conflict with Retry-After, never 500; /verify checks again, as after a lost
 * compare-and-set. The database is made to raise them by a trigger that fails the first n writes of
 * one test user's rows.
 */
@QuarkusTest
class LostRaceTest {

    @Inject
    TestClock clock;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void aTransactionThatLostARaceOnceRunsAgainAndSucceeds() throws Exception {
        String userId = newUserId();
        Activated user = activated(userId, clock);
        failingFirstWrites(userId, 1, "40001", () ->
                api().post("/users/" + userId + "/backup-codes").then().statusCode(200).body("backupCodes", hasSize(10)));
        assertEquals(List.of("backup_codes_regenerated", "activated", "enrolled"), eventTypes(userId), "one event per change");
        // The set the retry issued is the one that works; the old one died with it.
        recover(userId, user.backupCodes().get(0)).then().statusCode(422);
    }

    @Test
    void aTransactionThatKeepsLosingIsAConflictAndChangesNothing() throws Exception {
        String userId = newUserId();
        Activated user = activated(userId, clock);
        failingFirstWrites(userId, 100, "40P01", () -> api().post("/users/" + userId + "/backup-codes").then().statusCode(409)
                .header("Retry-After", "1").body("type", equalTo("urn:totpd:problem:conflict")));
        recover(userId, user.backupCodes().get(0)).then().statusCode(200);
    }

    @Test
    void aVerifyThatLostARaceChecksAgainAsAfterALostCompareAndSet() throws Exception {
        for (String sqlState : List.of("40001", "40P01")) {
            String userId = newUserId();
            Activated user = activated(userId, clock);
            clock.advance(java.time.Duration.ofSeconds(30));
            String code = io.totpd.support.Users.code(user.secret(), clock, 0);
            failingFirstUserWrites(userId, 2, sqlState, () -> verify(userId, code).then().statusCode(200));
            verify(userId, code).then().statusCode(422).body("type", equalTo("urn:totpd:problem:code-already-used"));
            assertEquals(List.of("replayed", "verified", "activated", "enrolled"), eventTypes(userId), "one event per outcome");
        }
    }

    /** Runs {@code request} while the first {@code times} writes of the user's row fail with {@code sqlState}. */
    private void failingFirstUserWrites(String userId, int times, String sqlState, Runnable request) throws SQLException {
        inject("user_account", "NEW.tenant = 'acme' AND NEW.user_id = '" + userId + "'", userId, times, sqlState, request);
    }

    /** Runs {@code request} while the first {@code times} backup-code writes of the user fail with {@code sqlState}. */
    private void failingFirstWrites(String userId, int times, String sqlState, Runnable request) throws SQLException {
        inject("backup_code", "NEW.user_account_id = (SELECT id FROM user_account WHERE tenant = 'acme' AND user_id = '"
                + userId + "')", userId, times, sqlState, request);
    }

    /** A trigger on {@code table} that fails the first {@code times} writes of rows matching {@code condition}. */
    private void inject(String table, String condition, String userId, int times, String sqlState, Runnable request)
            throws SQLException {
        String name = "lost_race_" + Math.abs(userId.hashCode());
        // A sequence, because it counts outside the transactions it fails: a rollback does not reset it.
        Ddl.execute(dataSource, "CREATE SEQUENCE " + name + ";"
                + "CREATE FUNCTION " + name + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                + "IF " + condition + " AND nextval('" + name + "') <= " + times + " THEN "
                + "RAISE EXCEPTION 'injected' USING ERRCODE = '" + sqlState + "'; END IF; RETURN NEW; END $$;"
                + "CREATE TRIGGER " + name + " BEFORE INSERT OR UPDATE ON " + table + " FOR EACH ROW EXECUTE FUNCTION "
                + name + "()");
        try {
            request.run();
        } finally {
            Ddl.execute(dataSource, "DROP TRIGGER " + name + " ON " + table + "; DROP FUNCTION " + name + "(); DROP SEQUENCE " + name);
        }
    }
}
