package io.totpd.factor;

import io.totpd.http.ProblemType;

/**
 * What checking a code came to: a value, or the problem to report. It is returned rather than thrown
 * so that whatever the check recorded commits with its transaction; the resource throws afterwards.
 */
public record Checked<T>(T value, ProblemType failure, String detail) {

    static <T> Checked<T> ok(T value) {
        return new Checked<>(value, null, null);
    }

    static <T> Checked<T> failed(ProblemType failure, String detail) {
        return new Checked<>(null, failure, detail);
    }

    public T orThrow() {
        if (failure != null) {
            throw failure.exception(detail);
        }
        return value;
    }
}
