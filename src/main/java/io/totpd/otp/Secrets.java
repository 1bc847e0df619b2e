package io.totpd.otp;

import java.security.SecureRandom;

/** New TOTP secrets. */
public final class Secrets {

    /** RFC 4226 section 4 asks for 128 bits and recommends 160, the length of a SHA1 output. */
    public static final int BYTES = 20;

    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {
    }

    public static byte[] generate() {
        byte[] secret = new byte[BYTES];
        RANDOM.nextBytes(secret);
        return secret;
    }
}
