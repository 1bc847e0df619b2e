package io.totpd.otp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Base32Test {

    /** RFC 4648 section 10, without the padding authenticator apps do not want. */
    @ParameterizedTest
    @CsvSource({"f, MY", "fo, MZXQ", "foo, MZXW6", "foob, MZXW6YQ", "fooba, MZXW6YTB", "foobar, MZXW6YTBOI"})
    void matchesRfc4648Vectors(String plain, String encoded) {
        assertEquals(encoded, Base32.encode(plain.getBytes(StandardCharsets.US_ASCII)));
        assertArrayEquals(plain.getBytes(StandardCharsets.US_ASCII), Base32.decode(encoded));
    }

    @Test
    void aSecretIs32UpperCaseCharactersWithoutPadding() {
        String encoded = Base32.encode(Secrets.generate());
        assertEquals(32, encoded.length());
        assertEquals(true, encoded.matches("[A-Z2-7]{32}"));
    }

    @Test
    void decodesWhatPeopleType() {
        byte[] secret = Secrets.generate();
        String typed = Base32.grouped(Base32.encode(secret)).toLowerCase();
        assertArrayEquals(secret, Base32.decode(typed));
    }

    @Test
    void groupsInBlocksOfFour() {
        assertEquals("ABCD EFGH IJ", Base32.grouped("ABCDEFGHIJ"));
    }

    @Test
    void refusesOtherCharacters() {
        assertThrows(IllegalArgumentException.class, () -> Base32.decode("MZXW1"));
    }
}
