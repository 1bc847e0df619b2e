package io.totpd.quota;

import io.totpd.recovery.BackupCodes;
import java.util.Locale;

/** The three rates of every caller, each with the largest charge a single call takes from it. */
public enum Bucket {
    /** Code checks, {@code POST /verify} and {@code POST /recover}: a unit each. */
    CHECKS(1),
    /**
     * Argon2id work, in hashes of {@code totpd.backup-codes.argon2-*} (about 35 ms of a core each):
     * an activation or a new set of backup codes may hash every backup code of a set, a recovery
     * hashes one (a missing tag against a decoy, so the cost does not depend on what is typed).
     */
    EXPENSIVE(BackupCodes.COUNT),
    /** Every other call with a key: a unit each. */
    OTHER(1);

    private final int largestCharge;

    Bucket(int largestCharge) {
        this.largestCharge = largestCharge;
    }

    /**
     * The most any one call charges this bucket: its burst may not be lower, or that call could never
     * pass. {@code QuotaChargeTest} holds every resource's {@link Charge} to it.
     */
    public int largestCharge() {
        return largestCharge;
    }

    /** The name in settings, problem details and {@code GET /quota}, e.g. {@code checks}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
