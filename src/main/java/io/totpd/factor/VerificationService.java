package io.totpd.factor;

import io.micrometer.core.instrument.MeterRegistry;
import io.totpd.audit.AuditEvent;
import io.totpd.audit.AuditTrail;
import io.totpd.caller.CurrentCaller;
import io.totpd.factor.Api.Recovery;
import io.totpd.factor.Api.Verification;
import io.totpd.http.ProblemType;
import io.totpd.otp.Totp;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.Arrays;

/**
 * Sign-in with a TOTP code or a backup code. Each check holds the factor's row lock, so that failure
 * counts, locks and the replay rule hold across every replica; a wrong code is a returned result,
 * so the failure it records commits.
 */
@ApplicationScoped
public class VerificationService {

    private static final String TOTP = "totp";
    private static final String BACKUP_CODE = "backup_code";

    private final FactorRepository factors;
    private final BackupCodeService backupCodes;
    private final SealedSecrets secrets;
    private final FactorPolicy policy;
    private final CurrentCaller caller;
    private final AuditTrail audit;
    private final MeterRegistry metrics;

    VerificationService(FactorRepository factors, BackupCodeService backupCodes, SealedSecrets secrets, FactorPolicy policy,
            CurrentCaller caller, AuditTrail audit, MeterRegistry metrics) {
        this.factors = factors;
        this.backupCodes = backupCodes;
        this.secrets = secrets;
        this.policy = policy;
        this.caller = caller;
        this.audit = audit;
        this.metrics = metrics;
    }

    /** The hot path: one locking read, the factor's write when anything changed, and the audit event. */
    @Transactional
    public Checked<Verification> verify(String userId, String code) {
        Factor factor = factors.lockByUser(caller.tenant(), userId);
        Instant now = policy.now();
        Checked<Verification> refused = refusal(factor, factor == null ? null : factor.totpAttempts, now, TOTP);
        if (refused != null) {
            return refused;
        }
        Totp totp = factor.secret.totp();
        long currentStep = totp.step(now);
        byte[] secret = secrets.open(factor);
        Totp.Check check;
        try {
            check = totp.check(secret, code, currentStep, factor.driftSteps, factor.lastStep);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
        switch (check.outcome()) {
            case ACCEPTED -> {
                // How far from server time this phone's code matched: clock drift, per offset.
                metrics.counter("totpd.verify.matched.offset", "offset", Long.toString(check.step() - currentStep)).increment();
                factor.lastStep = check.step();
                factor.driftSteps = policy.drift(check.step(), currentStep);
                factor.lastVerifiedAt = now;
                factor.totpAttempts.reset();
                audit.record(userId, AuditEvent.Type.VERIFIED, TOTP);
                return Checked.ok(new Verification(userId, true, TOTP));
            }
            case REPLAYED -> {
                audit.record(userId, AuditEvent.Type.REPLAYED, TOTP);
                return Checked.failed(ProblemType.CODE_ALREADY_USED,
                        "a code of this time step or a later one was accepted already; wait for the next code");
            }
            default -> {
                fail(factor, factor.totpAttempts, now, TOTP);
                return Checked.failed(ProblemType.INVALID_CODE, "the code is not valid for this user now");
            }
        }
    }

    /** A backup code, on its own failure budget; success also lifts a TOTP lock. */
    @Transactional
    public Checked<Recovery> recover(String userId, String backupCode) {
        Factor factor = factors.lockByUser(caller.tenant(), userId);
        Instant now = policy.now();
        Checked<Recovery> refused = refusal(factor, factor == null ? null : factor.recoveryAttempts, now, BACKUP_CODE);
        if (refused != null) {
            return refused;
        }
        BackupCodeService.Redemption redemption = backupCodes.redeem(factor, backupCode, now);
        switch (redemption.outcome()) {
            case ACCEPTED -> {
                factor.lastVerifiedAt = now;
                factor.totpAttempts.reset();
                factor.recoveryAttempts.reset();
                audit.record(userId, AuditEvent.Type.RECOVERED, BACKUP_CODE);
                return Checked.ok(new Recovery(userId, true, BACKUP_CODE, redemption.remaining()));
            }
            case USED -> {
                audit.record(userId, AuditEvent.Type.REPLAYED, BACKUP_CODE);
                return Checked.failed(ProblemType.CODE_ALREADY_USED, "this backup code was used already");
            }
            default -> {
                fail(factor, factor.recoveryAttempts, now, BACKUP_CODE);
                return Checked.failed(ProblemType.INVALID_CODE, "the backup code is not valid for this user");
            }
        }
    }

    /** Why no code may be checked at all: no factor, a disabled one, or a lock. Null when one may. */
    private <T> Checked<T> refusal(Factor factor, Attempts attempts, Instant now, String method) {
        if (factor == null) {
            return Checked.failed(ProblemType.FACTOR_NOT_FOUND, "this user has no active factor");
        }
        if (factor.state == Factor.State.DISABLED) {
            audit.record(factor.userId, AuditEvent.Type.REFUSED, method);
            return Checked.failed(ProblemType.FACTOR_DISABLED,
                    "too many wrong codes disabled this factor; the user must enroll again");
        }
        if (attempts.lockedAt(now)) {
            audit.record(factor.userId, AuditEvent.Type.REFUSED, method);
            return Checked.locked(attempts.lockedUntil, now);
        }
        return null;
    }

    private void fail(Factor factor, Attempts attempts, Instant now, String method) {
        audit.record(factor.userId, AuditEvent.Type.REJECTED, method);
        if (attempts.fail(policy.lockout, now)) {
            factor.state = Factor.State.DISABLED;
            audit.record(factor.userId, AuditEvent.Type.DISABLED, method);
        } else if (attempts.lockedUntil != null) {
            audit.record(factor.userId, AuditEvent.Type.LOCKED, method);
        }
    }
}
