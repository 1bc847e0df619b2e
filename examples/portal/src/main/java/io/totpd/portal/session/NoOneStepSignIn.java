package io.totpd.portal.session;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.UsernamePasswordAuthenticationRequest;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Refuses every user name and password posted to form authentication's own {@code j_security_check}:
 * a password alone must never make a session for a user who has two-factor sign-in on, and the
 * portal's sign-in pages ({@code io.totpd.portal.pages.SignInPages}) are the only way in.
 */
@ApplicationScoped
public class NoOneStepSignIn implements IdentityProvider<UsernamePasswordAuthenticationRequest> {

    @Override
    public Class<UsernamePasswordAuthenticationRequest> getRequestType() {
        return UsernamePasswordAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(UsernamePasswordAuthenticationRequest request, AuthenticationRequestContext context) {
        return Uni.createFrom().failure(new AuthenticationFailedException());
    }
}
