package io.totpd.crypto;

/** A stored secret cannot be decrypted: its key is not configured, or the ciphertext is not of its row. */
public class SecretUnavailableException extends RuntimeException {

    public SecretUnavailableException(String message) {
        super(message);
    }

    public SecretUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
