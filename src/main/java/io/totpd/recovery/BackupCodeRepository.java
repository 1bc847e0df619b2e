package io.totpd.recovery;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The door to table {@code backup_code}, through the ORM. Concurrency rule: a set is replaced only under
 * the user's lock, and a code is spent by a conditional update ({@link #markUsed}), under the lock on
 * the user's row that /recover holds, so of two redemptions of one code exactly one succeeds.
 */
@ApplicationScoped
public class BackupCodeRepository implements PanacheRepositoryBase<BackupCode, UUID> {

    public List<BackupCode> listByUser(UUID userAccountId) {
        return list("userAccountId", userAccountId);
    }

    public long countUnused(UUID userAccountId) {
        return count("userAccountId = ?1 and usedAt is null", userAccountId);
    }

    public void deleteByUser(UUID userAccountId) {
        delete("userAccountId", userAccountId);
    }

    /** Spends a code unless it was spent already: of two racing redemptions, exactly one changes the row. */
    public boolean markUsed(UUID id, Instant at) {
        return update("usedAt = ?1 where id = ?2 and usedAt is null", at, id) == 1;
    }
}
