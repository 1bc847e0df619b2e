package io.totpd.factor;

import static io.totpd.support.Users.activeUser;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.newUserId;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
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

    @Test
    void twentySimultaneousVerifiesOfOneCodeAcceptExactlyOne() throws Exception {
        String userId = newUserId();
        String secret = activeUser(userId, clock);
        clock.advance(Duration.ofSeconds(30));
        String body = "{\"userId\":\"" + userId + "\",\"code\":\"" + code(secret, clock, 0) + "\"}";

        assertEquals(Map.of(200, 1L, 422, (long) CALLERS - 1), postAtOnce(verify, body));
    }

    @Test
    void simultaneousFirstEnrollmentsOfOneUserNeverFail() throws Exception {
        String body = "{\"userId\":\"" + newUserId() + "\"}";
        Map<Integer, Long> statuses = postAtOnce(enroll, body);
        assertEquals(java.util.Set.of(), statuses.keySet().stream().filter(s -> s != 201 && s != 409).collect(Collectors.toSet()),
                "statuses " + statuses);
    }

    /** Sends the same request from {@link #CALLERS} threads at once; counts the answers by status. */
    private static Map<Integer, Long> postAtOnce(URI uri, String body) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < CALLERS; i++) {
                answers.add(pool.submit(() -> {
                    start.await();
                    HttpRequest request = HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
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
