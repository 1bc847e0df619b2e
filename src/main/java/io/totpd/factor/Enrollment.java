package io.totpd.factor;

import io.totpd.otp.HmacAlgorithm;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import java.time.Instant;
import java.util.UUID;

/**
 * A pending enrollment: a new secret waiting for its first code. It lives beside the user's factor,
 * so an active factor keeps working while its replacement is set up on a new phone.
 */
@Entity
public class Enrollment {

    @Id
    public UUID id;
    public String tenant;
    public String userId;
    public String accountName;
    @Enumerated(EnumType.STRING)
    public HmacAlgorithm algorithm;
    public short digits;
    public int periodSeconds;
    public String secretKeyId;
    public byte[] secretCiphertext;
    public Instant createdAt;
    public Instant expiresAt;
}
