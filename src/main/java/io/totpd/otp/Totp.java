package io.totpd.otp;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import javax.crypto.Mac;

/** TOTP (RFC 6238): HOTP over the number of whole periods since the Unix epoch. */
public final class Totp {

    /** RFC 6238 section 5.2: at most one step of transmission delay or clock drift either side. */
    public static final int WINDOW = 1;

    private final HmacAlgorithm algorithm;
    private final int digits;
    private final long periodSeconds;

    public Totp(HmacAlgorithm algorithm, int digits, Duration period) {
        if (digits != 6 && digits != 8) {
            throw new IllegalArgumentException("the digits value can only be 6 or 8");
        }
        if (period.isNegative() || period.isZero() || period.toNanos() % 1_000_000_000L != 0) {
            throw new IllegalArgumentException("the period must be a positive whole number of seconds");
        }
        this.algorithm = algorithm;
        this.digits = digits;
        this.periodSeconds = period.getSeconds();
    }

    public HmacAlgorithm algorithm() {
        return algorithm;
    }

    public int digits() {
        return digits;
    }

    public long periodSeconds() {
        return periodSeconds;
    }

    public long step(Instant time) {
        return Math.floorDiv(time.getEpochSecond(), periodSeconds);
    }

    /**
     * The last step of this period that a replay mark has used up, for {@link #check}: the mark is the
     * end, in Unix seconds, of the latest step accepted from any of a user's authenticators, whatever
     * their periods. A step is still free if it starts at or after the mark ({@code step * period >=
     * mark}), so the last used one is {@code ceil(mark / period) - 1}. Null (no mark) stays null.
     */
    public Long lastUsedStep(Long replayMark) {
        return replayMark == null ? null : Math.floorDiv(replayMark + periodSeconds - 1, periodSeconds) - 1;
    }

    public String code(byte[] secret, long step) {
        return new String(Hotp.code(algorithm, secret, step, digits), StandardCharsets.US_ASCII);
    }

    /**
     * Removes the spaces people type ("123 456"); anything else that is not 6 or 8 ASCII digits is no
     * code at all and is refused before any secret is touched.
     */
    public static Optional<String> normalise(String input) {
        if (input == null) {
            return Optional.empty();
        }
        String code = input.replace(" ", "");
        if (code.length() != 6 && code.length() != 8) {
            return Optional.empty();
        }
        for (int i = 0; i < code.length(); i++) {
            char c = code.charAt(i);
            if (c < '0' || c > '9') {
                return Optional.empty();
            }
        }
        return Optional.of(code);
    }

    /**
     * Checks a normalised code against the window of {@link #WINDOW} steps either side of
     * {@code currentStep + drift}, where {@code drift} is where this phone's codes matched last time
     * (RFC 6238 section 6); the caller bounds it, so a drifting phone keeps working without a wider
     * window for everyone.
     *
     * <p>Every step of the window is computed and compared with {@link MessageDigest#isEqual}, so the
     * time taken says nothing about which step, or how many digits, matched. A step at or below
     * {@code lastUsedStep} can never be accepted again (RFC 6238 section 5.2): the earliest unused
     * matching step wins, so a code from a fast phone does not burn the steps after it needlessly.
     */
    public Check check(byte[] secret, String code, long currentStep, int drift, Long lastUsedStep) {
        byte[] candidate = code.getBytes(StandardCharsets.US_ASCII);
        Mac mac = Hotp.keyed(algorithm, secret);
        long centre = currentStep + drift;
        long accepted = Long.MIN_VALUE;
        boolean matchedUsedStep = false;
        for (long step = centre + WINDOW; step >= centre - WINDOW; step--) {
            boolean matches = MessageDigest.isEqual(Hotp.code(mac, step, digits), candidate);
            boolean used = lastUsedStep != null && step <= lastUsedStep;
            if (matches && used) {
                matchedUsedStep = true;
            } else if (matches) {
                accepted = step;
            }
        }
        if (accepted != Long.MIN_VALUE) {
            return new Check(Check.Outcome.ACCEPTED, accepted);
        }
        return new Check(matchedUsedStep ? Check.Outcome.REPLAYED : Check.Outcome.INVALID, currentStep);
    }

    /** What a code turned out to be; {@code step} is the matched step when accepted. */
    public record Check(Outcome outcome, long step) {

        public enum Outcome { ACCEPTED, REPLAYED, INVALID }

        public boolean accepted() {
            return outcome == Outcome.ACCEPTED;
        }
    }
}
