package io.totpd;

import static io.totpd.support.PackagedApp.datasource;
import static io.totpd.support.PackagedApp.launch;
import static io.totpd.support.PackagedApp.randomKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JWEObject;
import com.nimbusds.jose.crypto.RSADecrypter;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.totpd.dev.EmbeddedDatabase;
import io.totpd.otp.Base32;
import io.totpd.otp.KeyUri;
import io.totpd.support.PackagedApp;
import io.totpd.support.PackagedApp.ActiveUser;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Moving a tenant between two packaged instances with different encryption keys and databases: the
 * first exports the whole tenant to a test key pair, the test decrypts each line, the second imports
 * them, and every user verifies there, while a code already used on the first is refused.
 */
class MoveIT {

    private static final String MOVER_KEY = "move-test-key";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final int IMPORTED_USERS = 1200;

    private static EmbeddedPostgres oldDatabase;
    private static EmbeddedPostgres newDatabase;
    private static PackagedApp from;
    private static PackagedApp to;

    @AfterAll
    static void stop() throws Exception {
        PackagedApp.stopAll(oldDatabase, from);
        PackagedApp.stopAll(newDatabase, to);
    }

    /** An instance of its own database and key, with the caller "it" and a caller "mover" of the same tenant. */
    private static PackagedApp start(EmbeddedPostgres database, String key) throws Exception {
        Map<String, String> environment = new HashMap<>(datasource(database));
        environment.put("TOTPD_ENCRYPTION_KEYS", key);
        environment.put("TOTPD_EXPORT_ENABLED", "true");
        environment.put("TOTPD_CALLERS_MOVER_TENANT", "it");
        environment.put("TOTPD_CALLERS_MOVER_SCOPES", "import,export");
        environment.put("TOTPD_CALLERS_MOVER_KEY_SHA256", HexFormat.of().formatHex(PackagedApp.sha256(MOVER_KEY)));
        return launch(environment).awaitReady();
    }

    private static HttpResponse<String> asMover(PackagedApp app, String path, String type, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(app.uri(path)).header("Content-Type", type)
                .header("Authorization", "Bearer " + MOVER_KEY).timeout(Duration.ofMinutes(2))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aTenantMovesToAnotherInstanceWithItsReplayState() throws Exception {
        oldDatabase = EmbeddedDatabase.startEphemeral();
        newDatabase = EmbeddedDatabase.startEphemeral();
        from = start(oldDatabase, randomKey("old"));
        to = start(newDatabase, randomKey("new"));

        // Users who enrolled on the first instance (their activation code is used there), and many
        // more imported into it, so that the export runs over several pages.
        List<ActiveUser> enrolled = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            enrolled.add(from.newActiveUser());
        }
        Map<String, byte[]> secrets = new HashMap<>();
        StringBuilder seed = new StringBuilder();
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < IMPORTED_USERS; i++) {
            byte[] secret = new byte[20];
            random.nextBytes(secret);
            String userId = "seeded-" + i;
            secrets.put(userId, secret);
            seed.append("{\"userId\":\"").append(userId).append("\",\"secret\":\"").append(Base32.encode(secret)).append("\"}\n");
        }
        HttpResponse<String> seeded = asMover(from, "/import", "application/x-ndjson", seed.toString());
        assertEquals(200, seeded.statusCode(), seeded.body());
        enrolled.forEach(user -> secrets.put(user.userId(), user.secret()));

        RSAKey recipient = new RSAKeyGenerator(2048).keyID("move").generate();
        Instant started = Instant.now();
        HttpResponse<String> export = asMover(from, "/export", "application/json",
                JSON.writeValueAsString(Map.of("recipient", recipient.toPublicJWK().toJSONObject())));
        assertEquals(200, export.statusCode(), export.body());
        Duration exporting = Duration.between(started, Instant.now());
        StringBuilder lines = new StringBuilder();
        for (String line : export.body().split("\n")) {
            JWEObject jwe = JWEObject.parse(line);
            jwe.decrypt(new RSADecrypter(recipient));
            JsonNode plaintext = JSON.readTree(jwe.getPayload().toString());
            KeyUri.Parsed uri = KeyUri.parse(plaintext.get("otpauthUri").asText());
            assertEquals(Base32.encode(secrets.get(plaintext.get("userId").asText())), uri.secret());
            lines.append(plaintext).append('\n');
        }
        int total = IMPORTED_USERS + enrolled.size();
        assertEquals(total, export.body().split("\n").length);

        HttpResponse<String> imported = asMover(to, "/import", "application/x-ndjson", lines.toString());
        assertEquals(200, imported.statusCode(), imported.body());
        JsonNode report = JSON.readTree(imported.body());
        assertEquals(total, report.get("created").asInt(), imported.body());

        for (ActiveUser user : enrolled) {
            HttpResponse<String> replay = to.send("/verify", user.verifyBody(0));
            assertEquals(422, replay.statusCode(), replay.body());
            assertTrue(replay.body().contains("code-already-used"), replay.body());
            assertEquals(200, to.send("/verify", user.verifyBody(1)).statusCode());
        }
        // The seeded users were imported without a last use, so the first instance counted the step
        // of its import as used, and the export carried that across: the next step's code signs in.
        long next = PackagedApp.TOTP.step(Instant.now()) + 1;
        for (int i = 0; i < IMPORTED_USERS; i++) {
            String userId = "seeded-" + i;
            HttpResponse<String> verified = to.send("/verify", "{\"userId\":\"" + userId + "\",\"code\":\""
                    + PackagedApp.TOTP.code(secrets.get(userId), next) + "\"}");
            assertEquals(200, verified.statusCode(), userId + " " + verified.body());
        }
        System.getLogger(MoveIT.class.getName()).log(System.Logger.Level.INFO,
                "Moved {0} users: export {1} ms, import report {2}", total, exporting.toMillis(), imported.body());
    }
}
