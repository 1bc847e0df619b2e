package io.totpd.core;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.util.UUID;

@ApplicationScoped
public class FactorRepository implements PanacheRepositoryBase<Factor, UUID> {

    public Factor findByUser(String tenant, String userId) {
        return find("tenant = ?1 and userId = ?2", tenant, userId).firstResult();
    }

    /**
     * The factor, locked until the transaction ends. Every check of a code holds this lock, so that
     * replicas racing with the same code, or with many wrong ones, take turns: one acceptance per
     * step (REQUIREMENTS 5) and no more guesses than the lockout allows (REQUIREMENTS 10).
     */
    public Factor lockByUser(String tenant, String userId) {
        return find("tenant = ?1 and userId = ?2", tenant, userId).withLock(LockModeType.PESSIMISTIC_WRITE).firstResult();
    }

    public long deleteByUser(String tenant, String userId) {
        return delete("tenant = ?1 and userId = ?2", tenant, userId);
    }
}
