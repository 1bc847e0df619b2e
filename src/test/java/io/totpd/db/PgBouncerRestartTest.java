package io.totpd.db;

import static io.totpd.support.Contract.api;
import static io.totpd.support.Users.activated;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.newUserId;
import static io.totpd.support.Users.verify;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.totpd.support.EmbeddedPostgresResource;
import io.totpd.support.PgBouncer;
import io.totpd.support.TestClock;
import io.totpd.support.Users.Activated;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * PgBouncer restarts (an upgrade, a crash, a moved pod) while the service runs: every pooled
 * connection the service holds is cut at once. Meanwhile requests are refused with 503 and nothing
 * else, and once PgBouncer listens again they work by themselves, without restarting the service.
 * Runs only in the build's run through PgBouncer (see {@link EmbeddedPostgresResource}).
 */
@QuarkusTest
@EnabledIfSystemProperty(named = EmbeddedPostgresResource.THROUGH_PGBOUNCER, matches = "true")
class PgBouncerRestartTest {

    @Inject
    TestClock clock;

    @Test
    void theServiceWorksAgainByItselfAfterPgBouncerRestarts() throws Exception {
        // Read here, not injected: the class is a bean of every test run's application, also of the
        // run without PgBouncer, where the property does not exist.
        PgBouncer pgBouncer = PgBouncer.in(Path.of(ConfigProvider.getConfig().getValue(EmbeddedPostgresResource.PGBOUNCER_DIRECTORY, String.class)));
        String userId = newUserId();
        Activated user = activated(userId, clock);
        // Several requests at once, so that the service's pool holds several connections to be cut.
        atOnce(8, () -> api().get("/users/" + userId).then().statusCode(200));

        pgBouncer.stop();
        try {
            for (int i = 0; i < 3; i++) {
                refusedAsUnavailable(api().get("/users/" + userId));
            }
            clock.advance(Duration.ofSeconds(30));
            refusedAsUnavailable(verify(userId, code(user.secret(), clock, 0)));
        } finally {
            pgBouncer.start();
        }

        // Each connection cut by the restart fails the one request that meets it, with a 503; then
        // every request works, ten in a row.
        Instant deadline = Instant.now().plusSeconds(30);
        int inARow = 0;
        while (inARow < 10) {
            assertTrue(Instant.now().isBefore(deadline), "the service did not recover within 30 s of PgBouncer's restart");
            Response status = api().get("/users/" + userId);
            if (status.statusCode() == 200) {
                inARow++;
            } else {
                refusedAsUnavailable(status);
                inARow = 0;
            }
        }
        atOnce(8, () -> api().get("/users/" + userId).then().statusCode(200));
        // The code refused during the restart was not spent: nothing was written while PgBouncer was gone.
        verify(userId, code(user.secret(), clock, 0)).then().statusCode(200);
        api().get("/users/" + userId).then().statusCode(200).body("failedAttempts", equalTo(0));
    }

    private static void refusedAsUnavailable(Response response) {
        response.then().statusCode(503)
                .contentType("application/problem+json")
                .header("Retry-After", notNullValue())
                .body("type", startsWith("urn:totpd:problem:service-"));
    }

    private static void atOnce(int requests, Runnable request) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                sent.add(pool.submit(request));
            }
            for (Future<?> future : sent) {
                future.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
