package io.totpd.user;

import io.totpd.api.Api.UserStatus;
import io.totpd.audit.AuditEvent;
import io.totpd.audit.AuditTrail;
import io.totpd.caller.CurrentCaller;
import io.totpd.core.Attempts;
import io.totpd.core.Authenticator;
import io.totpd.core.Authenticators;
import io.totpd.core.Policy;
import io.totpd.core.UserAccount;
import io.totpd.core.UserAccounts;
import io.totpd.db.Transactions;
import io.totpd.db.UserLock;
import io.totpd.problem.ProblemType;
import io.totpd.recovery.BackupCodeRepository;
import io.totpd.recovery.BackupCodeService;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/** A user as a whole: its status, new backup codes, the helpdesk's unlock, suspend and resume, and its removal. */
@ApplicationScoped
public class UserService {

    private final UserAccounts users;
    private final Authenticators authenticators;
    private final BackupCodeRepository codes;
    private final BackupCodeService backupCodes;
    private final Policy policy;
    private final CurrentCaller caller;
    private final AuditTrail audit;
    private final Transactions transactions;
    private final UserLock userLock;

    UserService(UserAccounts users, Authenticators authenticators, BackupCodeRepository codes, BackupCodeService backupCodes,
            Policy policy, CurrentCaller caller, AuditTrail audit, Transactions transactions, UserLock userLock) {
        this.users = users;
        this.authenticators = authenticators;
        this.codes = codes;
        this.backupCodes = backupCodes;
        this.policy = policy;
        this.caller = caller;
        this.audit = audit;
        this.transactions = transactions;
        this.userLock = userLock;
    }

    /**
     * The user's status; empty for a user with no authenticator at all. A user whose authenticators are
     * all pending is "pending" (or "expired" once the newest has expired), as with one enrollment before.
     */
    public Optional<UserStatus> status(String userId) {
        return status(userId, policy.now());
    }

    private Optional<UserStatus> status(String userId, Instant now) {
        return transactions.read(() -> {
            UserAccount user = users.find(caller.tenant(), userId);
            List<Authenticator> all = user == null ? List.of() : authenticators.list(user.id);
            if (all.isEmpty()) {
                return Optional.empty();
            }
            List<Authenticator> active = all.stream().filter(Authenticator::isActive).toList();
            long remaining = codes.countUnused(user.id);
            if (active.isEmpty()) {
                Authenticator newest = all.get(all.size() - 1);
                return Optional.of(new UserStatus(userId, newest.expiredAt(now) ? "expired" : "pending", newest.createdAt,
                        null, null, 0, null, remaining, 0, user.suspended, false));
            }
            Attempts attempts = user.totpAttempts;
            // A disabled user answers 403 whatever the time, so a lock on it would promise an end that never comes.
            boolean locked = user.state != UserAccount.State.DISABLED && attempts.lockedAt(now);
            Instant activatedAt = active.stream().map(a -> a.activatedAt).filter(Objects::nonNull)
                    .max(Comparator.naturalOrder()).orElse(null);
            return Optional.of(new UserStatus(userId, user.state.name().toLowerCase(Locale.ROOT), user.createdAt, activatedAt,
                    user.lastVerifiedAt, attempts.failures, locked ? attempts.lockedUntil : null, remaining, active.size(),
                    user.suspended, remaining <= policy.backupCodesLow));
        });
    }

    /**
     * A new set of backup codes; the old set stops working in the same transaction. The set is hashed
     * before the transaction (in the {@link io.totpd.recovery.HashingBulkhead}), for a user that could
     * use one when the call began; whether it still can, is decided again under the user's lock.
     */
    public List<String> regenerateBackupCodes(String userId) {
        transactions.read(() -> requireUsable(users.find(caller.tenant(), userId)));
        BackupCodeService.NewSet set = backupCodes.prepare();
        Instant now = policy.now();
        return transactions.write(() -> {
            userLock.lock(caller.tenant(), userId);
            UserAccount user = requireUsable(users.find(caller.tenant(), userId));
            audit.record(userId, AuditEvent.Type.BACKUP_CODES_REGENERATED, now);
            return backupCodes.store(user, set, now);
        });
    }

    private UserAccount requireUsable(UserAccount user) {
        if (user == null || !authenticators.anyActive(user.id)) {
            throw ProblemType.FACTOR_NOT_FOUND.exception("this user has no active factor");
        }
        if (user.state == UserAccount.State.DISABLED) {
            throw ProblemType.FACTOR_DISABLED.exception("this factor is disabled; the user must enroll again");
        }
        return user;
    }

    /**
     * Clears both failure budgets and their locks (a helpdesk that has checked who is calling). A user
     * disabled by failures stays disabled: that needs a new authenticator.
     */
    public UserStatus unlock(String userId) {
        return change(userId, AuditEvent.Type.UNLOCKED, user -> {
            user.totpAttempts.reset();
            user.recoveryAttempts.reset();
        });
    }

    /** Suspends sign-ins with a second factor: /verify and /recover answer 403 {@code user-suspended} until resumed. */
    public UserStatus suspend(String userId) {
        return change(userId, AuditEvent.Type.SUSPENDED, user -> user.suspended = true);
    }

    public UserStatus resume(String userId) {
        return change(userId, AuditEvent.Type.RESUMED, user -> user.suspended = false);
    }

    private UserStatus change(String userId, AuditEvent.Type event, Consumer<UserAccount> change) {
        Instant now = policy.now();
        transactions.write(() -> {
            userLock.lock(caller.tenant(), userId);
            UserAccount user = users.find(caller.tenant(), userId);
            if (user == null || authenticators.list(user.id).isEmpty()) {
                throw ProblemType.FACTOR_NOT_FOUND.exception("this user has no factor");
            }
            change.accept(user);
            users.update(user);
            audit.record(userId, event, now);
            return null;
        });
        return status(userId, now).orElseThrow(() -> ProblemType.FACTOR_NOT_FOUND.exception("this user has no factor"));
    }

    /**
     * Removes the user with its authenticators and backup codes; the audit trail stays. Under the user's
     * lock, so a delete and an activation are decided one after the other: whichever comes second sees
     * what the first committed.
     */
    public boolean delete(String userId) {
        Instant now = policy.now();
        return transactions.write(() -> {
            userLock.lock(caller.tenant(), userId);
            boolean deleted = users.delete(caller.tenant(), userId);
            if (deleted) {
                audit.record(userId, AuditEvent.Type.DELETED, now);
            }
            return deleted;
        });
    }
}
