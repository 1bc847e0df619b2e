package io.totpd.audit;

import io.totpd.caller.CurrentCaller;
import io.totpd.http.RequestId;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Records outcomes of the current request. Called inside the transaction of the change, so event and
 * change commit together; the time is the request's own "now", taken once by the use case.
 */
@ApplicationScoped
public class AuditTrail {

    /** Which kind of code an event is about. */
    public static final String TOTP = "totp";
    public static final String BACKUP_CODE = "backup_code";

    private final AuditEvents events;
    private final CurrentCaller caller;
    private final RequestId requestId;

    AuditTrail(AuditEvents events, CurrentCaller caller, RequestId requestId) {
        this.events = events;
        this.caller = caller;
        this.requestId = requestId;
    }

    public void record(String userId, AuditEvent.Type type, Instant now) {
        record(userId, null, type, null, now);
    }

    public void record(String userId, UUID authenticatorId, AuditEvent.Type type, Instant now) {
        record(userId, authenticatorId, type, null, now);
    }

    /** {@code method} says which kind of code an event is about: {@link #TOTP}, {@link #BACKUP_CODE} or null. */
    public void record(String userId, UUID authenticatorId, AuditEvent.Type type, String method, Instant now) {
        events.insert(batch(userId, authenticatorId, method, List.of(type), now));
    }

    /** Records the events of several users at once (an import or export batch), in one round trip. */
    public void recordAll(List<AuditEvents.Batch> batches) {
        events.insertAll(batches);
    }

    /** Several events of this request about one user, for writers that put them into a statement of their own. */
    public AuditEvents.Batch batch(String userId, UUID authenticatorId, String method, List<AuditEvent.Type> types,
            Instant now) {
        return new AuditEvents.Batch(new Stamp(caller.tenant(), caller.get().name(), requestId.get(), now), userId,
                authenticatorId, method, types);
    }

    /**
     * What every event of this request carries, taken now: for work that outlives the resource method
     * (a streamed export writes its events while the response is being sent).
     */
    public Stamp stamp(Instant now) {
        return new Stamp(caller.tenant(), caller.get().name(), requestId.get(), now);
    }

    /** Who, in which request and when: what every event of this request carries. */
    public record Stamp(String tenant, String caller, String requestId, Instant occurredAt) {

        /** The same caller and request at another moment (an export writes its events as it goes). */
        public Stamp at(Instant moment) {
            return new Stamp(tenant, caller, requestId, moment);
        }
    }
}
