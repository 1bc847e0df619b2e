package io.totpd.verification;

import io.micrometer.core.instrument.MeterRegistry;
import io.totpd.api.Api.Recovery;
import io.totpd.api.Api.Verification;
import io.totpd.api.Codes;
import io.totpd.audit.AuditEvent;
import io.totpd.audit.AuditTrail;
import io.totpd.caller.CurrentCaller;
import io.totpd.core.Attempts;
import io.totpd.core.Authenticator;
import io.totpd.core.Authenticators;
import io.totpd.core.Checked;
import io.totpd.core.Policy;
import io.totpd.core.SealedSecrets;
import io.totpd.core.UserAccount;
import io.totpd.core.UserAccounts;
import io.totpd.db.Transactions;
import io.totpd.problem.ProblemType;
import io.totpd.otp.Totp;
import io.totpd.recovery.BackupCodeService;
import io.totpd.recovery.HashingBulkhead;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Sign-in with a TOTP code or a backup code. Failure counts, locks and the replay mark live in the
 * user's row, so they hold across every authenticator and every replica; a wrong code is a returned
 * result, so the failure it records commits.
 *
 * <p>{@code /verify} is on every login, so it reads the user with its active authenticators without a
 * lock and writes back with a compare-and-set on the user's version ({@link UserAccounts#signIn}): one
 * read and at most one write, whatever the number of authenticators. A write that lost the race to
 * another check of the same user is not applied, and the check runs again on what that other check
 * committed, so a code is still accepted once and no failure goes uncounted. {@code /recover} costs an
 * Argon2id hash anyway, so it holds the user's row lock for its check.
 */
@ApplicationScoped
public class VerificationService {

    /**
     * Each lost race means another check of this user committed, and the lockout bounds how many
     * can; past this many, the caller is told to retry rather than kept waiting.
     */
    private static final int MAX_ATTEMPTS = 10;

    private final UserAccounts users;
    private final Authenticators authenticators;
    private final BackupCodeService backupCodes;
    private final SealedSecrets secrets;
    private final Policy policy;
    private final CurrentCaller caller;
    private final AuditTrail audit;
    private final MeterRegistry metrics;
    private final Transactions transactions;
    private final HashingBulkhead hashing;

    VerificationService(UserAccounts users, Authenticators authenticators, BackupCodeService backupCodes, SealedSecrets secrets, Policy policy,
            CurrentCaller caller, AuditTrail audit, MeterRegistry metrics, Transactions transactions, HashingBulkhead hashing) {
        this.users = users;
        this.authenticators = authenticators;
        this.backupCodes = backupCodes;
        this.secrets = secrets;
        this.policy = policy;
        this.caller = caller;
        this.audit = audit;
        this.metrics = metrics;
        this.transactions = transactions;
        this.hashing = hashing;
    }

    /**
     * What a code matched among a user's authenticators: the outcome, the authenticator it matched (also
     * for a replay; none when invalid), and on acceptance at which step.
     */
    private record Match(Totp.Check.Outcome outcome, Authenticator authenticator, long step, long currentStep) {
    }

