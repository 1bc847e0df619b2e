package io.totpd.enrollment;

import static io.totpd.support.Contract.api;
import static io.totpd.support.Contract.raw;
import static io.totpd.support.Problems.assertProblem;
import static io.totpd.support.Users.activated;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.enroll;
import static io.totpd.support.Users.eventTypes;
import static io.totpd.support.Users.newUserId;
import static io.totpd.support.Users.verify;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totpd.support.ApiKeys;
import io.restassured.path.json.JsonPath;
import io.totpd.support.AuthenticatorCalls;
import io.totpd.support.AuthenticatorCalls.Device;
import io.totpd.support.TestClock;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** A user with several authenticators: each verifies, one replay mark for all, one removed alone. */
@QuarkusTest
class SeveralAuthenticatorsTest {

    private static final Duration STEP = Duration.ofSeconds(30);

    @Inject
    TestClock clock;

    @TestHTTPResource("/")
    URI root;

    @Test
    void twoAuthenticatorsOfOneUserBothVerifyAndSayWhichMatched() {
        String userId = newUserId();
        String phone = activated(userId, clock).secret();
        Device tablet = AuthenticatorCalls.added(userId, "Tablet", clock);

        clock.advance(STEP);
        verify(userId, code(tablet.secret(), clock, 0)).then().statusCode(200)
                .body("authenticatorId", equalTo(tablet.id())).body("name", equalTo("Tablet"));
        clock.advance(STEP);
        String phoneId = verify(userId, code(phone, clock, 0)).then().statusCode(200)
                .body("name", equalTo("Authenticator")).extract().path("authenticatorId");
        assertFalse(phoneId.equals(tablet.id()));

        JsonPath list = api().get("/users/" + userId + "/authenticators").then().statusCode(200)
                .body("authenticators", hasSize(2)).extract().jsonPath();
        assertEquals(List.of("Authenticator", "Tablet"), list.getList("authenticators.name"));
        assertEquals(List.of("active", "active"), list.getList("authenticators.state"));
        assertFalse(list.prettify().contains(phone) || list.prettify().contains(tablet.secret()), "never a secret");
        api().get("/users/" + userId).then().body("authenticators", equalTo(2));
    }

