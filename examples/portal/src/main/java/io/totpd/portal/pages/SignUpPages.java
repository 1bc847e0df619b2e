package io.totpd.portal.pages;

import io.quarkus.qute.TemplateInstance;
import io.totpd.portal.session.Sessions;
import io.totpd.portal.users.Passwords;
import io.totpd.portal.users.User;
import io.totpd.portal.users.Users;
import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.jboss.resteasy.reactive.RestForm;

/** Sign up: an address and a password make an account, signed in at once (2FA is turned on from the account page). */
@Path("/sign-up")
public class SignUpPages {

    record signUp(String email, String error) implements TemplateInstance {
    }

    private final Users users;
    private final Passwords passwords;
    private final Sessions sessions;

    SignUpPages(Users users, Passwords passwords, Sessions sessions) {
        this.users = users;
        this.passwords = passwords;
        this.sessions = sessions;
    }

    /** The sign-up form. */
    @GET
    public TemplateInstance form() {
        return new signUp("", null);
    }

    /** Makes the account and signs it in (303 to /account); the form again, with what is wrong, as 400 or 409. */
    @POST
    public Response signUp(@RestForm String email, @RestForm String password, RoutingContext context) {
        String address = Forms.orEmpty(email);
        if (!Forms.isEmail(address)) {
            return Forms.page(400, new signUp(address, "Type your email address, such as alice@example.com."));
        }
        Optional<String> weak = passwords.problem(password);
        if (weak.isPresent()) {
            return Forms.page(400, new signUp(address, weak.get()));
        }
        Optional<User> user = users.create(address, passwords.hash(password));
        if (user.isEmpty()) {
            return Forms.page(409, new signUp(address, "An account with that address exists already. Sign in instead."));
        }
        sessions.signIn(user.get(), context);
        return Forms.redirect("/account");
    }
}
