package io.totpd.core;

import io.totpd.crypto.Aead;
import io.totpd.crypto.Fields;
import jakarta.inject.Singleton;

/**
 * Encrypts and decrypts authenticator secrets (AES-256-GCM through {@link Aead}). The associated data
 * names the tenant, the user and the row, length-prefixed so that no two rows share an encoding: a
 * ciphertext moved to another row or user does not decrypt. It also names the state: a pending secret
 * is bound as {@code totpd.enrollment.v1} and an active one as {@code totpd.factor.v1} (the labels of
 * the tables they lived in before authenticators, so migrated rows open as they are), and activation
 * seals the secret again; a pending ciphertext copied into an active row does not decrypt.
 */
@Singleton
public class SealedSecrets {

    private final Aead aead;

    SealedSecrets(Aead aead) {
        this.aead = aead;
    }

    /** Encrypts {@code secret} into the authenticator's {@link TotpSecret}, for its current state. */
    public void seal(Authenticator authenticator, byte[] secret) {
        Aead.Sealed sealed = aead.encrypt(secret, associatedData(authenticator));
        authenticator.secret.secretKeyId = sealed.keyId();
        authenticator.secret.secretCiphertext = sealed.ciphertext();
    }

    /**
     * The secret, for the caller to zero after use.
     *
     * @throws io.totpd.crypto.SecretUnavailableException no configured key opens it
     */
    public byte[] open(Authenticator authenticator) {
        return aead.decrypt(new Aead.Sealed(authenticator.secret.secretKeyId, authenticator.secret.secretCiphertext),
                associatedData(authenticator));
    }

    private static byte[] associatedData(Authenticator authenticator) {
        String label = authenticator.state == Authenticator.State.PENDING ? "totpd.enrollment.v1" : "totpd.factor.v1";
        return Fields.encode(label, authenticator.tenant, authenticator.userId, authenticator.id.toString());
    }
}
