package io.totpd.recovery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.totpd.TotpdConfig;
import io.totpd.problem.ProblemType;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Bounds the Argon2id work of one replica (REQUIREMENTS 24). Argon2id is memory-hard by design: each
 * computation allocates {@code m} KiB (19 MiB by default) on the Java heap, so an unbounded burst of
 * recoveries or activations exhausts any heap. At most {@code max-concurrent-hashes} requests hash at
 * once; the others wait up to {@code hash-wait} for a place and are then refused with 503
 * {@code service-busy} and {@code Retry-After} before they have read or written anything.
 *
 * <p>A place is held for a whole request, not per hash: an activation hashes its ten backup codes
 * one after the other, so its peak memory is still one hash.
 */
@Singleton
@Startup
public class HashingBulkhead {

    private static final Logger LOG = Logger.getLogger(HashingBulkhead.class);
    /** The share of the maximum heap that hashing may hold; the rest serves everything else. */
    private static final int HEAP_SHARE_DIVISOR = 3;

    private final Semaphore places;
    private final long waitNanos;
    private final Counter refused;

    @Inject
    HashingBulkhead(TotpdConfig config, MeterRegistry metrics) {
        this(config.backupCodes().maxConcurrentHashes().orElse(fitting(Runtime.getRuntime().maxMemory(),
                config.backupCodes().argon2MemoryKib() * 1024L, Runtime.getRuntime().availableProcessors())),
                config.backupCodes().hashWait(), metrics);
        LOG.infof("Argon2id: at most %d hashes at once (%d KiB each, heap %d MiB), waiting up to %d ms for a place",
                places.availablePermits(), config.backupCodes().argon2MemoryKib(), Runtime.getRuntime().maxMemory() >> 20,
                config.backupCodes().hashWait().toMillis());
    }

    HashingBulkhead(int places, Duration wait, MeterRegistry metrics) {
        if (places < 1) {
            throw new IllegalArgumentException("totpd.backup-codes.max-concurrent-hashes must be at least 1");
        }
        if (wait.isNegative()) {
            throw new IllegalArgumentException("totpd.backup-codes.hash-wait must not be negative");
        }
        this.places = new Semaphore(places, true);
        this.waitNanos = wait.toNanos();
        this.refused = metrics.counter("totpd.hashing.refused");
        metrics.gauge("totpd.hashing.places.free", this.places, Semaphore::availablePermits);
    }

    /**
     * How many hashes of {@code bytesPerHash} fit in a third of {@code maxHeap} bytes, and no more than
     * {@code cores}: hashing is pure CPU, so more at once only makes each slower and holds more memory,
     * connections and row locks meanwhile. At least one.
     */
    public static int fitting(long maxHeap, long bytesPerHash, int cores) {
        return (int) Math.max(1, Math.min(cores, maxHeap / HEAP_SHARE_DIVISOR / bytesPerHash));
    }

    /**
     * Runs {@code work}, which may hash, once a place is free.
     *
     * @throws io.totpd.problem.ProblemException 503 {@code service-busy} when no place freed up in time;
     *         {@code work} has not run then
     */
    public <T> T run(Supplier<T> work) {
        boolean acquired;
        try {
            acquired = places.tryAcquire(waitNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            acquired = false;
        }
        if (!acquired) {
            refused.increment();
            throw ProblemType.SERVICE_BUSY.exception("too many backup-code operations at once on this replica; retry shortly",
                    Duration.ofSeconds(1));
        }
        try {
            return work.get();
        } finally {
            places.release();
        }
    }
}
