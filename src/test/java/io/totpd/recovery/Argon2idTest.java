package io.totpd.recovery;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.System.Logger.Level;
import org.junit.jupiter.api.Test;

class Argon2idTest {

    private static final Argon2id OWASP_MINIMUM = new Argon2id(19 * 1024, 2, 1);

    @Test
    void aHashMatchesOnlyItsCode() {
        String hash = OWASP_MINIMUM.hash("ABCDEFGHJKMN");
        assertTrue(Argon2id.matches(hash, "ABCDEFGHJKMN"));
        assertFalse(Argon2id.matches(hash, "ABCDEFGHJKMP"));
    }

    @Test
    void everyHashHasItsOwnSaltAndItsParameters() {
        String first = OWASP_MINIMUM.hash("ABCDEFGHJKMN");
        assertNotEquals(first, OWASP_MINIMUM.hash("ABCDEFGHJKMN"));
        assertTrue(first.matches("\\$argon2id\\$v=19\\$m=19456,t=2,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}"), first);
    }

    @Test
    void olderParametersStillVerify() {
        String stronger = new Argon2id(32 * 1024, 3, 2).hash("ABCDEFGHJKMN");
        assertTrue(Argon2id.matches(stronger, "ABCDEFGHJKMN"));
    }

    @Test
    void refusesParametersBelowTheMinimum() {
        assertThrows(IllegalArgumentException.class, () -> new Argon2id(19 * 1024 - 1, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> new Argon2id(19 * 1024, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new Argon2id(19 * 1024, 2, 0));
    }

    @Test
    void reportsWhatOneHashCosts() {
        OWASP_MINIMUM.hash("warm-up-0000");
        int rounds = 10;
        long start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            OWASP_MINIMUM.hash("ABCDEFGHJKMN");
        }
        double millis = (System.nanoTime() - start) / 1e6 / rounds;
        System.getLogger(Argon2idTest.class.getName()).log(Level.INFO,
                String.format("Argon2id m=19456 KiB, t=2, p=1: %.1f ms per hash", millis));
        assertTrue(millis < 2_000, "one hash took " + millis + " ms");
    }
}
