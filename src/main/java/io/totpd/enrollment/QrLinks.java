package io.totpd.enrollment;

import io.totpd.core.Authenticator;
import io.totpd.crypto.Fields;
import io.totpd.crypto.Signer;
import jakarta.inject.Singleton;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

/**
 * Signed links to a pending authenticator's QR code, for a browser's {@code <img src>}: the frontend
 * needs no API key. A token is the authenticator id, its expiry and an HMAC over tenant, user,
 * authenticator, expiry and sealed secret; enrolling again (a new secret) or activating (no longer
 * pending, and sealed anew) kills it.
 */
@Singleton
class QrLinks {

    private static final int TOKEN_BYTES = 16 + Long.BYTES + Signer.SIGNATURE_BYTES;

    private final Signer signer;

    QrLinks(Signer signer) {
        this.signer = signer;
    }

    String path(Authenticator authenticator) {
        long expiry = authenticator.expiresAt.toEpochMilli();
        byte[] token = ByteBuffer.allocate(TOKEN_BYTES)
                .putLong(authenticator.id.getMostSignificantBits()).putLong(authenticator.id.getLeastSignificantBits())
                .putLong(expiry)
                .put(signer.sign(message(authenticator, expiry)))
                .array();
        return "/qr/" + Base64.getUrlEncoder().withoutPadding().encodeToString(token);
    }

    /** The authenticator a token names, if it might be valid; {@link #isValid} decides. */
    Optional<UUID> authenticatorId(String token) {
        return decode(token).map(bytes -> {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            return new UUID(buffer.getLong(), buffer.getLong());
        });
    }

    boolean isValid(String token, Authenticator authenticator, Instant now) {
        return decode(token).map(bytes -> {
            long expiry = ByteBuffer.wrap(bytes, 16, Long.BYTES).getLong();
            byte[] signature = Arrays.copyOfRange(bytes, 16 + Long.BYTES, TOKEN_BYTES);
            return signer.verify(message(authenticator, expiry), signature)
                    && expiry == authenticator.expiresAt.toEpochMilli()
                    && now.toEpochMilli() < expiry;
        }).orElse(false);
    }

    /** Only the canonical encoding: a changed character is a different link, even in the padding bits. */
    private static Optional<byte[]> decode(String token) {
        try {
            byte[] bytes = Base64.getUrlDecoder().decode(token);
            boolean canonical = bytes.length == TOKEN_BYTES && Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).equals(token);
            return canonical ? Optional.of(bytes) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Also signs the ciphertext, whose nonce is fresh at every enrollment: a link is for one secret,
     * even when the user enrolls again within the same millisecond.
     */
    private static byte[] message(Authenticator authenticator, long expiry) {
        return Fields.encode("totpd.qr-link.v1", authenticator.tenant, authenticator.userId, authenticator.id.toString(),
                Long.toString(expiry), Base64.getEncoder().encodeToString(authenticator.secret.secretCiphertext));
    }
}
