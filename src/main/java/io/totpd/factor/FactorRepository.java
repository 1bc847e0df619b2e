package io.totpd.factor;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.util.UUID;

@ApplicationScoped
public class FactorRepository implements PanacheRepositoryBase<Factor, UUID> {

    public Factor findByUser(String tenant, String userId) {
        return find("tenant = ?1 and userId = ?2", tenant, userId).firstResult();
    }

    /** For changes that must not interleave with another request for the same user (enroll, activate). */
    public Factor lockByUser(String tenant, String userId) {
        return find("tenant = ?1 and userId = ?2", tenant, userId).withLock(LockModeType.PESSIMISTIC_WRITE).firstResult();
    }

    /**
     * Records an accepted step unless that step, or a later one, was accepted already. Replicas race
     * here, and PostgreSQL lets exactly one of them change the row: that is the whole replay rule.
     */
    public boolean markStepUsed(UUID id, long step, Instant at) {
        return update("lastStep = ?1, lastVerifiedAt = ?2 where id = ?3 and (lastStep is null or lastStep < ?1)",
                step, at, id) == 1;
    }

    public boolean deleteByUser(String tenant, String userId) {
        return delete("tenant = ?1 and userId = ?2", tenant, userId) > 0;
    }
}
