package io.totpd.transfer;

import io.totpd.api.Api;
import io.totpd.core.Authenticator;
import io.totpd.otp.HmacAlgorithm;
import io.totpd.otp.Totp;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The one place where an imported authenticator is judged, whatever format it came in: what this
 * service can verify for years to come, and nothing it would verify wrongly.
 */
final class ImportEntries {

    /** RFC 4226 section 4 asks for at least 128 bits; fewer is accepted, marked weak. */
    static final int STRONG_BYTES = 16;
    /** 80 bits (16 Base32 characters) is what older systems issued; below it a key is guessable offline. */
    static final int MIN_BYTES = 10;
    /** No HMAC key needs more than a SHA-512 block. */
    static final int MAX_BYTES = 128;
    static final int MIN_PERIOD_SECONDS = 15;
    static final int MAX_PERIOD_SECONDS = 120;

    private static final Pattern USER_ID = Pattern.compile(Api.USER_ID);
    private static final Pattern NAME = Pattern.compile(Api.NAME);
    private static final Pattern ACCOUNT_NAME = Pattern.compile(Api.ACCOUNT_NAME);

    private ImportEntries() {
    }

    /**
     * One authenticator to import, checked. {@code replayMark} is where the user's replay mark must be
     * at least (the end, in Unix seconds, of the last step the old system used; see
     * {@link io.totpd.core.UserAccount#replayMark}); {@code explicit} says whether the source gave it or
     * it is the step of the import itself.
     */
    record Entry(long line, String userId, String name, String accountName, byte[] secret, Totp totp, boolean weak,
            long replayMark, boolean explicit, Instant lastUsedAt, short driftSteps) implements ImportItem {
    }

    /**
     * Checks {@code incoming} at {@code now}: an {@link Entry}, or an {@link ImportError} naming what
     * is wrong. On an error, the secret is zeroed here.
     *
     * @param maxDrift the furthest a device's drift may be centred, in steps (see {@code Policy#drift})
     */
    static ImportItem check(Incoming incoming, Instant now, int maxDrift) {
        ImportItem checked = checked(incoming, now, maxDrift);
        if (checked instanceof ImportError && incoming.secret() != null) {
            Arrays.fill(incoming.secret(), (byte) 0);
        }
        return checked;
    }

    private static ImportItem checked(Incoming in, Instant now, int maxDrift) {
        long line = in.line();
        if (in.userId() == null) {
            return new ImportError(line, null, "missing-user-id", "userId is required");
        }
        if (!USER_ID.matcher(in.userId()).matches()) {
            return new ImportError(line, null, "invalid-user-id", "userId " + Api.USER_ID_MESSAGE);
        }
        String userId = in.userId();
        String name = in.name() == null ? Authenticator.DEFAULT_NAME : in.name();
        if (!NAME.matcher(name).matches()) {
            return new ImportError(line, userId, "invalid-name", "name " + Api.NAME_MESSAGE);
        }
        if (in.secret() == null || in.secret().length == 0) {
            return new ImportError(line, userId, "missing-secret", "a secret (or otpauthUri) is required");
        }
        if (in.secret().length < MIN_BYTES) {
            return new ImportError(line, userId, "secret-too-short", "the secret has " + in.secret().length * 8
                    + " bits; at least 80 are needed (128 or more recommended)");
        }
        if (in.secret().length > MAX_BYTES) {
            return new ImportError(line, userId, "invalid-secret", "the secret is longer than " + MAX_BYTES + " bytes");
        }
        HmacAlgorithm algorithm = algorithm(in.algorithm());
        if (algorithm == null) {
            return new ImportError(line, userId, "unsupported-algorithm", "algorithm must be SHA1, SHA256 or SHA512");
        }
        int digits = in.digits() == null ? 6 : in.digits();
        if (digits != 6 && digits != 8) {
            return new ImportError(line, userId, "unsupported-digits", "the digits value can only be 6 or 8");
        }
        int period = in.periodSeconds() == null ? 30 : in.periodSeconds();
        if (period < MIN_PERIOD_SECONDS || period > MAX_PERIOD_SECONDS) {
            return new ImportError(line, userId, "unsupported-period", "the period must be " + MIN_PERIOD_SECONDS
                    + " to " + MAX_PERIOD_SECONDS + " seconds");
        }
        Totp totp = new Totp(algorithm, digits, Duration.ofSeconds(period));
        long currentStep = totp.step(now);
        Long lastUsedStep = in.lastUsedStep();
        if (lastUsedStep != null && in.lastUsedAt() != null) {
            return new ImportError(line, userId, "invalid-last-used", "give lastUsedStep or lastUsedAt, not both");
        }
        if (in.lastUsedAt() != null) {
            lastUsedStep = totp.step(in.lastUsedAt());
        }
        // One step ahead is the old server's clock running a little fast; more is a wrong value, and
        // it would refuse every code of the user until that time.
        if (lastUsedStep != null && (lastUsedStep < 0 || lastUsedStep > currentStep + 1)) {
            return new ImportError(line, userId, "invalid-last-used", "the last use is in the future or before 1970");
        }
        // Without a last use, the step of the import counts as used: a code shown by the old system
        // before the move is not accepted after it.
        long replayMark = ((lastUsedStep == null ? currentStep : lastUsedStep) + 1) * period;
        String accountName = in.accountName() != null && ACCOUNT_NAME.matcher(in.accountName()).matches()
                ? in.accountName() : null;
        int bound = maxDrift - Totp.WINDOW;
        short drift = (short) (in.driftSteps() == null ? 0 : Math.max(-bound, Math.min(bound, in.driftSteps())));
        return new Entry(line, userId, name, accountName, in.secret(), totp, in.secret().length < STRONG_BYTES,
                replayMark, lastUsedStep != null, in.lastUsedAt(), drift);
    }

    /** SHA1, sha256, HMAC-SHA512, HmacSHA256: the spellings of otpauth URIs, PSKC suites and JCA names. */
    static HmacAlgorithm algorithm(String name) {
        if (name == null) {
            return HmacAlgorithm.SHA1;
        }
        String plain = name.toUpperCase(Locale.ROOT).replace("-", "");
        if (plain.startsWith("HMAC")) {
            plain = plain.substring(4);
        }
        for (HmacAlgorithm algorithm : HmacAlgorithm.values()) {
            if (algorithm.name().equals(plain)) {
                return algorithm;
            }
        }
        return null;
    }
}
