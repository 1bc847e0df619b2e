package io.totpd.portal.session;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.TrustedAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.totpd.portal.users.User;
import io.totpd.portal.users.Users;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Turns the principal of a session cookie that form authentication decrypted into the signed-in
 * {@link User} (the identity's attribute {@link #USER}), if the user still exists and has not signed
 * out since the cookie was made.
 */
@ApplicationScoped
public class SessionIdentityProvider implements IdentityProvider<TrustedAuthenticationRequest> {

    /** The identity attribute that holds the {@link User}. */
    public static final String USER = "portal.user";

    private final Users users;

    SessionIdentityProvider(Users users) {
        this.users = users;
    }

    @Override
    public Class<TrustedAuthenticationRequest> getRequestType() {
        return TrustedAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(TrustedAuthenticationRequest request, AuthenticationRequestContext context) {
        // The user is read from the database: a blocking call, off the event loop.
        return context.runBlocking(() -> {
            Sessions.Principal principal = Sessions.parse(request.getPrincipal())
                    .orElseThrow(AuthenticationFailedException::new);
            User user = users.find(principal.userId()).filter(principal::current)
                    .orElseThrow(AuthenticationFailedException::new);
            // The principal stays the cookie's text: form authentication writes it back when it renews the cookie.
            return QuarkusSecurityIdentity.builder()
                    .setPrincipal(new QuarkusPrincipal(request.getPrincipal()))
                    .addAttribute(USER, user)
                    .build();
        });
    }
}
