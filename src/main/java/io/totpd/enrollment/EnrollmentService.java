package io.totpd.enrollment;

import io.totpd.api.Api;
import io.totpd.api.Codes;
import io.totpd.audit.AuditEvent;
import io.totpd.audit.AuditTrail;
import io.totpd.caller.CurrentCaller;
import io.totpd.core.Authenticator;
import io.totpd.core.Authenticators;
import io.totpd.core.Checked;
import io.totpd.core.Policy;
import io.totpd.core.SealedSecrets;
import io.totpd.core.TotpSecret;
import io.totpd.core.UserAccount;
import io.totpd.core.UserAccounts;
import io.totpd.db.Transactions;
import io.totpd.db.UserLock;
import io.totpd.problem.ProblemType;
import io.totpd.quota.TenantCaps;
import io.totpd.otp.Base32;
import io.totpd.otp.KeyUri;
import io.totpd.otp.Secrets;
import io.totpd.otp.Totp;
import io.totpd.recovery.BackupCodeService;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.BiFunction;

/**
 * Adding an authenticator: a new secret, its QR code, and the first code that activates it. Every
 * change is decided under the user's lock ({@link UserLock}), so two adds, or an add and an
 * activation, take turns and each sees what the other committed.
 *
 * <p>Two ways in. {@code POST /users/{userId}/authenticators} adds one more named authenticator beside
 * the user's others. {@code POST /enroll}, the original call, keeps its promise: it makes the user's one
 * pending enrollment (made again with a new secret when called again), and its activation leaves it
 * the user's only authenticator; it is refused for a user who already has an active one unless it
 * is a replacement ({@code "replace": true}).
 */
@ApplicationScoped
public class EnrollmentService {

    private final UserAccounts users;
    private final Authenticators authenticators;
    private final BackupCodeService backupCodes;
    private final SealedSecrets secrets;
    private final Policy policy;
    private final CurrentCaller caller;
    private final QrLinks qrLinks;
    private final AuditTrail audit;
    private final Transactions transactions;
    private final UserLock userLock;
    private final TenantCaps tenantCaps;

    EnrollmentService(UserAccounts users, Authenticators authenticators, BackupCodeService backupCodes,
            SealedSecrets secrets, Policy policy, CurrentCaller caller, QrLinks qrLinks, AuditTrail audit,
            Transactions transactions, UserLock userLock, TenantCaps tenantCaps) {
        this.users = users;
        this.authenticators = authenticators;
        this.backupCodes = backupCodes;
        this.secrets = secrets;
        this.policy = policy;
        this.caller = caller;
        this.qrLinks = qrLinks;
        this.audit = audit;
        this.transactions = transactions;
        this.userLock = userLock;
        this.tenantCaps = tenantCaps;
    }

    /** A new pending secret with everything an app needs to take it on; shown once. */
    public record Pending(Authenticator authenticator, String secret, String keyUri, String qrCodeUrl) {
    }

    /**
     * {@code POST /enroll}: starts, or restarts with a new secret, the user's pending enrollment.
     *
     * @throws io.totpd.problem.ProblemException 409 {@code factor-already-active} for a user with an active,
     *     usable authenticator unless {@code replace}; 409 {@code quota-exceeded} when a new or expired
     *     enrollment would pass one of the tenant's caps; 400 for an account name too long for a QR code
     */
    public Pending enroll(String userId, String accountName, boolean replace) {
        String account = accountName(userId, accountName);
        Instant now = policy.now();
        return transactions.write(() -> {
            UserAccount user = lockOrCreate(userId, now);
            List<Authenticator> all = authenticators.list(user.id);
            boolean usable = user.state == UserAccount.State.ACTIVE && Target.anyActive(all);
            if (usable && !replace) {
                throw ProblemType.FACTOR_ALREADY_ACTIVE.exception(
                        "this user has an active factor; send \"replace\": true to enroll a new phone, or delete it first");
            }
            Authenticator enrollment = Target.enrollment(user, all).authenticator();
            boolean isNew = enrollment == null;
            if (isNew || enrollment.expiredAt(now)) {
                // Made again while still pending, an enrollment only moves its expiry: it counts already.
                tenantCaps.admit(caller.tenant(), isNew ? 1 : 0, 1, now);
            }
            if (isNew) {
                enrollment = newPending(user, Authenticator.DEFAULT_NAME, account, now);
                enrollment.replacesOthers = true;
            } else {
                restart(enrollment, account, now);
            }
            return seal(enrollment, isNew, AuditEvent.Type.ENROLLED, now);
        });
    }

