package io.totpd.audit;

import static io.totpd.support.Contract.api;
import static io.totpd.support.Users.activated;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.newUserId;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.totpd.support.Ddl;
import io.totpd.support.TestClock;
import io.totpd.support.Users.Activated;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The audit trail's partitions (migration V7) as the service keeps them, and paging across them. */
@QuarkusTest
class AuditPartitionsTest {

    private static final Duration STEP = Duration.ofSeconds(30);

    @Inject
    TestClock clock;

    @Inject
    AgroalDataSource database;

    @Inject
    AuditPartitions job;

    @Inject
    AuditEvents events;

    @Test
    void partitionsCoverNowAndTheNextMonthWithoutAGap() {
        job.run();
        List<AuditEvents.Partition> partitions = events.partitions();
        Instant now = clock.instant();
        for (int i = 1; i < partitions.size(); i++) {
            assertEquals(partitions.get(i - 1).to(), partitions.get(i).from(), "a gap or overlap after " + partitions.get(i - 1));
        }
        assertFalse(partitions.get(0).from().isAfter(now));
        Instant endOfNextMonth = PartitionInterval.MONTH.next(PartitionInterval.MONTH.next(now));
        assertEquals(endOfNextMonth, partitions.get(partitions.size() - 1).to());

        job.run();
        assertEquals(partitions, events.partitions(), "a second run changes nothing");
    }

    @Test
    void pagesFollowTimeThenIdWhereIdsDisagreeWithTime() throws SQLException {
        String userId = newUserId();
        Activated user = activated(userId, clock);
        clock.advance(STEP);
        api().body(Map.of("userId", userId, "code", code(user.secret(), clock, 0))).post("/verify").then().statusCode(200);
        // A request that took its stamp just before the verify's but committed after it: a higher id, an older time.
        execute("""
                INSERT INTO audit_event (tenant, user_id, type, method, caller, request_id, occurred_at)
                SELECT tenant, user_id, 'REJECTED', 'totp', caller, 'late-commit', occurred_at - interval '1 millisecond'
                  FROM audit_event WHERE user_id = '%s' AND type = 'VERIFIED'""".formatted(userId));

        List<String> types = new ArrayList<>();
        List<String> requests = new ArrayList<>();
        Long before = null;
        do {
            var request = api().queryParam("limit", 1);
            if (before != null) {
                request = request.queryParam("before", before);
            }
            JsonPath page = request.get("/users/" + userId + "/events").then().statusCode(200).extract().jsonPath();
            types.addAll(page.getList("events.type"));
            requests.addAll(page.getList("events.requestId"));
            before = page.getObject("nextBefore", Long.class);
        } while (before != null);
        assertEquals(List.of("verified", "rejected", "activated", "enrolled"), types);
        assertEquals("late-commit", requests.get(1));

        String another = newUserId();
        activated(another, clock);
        long anothersEvent = api().get("/users/" + another + "/events").then().statusCode(200)
                .extract().jsonPath().getLong("events[0].id");
        for (long notTheUsers : new long[] {anothersEvent, 100_000_000_000_000_000L}) {
            api().queryParam("before", notTheUsers).get("/users/" + userId + "/events").then().statusCode(200)
                    .body("events.size()", equalTo(0));
        }
    }

    @Test
    void aPartitionChangeThatLosesARaceOrWaitsTooLongForALockIsTriedAgain() throws Exception {
        clock.advance(Duration.ofDays(32));
        Instant horizon = PartitionInterval.MONTH.next(PartitionInterval.MONTH.next(clock.instant()));
        // An event that no partition covers yet waits in the default partition; the run must move it.
        String userId = newUserId();
        execute("""
                INSERT INTO audit_event (tenant, user_id, type, caller, request_id, occurred_at)
                VALUES ('acme', '%s', 'VERIFIED', 'portal', 'ahead', '%s')""".formatted(userId, horizon.minusSeconds(1)));
        // Moving it fails once as a lost race (40001)...
        execute("""
                CREATE SEQUENCE partition_move_failures;
                CREATE FUNCTION fail_partition_move() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF nextval('partition_move_failures') = 1 THEN
                        RAISE EXCEPTION 'injected serialization failure' USING ERRCODE = '40001';
                    END IF;
                    RETURN OLD;
                END $$;
                CREATE TRIGGER fail_partition_move BEFORE DELETE ON audit_event_default
                    FOR EACH ROW EXECUTE FUNCTION fail_partition_move();""");
        try (Connection holder = database.getConnection()) {
            // ...and attaching its partition waits for a lock that another transaction holds for a
            // second, five times the job's lock wait (55P03).
            holder.setAutoCommit(false);
            try (Statement lock = holder.createStatement()) {
                lock.execute("LOCK TABLE audit_event_default IN ACCESS SHARE MODE");
            }
            AtomicReference<Instant> released = new AtomicReference<>();
            Thread release = new Thread(() -> {
                try {
                    Thread.sleep(1_000);
                    released.set(Instant.now());
                    holder.rollback();
                } catch (InterruptedException | SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            release.start();
            job.run();
            Instant finished = Instant.now();
            release.join();
            holder.setAutoCommit(true);
            assertTrue(finished.isAfter(released.get()), "the partition was attached before the lock was let go");
        } finally {
            execute("""
                    DROP TRIGGER fail_partition_move ON audit_event_default;
                    DROP FUNCTION fail_partition_move();""");
        }
        List<AuditEvents.Partition> partitions = events.partitions();
        AuditEvents.Partition last = partitions.get(partitions.size() - 1);
        assertEquals(horizon, last.to());
        assertEquals(List.of(last.name()), partitionsHolding(database, userId), "moved out of the default partition");
        assertTrue(count("SELECT last_value FROM partition_move_failures") >= 2, "the lost race was met and the move tried again");
        execute("DROP SEQUENCE partition_move_failures");
    }

    /** The partitions that hold the user's events, as PostgreSQL names them. */
    static List<String> partitionsHolding(DataSource database, String userId) throws SQLException {
        try (Connection connection = database.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT DISTINCT tableoid::regclass::text FROM audit_event WHERE user_id = ?")) {
            select.setString(1, userId);
            List<String> names = new ArrayList<>();
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    names.add(row.getString(1));
                }
            }
            return names;
        }
    }

    private void execute(String sql) throws SQLException {
        Ddl.execute(database, sql);
    }

    private long count(String sql) throws SQLException {
        try (Connection connection = database.getConnection(); Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }
}
