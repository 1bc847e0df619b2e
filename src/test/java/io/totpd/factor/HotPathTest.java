package io.totpd.factor;

import static io.totpd.support.Contract.api;
import static io.totpd.support.Users.activeUser;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.newUserId;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.totpd.support.TestClock;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.hibernate.SessionFactory;
import org.hibernate.stat.Statistics;
import org.junit.jupiter.api.Test;

/** /verify is on every login: one read, at most one write to the factor, and its audit event. */
@QuarkusTest
class HotPathTest {

    @Inject
    TestClock clock;

    @Inject
    SessionFactory sessions;

    @Test
    void anAcceptedCodeCostsOneReadAndOneWrite() {
        String userId = newUserId();
        String secret = activeUser(userId, clock);
        clock.advance(Duration.ofSeconds(30));

        Statistics statistics = statementsOf(() ->
                api().body(Map.of("userId", userId, "code", code(secret, clock, 0))).post("/verify").then().statusCode(200));
        assertEquals(3, statistics.getPrepareStatementCount(), "statements");
        assertEquals(1, statistics.getQueryExecutionCount(), "reads");
        assertEquals(1, statistics.getEntityUpdateCount(), "factor writes");
        assertEquals(1, statistics.getEntityInsertCount(), "audit events");
    }

    @Test
    void aWrongCodeCostsOneReadAndTheWriteOfItsFailure() {
        String userId = newUserId();
        String secret = activeUser(userId, clock);
        clock.advance(Duration.ofSeconds(30));
        String wrong = code(secret, clock, 5);

        Statistics statistics = statementsOf(() ->
                api().body(Map.of("userId", userId, "code", wrong)).post("/verify").then().statusCode(422));
        assertEquals(3, statistics.getPrepareStatementCount(), "statements");
        assertEquals(1, statistics.getQueryExecutionCount(), "reads");
        assertEquals(1, statistics.getEntityUpdateCount(), "factor writes");
        assertEquals(1, statistics.getEntityInsertCount(), "audit events");
    }

    @Test
    void aReplayedCodeCostsOneReadAndItsAuditEvent() {
        String userId = newUserId();
        String secret = activeUser(userId, clock);

        Statistics statistics = statementsOf(() ->
                api().body(Map.of("userId", userId, "code", code(secret, clock, 0))).post("/verify").then().statusCode(422));
        assertEquals(2, statistics.getPrepareStatementCount(), "statements");
        assertEquals(0, statistics.getEntityUpdateCount(), "factor writes");
    }

    private Statistics statementsOf(Runnable request) {
        Statistics statistics = sessions.getStatistics();
        statistics.clear();
        request.run();
        return statistics;
    }
}
