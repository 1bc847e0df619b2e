package io.totpd.transfer;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.spec.InvalidKeySpecException;
import java.util.Arrays;
import java.util.Map;
import javax.crypto.BadPaddingException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The keys of one PSKC container and what RFC 6030 section 6 does with them: AES-CBC decryption of
 * {@code <EncryptedValue>}s (xmlenc's aes128/192/256-cbc: Base64 of a 16-byte IV followed by the
 * ciphertext, PKCS#7 padding), the {@code <ValueMAC>} check of section 6.1.1, and the PBKDF2 key
 * derivation of section 6.2. Nothing else: key wrap, 3DES, Camellia and RSA are refused.
 */
final class PskcCrypto {

    static final String XMLDSIG = "http://www.w3.org/2000/09/xmldsig#";
    static final String XMLDSIG_MORE = "http://www.w3.org/2001/04/xmldsig-more#";
    static final String XMLENC = "http://www.w3.org/2001/04/xmlenc#";
    static final String XMLENC11 = "http://www.w3.org/2009/xmlenc11#";
    static final String PKCS5 = "http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#";

    /** AES-CBC methods by URI, with the key length in bytes each needs. */
    private static final Map<String, Integer> CIPHERS = Map.of(
            XMLENC + "aes128-cbc", 16,
            XMLENC + "aes192-cbc", 24,
            XMLENC + "aes256-cbc", 32);

    /** MACMethod URIs (RFC 6931 for the SHA-2 ones) by JCA name. */
    private static final Map<String, String> MACS = Map.of(
            XMLDSIG + "hmac-sha1", "HmacSHA1",
            XMLDSIG_MORE + "hmac-sha256", "HmacSHA256",
            XMLDSIG_MORE + "hmac-sha384", "HmacSHA384",
            XMLDSIG_MORE + "hmac-sha512", "HmacSHA512");

    /** PBKDF2 PRFs; PKCS#5's own URI for HMAC-SHA1 appears too. */
    private static final Map<String, String> PRFS = Map.of(
            XMLDSIG + "hmac-sha1", "PBKDF2WithHmacSHA1",
            PKCS5 + "hmac-sha1", "PBKDF2WithHmacSHA1",
            XMLDSIG_MORE + "hmac-sha256", "PBKDF2WithHmacSHA256",
            XMLDSIG_MORE + "hmac-sha512", "PBKDF2WithHmacSHA512");

    /** At 10 million PBKDF2-SHA1 rounds a file costs seconds of CPU; a hostile one can ask no more. */
    static final int MAX_ITERATIONS = 10_000_000;

    private static final int IV_BYTES = 16;

    /** Whose key this is decides what to tell a caller whose key does not fit. */
    enum Origin {
        PRE_SHARED("Pskc-Key", "key"),
        PASSPHRASE("Pskc-Passphrase", "passphrase");

        final String header;
        final String noun;

        Origin(String header, String noun) {
            this.header = header;
            this.noun = noun;
        }
    }

    private final Origin origin;
    private byte[] key;
    private SecretKeySpec keySpec;
    private Cipher cipher;
    private Mac mac;

    /**
     * @param key the AES key, copied; null when the caller gave none (a plain container)
     * @param origin where the key came from, for messages
     */
    PskcCrypto(byte[] key, Origin origin) {
        this.origin = origin;
        if (key != null) {
            if (key.length != 16 && key.length != 24 && key.length != 32) {
                throw new ImportFileException("the " + origin.header + " must be an AES key of 16, 24 or 32 bytes; the one"
                        + " given is " + key.length + " bytes");
            }
            this.key = key.clone();
            this.keySpec = new SecretKeySpec(this.key, "AES");
        }
    }

    /**
     * RFC 6030 section 6.2 with PKCS#5 v2.0 PBKDF2: the passphrase's UTF-8 bytes (as the JDK's PBKDF2
     * encodes a char array), the salt, the iteration count and the key length in bytes.
     *
     * @param prf a PRF Algorithm URI, or null for the default HMAC-SHA1
     */
    static byte[] deriveKey(char[] passphrase, byte[] salt, int iterations, int keyBytes, String prf) {
        if (iterations < 1 || iterations > MAX_ITERATIONS) {
            throw new ImportFileException("the PBKDF2 IterationCount must be from 1 to " + MAX_ITERATIONS);
        }
        if (keyBytes != 16 && keyBytes != 24 && keyBytes != 32) {
            throw new ImportFileException("the PBKDF2 KeyLength must be 16, 24 or 32 (bytes of an AES key)");
        }
        String algorithm = prf == null || prf.isEmpty() ? "PBKDF2WithHmacSHA1" : PRFS.get(prf);
        if (algorithm == null) {
            throw new ImportFileException("the PBKDF2 PRF is not one this service supports (HMAC-SHA1, -SHA256, -SHA512)");
        }
        if (salt.length == 0) {
            throw new ImportFileException("the PBKDF2 Salt is empty");
        }
        PBEKeySpec spec = new PBEKeySpec(passphrase, salt, iterations, keyBytes * 8);
        try {
            return SecretKeyFactory.getInstance(algorithm).generateSecret(spec).getEncoded();
        } catch (InvalidKeySpecException e) {
            throw new ImportFileException("the PBKDF2 parameters cannot be used");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2 unavailable: " + algorithm, e);
        } finally {
            spec.clearPassword();
        }
    }

    /**
     * Takes the container's MACMethod: decrypts the MAC key (a {@code <MACKey>}, encrypted like any
     * value but with no MAC of its own) and keys the HMAC with it. A wrong key or passphrase shows
     * here, as padding that does not check, for all but about 1 in 256 wrong keys.
     */
    void useMac(String algorithmUri, String methodUri, byte[] encryptedMacKey) {
        String jcaName = algorithmUri == null ? null : MACS.get(algorithmUri);
        if (jcaName == null) {
            throw new ImportFileException("the container's MACMethod is not one this service supports (HMAC-SHA1,"
                    + " -SHA256, -SHA384, -SHA512)");
        }
        if (encryptedMacKey.length < 2 * IV_BYTES || encryptedMacKey.length % IV_BYTES != 0) {
            throw new ImportFileException("the container's MAC key is not AES-CBC output (an IV and whole blocks)");
        }
        byte[] macKey;
        try {
            macKey = decrypt(methodUri, encryptedMacKey);
        } catch (BadPaddingException e) {
            throw new ImportFileException("the container's MAC key does not decrypt with the " + origin.header
                    + " given: almost always a wrong " + origin.noun);
        }
        try {
            if (macKey.length == 0) {
                throw new ImportFileException("the container's MAC key is empty");
            }
            mac = Mac.getInstance(jcaName);
            mac.init(new SecretKeySpec(macKey, jcaName));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC unavailable: " + jcaName, e);
        } finally {
            Arrays.fill(macKey, (byte) 0);
        }
    }

    /** Whether the container declares a MACMethod, which every encrypted value must then carry a MAC of. */
    boolean hasMac() {
        return mac != null;
    }

    /**
     * RFC 6030 section 6.1.1: the ValueMAC is the HMAC, under the MAC key, of the CipherValue's
     * bytes as they are, IV and ciphertext together; compared in constant time.
     */
    boolean macMatches(byte[] ivAndCiphertext, byte[] valueMac) {
        byte[] expected = mac.doFinal(ivAndCiphertext);
        return valueMac != null && MessageDigest.isEqual(expected, valueMac);
    }

    /**
     * Refuses, as a fault of the whole file, a value this container cannot decrypt whatever its MAC:
     * an unknown method, no key, a key of the wrong length.
     */
    void requireUsable(String methodUri) {
        Integer keyBytes = methodUri == null ? null : CIPHERS.get(methodUri);
        if (keyBytes == null) {
            throw new ImportFileException("the container's values are encrypted with a method this service does not"
                    + " support (only AES-128-CBC, AES-192-CBC, AES-256-CBC)");
        }
        if (key == null) {
            throw missingKey(origin);
        }
        if (key.length != keyBytes) {
            throw new ImportFileException("the container's values are encrypted with AES-" + keyBytes * 8 + "-CBC, which"
                    + " needs a " + keyBytes + "-byte key; " + (origin == Origin.PASSPHRASE
                            ? "the container's PBKDF2 KeyLength makes a " + key.length + "-byte one"
                            : "the " + origin.header + " given is " + key.length + " bytes"));
        }
    }

    static ImportFileException missingKey(Origin origin) {
        return origin == Origin.PASSPHRASE
                ? new ImportFileException("this container's values are encrypted with a passphrase: send it in the"
                        + " Pskc-Passphrase header")
                : new ImportFileException("this container's values are encrypted with a pre-shared key: send it"
                        + " Base64-encoded in the Pskc-Key header");
    }

    /**
     * Decrypts IV || ciphertext; the caller has checked its MAC first.
     *
     * @throws BadPaddingException the padding does not check: a wrong key or a corrupt value
     */
    byte[] decrypt(String methodUri, byte[] ivAndCiphertext) throws BadPaddingException {
        requireUsable(methodUri);
        if (ivAndCiphertext.length < 2 * IV_BYTES || ivAndCiphertext.length % IV_BYTES != 0) {
            // Not whole AES blocks after the IV: it cannot have been made by AES-CBC with padding.
            throw new BadPaddingException("not whole blocks");
        }
        try {
            if (cipher == null) {
                cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
            }
            cipher.init(Cipher.DECRYPT_MODE, keySpec, new IvParameterSpec(ivAndCiphertext, 0, IV_BYTES));
            return cipher.doFinal(ivAndCiphertext, IV_BYTES, ivAndCiphertext.length - IV_BYTES);
        } catch (BadPaddingException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CBC unavailable", e);
        }
    }

    /** Zeroes the key this object holds; the JCA objects keep their own copies until collected. */
    void destroy() {
        if (key != null) {
            Arrays.fill(key, (byte) 0);
        }
        key = null;
        keySpec = null;
        cipher = null;
        mac = null;
    }
}
