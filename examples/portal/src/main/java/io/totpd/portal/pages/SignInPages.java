package io.totpd.portal.pages;

import io.quarkus.qute.TemplateInstance;
import io.totpd.client.ApiException;
import io.totpd.client.api.VerificationApi;
import io.totpd.client.model.CodeRequest;
import io.totpd.client.model.RecoverRequest;
import io.totpd.client.model.Recovery;
import io.totpd.portal.session.Sessions;
import io.totpd.portal.twofactor.Problems;
import io.totpd.portal.twofactor.Problems.Problem;
import io.totpd.portal.users.Passwords;
import io.totpd.portal.users.User;
import io.totpd.portal.users.Users;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import java.util.Map;
import java.util.Optional;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.RestQuery;

/**
 * Sign in, in two steps when the account has 2FA on: the password, then a code from the phone (or a
 * backup code). The password step gives only a short-lived pending cookie; the session cookie is
 * written once totpd accepted the code (see {@link Sessions}).
 */
@Path("/sign-in")
public class SignInPages {

    record signIn(String email, String error, String notice) implements TemplateInstance {
    }

    record code(String email, String error, String backupError) implements TemplateInstance {
    }

    private final Users users;
    private final Passwords passwords;
    private final Sessions sessions;
    private final VerificationApi verification;

    SignInPages(Users users, Passwords passwords, Sessions sessions, VerificationApi verification) {
        this.users = users;
        this.passwords = passwords;
        this.sessions = sessions;
        this.verification = verification;
    }

    // Fixed texts for ?notice=: a query parameter chooses one, and is never shown itself.
    private static final Map<String, String> NOTICES = Map.of(
            "signed-out", "You signed out.",
            "expired", "That took too long: type your password again.");

    /** The password form, with a fixed notice when {@code notice} names one ({@code signed-out}, {@code expired}). */
    @GET
    public TemplateInstance form(@RestQuery String notice) {
        return new signIn("", null, notice == null ? null : NOTICES.get(notice));
    }

    /**
     * Step 1: the password. Right, and 2FA off: signed in (303 to /account); right, and 2FA on: a
     * pending cookie and 303 to the code page; wrong, or no such address: the form again, 400.
     */
    @POST
    public Response password(@RestForm String email, @RestForm String password, RoutingContext context) {
        String address = Forms.orEmpty(email);
        Optional<Users.Login> login = Forms.isEmail(address) ? users.login(address) : Optional.empty();
        if (password == null || !passwords.matches(password, login.map(Users.Login::passwordHash))) {
            return Forms.page(400, new signIn(address, "That email address and password do not match an account.", null));
        }
        User user = login.get().user();
        if (!user.twoFactor()) {
            sessions.signIn(user, context);
            return Forms.redirect("/account");
        }
        sessions.passwordAccepted(user, context);
        return Forms.redirect("/sign-in/code");
    }

    /** The code page, while this browser's pending sign-in lasts; else 303 back to the password. */
    @GET
    @Path("/code")
    public Response codeForm(RoutingContext context) {
        return pendingUser(context)
                .map(user -> Forms.page(200, new code(user.email(), null, null)))
                .orElseGet(() -> Forms.redirect("/sign-in?notice=expired"));
    }

    /** Step 2: a code from the phone, checked by totpd; accepted: signed in, 303 to /account; else the page with the problem's sentence and status. */
    @POST
    @Path("/code")
    public Response code(@RestForm String code, RoutingContext context) {
        Optional<User> pending = pendingUser(context);
        if (pending.isEmpty()) {
            return Forms.redirect("/sign-in?notice=expired");
        }
        User user = pending.get();
        try {
            verification.verify(new CodeRequest().userId(user.totpdUserId()).code(Forms.orEmpty(code)));
        } catch (ApiException e) {
            Problem problem = Problems.of(e);
            return Forms.page(problem.status(), new code(user.email(), problem.message(), null));
        }
        sessions.signIn(user, context);
        return Forms.redirect("/account");
    }

    /** Step 2 without the phone: a backup code, redeemed at totpd; then as {@link #code}, the account page saying how many are left. */
    @POST
    @Path("/backup-code")
    public Response backupCode(@RestForm String backupCode, RoutingContext context) {
        Optional<User> pending = pendingUser(context);
        if (pending.isEmpty()) {
            return Forms.redirect("/sign-in?notice=expired");
        }
        User user = pending.get();
        Recovery recovery;
        try {
            recovery = verification.recover(new RecoverRequest().userId(user.totpdUserId()).backupCode(Forms.orEmpty(backupCode)));
        } catch (ApiException e) {
            Problem problem = Problems.of(e);
            return Forms.page(problem.status(), new code(user.email(), null, problem.message()));
        }
        sessions.signIn(user, context);
        return Forms.redirect("/account?backup-codes-left=" + recovery.getBackupCodesRemaining());
    }

    // The user whose password this browser typed within the code timeout, if still signed up and not signed out since.
    private Optional<User> pendingUser(RoutingContext context) {
        return sessions.pending(context)
                .flatMap(principal -> users.find(principal.userId()).filter(principal::current))
                .filter(User::twoFactor);
    }
}
