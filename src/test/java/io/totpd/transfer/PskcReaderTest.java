package io.totpd.transfer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import javax.crypto.BadPaddingException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vectors are RFC 6030's own figures, which are HOTP: each file under {@code pskc/} says how it
 * was made TOTP (the Algorithm attribute, a UserId) with the crypto left as the RFC gives it.
 */
class PskcReaderTest {

    /** The secret of RFC 6030 figures 3, 6, 7 and 10 (and of RFC 4226/6238's test vectors). */
    private static final String RFC_SECRET = "12345678901234567890";
    /** RFC 6030 section 6.1 (figure 6): the pre-shared AES-128 key and the MAC key it encrypts. */
    private static final byte[] RFC_KEY = HexFormat.of().parseHex("12345678901234567890123456789012");
    private static final byte[] RFC_MAC_KEY = HexFormat.of().parseHex("1122334455667788990011223344556677889900");
    /** RFC 6030 section 6.2 (figure 7). */
    private static final char[] RFC_PASSPHRASE = "qwerty".toCharArray();

    @Test
    void readsPlainValues() {
        List<ImportItem> items = readAll("figure3-totp.pskcxml", null, null);

        assertEquals(1, items.size());
        Incoming key = assertInstanceOf(Incoming.class, items.get(0));
        assertEquals(RFC_SECRET, ascii(key.secret()));
        assertEquals(8, key.digits());
        assertEquals(30, key.periodSeconds());
        // The Key's UserId, not the DeviceInfo's (DC=example-bank,DC=net).
        assertEquals("UID=jsmith,DC=example-bank,DC=net", key.userId());
        // No FriendlyName: named after the device's SerialNo.
        assertEquals("Token 987654321", key.name());
        assertEquals(keyPackageLine("figure3-totp.pskcxml", 1), key.line());
        assertNull(key.accountName());
        assertNull(key.algorithm());
        assertNull(key.driftSteps());
        assertNull(key.lastUsedStep());
        assertNull(key.lastUsedAt());
    }

    @Test
    void decryptsWithThePreSharedKey() {
        List<ImportItem> items = readAll("figure6-totp.pskcxml", RFC_KEY, null);

        assertEquals(1, items.size());
        Incoming key = assertInstanceOf(Incoming.class, items.get(0));
        assertEquals(RFC_SECRET, ascii(key.secret()));
        assertEquals(8, key.digits());
        assertEquals("UID=jsmith,DC=example-bank,DC=net", key.userId());
        assertEquals(keyPackageLine("figure6-totp.pskcxml", 1), key.line());
    }

    /**
     * A wrong key fails the whole file, from the constructor: the MAC key is decrypted there and its
     * padding does not check. For about 1 wrong key in 256 the padding happens to check; the MAC key is
     * then garbage and every key of the file is a mac-mismatch instead, never a wrong secret. This key
     * (the RFC's with its last nibble changed) is one of the 255.
     */
    @Test
    void refusesAWrongPreSharedKey() {
        byte[] wrong = HexFormat.of().parseHex("12345678901234567890123456789013");

        ImportFileException e = assertThrows(ImportFileException.class, () -> readAll("figure6-totp.pskcxml", wrong, null));
        assertTrue(e.getMessage().contains("Pskc-Key"), e.getMessage());
        assertTrue(e.getMessage().contains("wrong key"), e.getMessage());
    }

