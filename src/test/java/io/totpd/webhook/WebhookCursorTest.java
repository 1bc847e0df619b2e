package io.totpd.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.totpd.webhook.WebhookDeliveries.Delivery;
import io.totpd.webhook.WebhookDeliveries.Outcome;
import io.totpd.webhook.WebhookDeliveries.Status;
import jakarta.inject.Inject;
import java.net.URI;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * How a sender takes new events from the audit trail ({@link WebhookDeliveries#sendNew}), driven
 * directly for an endpoint of the test's own that no sender thread serves: batches with one event per
 * user (the rest queue and go out as retries), each user's events in order, each event once; a user
 * with a pending delivery queues; events of
 * types the endpoint does not take move the cursor without a row; and a cursor left ahead by a restore
 * into a new cluster starts again instead of waiting forever.
 */
@QuarkusTest
class WebhookCursorTest {

    @Inject
    WebhookDeliveries deliveries;

    @Inject
    AgroalDataSource dataSource;

    /** An endpoint of its own, for a tenant of its own, taking user.locked and code.verified. */
    private static Endpoints.Endpoint endpoint() {
        String name = "cursor-" + System.nanoTime();
        return new Endpoints.Endpoint(name, URI.create("http://127.0.0.1:9/"), name, List.of(new byte[32]),
                Set.of(EventType.USER_LOCKED, EventType.CODE_VERIFIED));
    }

    /**
     * Records events of the endpoint's tenant, as the service does, in one transaction: {@code (user,
     * audit type)}; returns once a sender can read them. A sender reads only events below the oldest
     * running transaction, and other tests' transactions on the shared database (another endpoint's
     * retries stay open while they are sent) can hold that horizon back for a moment: a sender
     * called then takes nothing, which is right, and is not what these tests are about.
     */
    private void record(Endpoints.Endpoint endpoint, List<String[]> events) throws Exception {
        try (Connection connection = dataSource.getConnection(); Statement sql = connection.createStatement()) {
            StringBuilder values = new StringBuilder();
            for (String[] event : events) {
                values.append(values.isEmpty() ? "" : ", ")
                        .append("('%s', '%s', '%s', 'c', 'r', now())".formatted(endpoint.tenant(), event[0], event[1]));
            }
            String xid;
            try (ResultSet row = sql.executeQuery("INSERT INTO audit_event (tenant, user_id, type, caller, request_id, occurred_at) VALUES "
                    + values + " RETURNING pg_current_xact_id()::text")) {
                row.next();
                xid = row.getString(1);
            }
            Instant deadline = Instant.now().plusSeconds(30);
            while (true) {
                try (ResultSet row = sql.executeQuery("SELECT pg_snapshot_xmin(pg_current_snapshot()) > '" + xid + "'::xid8")) {
                    row.next();
                    if (row.getBoolean(1)) {
                        return;
                    }
                }
                assertTrue(Instant.now().isBefore(deadline), "a transaction older than " + xid + " still runs after 30 s");
                Thread.sleep(10);
            }
        }
    }

    /** Every batch a sender hands over, each delivered. */
    private static Function<List<Delivery>, List<Outcome>> delivered(List<List<Delivery>> batches) {
        return batch -> {
            batches.add(batch);
            return batch.stream().map(d -> new Outcome(d.id(), Status.DELIVERED, Instant.now(), d.nextAttemptAt(), 204, null,
                    Instant.now())).toList();
        };
    }

    private Map<String, Long> rowsByStatus(Endpoints.Endpoint endpoint) throws Exception {
        Map<String, Long> rows = new HashMap<>();
        try (Connection connection = dataSource.getConnection(); Statement sql = connection.createStatement();
                ResultSet row = sql.executeQuery("SELECT status, count(*) FROM webhook_delivery WHERE endpoint = '"
                        + endpoint.name() + "' GROUP BY status")) {
            while (row.next()) {
                rows.put(row.getString(1), row.getLong(2));
            }
        }
        return rows;
    }

    @Test
    void eachUsersEventsGoInOrderOneAtATimeAndEachOnce() throws Exception {
        Endpoints.Endpoint endpoint = endpoint();
        assertEquals(0, deliveries.sendNew(endpoint, 50, delivered(new ArrayList<>())), "the first call places the cursor");
        List<String[]> events = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            for (String user : List.of("a", "b", "c")) {
                events.add(new String[] {user, i % 2 == 0 ? "VERIFIED" : "LOCKED"});
            }
            events.add(new String[] {"a", "REJECTED"});
        }
        record(endpoint, events);

        // New events from the trail, then the retries' path, which sends the events queued behind them.
        List<List<Delivery>> batches = new ArrayList<>();
        while (deliveries.sendNew(endpoint, 50, delivered(batches))
                + deliveries.sendDue(endpoint.name(), Instant.now(), 50, delivered(batches)) > 0) {
            assertTrue(batches.size() < 200, "the sender goes round in circles");
        }
        Map<String, List<Long>> sent = new HashMap<>();
        for (List<Delivery> batch : batches) {
            Set<String> users = new HashSet<>();
            for (Delivery delivery : batch) {
                assertTrue(users.add(delivery.userId()), "two events of one user in one batch: " + batch);
                sent.computeIfAbsent(delivery.userId(), u -> new ArrayList<>()).add(delivery.eventId());
                assertEquals(endpoint.tenant(), delivery.tenant());
            }
        }
        for (String user : List.of("a", "b", "c")) {
            List<Long> ids = sent.get(user);
            assertEquals(40, ids.size(), "every user.locked and code.verified of " + user + ", and no code.rejected");
            assertEquals(ids.stream().sorted().toList(), ids, "in the order they were recorded");
        }
        assertEquals(Map.of("delivered", 120L), rowsByStatus(endpoint));
    }

    @Test
    void anEventOfAUserWithAPendingDeliveryQueuesBehindItUnsent() throws Exception {
        Endpoints.Endpoint endpoint = endpoint();
        deliveries.sendNew(endpoint, 50, delivered(new ArrayList<>()));
        try (Connection connection = dataSource.getConnection(); Statement sql = connection.createStatement()) {
            sql.execute("""
                    INSERT INTO webhook_delivery (endpoint, event_id, type, tenant, user_id, caller, request_id, occurred_at,
                                                  next_attempt_at, retry_from, attempts)
                    VALUES ('%1$s', -1, 'user.locked', '%2$s', 'waiting', 'c', 'r', now(), now() + interval '1 hour', now(), 1)"""
                    .formatted(endpoint.name(), endpoint.tenant()));
        }
        record(endpoint, List.of(new String[] {"waiting", "VERIFIED"}, new String[] {"waiting", "LOCKED"},
                new String[] {"free", "LOCKED"}));

        List<List<Delivery>> batches = new ArrayList<>();
        assertEquals(3, deliveries.sendNew(endpoint, 50, delivered(batches)));
        assertEquals(List.of("free"), batches.stream().flatMap(List::stream).map(Delivery::userId).toList());
        assertEquals(Map.of("pending", 3L, "delivered", 1L), rowsByStatus(endpoint));
        // The queued rows are due, behind the head, never attempted.
        try (Connection connection = dataSource.getConnection(); Statement sql = connection.createStatement();
                ResultSet row = sql.executeQuery("SELECT count(*) FROM webhook_delivery WHERE endpoint = '" + endpoint.name()
                        + "' AND user_id = 'waiting' AND attempts = 0 AND next_attempt_at <= now() AND last_attempt_at IS NULL")) {
            row.next();
            assertEquals(2, row.getLong(1));
        }
    }

    @Test
    void eventsTheEndpointDoesNotTakeMoveTheCursorWithoutARow() throws Exception {
        Endpoints.Endpoint endpoint = endpoint();
        deliveries.sendNew(endpoint, 50, delivered(new ArrayList<>()));
        List<String[]> rejected = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            rejected.add(new String[] {"u" + i, "REJECTED"});
        }
        record(endpoint, rejected);
        assertEquals(0, deliveries.sendNew(endpoint, 50, delivered(new ArrayList<>())));
        assertEquals(0, deliveries.behind(endpoint).pending(), "nothing left behind the cursor");
        assertEquals(Map.of(), rowsByStatus(endpoint));
    }

    @Test
    void aCursorAheadOfTheDatabaseAfterARestoreStartsAgain() throws Exception {
        Endpoints.Endpoint endpoint = endpoint();
        deliveries.sendNew(endpoint, 50, delivered(new ArrayList<>()));
        try (Connection connection = dataSource.getConnection(); Statement sql = connection.createStatement()) {
            // What a cursor holds after the database was dumped and restored into a new cluster: a
            // transaction id this cluster has not reached.
            sql.execute("UPDATE webhook_cursor SET xid = (pg_current_xact_id()::text::bigint + 1000000000)::text::xid8 "
                    + "WHERE endpoint = '" + endpoint.name() + "'");
        }
        record(endpoint, List.<String[]>of(new String[] {"before", "LOCKED"}));
        assertEquals(0, deliveries.sendNew(endpoint, 50, delivered(new ArrayList<>())), "the cursor starts again");
        record(endpoint, List.<String[]>of(new String[] {"after", "LOCKED"}));
        List<List<Delivery>> batches = new ArrayList<>();
        assertEquals(1, deliveries.sendNew(endpoint, 50, delivered(batches)));
        assertEquals(List.of("after"), batches.get(0).stream().map(Delivery::userId).toList());
    }
}
