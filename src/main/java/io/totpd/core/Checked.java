package io.totpd.core;

import io.totpd.problem.ProblemException;
import io.totpd.problem.ProblemType;
import java.time.Duration;
import java.time.Instant;

/**
 * What checking a code came to: a value, or the problem to report. It is returned rather than thrown
 * so that whatever the check recorded (a failure count, a lock) commits with its transaction; the
 * resource throws afterwards.
 */
public record Checked<T>(T value, ProblemException failure) {

    public static <T> Checked<T> ok(T value) {
        return new Checked<>(value, null);
    }

    public static <T> Checked<T> failed(ProblemType type, String detail) {
        return new Checked<>(null, type.exception(detail));
    }

    /** Another check or change of the same user won; nothing was done, and the caller may retry in a second. */
    public static <T> Checked<T> conflict(String detail) {
        return new Checked<>(null, ProblemType.CONFLICT.exception(detail, Duration.ofSeconds(1)));
    }

    public static <T> Checked<T> locked(Instant lockedUntil, Instant now) {
        // Whole seconds, rounded up, so that a caller who waits exactly this long gets in.
        long seconds = Math.max(1, (Duration.between(now, lockedUntil).toMillis() + 999) / 1000);
        return new Checked<>(null, ProblemType.FACTOR_LOCKED.exception(
                "too many wrong codes; try again in " + seconds + " s", Duration.ofSeconds(seconds)));
    }

    public static <T> Checked<T> failed(ProblemException failure) {
        return new Checked<>(null, failure);
    }

    /** The value mapped, or the same failure. */
    public <U> Checked<U> map(java.util.function.Function<T, U> mapping) {
        return failure == null ? new Checked<>(mapping.apply(value), null) : new Checked<>(null, failure);
    }

    public T orThrow() {
        if (failure != null) {
            throw failure;
        }
        return value;
    }
}
