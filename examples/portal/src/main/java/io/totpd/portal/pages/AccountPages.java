package io.totpd.portal.pages;

import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import io.totpd.client.ApiException;
import io.totpd.client.api.AuthenticatorsApi;
import io.totpd.client.api.UsersApi;
import io.totpd.client.model.Authenticator;
import io.totpd.portal.session.SessionIdentityProvider;
import io.totpd.portal.session.Sessions;
import io.totpd.portal.twofactor.Problems;
import io.totpd.portal.users.User;
import io.totpd.portal.users.Users;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jboss.resteasy.reactive.RestQuery;

/** The signed-in user's page: 2FA on or off, the phones and backup codes left; and signing out. */
@Authenticated
@Path("/")
public class AccountPages {

    /** A phone as the page lists it. */
    public record Phone(String id, String name, boolean active, String lastUsed) {
    }

    record account(String email, boolean twoFactor, List<Phone> phones, Integer backupCodesLeft, String notice,
                   String error) implements TemplateInstance {
    }

    // Fixed texts for ?done=: a query parameter chooses one, and is never shown itself.
    private static final Map<String, String> NOTICES = Map.of(
            "two-factor-on", "Two-factor sign-in is on. From now on you sign in with your password and a code.",
            "phone-added", "Your new phone is set up: its codes work from now on.",
            "phone-removed", "The phone was removed: its codes no longer work.");
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("d MMM yyyy, HH:mm 'UTC'", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);

    private final SecurityIdentity identity;
    private final Users users;
    private final Sessions sessions;
    private final AuthenticatorsApi authenticators;
    private final UsersApi totpdUsers;

    AccountPages(SecurityIdentity identity, Users users, Sessions sessions, AuthenticatorsApi authenticators,
                 UsersApi totpdUsers) {
        this.identity = identity;
        this.users = users;
        this.sessions = sessions;
        this.authenticators = authenticators;
        this.totpdUsers = totpdUsers;
    }

    /** The portal's root: the account page, or the sign-in page for a visitor. */
    @GET
    public Response home() {
        return Forms.redirect("/account");
    }

    /** The account page: 2FA on or off, the phones, the backup codes left; {@code done} chooses a fixed notice. */
    @GET
    @Path("account")
    public Response account(@RestQuery String done, @RestQuery("backup-codes-left") Integer backupCodesLeft) {
        User user = identity.getAttribute(SessionIdentityProvider.USER);
        String notice = backupCodesLeft != null
                ? "You signed in with a backup code. It works no more; you have " + backupCodesLeft + " left."
                : done == null ? null : NOTICES.get(done);
        if (!user.twoFactor()) {
            return Forms.page(200, new account(user.email(), false, List.of(), null, notice, null));
        }
        try {
            List<Phone> phones = authenticators.listAuthenticators(user.totpdUserId()).getAuthenticators().stream()
                    .map(AccountPages::phone).toList();
            Integer left = totpdUsers.getUserStatus(user.totpdUserId()).getBackupCodesRemaining();
            return Forms.page(200, new account(user.email(), true, phones, left, notice, null));
        } catch (ApiException e) {
            Problems.Problem problem = Problems.of(e);
            return Forms.page(problem.status(), new account(user.email(), true, List.of(), null, notice, problem.message()));
        }
    }

    /** Signs out: ends every session of the user, 303 to the sign-in page. */
    @POST
    @Path("sign-out")
    public Response signOut(RoutingContext context) {
        User user = identity.getAttribute(SessionIdentityProvider.USER);
        // Every cookie of the user names the old epoch, this browser's and any other: all end here.
        users.endSessions(user.id());
        sessions.signOut(context);
        return Forms.redirect("/sign-in?notice=signed-out");
    }

    private static Phone phone(Authenticator authenticator) {
        boolean active = authenticator.getState() == Authenticator.StateEnum.ACTIVE;
        String lastUsed = authenticator.getLastUsedAt() == null ? "not used yet" : DAY.format(authenticator.getLastUsedAt());
        return new Phone(authenticator.getAuthenticatorId().toString(), authenticator.getName(), active, lastUsed);
    }
}
