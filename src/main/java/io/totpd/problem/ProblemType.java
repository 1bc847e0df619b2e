package io.totpd.problem;

import java.time.Duration;
import java.util.Locale;

/**
 * Every kind of failure the API reports, with its HTTP status: the {@code type} callers branch on. A
 * type is answered with one status, but for {@code quota-exceeded}, which two constants share: a rate
 * ({@link #QUOTA_EXCEEDED}, 429) and a cap ({@link #TENANT_CAP_REACHED}, 409).
 */
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
    /**
     * The tenant is at one of its caps (pending enrollments, authenticators): waiting may not help,
     * something must be activated, expire or be removed first. {@code quota-exceeded}, as a rate.
     */
    TENANT_CAP_REACHED(409, "Quota exceeded", "quota-exceeded"),
    ENROLLMENT_EXPIRED(410, "Enrollment expired"),
    PAYLOAD_TOO_LARGE(413, "Payload too large"),
    URI_TOO_LONG(414, "URI too long"),
    UNSUPPORTED_MEDIA_TYPE(415, "Unsupported media type"),
    INVALID_CODE(422, "Invalid code"),
    CODE_ALREADY_USED(422, "Code already used"),
    FACTOR_LOCKED(429, "Too many failed attempts"),
    /**
     * The caller is over one of its rates (checks, expensive, other): refused before anything was read,
     * evaluated or written; {@code Retry-After} says when the charge fits again.
     */
    QUOTA_EXCEEDED(429, "Quota exceeded"),
    REQUEST_HEADER_FIELDS_TOO_LARGE(431, "Request header fields too large"),
    INTERNAL_ERROR(500, "Internal error"),
    SERVICE_UNAVAILABLE(503, "Service unavailable"),
    SERVICE_BUSY(503, "Service busy");

    public static final String URI_PREFIX = "urn:totpd:problem:";

    private final int status;
    private final String title;
    private final String slug;

    ProblemType(int status, String title) {
        this.status = status;
        this.title = title;
        this.slug = name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** A type that shares its {@code slug} (and title) with another constant, at another status. */
    ProblemType(int status, String title, String slug) {
        this.status = status;
        this.title = title;
        this.slug = slug;
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
        return slug;
    }

    public ProblemException exception(String detail) {
        return new ProblemException(this, detail, null);
    }

    /** A problem the caller may retry after {@code retryAfter}, said in a Retry-After header. */
    public ProblemException exception(String detail, Duration retryAfter) {
        return new ProblemException(this, detail, retryAfter);
    }
}
