package io.totpd.core;

import java.time.Duration;
import java.time.Instant;

/**
 * What consecutive failures cost (RFC 4226 7.3, NIST 800-63B 5.2.2): from {@code lockAfter} on, a
 * lock that doubles with each failure up to {@code maxLock}; at {@code disableAfter}, the user is
 * disabled. NIST allows at most 100 consecutive failures, so no setting may go above that.
 */
public record Lockout(int lockAfter, Duration firstLock, Duration maxLock, int disableAfter) {

    public static final int MAX_FAILURES = 100;

    public Lockout {
        if (lockAfter < 1 || disableAfter < lockAfter || disableAfter > MAX_FAILURES) {
            throw new IllegalArgumentException("lockout: need 1 <= lock-after-failures <= disable-after-failures <= "
                    + MAX_FAILURES);
        }
        if (firstLock.isNegative() || firstLock.isZero() || maxLock.compareTo(firstLock) < 0) {
            throw new IllegalArgumentException("lockout: need 0 < first-lock <= max-lock");
        }
    }

    /** When a user with this many consecutive failures may be tried again; null if it is not locked. */
    public Instant lockedUntil(int failures, Instant now) {
        if (failures < lockAfter) {
            return null;
        }
        int doublings = Math.min(failures - lockAfter, 30);
        Duration lock = firstLock.multipliedBy(1L << doublings);
        return now.plus(lock.compareTo(maxLock) > 0 ? maxLock : lock);
    }

    public boolean disables(int failures) {
        return failures >= disableAfter;
    }
}
