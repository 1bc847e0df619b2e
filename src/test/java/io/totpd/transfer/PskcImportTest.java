package io.totpd.transfer;

import static io.totpd.support.Contract.api;
import static io.totpd.support.Imports.PSKC;
import static io.totpd.support.Imports.migrator;
import static io.totpd.support.Problems.assertProblem;
import static io.totpd.support.Users.newUserId;
import static io.totpd.support.Users.verify;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.totpd.support.Oathtool;
import io.totpd.support.TestClock;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * POST /import of RFC 6030 key containers, end to end: the RFC's own examples (made TOTP keys; see
 * the comment in each file under src/test/resources/pskc), plain, with a pre-shared key and with a
 * passphrase, and the files a hostile or broken source sends.
 */
@QuarkusTest
class PskcImportTest {

    /** The secret of every RFC 6030 example: ASCII "12345678901234567890". */
    private static final byte[] RFC_SECRET = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
    /** The pre-shared key of RFC 6030 section 6.1 (figure 6). */
    private static final String RFC_KEY = Base64.getEncoder().encodeToString(
            HexFormat.of().parseHex("12345678901234567890123456789012"));
    private static final Pattern USER_ID = Pattern.compile("<((?:\\w+:)?UserId)>([^<]*)</\\1>");

    @Inject
    TestClock clock;

    /** A file of the test resources with each distinct UserId made a new user id, so no two runs share users. */
    private record Container(String xml, Map<String, String> users) {
        String user(String original) {
            return users.get(original);
        }
    }

