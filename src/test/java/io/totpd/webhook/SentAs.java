package io.totpd.webhook;

import java.util.Map;

/** What the webhook tests expect to receive for each audit event. */
final class SentAs {

    /**
     * The webhook type of each audit event type (as {@code GET /users/{userId}/events} names it),
     * written out here rather than taken from {@link EventType}: what the issue promises. REFUSED and
     * EXPORT are never sent, VERIFIED only to an endpoint that names {@code code.verified}.
     */
    static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("enrolled", "authenticator.added"), Map.entry("authenticator_added", "authenticator.added"),
            Map.entry("activated", "authenticator.activated"), Map.entry("renamed", "authenticator.renamed"),
            Map.entry("removed", "authenticator.removed"), Map.entry("replaced", "authenticator.replaced"),
            Map.entry("locked", "user.locked"), Map.entry("disabled", "user.disabled"),
            Map.entry("unlocked", "user.unlocked"), Map.entry("suspended", "user.suspended"),
            Map.entry("resumed", "user.resumed"), Map.entry("deleted", "user.deleted"),
            Map.entry("imported", "user.imported"), Map.entry("exported", "user.exported"),
            Map.entry("backup_codes_regenerated", "backup_codes.regenerated"),
            Map.entry("backup_codes_low", "backup_codes.low"), Map.entry("recovered", "backup_code.used"),
            Map.entry("rejected", "code.rejected"), Map.entry("replayed", "code.replayed"),
            Map.entry("verified", "code.verified"));

    private SentAs() {
    }
}
