package io.totpd.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.totpd.problem.ProblemException;
import io.totpd.problem.ProblemType;
import io.totpd.support.Threads;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HashingBulkheadTest {

    @Test
    void theDefaultIsWhatFitsInAThirdOfTheHeapAndNoMoreThanTheCores() {
        long hash = 19 * 1024 * 1024L;
        assertEquals(2, HashingBulkhead.fitting(124 * 1024 * 1024L, hash, 2), "the manifests' 128 MiB heap");
        assertEquals(1, HashingBulkhead.fitting(32 * 1024 * 1024L, hash, 2), "always at least one");
        assertEquals(2, HashingBulkhead.fitting(6L * 1024 * 1024 * 1024, hash, 2), "a big heap: the cores");
        assertEquals(8, HashingBulkhead.fitting(6L * 1024 * 1024 * 1024, hash, 8));
    }

    @Test
    void pastItsPlacesARequestWaitsBrieflyThenIsRefusedWithoutRunning() throws Exception {
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        HashingBulkhead bulkhead = new HashingBulkhead(2, Duration.ofMillis(200), metrics);
        CountDownLatch holding = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<?>[] holders = new CompletableFuture<?>[2];
        for (int i = 0; i < 2; i++) {
            holders[i] = CompletableFuture.runAsync(() -> bulkhead.run(() -> {
                holding.countDown();
                await(release);
                return null;
            }), Threads.ONE_PER_TASK);
        }
        assertTrue(holding.await(5, TimeUnit.SECONDS));

        AtomicBoolean ran = new AtomicBoolean();
        long before = System.nanoTime();
        ProblemException refused = assertThrows(ProblemException.class, () -> bulkhead.run(() -> ran.getAndSet(true)));
        long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);
        assertEquals(ProblemType.SERVICE_BUSY, refused.type());
        assertFalse(ran.get(), "refused work never runs");
        assertTrue(waitedMillis >= 190 && waitedMillis < 2_000, "waited " + waitedMillis + " ms");
        assertEquals(1.0, metrics.counter("totpd.hashing.refused").count());

        release.countDown();
        CompletableFuture.allOf(holders).get(5, TimeUnit.SECONDS);
        assertEquals("ran", bulkhead.run(() -> "ran"), "a freed place is taken again");
    }

    @Test
    void aPlaceIsReturnedWhenTheWorkFails() {
        HashingBulkhead bulkhead = new HashingBulkhead(1, Duration.ZERO, new SimpleMeterRegistry());
        assertThrows(IllegalStateException.class, () -> bulkhead.run(() -> {
            throw new IllegalStateException("boom");
        }));
        assertEquals(1, bulkhead.run(() -> 1));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
