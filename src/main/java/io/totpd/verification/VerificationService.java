package io.totpd.verification;

import io.totpd.core.Attempts;
import io.totpd.api.Codes;
import io.totpd.core.Checked;
import io.totpd.core.Factor;
import io.totpd.core.Policy;
import io.totpd.core.FactorRepository;
import io.totpd.core.FactorRows;
import io.totpd.core.SealedSecrets;
import io.totpd.recovery.BackupCodeService;
import io.totpd.recovery.HashingBulkhead;
import io.micrometer.core.instrument.MeterRegistry;
import io.totpd.audit.AuditEvent;
import io.totpd.audit.AuditTrail;
import io.totpd.caller.CurrentCaller;
import io.totpd.db.Transactions;
import io.totpd.api.Api.Recovery;
import io.totpd.api.Api.Verification;
import io.totpd.http.ProblemType;
import io.totpd.otp.Totp;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sign-in with a TOTP code or a backup code. Failure counts, locks and the replay rule live in the
 * factor's row, so they hold across every replica; a wrong code is a returned result, so the failure
 * it records commits.
 *
 * <p>{@code /verify} is on every login, so it reads the row without a lock and writes it back with a
 * compare-and-set on its version ({@link FactorRows}): one read and at most one write. A write that
 * lost the race to another check of the same user is not applied, and the check runs again on what
 * that other check committed, so a code is still accepted once and no failure goes uncounted.
 * {@code /recover} costs an Argon2id hash anyway, so it holds the factor's row lock for its check.
 */
@ApplicationScoped
public class VerificationService {

    private static final String TOTP = "totp";
    private static final String BACKUP_CODE = "backup_code";
    /**
     * Each lost race means another check of this user committed, and the lockout bounds how many
     * can; past this many, the caller is told to retry rather than kept waiting.
     */
    private static final int MAX_ATTEMPTS = 10;

    private final FactorRows rows;
    private final FactorRepository factors;
    private final BackupCodeService backupCodes;
    private final SealedSecrets secrets;
    private final Policy policy;
    private final CurrentCaller caller;
    private final AuditTrail audit;
    private final MeterRegistry metrics;
    private final Transactions transactions;
    private final HashingBulkhead hashing;

    VerificationService(FactorRows rows, FactorRepository factors, BackupCodeService backupCodes, SealedSecrets secrets,
            Policy policy, CurrentCaller caller, AuditTrail audit, MeterRegistry metrics, Transactions transactions,
            HashingBulkhead hashing) {
        this.rows = rows;
        this.factors = factors;
        this.backupCodes = backupCodes;
        this.secrets = secrets;
        this.policy = policy;
        this.caller = caller;
        this.audit = audit;
        this.metrics = metrics;
        this.transactions = transactions;
        this.hashing = hashing;
    }

