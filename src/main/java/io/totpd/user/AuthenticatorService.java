package io.totpd.user;

import io.totpd.api.Api.AuthenticatorSummary;
import io.totpd.audit.AuditEvent;
import io.totpd.audit.AuditTrail;
import io.totpd.caller.CurrentCaller;
import io.totpd.core.Authenticator;
import io.totpd.core.Authenticators;
import io.totpd.core.Policy;
import io.totpd.core.UserAccount;
import io.totpd.core.UserAccounts;
import io.totpd.db.Transactions;
import io.totpd.db.UserLock;
import io.totpd.problem.ProblemType;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/** A helpdesk's view of a user's authenticators: list, rename, remove. Changes are made under the user's lock. */
@ApplicationScoped
public class AuthenticatorService {

    private final UserAccounts users;
    private final Authenticators authenticators;
    private final Policy policy;
    private final CurrentCaller caller;
    private final AuditTrail audit;
    private final Transactions transactions;
    private final UserLock userLock;

    AuthenticatorService(UserAccounts users, Authenticators authenticators, Policy policy, CurrentCaller caller,
            AuditTrail audit, Transactions transactions, UserLock userLock) {
        this.users = users;
        this.authenticators = authenticators;
        this.policy = policy;
        this.caller = caller;
        this.audit = audit;
        this.transactions = transactions;
        this.userLock = userLock;
    }

    /** Pending and active, oldest first; an unknown user has none. Never a secret. */
    public List<AuthenticatorSummary> list(String userId) {
        return transactions.read(() -> {
            UserAccount user = users.find(caller.tenant(), userId);
            return user == null ? List.<AuthenticatorSummary>of()
                    : authenticators.list(user.id).stream().map(AuthenticatorService::summary).toList();
        });
    }

    /**
     * @throws io.totpd.problem.ProblemException 404 {@code authenticator-not-found}; 409 {@code name-taken}
     */
    public AuthenticatorSummary rename(String userId, UUID authenticatorId, String name) {
        Instant now = policy.now();
        return transactions.write(() -> {
            Found found = lock(userId, authenticatorId);
            Authenticator.requireFreeName(found.all(), name, authenticatorId);
            found.authenticator().name = name;
            authenticators.update(found.authenticator());
            audit.record(userId, authenticatorId, AuditEvent.Type.RENAMED, now);
            return summary(found.authenticator());
        });
    }

    /**
     * Removes one authenticator; its codes stop working at once, the others' go on.
     *
     * @throws io.totpd.problem.ProblemException 404 {@code authenticator-not-found}; 409 {@code last-authenticator}
     *     for the user's last active one (removing the user is {@code DELETE /users/{userId}})
     */
    public void remove(String userId, UUID authenticatorId) {
        Instant now = policy.now();
        transactions.write(() -> {
            Found found = lock(userId, authenticatorId);
            boolean lastActive = found.authenticator().isActive() && found.all().stream().filter(Authenticator::isActive).count() == 1;
            if (lastActive) {
                throw ProblemType.LAST_AUTHENTICATOR.exception("this is the user's last active authenticator; "
                        + "add another first, or remove the user with DELETE /users/{userId}");
            }
            authenticators.delete(found.user().id, authenticatorId);
            audit.record(userId, authenticatorId, AuditEvent.Type.REMOVED, now);
            return null;
        });
    }

    private record Found(UserAccount user, Authenticator authenticator, List<Authenticator> all) {
    }

    private Found lock(String userId, UUID authenticatorId) {
        userLock.lock(caller.tenant(), userId);
        UserAccount user = users.find(caller.tenant(), userId);
        List<Authenticator> all = user == null ? List.of() : authenticators.list(user.id);
        Authenticator authenticator = all.stream().filter(a -> a.id.equals(authenticatorId)).findFirst()
                .orElseThrow(() -> ProblemType.AUTHENTICATOR_NOT_FOUND.exception("this user has no authenticator by this id"));
        return new Found(user, authenticator, all);
    }

    private static AuthenticatorSummary summary(Authenticator a) {
        return new AuthenticatorSummary(a.id, a.name, a.state.name().toLowerCase(Locale.ROOT), a.createdAt, a.activatedAt,
                a.lastUsedAt, a.weakSecret);
    }
}
