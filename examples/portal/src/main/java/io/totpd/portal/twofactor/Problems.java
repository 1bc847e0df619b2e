package io.totpd.portal.twofactor;

import io.totpd.client.ApiException;
import java.util.OptionalLong;
import org.jboss.logging.Logger;

/**
 * What a user is told when totpd answers a problem instead of a success: one sentence per problem
 * type, never totpd's own {@code detail}, which is written for developers. Anything this class does
 * not know reads as a failed second factor (REQUIREMENTS 20: only a 2xx is a pass).
 */
public final class Problems {

    private static final Logger LOG = Logger.getLogger(Problems.class);

    private Problems() {
    }

    /**
     * A problem as the pages use it.
     *
     * @param type       the part of the problem type after {@code urn:totpd:problem:}, e.g. {@code code-already-used};
     *                   {@code unreachable} when totpd did not answer
     * @param status     the HTTP status the page answers with: totpd's
     * @param retryAfter seconds to wait, from {@code Retry-After}, when totpd gave one
     */
    public record Problem(String type, int status, OptionalLong retryAfter) {

        /** The sentence the page shows. */
        public String message() {
            return switch (type) {
                case "invalid-code" -> "That code is not right. Type the 6 digits your authenticator app shows now.";
                case "code-already-used" -> "That code was already used. Wait for the next code in your app"
                        + " (a new one comes every 30 seconds) and type that one.";
                case "invalid-request" -> "A code is the 6 digits your authenticator app shows; a backup code"
                        + " is 12 letters and digits, as on your list.";
                case "factor-locked" -> "Too many wrong codes. Try again " + when() + ", or sign in with a backup code.";
                case "factor-disabled" -> "Two-factor sign-in was switched off for this account after too many"
                        + " wrong codes. Contact support to get back in.";
                case "user-suspended" -> "Two-factor sign-in is suspended for this account. Contact support.";
                case "factor-not-found" -> "Two-factor sign-in is on for this account, but no phone is set up"
                        + " for it any more. Contact support to get back in.";
                case "enrollment-expired", "enrollment-not-found", "authenticator-not-found" ->
                        "This QR code has expired. Start again to get a new one.";
                case "factor-already-active" -> "Two-factor sign-in is already on for this account.";
                case "too-many-authenticators" -> "You have as many phones as an account may have."
                        + " Remove one before you add another.";
                case "name-taken" -> "You already have a phone with that name. Choose another.";
                case "last-authenticator" -> "That is your only phone. Add another one before you remove it.";
                case "service-unavailable", "service-busy", "conflict", "unreachable" ->
                        "Two-factor sign-in is unavailable for a moment. Try again " + when() + ".";
                default -> "Something went wrong with two-factor sign-in. Try again in a moment.";
            };
        }

        private String when() {
            return retryAfter.isPresent() ? "in " + retryAfter.getAsLong() + " seconds" : "in a moment";
        }
    }

    /** The problem a call to totpd failed with. */
    public static Problem of(ApiException e) {
        OptionalLong retryAfter = e.retryAfter().map(wait -> OptionalLong.of(wait.toSeconds())).orElse(OptionalLong.empty());
        if (e.status() == 0) {
            // No HTTP answer at all: totpd down, unreachable or too slow. Fail closed.
            LOG.warnf("totpd did not answer: %s", e.getCause() == null ? e.getMessage() : e.getCause().toString());
            return new Problem("unreachable", 503, OptionalLong.empty());
        }
        if (!e.isProblem() || !e.type().startsWith(ApiException.TYPE_PREFIX)) {
            // Something between the portal and totpd answered (a proxy's error page): not totpd's verdict.
            LOG.warnf("totpd's address answered %d without a problem of totpd", e.status());
            return new Problem("unknown", 502, retryAfter);
        }
        return new Problem(e.type().substring(ApiException.TYPE_PREFIX.length()), e.status(), retryAfter);
    }
}
