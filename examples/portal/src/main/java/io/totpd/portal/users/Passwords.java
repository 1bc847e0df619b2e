package io.totpd.portal.users;

import io.quarkus.elytron.security.common.BcryptUtil;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * Password hashing with bcrypt, through Quarkus's own {@link BcryptUtil} (WildFly Elytron underneath):
 * it comes with the Quarkus BOM, is maintained with Quarkus, and writes the modular crypt format
 * ({@code $2a$12$...}) with a fresh salt per hash, so a team copying this example writes no crypto of
 * its own. bcrypt reads only the first 72 bytes of a password, so longer ones are refused instead of
 * silently cut. Cost 12 (about 0.25 s a hash here) is above OWASP's minimum of 10.
 */
@ApplicationScoped
public class Passwords {

    /** The fewest characters a password may have (NIST SP 800-63B asks for at least 8). */
    public static final int MIN_LENGTH = 12;
    /** The most UTF-8 bytes bcrypt reads. */
    public static final int MAX_BYTES = 72;
    private static final int COST = 12;

    // Compared against when no user has the address, so that an unknown address takes as long as a
    // wrong password and the timing does not tell which addresses have accounts.
    private final String decoy = hash(randomPassword());

    /** A new bcrypt hash of the password (a fresh salt each time). */
    public String hash(String password) {
        return BcryptUtil.bcryptHash(password, COST);
    }

    /** Whether the password matches the hash; with no hash, checks a decoy and says no. */
    public boolean matches(String password, Optional<String> hash) {
        boolean matches = BcryptUtil.matches(password, hash.orElse(decoy));
        return hash.isPresent() && matches;
    }

    /** What is wrong with a new password, as a sentence for the page, or empty when nothing is. */
    public Optional<String> problem(String password) {
        if (password == null || password.codePointCount(0, password.length()) < MIN_LENGTH) {
            return Optional.of("Choose a password of at least " + MIN_LENGTH + " characters.");
        }
        if (password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            return Optional.of("Choose a password of at most " + MAX_BYTES + " bytes (about 70 letters).");
        }
        return Optional.empty();
    }

    private static String randomPassword() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }
}
