package io.totpd.factor;

import io.totpd.otp.HmacAlgorithm;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import java.time.Instant;
import java.util.UUID;

/** A user's TOTP factor. It holds the encrypted secret, so it never leaves {@link FactorService}. */
@Entity
public class Factor {

    public enum State { PENDING, ACTIVE }

    @Id
    public UUID id;
    public String tenant;
    public String userId;
    public String accountName;
    @Enumerated(EnumType.STRING)
    public State state;
    @Enumerated(EnumType.STRING)
    public HmacAlgorithm algorithm;
    public short digits;
    public int periodSeconds;
    public String secretKeyId;
    public byte[] secretCiphertext;
    public Instant createdAt;
    public Instant enrollmentExpiresAt;
    public Instant activatedAt;
    public Instant lastVerifiedAt;
    public Long lastStep;
}
