package io.totpd.quota;

import io.micrometer.core.instrument.Counter;
import io.totpd.caller.Caller;
import java.time.Duration;

/**
 * One caller's rates on this replica, with its counters: built once at start-up by {@link Quotas} and
 * found by the caller's index, so a request costs no lookup by name. One lock per caller guards its
 * three buckets, so that a charge to two of them ({@code POST /recover}) is all or nothing; it is
 * held for a few additions.
 */
final class CallerQuota {

    /** How often a caller over its rates is written to the audit trail and the log, at most. */
    static final Duration ALARM_INTERVAL = Duration.ofMinutes(1);

    /** What one call costs, in units of each bucket. */
    record Cost(int checks, int expensive, int other) {
        static final Cost FREE = new Cost(0, 0, 0);
        static final Cost OTHER = new Cost(0, 0, 1);

        boolean free() {
            return checks == 0 && expensive == 0 && other == 0;
        }
    }

    /** A charge that did not fit: the first bucket short of it, and when the whole charge fits again. */
    record Refusal(Bucket bucket, Duration retryAfter) {
    }

    /** A bucket as {@code GET /quota} shows it. */
    record Level(double rate, int burst, long remaining, long secondsUntilFull) {
    }

    final Caller caller;
    private final TokenBucket checks;
    private final TokenBucket expensive;
    private final TokenBucket other;
    private final Counter allowed;
    private final Counter limited;
    private long nextAlarm = Long.MIN_VALUE;

    CallerQuota(Caller caller, TokenBucket checks, TokenBucket expensive, TokenBucket other, Counter allowed, Counter limited) {
        this.caller = caller;
        this.checks = checks;
        this.expensive = expensive;
        this.other = other;
        this.allowed = allowed;
        this.limited = limited;
    }

    /**
     * Charges {@code cost} at {@code now} (nanoseconds of the service's clock): every bucket it names, or
     * none. Null when it was charged; otherwise the refusal, with the wait rounded up to whole seconds
     * (at least one), after which the same charge fits.
     */
    Refusal charge(Cost cost, long now) {
        Refusal refusal;
        synchronized (this) {
            long checksShort = checks.shortfall(cost.checks(), now);
            long expensiveShort = expensive.shortfall(cost.expensive(), now);
            long otherShort = other.shortfall(cost.other(), now);
            long wait = Math.max(checksShort, Math.max(expensiveShort, otherShort));
            if (wait == 0) {
                checks.take(cost.checks(), now);
                expensive.take(cost.expensive(), now);
                other.take(cost.other(), now);
                refusal = null;
            } else {
                Bucket first = checksShort > 0 ? Bucket.CHECKS : expensiveShort > 0 ? Bucket.EXPENSIVE : Bucket.OTHER;
                refusal = new Refusal(first, Duration.ofSeconds(Math.max(1, (wait + 999_999_999L) / 1_000_000_000L)));
            }
        }
        (refusal == null ? allowed : limited).increment();
        return refusal;
    }

    /** Whether a refusal at {@code now} is the first for {@link #ALARM_INTERVAL}, and so to be recorded. */
    synchronized boolean alarmDue(long now) {
        if (now < nextAlarm) {
            return false;
        }
        nextAlarm = now + ALARM_INTERVAL.toNanos();
        return true;
    }

    /** The bucket's settings and level at {@code now}. */
    synchronized Level level(Bucket bucket, long now) {
        TokenBucket b = switch (bucket) {
            case CHECKS -> checks;
            case EXPENSIVE -> expensive;
            case OTHER -> other;
        };
        return new Level(b.rate, b.burst, b.remaining(now), (b.untilFull(now) + 999_999_999L) / 1_000_000_000L);
    }
}
