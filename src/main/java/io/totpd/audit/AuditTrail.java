package io.totpd.audit;

import io.totpd.caller.CurrentCaller;
import io.totpd.http.RequestId;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Records outcomes; called inside the transaction of the change, so event and change commit together. */
@ApplicationScoped
public class AuditTrail {

    private final AuditEventRepository events;
    private final CurrentCaller caller;
    private final RequestId requestId;
    private final Clock clock;

    AuditTrail(AuditEventRepository events, CurrentCaller caller, RequestId requestId, Clock clock) {
        this.events = events;
        this.caller = caller;
        this.requestId = requestId;
        this.clock = clock;
    }

    public void record(String userId, AuditEvent.Type type) {
        record(userId, type, null);
    }

    /** {@code method} says which kind of code an event is about: "totp" or "backup_code". */
    public void record(String userId, AuditEvent.Type type, String method) {
        Stamp stamp = stamp();
        AuditEvent event = new AuditEvent();
        event.tenant = stamp.tenant();
        event.userId = userId;
        event.type = type;
        event.method = method;
        event.caller = stamp.caller();
        event.requestId = stamp.requestId();
        event.occurredAt = stamp.occurredAt();
        events.persist(event);
    }

    /** Who, in which request and when: what every event of this request carries, for writers that bypass the ORM. */
    public Stamp stamp() {
        return new Stamp(caller.tenant(), caller.get().name(), requestId.get(), clock.instant().truncatedTo(ChronoUnit.MILLIS));
    }

    public record Stamp(String tenant, String caller, String requestId, Instant occurredAt) {
    }
}