    @Test
    void eachAuthenticatorSaysWhenItWasLastUsed() {
        String userId = newUserId();
        String phone = activated(userId, clock).secret();
        Device tablet = AuthenticatorCalls.added(userId, "Tablet", clock);
        clock.advance(STEP);
        verify(userId, code(phone, clock, 0)).then().statusCode(200);
        String phoneFirst = lastUsed(userId, "Authenticator");
        clock.advance(STEP);
        verify(userId, code(tablet.secret(), clock, 0)).then().statusCode(200);
        assertEquals(phoneFirst, lastUsed(userId, "Authenticator"), "switching devices keeps the other's last use");
        String tabletUsed = lastUsed(userId, "Tablet");
        clock.advance(STEP);
        verify(userId, code(phone, clock, 0)).then().statusCode(200);
        clock.advance(STEP);
        verify(userId, code(phone, clock, 0)).then().statusCode(200);
        assertEquals(tabletUsed, lastUsed(userId, "Tablet"));
        assertEquals(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS), java.time.Instant.parse(lastUsed(userId, "Authenticator")));
    }

    private static String lastUsed(String userId, String name) {
        return api().get("/users/" + userId + "/authenticators").then().extract().jsonPath()
                .getString("authenticators.find { it.name == '" + name + "' }.lastUsedAt");
    }

    @Test
    void onceACodeOfEitherIsAcceptedNoCodeOfTheOtherForThatStepOrAnEarlierOneIs() {
        String userId = newUserId();
        String phone = activated(userId, clock).secret();
        Device tablet = AuthenticatorCalls.added(userId, "Tablet", clock);
        clock.advance(STEP.multipliedBy(3));

        verify(userId, code(phone, clock, 0)).then().statusCode(200);
        // The same step from the other device: a code phished from it in the same half-minute is useless.
        assertProblem(verify(userId, code(tablet.secret(), clock, 0)).then(), 422, "code-already-used");
        assertProblem(verify(userId, code(tablet.secret(), clock, -1)).then(), 422, "code-already-used");
        // The next step is free for either.
        clock.advance(STEP);
        verify(userId, code(tablet.secret(), clock, 0)).then().statusCode(200).body("authenticatorId", equalTo(tablet.id()));
        assertProblem(verify(userId, code(phone, clock, 0)).then(), 422, "code-already-used");
        api().get("/users/" + userId).then().body("failedAttempts", equalTo(0));
    }

    @Test
    void activatingAFurtherAuthenticatorIsJudgedOnItsOwnSecretAndMovesTheMarkOn() {
        String userId = newUserId();
        String phone = activated(userId, clock).secret();
        clock.advance(STEP);
        verify(userId, code(phone, clock, 0)).then().statusCode(200);

        // In the same step the phone just used: the new secret's first code is still good...
        JsonPath pending = AuthenticatorCalls.add(userId, "Tablet").then().statusCode(201).extract().jsonPath();
        AuthenticatorCalls.activate(userId, pending.getString("authenticatorId"), code(pending.getString("secret"), clock, 0))
                .then().statusCode(200).body("state", equalTo("active")).body("backupCodes", nullValue());
        // ...and its step is used up for both, as is the phone's.
        assertProblem(verify(userId, code(pending.getString("secret"), clock, 0)).then(), 422, "code-already-used");
        assertProblem(verify(userId, code(phone, clock, 0)).then(), 422, "code-already-used");
    }

    @Test
    void removingALostPhoneStopsItsCodesAndKeepsTheOther() {
        String userId = newUserId();
        String phone = activated(userId, clock).secret();
        String phoneId = api().get("/users/" + userId + "/authenticators").then().extract().path("authenticators[0].authenticatorId");
        Device tablet = AuthenticatorCalls.added(userId, "Tablet", clock);

        api().delete("/users/" + userId + "/authenticators/" + phoneId).then().statusCode(204);
        clock.advance(STEP);
        assertProblem(verify(userId, code(phone, clock, 0)).then(), 422, "invalid-code");
        verify(userId, code(tablet.secret(), clock, 0)).then().statusCode(200);

        // The last one cannot go alone: that is DELETE /users/{userId}.
        assertProblem(api().delete("/users/" + userId + "/authenticators/" + tablet.id()).then(), 409, "last-authenticator");
        assertProblem(api().delete("/users/" + userId + "/authenticators/" + phoneId).then(), 404, "authenticator-not-found");
        List<String> events = eventTypes(userId);
        assertEquals("removed", events.get(2), events.toString());
        String removedId = api().get("/users/" + userId + "/events").then().extract().path("events[2].authenticatorId");
        assertEquals(phoneId, removedId);
    }

    @Test
    void removalsTakeTheAcceptTheGeneratedClientSendsTheirProblemsMediaTypeAlone() {
        // A 204 has no body, so a DELETE's only media type is its problems'; the client of client/
        // asks for exactly that, and must not hear 406.
        String userId = newUserId();
        activated(userId, clock);
        Device tablet = AuthenticatorCalls.added(userId, "Tablet", clock);
        String tabletPath = "/users/" + userId + "/authenticators/" + tablet.id();
        api().accept("application/problem+json").delete(tabletPath).then().statusCode(204);
        assertProblem(api().accept("application/problem+json").delete(tabletPath).then(), 404, "authenticator-not-found");
        api().accept("application/problem+json").delete("/users/" + userId).then().statusCode(204);
        assertProblem(api().accept("application/problem+json").delete("/users/" + userId).then(), 404, "factor-not-found");
    }

    @Test
    void aUserHasAtMostFiveAuthenticatorsPendingOrActive() {
        String userId = newUserId();
        activated(userId, clock);
        for (int i = 2; i <= 5; i++) {
            AuthenticatorCalls.add(userId, "Device " + i).then().statusCode(201);
        }
        assertProblem(AuthenticatorCalls.add(userId, "Device 6").then(), 409, "too-many-authenticators");
        // Expired pending ones make room again.
        clock.advance(Duration.ofMinutes(16));
        AuthenticatorCalls.add(userId, "Device 6").then().statusCode(201);
        api().get("/users/" + userId + "/authenticators").then().body("authenticators", hasSize(2));
    }

    @Test
    void twentyConcurrentAddsLeaveExactlyFive() throws Exception {
        String userId = newUserId();
        ExecutorService pool = Executors.newFixedThreadPool(20);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> statuses = new ArrayList<>();
        try {
            for (int i = 0; i < 20; i++) {
                String name = "Device " + i;
                Callable<Integer> add = () -> {
                    start.await();
                    return AuthenticatorCalls.add(userId, name).statusCode();
                };
                statuses.add(pool.submit(add));
            }
            start.countDown();
            List<Integer> answers = new ArrayList<>();
            for (Future<Integer> status : statuses) {
                answers.add(status.get());
            }
            assertEquals(5, answers.stream().filter(s -> s == 201).count(), answers.toString());
            assertEquals(15, answers.stream().filter(s -> s == 409).count(), answers.toString());
        } finally {
            pool.shutdownNow();
        }
        api().get("/users/" + userId + "/authenticators").then().body("authenticators", hasSize(5));
    }

    @Test
    void namesAreUniquePerUserAndCanBeChanged() {
        String userId = newUserId();
        activated(userId, clock);
        Device tablet = AuthenticatorCalls.added(userId, "Tablet", clock);

        assertProblem(AuthenticatorCalls.add(userId, "Tablet").then(), 409, "name-taken");
        assertProblem(AuthenticatorCalls.add(userId, null).then(), 409, "name-taken");
        assertProblem(api().body(Map.of("name", "Authenticator")).patch("/users/" + userId + "/authenticators/" + tablet.id())
                .then(), 409, "name-taken");
        api().body(Map.of("name", "Old tablet")).patch("/users/" + userId + "/authenticators/" + tablet.id())
                .then().statusCode(200).body("name", equalTo("Old tablet")).body("state", equalTo("active"));
        // Another user may use the same names.
        String other = newUserId();
        activated(other, clock);
        AuthenticatorCalls.add(other, "Tablet").then().statusCode(201);

        for (String bad : List.of(" ", "x".repeat(65), "tab\there", "Tablet ", " Tablet")) {
            assertProblem(raw().contentType("application/json").body(Map.of("name", bad))
                    .patch("/users/" + userId + "/authenticators/" + tablet.id()).then(), 400, "invalid-request");
        }
        assertProblem(raw().contentType("application/json").body(Map.of("name", "x"))
                .patch("/users/" + userId + "/authenticators/not-a-uuid").then(), 400, "invalid-request");
        assertProblem(api().body(Map.of("name", "x")).patch("/users/" + userId + "/authenticators/" + java.util.UUID.randomUUID())
                .then(), 404, "authenticator-not-found");
        clock.advance(STEP);
        verify(userId, code(tablet.secret(), clock, 0)).then().statusCode(200).body("name", equalTo("Old tablet"));
        assertEquals("renamed", eventTypes(userId).get(1));
    }

    @Test
    void backupCodesComeWithTheFirstActiveAuthenticatorOnly() {
        String userId = newUserId();
        Device first = AuthenticatorCalls.added(userId, "Phone", clock);
        assertEquals(10, first.backupCodes().size());
        Device second = AuthenticatorCalls.added(userId, "Tablet", clock);
        assertNull(second.backupCodes());
        api().get("/users/" + userId).then().body("backupCodesRemaining", equalTo(10)).body("backupCodesLow", equalTo(false));
        api().body(Map.of("userId", userId, "backupCode", first.backupCodes().get(0))).post("/recover").then().statusCode(200);
    }

    @Test
    void aPendingAuthenticatorHasAQrCodeUntilItIsActive() {
        String userId = newUserId();
        activated(userId, clock);
        JsonPath pending = AuthenticatorCalls.add(userId, "Tablet").then().statusCode(201).extract().jsonPath();
        String id = pending.getString("authenticatorId");
        api().get("/users/" + userId + "/authenticators/" + id + "/qr.png").then().statusCode(200).contentType("image/png");
        api().get(pending.getString("qrCodeUrl")).then().statusCode(200).contentType("image/png");
        api().get("/users/" + userId + "/authenticators").then()
                .body("authenticators[1].state", equalTo("pending")).body("authenticators[1].activatedAt", nullValue());
        assertProblem(verify(userId, code(pending.getString("secret"), clock, 0)).then(), 422, "invalid-code");

        AuthenticatorCalls.activate(userId, id, code(pending.getString("secret"), clock, 0)).then().statusCode(200);
        assertProblem(api().get("/users/" + userId + "/authenticators/" + id + "/qr.png").then(), 404, "authenticator-not-found");
        api().get(pending.getString("qrCodeUrl")).then().statusCode(404);
        assertProblem(AuthenticatorCalls.activate(userId, id, code(pending.getString("secret"), clock, 1)).then(), 409,
                "factor-already-active");
    }

    @Test
    void anAuthenticatorCanBeAddedWithoutABodyAndTheStatusSaysWhenTheFirstWasActivated() throws Exception {
        String userId = newUserId();
        // As curl -X POST sends it: no body, no Content-Type.
        HttpResponse<String> bare = HttpClient.newHttpClient().send(HttpRequest.newBuilder(root.resolve("/users/" + userId
                + "/authenticators")).header("Authorization", "Bearer " + ApiKeys.PORTAL)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(201, bare.statusCode(), bare.body());
        api().delete("/users/" + userId).then().statusCode(204);
        io.restassured.response.Response added = api().post("/users/" + userId + "/authenticators");
        added.then().statusCode(201).body("name", equalTo("Authenticator"));
        clock.advance(Duration.ofMinutes(1));
        AuthenticatorCalls.activate(userId, added.path("authenticatorId"), code(added.path("secret"), clock, 0))
                .then().statusCode(200);
        String activatedAt = api().get("/users/" + userId).then().extract().path("activatedAt");
        api().get("/users/" + userId).then().body("createdAt", equalTo(activatedAt));
        // A replayed code names the authenticator whose used-up step it matched.
        verify(userId, code(added.path("secret"), clock, 0)).then().statusCode(422);
        String id = added.path("authenticatorId");
        String replayedBy = api().get("/users/" + userId + "/events").then().extract().path("events[0].authenticatorId");
        assertEquals(id, replayedBy);
    }

    @Test
    void aUserWhoseAuthenticatorsAreAllPendingCannotSignInYet() {
        String userId = newUserId();
        String secret = AuthenticatorCalls.add(userId, "Phone").then().statusCode(201).extract().path("secret");
        assertProblem(verify(userId, code(secret, clock, 0)).then(), 404, "factor-not-found");
        assertProblem(api().body(Map.of("userId", userId, "backupCode", "ZZZZ-ZZZZ-ZZZZ")).post("/recover").then(), 404,
                "factor-not-found");
        api().get("/users/" + userId).then().statusCode(200).body("state", equalTo("pending"))
                .body("authenticators", equalTo(0)).body("failedAttempts", equalTo(0));
        clock.advance(Duration.ofMinutes(16));
        api().get("/users/" + userId).then().body("state", equalTo("expired"));
    }

    @Test
    void replacingThroughEnrollLeavesTheNewPhoneAsTheOnlyAuthenticator() {
        String userId = newUserId();
        String phone = activated(userId, clock).secret();
        AuthenticatorCalls.added(userId, "Tablet", clock);

        clock.advance(STEP);
        verify(userId, code(phone, clock, 0)).then().statusCode(200);
        String createdAt = api().get("/users/" + userId).then().extract().path("createdAt");
        String replacement = api().body(Map.of("userId", userId, "replace", true)).post("/enroll").then().statusCode(201)
                .extract().path("secret");
        api().get("/users/" + userId + "/authenticators").then().body("authenticators", hasSize(3));
        clock.advance(STEP);
        api().body(Map.of("userId", userId, "code", code(replacement, clock, 0))).post("/activate").then().statusCode(200);
        api().get("/users/" + userId + "/authenticators").then().body("authenticators", hasSize(1))
                .body("authenticators[0].name", equalTo("Authenticator"));
        // As before several authenticators: createdAt stays the first activation, the last sign-in was another secret's.
        api().get("/users/" + userId).then().body("createdAt", equalTo(createdAt)).body("lastVerifiedAt", nullValue());
        clock.advance(STEP);
        assertProblem(verify(userId, code(phone, clock, 0)).then(), 422, "invalid-code");
        verify(userId, code(replacement, clock, 0)).then().statusCode(200);
    }

    @Test
    void anUnknownUserHasNoAuthenticatorsAndAnotherTenantSeesNone() {
        String userId = newUserId();
        api().get("/users/" + userId + "/authenticators").then().statusCode(200).body("authenticators", hasSize(0));
        activated(userId, clock);
        io.totpd.support.Contract.as(io.totpd.support.ApiKeys.RIVAL).get("/users/" + userId + "/authenticators")
                .then().statusCode(200).body("authenticators", hasSize(0));
        String id = api().get("/users/" + userId + "/authenticators").then().extract().path("authenticators[0].authenticatorId");
        assertProblem(io.totpd.support.Contract.as(io.totpd.support.ApiKeys.RIVAL)
                .delete("/users/" + userId + "/authenticators/" + id).then(), 404, "authenticator-not-found");
        api().get("/users/" + userId + "/authenticators").then().body("authenticators", hasSize(1))
                .body("authenticators[0].authenticatorId", not(nullValue()));
        enroll(newUserId());
    }
}
