package io.totpd.recovery;

import io.totpd.core.Policy;
import io.totpd.core.UserAccount;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Issues and redeems a user's backup codes. Every Argon2id computation runs inside a place of the
 * {@link HashingBulkhead}: issuing takes one itself; redeeming runs in the caller's, which also holds
 * the user's row lock.
 */
@ApplicationScoped
public class BackupCodeService {

    public enum Outcome { ACCEPTED, USED, INVALID }

    public record Redemption(Outcome outcome, long remaining) {
    }

    /** A new set, hashed and not yet stored: the codes in display form, shown once, and their rows' tag and hash. */
    public record NewSet(List<String> display, List<String> tags, List<String> hashes) {
    }

    private final BackupCodeRepository codes;
    private final Argon2id argon2;
    private final HashingBulkhead bulkhead;
    /** Hashed against when no code has the tag typed, so a miss costs what a hit costs. */
    private final String decoy;

    BackupCodeService(BackupCodeRepository codes, Policy policy, HashingBulkhead bulkhead) {
        this.codes = codes;
        this.argon2 = policy.argon2;
        this.bulkhead = bulkhead;
        this.decoy = argon2.hash(BackupCodes.generate().get(0));
    }

    /**
     * Generates and hashes a new set. Done before the transaction that stores it, so that no row lock
     * is held for the ten hashes (about 0.35 s).
     *
     * @throws io.totpd.problem.ProblemException 503 {@code service-busy} when the bulkhead has no place in time
     */
    public NewSet prepare() {
        return bulkhead.run(() -> {
            List<String> generated = BackupCodes.generate();
            List<String> tags = new ArrayList<>(generated.size());
            List<String> hashes = new ArrayList<>(generated.size());
            for (String code : generated) {
                tags.add(String.valueOf(BackupCodes.tag(code)));
                hashes.add(argon2.hash(code));
            }
            return new NewSet(generated.stream().map(BackupCodes::display).toList(), tags, hashes);
        });
    }

    /** Makes {@code set} the user's backup codes, replacing the old set at once; the caller holds the user lock. */
    public List<String> store(UserAccount user, NewSet set, Instant now) {
        codes.deleteByUser(user.id);
        for (int i = 0; i < set.tags().size(); i++) {
            BackupCode row = new BackupCode();
            row.id = UUID.randomUUID();
            row.userAccountId = user.id;
            row.tag = set.tags().get(i);
            row.hash = set.hashes().get(i);
            row.createdAt = now;
            codes.persist(row);
        }
        return set.display();
    }

    /**
     * One Argon2id computation, whatever was typed: the tag picks the only code it can be. Runs in a
     * place of the bulkhead the caller took, with the user's row locked.
     */
    public Redemption redeem(UserAccount user, String code, Instant now) {
        List<BackupCode> set = codes.listByUser(user.id);
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
