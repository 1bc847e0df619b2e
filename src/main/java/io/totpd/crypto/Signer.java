package io.totpd.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * HMAC-SHA256 signatures for links that must work without a key (the browser's QR code). Its keys
 * are derived from the encryption keys, one per key and never the key itself; the primary signs,
 * all verify, so links survive a rolling key rotation.
 */
public final class Signer {

    /** 128 bits: a forgery needs 2^128 guesses, and links stay short. */
    public static final int SIGNATURE_BYTES = 16;

    private final SecretKey primary;
    private final List<SecretKey> all = new ArrayList<>();

    public Signer(KeyRing keys) {
        this.primary = derive(keys.primary());
        for (SecretKey key : keys.all()) {
            all.add(derive(key));
        }
    }

    public byte[] sign(byte[] message) {
        return mac(primary, message);
    }

    /** Compares against every key's signature, in constant time. */
    public boolean verify(byte[] message, byte[] signature) {
        boolean valid = false;
        for (SecretKey key : all) {
            valid |= MessageDigest.isEqual(mac(key, message), signature);
        }
        return valid;
    }

    private static SecretKey derive(SecretKey encryptionKey) {
        return new SecretKeySpec(mac(new SecretKeySpec(encryptionKey.getEncoded(), "HmacSHA256"),
                "totpd link signing v1".getBytes(StandardCharsets.UTF_8), 32), "HmacSHA256");
    }

    private static byte[] mac(SecretKey key, byte[] message) {
        return mac(key, message, SIGNATURE_BYTES);
    }

    private static byte[] mac(SecretKey key, byte[] message, int length) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return Arrays.copyOf(mac.doFinal(message), length);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
