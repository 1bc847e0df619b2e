package io.totpd.problem;

import java.time.Duration;

/** A failure the caller is told about as application/problem+json; {@link ProblemMapper} renders it. */
public class ProblemException extends RuntimeException {

    final ProblemType type;
    final Duration retryAfter;

    public ProblemException(ProblemType type, String detail, Duration retryAfter) {
        super(detail, null, false, false);
        this.type = type;
        this.retryAfter = retryAfter;
    }

    public ProblemType type() {
        return type;
    }
}
