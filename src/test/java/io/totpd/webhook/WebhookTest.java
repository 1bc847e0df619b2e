package io.totpd.webhook;

import static io.totpd.support.WebhookReceiver.DEFAULT;
import static io.totpd.support.WebhookReceiver.VERIFIED;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import io.totpd.dev.Ports;
import io.totpd.otp.Base32;
import io.totpd.support.Ddl;
import io.totpd.support.ApiKeys;
import io.totpd.support.Contract;
import io.totpd.support.Leaks;
import io.totpd.support.TestClock;
import io.totpd.support.Users;
import io.totpd.support.WebhookReceiver;
import io.totpd.support.WebhookReceiver.Mode;
import io.totpd.support.WebhookReceiver.Received;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Events out: what a real receiver (the test's {@link WebhookReceiver}) gets for each change of a user
 * of tenant {@code hooks}, signed, once, in order; nothing for a change that rolled back; and how
 * delivery behaves when the receiver fails, hangs or is down.
 */
@QuarkusTest
class WebhookTest {


    private static final Set<String> DATA_FIELDS = Set.of("tenant", "userId", "authenticatorId", "name", "method", "caller",
            "requestId", "eventId");

    @Inject
    TestClock clock;

    @Inject
    AgroalDataSource dataSource;

    @AfterEach
    void receiverAcceptsAgain() {
        WebhookReceiver.up();
    }

    private static RequestSpecification hooked() {
        return Contract.as(ApiKeys.HOOKED);
    }

    private String code(String secret, int offset) {
        return Users.code(secret, clock, offset);
    }

    private Response verify(String userId, String code) {
        return hooked().body(Map.of("userId", userId, "code", code)).post("/verify");
    }

    /** Enrolls and activates a user of tenant hooks; returns the secret. */
    private String activeUser(String userId) {
        String secret = hooked().body(Map.of("userId", userId)).post("/enroll").then().statusCode(201).extract().jsonPath()
                .getString("secret");
        hooked().body(Map.of("userId", userId, "code", code(secret, 0))).post("/activate").then().statusCode(200);
        return secret;
    }

    /** What the endpoint at {@code path} must receive about the user: its audit trail, oldest first, as webhooks. */
    private static List<String> expected(String userId, boolean withVerified) {
        JsonPath page = hooked().get("/users/" + userId + "/events?limit=200").then().statusCode(200).extract().jsonPath();
        List<Long> ids = page.getList("events.id", Long.class);
        List<String> types = page.getList("events.type", String.class);
        List<String> expected = new ArrayList<>();
        for (int i = ids.size() - 1; i >= 0; i--) {
            String type = SentAs.TYPES.get(types.get(i));
            if (type != null && (withVerified || !type.equals("code.verified"))) {
                expected.add("msg_" + ids.get(i) + " " + type);
            }
        }
        return expected;
    }

    private static List<String> arrived(List<Received> received) {
        return received.stream().map(r -> r.id() + " " + r.type()).toList();
    }

    /** Waits for exactly the user's expected events at the endpoint, then checks each one's signature and payload. */
    private static List<Received> assertDelivered(String path, String userId) {
        List<String> expected = expected(userId, path.equals(VERIFIED));
        List<Received> received = WebhookReceiver.await(path, userId, r -> r.size() >= expected.size());
        WebhookReceiver.pause(Duration.ofMillis(300));
        received = WebhookReceiver.of(path, userId);
        assertEquals(expected, arrived(received), () -> "once each, in the order of the trail, at " + path + "; deliveries: "
                + hooked().queryParam("userId", userId).get("/webhooks/deliveries").then().extract().asString());
        for (Received r : received) {
            assertTrue(WebhookReceiver.verifies(WebhookReceiver.SECRET, r.id(), r.timestamp(), r.body(), r.signature()),
                    "signed with the endpoint's secret: " + r.id());
            if (path.equals(VERIFIED)) {
                assertTrue(WebhookReceiver.verifies(WebhookReceiver.OLD_SECRET, r.id(), r.timestamp(), r.body(), r.signature()),
                        "and with the old one, while both are configured");
                assertEquals(2, r.signature().split(" ").length);
            }
            JsonNode json = r.json();
            assertEquals("hooks", json.get("data").get("tenant").asText());
            assertEquals("hooked", json.get("data").get("caller").asText());
            assertTrue(json.get("data").hasNonNull("requestId"));
            assertEquals(r.id(), "msg_" + json.get("data").get("eventId").asLong());
            assertTrue(Instant.parse(json.get("timestamp").asText()).isAfter(Instant.EPOCH));
            Set<String> fields = new TreeSet<>();
            json.get("data").fieldNames().forEachRemaining(fields::add);
            assertTrue(DATA_FIELDS.containsAll(fields), "no field but these: " + fields);
            assertFalse(new String(r.body(), StandardCharsets.UTF_8).contains("otpauth"));
        }
        return received;
    }

    @Test
    void theReceiversCheckAndTheServicesSignatureAgreeWithTheSpecificationsTestVector() {
        // standard-webhooks/standard-webhooks, libraries/*: TestWebhookSign.
        String secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        byte[] body = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
        String expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
        assertTrue(WebhookReceiver.verifies(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", body, expected));
        assertFalse(WebhookReceiver.verifies(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265331", body, expected));
        assertEquals(expected, Signature.header(List.of(Base64.getDecoder().decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")),
                "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body));
    }

    @Test
    void everyEventTypeArrivesOncePerChangeSignedAndInOrderAndCodeVerifiedOnlyWhereSubscribed() throws Exception {
        clock.advanceToNextStep(30);
        String user = Users.newUserId();
        String secret = activeUser(user);

        // A second phone, renamed and removed again.
        JsonPath added = hooked().body(Map.of("name", "Tablet")).post("/users/" + user + "/authenticators").then()
                .statusCode(201).extract().jsonPath();
        String tablet = added.getString("authenticatorId");
        hooked().body(Map.of("code", code(added.getString("secret"), 0))).post("/users/" + user + "/authenticators/" + tablet + "/activate")
                .then().statusCode(200);
        hooked().body(Map.of("name", "Old tablet")).patch("/users/" + user + "/authenticators/" + tablet).then().statusCode(200);
        hooked().delete("/users/" + user + "/authenticators/" + tablet).then().statusCode(204);

        // A sign-in, its replay, then wrong codes up to a lock, lifted by the helpdesk.
        clock.advanceToNextStep(30);
        String now = code(secret, 0);
        verify(user, now).then().statusCode(200);
        verify(user, now).then().statusCode(422).body("type", equalTo("urn:totpd:problem:code-already-used"));
        String wrong = Users.wrongCode(secret, clock);
        for (int i = 0; i < 5; i++) {
            verify(user, wrong).then().statusCode(422);
        }
        hooked().post("/users/" + user + "/unlock").then().statusCode(200);
        hooked().post("/users/" + user + "/suspend").then().statusCode(200);
        hooked().post("/users/" + user + "/resume").then().statusCode(200);

        // New backup codes, used down to the low mark.
        List<String> backupCodes = hooked().post("/users/" + user + "/backup-codes").then().statusCode(200).extract().jsonPath()
                .getList("backupCodes", String.class);
        for (int i = 0; i < 8; i++) {
            hooked().body(Map.of("userId", user, "backupCode", backupCodes.get(i))).post("/recover").then().statusCode(200);
        }

        // A new phone replaces the old one; the user is moved out, then deleted.
        clock.advanceToNextStep(30);
        String newSecret = hooked().body(Map.of("userId", user, "replace", true)).post("/enroll").then().statusCode(201).extract()
                .jsonPath().getString("secret");
        hooked().body(Map.of("userId", user, "code", code(newSecret, 0))).post("/activate").then().statusCode(200);
        ECKey recipient = new ECKeyGenerator(Curve.P_256).keyID("webhook-test").generate();
        hooked().body(Map.of("recipient", recipient.toPublicJWK().toJSONObject(), "userIds", List.of(user))).post("/export")
                .then().statusCode(200);
        hooked().delete("/users/" + user).then().statusCode(204);

        // Another user comes in by import; a third is disabled by a hundred wrong codes.
        String imported = Users.newUserId();
        byte[] importedSecret = new byte[20];
        new SecureRandom().nextBytes(importedSecret);
        Contract.as(ApiKeys.HOOKED).contentType("application/x-ndjson")
                .body(("{\"userId\":\"" + imported + "\",\"secret\":\"" + Base32.encode(importedSecret) + "\"}\n")
                        .getBytes(StandardCharsets.UTF_8))
                .post("/import").then().statusCode(200);
        String disabled = Users.newUserId();
        String disabledSecret = activeUser(disabled);
        for (int i = 0; i < 100; i++) {
            clock.advance(Duration.ofMinutes(16));
            verify(disabled, Users.wrongCode(disabledSecret, clock)).then().statusCode(422);
        }
        verify(disabled, code(disabledSecret, 0)).then().statusCode(403)
                .body("type", equalTo("urn:totpd:problem:factor-disabled"));

        Set<String> types = new TreeSet<>();
        for (String userId : List.of(user, imported, disabled)) {
            for (Received r : assertDelivered(DEFAULT, userId)) {
                types.add(r.type());
            }
            List<Received> withVerified = assertDelivered(VERIFIED, userId);
            withVerified.forEach(r -> types.add(r.type()));
        }
        assertEquals(new TreeSet<>(SentAs.TYPES.values()), types, "every type arrived");
        for (Received r : WebhookReceiver.of(VERIFIED, user)) {
            String body = new String(r.body(), StandardCharsets.UTF_8);
            assertFalse(Leaks.holds(body, secret) || Leaks.holds(body, newSecret) || backupCodes.stream().anyMatch(c -> Leaks.holds(body, c)),
                    "no secret or backup code in " + body);
        }
        assertTrue(WebhookReceiver.of(DEFAULT, user).stream().noneMatch(r -> r.type().equals("code.verified")),
                "code.verified goes only where it is named");
        assertEquals(1, WebhookReceiver.of(VERIFIED, user).stream().filter(r -> r.type().equals("code.verified")).count());
        Received rename = WebhookReceiver.of(DEFAULT, user).stream().filter(r -> r.type().equals("authenticator.renamed"))
                .findFirst().orElseThrow();
        assertEquals("Old tablet", rename.json().get("data").get("name").asText());
        assertEquals(tablet, rename.json().get("data").get("authenticatorId").asText());
    }

    @Test
    void aChangeThatRollsBackSendsNothing() throws Exception {
        String user = Users.newUserId();
        String secret = hooked().body(Map.of("userId", user)).post("/enroll").then().statusCode(201).extract().jsonPath()
                .getString("secret");
        // Fails the activation's transaction at its commit, after its events were written. The trigger's
        Ddl.execute(dataSource, """
                CREATE FUNCTION fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'the test fails this commit'; END $$;
                CREATE CONSTRAINT TRIGGER fail_at_commit AFTER INSERT ON audit_event
                  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
                  WHEN (NEW.user_id = '%s' AND NEW.type = 'ACTIVATED') EXECUTE FUNCTION fail_at_commit();
                """.formatted(user));
        try {
            int status = RestAssured.given().auth().oauth2(ApiKeys.HOOKED).contentType("application/json")
                    .body(Map.of("userId", user, "code", code(secret, 0))).post("/activate").statusCode();
            assertTrue(status >= 500, "the activation failed: " + status);
        } finally {
            Ddl.execute(dataSource, "DROP TRIGGER fail_at_commit ON audit_event; DROP FUNCTION fail_at_commit()");
        }
        hooked().get("/users/" + user).then().statusCode(200).body("state", equalTo("pending"));
        WebhookReceiver.await(DEFAULT, user, r -> r.size() >= 1);
        WebhookReceiver.pause(Duration.ofMillis(500));
        assertEquals(List.of("authenticator.added"), WebhookReceiver.of(DEFAULT, user).stream().map(Received::type).toList());
        hooked().queryParam("userId", user).get("/webhooks/deliveries").then().statusCode(200)
                .body("deliveries.size()", equalTo(2));

        hooked().body(Map.of("userId", user, "code", code(secret, 0))).post("/activate").then().statusCode(200);
        assertEquals(List.of("authenticator.added", "authenticator.activated"),
                assertDelivered(DEFAULT, user).stream().map(Received::type).toList());
    }

    @Test
    void aFailingReceiverIsRetriedWithBackOffUntilGivenUpAndAFailedDeliveryCanBeSentAgain() {
        WebhookReceiver.mode(Mode.FAIL);
        String user = Users.newUserId();
        hooked().body(Map.of("userId", user)).post("/enroll").then().statusCode(201);
        Instant event = clock.instant();

        // Attempts at 0 s, then each wait as long as the time since the event: 5 s, 5 s, 10 s, 20 s, 40 s.
        List<Long> waits = new ArrayList<>();
        for (int attempt = 1; attempt <= 5; attempt++) {
            Map<String, Object> delivery = settled(user);
            assertEquals(attempt, delivery.get("attempts"));
            assertEquals(500, delivery.get("lastStatus"));
            assertEquals("the receiver answered HTTP 500", delivery.get("lastError"));
            Instant next = Instant.parse((String) delivery.get("nextAttemptAt"));
            waits.add(Duration.between(Instant.parse((String) delivery.get("lastAttemptAt")), next).toSeconds());
            clock.advance(Duration.between(clock.instant(), next));
        }
        assertEquals(List.of(5L, 5L, 10L, 20L, 40L), waits);
        assertEquals(5, WebhookReceiver.of(DEFAULT, user).size(), "one request per attempt");
        assertEquals(1, new HashSet<>(WebhookReceiver.of(DEFAULT, user).stream().map(Received::id).toList()).size(),
                "every attempt has the same webhook-id");

        // Hourly from then on, the last attempt a day after the event: then it is given up on, and stays listed.
        Map<String, Object> failed = null;
        Instant lastScheduled = null;
        for (int attempt = 0; attempt < 40 && failed == null; attempt++) {
            Map<String, Object> delivery = settled(user);
            if (delivery.get("status").equals("failed")) {
                failed = delivery;
            } else {
                lastScheduled = Instant.parse((String) delivery.get("nextAttemptAt"));
                clock.advance(Duration.between(clock.instant(), lastScheduled));
            }
        }
        assertTrue(failed != null, "given up within 40 more attempts");
        assertTrue(Duration.between(event.plus(Duration.ofHours(24)), lastScheduled).abs().toMillis() < 1000,
                "the last attempt is at the give-up time, a day after the event: " + lastScheduled);
        Duration tried = Duration.between(event, Instant.parse((String) failed.get("finishedAt")));
        assertTrue(tried.compareTo(Duration.ofHours(24)) >= 0 && tried.compareTo(Duration.ofHours(25)) < 0, tried.toString());
        assertEquals(null, failed.get("nextAttemptAt"));
        assertEquals("authenticator.added", failed.get("type"));
        assertTrue(hooked().queryParam("status", "failed").queryParam("userId", user).get("/webhooks/deliveries").then()
                .statusCode(200).extract().jsonPath().getList("deliveries.endpoint").contains("hooks"));

        // Sent again by hand once the receiver is fixed: delivered, with the same webhook-id.
        WebhookReceiver.up();
        Object id = failed.get("id");
        hooked().post("/webhooks/deliveries/" + id + "/retry").then().statusCode(200).body("status", equalTo("pending"));
        Instant deadline = Instant.now().plusSeconds(20);
        while (!delivery(user).get("status").equals("delivered")) {
            assertTrue(Instant.now().isBefore(deadline), "the retry was not delivered");
            WebhookReceiver.pause(Duration.ofMillis(50));
        }
        assertEquals(1, new HashSet<>(WebhookReceiver.of(DEFAULT, user).stream().map(Received::id).toList()).size());
        hooked().post("/webhooks/deliveries/" + id + "/retry").then().statusCode(409)
                .body("type", equalTo("urn:totpd:problem:delivery-not-failed"));
        hooked().post("/webhooks/deliveries/999999999999/retry").then().statusCode(404)
                .body("type", equalTo("urn:totpd:problem:delivery-not-found"));
    }

    /** The user's delivery to endpoint {@code hooks}, as GET /webhooks/deliveries lists it. */
    private static Map<String, Object> delivery(String user) {
        return hooked().queryParam("userId", user).get("/webhooks/deliveries").then().statusCode(200).extract().jsonPath()
                .getMap("deliveries.find { it.endpoint == 'hooks' }");
    }

    /** Waits until the user's delivery to {@code hooks} is not due at the clock's now (tried, or finished); returns it. */
    private Map<String, Object> settled(String user) {
        Instant deadline = Instant.now().plusSeconds(20);
        while (true) {
            Map<String, Object> delivery = delivery(user);
            // Listed once a sender has taken the event from the trail.
            String next = delivery == null ? clock.instant().toString() : (String) delivery.get("nextAttemptAt");
            // While an attempt is under way, the row still shows it due: not yet settled.
            if (next == null || Instant.parse(next).isAfter(clock.instant())) {
                return delivery;
            }
            assertTrue(Instant.now().isBefore(deadline), "no attempt: " + delivery);
            WebhookReceiver.pause(Duration.ofMillis(50));
        }
    }

    @Test
    void aHangingReceiverNeverSlowsASignInAndTheAttemptsTimeOut() {
        clock.advanceToNextStep(30);
        String user = Users.newUserId();
        String secret = activeUser(user);
        // Each round: a wrong code (code.rejected, to both endpoints) and the right one (code.verified, to one).
        long accepting = medianSignIns(user, secret);
        WebhookReceiver.mode(Mode.HANG);
        long hanging = medianSignIns(user, secret);
        // The receiver holds each request 3 s and the sender gives up on one after 1 s: sign-ins that
        // waited for either would take a second or more, not a few milliseconds more.
        assertTrue(hanging < accepting + 100, "two sign-ins took " + hanging + " ms (median) while the receiver hung, "
                + accepting + " ms while it answered");
        List<Object> errors = WebhookReceiverAwait.until(() -> hooked().queryParam("userId", user).queryParam("status", "pending")
                .queryParam("limit", 200).get("/webhooks/deliveries").then().statusCode(200).extract().jsonPath().getList("deliveries.lastError"),
                e -> e.contains("no answer within 1000 ms") && e.size() >= 10);
        assertTrue(errors.size() >= 10, "the sign-ins' events wait behind the one that timed out: " + errors);
        // Requests the sender gave up waiting for still reached the receiver late: at least once, not
        // exactly once, so each event arrives, some twice, always under its one webhook-id.
        WebhookReceiver.up();
        for (String path : List.of(DEFAULT, VERIFIED)) {
            Set<String> expected = new TreeSet<>(expected(user, path.equals(VERIFIED)));
            awaitMovingTheClock(() -> new TreeSet<>(arrived(WebhookReceiver.of(path, user))).containsAll(expected));
            assertEquals(expected, new TreeSet<>(arrived(WebhookReceiver.of(path, user))),
                    "every event, under one id each, at " + path);
        }
    }

    /**
     * Moves the clock a minute at a time, giving the senders a moment after each, until {@code done}
     * (at most two hours of clock time): after a failed attempt the next one is due as long after as
     * the event is old, up to an hour, and an attempt under way when the clock jumps is scheduled from
     * the new time.
     */
    private void awaitMovingTheClock(BooleanSupplier done) {
        for (int minute = 0; minute < 120 && !done.getAsBoolean(); minute++) {
            clock.advance(Duration.ofMinutes(1));
            WebhookReceiver.pause(Duration.ofMillis(150));
        }
        assertTrue(done.getAsBoolean(), "not done after two hours of clock time");
    }

    /** The median time, in milliseconds, of ten rounds of a wrong code and the right one. */
    private long medianSignIns(String user, String secret) {
        List<Long> times = new ArrayList<>();
        for (int round = 0; round < 10; round++) {
            clock.advanceToNextStep(30);
            long start = System.nanoTime();
            verify(user, Users.wrongCode(secret, clock)).then().statusCode(422);
            verify(user, code(secret, 0)).then().statusCode(200);
            times.add((System.nanoTime() - start) / 1_000_000);
        }
        times.sort(null);
        return times.get(times.size() / 2);
    }

    @Test
    void theReceiverDownForTwoMinutesLosesNothingAndKeepsEachUsersOrder() {
        WebhookReceiver.down();
        List<String> users = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            clock.advanceToNextStep(30);
            String user = Users.newUserId();
            String secret = activeUser(user);
            verify(user, Users.wrongCode(secret, clock)).then().statusCode(422);
            clock.advanceToNextStep(30);
            verify(user, code(secret, 0)).then().statusCode(200);
            hooked().post("/users/" + user + "/suspend").then().statusCode(200);
            hooked().post("/users/" + user + "/resume").then().statusCode(200);
            users.add(user);
        }
        // Two minutes of refused connections, the senders trying all along.
        for (int second = 0; second < 120; second += 10) {
            clock.advance(Duration.ofSeconds(10));
            WebhookReceiver.pause(Duration.ofMillis(200));
        }
        List<Object> refused = hooked().queryParam("status", "pending").queryParam("userId", users.get(0))
                .get("/webhooks/deliveries").then().statusCode(200).extract().jsonPath().getList("deliveries.lastError");
        assertTrue(refused.contains("the connection was refused or the host is unreachable"), refused.toString());
        assertTrue(WebhookReceiver.of(DEFAULT, users.get(0)).isEmpty());

        WebhookReceiver.up();
        // Each wait is as long as the time since the event: the next attempt comes at most as long after
        // the last one as the events are old, here about four minutes.
        awaitMovingTheClock(() -> users.stream().allMatch(u -> WebhookReceiver.of(DEFAULT, u).size() == expected(u, false).size()
                && WebhookReceiver.of(VERIFIED, u).size() == expected(u, true).size()));
        for (String user : users) {
            assertDelivered(DEFAULT, user);
            assertDelivered(VERIFIED, user);
        }
    }

    @Test
    void anEventWhoseTransactionCommitsLateIsSentNotSkipped() throws Exception {
        String late = Users.newUserId();
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            long lateId;
            try (Statement sql = connection.createStatement()) {
                var row = sql.executeQuery("""
                        INSERT INTO audit_event (tenant, user_id, type, caller, request_id, occurred_at)
                        VALUES ('hooks', '%s', 'SUSPENDED', 'hooked', 'late', now()) RETURNING id""".formatted(late));
                row.next();
                lateId = row.getLong(1);
            }
            // A later event commits first, and the senders poll several times while the earlier one is
            // still uncommitted: a cursor over event ids would now be past the late one.
            String early = Users.newUserId();
            hooked().body(Map.of("userId", early)).post("/enroll").then().statusCode(201);
            WebhookReceiver.pause(Duration.ofSeconds(1));
            connection.commit();
            assertEquals(List.of("authenticator.added"), WebhookReceiver.awaitTypes(DEFAULT, early, 1));
            long earlyId = WebhookReceiver.of(DEFAULT, early).get(0).json().get("data").get("eventId").asLong();
            assertTrue(earlyId > lateId, "event " + earlyId + " drew its id after event " + lateId);
        }
        assertEquals(List.of("user.suspended"), WebhookReceiver.awaitTypes(DEFAULT, late, 1));
    }

    @Test
    void deliveriesAreListedForTheCallersTenantOnlyAndBadQueriesAre400() {
        String user = Users.newUserId();
        hooked().body(Map.of("userId", user)).post("/enroll").then().statusCode(201);
        WebhookReceiverAwait.until(() -> hooked().queryParam("userId", user).queryParam("status", "delivered")
                .get("/webhooks/deliveries").then().extract().jsonPath().getList("deliveries"), l -> l.size() == 2);
        JsonPath page = hooked().queryParam("userId", user).queryParam("limit", 1).get("/webhooks/deliveries").then()
                .statusCode(200).extract().jsonPath();
        assertEquals(1, page.getList("deliveries").size());
        assertEquals(page.getLong("deliveries[0].id"), page.getLong("nextBefore"));
        JsonPath next = hooked().queryParam("userId", user).queryParam("before", page.getLong("nextBefore"))
                .get("/webhooks/deliveries").then().statusCode(200).extract().jsonPath();
        // One delivery per endpoint, each written by that endpoint's sender: the pages hold both.
        assertEquals(Set.of("hooks", "hooks-verified"),
                Set.of(page.getString("deliveries[0].endpoint"), next.getString("deliveries[0].endpoint")));
        assertTrue(next.getLong("deliveries[0].id") < page.getLong("deliveries[0].id"), "newest first");
        assertEquals("delivered", next.getString("deliveries[0].status"));
        assertEquals(204, next.getInt("deliveries[0].lastStatus"));
        assertEquals(null, (Object) next.get("nextBefore"));
        hooked().queryParam("status", "pending").queryParam("userId", user).get("/webhooks/deliveries").then().statusCode(200)
                .body("deliveries.size()", equalTo(0));

        // Another tenant sees none of them, even by id.
        Contract.api().queryParam("userId", user).get("/webhooks/deliveries").then().statusCode(200)
                .body("deliveries.size()", equalTo(0));
        Contract.api().post("/webhooks/deliveries/" + next.getLong("deliveries[0].id") + "/retry").then().statusCode(404)
                .body("type", equalTo("urn:totpd:problem:delivery-not-found"));
        Contract.as(ApiKeys.LOGIN).get("/webhooks/deliveries").then().statusCode(403);

        for (String query : List.of("status=lost", "status=", "status=pending&status=failed", "userId=a%20b", "limit=0",
                "limit=201", "before=x")) {
            Contract.anonymous().auth().oauth2(ApiKeys.HOOKED).get("/webhooks/deliveries?" + query).then().statusCode(400)
                    .contentType("application/problem+json").body("type", equalTo("urn:totpd:problem:invalid-request"));
        }
        Contract.anonymous().auth().oauth2(ApiKeys.HOOKED).post("/webhooks/deliveries/abc/retry").then().statusCode(400)
                .body("type", equalTo("urn:totpd:problem:invalid-request"));
    }

    @Test
    void metricsCountAttemptsAndTheBacklogAndReadinessDoesNotDependOnReceivers() {
        WebhookReceiver.down();
        String user = Users.newUserId();
        hooked().body(Map.of("userId", user)).post("/enroll").then().statusCode(201);
        WebhookReceiverAwait.until(() -> delivery(user), d -> d != null && d.get("lastError") != null);
        RestAssured.given().get("/q/health/ready").then().statusCode(200);
        String metrics = WebhookReceiverAwait.until(() -> RestAssured.given().get("/q/metrics").then()
                .statusCode(200).extract().asString(), m -> m.matches("(?s).*totpd_webhooks_pending\\{endpoint=\"hooks\"} [1-9].*"));
        assertTrue(metrics.contains("totpd_webhooks_attempts_total{endpoint=\"hooks\",outcome=\"unreachable\"}"), metrics);
        assertTrue(metrics.contains("totpd_webhooks_oldest_pending_seconds{endpoint=\"hooks\"}"), metrics);
        // Counted from zero and described, so a rate of failures works before the first one.
        assertTrue(metrics.contains("totpd_webhooks_failed_total{endpoint=\"hooks-verified\"}"), metrics);
        assertTrue(metrics.contains("# HELP totpd_webhooks_pending Deliveries not yet delivered or failed"), metrics);
        WebhookReceiver.up();
        clock.advance(Duration.ofSeconds(10));
        WebhookReceiver.awaitTypes(DEFAULT, user, 1);
        String after = WebhookReceiverAwait.until(() -> RestAssured.given().get("/q/metrics").then()
                .extract().asString(), m -> m.contains("totpd_webhooks_attempts_total{endpoint=\"hooks\",outcome=\"delivered\"}"));
        assertTrue(after.contains("outcome=\"delivered\""));
    }

    /**
     * The receiver the README shows, run as it is (python3, standard library only), accepts what the
     * service sends and refuses a changed body; only the port differs. The delivery is signed again
     * at the real time, since the receiver refuses timestamps five minutes off and the test clock is
     * days ahead by now.
     */
    @Test
    void theReadmesReceiverAcceptsADeliveryAndRefusesATamperedOne() throws Exception {
        String user = Users.newUserId();
        hooked().body(Map.of("userId", user)).post("/enroll").then().statusCode(201);
        Received delivered = WebhookReceiver.await(DEFAULT, user, r -> !r.isEmpty()).get(0);
        String readme = Files.readString(Path.of("README.md"));
        Matcher python = Pattern.compile("```python\n(.*?)```", Pattern.DOTALL)
                .matcher(readme.substring(readme.indexOf("## Get notified")));
        assertTrue(python.find(), "the README shows a receiver");
        int port = Ports.unused();
        Path script = Files.createTempFile("receiver", ".py");
        Files.writeString(script, python.group(1).replace("9000", Integer.toString(port)));
        Path output = Files.createTempFile("receiver", ".out");
        ProcessBuilder builder = new ProcessBuilder("python3", script.toString()).redirectErrorStream(true)
                .redirectOutput(output.toFile());
        builder.environment().put("WEBHOOK_SECRET", WebhookReceiver.SECRET);
        Process receiver = builder.start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            long now = Instant.now().getEpochSecond();
            String signature = Signature.header(List.of(Base64.getDecoder().decode(
                    WebhookReceiver.SECRET.substring("whsec_".length()))), delivered.id(), now, delivered.body());
            Function<byte[], Integer> post = body -> {
                for (int attempt = 0; ; attempt++) {
                    try {
                        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                                .header("webhook-id", delivered.id()).header("webhook-timestamp", Long.toString(now))
                                .header("webhook-signature", signature).header("content-type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                                HttpResponse.BodyHandlers.discarding()).statusCode();
                    } catch (IOException e) {
                        assertTrue(attempt < 100, "the README's receiver did not start");
                        WebhookReceiver.pause(Duration.ofMillis(100));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
            };
            assertEquals(204, post.apply(delivered.body()));
            byte[] tampered = new String(delivered.body(), StandardCharsets.UTF_8).replace(user, user + "x")
                    .getBytes(StandardCharsets.UTF_8);
            assertEquals(401, post.apply(tampered));
        } finally {
            receiver.destroy();
            receiver.waitFor();
            Files.delete(script);
        }
        String printed = Files.readString(output);
        Files.delete(output);
        assertTrue(printed.contains(delivered.id() + " authenticator.added " + user), printed);
    }
}
