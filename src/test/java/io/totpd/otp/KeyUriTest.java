package io.totpd.otp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class KeyUriTest {

    private static final Totp DEFAULT = new Totp(HmacAlgorithm.SHA1, 6, Duration.ofSeconds(30));

    @Test
    void labelAndIssuerParameterCarryTheSameIssuer() {
        assertEquals("otpauth://totp/Example:alice%40example.com?secret=JBSWY3DPEHPK3PXP&issuer=Example",
                KeyUri.totp("Example", "alice@example.com", "JBSWY3DPEHPK3PXP", DEFAULT));
    }

    @Test
    void spacesArePercentTwentyNeverPlus() {
        assertEquals("otpauth://totp/ACME%20Co:John%20Doe?secret=JBSWY3DPEHPK3PXP&issuer=ACME%20Co",
                KeyUri.totp("ACME Co", "John Doe", "JBSWY3DPEHPK3PXP", DEFAULT));
    }

    @Test
    void nonAsciiIsPercentEncodedUtf8() {
        assertEquals("otpauth://totp/B%C3%BCro:j%C3%BCrgen?secret=JBSWY3DPEHPK3PXP&issuer=B%C3%BCro",
                KeyUri.totp("Büro", "jürgen", "JBSWY3DPEHPK3PXP", DEFAULT));
    }

    @Test
    void reservedCharactersAreEncoded() {
        assertEquals("otpauth://totp/a%26b:x%3Fy%23z%2B%2F?secret=S&issuer=a%26b",
                KeyUri.totp("a&b", "x?y#z+/", "S", DEFAULT));
    }

    @Test
    void nonDefaultParametersAreExplicit() {
        Totp strong = new Totp(HmacAlgorithm.SHA256, 8, Duration.ofSeconds(60));
        assertEquals("otpauth://totp/Example:alice?secret=S&issuer=Example&algorithm=SHA256&digits=8&period=60",
                KeyUri.totp("Example", "alice", "S", strong));
    }

    @Test
    void neitherIssuerNorAccountMayContainAColon() {
        assertThrows(IllegalArgumentException.class, () -> KeyUri.totp("Ex:ample", "alice", "S", DEFAULT));
        assertThrows(IllegalArgumentException.class, () -> KeyUri.totp("Example", "al:ice", "S", DEFAULT));
        assertThrows(IllegalArgumentException.class, () -> KeyUri.totp("", "alice", "S", DEFAULT));
    }

    @Test
    void parseReadsWhatTotpWroteBack() {
        Totp strong = new Totp(HmacAlgorithm.SHA256, 8, Duration.ofSeconds(60));
        KeyUri.Parsed parsed = KeyUri.parse(KeyUri.totp("ACME Co", "jürgen@example.com", "JBSWY3DPEHPK3PXP", strong));
        assertEquals(new KeyUri.Parsed("ACME Co", "jürgen@example.com", "JBSWY3DPEHPK3PXP", "SHA256", 8, 60), parsed);
    }

    @Test
    void parseTakesWhatOtherGeneratorsWrite() {
        // No issuer parameter, '+' for a space, upper-case scheme, and parameters this service ignores.
        assertEquals(new KeyUri.Parsed("Old App", "bob smith", "jbswy3dpehpk3pxp", null, null, null),
                KeyUri.parse("OTPAUTH://TOTP/Old+App:bob%20smith?secret=jbswy3dpehpk3pxp&image=https%3A%2F%2Fx"));
        assertEquals(new KeyUri.Parsed(null, "carol", "S", null, 6, 30), KeyUri.parse("otpauth://totp/carol?secret=S&digits=6&period=30"));
    }

    @Test
    void parseRefusesWhatIsNoTotpKeyWithoutEchoingIt() {
        for (String uri : new String[] {"https://totp/x?secret=S", "otpauth://hotp/x?secret=SECRETVALUE&counter=1",
                "otpauth://totp/x?issuer=a", "otpauth://totp/x?secret=S&digits=six", "otpauth://totp/x?secret=S&secret=T",
                "otpauth://totp/x%zz?secret=S"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeyUri.parse(uri), uri);
            assertEquals(false, e.getMessage().contains("SECRETVALUE") || e.getMessage().contains("otpauth://totp/x"), uri);
        }
    }
}
