package io.totpd.factor;

import io.totpd.TotpdConfig;
import io.totpd.crypto.Aead;
import io.totpd.factor.Api.Activation;
import io.totpd.factor.Api.Enrollment;
import io.totpd.factor.Api.UserStatus;
import io.totpd.factor.Api.Verification;
import io.totpd.factor.Factor.State;
import io.totpd.http.ProblemType;
import io.totpd.otp.Base32;
import io.totpd.otp.KeyUri;
import io.totpd.otp.Secrets;
import io.totpd.otp.Totp;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/** The life of a factor: enroll, activate, verify, look up, delete. */
@ApplicationScoped
@Startup
public class FactorService {

    /** Until callers carry tenants, every user lives in this one. */
    static final String TENANT = "default";

    private final FactorRepository factors;
    private final Aead aead;
    private final Clock clock;
    private final TotpdConfig config;
    private final Totp enrollmentTotp;

    /** Checks the TOTP settings at start-up: a service that cannot enroll should not start. */
    FactorService(FactorRepository factors, Aead aead, Clock clock, TotpdConfig config) {
        this.factors = factors;
        this.aead = aead;
        this.clock = clock;
        this.config = config;
        this.enrollmentTotp = new Totp(config.totp().algorithm(), config.totp().digits(), config.totp().period());
        KeyUri.requireLabelPart("issuer (totpd.issuer)", config.issuer());
    }

