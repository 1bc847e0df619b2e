package io.totpd.recovery;

import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import java.time.Instant;
import java.util.UUID;

/** One backup code of a user, as its Argon2id hash; the tag is its first character, in clear. */
@Entity
public class BackupCode {

    @Id
    public UUID id;
    public UUID userAccountId;
    public String tag;
    public String hash;
    public Instant createdAt;
    public Instant usedAt;
}
