package io.totpd.enrollment;

import io.totpd.api.Api;
import io.totpd.api.Codes;
import io.totpd.core.Checked;
import io.totpd.core.Enrollment;
import io.totpd.core.EnrollmentRepository;
import io.totpd.core.Factor;
import io.totpd.core.Policy;
import io.totpd.core.FactorRepository;
import io.totpd.core.SealedSecrets;
import io.totpd.core.TotpSecret;
import io.totpd.recovery.BackupCodeService;
import io.totpd.api.Api.Activation;
import io.totpd.audit.AuditEvent;
import io.totpd.audit.AuditTrail;
import io.totpd.caller.CurrentCaller;
import io.totpd.db.Transactions;
import io.totpd.db.UserLock;
import io.totpd.http.ProblemType;
import io.totpd.otp.Base32;
import io.totpd.otp.KeyUri;
import io.totpd.otp.Secrets;
import io.totpd.otp.Totp;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Arrays;
import java.util.UUID;

/** Enrollment: a new secret, its QR code, and the first code that turns it into the user's factor. */
@ApplicationScoped
public class EnrollmentService {

    private final EnrollmentRepository enrollments;
    private final FactorRepository factors;
    private final BackupCodeService backupCodes;
    private final SealedSecrets secrets;
    private final Policy policy;
    private final CurrentCaller caller;
    private final QrLinks qrLinks;
    private final AuditTrail audit;
    private final Transactions transactions;
    private final UserLock userLock;

    EnrollmentService(EnrollmentRepository enrollments, FactorRepository factors, BackupCodeService backupCodes,
            SealedSecrets secrets, Policy policy, CurrentCaller caller, QrLinks qrLinks, AuditTrail audit,
            Transactions transactions, UserLock userLock) {
        this.enrollments = enrollments;
        this.factors = factors;
        this.backupCodes = backupCodes;
        this.secrets = secrets;
        this.policy = policy;
        this.caller = caller;
        this.qrLinks = qrLinks;
        this.audit = audit;
        this.transactions = transactions;
        this.userLock = userLock;
    }

    /**
     * Starts, or restarts, a pending enrollment with a new secret. A user with an active factor gets
     * one only as a replacement, which leaves the active factor working until it is activated. Decided
     * under the user's lock, so an activation racing this call is either seen or waited for.
     */
    public Api.Enrollment enroll(String userId, String accountName, boolean replace) {
        String account = accountName == null ? userId : accountName;
        if (!policy.fitsQrCode(account)) {
            throw ProblemType.INVALID_REQUEST.exception("accountName: too long for a QR code that phone cameras read "
                    + "(in the otpauth URI a non-ASCII character takes 6 to 12 characters); use a shorter one");
        }
        Instant now = policy.now();
        return transactions.write(() -> {
            userLock.lock(caller.tenant(), userId);
            Factor factor = factors.findByUser(caller.tenant(), userId);
            if (factor != null && factor.state == Factor.State.ACTIVE && !replace) {
                throw ProblemType.FACTOR_ALREADY_ACTIVE.exception(
                        "this user has an active factor; send \"replace\": true to enroll a new phone, or delete it first");
            }
            Enrollment enrollment = enrollments.lockByUser(caller.tenant(), userId);
            boolean isNew = enrollment == null;
            if (isNew) {
                enrollment = new Enrollment();
                enrollment.id = UUID.randomUUID();
                enrollment.tenant = caller.tenant();
                enrollment.userId = userId;
            }
            Totp totp = policy.enrollmentTotp;
            enrollment.accountName = account;
            enrollment.secret = TotpSecret.withParametersOf(totp);
            enrollment.createdAt = now;
            enrollment.expiresAt = now.plus(policy.enrollmentLifetime);

            byte[] secret = Secrets.generate();
            try {
                secrets.seal(enrollment, secret);
                audit.record(userId, AuditEvent.Type.ENROLLED);
                if (isNew) {
                    enrollments.persist(enrollment);
                }
                String base32 = Base32.encode(secret);
                return new Api.Enrollment(userId, base32, Base32.grouped(base32), keyUri(enrollment, base32),
                        qrLinks.path(enrollment), enrollment.expiresAt, totp.algorithm().name(), totp.digits(),
                        (int) totp.periodSeconds());
            } finally {
                Arrays.fill(secret, (byte) 0);
            }
        });
    }

    /** The otpauth URI of a pending enrollment, for its QR code; gone once it is activated. */
    public String pendingKeyUri(String userId) {
        Enrollment enrollment = enrollments.findByUser(caller.tenant(), userId);
        if (enrollment == null) {
            throw ProblemType.ENROLLMENT_NOT_FOUND.exception("this user has no pending enrollment");
        }
        if (!policy.now().isBefore(enrollment.expiresAt)) {
            throw ProblemType.ENROLLMENT_EXPIRED.exception("the enrollment expired; enroll again");
        }
        return keyUri(enrollment);
    }

