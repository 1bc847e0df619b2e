package io.totpd.user;

import io.totpd.core.Attempts;
import io.totpd.core.EnrollmentRepository;
import io.totpd.core.Factor;
import io.totpd.core.Policy;
import io.totpd.core.FactorRepository;
import io.totpd.recovery.BackupCodeRepository;
import io.totpd.recovery.BackupCodeService;
import io.totpd.api.Api.UserStatus;
import io.totpd.audit.AuditEvent;
import io.totpd.audit.AuditTrail;
import io.totpd.caller.CurrentCaller;
import io.totpd.db.Transactions;
import io.totpd.db.UserLock;
import io.totpd.http.ProblemType;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** A user's factor as a whole: its status, new backup codes, and its removal. */
@ApplicationScoped
public class UserService {

    private final FactorRepository factors;
    private final EnrollmentRepository enrollments;
    private final BackupCodeRepository codes;
    private final BackupCodeService backupCodes;
    private final Policy policy;
    private final CurrentCaller caller;
    private final AuditTrail audit;
    private final Transactions transactions;
    private final UserLock userLock;

    UserService(FactorRepository factors, EnrollmentRepository enrollments, BackupCodeRepository codes,
            BackupCodeService backupCodes, Policy policy, CurrentCaller caller, AuditTrail audit,
            Transactions transactions, UserLock userLock) {
        this.factors = factors;
        this.enrollments = enrollments;
        this.codes = codes;
        this.backupCodes = backupCodes;
        this.policy = policy;
        this.caller = caller;
        this.audit = audit;
        this.transactions = transactions;
        this.userLock = userLock;
    }

    public Optional<UserStatus> status(String userId) {
        Instant now = policy.now();
        Factor factor = factors.findByUser(caller.tenant(), userId);
        if (factor != null) {
            Attempts attempts = factor.totpAttempts;
            // A disabled factor answers 403 whatever the time, so a lock on it would promise an end that never comes.
            boolean locked = factor.state != Factor.State.DISABLED && attempts.lockedAt(now);
            return Optional.of(new UserStatus(userId, factor.state.name().toLowerCase(Locale.ROOT), factor.createdAt,
                    factor.activatedAt, factor.lastVerifiedAt, attempts.failures,
                    locked ? attempts.lockedUntil : null, codes.countUnused(factor.id)));
        }
        // The QR code and activation of an expired enrollment say 410; the status says so too.
        return Optional.ofNullable(enrollments.findByUser(caller.tenant(), userId))
                .map(e -> new UserStatus(userId, now.isBefore(e.expiresAt) ? "pending" : "expired", e.createdAt, null, null,
                        0, null, 0));
    }

    /**
     * A new set of backup codes; the old set stops working in the same transaction. The set is hashed
     * before the transaction (in the {@link HashingBulkhead}), for a factor that was there when the
     * call began; whether it still is, is decided again under the user's lock.
     */
    public List<String> regenerateBackupCodes(String userId) {
        transactions.read(() -> requireUsable(factors.findByUser(caller.tenant(), userId)));
        BackupCodeService.NewSet set = backupCodes.prepare();
        Instant now = policy.now();
        return transactions.write(() -> {
            userLock.lock(caller.tenant(), userId);
            Factor factor = requireUsable(factors.lockByUser(caller.tenant(), userId));
            audit.record(userId, AuditEvent.Type.BACKUP_CODES_REGENERATED);
            return backupCodes.store(factor, set, now);
        });
    }

    private static Factor requireUsable(Factor factor) {
        if (factor == null) {
            throw ProblemType.FACTOR_NOT_FOUND.exception("this user has no active factor");
        }
        if (factor.state == Factor.State.DISABLED) {
            throw ProblemType.FACTOR_DISABLED.exception("this factor is disabled; the user must enroll again");
        }
        return factor;
    }

    /**
     * Removes the factor, its backup codes and any pending enrollment; the audit trail stays. Under the
     * user's lock, so a delete and an activation are decided one after the other: whichever comes second
     * sees what the first committed.
     */
    public boolean delete(String userId) {
        return transactions.write(() -> {
            userLock.lock(caller.tenant(), userId);
            // The lock order: the enrollment, then the factor (whose backup codes go with it).
            boolean deleted = enrollments.deleteByUser(caller.tenant(), userId) + factors.deleteByUser(caller.tenant(), userId) > 0;
            if (deleted) {
                audit.record(userId, AuditEvent.Type.DELETED);
            }
            return deleted;
        });
    }
}
