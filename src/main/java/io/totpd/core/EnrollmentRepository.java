package io.totpd.core;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.util.UUID;

@ApplicationScoped
public class EnrollmentRepository implements PanacheRepositoryBase<Enrollment, UUID> {

    public Enrollment findByUser(String tenant, String userId) {
        return find("tenant = ?1 and userId = ?2", tenant, userId).firstResult();
    }

    /** For enroll and activate, which must not interleave for one user. */
    public Enrollment lockByUser(String tenant, String userId) {
        return find("tenant = ?1 and userId = ?2", tenant, userId).withLock(LockModeType.PESSIMISTIC_WRITE).firstResult();
    }

    public long deleteByUser(String tenant, String userId) {
        return delete("tenant = ?1 and userId = ?2", tenant, userId);
    }
}