    /**
     * {@code POST /users/{userId}/authenticators}: one more pending authenticator beside the user's others.
     *
     * @throws io.totpd.problem.ProblemException 409 {@code too-many-authenticators} at the configured limit
     *     ({@code totpd.authenticators.max-per-user}, pending and active together); 409 {@code name-taken};
     *     409 {@code quota-exceeded} at one of the tenant's caps
     */
    public Pending add(String userId, String name, String accountName) {
        String account = accountName(userId, accountName);
        String chosen = name == null ? Authenticator.DEFAULT_NAME : name;
        Instant now = policy.now();
        return transactions.write(() -> {
            UserAccount user = lockOrCreate(userId, now);
            authenticators.deleteExpired(user.id, now);
            List<Authenticator> others = authenticators.list(user.id).stream().filter(a -> !a.replacesOthers).toList();
            if (others.size() >= policy.maxAuthenticators) {
                throw ProblemType.TOO_MANY_AUTHENTICATORS.exception("this user has " + others.size()
                        + " authenticators, the most allowed; remove one first");
            }
            Authenticator.requireFreeName(others, chosen, null);
            tenantCaps.admit(caller.tenant(), 1, 1, now);
            return seal(newPending(user, chosen, account, now), true, AuditEvent.Type.AUTHENTICATOR_ADDED, now);
        });
    }

