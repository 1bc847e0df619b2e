package io.totpd.core;

import io.totpd.problem.ProblemType;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * One device of a user (an authenticator app, a hardware token), as one row of {@code authenticator}:
 * its encrypted secret and parameters, where its codes last matched, and when it was added, activated
 * and last used. Pending until its first code activates it. Read and written only by {@link Authenticators}.
 */
public class Authenticator {

    public enum State { PENDING, ACTIVE }

    public static final String DEFAULT_NAME = "Authenticator";

    public UUID id;
    public UUID userAccountId;
    /** Of the owning user; not columns of this table, but every secret is bound to them. */
    public String tenant;
    public String userId;
    public String name;
    public State state;
    /** Made by {@code POST /enroll}: once activated, it is the user's only authenticator. */
    public boolean replacesOthers;
    /** The label in the QR code; null for authenticators migrated from an active factor. */
    public String accountName;
    public TotpSecret secret;
    public short driftSteps;
    public Instant createdAt;
    /** Pending only: until when it can be activated. */
    public Instant expiresAt;
    public Instant activatedAt;
    public Instant lastUsedAt;
    /** Imported with a secret of fewer than 128 bits (RFC 4226 section 4): the user should enroll again. */
    public boolean weakSecret;

    /**
     * Names are unique among a user's authenticators (but for the pending one of {@code POST /enroll},
     * which takes its name only when the others are gone).
     *
     * @throws io.totpd.problem.ProblemException 409 {@code name-taken}
     */
    public static void requireFreeName(List<Authenticator> all, String name, UUID except) {
        boolean taken = all.stream().anyMatch(a -> !a.replacesOthers && a.name.equals(name) && !a.id.equals(except));
        if (taken) {
            throw ProblemType.NAME_TAKEN.exception("name: this user has an authenticator of that name already");
        }
    }

    /** A new row of {@code user}'s, with a fresh id and {@code name}; its state and secret are the caller's to set. */
    public static Authenticator newOf(UserAccount user, String name) {
        Authenticator a = new Authenticator();
        a.id = UUID.randomUUID();
        a.userAccountId = user.id;
        a.tenant = user.tenant;
        a.userId = user.userId;
        a.name = name;
        return a;
    }

    public boolean isActive() {
        return state == State.ACTIVE;
    }

    public boolean expiredAt(Instant now) {
        return state == State.PENDING && !now.isBefore(expiresAt);
    }
}