    /**
     * The otpauth URI behind a signed QR link, which needs no caller. Whatever is wrong with the link
     * (forged, expired, re-enrolled, activated) the answer is the same 404, so it tells nothing.
     */
    public String linkedKeyUri(String token) {
        Enrollment enrollment = qrLinks.enrollmentId(token).map(enrollments::findById).orElse(null);
        if (enrollment == null || !qrLinks.isValid(token, enrollment, policy.now())) {
            throw ProblemType.NOT_FOUND.exception("no such QR code");
        }
        return keyUri(enrollment);
    }

    /**
     * Confirms a pending enrollment with its first code and makes it the user's factor, replacing any
     * previous one in the same transaction. The code's step counts as used, and a new set of backup
     * codes replaces the old.
     *
     * <p>The code is first checked without a lock; only a right one pays for hashing the new backup
     * codes (in the {@link HashingBulkhead}), and that happens before the transaction, so no lock is
     * held while hashing. The transaction then takes the user's lock and decides again on what is
     * committed by then: an enrollment replaced in between is judged on its own secret.
     */
    public Checked<Activation> activate(String userId, String code) {
        Instant now = policy.now();
        boolean right = transactions.read(() -> check(userId, enrollments.findByUser(caller.tenant(), userId), code, now))
                .failure() == null;
        BackupCodeService.NewSet codes = right ? backupCodes.prepare() : null;
        return transactions.write(() -> {
            userLock.lock(caller.tenant(), userId);
            Enrollment enrollment = enrollments.lockByUser(caller.tenant(), userId);
            Checked<Long> checked = check(userId, enrollment, code, now);
            if (checked.failure() != null) {
                if (checked.failure().type() == ProblemType.INVALID_CODE) {
                    audit.record(userId, AuditEvent.Type.REJECTED, "totp");
                }
                return new Checked<>(null, checked.failure());
            }
            if (codes == null) {
                // Wrong for the enrollment read first, right for one that replaced it since: rare enough to ask again.
                return Checked.conflict("the enrollment changed while it was being activated; retry");
            }
            return Checked.ok(activate(enrollment, checked.value(), now, codes));
        });
    }

    /** The step {@code code} matches in the user's pending enrollment, or why it cannot activate it. */
    private Checked<Long> check(String userId, Enrollment enrollment, String code, Instant now) {
        if (enrollment == null) {
            Factor factor = factors.findByUser(caller.tenant(), userId);
            return factor != null && factor.state == Factor.State.ACTIVE
                    ? Checked.failed(ProblemType.FACTOR_ALREADY_ACTIVE, "this user's factor is already active")
                    : Checked.failed(ProblemType.ENROLLMENT_NOT_FOUND, "this user has no pending enrollment");
        }
        if (!now.isBefore(enrollment.expiresAt)) {
            return Checked.failed(ProblemType.ENROLLMENT_EXPIRED, "the enrollment expired; enroll again");
        }
        Totp totp = enrollment.secret.totp();
        if (code.length() != totp.digits()) {
            return Checked.failed(ProblemType.INVALID_REQUEST, Codes.wrongLength(totp));
        }
        byte[] secret = secrets.open(enrollment);
        try {
            Totp.Check check = totp.check(secret, code, totp.step(now), 0, null);
            return check.accepted() ? Checked.ok(check.step())
                    : Checked.failed(ProblemType.INVALID_CODE, "the code does not match the pending secret");
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** Turns a checked enrollment into the user's factor, new or replaced; the caller holds the user's lock. */
    private Activation activate(Enrollment enrollment, long matchedStep, Instant now, BackupCodeService.NewSet codes) {
        String userId = enrollment.userId;
        Totp totp = enrollment.secret.totp();
        Factor factor = factors.lockByUser(caller.tenant(), userId);
        boolean isNew = factor == null;
        audit.record(userId, isNew ? AuditEvent.Type.ACTIVATED : AuditEvent.Type.REPLACED);
        if (isNew) {
            factor = new Factor();
            factor.id = UUID.randomUUID();
            factor.tenant = caller.tenant();
            factor.userId = userId;
            factor.createdAt = now;
        }
        factor.state = Factor.State.ACTIVE;
        factor.secret = TotpSecret.withParametersOf(totp);
        byte[] secret = secrets.open(enrollment);
        try {
            secrets.seal(factor, secret);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
        factor.activatedAt = now;
        factor.lastVerifiedAt = null;
        factor.lastStep = matchedStep;
        factor.driftSteps = policy.drift(matchedStep, totp.step(now));
        factor.totpAttempts.reset();
        factor.recoveryAttempts.reset();
        if (isNew) {
            factors.persist(factor);
        }
        enrollments.delete(enrollment);
        return new Activation(userId, "active", now, backupCodes.store(factor, codes, now));
    }

    private String keyUri(Enrollment enrollment) {
        byte[] secret = secrets.open(enrollment);
        try {
            return keyUri(enrollment, Base32.encode(secret));
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    private String keyUri(Enrollment enrollment, String base32Secret) {
        return KeyUri.totp(policy.issuer, enrollment.accountName, base32Secret, enrollment.secret.totp());
    }
}
