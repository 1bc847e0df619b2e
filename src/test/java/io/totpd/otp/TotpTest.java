package io.totpd.otp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.totpd.otp.Totp.Check.Outcome;
import io.totpd.support.UnicodeTraps;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.FieldSource;
import org.junit.jupiter.params.provider.ValueSource;

class TotpTest {

    private static final Totp DEFAULT = new Totp(HmacAlgorithm.SHA1, 6, Duration.ofSeconds(30));
    private static final byte[] SECRET = Secrets.generate();

    /** RFC 6238 Appendix B; each algorithm has its own seed, as in the RFC's Appendix A code. */
    @ParameterizedTest(name = "{1} at {0}s -> {2}")
    @CsvSource({
        "59, SHA1, 94287082", "59, SHA256, 46119246", "59, SHA512, 90693936",
        "1111111109, SHA1, 07081804", "1111111109, SHA256, 68084774", "1111111109, SHA512, 25091201",
        "1111111111, SHA1, 14050471", "1111111111, SHA256, 67062674", "1111111111, SHA512, 99943326",
        "1234567890, SHA1, 89005924", "1234567890, SHA256, 91819424", "1234567890, SHA512, 93441116",
        "2000000000, SHA1, 69279037", "2000000000, SHA256, 90698825", "2000000000, SHA512, 38618901",
        "20000000000, SHA1, 65353130", "20000000000, SHA256, 77737706", "20000000000, SHA512, 47863826"})
    void matchesRfc6238AppendixB(long seconds, HmacAlgorithm algorithm, String expected) {
        String seed = switch (algorithm) {
            case SHA1 -> "12345678901234567890";
            case SHA256 -> "12345678901234567890123456789012";
            case SHA512 -> "1234567890123456789012345678901234567890123456789012345678901234";
        };
        Totp totp = new Totp(algorithm, 8, Duration.ofSeconds(30));
        assertEquals(expected, totp.code(seed.getBytes(StandardCharsets.US_ASCII), totp.step(Instant.ofEpochSecond(seconds))));
    }

    @Test
    void stepCounterIsSixtyFourBits() {
        assertEquals(666_666_666L, DEFAULT.step(Instant.ofEpochSecond(20_000_000_000L)));
    }

    @Test
    void acceptsTheCurrentStepAndOneEitherSide() {
        long now = 1_000_000;
        for (long step = now - 1; step <= now + 1; step++) {
            Totp.Check check = DEFAULT.check(SECRET, DEFAULT.code(SECRET, step), now, 0, null);
            assertEquals(Outcome.ACCEPTED, check.outcome());
            assertEquals(step, check.step());
        }
    }

    @Test
    void rejectsCodesTwoStepsAway() {
        long now = 1_000_000;
        assertEquals(Outcome.INVALID, DEFAULT.check(SECRET, DEFAULT.code(SECRET, now - 2), now, 0, null).outcome());
        assertEquals(Outcome.INVALID, DEFAULT.check(SECRET, DEFAULT.code(SECRET, now + 2), now, 0, null).outcome());
    }

    @Test
    void neverAcceptsAStepAtOrBelowTheLastUsedOne() {
        long now = 1_000_000;
        assertEquals(Outcome.REPLAYED, DEFAULT.check(SECRET, DEFAULT.code(SECRET, now), now, 0, now).outcome());
        assertEquals(Outcome.REPLAYED, DEFAULT.check(SECRET, DEFAULT.code(SECRET, now - 1), now, 0, now).outcome());
        assertEquals(Outcome.ACCEPTED, DEFAULT.check(SECRET, DEFAULT.code(SECRET, now + 1), now, 0, now).outcome());
    }

    @Test
    void theWindowFollowsTheDriftItIsGiven() {
        long now = 1_000_000;
        for (int offset = -3; offset <= -1; offset++) {
            assertEquals(Outcome.ACCEPTED, DEFAULT.check(SECRET, DEFAULT.code(SECRET, now + offset), now, -2, null).outcome());
        }
        assertEquals(Outcome.INVALID, DEFAULT.check(SECRET, DEFAULT.code(SECRET, now), now, -2, null).outcome());
        assertEquals(Outcome.INVALID, DEFAULT.check(SECRET, DEFAULT.code(SECRET, now - 4), now, -2, null).outcome());
    }

    @Test
    void anotherSecretsCodeIsInvalid() {
        long now = 1_000_000;
        assertEquals(Outcome.INVALID, DEFAULT.check(Secrets.generate(), DEFAULT.code(SECRET, now), now, 0, null).outcome());
    }

    @Test
    void codesOfAnotherLengthNeverMatch() {
        Totp eight = new Totp(HmacAlgorithm.SHA1, 8, Duration.ofSeconds(30));
        long now = 1_000_000;
        assertEquals(Outcome.INVALID, DEFAULT.check(SECRET, eight.code(SECRET, now), now, 0, null).outcome());
    }

    @ParameterizedTest
    @ValueSource(strings = {"123456", "123 456", " 1 2 3 4 5 6 ", "12345678"})
    void normaliseRemovesSpaces(String input) {
        assertEquals(Optional.of(input.replace(" ", "")), Totp.normalise(input));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "12345", "1234567", "123456789", "12a456", "12-456", "１２３４５６", "123456\n", "\t123456"})
    void normaliseRefusesAnythingElse(String input) {
        assertFalse(Totp.normalise(input).isPresent());
        assertFalse(Totp.normalise(null).isPresent());
    }

    @Test
    void refusesSettingsAppsCannotUse() {
        assertThrows(IllegalArgumentException.class, () -> new Totp(HmacAlgorithm.SHA1, 7, Duration.ofSeconds(30)));
        assertThrows(IllegalArgumentException.class, () -> new Totp(HmacAlgorithm.SHA1, 6, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> new Totp(HmacAlgorithm.SHA1, 6, Duration.ofMillis(1500)));
    }

    @Test
    void secretsAre160RandomBits() {
        assertEquals(20, Secrets.generate().length);
        assertTrue(!java.util.Arrays.equals(Secrets.generate(), Secrets.generate()));
    }

    @ParameterizedTest(name = "{0}")
    @FieldSource("io.totpd.support.UnicodeTraps#ALL")
    void normaliseReadsOnlyAsciiDigitsAndSpaces(UnicodeTraps.Trap trap) {
        for (String host : new String[] {"123 456", "12345678"}) {
            String planted = UnicodeTraps.planted(host, trap);
            assertEquals(Optional.empty(), Totp.normalise(planted), planted);
        }
    }
}
