package io.totpd.core;

import jakarta.persistence.AttributeOverride;
import jakarta.persistence.AttributeOverrides;
import jakarta.persistence.Column;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Version;
import org.hibernate.annotations.DynamicUpdate;
import java.time.Instant;
import java.util.UUID;

/**
 * A user's activated TOTP factor. It holds the encrypted secret, so it never leaves the services.
 * Updates name only the changed columns: a login writes its step and time, not the ciphertext again.
 */
@Entity
@DynamicUpdate
public class Factor {

    public enum State { ACTIVE, DISABLED }

    @Id
    public UUID id;
    /** Bumped by every write; /verify's compare-and-set on it stands in for a row lock (see FactorRows). */
    @Version
    public long version;
    public String tenant;
    public String userId;
    @Enumerated(EnumType.STRING)
    public State state;
    @Embedded
    public TotpSecret secret;
    public Instant createdAt;
    public Instant activatedAt;
    public Instant lastVerifiedAt;
    public Long lastStep;
    public short driftSteps;
    @Embedded
    @AttributeOverrides({
        @AttributeOverride(name = "failures", column = @Column(name = "failed_attempts")),
        @AttributeOverride(name = "lockedUntil", column = @Column(name = "locked_until"))})
    public Attempts totpAttempts = new Attempts();
    @Embedded
    @AttributeOverrides({
        @AttributeOverride(name = "failures", column = @Column(name = "recovery_failed_attempts")),
        @AttributeOverride(name = "lockedUntil", column = @Column(name = "recovery_locked_until"))})
    public Attempts recoveryAttempts = new Attempts();
}
