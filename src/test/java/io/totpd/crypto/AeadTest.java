package io.totpd.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class AeadTest {

    private static final byte[] SECRET = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ROW = "row-1".getBytes(StandardCharsets.UTF_8);

    private static String key(String id) {
        byte[] material = new byte[32];
        new SecureRandom().nextBytes(material);
        return id + ":" + Base64.getEncoder().encodeToString(material);
    }

    @Test
    void roundTripsUnderThePrimaryKey() {
        Aead aead = new Aead(KeyRing.parse(List.of(key("k2"), key("k1"))));
        Aead.Sealed sealed = aead.encrypt(SECRET, ROW);
        assertEquals("k2", sealed.keyId());
        assertArrayEquals(SECRET, aead.decrypt(sealed, ROW));
    }

    @Test
    void everyEncryptionHasAFreshNonce() {
        Aead aead = new Aead(KeyRing.parse(List.of(key("k"))));
        byte[] first = aead.encrypt(SECRET, ROW).ciphertext();
        byte[] second = aead.encrypt(SECRET, ROW).ciphertext();
        assertFalse(Arrays.equals(Arrays.copyOf(first, 12), Arrays.copyOf(second, 12)));
    }

    @Test
    void ciphertextOfAnotherRowDoesNotDecrypt() {
        Aead aead = new Aead(KeyRing.parse(List.of(key("k"))));
        Aead.Sealed sealed = aead.encrypt(SECRET, ROW);
        assertThrows(SecretUnavailableException.class,
                () -> aead.decrypt(sealed, "row-2".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void anyChangedByteFailsToDecrypt() {
        Aead aead = new Aead(KeyRing.parse(List.of(key("k"))));
        Aead.Sealed sealed = aead.encrypt(SECRET, ROW);
        for (int i = 0; i < sealed.ciphertext().length; i++) {
            byte[] tampered = sealed.ciphertext().clone();
            tampered[i] ^= 1;
            assertThrows(SecretUnavailableException.class, () -> aead.decrypt(new Aead.Sealed("k", tampered), ROW));
        }
    }

    @Test
    void oldKeysStillDecryptAfterANewPrimary() {
        String old = key("old");
        Aead.Sealed sealed = new Aead(KeyRing.parse(List.of(old))).encrypt(SECRET, ROW);
        Aead rotated = new Aead(KeyRing.parse(List.of(key("new"), old)));
        assertArrayEquals(SECRET, rotated.decrypt(sealed, ROW));
        assertEquals("new", rotated.encrypt(SECRET, ROW).keyId());
    }

    @Test
    void aRemovedKeyFailsClosed() {
        Aead.Sealed sealed = new Aead(KeyRing.parse(List.of(key("old")))).encrypt(SECRET, ROW);
        Aead without = new Aead(KeyRing.parse(List.of(key("new"))));
        assertThrows(SecretUnavailableException.class, () -> without.decrypt(sealed, ROW));
    }

    @Test
    void refusesKeysThatAreNotAes256() {
        assertThrows(IllegalArgumentException.class, () -> KeyRing.parse(List.of()));
        assertThrows(IllegalArgumentException.class, () -> KeyRing.parse(List.of("k:" + Base64.getEncoder().encodeToString(new byte[16]))));
        assertThrows(IllegalArgumentException.class, () -> KeyRing.parse(List.of("k:not base64!")));
        assertThrows(IllegalArgumentException.class, () -> KeyRing.parse(List.of("no-id")));
        assertThrows(IllegalArgumentException.class, () -> KeyRing.parse(List.of(key("k"), key("k"))));
    }
}
