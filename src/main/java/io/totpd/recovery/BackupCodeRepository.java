package io.totpd.recovery;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

@ApplicationScoped
public class BackupCodeRepository implements PanacheRepositoryBase<BackupCode, UUID> {

    public List<BackupCode> listByFactor(UUID factorId) {
        return list("factorId", factorId);
    }

    public long countUnused(UUID factorId) {
        return count("factorId = ?1 and usedAt is null", factorId);
    }

    public void deleteByFactor(UUID factorId) {
        delete("factorId", factorId);
    }

    /** Spends a code unless it was spent already: of two racing redemptions, exactly one changes the row. */
    public boolean markUsed(UUID id, Instant at) {
        return update("usedAt = ?1 where id = ?2 and usedAt is null", at, id) == 1;
    }
}
