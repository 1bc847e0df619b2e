package io.totpd.support;

import io.totpd.crypto.Aead;
import io.totpd.crypto.Fields;
import io.totpd.crypto.KeyRing;
import io.totpd.otp.Secrets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Active factors written straight into the table, encrypted as the service encrypts them, as an
 * earlier deployment (or one with another key) would have left them: many users in a moment.
 */
public final class SeededFactors {

    private SeededFactors() {
    }

    /**
     * Inserts an active SHA1/6/30 factor for each user, sealed under {@code keyEntry} ({@code id:base64});
     * returns each user's secret.
     */
    public static Map<String, byte[]> insert(Connection connection, String keyEntry, String tenant, List<String> userIds,
            long lastStep) throws SQLException {
        Aead aead = new Aead(KeyRing.parse(List.of(keyEntry)));
        Map<String, byte[]> secrets = new LinkedHashMap<>();
        try (PreparedStatement insert = connection.prepareStatement("""
                INSERT INTO factor (id, tenant, user_id, state, algorithm, digits, period_seconds, secret_key_id,
                    secret_ciphertext, created_at, activated_at, last_step)
                VALUES (?, ?, ?, 'ACTIVE', 'SHA1', 6, 30, ?, ?, now(), now(), ?)""")) {
            for (String userId : userIds) {
                UUID id = UUID.randomUUID();
                byte[] secret = Secrets.generate();
                Aead.Sealed sealed = aead.encrypt(secret, Fields.encode("totpd.factor.v1", tenant, userId, id.toString()));
                insert.setObject(1, id);
                insert.setString(2, tenant);
                insert.setString(3, userId);
                insert.setString(4, sealed.keyId());
                insert.setBytes(5, sealed.ciphertext());
                insert.setLong(6, lastStep);
                insert.addBatch();
                secrets.put(userId, secret);
            }
            insert.executeBatch();
        }
        return secrets;
    }
}
