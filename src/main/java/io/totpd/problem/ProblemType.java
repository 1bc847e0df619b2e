package io.totpd.problem;

import java.time.Duration;
import java.util.Locale;

/** Every kind of failure the API reports, with its HTTP status: the {@code type} callers branch on. */
public enum ProblemType {
    INVALID_REQUEST(400, "Invalid request"),
    UNAUTHORIZED(401, "Unauthorized"),
    FORBIDDEN(403, "Forbidden"),
    FACTOR_DISABLED(403, "Factor disabled"),
    USER_SUSPENDED(403, "User suspended"),
    EXPORT_DISABLED(403, "Export disabled"),
    NOT_FOUND(404, "Not found"),
    FACTOR_NOT_FOUND(404, "No factor for this user"),
    ENROLLMENT_NOT_FOUND(404, "No pending enrollment for this user"),
    AUTHENTICATOR_NOT_FOUND(404, "No such authenticator"),
    DELIVERY_NOT_FOUND(404, "No such webhook delivery"),
    METHOD_NOT_ALLOWED(405, "Method not allowed"),
    NOT_ACCEPTABLE(406, "Not acceptable"),
    FACTOR_ALREADY_ACTIVE(409, "Factor already active"),
    CONFLICT(409, "Concurrent change"),
    TOO_MANY_AUTHENTICATORS(409, "Too many authenticators"),
    NAME_TAKEN(409, "Name taken"),
    LAST_AUTHENTICATOR(409, "Last authenticator"),
    DELIVERY_NOT_FAILED(409, "Webhook delivery not failed"),
    ENROLLMENT_EXPIRED(410, "Enrollment expired"),
    PAYLOAD_TOO_LARGE(413, "Payload too large"),
    URI_TOO_LONG(414, "URI too long"),
    UNSUPPORTED_MEDIA_TYPE(415, "Unsupported media type"),
    INVALID_CODE(422, "Invalid code"),
    CODE_ALREADY_USED(422, "Code already used"),
    FACTOR_LOCKED(429, "Too many failed attempts"),
    REQUEST_HEADER_FIELDS_TOO_LARGE(431, "Request header fields too large"),
    INTERNAL_ERROR(500, "Internal error"),
    SERVICE_UNAVAILABLE(503, "Service unavailable"),
    SERVICE_BUSY(503, "Service busy");

    public static final String URI_PREFIX = "urn:totpd:problem:";

    private final int status;
    private final String title;

    ProblemType(int status, String title) {
        this.status = status;
        this.title = title;
    }

    /** The HTTP status this type is answered with. */
    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public String uri() {
        return URI_PREFIX + slug();
    }

    /** The last part of the type URI, e.g. {@code invalid-code}. */
    public String slug() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public ProblemException exception(String detail) {
        return new ProblemException(this, detail, null);
    }

    /** A problem the caller may retry after {@code retryAfter}, said in a Retry-After header. */
    public ProblemException exception(String detail, Duration retryAfter) {
        return new ProblemException(this, detail, retryAfter);
    }
}
