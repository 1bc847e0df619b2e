package io.totpd.core;

import java.time.Instant;

/** One failure budget of a user: consecutive failures and the lock they earned. */
public class Attempts {

    public int failures;
    public Instant lockedUntil;

    public boolean lockedAt(Instant now) {
        return lockedUntil != null && now.isBefore(lockedUntil);
    }

    /** Counts a failure; true when it disables the user. */
    public boolean fail(Lockout lockout, Instant now) {
        failures++;
        lockedUntil = lockout.lockedUntil(failures, now);
        return lockout.disables(failures);
    }

    public void reset() {
        failures = 0;
        lockedUntil = null;
    }
}