    /** The hot path: one read, then the factor's write with its events, or the events alone. */
    public Checked<Verification> verify(String userId, String code) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            AuditTrail.Stamp stamp = audit.stamp();
            Instant now = stamp.occurredAt();
            Factor factor = rows.find(stamp.tenant(), userId);
            if (factor != null && code.length() != factor.secret.totp().digits()) {
                return Checked.failed(ProblemType.INVALID_REQUEST, Codes.wrongLength(factor.secret.totp()));
            }
            List<AuditEvent.Type> events = new ArrayList<>(2);
            Checked<Verification> refused = refusal(factor, factor == null ? null : factor.totpAttempts, now, events);
            if (refused != null) {
                if (factor != null) {
                    rows.record(factor, events, TOTP, stamp);
                }
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
                    factor.lastStep = check.step();
                    factor.driftSteps = policy.drift(check.step(), currentStep);
                    factor.lastVerifiedAt = now;
                    factor.totpAttempts.reset();
                    events.add(AuditEvent.Type.VERIFIED);
                    if (rows.update(factor, events, TOTP, stamp)) {
                        // How far from server time this phone's code matched: clock drift, per offset.
                        metrics.counter("totpd.verify.matched.offset", "offset", Long.toString(check.step() - currentStep))
                                .increment();
                        return Checked.ok(new Verification(userId, true, TOTP));
                    }
                }
                case REPLAYED -> {
                    events.add(AuditEvent.Type.REPLAYED);
                    rows.record(factor, events, TOTP, stamp);
                    return Checked.failed(ProblemType.CODE_ALREADY_USED,
                            "a code of this time step or a later one was accepted already; wait for the next code");
                }
                default -> {
                    fail(factor, factor.totpAttempts, now, events);
                    if (rows.update(factor, events, TOTP, stamp)) {
                        return Checked.failed(ProblemType.INVALID_CODE, "the code is not valid for this user now");
                    }
                }
            }
        }
        return Checked.conflict("too many checks of this user's codes at once; try again");
    }

    /**
     * A backup code, on its own failure budget; success also lifts a TOTP lock. The factor's row stays
     * locked while the code is hashed, so parallel guesses take turns and none is evaluated past the
     * lockout; the hash runs in a place of the {@link HashingBulkhead}, taken before any lock.
     */
    public Checked<Recovery> recover(String userId, String backupCode) {
        Instant now = policy.now();
        return hashing.run(() -> transactions.write(() -> recoverLocked(userId, backupCode, now)));
    }

    private Checked<Recovery> recoverLocked(String userId, String backupCode, Instant now) {
        Factor factor = factors.lockByUser(caller.tenant(), userId);
        List<AuditEvent.Type> events = new ArrayList<>(2);
        Checked<Recovery> checked = checkBackupCode(factor, backupCode, now, events);
        events.forEach(type -> audit.record(userId, type, BACKUP_CODE));
        return checked;
    }

    private Checked<Recovery> checkBackupCode(Factor factor, String backupCode, Instant now, List<AuditEvent.Type> events) {
        Checked<Recovery> refused = refusal(factor, factor == null ? null : factor.recoveryAttempts, now, events);
        if (refused != null) {
            return refused;
        }
        BackupCodeService.Redemption redemption = backupCodes.redeem(factor, backupCode, now);
        switch (redemption.outcome()) {
            case ACCEPTED -> {
                factor.lastVerifiedAt = now;
                factor.totpAttempts.reset();
                factor.recoveryAttempts.reset();
                events.add(AuditEvent.Type.RECOVERED);
                return Checked.ok(new Recovery(factor.userId, true, BACKUP_CODE, redemption.remaining()));
            }
            case USED -> {
                events.add(AuditEvent.Type.REPLAYED);
                return Checked.failed(ProblemType.CODE_ALREADY_USED, "this backup code was used already");
            }
            default -> {
                fail(factor, factor.recoveryAttempts, now, events);
                return Checked.failed(ProblemType.INVALID_CODE, "the backup code is not valid for this user");
            }
        }
    }

    /** Why no code may be checked at all: no factor, a disabled one, or a lock. Null when one may. */
    private static <T> Checked<T> refusal(Factor factor, Attempts attempts, Instant now, List<AuditEvent.Type> events) {
        if (factor == null) {
            return Checked.failed(ProblemType.FACTOR_NOT_FOUND, "this user has no active factor");
        }
        if (factor.state == Factor.State.DISABLED) {
            events.add(AuditEvent.Type.REFUSED);
            return Checked.failed(ProblemType.FACTOR_DISABLED,
                    "too many wrong codes disabled this factor; the user must enroll again");
        }
        if (attempts.lockedAt(now)) {
            events.add(AuditEvent.Type.REFUSED);
            return Checked.locked(attempts.lockedUntil, now);
        }
        return null;
    }

    private void fail(Factor factor, Attempts attempts, Instant now, List<AuditEvent.Type> events) {
        events.add(AuditEvent.Type.REJECTED);
        if (attempts.fail(policy.lockout, now)) {
            factor.state = Factor.State.DISABLED;
            events.add(AuditEvent.Type.DISABLED);
        } else if (attempts.lockedUntil != null) {
            events.add(AuditEvent.Type.LOCKED);
        }
    }
}
