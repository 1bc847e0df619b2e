package io.totpd.transfer;

import static io.totpd.support.Contract.api;
import static io.totpd.support.Contract.as;
import static io.totpd.support.Imports.migrator;
import static io.totpd.support.Problems.assertProblem;
import static io.totpd.support.Users.activated;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.eventTypes;
import static io.totpd.support.Users.newUserId;
import static io.totpd.support.Users.verify;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWEAlgorithm;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.crypto.ECDHDecrypter;
import com.nimbusds.jose.crypto.RSADecrypter;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetSequenceKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import io.totpd.otp.KeyUri;
import io.totpd.support.ApiKeys;
import io.totpd.support.LogCapture;
import io.totpd.support.TestClock;
import io.totpd.support.Users.Activated;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** POST /export: lines sealed to the recipient, whose plaintext is exactly an import line. */
@QuarkusTest
class ExportTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RSAKey RSA = generate(() -> new RSAKeyGenerator(2048).keyID("move-rsa").generate());
    private static final ECKey EC = generate(() -> new ECKeyGenerator(Curve.P_256).keyID("move-ec").generate());

    @Inject
    TestClock clock;

    interface KeyMaker<K> {
        K make() throws Exception;
    }

    private static <K> K generate(KeyMaker<K> maker) {
        try {
            return maker.make();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static List<String> export(JWK recipient, List<String> userIds) {
        String body = migrator().body(Map.of("recipient", recipient.toPublicJWK().toJSONObject(), "userIds", userIds))
                .post("/export").then().statusCode(200).contentType("application/x-ndjson").extract().asString();
        return body.isEmpty() ? List.of() : List.of(body.split("\n"));
    }

    static JsonNode decrypt(String line, JWK recipient) throws Exception {
        JWEObject jwe = JWEObject.parse(line);
        if (recipient instanceof RSAKey rsa) {
            assertEquals(JWEAlgorithm.RSA_OAEP_256, jwe.getHeader().getAlgorithm());
            jwe.decrypt(new RSADecrypter(rsa));
        } else {
            assertEquals(JWEAlgorithm.ECDH_ES_A256KW, jwe.getHeader().getAlgorithm());
            jwe.decrypt(new ECDHDecrypter((ECKey) recipient));
        }
        assertEquals("A256GCM", jwe.getHeader().getEncryptionMethod().getName());
        assertEquals(recipient.getKeyID(), jwe.getHeader().getKeyID());
        return JSON.readTree(jwe.getPayload().toString());
    }

    @Test
    void eachActiveAuthenticatorIsOneLineSealedToTheRecipientHoldingAnImportLine() throws Exception {
        String signedIn = newUserId();
        String fresh = newUserId();
        Activated user = activated(signedIn, clock);
        clock.advance(Duration.ofSeconds(30));
        verify(signedIn, code(user.secret(), clock, 0)).then().statusCode(200);
        long usedStep = clock.instant().getEpochSecond() / 30;
        api().body(Map.of("name", "Pending")).post("/users/" + signedIn + "/authenticators").then().statusCode(201);
        io.totpd.support.Users.enroll(fresh);

        for (JWK recipient : List.of(RSA, EC)) {
            List<String> lines = export(recipient, List.of(signedIn, fresh, newUserId()));
            assertEquals(1, lines.size(), "the active authenticator only: a pending one and unknown users have none");
            JsonNode line = decrypt(lines.get(0), recipient);
            assertEquals(List.of("userId", "name", "otpauthUri", "lastUsedStep"), fieldNames(line));
            assertEquals(signedIn, line.get("userId").asText());
            assertEquals("Authenticator", line.get("name").asText());
            assertEquals(usedStep, line.get("lastUsedStep").asLong());
            KeyUri.Parsed uri = KeyUri.parse(line.get("otpauthUri").asText());
            assertEquals(user.secret(), uri.secret());
            assertEquals(signedIn, uri.account());
        }
    }

    @Test
    void everyExportIsAuditedPerUserAndLoggedAtWarn() {
        String userId = newUserId();
        activated(userId, clock);
        try (LogCapture log = LogCapture.start()) {
            assertEquals(1, export(EC, List.of(userId)).size());
            assertTrue(log.lines().stream().anyMatch(l -> l.contains("Export of 1 users of tenant acme to caller 'migrator' started")),
                    log.lines().toString());
            assertTrue(log.lines().stream().anyMatch(l -> l.contains("finished: 1 users, 1 authenticators")), log.lines().toString());
            assertFalse(String.join("\n", log.lines()).contains("otpauth://"));
        }
        assertEquals("exported", eventTypes(userId).get(0));
    }

    @Test
    void aRecipientThatCannotBeUsedIsRefusedBeforeAnythingIsRead() throws Exception {
        String userId = newUserId();
        activated(userId, clock);
        List<Map<String, Object>> refused = new ArrayList<>();
        refused.add(RSA.toJSONObject());
        refused.add(new RSAKeyGenerator(1024, true).generate().toPublicJWK().toJSONObject());
        refused.add(new ECKeyGenerator(Curve.P_521).generate().toPublicJWK().toJSONObject());
        refused.add(new OctetSequenceKeyGenerator(256).generate().toJSONObject());
        refused.add(new RSAKey.Builder(RSA.toRSAPublicKey()).algorithm(JWEAlgorithm.RSA1_5).build().toJSONObject());
        refused.add(new RSAKey.Builder(RSA.toRSAPublicKey()).keyUse(com.nimbusds.jose.jwk.KeyUse.SIGNATURE).build().toJSONObject());
        refused.add(Map.of("kty", "EC", "crv", "P-256", "x", "AAAA", "y", "AAAA"));
        refused.add(Map.of("kty", "RSA"));
        for (Map<String, Object> recipient : refused) {
            assertProblem(migrator().body(Map.of("recipient", recipient, "userIds", List.of(userId))).post("/export").then(),
                    400, "invalid-request");
        }
        assertEquals(List.of("activated", "enrolled"), eventTypes(userId), "nothing was exported");
    }

    @Test
    void onlyTheExportScopeExports() {
        Map<String, Object> body = Map.of("recipient", RSA.toPublicJWK().toJSONObject());
        for (String key : List.of(ApiKeys.PORTAL, ApiKeys.LOGIN)) {
            assertProblem(as(key).body(body).post("/export").then(), 403, "forbidden");
        }
    }

    /** 1,100 new users, imported; short ids, so that all of them fit the 16 KiB body of an export: three pages. */
    private static List<String> manyUsers() {
        String prefix = "x" + Long.toString(System.nanoTime() % 60_466_176L, 36);
        StringBuilder lines = new StringBuilder();
        List<String> userIds = new ArrayList<>();
        for (int i = 0; i < 1100; i++) {
            userIds.add(prefix + "-" + i);
            lines.append(NdjsonImportTest.line(prefix + "-" + i, NdjsonImportTest.secret(20), ""));
        }
        io.totpd.support.Imports.ndjson(lines.toString(), "").then().statusCode(200).body("created", org.hamcrest.Matchers.equalTo(1100));
        return userIds;
    }

    @Test
    void manyNamedUsersAreExportedPageByPageInUserIdOrder() throws Exception {
        List<String> userIds = manyUsers();
        List<String> exported = new ArrayList<>();
        for (String line : export(EC, userIds)) {
            exported.add(decrypt(line, EC).get("userId").asText());
        }
        assertEquals(userIds.stream().sorted().toList(), exported);
    }

    @Test
    void aFailureMidwayCutsTheStreamSoThatNoShortExportLooksWhole() throws Exception {
        List<String> userIds = manyUsers();
        String last = userIds.stream().sorted().reduce((a, b) -> b).orElseThrow();
        try (Connection connection = database.getConnection();
                PreparedStatement tamper = connection.prepareStatement("""
                        UPDATE authenticator SET secret_ciphertext = set_byte(secret_ciphertext, 20, get_byte(secret_ciphertext, 20) # 1)
                         WHERE user_account_id = (SELECT id FROM user_account WHERE tenant = 'acme' AND user_id = ?)""")) {
            tamper.setString(1, last);
            assertEquals(1, tamper.executeUpdate());
        }
        String body = JSON.writeValueAsString(Map.of("recipient", RSA.toPublicJWK().toJSONObject(), "userIds", userIds));
        HttpRequest request = HttpRequest.newBuilder(exportUrl.toURI()).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + ApiKeys.MIGRATOR).POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            // Failed before the first byte went out: then it must not say 200.
            assertTrue(response.statusCode() >= 500, "a failed export answered " + response.statusCode());
        } catch (IOException cut) {
            // The expected end: the status was sent, and the body ends without its last chunk.
        }
    }

    @Inject
    AgroalDataSource database;

    @TestHTTPResource("/export")
    URL exportUrl;

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
