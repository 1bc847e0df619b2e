package io.totpd.crypto;

import static io.totpd.support.Contract.api;
import static io.totpd.support.Users.activeUser;
import static io.totpd.support.Users.code;
import static io.totpd.support.Users.enroll;
import static io.totpd.support.Users.newUserId;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.totpd.otp.Base32;
import io.totpd.support.TestClock;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reads the factor table behind the service's back, as someone with a database dump would. */
@QuarkusTest
class SecretAtRestTest {

    @Inject
    TestClock clock;

    @Inject
    AgroalDataSource database;

    @Test
    void theDatabaseHoldsNoSecretAndNoBackupCodeInAReadableForm() throws SQLException {
        String pending = newUserId();
        byte[] pendingSecret = Base32.decode(enroll(pending).getString("secret"));
        String active = newUserId();
        String activeSecret = enroll(active).getString("secret");
        List<String> backupCodes = api().body(Map.of("userId", active, "code", code(activeSecret, clock, 0)))
                .post("/activate").then().statusCode(200).extract().jsonPath().getList("backupCodes", String.class);

        assertHoldsNoTraceOf(forms(pendingSecret), rowsOf(pending));
        List<byte[]> activeForms = new ArrayList<>(forms(Base32.decode(activeSecret)));
        for (String backupCode : backupCodes) {
            String normalised = backupCode.replace("-", "");
            // The first character is the code's public tag; the other eleven are its secret.
            activeForms.add(normalised.substring(1).getBytes(StandardCharsets.US_ASCII));
            activeForms.add(normalised.substring(1).toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
        }
        List<byte[]> rows = rowsOf(active);
        assertHoldsNoTraceOf(activeForms, rows);
        assertEquals(true, rows.size() > 10 * 4, "the backup code rows were read too");
    }

    @Test
    void aCiphertextCopiedToAnotherUsersRowDoesNotVerify() throws SQLException {
        String victim = newUserId();
        String victimSecret = activeUser(victim, clock);
        String attacker = newUserId();
        activeUser(attacker, clock);
        try (Connection connection = database.getConnection();
                PreparedStatement copy = connection.prepareStatement("""
                        UPDATE authenticator SET secret_ciphertext = v.secret_ciphertext, secret_key_id = v.secret_key_id
                          FROM authenticator v JOIN user_account vu ON vu.id = v.user_account_id, user_account au
                         WHERE vu.user_id = ? AND au.user_id = ? AND authenticator.user_account_id = au.id""")) {
            copy.setString(1, victim);
            copy.setString(2, attacker);
            assertEquals(1, copy.executeUpdate());
        }
        clock.advance(Duration.ofSeconds(30));

        api().body(Map.of("userId", attacker, "code", code(victimSecret, clock, 0))).post("/verify")
                .then().statusCode(500).contentType("application/problem+json")
                .body("type", equalTo("urn:totpd:problem:internal-error"))
                .body("detail", not(containsString("Exception")));
        // The victim's own row is untouched and still works.
        api().body(Map.of("userId", victim, "code", code(victimSecret, clock, 0))).post("/verify").then().statusCode(200);
    }

    private static List<byte[]> forms(byte[] secret) {
        String base32 = Base32.encode(secret);
        return List.of(secret, base32.getBytes(StandardCharsets.US_ASCII),
                base32.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII),
                Base32.grouped(base32).getBytes(StandardCharsets.US_ASCII),
                Base64.getEncoder().encode(secret), HexFormat.of().formatHex(secret).getBytes(StandardCharsets.US_ASCII));
    }

    private static void assertHoldsNoTraceOf(List<byte[]> forms, List<byte[]> columns) {
        for (byte[] column : columns) {
            for (byte[] form : forms) {
                // Any eight consecutive bytes of a form would already give away 40 or more bits.
                for (int start = 0; start + 8 <= form.length; start++) {
                    assertFalse(contains(column, java.util.Arrays.copyOfRange(form, start, start + 8)),
                            "a column holds part of a secret");
                }
            }
        }
    }

    /** Every column of every row the user has, in every table, as raw bytes and as text. */
    private List<byte[]> rowsOf(String userId) throws SQLException {
        List<byte[]> columns = new ArrayList<>();
        for (String query : List.of("SELECT * FROM user_account WHERE user_id = ?",
                "SELECT a.* FROM authenticator a JOIN user_account u ON u.id = a.user_account_id WHERE u.user_id = ?",
                "SELECT b.* FROM backup_code b JOIN user_account u ON u.id = b.user_account_id WHERE u.user_id = ?")) {
            try (Connection connection = database.getConnection();
                    PreparedStatement select = connection.prepareStatement(query)) {
                select.setString(1, userId);
                try (ResultSet row = select.executeQuery()) {
                    while (row.next()) {
                        for (int i = 1; i <= row.getMetaData().getColumnCount(); i++) {
                            byte[] raw = row.getBytes(i);
                            String text = row.getString(i);
                            if (raw != null) {
                                columns.add(raw);
                            }
                            if (text != null) {
                                columns.add(text.getBytes(StandardCharsets.UTF_8));
                            }
                        }
                    }
                }
            }
        }
        return columns;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
