package io.totpd.rotation;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.totpd.crypto.Aead;
import io.totpd.crypto.Fields;
import io.totpd.crypto.KeyRing;
import io.totpd.otp.Base32;
import io.totpd.otp.Secrets;
import io.totpd.support.Ddl;
import io.totpd.support.LogCapture;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The re-encryption job against rows no configured key can decrypt: it skips and reports them,
 * rotates every other row, terminates, and leaves both gauges true. The test profile adds a second,
 * older key, "retiring", behind the usual development key, so the other tests' rows stay where they are.
 */
@QuarkusTest
@TestProfile(KeyRotationTest.RetiringKey.class)
class KeyRotationTest {

    /** The published development key of application.properties, still primary. */
    static final String DEVELOPMENT_KEY = "development-only:s0zrCYubVE8U4EDvwuj5JY8+mybG01BlyJbpgm4Z//w=";
    static final String RETIRING_KEY = "retiring:" + Base64.getEncoder().encodeToString(new byte[] {
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});

    /** The keys of a deployment halfway through a rotation, and batches small enough to need several. */
    public static class RetiringKey implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("totpd.encryption.keys", DEVELOPMENT_KEY + "," + RETIRING_KEY,
                    "totpd.encryption.rotation-batch", "3");
        }
    }

    @Inject
    KeyRotation rotation;

    @Inject
    AgroalDataSource database;

    /** The authenticators this test inserted, and their kind: "factor" for an active one, "enrollment" for a pending one. */
    private final Map<UUID, String> tables = new LinkedHashMap<>();

    @AfterEach
    void deleteTheRows() throws SQLException {
        try (Connection connection = database.getConnection();
                PreparedStatement delete = connection.prepareStatement(
                        "DELETE FROM user_account WHERE id IN (SELECT user_account_id FROM authenticator WHERE id = ANY (?))")) {
            delete.setArray(1, connection.createArrayOf("uuid", tables.keySet().toArray()));
            delete.executeUpdate();
        }
    }

    @Test
    void rowsNoKeyCanDecryptAreSkippedAndReportedAndEverythingElseMoves() throws SQLException {
        Aead retiring = new Aead(KeyRing.parse(List.of(RETIRING_KEY)));
        Aead unknown = new Aead(KeyRing.parse(List.of("retired-long-ago:" + Base64.getEncoder().encodeToString(new byte[32]))));
        Map<UUID, byte[]> good = new LinkedHashMap<>();
        List<byte[]> secrets = new ArrayList<>();
        // Eight good factors and two good enrollments, in batches of 3: the broken rows sit among them.
        for (int i = 0; i < 8; i++) {
            byte[] secret = Secrets.generate();
            good.put(insert("factor", retiring, secret, false), secret);
            secrets.add(secret);
        }
        for (int i = 0; i < 2; i++) {
            byte[] secret = Secrets.generate();
            good.put(insert("enrollment", retiring, secret, false), secret);
            secrets.add(secret);
        }
        byte[] corruptSecret = Secrets.generate();
        byte[] unknownSecret = Secrets.generate();
        byte[] corruptEnrollmentSecret = Secrets.generate();
        secrets.addAll(List.of(corruptSecret, unknownSecret, corruptEnrollmentSecret));
        UUID corrupt = insert("factor", retiring, corruptSecret, true);
        UUID unknownKey = insert("factor", unknown, unknownSecret, false);
        UUID corruptEnrollment = insert("enrollment", retiring, corruptEnrollmentSecret, true);
        Map<UUID, Stored> brokenBefore = Map.of(corrupt, stored("factor", corrupt), unknownKey, stored("factor", unknownKey),
                corruptEnrollment, stored("enrollment", corruptEnrollment));

        LogCapture capture = LogCapture.start();
        long moved;
        try {
            // The job used to throw on the first broken row and retry that batch forever.
            moved = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> rotation.run());
        } finally {
            capture.close();
        }
        List<String> logs = capture.lines();

        assertEquals(good.size(), moved, "every decryptable row moved");
        KeyRing both = KeyRing.parse(List.of(DEVELOPMENT_KEY, RETIRING_KEY));
        for (Map.Entry<UUID, byte[]> row : good.entrySet()) {
            String table = table(row.getKey());
            Stored now = stored(table, row.getKey());
            assertEquals("development-only", now.keyId(), table + " " + row.getKey() + " is on the primary key");
            assertArrayEquals(row.getValue(), new Aead(both).decrypt(new Aead.Sealed(now.keyId(), now.ciphertext()),
                    associatedData(table, row.getKey())), "and still holds its secret");
        }
        for (Map.Entry<UUID, Stored> row : brokenBefore.entrySet()) {
            Stored now = stored(table(row.getKey()), row.getKey());
            assertEquals(row.getValue().keyId(), now.keyId(), "a row no key decrypts is never rewritten");
            assertArrayEquals(row.getValue().ciphertext(), now.ciphertext(), "a row no key decrypts is never rewritten");
        }

        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        long onOldKeys = onOldKeys();
        assertTrue(onOldKeys >= 3, "the three broken rows stay where they are");
        assertEquals(onOldKeys, gauge(metrics, "totpd_secrets_on_old_keys"), "the gauge is the true count after the run");
        // Every row left on an old key is one the run could not decrypt: no other replica holds a lock here.
        assertEquals(onOldKeys, gauge(metrics, "totpd_secrets_undecryptable"), metrics);
        for (UUID id : List.of(corrupt, unknownKey, corruptEnrollment)) {
            assertTrue(logs.stream().anyMatch(line -> line.contains("authenticator") && line.contains(id.toString())),
                    "a log line names authenticator " + id + ":\n" + String.join("\n", logs));
        }
        List<String> forbidden = new ArrayList<>();
        for (byte[] secret : secrets) {
            forbidden.addAll(List.of(Base32.encode(secret), HexFormat.of().formatHex(secret),
                    Base64.getEncoder().encodeToString(secret)));
        }
        for (Stored broken : brokenBefore.values()) {
            forbidden.addAll(List.of(HexFormat.of().formatHex(broken.ciphertext()),
                    Base64.getEncoder().encodeToString(broken.ciphertext())));
        }
        for (String form : forbidden) {
            for (String line : logs) {
                assertFalse(line.contains(form), "a log line holds a secret or a ciphertext: " + line);
            }
            assertFalse(metrics.contains(form), "the metrics hold a secret or a ciphertext");
        }

        // A second run finds the same broken rows again, moves nothing and ends as well.
        assertEquals(0, assertTimeoutPreemptively(Duration.ofSeconds(30), () -> rotation.run()));
        metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertEquals(onOldKeys, gauge(metrics, "totpd_secrets_undecryptable"));
    }

    @Test
    void aBatchThatLostARaceRunsAgainAndEveryRowMoves() throws SQLException {
        Aead retiring = new Aead(KeyRing.parse(List.of(RETIRING_KEY)));
        List<UUID> rows = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            rows.add(insert("factor", retiring, Secrets.generate(), false));
        }
        // The first write of one row fails as CockroachDB or a deadlock would fail it: the batch rolls back.
        String name = "rotation_race_" + Math.abs(rows.get(1).hashCode());
        Ddl.execute(database, "CREATE SEQUENCE " + name + ";"
                + "CREATE FUNCTION " + name + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id = '"
                + rows.get(1) + "' AND nextval('" + name + "') = 1 THEN RAISE EXCEPTION 'injected' USING ERRCODE = '40001'; "
                + "END IF; RETURN NEW; END $$;"
                + "CREATE TRIGGER " + name + " BEFORE UPDATE ON authenticator FOR EACH ROW EXECUTE FUNCTION " + name + "()");
        try {
            assertEquals(4, assertTimeoutPreemptively(Duration.ofSeconds(30), () -> rotation.run()));
        } finally {
            Ddl.execute(database, "DROP TRIGGER " + name + " ON authenticator; DROP FUNCTION " + name + "(); DROP SEQUENCE " + name);
        }
        for (UUID row : rows) {
            assertEquals("development-only", stored("factor", row).keyId());
        }
    }

    private record Stored(String keyId, byte[] ciphertext) {
    }

    private UUID insert(String table, Aead aead, byte[] secret, boolean corrupt) throws SQLException {
        UUID id = UUID.randomUUID();
        String userId = "rotation-" + id;
        Aead.Sealed sealed = aead.encrypt(secret, Fields.encode("totpd." + table + ".v1", "acme", userId, id.toString()));
        byte[] ciphertext = sealed.ciphertext();
        if (corrupt) {
            ciphertext[ciphertext.length - 1] ^= 1;
        }
        String sql = """
                WITH u AS (INSERT INTO user_account (id, tenant, user_id, state, created_at)
                           VALUES (gen_random_uuid(), 'acme', ?, 'ACTIVE', now()) RETURNING id)
                INSERT INTO authenticator (id, user_account_id, name, state, replaces_others, account_name, algorithm,
                    digits, period_seconds, secret_key_id, secret_ciphertext, created_at, expires_at, activated_at)
                SELECT ?, u.id, 'Authenticator', ?, ?, 'rotation', 'SHA1', 6, 30, ?, ?, now(),
                       CASE WHEN ? THEN now() + interval '15 minutes' END, CASE WHEN ? THEN NULL ELSE now() END FROM u""";
        boolean pending = table.equals("enrollment");
        try (Connection connection = database.getConnection(); PreparedStatement insert = connection.prepareStatement(sql)) {
            insert.setString(1, userId);
            insert.setObject(2, id);
            insert.setString(3, pending ? "PENDING" : "ACTIVE");
            insert.setBoolean(4, pending);
            insert.setString(5, sealed.keyId());
            insert.setBytes(6, ciphertext);
            insert.setBoolean(7, pending);
            insert.setBoolean(8, pending);
            insert.executeUpdate();
        }
        tables.put(id, table);
        return id;
    }

    private String table(UUID id) {
        return tables.get(id);
    }

    private static byte[] associatedData(String table, UUID id) {
        return Fields.encode("totpd." + table + ".v1", "acme", "rotation-" + id, id.toString());
    }

    private Stored stored(String table, UUID id) throws SQLException {
        try (Connection connection = database.getConnection();
                PreparedStatement select = connection.prepareStatement(
                        "SELECT secret_key_id, secret_ciphertext FROM authenticator WHERE id = ?")) {
            select.setObject(1, id);
            try (ResultSet row = select.executeQuery()) {
                assertTrue(row.next(), table + " " + id + " is still there");
                return new Stored(row.getString(1), row.getBytes(2));
            }
        }
    }

    private long onOldKeys() throws SQLException {
        try (Connection connection = database.getConnection();
                ResultSet count = connection.createStatement().executeQuery(
                        "SELECT count(*) FROM authenticator WHERE secret_key_id <> 'development-only'")) {
            count.next();
            return count.getLong(1);
        }
    }

    private static long gauge(String metrics, String name) {
        Matcher value = Pattern.compile("^" + name + " ([0-9.E+-]+)$", Pattern.MULTILINE).matcher(metrics);
        assertTrue(value.find(), "no gauge " + name);
        return (long) Double.parseDouble(value.group(1));
    }
}