    private static Container container(String resource) {
        try (InputStream in = PskcImportTest.class.getResourceAsStream("/pskc/" + resource)) {
            return withNewUsers(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Container withNewUsers(String xml) {
        Map<String, String> users = new LinkedHashMap<>();
        Matcher matcher = USER_ID.matcher(xml);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            String id = users.computeIfAbsent(matcher.group(2), original -> newUserId());
            matcher.appendReplacement(out, "<" + matcher.group(1) + ">" + id + "</" + matcher.group(1) + ">");
        }
        matcher.appendTail(out);
        return new Container(out.toString(), users);
    }

    private static Response post(String xml, String header, String value) {
        var request = migrator().contentType(PSKC).body(xml.getBytes(StandardCharsets.UTF_8));
        if (header != null) {
            request.header(header, value);
        }
        return request.post("/import");
    }

    private void verifiesWithTheRfcSecret(String userId) {
        verify(userId, Oathtool.code(RFC_SECRET, "SHA1", 8, 30, clock.instant())).then().statusCode(200);
    }

    @Test
    void plainValuesImportAndVerify() {
        Container file = container("figure3-totp.pskcxml");
        String userId = file.user("UID=jsmith,DC=example-bank,DC=net");
        post(file.xml(), null, null).then().statusCode(200).body("created", equalTo(1)).body("failed", equalTo(0));

        clock.advance(Duration.ofSeconds(30));
        verifiesWithTheRfcSecret(userId);
        api().get("/users/" + userId + "/authenticators").then()
                .body("authenticators[0].name", equalTo("Token 987654321")).body("authenticators[0].weakSecret", equalTo(false));
    }

    @Test
    void valuesEncryptedWithAPreSharedKeyImportWithThatKey() {
        Container file = container("figure6-totp.pskcxml");
        assertProblem(post(file.xml(), null, null).then(), 400, "invalid-request").body("detail", containsString("Pskc-Key"));
        assertProblem(post(file.xml(), "Pskc-Key", Base64.getEncoder().encodeToString(new byte[16])).then(), 400,
                "invalid-request");
        assertProblem(api().get("/users/" + file.user("UID=jsmith,DC=example-bank,DC=net")).then(), 404, "factor-not-found");

        post(file.xml(), "Pskc-Key", RFC_KEY).then().statusCode(200).body("created", equalTo(1));
        clock.advance(Duration.ofSeconds(30));
        verifiesWithTheRfcSecret(file.user("UID=jsmith,DC=example-bank,DC=net"));
    }

    @Test
    void valuesEncryptedWithAPassphraseImportWithThatPassphrase() {
        Container file = container("figure7-totp.pskcxml");
        assertProblem(post(file.xml(), null, null).then(), 400, "invalid-request").body("detail", containsString("Pskc-Passphrase"));
        assertProblem(post(file.xml(), "Pskc-Passphrase", "qwertz").then(), 400, "invalid-request");

        post(file.xml(), "Pskc-Passphrase", "qwerty").then().statusCode(200).body("created", equalTo(1));
        clock.advance(Duration.ofSeconds(30));
        verifiesWithTheRfcSecret(file.user("alice"));
    }

    @Test
    void aTamperedMacImportsNothingOfItsKey() {
        Container file = container("figure6-tampered-mac.pskcxml");
        JsonPath report = post(file.xml(), "Pskc-Key", RFC_KEY).then().statusCode(200).extract().jsonPath();
        assertEquals(1, report.getInt("created"));
        assertEquals(List.of("mac-mismatch"), report.getList("errors.type"));
        assertProblem(api().get("/users/" + file.user("first")).then(), 404, "factor-not-found");
        clock.advance(Duration.ofSeconds(30));
        verifiesWithTheRfcSecret(file.user("second"));

        Container cipher = container("figure6-tampered-cipher.pskcxml");
        JsonPath tampered = post(cipher.xml(), "Pskc-Key", RFC_KEY).then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("mac-mismatch"), tampered.getList("errors.type"));
        assertProblem(api().get("/users/" + cipher.user("first")).then(), 404, "factor-not-found");
    }

    @Test
    void keysWithoutAUserOrOfAnotherAlgorithmAreErrorLinesAndTheOthersImport() {
        Container file = container("figure10-missing-userid.pskcxml");
        JsonPath report = post(file.xml(), null, null).then().statusCode(200).extract().jsonPath();
        assertEquals(3, report.getInt("created"));
        assertEquals("missing-user-id", report.getString("errors[0].type"));
        assertEquals(40, report.getInt("errors[0].line"), "the line of its KeyPackage");

        Container mixed = container("figure10-hotp-in-middle.pskcxml");
        assertEquals(List.of("unsupported-algorithm"), post(mixed.xml(), null, null).then().statusCode(200)
                .extract().jsonPath().getList("errors.type"));
    }

    @Test
    void anExternalEntityIsRefusedAndNoFileIsRead() throws IOException {
        Path secretFile = Files.createTempFile("totpd-xxe", ".txt");
        Files.writeString(secretFile, "XXE-CANARY-" + newUserId());
        try {
            String xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE KeyContainer [<!ENTITY canary SYSTEM \"" + secretFile.toUri() + "\">]>\n"
                    + container("figure3-totp.pskcxml").xml().replaceFirst("<\\?xml[^>]*>", "")
                            .replace("<Issuer>Issuer</Issuer>", "<Issuer>&canary;</Issuer>");
            assertProblem(post(xml, null, null).then(), 400, "invalid-request")
                    .body("detail", not(containsString("XXE-CANARY")));
        } finally {
            Files.delete(secretFile);
        }
    }

    @Test
    void aFileBrokenMidwayKeepsTheBatchesBeforeItAndASecondRunFinishesTheJob() {
        String prefix = newUserId();
        StringBuilder keys = new StringBuilder();
        for (int i = 0; i < 620; i++) {
            keys.append("<KeyPackage><DeviceInfo><SerialNo>").append(i).append("</SerialNo></DeviceInfo>")
                    .append("<Key Id=\"").append(i).append("\" Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:totp\">")
                    .append("<Data><Secret><PlainValue>MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=</PlainValue></Secret>")
                    .append("<TimeInterval><PlainValue>30</PlainValue></TimeInterval></Data>")
                    .append("<UserId>").append(prefix).append('-').append(i).append("</UserId></Key></KeyPackage>\n");
        }
        String whole = "<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\">\n" + keys + "</KeyContainer>\n";
        String broken = whole.substring(0, whole.indexOf("<UserId>" + prefix + "-600<")) + "<Oops></KeyContainer>";

        assertProblem(post(broken, null, null).then(), 400, "invalid-request").body("detail", containsString("stay imported"));
        api().get("/users/" + prefix + "-499").then().statusCode(200);
        assertProblem(api().get("/users/" + prefix + "-500").then(), 404, "factor-not-found");

        post(whole, null, null).then().statusCode(200).body("unchanged", equalTo(500)).body("created", equalTo(120));
    }
}
