package io.totpd.core;

import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
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
    @Embedded
    public TotpSecret secret;
    public Instant createdAt;
    public Instant expiresAt;
}
