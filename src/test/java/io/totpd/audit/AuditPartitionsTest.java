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
import io.totpd.support.TestClock;
import io.totpd.support.Users.Activated;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
    void aPartitionChangeThatLosesARaceOrWaitsTooLongForALockIsTriedAgain() throws SQLException {
        // The first CREATE TABLE fails as a lost race (40001), the second as a lock wait too long (55P03).
        execute("""
                CREATE SEQUENCE partition_change_failures;
                CREATE FUNCTION fail_partition_changes() RETURNS event_trigger LANGUAGE plpgsql AS $$
                BEGIN
                    CASE nextval('partition_change_failures')
                        WHEN 1 THEN RAISE EXCEPTION 'injected serialization failure' USING ERRCODE = '40001';
                        WHEN 2 THEN RAISE EXCEPTION 'injected lock timeout' USING ERRCODE = '55P03';
                        ELSE NULL;
                    END CASE;
                END $$;
                CREATE EVENT TRIGGER fail_partition_changes ON ddl_command_start WHEN TAG IN ('CREATE TABLE')
                    EXECUTE FUNCTION fail_partition_changes();""");
        try {
            clock.advance(Duration.ofDays(32));
            job.run();
            List<AuditEvents.Partition> partitions = events.partitions();
            assertEquals(PartitionInterval.MONTH.next(PartitionInterval.MONTH.next(clock.instant())),
                    partitions.get(partitions.size() - 1).to());
            assertTrue(count("SELECT last_value FROM partition_change_failures") >= 3, "both failures were met");
        } finally {
            execute("""
                    DROP EVENT TRIGGER fail_partition_changes;
                    DROP FUNCTION fail_partition_changes();
                    DROP SEQUENCE partition_change_failures;""");
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection connection = database.getConnection(); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private long count(String sql) throws SQLException {
        try (Connection connection = database.getConnection(); Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getLong(1);
        }
    }
}
