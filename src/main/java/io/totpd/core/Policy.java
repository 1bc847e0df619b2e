package io.totpd.core;

import io.quarkus.runtime.Startup;
import io.totpd.TotpdConfig;
import io.totpd.otp.Base32;
import io.totpd.otp.KeyUri;
import io.totpd.otp.Secrets;
import io.totpd.otp.Totp;
import io.totpd.qr.QrCodes;
import io.totpd.recovery.Argon2id;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The settings every use case shares, checked once at start-up: a service that could not enroll,
 * lock or hash correctly should not start at all.
 */
@Singleton
@Startup
public class Policy {

    /** Api.USER_ID allows 128 characters; '@' percent-encodes to three, the most any of them takes. */
    private static final int LONGEST_USER_ID = 128;
    private static final String BLANK_SECRET = Base32.encode(new byte[Secrets.BYTES]);

    public final String issuer;
    public final Totp enrollmentTotp;
    public final Duration enrollmentLifetime;
    public final int maxDriftSteps;
    public final Lockout lockout;
    public final Argon2id argon2;
    public final int maxAuthenticators;
    public final int backupCodesLow;
    private final Clock clock;

    Policy(TotpdConfig config, Clock clock) {
        this.clock = clock;
        this.issuer = config.issuer();
        KeyUri.requireLabelPart("issuer (totpd.issuer)", issuer);
        this.enrollmentTotp = new Totp(config.totp().algorithm(), config.totp().digits(), config.totp().period());
        // The user id is the default account name, so every user id must fit beside the issuer.
        if (!fitsQrCode("@".repeat(LONGEST_USER_ID))) {
            throw new IllegalArgumentException("totpd.issuer is too long: with it, the otpauth URI of a user id of "
                    + LONGEST_USER_ID + " characters does not fit a QR code that phone cameras read; use a shorter issuer");
        }
        this.enrollmentLifetime = config.enrollment().lifetime();
        this.maxDriftSteps = config.totp().maxDriftSteps();
        if (maxDriftSteps < Totp.WINDOW || maxDriftSteps > 10) {
            throw new IllegalArgumentException("totpd.totp.max-drift-steps must be 1 to 10");
        }
        this.lockout = new Lockout(config.lockout().lockAfterFailures(), config.lockout().firstLock(),
                config.lockout().maxLock(), config.lockout().disableAfterFailures());
        this.maxAuthenticators = config.authenticators().maxPerUser();
        if (maxAuthenticators < 1 || maxAuthenticators > 100) {
            throw new IllegalArgumentException("totpd.authenticators.max-per-user must be 1 to 100");
        }
        this.backupCodesLow = config.backupCodes().lowThreshold();
        this.argon2 = new Argon2id(config.backupCodes().argon2MemoryKib(), config.backupCodes().argon2Iterations(),
                config.backupCodes().argon2Parallelism());
    }

    /**
     * Whether an enrollment of this account name, with this issuer and TOTP settings, makes an
     * otpauth URI that a QR code phone cameras read can hold (see {@link QrCodes}). Every secret has
     * the same length, so a blank one of that length stands in for it.
     */
    public boolean fitsQrCode(String accountName) {
        return QrCodes.readable(KeyUri.totp(issuer, accountName, BLANK_SECRET, enrollmentTotp));
    }

    public Instant now() {
        // PostgreSQL keeps microseconds; milliseconds keep every timestamp the API returns stable.
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }

    /**
     * Where the next window is centred: the offset of the step that just matched, held close enough
     * to server time that no step of the window is more than {@code maxDriftSteps} away from it.
     */
    public short drift(long matchedStep, long currentStep) {
        int bound = maxDriftSteps - Totp.WINDOW;
        return (short) Math.max(-bound, Math.min(bound, matchedStep - currentStep));
    }
}
