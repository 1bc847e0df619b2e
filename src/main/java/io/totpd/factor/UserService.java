package io.totpd.factor;

import static io.totpd.factor.FactorPolicy.TENANT;

import io.totpd.factor.Api.UserStatus;
import io.totpd.http.ProblemType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
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
    private final FactorPolicy policy;

    UserService(FactorRepository factors, EnrollmentRepository enrollments, BackupCodeRepository codes,
            BackupCodeService backupCodes, FactorPolicy policy) {
        this.factors = factors;
        this.enrollments = enrollments;
        this.codes = codes;
        this.backupCodes = backupCodes;
        this.policy = policy;
    }

    public Optional<UserStatus> status(String userId) {
        Factor factor = factors.findByUser(TENANT, userId);
        if (factor != null) {
            Attempts attempts = factor.totpAttempts;
            return Optional.of(new UserStatus(userId, factor.state.name().toLowerCase(Locale.ROOT), factor.createdAt,
                    factor.activatedAt, factor.lastVerifiedAt, attempts.failures,
                    attempts.lockedAt(policy.now()) ? attempts.lockedUntil : null, codes.countUnused(factor.id)));
        }
        return Optional.ofNullable(enrollments.findByUser(TENANT, userId))
                .map(e -> new UserStatus(userId, "pending", e.createdAt, null, null, 0, null, 0));
    }

    /** A new set of backup codes; the old set stops working in the same transaction. */
    @Transactional
    public List<String> regenerateBackupCodes(String userId) {
        Factor factor = factors.lockByUser(TENANT, userId);
        if (factor == null) {
            throw ProblemType.FACTOR_NOT_FOUND.exception("this user has no active factor");
        }
        if (factor.state == Factor.State.DISABLED) {
            throw ProblemType.FACTOR_DISABLED.exception("this factor is disabled; the user must enroll again");
        }
        return backupCodes.issue(factor, policy.now());
    }

    /** Removes the factor, its backup codes and any pending enrollment. */
    @Transactional
    public boolean delete(String userId) {
        return factors.deleteByUser(TENANT, userId) + enrollments.deleteByUser(TENANT, userId) > 0;
    }
}
