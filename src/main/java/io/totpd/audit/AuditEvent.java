package io.totpd.audit;

import java.time.Instant;
import java.util.UUID;

/**
 * One outcome for one user: what happened, about which authenticator (where it is about one), by
 * which caller, in which request. Never a secret, code or backup code.
 */
public record AuditEvent(long id, String tenant, String userId, UUID authenticatorId, Type type, String method,
        String caller, String requestId, Instant occurredAt) {

    public enum Type {
        ENROLLED, ACTIVATED, REPLACED, VERIFIED, RECOVERED, REJECTED, REPLAYED, LOCKED, REFUSED, DISABLED,
        BACKUP_CODES_REGENERATED, DELETED, AUTHENTICATOR_ADDED, RENAMED, REMOVED, UNLOCKED, SUSPENDED, RESUMED,
        BACKUP_CODES_LOW,
        /** An authenticator of the user was created or replaced by {@code POST /import}. */
        IMPORTED,
        /** The user's active authenticators were sent out by {@code POST /export}. */
        EXPORTED,
        /** A summary of one {@code POST /export}, about the tenant: it names no user. */
        EXPORT,
        /**
         * A caller went over one of its rates (429 {@code quota-exceeded}), about the tenant: it names no
         * user. At most one a minute per caller and replica, however many requests were refused.
         */
        QUOTA_EXCEEDED
    }
}
