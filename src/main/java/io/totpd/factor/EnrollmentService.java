package io.totpd.factor;

import io.totpd.factor.Api.Activation;
import io.totpd.audit.AuditEvent;
import io.totpd.audit.AuditTrail;
import io.totpd.caller.CurrentCaller;
import io.totpd.http.ProblemType;
import io.totpd.otp.Base32;
import io.totpd.otp.KeyUri;
import io.totpd.otp.Secrets;
import io.totpd.otp.Totp;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/** Enrollment: a new secret, its QR code, and the first code that turns it into the user's factor. */
@ApplicationScoped
public class EnrollmentService {

    private final EnrollmentRepository enrollments;
    private final FactorRepository factors;
    private final BackupCodeService backupCodes;
    private final SealedSecrets secrets;
    private final FactorPolicy policy;
    private final CurrentCaller caller;
    private final QrLinks qrLinks;
    private final AuditTrail audit;

    EnrollmentService(EnrollmentRepository enrollments, FactorRepository factors, BackupCodeService backupCodes,
            SealedSecrets secrets, FactorPolicy policy,
            CurrentCaller caller, QrLinks qrLinks, AuditTrail audit) {
        this.enrollments = enrollments;
        this.factors = factors;
        this.backupCodes = backupCodes;
        this.secrets = secrets;
        this.policy = policy;
        this.caller = caller;
        this.qrLinks = qrLinks;
        this.audit = audit;
    }

    /**
     * Starts, or restarts, a pending enrollment with a new secret. A user with an active factor gets
     * one only as a replacement, which leaves the active factor working until it is activated.
     */
    @Transactional
    public Api.Enrollment enroll(String userId, String accountName, boolean replace) {
        String account = accountName == null ? userId : accountName;
        if (!policy.fitsQrCode(account)) {
            throw ProblemType.INVALID_REQUEST.exception("accountName: too long for a QR code that phone cameras read "
                    + "(in the otpauth URI a non-ASCII character takes 6 to 12 characters); use a shorter one");
        }
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
        Instant now = policy.now();
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
                // Flushed here so that a concurrent first enrollment of the same user fails inside this
                // method, as a conflict, not at commit.
                enrollments.persistAndFlush(enrollment);
            }
            String base32 = Base32.encode(secret);
            return new Api.Enrollment(userId, base32, Base32.grouped(base32), keyUri(enrollment, base32),
                    qrLinks.path(enrollment), enrollment.expiresAt, totp.algorithm().name(), totp.digits(),
                    (int) totp.periodSeconds());
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
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
     */
    @Transactional
    public Checked<Activation> activate(String userId, String code) {
        Enrollment enrollment = enrollments.lockByUser(caller.tenant(), userId);
        if (enrollment == null) {
            Factor factor = factors.findByUser(caller.tenant(), userId);
            return factor != null && factor.state == Factor.State.ACTIVE
                    ? Checked.failed(ProblemType.FACTOR_ALREADY_ACTIVE, "this user's factor is already active")
                    : Checked.failed(ProblemType.ENROLLMENT_NOT_FOUND, "this user has no pending enrollment");
        }
        Instant now = policy.now();
        if (!now.isBefore(enrollment.expiresAt)) {
            return Checked.failed(ProblemType.ENROLLMENT_EXPIRED, "the enrollment expired; enroll again");
        }
        Totp totp = enrollment.secret.totp();
        if (code.length() != totp.digits()) {
            return Checked.failed(ProblemType.INVALID_REQUEST, Codes.wrongLength(totp));
        }
        long currentStep = totp.step(now);
        byte[] secret = secrets.open(enrollment);
        try {
            Totp.Check check = totp.check(secret, code, currentStep, 0, null);
            if (!check.accepted()) {
                audit.record(userId, AuditEvent.Type.REJECTED, "totp");
                return Checked.failed(ProblemType.INVALID_CODE, "the code does not match the pending secret");
            }
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
            secrets.seal(factor, secret);
            factor.activatedAt = now;
            factor.lastVerifiedAt = null;
            factor.lastStep = check.step();
            factor.driftSteps = policy.drift(check.step(), currentStep);
            factor.totpAttempts.reset();
            factor.recoveryAttempts.reset();
            if (isNew) {
                factors.persist(factor);
            }
            enrollments.delete(enrollment);
            List<String> codes = backupCodes.issue(factor, now);
            return Checked.ok(new Activation(userId, "active", now, codes));
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
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
