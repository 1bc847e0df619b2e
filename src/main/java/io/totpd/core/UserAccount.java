package io.totpd.core;

import java.time.Instant;
import java.util.UUID;

/**
 * A user of a tenant, as one row of {@code user_account}: what belongs to the person rather than to a
 * device. The two failure budgets, the lock, the state, the replay mark and (in their own table) the
 * backup codes; the devices are its {@link Authenticator}s. Read and written only by {@link UserAccounts}.
 */
public class UserAccount {

    public enum State { ACTIVE, DISABLED }

    public UUID id;
    /** Bumped by every write; /verify's compare-and-set on it stands in for a row lock. */
    public long version;
    public String tenant;
    public String userId;
    public State state = State.ACTIVE;
    public boolean suspended;
    public Instant createdAt;
    public Instant lastVerifiedAt;
    /**
     * The end, in Unix seconds, of the latest time step accepted from any of the user's authenticators;
     * null before the first. See {@link io.totpd.otp.Totp#lastUsedStep(Long)}.
     */
    public Long replayMark;
    /**
     * The authenticator whose code was accepted last, and when: its {@link Authenticator#lastUsedAt}
     * lives here while it stays the user's last device, so that a sign-in writes one row.
     */
    public UUID lastAuthenticatorId;
    public Instant lastAuthenticatorUsedAt;
    public Attempts totpAttempts = new Attempts();
    public Attempts recoveryAttempts = new Attempts();

    public static UserAccount create(String tenant, String userId, Instant now) {
        UserAccount user = new UserAccount();
        user.id = UUID.randomUUID();
        user.tenant = tenant;
        user.userId = userId;
        user.createdAt = now;
        return user;
    }

    /** Moves the replay mark to the end of {@code step} of a period of {@code periodSeconds}, never back. */
    public void markUsed(long step, long periodSeconds) {
        long end = (step + 1) * periodSeconds;
        replayMark = replayMark == null ? end : Math.max(replayMark, end);
    }
}
