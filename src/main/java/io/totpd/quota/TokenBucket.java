package io.totpd.quota;

/**
 * One rate: {@code rate} units a second, refilled continuously, at most {@code burst} at once. Kept as
 * the one instant at which the bucket is full again (the generic cell rate algorithm, which answers
 * as a token bucket does), so that time passing costs nothing and a charge is a few additions. Times
 * are nanoseconds on the service's {@link java.time.Clock}, so tests move them.
 *
 * <p>Not thread-safe: {@link CallerQuota} guards its buckets.
 */
final class TokenBucket {

    /** The most a burst may take to refill: 30 years, so that times stay far from overflowing a long. */
    static final long MAX_REFILL_NANOS = 30L * 365 * 24 * 3600 * 1_000_000_000L;

    final double rate;
    final int burst;
    /** How long one unit takes to come back. */
    private final long unitNanos;
    /** How long an empty bucket takes to fill: {@code burst} units. */
    private final long capacityNanos;
    /** When the bucket is full again; in the past when it is full. */
    private long fullAt = Long.MIN_VALUE / 2;

    /** A full bucket; {@link Quotas} has checked {@code rate} and {@code burst} and names the setting. */
    TokenBucket(double rate, int burst) {
        this.rate = rate;
        this.burst = burst;
        this.unitNanos = Math.max(1, Math.round(1e9 / rate));
        this.capacityNanos = refillNanos(rate, burst);
    }

    /** How long {@code burst} units take to come back at {@code rate}; above {@link #MAX_REFILL_NANOS} when too long. */
    static long refillNanos(double rate, int burst) {
        double nanos = Math.max(1, Math.round(1e9 / rate)) * (double) burst;
        return nanos > MAX_REFILL_NANOS ? Long.MAX_VALUE : (long) nanos;
    }

    /** How long until {@code units} fit, in nanoseconds; 0 when they fit now. */
    long shortfall(int units, long now) {
        long debt = Math.max(fullAt, now) - now + units * unitNanos;
        return Math.max(0, debt - capacityNanos);
    }

    /** Takes {@code units}, which {@link #shortfall} said fit. */
    void take(int units, long now) {
        fullAt = Math.max(fullAt, now) + units * unitNanos;
    }

    /** Whole units left now. */
    long remaining(long now) {
        return (capacityNanos - Math.max(0, fullAt - now)) / unitNanos;
    }

    /** Nanoseconds until the bucket is full again; 0 when it is. */
    long untilFull(long now) {
        return Math.max(0, fullAt - now);
    }
}
