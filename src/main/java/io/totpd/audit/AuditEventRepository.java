package io.totpd.audit;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;

@ApplicationScoped
public class AuditEventRepository implements PanacheRepositoryBase<AuditEvent, Long> {

    /** A page of a user's events, newest first, older than {@code before} when given. */
    List<AuditEvent> page(String tenant, String userId, Long before, int limit) {
        return before == null
                ? find("tenant = ?1 and userId = ?2", Sort.descending("id"), tenant, userId).page(0, limit).list()
                : find("tenant = ?1 and userId = ?2 and id < ?3", Sort.descending("id"), tenant, userId, before)
                        .page(0, limit).list();
    }

    /** Deletes at most {@code batch} events older than {@code cutoff}; returns how many. */
    int deleteOlderThan(Instant cutoff, int batch) {
        return getEntityManager().createNativeQuery(
                "DELETE FROM audit_event WHERE id IN (SELECT id FROM audit_event WHERE occurred_at < ?1 LIMIT ?2)")
                .setParameter(1, cutoff)
                .setParameter(2, batch)
                .executeUpdate();
    }
}
