package io.totpd.http;

/** A failure the caller is told about as application/problem+json; {@link ProblemMapper} renders it. */
public class ProblemException extends RuntimeException {

    final ProblemType type;

    public ProblemException(ProblemType type, String detail) {
        super(detail, null, false, false);
        this.type = type;
    }

    public ProblemType type() {
        return type;
    }
}
