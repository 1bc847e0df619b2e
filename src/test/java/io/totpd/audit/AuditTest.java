package io.totpd.audit;

import static io.totpd.support.Contract.api;
import static io.totpd.support.Contract.as;
import static io.totpd.support.Contract.raw;
import static io.totpd.support.Users.activated;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.newUserId;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.totpd.support.ApiKeys;
import io.totpd.support.Leaks;
import io.totpd.support.TestClock;
import io.totpd.support.Users.Activated;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
class AuditTest {

    private static final Duration STEP = Duration.ofSeconds(30);

    @Inject
    TestClock clock;

    @Inject
    AgroalDataSource database;

    @Inject
    AuditPartitions partitions;

    @Test
    void aFullLifecycleIsRecordedInOrderWithoutASecret() throws SQLException {
        String userId = newUserId();
        List<String> secrets = new ArrayList<>();
        Activated user = activated(userId, clock);
        secrets.add(user.secret());
        secrets.addAll(user.backupCodes());
        clock.advance(STEP);
        String login = code(user.secret(), clock, 0);
        secrets.add(login);
        api().header("X-Request-Id", "login-4711").body(Map.of("userId", userId, "code", login)).post("/verify")
                .then().statusCode(200).header("X-Request-Id", "login-4711");
        api().body(Map.of("userId", userId, "code", login)).post("/verify").then().statusCode(422);
        api().body(Map.of("userId", userId, "code", code(user.secret(), clock, 5))).post("/verify").then().statusCode(422);
        api().body(Map.of("userId", userId, "backupCode", user.backupCodes().get(0))).post("/recover").then().statusCode(200);
        api().post("/users/" + userId + "/backup-codes").then().statusCode(200);
        String fresh = api().body(Map.of("userId", userId, "replace", true)).post("/enroll").then().statusCode(201)
                .extract().path("secret");
        secrets.add(fresh);
        clock.advance(STEP);
        api().body(Map.of("userId", userId, "code", code(fresh, clock, 0))).post("/activate").then().statusCode(200);
        api().delete("/users/" + userId).then().statusCode(204);

        JsonPath page = api().get("/users/" + userId + "/events").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("deleted", "replaced", "enrolled", "backup_codes_regenerated", "recovered", "rejected",
                "replayed", "verified", "activated", "enrolled"), page.getList("events.type"));
        assertEquals("login-4711", page.getString("events[7].requestId"));
        assertEquals("totp", page.getString("events[7].method"));
        assertEquals("backup_code", page.getString("events[4].method"));
        assertEquals(List.of("portal"), page.getList("events.caller").stream().distinct().toList());

        String stored = everythingStoredFor(userId);
        for (String secret : secrets) {
            assertFalse(Leaks.holds(stored, secret) || Leaks.holds(stored, secret.replace("-", "")), "the trail holds a secret or code");
            assertFalse(Leaks.holds(page.prettify(), secret), "an event shows a secret or code");
        }
    }

    @Test
    void locksAndRefusalsAreRecorded() {
        String userId = newUserId();
        Activated user = activated(userId, clock);
        for (int i = 0; i < 5; i++) {
            api().body(Map.of("userId", userId, "code", code(user.secret(), clock, 7))).post("/verify").then().statusCode(422);
        }
        api().body(Map.of("userId", userId, "code", code(user.secret(), clock, 1))).post("/verify").then().statusCode(429);

        List<String> types = api().queryParam("limit", 3).get("/users/" + userId + "/events").then().statusCode(200)
                .extract().jsonPath().getList("events.type");
        assertEquals(List.of("refused", "locked", "rejected"), types);
    }

    @Test
    void eventsArePagedNewestFirst() {
        String userId = newUserId();
        Activated user = activated(userId, clock);
        for (int i = 0; i < 4; i++) {
            clock.advance(STEP);
            api().body(Map.of("userId", userId, "code", code(user.secret(), clock, 0))).post("/verify").then().statusCode(200);
        }
        List<Object> all = new ArrayList<>();
        Integer before = null;
        do {
            var request = api().queryParam("limit", 2);
            if (before != null) {
                request = request.queryParam("before", before);
            }
            JsonPath page = request.get("/users/" + userId + "/events").then().statusCode(200).extract().jsonPath();
            all.addAll(page.getList("events.id"));
            before = page.get("nextBefore");
        } while (before != null);
        assertEquals(6, all.size(), "enrolled, activated and four verified");
        List<Long> ids = all.stream().map(id -> ((Number) id).longValue()).toList();
        assertEquals(ids.stream().sorted((a, b) -> Long.compare(b, a)).toList(), ids);

        for (String limit : new String[] {"0", "201", "abc", "-1"}) {
            raw().queryParam("limit", limit).get("/users/" + userId + "/events").then().statusCode(400);
        }
        raw().queryParam("before", "0").get("/users/" + userId + "/events").then().statusCode(400);
    }

    @Test
    void anotherTenantSeesNoEvents() {
        String userId = newUserId();
        activated(userId, clock);
        as(ApiKeys.RIVAL).get("/users/" + userId + "/events").then().statusCode(200)
                .body("events.size()", equalTo(0)).body("nextBefore", equalTo(null));
        as(ApiKeys.LOGIN).get("/users/" + userId + "/events").then().statusCode(403);
    }

    @Test
    void eventsOutliveTheFactorButNotTheirRetention() throws SQLException {
        String old = newUserId();
        activated(old, clock);
        api().delete("/users/" + old).then().statusCode(204);
        api().get("/users/" + old + "/events").then().body("events.size()", equalTo(3));

        clock.advance(Duration.ofDays(400).plusSeconds(1));
        String recent = newUserId();
        activated(recent, clock);
        assertEquals(List.of("audit_event_default"), AuditPartitionsTest.partitionsHolding(database, recent), "no partition covers this far ahead yet");
        partitions.run();
        assertEquals(List.of("audit_event_" + DateTimeFormatter.BASIC_ISO_DATE.format(clock.instant().atOffset(ZoneOffset.UTC)
                .toLocalDate().withDayOfMonth(1))), AuditPartitionsTest.partitionsHolding(database, recent), "moved into the partition made for it");
        api().get("/users/" + old + "/events").then().body("events.size()", equalTo(3));

        // Past retention, but events go by whole months: these stay until their month has wholly passed.
        clock.advance(Duration.ofDays(31));
        partitions.run();
        api().get("/users/" + old + "/events").then().body("events.size()", equalTo(0));
        api().get("/users/" + recent + "/events").then().body("events.size()", equalTo(2))
                .body("events[0].occurredAt", notNullValue());
    }

    private String everythingStoredFor(String userId) throws SQLException {
        StringBuilder all = new StringBuilder();
        try (Connection connection = database.getConnection();
                PreparedStatement select = connection.prepareStatement("SELECT * FROM audit_event WHERE user_id = ?")) {
            select.setString(1, userId);
            try (ResultSet row = select.executeQuery()) {
                while (row.next()) {
                    for (int i = 1; i <= row.getMetaData().getColumnCount(); i++) {
                        all.append(row.getString(i)).append('|');
                    }
                }
            }
        }
        return all.toString();
    }
}
