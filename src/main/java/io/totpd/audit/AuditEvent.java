package io.totpd.audit;

import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import java.time.Instant;

/** One outcome for one user: what happened, by which caller, in which request. */
@Entity
public class AuditEvent {

    public enum Type {
        ENROLLED, ACTIVATED, REPLACED, VERIFIED, RECOVERED, REJECTED, REPLAYED, LOCKED, REFUSED, DISABLED,
        BACKUP_CODES_REGENERATED, DELETED
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;
    public String tenant;
    public String userId;
    @Enumerated(EnumType.STRING)
    public Type type;
    public String method;
    public String caller;
    public String requestId;
    public Instant occurredAt;
}
