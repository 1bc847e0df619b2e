package io.totpd.enrollment;

import io.totpd.core.Enrollment;
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
 * Signed links to a pending enrollment's QR code, for a browser's {@code <img src>}: the frontend
 * needs no API key. A token is the enrollment id, its expiry and an HMAC over tenant, user,
 * enrollment, expiry and secret; enrolling again (a new secret) or activating (no enrollment) kills it.
 */
@Singleton
class QrLinks {

    private static final int TOKEN_BYTES = 16 + Long.BYTES + Signer.SIGNATURE_BYTES;

    private final Signer signer;

    QrLinks(Signer signer) {
        this.signer = signer;
    }

    String path(Enrollment enrollment) {
        long expiry = enrollment.expiresAt.toEpochMilli();
        byte[] token = ByteBuffer.allocate(TOKEN_BYTES)
                .putLong(enrollment.id.getMostSignificantBits()).putLong(enrollment.id.getLeastSignificantBits())
                .putLong(expiry)
                .put(signer.sign(message(enrollment, expiry)))
                .array();
        return "/qr/" + Base64.getUrlEncoder().withoutPadding().encodeToString(token);
    }

    /** The enrollment a token names, if it might be valid; {@link #isValid} decides. */
    Optional<UUID> enrollmentId(String token) {
        return decode(token).map(bytes -> {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            return new UUID(buffer.getLong(), buffer.getLong());
        });
    }

    boolean isValid(String token, Enrollment enrollment, Instant now) {
        return decode(token).map(bytes -> {
            long expiry = ByteBuffer.wrap(bytes, 16, Long.BYTES).getLong();
            byte[] signature = Arrays.copyOfRange(bytes, 16 + Long.BYTES, TOKEN_BYTES);
            return signer.verify(message(enrollment, expiry), signature)
                    && expiry == enrollment.expiresAt.toEpochMilli()
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
    private static byte[] message(Enrollment enrollment, long expiry) {
        return Fields.encode("totpd.qr-link.v1", enrollment.tenant, enrollment.userId, enrollment.id.toString(),
                Long.toString(expiry), Base64.getEncoder().encodeToString(enrollment.secret.secretCiphertext));
    }
}
