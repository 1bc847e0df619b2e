package io.totpd.otp;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HOTP (RFC 4226 section 5.3), the function TOTP evaluates at a time step. */
public final class Hotp {

    private static final int[] POWERS_OF_TEN = {1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000};

    private Hotp() {
    }

    /** The code for a counter as ASCII digits, zero-padded to {@code digits}. */
    public static byte[] code(HmacAlgorithm algorithm, byte[] key, long counter, int digits) {
        if (digits < 6 || digits > 8) {
            throw new IllegalArgumentException("the digits value can only be 6, 7 or 8");
        }
        byte[] hash = hmac(algorithm, key, ByteBuffer.allocate(Long.BYTES).putLong(counter).array());
        // Dynamic truncation: the low nibble of the last byte picks the offset, for every algorithm.
        int offset = hash[hash.length - 1] & 0x0f;
        int binary = ((hash[offset] & 0x7f) << 24)
                | ((hash[offset + 1] & 0xff) << 16)
                | ((hash[offset + 2] & 0xff) << 8)
                | (hash[offset + 3] & 0xff);
        int otp = binary % POWERS_OF_TEN[digits];
        return String.format("%0" + digits + "d", otp).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] hmac(HmacAlgorithm algorithm, byte[] key, byte[] message) {
        try {
            Mac mac = Mac.getInstance(algorithm.jcaName);
            mac.init(new SecretKeySpec(key, algorithm.jcaName));
            return mac.doFinal(message);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC unavailable: " + algorithm, e);
        }
    }
}