    /** The hot path: one read, then the user's write with its events, or the events alone. */
    public Checked<Verification> verify(String userId, String code) {
        Instant now = policy.now();
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            UserAccounts.SignIn signIn = users.forSignIn(caller.tenant(), userId);
            if (signIn == null || signIn.active().isEmpty()) {
                return Checked.failed(ProblemType.FACTOR_NOT_FOUND, "this user has no active factor");
            }
            List<Authenticator> candidates = signIn.active().stream().filter(a -> a.secret.digits == code.length()).toList();
            if (candidates.isEmpty()) {
                return Checked.failed(ProblemType.INVALID_REQUEST, Codes.wrongLength(signIn.active().get(0).secret.totp()));
            }
            UserAccount user = signIn.user();
            List<AuditEvent.Type> events = new ArrayList<>(2);
            Checked<Verification> refused = refusal(user, user.totpAttempts, now, events);
            if (refused != null) {
                audit.record(userId, null, events.get(0), AuditTrail.TOTP, now);
                return refused;
            }
            Checked<Verification> checked = apply(user, match(candidates, code, now, user.replayMark), now, events);
            if (checked != null) {
                return checked;
            }
        }
        return Checked.conflict("too many checks of this user's codes at once; try again");
    }

    /**
     * Checks the code against every candidate, each within its own window, and always all of them: the
     * time taken says nothing about which authenticator matched. The first that accepts wins.
     */
    private Match match(List<Authenticator> candidates, String code, Instant now, Long replayMark) {
        Match found = null;
        Authenticator replayed = null;
        for (Authenticator candidate : candidates) {
            Totp totp = candidate.secret.totp();
            long currentStep = totp.step(now);
            byte[] secret = secrets.open(candidate);
            Totp.Check check;
            try {
                check = totp.check(secret, code, currentStep, candidate.driftSteps, totp.lastUsedStep(replayMark));
            } finally {
                Arrays.fill(secret, (byte) 0);
            }
            if (check.accepted() && found == null) {
                found = new Match(Totp.Check.Outcome.ACCEPTED, candidate, check.step(), currentStep);
            }
            if (check.outcome() == Totp.Check.Outcome.REPLAYED && replayed == null) {
                replayed = candidate;
            }
        }
        return found != null ? found
                : new Match(replayed != null ? Totp.Check.Outcome.REPLAYED : Totp.Check.Outcome.INVALID, replayed, 0, 0);
    }

    /** Records what the match means; null when the write lost a race and the check must be made again. */
    private Checked<Verification> apply(UserAccount user, Match match, Instant now, List<AuditEvent.Type> events) {
        switch (match.outcome()) {
            case ACCEPTED -> {
                Authenticator matched = match.authenticator();
                UserAccounts.DeviceWrites devices = deviceWrites(user, matched, policy.drift(match.step(), match.currentStep()));
                user.markUsed(match.step(), matched.secret.periodSeconds);
                user.lastVerifiedAt = now;
                user.lastAuthenticatorId = matched.id;
                user.lastAuthenticatorUsedAt = now;
                user.totpAttempts.reset();
                events.add(AuditEvent.Type.VERIFIED);
                if (!users.signIn(user, devices, audit.batch(user.userId, matched.id, AuditTrail.TOTP, events, now))) {
                    return null;
                }
                // How far from server time this phone's code matched: clock drift, per offset.
                metrics.counter("totpd.verify.matched.offset", "offset", Long.toString(match.step() - match.currentStep()))
                        .increment();
                return Checked.ok(new Verification(user.userId, true, AuditTrail.TOTP, matched.id, matched.name));
            }
            case REPLAYED -> {
                audit.record(user.userId, match.authenticator().id, AuditEvent.Type.REPLAYED, AuditTrail.TOTP, now);
                return Checked.failed(ProblemType.CODE_ALREADY_USED,
                        "a code of this time step or a later one was accepted already; wait for the next code");
            }
            default -> {
                fail(user, user.totpAttempts, now, events);
                if (!users.signIn(user, UserAccounts.DeviceWrites.NONE, audit.batch(user.userId, null, AuditTrail.TOTP, events,
                        now))) {
                    return null;
                }
                return Checked.failed(ProblemType.INVALID_CODE, "the code is not valid for this user now");
            }
        }
    }

    /**
     * The device rows an accepted code writes besides the user's: none when the user signs in with the
     * same device as last time and its drift stays (the common case: one row written); the device
     * left behind gets its last use when the user switches; the matched one its new drift if it moved.
     */
    private static UserAccounts.DeviceWrites deviceWrites(UserAccount user, Authenticator matched, short drift) {
        boolean switched = user.lastAuthenticatorId != null && !user.lastAuthenticatorId.equals(matched.id);
        boolean drifted = drift != matched.driftSteps;
        return new UserAccounts.DeviceWrites(switched ? user.lastAuthenticatorId : null,
                switched ? user.lastAuthenticatorUsedAt : null, drifted ? matched.id : null, drift);
    }

    /**
     * A backup code, on its own failure budget; success also lifts a TOTP lock. The user's row stays
     * locked while the code is hashed, so parallel guesses take turns and none is evaluated past the
     * lockout; the hash runs in a place of the {@link HashingBulkhead}, taken before any lock.
     */
    public Checked<Recovery> recover(String userId, String backupCode) {
        Instant now = policy.now();
        return hashing.run(() -> transactions.write(() -> recoverLocked(userId, backupCode, now)));
    }

    private Checked<Recovery> recoverLocked(String userId, String backupCode, Instant now) {
        UserAccount user = users.lock(caller.tenant(), userId);
        if (user == null || !authenticators.anyActive(user.id)) {
            // Only pending authenticators: nothing to recover, and no failure to count.
            return Checked.failed(ProblemType.FACTOR_NOT_FOUND, "this user has no active factor");
        }
        List<AuditEvent.Type> events = new ArrayList<>(3);
        Checked<Recovery> checked = checkBackupCode(user, backupCode, now, events);
        if (!events.isEmpty()) {
            users.update(user);
        }
        events.forEach(type -> audit.record(userId, null, type, AuditTrail.BACKUP_CODE, now));
        return checked;
    }

    private Checked<Recovery> checkBackupCode(UserAccount user, String backupCode, Instant now, List<AuditEvent.Type> events) {
        Checked<Recovery> refused = refusal(user, user.recoveryAttempts, now, events);
        if (refused != null) {
            return refused;
        }
        BackupCodeService.Redemption redemption = backupCodes.redeem(user, backupCode, now);
        switch (redemption.outcome()) {
            case ACCEPTED -> {
                user.lastVerifiedAt = now;
                user.totpAttempts.reset();
                user.recoveryAttempts.reset();
                events.add(AuditEvent.Type.RECOVERED);
                if (redemption.remaining() <= policy.backupCodesLow) {
                    events.add(AuditEvent.Type.BACKUP_CODES_LOW);
                }
                return Checked.ok(new Recovery(user.userId, true, AuditTrail.BACKUP_CODE, redemption.remaining()));
            }
            case USED -> {
                events.add(AuditEvent.Type.REPLAYED);
                return Checked.failed(ProblemType.CODE_ALREADY_USED, "this backup code was used already");
            }
            default -> {
                fail(user, user.recoveryAttempts, now, events);
                return Checked.failed(ProblemType.INVALID_CODE, "the backup code is not valid for this user");
            }
        }
    }

    /** Why no code may be checked at all: a suspended or disabled user, or a lock. Null when one may. */
    private static <T> Checked<T> refusal(UserAccount user, Attempts attempts, Instant now, List<AuditEvent.Type> events) {
        if (user.suspended) {
            events.add(AuditEvent.Type.REFUSED);
            return Checked.failed(ProblemType.USER_SUSPENDED,
                    "sign-ins with a second factor are suspended for this user; a helpdesk can resume them");
        }
        if (user.state == UserAccount.State.DISABLED) {
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

    private void fail(UserAccount user, Attempts attempts, Instant now, List<AuditEvent.Type> events) {
        events.add(AuditEvent.Type.REJECTED);
        if (attempts.fail(policy.lockout, now)) {
            user.state = UserAccount.State.DISABLED;
            events.add(AuditEvent.Type.DISABLED);
        } else if (attempts.lockedUntil != null) {
            events.add(AuditEvent.Type.LOCKED);
        }
    }
}
