package io.totpd.core;

import io.totpd.crypto.Aead;
import io.totpd.crypto.Fields;
import jakarta.inject.Singleton;
import java.util.UUID;

/**
 * Encrypts and decrypts the secrets of enrollments and factors. The associated data names the table
 * and the row, length-prefixed so that no two rows share an encoding: a ciphertext moved to another
 * row, or from an enrollment to a factor, does not decrypt.
 */
@Singleton
public class SealedSecrets {

    private final Aead aead;

    SealedSecrets(Aead aead) {
        this.aead = aead;
    }

    public void seal(Enrollment enrollment, byte[] secret) {
        seal(enrollment.secret, secret, associatedData("enrollment", enrollment.tenant, enrollment.userId, enrollment.id));
    }

    public void seal(Factor factor, byte[] secret) {
        seal(factor.secret, secret, associatedData("factor", factor.tenant, factor.userId, factor.id));
    }

    public byte[] open(Enrollment enrollment) {
        return open(enrollment.secret, associatedData("enrollment", enrollment.tenant, enrollment.userId, enrollment.id));
    }

    public byte[] open(Factor factor) {
        return open(factor.secret, associatedData("factor", factor.tenant, factor.userId, factor.id));
    }

    private void seal(TotpSecret stored, byte[] secret, byte[] associatedData) {
        Aead.Sealed sealed = aead.encrypt(secret, associatedData);
        stored.secretKeyId = sealed.keyId();
        stored.secretCiphertext = sealed.ciphertext();
    }

    private byte[] open(TotpSecret stored, byte[] associatedData) {
        return aead.decrypt(new Aead.Sealed(stored.secretKeyId, stored.secretCiphertext), associatedData);
    }

    private static byte[] associatedData(String table, String tenant, String userId, UUID id) {
        return Fields.encode("totpd." + table + ".v1", tenant, userId, id.toString());
    }
}
