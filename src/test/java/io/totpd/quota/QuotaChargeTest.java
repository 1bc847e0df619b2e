package io.totpd.quota;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.totpd.caller.Requires;
import io.totpd.recovery.BackupCodes;
import io.totpd.support.ResourceMethods;
import io.totpd.support.ResourceMethods.Route;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every call with a key says what it costs, so that no new endpoint is forgotten in "other" by accident. */
class QuotaChargeTest {

    /** What the issue asks each call to cost; every call not named here costs a unit of "other". */
    private static final Map<String, CallerQuota.Cost> CHARGES = Map.of(
            "POST /verify", new CallerQuota.Cost(1, 0, 0),
            "POST /recover", new CallerQuota.Cost(1, 1, 0),
            "POST /activate", new CallerQuota.Cost(0, BackupCodes.COUNT, 0),
            "POST /users/{userId}/authenticators/{authenticatorId}/activate", new CallerQuota.Cost(0, BackupCodes.COUNT, 0),
            "POST /users/{userId}/backup-codes", new CallerQuota.Cost(0, BackupCodes.COUNT, 0),
            "GET /quota", CallerQuota.Cost.FREE);

    @Test
    void everyCallWithAKeyDeclaresItsChargeOnItselfOrItsResource() throws Exception {
        List<Route> routes = ResourceMethods.all();
        assertTrue(routes.size() >= 20, "routes found: " + routes);
        for (Route route : routes) {
            Charge own = route.method().getAnnotation(Charge.class);
            boolean free = route.method().isAnnotationPresent(Charge.Free.class);
            if (route.method().isAnnotationPresent(Requires.Nobody.class)) {
                assertFalse(free || own != null, route + " has no caller to charge");
                continue;
            }
            Charge charge = own != null ? own : route.resource().getAnnotation(Charge.class);
            assertTrue(free || charge != null, route + " declares no @Charge, on itself or its resource");
            assertFalse(free && own != null, route + " is both free and charged");
            if (charge != null) {
                assertTrue(charge.checks() + charge.expensive() + charge.other() > 0, route + ": use @Charge.Free for a free call");
                assertTrue(charge.checks() >= 0 && charge.checks() <= Bucket.CHECKS.largestCharge(), route + " checks");
                assertTrue(charge.expensive() >= 0 && charge.expensive() <= Bucket.EXPENSIVE.largestCharge(), route + " expensive");
                assertTrue(charge.other() >= 0 && charge.other() <= Bucket.OTHER.largestCharge(), route + " other");
            }
        }
    }

    @Test
    void codeChecksAndArgon2idWorkAreChargedToTheirOwnBucketsAndEverythingElseToOther() throws Exception {
        int named = 0;
        for (Route route : ResourceMethods.all()) {
            if (route.method().isAnnotationPresent(Requires.Nobody.class)) {
                continue;
            }
            CallerQuota.Cost expected = CHARGES.getOrDefault(route.toString(), CallerQuota.Cost.OTHER);
            named += CHARGES.containsKey(route.toString()) ? 1 : 0;
            assertEquals(expected, QuotaFilter.cost(route.method(), route.resource()), route.toString());
        }
        assertEquals(CHARGES.size(), named, "every call named in CHARGES exists");
    }

    @Test
    void theLargestChargeOfABucketIsWhatSomeCallCharges() throws Exception {
        for (Bucket bucket : Bucket.values()) {
            int largest = 0;
            for (Route route : ResourceMethods.all()) {
                if (!route.method().isAnnotationPresent(Requires.Nobody.class)) {
                    CallerQuota.Cost cost = QuotaFilter.cost(route.method(), route.resource());
                    largest = Math.max(largest, switch (bucket) {
                        case CHECKS -> cost.checks();
                        case EXPENSIVE -> cost.expensive();
                        case OTHER -> cost.other();
                    });
                }
            }
            assertNotNull(bucket.key());
            assertEquals(bucket.largestCharge(), largest, bucket + ": start-up checks bursts against this");
        }
    }
}
