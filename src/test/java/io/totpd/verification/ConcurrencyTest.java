package io.totpd.verification;

import static io.totpd.support.Users.activated;
import static io.totpd.support.Users.activeUser;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.newUserId;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totpd.support.ApiKeys;
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
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

@QuarkusTest
class ConcurrencyTest {

    private static final int CALLERS = 20;

    @Inject
    TestClock clock;

    @TestHTTPResource("/verify")
    URI verify;

    @TestHTTPResource("/enroll")
    URI enroll;

    @TestHTTPResource("/recover")
    URI recover;

    @Test
    void twentySimultaneousVerifiesOfOneCodeAcceptExactlyOne() throws Exception {
        String userId = newUserId();
        String secret = activeUser(userId, clock);
        clock.advance(Duration.ofSeconds(30));
        String body = "{\"userId\":\"" + userId + "\",\"code\":\"" + code(secret, clock, 0) + "\"}";

        assertEquals(Map.of(200, 1L, 422, (long) CALLERS - 1), postAtOnce(verify, body, CALLERS));
    }

    @Test
    void fiftyParallelWrongCodesGetNoMoreThanFiveEvaluated() throws Exception {
        String userId = newUserId();
        String secret = activeUser(userId, clock);
        clock.advance(Duration.ofSeconds(30));
        java.util.Set<String> window = java.util.Set.of(code(secret, clock, -1), code(secret, clock, 0), code(secret, clock, 1));
        String wrong = java.util.stream.IntStream.range(0, 10).mapToObj(i -> String.format("%06d", i))
                .filter(c -> !window.contains(c)).findFirst().orElseThrow();

        Map<Integer, Long> statuses = postAtOnce(verify, "{\"userId\":\"" + userId + "\",\"code\":\"" + wrong + "\"}", 50);
        assertEquals(Map.of(422, 5L, 429, 45L), statuses);
    }

    @Test
    void twentySimultaneousRedemptionsOfOneBackupCodeAcceptExactlyOne() throws Exception {
        String userId = newUserId();
        String backupCode = activated(userId, clock).backupCodes().get(0);

        Map<Integer, Long> statuses = postAtOnce(recover,
                "{\"userId\":\"" + userId + "\",\"backupCode\":\"" + backupCode + "\"}", CALLERS);
        // Each redemption hashes with the factor locked, so twenty take turns; one that waits longer
        // than the database allows (lock_timeout 1 s, statement_timeout 1.5 s) is told to retry (409
        // conflict or 503 service-busy, with Retry-After) rather than kept waiting.
        assertEquals(1L, statuses.get(200), "statuses " + statuses);
        assertEquals(Set.of(), statuses.keySet().stream().filter(s -> !Set.of(200, 409, 422, 503).contains(s))
                .collect(Collectors.toSet()), "statuses " + statuses);
    }

    @Test
    void simultaneousFirstEnrollmentsOfOneUserNeverFail() throws Exception {
        String body = "{\"userId\":\"" + newUserId() + "\"}";
        Map<Integer, Long> statuses = postAtOnce(enroll, body, CALLERS);
        assertEquals(java.util.Set.of(), statuses.keySet().stream().filter(s -> s != 201 && s != 409).collect(Collectors.toSet()),
                "statuses " + statuses);
    }

    /** Sends the same request from {@code callers} threads at once; counts the answers by status. */
    private static Map<Integer, Long> postAtOnce(URI uri, String body, int callers) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                answers.add(pool.submit(() -> {
                    start.await();
                    HttpRequest request = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                            .header("Authorization", "Bearer " + ApiKeys.PORTAL)
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build();
                    return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                }));
            }
            start.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> answer : answers) {
                statuses.add(answer.get());
            }
            return statuses.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        } finally {
            pool.shutdownNow();
        }
    }
}
