package io.totpd.portal.session;

import io.quarkus.runtime.Startup;
import io.quarkus.vertx.http.runtime.FormAuthConfig;
import io.quarkus.vertx.http.runtime.VertxHttpConfig;
import io.quarkus.vertx.http.runtime.security.PersistentLoginManager;
import io.totpd.portal.PortalConfig;
import io.totpd.portal.users.User;
import io.vertx.core.http.Cookie;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Sessions as Quarkus's form authentication keeps them: an AES-GCM encrypted cookie holding an expiry
 * and a principal name, renewed as it is used (quarkus.http.auth.form.timeout, new-cookie-interval),
 * read back on every request by {@code FormAuthenticationMechanism} and turned into a user by
 * {@link SessionIdentityProvider}.
 *
 * <p>Form authentication's own login (a POST of user name and password to {@code j_security_check})
 * has one step; this portal's sign-in has two, so the pages write the cookie themselves, with the same
 * {@link PersistentLoginManager}, key and cookie settings the mechanism uses, only once both steps
 * passed. Between the two steps the browser holds a second cookie of the same kind, "pending", under a
 * key of its own, so that a pending cookie can never pass for a session.
 *
 * <p>The principal is {@code <user id>.<session epoch>}: signing out raises the user's epoch, which
 * ends that cookie and every other one of the user, although the cookie itself is stateless.
 */
@ApplicationScoped
@Startup // a missing or short key stops the start-up, instead of the first sign-in
public class Sessions {

    /** The pending cookie's name. */
    public static final String PENDING_COOKIE = "portal-sign-in-pending";

    private static final Pattern PRINCIPAL = Pattern.compile("([0-9]{1,18})\\.([0-9]{1,9})");
    private static final Pattern PENDING = Pattern.compile("pending:" + PRINCIPAL.pattern());

    private final FormAuthConfig form;
    private final PersistentLoginManager sessions;
    private final PersistentLoginManager pending;

    Sessions(VertxHttpConfig http, PortalConfig config) {
        this.form = http.auth().form();
        String key = http.encryptionKey().filter(text -> text.length() >= 32).orElseThrow(() -> new IllegalStateException(
                "quarkus.http.auth.session.encryption-key (QUARKUS_HTTP_AUTH_SESSION_ENCRYPTION_KEY) must be set,"
                        + " to at least 32 random characters: it encrypts the session cookies, and every replica"
                        + " needs the same one"));
        String path = form.cookiePath().orElse("/");
        long maxAge = form.cookieMaxAge().map(Duration::toSeconds).orElse(-1L);
        String domain = form.cookieDomain().orElse(null);
        // Exactly as FormAuthenticationMechanism builds its own, so that it reads and renews ours.
        this.sessions = new PersistentLoginManager(key, form.cookieName(), form.timeout().toMillis(),
                form.newCookieInterval().toMillis(), true, form.cookieSameSite().name(), path, maxAge, domain);
        // The manager hashes the key text with SHA-256: another text is an unrelated AES key.
        this.pending = new PersistentLoginManager(key + "|sign-in-pending", PENDING_COOKIE,
                config.codeTimeout().toMillis(), Long.MAX_VALUE, true, "STRICT", path, -1, domain);
    }

    /** Signs the user in: from this response on, the browser sends a session cookie. Ends a pending sign-in. */
    public void signIn(User user, RoutingContext context) {
        clearPending(context);
        sessions.save(principal(user), context, form.cookieName(), null, context.request().isSSL());
    }

    /** Ends the browser's session cookie and pending sign-in (the caller ends the user's other sessions). */
    public void signOut(RoutingContext context) {
        clearPending(context);
        context.response().addCookie(expired(form.cookieName()));
    }

    /** Remembers, for {@link PortalConfig#codeTimeout()}, that this browser typed the user's right password. */
    public void passwordAccepted(User user, RoutingContext context) {
        pending.save("pending:" + principal(user), context, PENDING_COOKIE, null, context.request().isSSL());
    }

    /** The user id and epoch of the pending sign-in this browser holds, if it holds one that has not expired. */
    public Optional<Principal> pending(RoutingContext context) {
        PersistentLoginManager.RestoreResult restored = pending.restore(context, PENDING_COOKIE);
        return restored == null ? Optional.empty() : parse(PENDING, restored.getPrincipal());
    }

    /** Forgets the pending sign-in. */
    public void clearPending(RoutingContext context) {
        if (context.request().getCookie(PENDING_COOKIE) != null) {
            context.response().addCookie(expired(PENDING_COOKIE));
        }
    }

    /** The principal name a session cookie of this user holds. */
    static String principal(User user) {
        return user.id() + "." + user.sessionEpoch();
    }

    /** A session cookie's principal name read back, or empty when it is not one this class wrote. */
    static Optional<Principal> parse(String principal) {
        return parse(PRINCIPAL, principal);
    }

    private static Optional<Principal> parse(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        return matcher.matches()
                ? Optional.of(new Principal(Long.parseLong(matcher.group(1)), Integer.parseInt(matcher.group(2))))
                : Optional.empty();
    }

    private Cookie expired(String name) {
        return Cookie.cookie(name, "").setPath(form.cookiePath().orElse("/")).setMaxAge(0);
    }

    /** What a session or pending cookie names: a user, and the session epoch it was made in. */
    public record Principal(long userId, int sessionEpoch) {

        /** Whether the user still has that epoch, that is, has not signed out since. */
        public boolean current(User user) {
            return user.id() == userId && user.sessionEpoch() == sessionEpoch;
        }
    }
}
