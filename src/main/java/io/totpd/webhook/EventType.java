package io.totpd.webhook;

import io.totpd.audit.AuditEvent;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The event types sent to webhook endpoints, each with the audit events it reports. A type's
 * {@link #wireName} is the payload's {@code type} and what {@code totpd.webhooks.<name>.events} lists.
 * Refused checks and an export's tenant summary are audited but not sent.
 */
public enum EventType {
    AUTHENTICATOR_ADDED("authenticator.added", AuditEvent.Type.ENROLLED, AuditEvent.Type.AUTHENTICATOR_ADDED),
    AUTHENTICATOR_ACTIVATED("authenticator.activated", AuditEvent.Type.ACTIVATED),
    AUTHENTICATOR_RENAMED("authenticator.renamed", AuditEvent.Type.RENAMED),
    AUTHENTICATOR_REMOVED("authenticator.removed", AuditEvent.Type.REMOVED),
    AUTHENTICATOR_REPLACED("authenticator.replaced", AuditEvent.Type.REPLACED),
    USER_LOCKED("user.locked", AuditEvent.Type.LOCKED),
    USER_DISABLED("user.disabled", AuditEvent.Type.DISABLED),
    USER_UNLOCKED("user.unlocked", AuditEvent.Type.UNLOCKED),
    USER_SUSPENDED("user.suspended", AuditEvent.Type.SUSPENDED),
    USER_RESUMED("user.resumed", AuditEvent.Type.RESUMED),
    USER_DELETED("user.deleted", AuditEvent.Type.DELETED),
    USER_IMPORTED("user.imported", AuditEvent.Type.IMPORTED),
    USER_EXPORTED("user.exported", AuditEvent.Type.EXPORTED),
    BACKUP_CODES_REGENERATED("backup_codes.regenerated", AuditEvent.Type.BACKUP_CODES_REGENERATED),
    BACKUP_CODES_LOW("backup_codes.low", AuditEvent.Type.BACKUP_CODES_LOW),
    BACKUP_CODE_USED("backup_code.used", AuditEvent.Type.RECOVERED),
    CODE_REJECTED("code.rejected", AuditEvent.Type.REJECTED),
    CODE_REPLAYED("code.replayed", AuditEvent.Type.REPLAYED),
    /** One per sign-in: sent only to endpoints that name it. */
    CODE_VERIFIED("code.verified", AuditEvent.Type.VERIFIED);

    private final String wireName;
    private final List<AuditEvent.Type> reports;

    EventType(String wireName, AuditEvent.Type... reports) {
        this.wireName = wireName;
        this.reports = List.of(reports);
    }

    /** The name in payloads and settings, e.g. {@code authenticator.added}. */
    public String wireName() {
        return wireName;
    }

    /** The audit events this type is sent for. */
    public List<AuditEvent.Type> reports() {
        return reports;
    }

    /** Whether {@code *} in an endpoint's events includes it: every type but the one per sign-in. */
    boolean inWildcard() {
        return this != CODE_VERIFIED;
    }

    /** The type named {@code wireName}, if there is one. */
    public static Optional<EventType> named(String wireName) {
        return Arrays.stream(values()).filter(t -> t.wireName.equals(wireName)).findFirst();
    }
}