    /** Generates the secret, seals it into the row, writes the row and its event, and returns it once in clear. */
    private Pending seal(Authenticator pending, boolean isNew, AuditEvent.Type event, Instant now) {
        byte[] secret = Secrets.generate();
        try {
            secrets.seal(pending, secret);
            if (isNew) {
                authenticators.insert(pending);
            } else {
                authenticators.update(pending);
            }
            audit.record(pending.userId, pending.id, event, now);
            String base32 = Base32.encode(secret);
            return new Pending(pending, base32, keyUri(pending, base32), qrLinks.path(pending));
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /**
     * {@code POST /activate}: confirms the user's pending enrollment with its first code; it becomes the
     * user's only authenticator, and a new set of backup codes replaces the old.
     */
    public Checked<Api.Activation> activate(String userId, String code) {
        return activate(userId, code, Target::enrollment, true)
                .map(a -> new Api.Activation(userId, "active", a.authenticator().activatedAt, a.backupCodes()));
    }

    /**
     * {@code POST /users/{userId}/authenticators/{id}/activate}: confirms one pending authenticator with
     * its first code. Backup codes come with the user's first active authenticator only.
     */
    public Checked<Api.AuthenticatorActivation> activate(String userId, UUID authenticatorId, String code) {
        return activate(userId, code, (user, all) -> Target.byId(authenticatorId, user, all), false)
                .map(a -> new Api.AuthenticatorActivation(a.authenticator().id, a.authenticator().name, "active",
                        a.authenticator().activatedAt, a.backupCodes()));
    }

    /** An activated authenticator, with the backup codes issued with it (null when none were). */
    private record Activated(Authenticator authenticator, List<String> backupCodes) {
    }

    /**
     * The code is first checked without a lock; only a right one pays for hashing new backup codes (in
     * the {@link io.totpd.recovery.HashingBulkhead}), and that happens before the transaction, so no
     * lock is held while hashing. The transaction then takes the user's lock and decides again on what
     * is committed by then: an enrollment made again in between is judged on its own secret.
     */
    private Checked<Activated> activate(String userId, String code, BiFunction<UserAccount, List<Authenticator>, Target> select,
            boolean legacy) {
        Instant now = policy.now();
        Target first = transactions.read(() -> target(userId, select));
        Checked<Long> right = first.check(code, now, this);
        BackupCodeService.NewSet codes = right.failure() == null && first.needsBackupCodes() ? backupCodes.prepare() : null;
        return transactions.write(() -> {
            userLock.lock(caller.tenant(), userId);
            Target target = target(userId, select);
            Checked<Long> checked = target.check(code, now, this);
            if (checked.failure() != null) {
                if (checked.failure().type() == ProblemType.INVALID_CODE) {
                    audit.record(userId, target.authenticator().id, AuditEvent.Type.REJECTED, AuditTrail.TOTP, now);
                }
                return Checked.failed(checked.failure());
            }
            if (target.needsBackupCodes() && codes == null) {
                // Wrong for what was read first, right for what replaced it since: rare enough to ask again.
                return Checked.conflict("the enrollment changed while it was being activated; retry");
            }
            return Checked.ok(activate(target, checked.value(), now, codes, legacy));
        });
    }

    private Target target(String userId, BiFunction<UserAccount, List<Authenticator>, Target> select) {
        UserAccount user = users.find(caller.tenant(), userId);
        return select.apply(user, user == null ? List.of() : authenticators.list(user.id));
    }

    /** Makes a checked pending authenticator active; the caller holds the user's lock. */
    private Activated activate(Target target, long matchedStep, Instant now, BackupCodeService.NewSet codes, boolean legacy) {
        Authenticator pending = target.authenticator();
        UserAccount user = target.user();
        Totp totp = pending.secret.totp();
        boolean replaced = pending.replacesOthers && target.hasActive();
        byte[] secret = secrets.open(pending);
        try {
            pending.state = Authenticator.State.ACTIVE;
            // Bound anew as active, so a pending ciphertext never opens as an active one.
            secrets.seal(pending, secret);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
        if (pending.replacesOthers) {
            authenticators.deleteOthers(user.id, pending.id);
            pending.replacesOthers = false;
            // A new phone for the old ones: the status's last sign-in was with a secret that is gone.
            user.lastVerifiedAt = null;
            user.lastAuthenticatorId = null;
            user.lastAuthenticatorUsedAt = null;
        }
        if (user.replayMark == null) {
            // Nothing was ever activated: the status's createdAt is when the user's first authenticator was.
            user.createdAt = now;
        }
        pending.expiresAt = null;
        pending.activatedAt = now;
        pending.driftSteps = policy.drift(matchedStep, totp.step(now));
        authenticators.update(pending);
        user.markUsed(matchedStep, totp.periodSeconds());
        if (replaced || user.state == UserAccount.State.DISABLED || !target.hasActive()) {
            // A new secret, or a user disabled by failures bound to a new device (NIST SP 800-63B 6.1.2.3): a clean slate.
            user.state = UserAccount.State.ACTIVE;
            user.totpAttempts.reset();
            user.recoveryAttempts.reset();
        }
        users.update(user);
        audit.record(user.userId, pending.id, replaced ? AuditEvent.Type.REPLACED : AuditEvent.Type.ACTIVATED, now);
        List<String> issued = codes == null ? null : backupCodes.store(user, codes, now);
        return new Activated(pending, issued);
    }

    /** The step {@code code} matches in a pending authenticator, judged on its own window alone. */
    Checked<Long> firstCode(Authenticator pending, String code, Instant now) {
        Totp totp = pending.secret.totp();
        if (code.length() != totp.digits()) {
            return Checked.failed(ProblemType.INVALID_REQUEST, Codes.wrongLength(totp));
        }
        byte[] secret = secrets.open(pending);
        try {
            Totp.Check check = totp.check(secret, code, totp.step(now), 0, null);
            return check.accepted() ? Checked.ok(check.step())
                    : Checked.failed(ProblemType.INVALID_CODE, "the code does not match the pending secret");
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** The otpauth URI of the user's pending enrollment ({@code POST /enroll}), for its QR code. */
    public String pendingKeyUri(String userId) {
        Instant now = policy.now();
        return keyUri(transactions.read(() -> target(userId, Target::enrollment)).pending(now));
    }

    /** The otpauth URI of one pending authenticator, for its QR code; 404 once it is active. */
    public String pendingKeyUri(String userId, UUID authenticatorId) {
        Instant now = policy.now();
        return keyUri(transactions.read(() -> target(userId, (user, all) -> Target.byId(authenticatorId, user, all))).pending(now));
    }

    /**
     * The otpauth URI behind a signed QR link, which needs no caller. Whatever is wrong with the link
     * (forged, expired, enrolled again, activated) the answer is the same 404, so it tells nothing.
     */
    public String linkedKeyUri(String token) {
        Instant now = policy.now();
        Authenticator pending = qrLinks.authenticatorId(token)
                .map(id -> transactions.read(() -> authenticators.findById(id))).orElse(null);
        if (pending == null || pending.state != Authenticator.State.PENDING || !qrLinks.isValid(token, pending, now)) {
            throw ProblemType.NOT_FOUND.exception("no such QR code");
        }
        return keyUri(pending);
    }

    private String accountName(String userId, String accountName) {
        String account = accountName == null ? userId : accountName;
        if (!policy.fitsQrCode(account)) {
            throw ProblemType.INVALID_REQUEST.exception("accountName: too long for a QR code that phone cameras read "
                    + "(in the otpauth URI a non-ASCII character takes 6 to 12 characters); use a shorter one");
        }
        return account;
    }

    private UserAccount lockOrCreate(String userId, Instant now) {
        userLock.lock(caller.tenant(), userId);
        UserAccount user = users.find(caller.tenant(), userId);
        if (user == null) {
            user = UserAccount.create(caller.tenant(), userId, now);
            users.insert(user);
        }
        return user;
    }

    private Authenticator newPending(UserAccount user, String name, String accountName, Instant now) {
        Authenticator pending = Authenticator.newOf(user, name);
        pending.state = Authenticator.State.PENDING;
        restart(pending, accountName, now);
        return pending;
    }

    /** A new secret's parameters and lifetime; the secret itself is sealed in by {@link #seal}. */
    private void restart(Authenticator pending, String accountName, Instant now) {
        pending.accountName = accountName;
        pending.secret = TotpSecret.withParametersOf(policy.enrollmentTotp);
        pending.createdAt = now;
        pending.expiresAt = now.plus(policy.enrollmentLifetime);
    }

    private String keyUri(Authenticator pending) {
        byte[] secret = secrets.open(pending);
        try {
            return keyUri(pending, Base32.encode(secret));
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    private String keyUri(Authenticator pending, String base32Secret) {
        return KeyUri.totp(policy.issuer, pending.accountName, base32Secret, pending.secret.totp());
    }
}