    @Test
    void asksForTheMissingPreSharedKey() {
        ImportFileException e = assertThrows(ImportFileException.class,
                () -> readAll("figure6-totp.pskcxml", null, RFC_PASSPHRASE));
        assertTrue(e.getMessage().contains("Pskc-Key header"), e.getMessage());
    }

    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {15, 20, 24, 32})
    void refusesAPreSharedKeyOfTheWrongLength(int bytes) {
        byte[] key = new byte[bytes];

        ImportFileException e = assertThrows(ImportFileException.class, () -> readAll("figure6-totp.pskcxml", key, null));
        // 24 and 32 are AES keys, but not AES-128 ones, which is what figure 6 uses.
        assertTrue(e.getMessage().contains(bytes == 24 || bytes == 32 ? "needs a 16-byte key" : "16, 24 or 32 bytes"),
                e.getMessage());
    }

    @Test
    void derivesTheKeyFromThePassphrase() {
        List<ImportItem> items = readAll("figure7-totp.pskcxml", null, RFC_PASSPHRASE);

        Incoming key = assertInstanceOf(Incoming.class, items.get(0));
        assertEquals(RFC_SECRET, ascii(key.secret()));
        assertEquals("alice", key.userId());
        assertEquals(keyPackageLine("figure7-totp.pskcxml", 1), key.line());
    }

    @Test
    void refusesAWrongPassphrase() {
        ImportFileException e = assertThrows(ImportFileException.class,
                () -> readAll("figure7-totp.pskcxml", null, "qwertz".toCharArray()));
        assertTrue(e.getMessage().contains("wrong passphrase"), e.getMessage());
    }

    @Test
    void asksForTheMissingPassphrase() {
        ImportFileException e = assertThrows(ImportFileException.class,
                () -> readAll("figure7-totp.pskcxml", RFC_KEY, null));
        assertTrue(e.getMessage().contains("Pskc-Passphrase header"), e.getMessage());
    }

    @Test
    void aTamperedValueMacFailsThatKeyOnly() {
        List<ImportItem> items = readAll("figure6-tampered-mac.pskcxml", RFC_KEY, null);

        assertEquals(2, items.size());
        ImportError first = assertInstanceOf(ImportError.class, items.get(0));
        assertEquals("mac-mismatch", first.type());
        assertEquals("first", first.userId());
        assertEquals(keyPackageLine("figure6-tampered-mac.pskcxml", 1), first.line());
        Incoming second = assertInstanceOf(Incoming.class, items.get(1));
        assertEquals("second", second.userId());
        assertEquals(RFC_SECRET, ascii(second.secret()));
    }

    /**
     * Decrypted, the tampered value would fail its padding (shown first, with the JDK alone), and the
     * reader would say invalid-value; it says mac-mismatch, because it checks the MAC and stops there.
     */
    @Test
    void aTamperedCipherValueIsNeverDecrypted() throws GeneralSecurityException {
        byte[] tampered = Base64.getDecoder().decode("AAECAwQFBgcICQoLDA0OD+cIHItlA3Wra1DUpxVvOx2lef1VmNPCMl8jwZqIUqGv");
        Cipher aes = Cipher.getInstance("AES/CBC/PKCS5Padding");
        aes.init(Cipher.DECRYPT_MODE, new SecretKeySpec(RFC_KEY, "AES"), new IvParameterSpec(tampered, 0, 16));
        assertThrows(BadPaddingException.class, () -> aes.doFinal(tampered, 16, tampered.length - 16));

        List<ImportItem> items = readAll("figure6-tampered-cipher.pskcxml", RFC_KEY, null);

        ImportError first = assertInstanceOf(ImportError.class, items.get(0));
        assertEquals("mac-mismatch", first.type());
        assertEquals("first", first.userId());
        Incoming second = assertInstanceOf(Incoming.class, items.get(1));
        assertEquals(RFC_SECRET, ascii(second.secret()));
    }

    @Test
    void anEncryptedValueWithoutValueMacIsAMismatch() {
        String figure6 = resourceText("figure6-totp.pskcxml");
        String withoutMac = figure6.replaceAll("(?s)<ValueMAC>.*?</ValueMAC>", "");

        List<ImportItem> items = readAll(withoutMac, RFC_KEY, null);

        ImportError error = assertInstanceOf(ImportError.class, items.get(0));
        assertEquals("mac-mismatch", error.type());
    }

    @Test
    void aKeyWithoutUserIdIsAnErrorLineAndTheReaderGoesOn() {
        List<ImportItem> items = readAll("figure10-missing-userid.pskcxml", null, null);

        assertEquals(4, items.size());
        assertEquals("user1", assertInstanceOf(Incoming.class, items.get(0)).userId());
        ImportError error = assertInstanceOf(ImportError.class, items.get(1));
        assertEquals("missing-user-id", error.type());
        assertNull(error.userId());
        assertEquals(40, error.line());
        assertEquals(keyPackageLine("figure10-missing-userid.pskcxml", 2), error.line());
        Incoming third = assertInstanceOf(Incoming.class, items.get(2));
        assertEquals("user3", third.userId());
        assertEquals(RFC_SECRET, ascii(third.secret()));
        assertEquals("Token 9999999", third.name());
        assertEquals("user4", assertInstanceOf(Incoming.class, items.get(3)).userId());
    }

    @Test
    void aHotpKeyAmongTotpKeysIsUnsupported() {
        List<ImportItem> items = readAll("figure10-hotp-in-middle.pskcxml", null, null);

        assertEquals(4, items.size());
        ImportError error = assertInstanceOf(ImportError.class, items.get(1));
        assertEquals("unsupported-algorithm", error.type());
        assertEquals("user2", error.userId());
        assertTrue(error.detail().contains("HOTP"), error.detail());
        assertEquals(keyPackageLine("figure10-hotp-in-middle.pskcxml", 2), error.line());
        for (int i : new int[] {0, 2, 3}) {
            assertEquals("user" + (i + 1), assertInstanceOf(Incoming.class, items.get(i)).userId());
        }
    }

    @Test
    void passesSuiteDigitsPeriodAndDriftThrough() {
        List<ImportItem> items = readAll("parameters.pskcxml", null, null);

        Incoming sha256 = assertInstanceOf(Incoming.class, items.get(0));
        assertEquals("HMAC-SHA256", sha256.algorithm());
        assertEquals(8, sha256.digits());
        assertEquals(60, sha256.periodSeconds());
        assertEquals(-2, sha256.driftSteps());
        assertEquals("Lab token", sha256.name());
        assertEquals("12345678901234567890123456789012", ascii(sha256.secret()));

        Incoming sha512 = assertInstanceOf(Incoming.class, items.get(1));
        assertEquals("HMAC-SHA512", sha512.algorithm());
        assertEquals(64, sha512.secret().length);
    }

    @Test
    void refusesKeysWhoseCodesWouldBeWrong() {
        List<ImportItem> items = readAll("parameters.pskcxml", null, null);

        assertEquals("unsupported-time-origin", assertInstanceOf(ImportError.class, items.get(2)).type());
        assertEquals("unsupported-response-format", assertInstanceOf(ImportError.class, items.get(3)).type());
        ImportError notANumber = assertInstanceOf(ImportError.class, items.get(4));
        assertEquals("invalid-value", notANumber.type());
        assertEquals("not-a-number", notANumber.userId());
    }

    @Test
    void takesTheDraftsAlgorithmUriAndTheDevicesUserId() {
        List<ImportItem> items = readAll("parameters.pskcxml", null, null);

        Incoming key = assertInstanceOf(Incoming.class, items.get(5));
        assertEquals("device-user", key.userId());
        assertNull(key.algorithm());
        assertEquals(6, items.size());
    }

    /**
     * Encrypted integers as multiOTP writes them (big-endian bytes), built here under figure 6's keys,
     * since no RFC figure has one.
     */
    @Test
    void decryptsEncryptedIntegers() throws GeneralSecurityException {
        String time = "<Time>" + encrypted(new byte[] {0}) + "</Time>";
        String interval = "<TimeInterval>" + encrypted(new byte[] {60}) + "</TimeInterval>";
        String drift = "<TimeDrift>" + encrypted(new byte[] {3}) + "</TimeDrift>";
        String figure6 = resourceText("figure6-totp.pskcxml");

        Incoming key = assertInstanceOf(Incoming.class, readAll(withData(figure6, time + interval + drift), RFC_KEY, null).get(0));
        assertEquals(60, key.periodSeconds());
        assertEquals(3, key.driftSteps());
        assertEquals(RFC_SECRET, ascii(key.secret()));

        String laterOrigin = "<Time>" + encrypted(new byte[] {1, 0}) + "</Time>";
        ImportError error = assertInstanceOf(ImportError.class, readAll(withData(figure6, laterOrigin), RFC_KEY, null).get(0));
        assertEquals("unsupported-time-origin", error.type());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "not well-formed|<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"><KeyPackage>",
        "empty|",
        "not XML|{\"userId\": \"alice\"}",
        "wrong root|<KeyPackage xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"/>",
        "no namespace|<KeyContainer Version=\"1.0\"/>",
        "the drafts' namespace|<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc:1.0\"/>",
        "version 2.0|<KeyContainer Version=\"2.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"/>",
        "no version|<KeyContainer xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"/>",
        "an X.509 key|<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\""
                + " xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><EncryptionKey><ds:X509Data/></EncryptionKey></KeyContainer>",
        "a MAC key by reference|<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\">"
                + "<MACMethod Algorithm=\"http://www.w3.org/2000/09/xmldsig#hmac-sha1\"><MACKeyReference>k</MACKeyReference>"
                + "</MACMethod></KeyContainer>",
    })
    void refusesFilesThatAreNotPskc(String nameAndDocument) {
        String document = nameAndDocument.substring(nameAndDocument.indexOf('|') + 1);

        assertThrows(ImportFileException.class, () -> readAll(document, RFC_KEY, RFC_PASSPHRASE));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "http://www.w3.org/2001/04/xmlenc#aes128-cbc|http://www.w3.org/2001/04/xmldsig-more#hmac-md5|MACMethod",
        "http://www.w3.org/2001/04/xmlenc#tripledes-cbc|http://www.w3.org/2000/09/xmldsig#hmac-sha1|AES-128-CBC",
        "http://www.w3.org/2001/04/xmlenc#kw-aes128|http://www.w3.org/2000/09/xmldsig#hmac-sha1|AES-128-CBC",
    })
    void refusesMethodsItDoesNotImplement(String methods) {
        String[] parts = methods.split("\\|");
        String document = resourceText("figure6-totp.pskcxml")
                .replace("Algorithm=\"http://www.w3.org/2001/04/xmlenc#aes128-cbc\"", "Algorithm=\"" + parts[0] + "\"")
                .replace("Algorithm=\"http://www.w3.org/2000/09/xmldsig#hmac-sha1\"", "Algorithm=\"" + parts[1] + "\"");

        ImportFileException e = assertThrows(ImportFileException.class, () -> readAll(document, RFC_KEY, null));
        assertTrue(e.getMessage().contains(parts[2]), e.getMessage());
    }

    @Test
    void refusesEncryptedValuesWithoutAnyMac() {
        String document = resourceText("figure6-totp.pskcxml").replaceAll("(?s)<MACMethod.*</MACMethod>", "");

        ImportFileException e = assertThrows(ImportFileException.class, () -> readAll(document, RFC_KEY, null));
        assertTrue(e.getMessage().contains("no MACMethod"), e.getMessage());
    }

    @Test
    void refusesAHostilePbkdf2IterationCount() {
        String document = resourceText("figure7-totp.pskcxml")
                .replace("<IterationCount>1000</IterationCount>", "<IterationCount>2000000000</IterationCount>");

        ImportFileException e = assertTimeoutPreemptively(Duration.ofSeconds(2),
                () -> assertThrows(ImportFileException.class, () -> readAll(document, null, RFC_PASSPHRASE)));
        assertTrue(e.getMessage().contains("IterationCount"), e.getMessage());
    }

    // --- XML attacks ------------------------------------------------------------------------------

    @Test
    void anExternalEntityNeverReadsTheFile(@TempDir Path dir) throws IOException {
        String marker = "NEVER-READ-" + UUID.randomUUID();
        Path secretFile = Files.writeString(dir.resolve("secret.txt"), marker);
        String document = "<?xml version=\"1.0\"?>\n<!DOCTYPE KeyContainer [<!ENTITY x SYSTEM \"" + secretFile.toUri() + "\">]>\n"
                + container(keyPackage("alice", "&x;"));

        ImportFileException e = assertThrows(ImportFileException.class, () -> readAll(document, null, null));
        assertFalse(e.getMessage().contains(marker), e.getMessage());
        assertTrue(e.getMessage().contains("DOCTYPE"), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "<!DOCTYPE KeyContainer [<!ENTITY x SYSTEM \"http://127.0.0.1:PORT/entity\">]>",
        "<!DOCTYPE KeyContainer SYSTEM \"http://127.0.0.1:PORT/dtd\">",
        "<!DOCTYPE KeyContainer [<!ENTITY % p SYSTEM \"http://127.0.0.1:PORT/parameter\"> %p;]>",
    })
    void anExternalEntityNeverConnects(String doctype) throws IOException {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            server.setSoTimeout(300);
            String document = doctype.replace("PORT", String.valueOf(server.getLocalPort())) + "\n"
                    + container(keyPackage("alice", doctype.contains("ENTITY x") ? "&x;" : "MTIz"));

            assertThrows(ImportFileException.class, () -> readAll(document, null, null));
            assertThrows(SocketTimeoutException.class, server::accept, "the reader connected to the entity's URL");
        }
    }

    @Test
    void refusesBillionLaughs() {
        StringBuilder doctype = new StringBuilder("<!DOCTYPE KeyContainer [<!ENTITY lol0 \"lol\">");
        for (int i = 1; i <= 9; i++) {
            doctype.append("<!ENTITY lol").append(i).append(" \"")
                    .append(("&lol" + (i - 1) + ";").repeat(10)).append("\">");
        }
        String document = doctype.append("]>\n").toString() + container(keyPackage("&lol9;", "MTIz"));

        assertTimeoutPreemptively(Duration.ofSeconds(2),
                () -> assertThrows(ImportFileException.class, () -> readAll(document, null, null)));
    }

    /** The text never ends: a reader that held it would run out of memory or time, not refuse it. */
    @Test
    void refusesATextPastTheBound() {
        InputStream endless = new SequenceInputStream(
                utf8("<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"><KeyPackage><Key>"
                        + "<Data><Secret><PlainValue>"),
                new Endless("QUFB"));

        ImportFileException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(ImportFileException.class, () -> readAll(endless, null, null)));
        assertTrue(e.getMessage().contains("longer than " + XmlCursor.MAX_TEXT_CHARS), e.getMessage());
    }

    @Test
    void refusesNestingPastTheBound() {
        InputStream endless = new SequenceInputStream(
                utf8("<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"><KeyPackage>"),
                new Endless("<x>"));

        ImportFileException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(ImportFileException.class, () -> readAll(endless, null, null)));
        assertTrue(e.getMessage().contains("deep"), e.getMessage());
    }

    // --- Streaming --------------------------------------------------------------------------------

    /**
     * 20,000 key packages, generated as they are read. When each item is returned the reader has taken
     * from the stream little beyond that key package's end: it never holds the file.
     */
    @Test
    void streamsTwentyThousandKeys() {
        int count = 20_000;
        GeneratedContainer file = new GeneratedContainer(count);

        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            long furthestAhead = 0;
            int read = 0;
            try (PskcReader reader = new PskcReader(file, null, null)) {
                for (ImportItem item = reader.next(); item != null; item = reader.next()) {
                    Incoming key = assertInstanceOf(Incoming.class, item);
                    assertEquals("user" + read, key.userId());
                    assertArrayEquals(GeneratedContainer.secret(read), key.secret());
                    furthestAhead = Math.max(furthestAhead, file.produced() - file.endOf(read));
                    read++;
                }
            }
            assertEquals(count, read);
            assertTrue(furthestAhead < 64 * 1024, "read ahead " + furthestAhead + " bytes");
        });
    }

    /** A container of generated TOTP keys, produced a key package at a time, recording where each ends. */
    private static final class GeneratedContainer extends InputStream {
        private final int count;
        private final long[] ends;
        private byte[] chunk = utf8Bytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                + "<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\">\n");
        private int position;
        private int next;
        private long produced;
        private long chunkStart;

        GeneratedContainer(int count) {
            this.count = count;
            this.ends = new long[count];
        }

        static byte[] secret(int i) {
            byte[] secret = new byte[20];
            for (int b = 0; b < secret.length; b++) {
                secret[b] = (byte) (i * 31 + b);
            }
            return secret;
        }

        long produced() {
            return produced;
        }

        long endOf(int i) {
            return ends[i];
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            if (position == chunk.length && !refill()) {
                return -1;
            }
            int n = Math.min(length, chunk.length - position);
            System.arraycopy(chunk, position, buffer, offset, n);
            position += n;
            produced += n;
            return n;
        }

        private boolean refill() {
            if (next > count) {
                return false;
            }
            chunkStart += chunk.length;
            if (next == count) {
                chunk = utf8Bytes("</KeyContainer>\n");
            } else {
                chunk = utf8Bytes(keyPackage("user" + next, Base64.getEncoder().encodeToString(secret(next))));
                ends[next] = chunkStart + chunk.length;
            }
            next++;
            position = 0;
            return true;
        }
    }

    /** The same text, over and over, for ever. */
    private static final class Endless extends InputStream {
        private final byte[] unit;
        private long position;

        Endless(String unit) {
            this.unit = utf8Bytes(unit);
        }

        @Override
        public int read() {
            return unit[(int) (position++ % unit.length)];
        }

        @Override
        public int read(byte[] buffer, int offset, int length) {
            for (int i = 0; i < length; i++) {
                buffer[offset + i] = (byte) read();
            }
            return length;
        }
    }

    // --- Helpers ----------------------------------------------------------------------------------

    private static String keyPackage(String userId, String secretBase64) {
        return "  <KeyPackage>\n"
                + "    <Key Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:totp\">\n"
                + "      <AlgorithmParameters><ResponseFormat Length=\"6\" Encoding=\"DECIMAL\"/></AlgorithmParameters>\n"
                + "      <Data>\n"
                + "        <Secret><PlainValue>" + secretBase64 + "</PlainValue></Secret>\n"
                + "        <TimeInterval><PlainValue>30</PlainValue></TimeInterval>\n"
                + "      </Data>\n"
                + "      <UserId>" + userId + "</UserId>\n"
                + "    </Key>\n"
                + "  </KeyPackage>\n";
    }

    private static String container(String keyPackages) {
        return "<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\">\n" + keyPackages
                + "</KeyContainer>\n";
    }

    /** Figure 6 with its Counter replaced by the given Data children. */
    private static String withData(String figure6, String children) {
        return figure6.replaceAll("(?s)<Counter>.*?</Counter>", children);
    }

    /** An EncryptedValue and its ValueMAC as RFC 6030 section 6.1.1 makes them, under figure 6's keys. */
    private static String encrypted(byte[] plaintext) throws GeneralSecurityException {
        byte[] iv = new byte[16];
        new SecureRandom().nextBytes(iv);
        Cipher aes = Cipher.getInstance("AES/CBC/PKCS5Padding");
        aes.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(RFC_KEY, "AES"), new IvParameterSpec(iv));
        byte[] ciphertext = aes.doFinal(plaintext);
        byte[] value = new byte[iv.length + ciphertext.length];
        System.arraycopy(iv, 0, value, 0, iv.length);
        System.arraycopy(ciphertext, 0, value, iv.length, ciphertext.length);
        Mac hmac = Mac.getInstance("HmacSHA1");
        hmac.init(new SecretKeySpec(RFC_MAC_KEY, "HmacSHA1"));
        return "<EncryptedValue><xenc:EncryptionMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#aes128-cbc\"/>"
                + "<xenc:CipherData><xenc:CipherValue>" + Base64.getEncoder().encodeToString(value)
                + "</xenc:CipherValue></xenc:CipherData></EncryptedValue>"
                + "<ValueMAC>" + Base64.getEncoder().encodeToString(hmac.doFinal(value)) + "</ValueMAC>";
    }

    /** A resource under pskc/ by name, or a document itself when it is not a resource name. */
    private static List<ImportItem> readAll(String resourceOrDocument, byte[] key, char[] passphrase) {
        InputStream in = resourceOrDocument.endsWith(".pskcxml")
                ? PskcReaderTest.class.getResourceAsStream("/pskc/" + resourceOrDocument)
                : utf8(resourceOrDocument);
        return readAll(in, key, passphrase);
    }

    private static List<ImportItem> readAll(InputStream in, byte[] key, char[] passphrase) {
        List<ImportItem> items = new ArrayList<>();
        try (PskcReader reader = new PskcReader(in, key, passphrase)) {
            for (ImportItem item = reader.next(); item != null; item = reader.next()) {
                items.add(item);
            }
        }
        return items;
    }

    private static String resourceText(String name) {
        try (InputStream in = PskcReaderTest.class.getResourceAsStream("/pskc/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The line on which the nth (from 1) KeyPackage of a resource starts, counted by hand. */
    private static long keyPackageLine(String resource, int nth) {
        String[] lines = resourceText(resource).split("\n", -1);
        int seen = 0;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains("<KeyPackage") || lines[i].contains("<pskc:KeyPackage")) {
                if (++seen == nth) {
                    return i + 1;
                }
            }
        }
        throw new AssertionError("no KeyPackage " + nth + " in " + resource);
    }

    private static InputStream utf8(String text) {
        return new ByteArrayInputStream(utf8Bytes(text));
    }

    private static byte[] utf8Bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String ascii(byte[] bytes) {
        return new String(bytes, StandardCharsets.US_ASCII);
    }
}