    /** Starts, or restarts, a pending enrollment with a new secret. */
    @Transactional
    public Enrollment enroll(String userId, String accountName) {
        Factor factor = factors.lockByUser(TENANT, userId);
        if (factor != null && factor.state == State.ACTIVE) {
            throw ProblemType.FACTOR_ALREADY_ACTIVE.exception("this user has an active factor; delete it to enroll again");
        }
        if (factor == null) {
            factor = new Factor();
            factor.id = UUID.randomUUID();
            factor.tenant = TENANT;
            factor.userId = userId;
        }
        Instant now = now();
        factor.state = State.PENDING;
        factor.accountName = accountName == null ? userId : accountName;
        factor.algorithm = enrollmentTotp.algorithm();
        factor.digits = (short) enrollmentTotp.digits();
        factor.periodSeconds = (int) enrollmentTotp.periodSeconds();
        factor.createdAt = now;
        factor.enrollmentExpiresAt = now.plus(config.enrollment().lifetime());
        factor.activatedAt = null;
        factor.lastVerifiedAt = null;
        factor.lastStep = null;

        byte[] secret = Secrets.generate();
        try {
            Aead.Sealed sealed = aead.encrypt(secret, associatedData(factor));
            factor.secretKeyId = sealed.keyId();
            factor.secretCiphertext = sealed.ciphertext();
            // Flushed here so that a concurrent first enrollment of the same user fails inside this
            // method, as a conflict, not at commit.
            factors.persistAndFlush(factor);
            String base32 = Base32.encode(secret);
            return new Enrollment(userId, base32, Base32.grouped(base32), keyUri(factor, base32),
                    "/enroll/" + userId + "/qr.png", factor.enrollmentExpiresAt, enrollmentTotp.algorithm().name(),
                    factor.digits, factor.periodSeconds);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** The otpauth URI of a pending enrollment, for its QR code; never once the factor is active. */
    public String pendingKeyUri(String userId) {
        Factor factor = factors.findByUser(TENANT, userId);
        if (factor == null || factor.state != State.PENDING) {
            throw ProblemType.ENROLLMENT_NOT_FOUND.exception("this user has no pending enrollment");
        }
        if (!now().isBefore(factor.enrollmentExpiresAt)) {
            throw ProblemType.ENROLLMENT_EXPIRED.exception("the enrollment expired; enroll again");
        }
        byte[] secret = secretOf(factor);
        try {
            return keyUri(factor, Base32.encode(secret));
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** Confirms a pending enrollment with its first code; that code's step counts as used. */
    @Transactional
    public Checked<Activation> activate(String userId, String code) {
        Factor factor = factors.lockByUser(TENANT, userId);
        if (factor == null) {
            return Checked.failed(ProblemType.ENROLLMENT_NOT_FOUND, "this user has no pending enrollment");
        }
        if (factor.state == State.ACTIVE) {
            return Checked.failed(ProblemType.FACTOR_ALREADY_ACTIVE, "this user's factor is already active");
        }
        Instant now = now();
        if (!now.isBefore(factor.enrollmentExpiresAt)) {
            return Checked.failed(ProblemType.ENROLLMENT_EXPIRED, "the enrollment expired; enroll again");
        }
        Totp.Check check = check(factor, code, now);
        if (!check.accepted()) {
            return Checked.failed(ProblemType.INVALID_CODE, "the code does not match the pending secret");
        }
        factor.state = State.ACTIVE;
        factor.activatedAt = now;
        factor.enrollmentExpiresAt = null;
        factor.lastStep = check.step();
        return Checked.ok(new Activation(userId, "active", now));
    }

    /** The hot path: one read, and one conditional write only when the code is right. */
    @Transactional
    public Checked<Verification> verify(String userId, String code) {
        Factor factor = factors.findByUser(TENANT, userId);
        if (factor == null || factor.state != State.ACTIVE) {
            return Checked.failed(ProblemType.FACTOR_NOT_FOUND, "this user has no active factor");
        }
        Instant now = now();
        Totp.Check check = check(factor, code, now);
        boolean accepted = switch (check.outcome()) {
            case ACCEPTED -> factors.markStepUsed(factor.id, check.step(), now);
            case REPLAYED, INVALID -> false;
        };
        if (accepted) {
            return Checked.ok(new Verification(userId, true, "totp"));
        }
        if (check.outcome() == Totp.Check.Outcome.INVALID) {
            return Checked.failed(ProblemType.INVALID_CODE, "the code is not valid for this user now");
        }
        return Checked.failed(ProblemType.CODE_ALREADY_USED,
                "a code of this time step or a later one was accepted already; wait for the next code");
    }

    public Optional<UserStatus> status(String userId) {
        return Optional.ofNullable(factors.findByUser(TENANT, userId))
                .map(f -> new UserStatus(f.userId, f.state.name().toLowerCase(Locale.ROOT), f.createdAt, f.activatedAt,
                        f.lastVerifiedAt));
    }

    @Transactional
    public boolean delete(String userId) {
        return factors.deleteByUser(TENANT, userId);
    }

    private Totp.Check check(Factor factor, String code, Instant now) {
        Totp totp = new Totp(factor.algorithm, factor.digits, Duration.ofSeconds(factor.periodSeconds));
        byte[] secret = secretOf(factor);
        try {
            return totp.check(secret, code, totp.step(now), factor.lastStep);
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    private String keyUri(Factor factor, String base32Secret) {
        Totp totp = new Totp(factor.algorithm, factor.digits, Duration.ofSeconds(factor.periodSeconds));
        return KeyUri.totp(config.issuer(), factor.accountName, base32Secret, totp);
    }

    private byte[] secretOf(Factor factor) {
        return aead.decrypt(new Aead.Sealed(factor.secretKeyId, factor.secretCiphertext), associatedData(factor));
    }

    /** Binds a ciphertext to its row: length-prefixed so that no two rows can share an encoding. */
    static byte[] associatedData(Factor factor) {
        byte[][] parts = {"totpd.factor.v1".getBytes(StandardCharsets.UTF_8), factor.tenant.getBytes(StandardCharsets.UTF_8),
                factor.userId.getBytes(StandardCharsets.UTF_8), factor.id.toString().getBytes(StandardCharsets.UTF_8)};
        ByteBuffer buffer = ByteBuffer.allocate(Arrays.stream(parts).mapToInt(p -> Integer.BYTES + p.length).sum());
        for (byte[] part : parts) {
            buffer.putInt(part.length).put(part);
        }
        return buffer.array();
    }

    private Instant now() {
        // PostgreSQL keeps microseconds; milliseconds keep every timestamp the API returns stable.
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
