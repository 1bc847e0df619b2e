package io.totpd.portal.users;

/**
 * A portal user as the pages need one.
 *
 * @param id           the portal's id; as text, the {@code userId} totpd knows the user by
 * @param email        the address the user signs in with, also the account name the authenticator app shows
 * @param twoFactor    whether sign-in asks for a code after the password
 * @param sessionEpoch the number every session cookie of the user carries; signing out raises it
 */
public record User(long id, String email, boolean twoFactor, int sessionEpoch) {

    /** The user's id at totpd. */
    public String totpdUserId() {
        return Long.toString(id);
    }
}
