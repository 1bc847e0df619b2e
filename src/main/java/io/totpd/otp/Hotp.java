package io.totpd.otp;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HOTP (RFC 4226 section 5.3), the function TOTP evaluates at a time step. */
public final class Hotp {

    private Hotp() {
    }

    /** The code for a counter as ASCII digits, zero-padded to {@code digits}. */
    public static byte[] code(HmacAlgorithm algorithm, byte[] key, long counter, int digits) {
        return code(keyed(algorithm, key), counter, digits);
    }

    /**
     * A MAC keyed once for several counters: a window check computes three codes with one key, and
     * creating and keying a Mac costs more than the HMAC itself.
     */
    static Mac keyed(HmacAlgorithm algorithm, byte[] key) {
        try {
            Mac mac = Mac.getInstance(algorithm.jcaName);
            mac.init(new SecretKeySpec(key, algorithm.jcaName));
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC unavailable: " + algorithm, e);
        }
    }

    static byte[] code(Mac mac, long counter, int digits) {
        if (digits < 6 || digits > 8) {
            throw new IllegalArgumentException("the digits value can only be 6, 7 or 8");
        }
        byte[] message = new byte[Long.BYTES];
        for (int i = Long.BYTES - 1; i >= 0; i--) {
            message[i] = (byte) counter;
            counter >>>= 8;
        }
        byte[] hash = mac.doFinal(message);
        // Dynamic truncation: the low nibble of the last byte picks the offset, for every algorithm.
        int offset = hash[hash.length - 1] & 0x0f;
        int binary = ((hash[offset] & 0x7f) << 24)
                | ((hash[offset + 1] & 0xff) << 16)
                | ((hash[offset + 2] & 0xff) << 8)
                | (hash[offset + 3] & 0xff);
        byte[] code = new byte[digits];
        for (int i = digits - 1; i >= 0; i--) {
            code[i] = (byte) ('0' + binary % 10);
            binary /= 10;
        }
        return code;
    }
}
