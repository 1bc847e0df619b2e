package io.totpd.factor;

import io.totpd.recovery.Argon2id;
import io.totpd.recovery.BackupCodes;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Issues and redeems a factor's backup codes; callers hold the factor's row lock. */
@ApplicationScoped
class BackupCodeService {

    enum Outcome { ACCEPTED, USED, INVALID }

    record Redemption(Outcome outcome, long remaining) {
    }

    private final BackupCodeRepository codes;
    private final Argon2id argon2;
    /** Hashed against when no code has the tag typed, so a miss costs what a hit costs. */
    private final String decoy;

    BackupCodeService(BackupCodeRepository codes, FactorPolicy policy) {
        this.codes = codes;
        this.argon2 = policy.argon2;
        this.decoy = argon2.hash(BackupCodes.generate().get(0));
    }

    /** A new set for the factor, replacing the old one at once; the codes are in display form, shown this once. */
    List<String> issue(Factor factor, Instant now) {
        codes.deleteByFactor(factor.id);
        List<String> issued = BackupCodes.generate();
        for (String code : issued) {
            BackupCode row = new BackupCode();
            row.id = UUID.randomUUID();
            row.factorId = factor.id;
            row.tag = String.valueOf(BackupCodes.tag(code));
            row.hash = argon2.hash(code);
            row.createdAt = now;
            codes.persist(row);
        }
        return issued.stream().map(BackupCodes::display).toList();
    }

    /** One Argon2id computation, whatever was typed: the tag picks the only code it can be. */
    Redemption redeem(Factor factor, String code, Instant now) {
        List<BackupCode> set = codes.listByFactor(factor.id);
        String tag = String.valueOf(BackupCodes.tag(code));
        BackupCode candidate = set.stream().filter(c -> c.tag.equals(tag)).findFirst().orElse(null);
        boolean matches = Argon2id.matches(candidate == null ? decoy : candidate.hash, code) && candidate != null;
        long unused = set.stream().filter(c -> c.usedAt == null).count();
        if (!matches) {
            return new Redemption(Outcome.INVALID, unused);
        }
        if (candidate.usedAt != null || !codes.markUsed(candidate.id, now)) {
            return new Redemption(Outcome.USED, unused);
        }
        return new Redemption(Outcome.ACCEPTED, unused - 1);
    }
}
